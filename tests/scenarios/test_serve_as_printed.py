"""`distill serve` as `make run` starts it: the printed curl line works as printed."""

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_curl_line(line: str) -> dict:
    args = shlex.split(line)
    if shutil.which("curl"):
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
        return json.loads(done.stdout)
    # No curl on this machine: send exactly what the printed line would send.
    url = next(a for a in args if a.startswith("http"))
    body = args[args.index("-d") + 1]
    return httpx.post(
        url, content=body, headers={"content-type": "application/json"}, timeout=60
    ).json()


def test_printed_curl_example_works(tmp_path: Path) -> None:
    port = _free_port()
    exe = Path(sys.executable).with_name("distill")
    env = {**os.environ, "DISTILLER_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        curl_line = ""
        deadline = time.monotonic() + 120
        assert proc.stderr is not None
        while time.monotonic() < deadline and not curl_line:
            line = proc.stderr.readline()
            assert line or proc.poll() is None, "serve exited early"
            if line.startswith("try:"):
                curl_line = line.removeprefix("try:").strip()
        assert f"http://127.0.0.1:{port}/v1/distill" in curl_line
        assert "authorization: Bearer sd_" in curl_line  # the first start mints a dev key
        for _ in range(600):  # bounded wait until the socket accepts
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        result = _run_curl_line(curl_line)
        assert result["engine"] == "offline"
        assert "failed at 14:05 UTC" in result["tldr"]
        assert result["asks"][0]["owner"] == "<@U123>"
        assert "hope" not in result["summary"].lower()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr is not None:
            proc.stderr.close()
