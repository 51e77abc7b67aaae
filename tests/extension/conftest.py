"""A real `distill serve` on loopback for the extension and agent-config tests.

The service runs as a subprocess, as users run it, with the hashing embedder (no model load) and
keys minted into its data directory through the real KeyStore.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

STARTUP_TIMEOUT_S = 90.0
DISTILL = Path(sys.executable).with_name("distill")


@dataclass
class Service:
    """A running `distill serve`: its base URL, a key with every scope, and its data dir."""

    url: str
    key: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    def post(self, path: str, body: dict) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.key}"}
        return httpx.post(self.url + path, json=body, headers=headers, timeout=30)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_service(data_dir: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start `distill serve` on a free port; returns at once (see wait_ready)."""
    port = free_port()
    environment = {
        **os.environ,
        "DISTILLER_DATA_DIR": str(data_dir),
        "DISTILLER_EMBEDDER": "hashing",
        **env,
    }
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(DISTILL), "serve", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=environment,
    )
    log.close()  # the child holds its own handle
    return process, f"http://127.0.0.1:{port}"


def mint_key(data_dir: Path, scopes: list[str]) -> str:
    """A new key in the service's key store (SQLite, shared safely with the running server)."""
    from api.auth import KeyStore  # imported late: it loads the whole api package

    data_dir.mkdir(parents=True, exist_ok=True)
    store = KeyStore(data_dir / "keys.sqlite3")
    try:
        return store.create("extension-tests", scopes).token
    finally:
        store.close()


def wait_ready(process: subprocess.Popen[bytes], url: str, data_dir: Path) -> None:
    """Bounded poll of /healthz; fails with the server's log if it exits or never answers."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (data_dir / "serve.log").read_text(errors="replace")
            pytest.fail(f"distill serve exited with {process.returncode}:\n{log[-3000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # polling a socket that is not listening yet: no event to wait on
    pytest.fail(f"distill serve did not answer on {url} within {STARTUP_TIMEOUT_S:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One real service for the whole extension package (browser and agent tests)."""
    data_dir = tmp_path_factory.mktemp("distiller")
    process, url = start_service(data_dir)
    try:
        key = mint_key(data_dir, ["distill", "memory:read", "memory:write"])
        wait_ready(process, url, data_dir)
        yield Service(url=url, key=key, data_dir=data_dir, process=process)
    finally:
        stop(process)
