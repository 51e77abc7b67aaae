"""`PostgresDigestStore`: the digest store in Postgres, shared by every replica.

The same SQL as the SQLite store (`store.py`), with psycopg's placeholders; plain tables in
their own schema. Exactly-once across replicas rests on the runs table's primary key: of two
replicas inserting one digest's key, one wins.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from . import messages
from .errors import DigestStoreError
from .store import SCHEMA, DigestStore

__all__ = ["DEFAULT_PG_SCHEMA", "PostgresDigestStore"]

DEFAULT_PG_SCHEMA = "digests"


def _one_line(exc: Exception) -> str:
    # libpq's messages span lines (and end with a hint); ours is one line in a log or a reply.
    return " ".join(str(exc).split()).rstrip(".?")


class PostgresDigestStore(DigestStore):
    """The store at `dsn` (e.g. DATABASE_URL), tables in `<schema>`."""

    def __init__(self, dsn: str, *, schema: str = DEFAULT_PG_SCHEMA) -> None:
        self.schema = schema
        self._lock = threading.Lock()
        self._closed = False
        try:
            self._conn = psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as exc:
            raise DigestStoreError(messages.PG_UNAVAILABLE.format(error=_one_line(exc))) from exc
        try:
            with self._lock, self._conn.transaction():
                # Replicas starting together race on CREATE ... IF NOT EXISTS; serialise them.
                self._conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (schema,))
                self._conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
                )
                self._conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
                for statement in SCHEMA:
                    self._conn.execute(statement)  # type: ignore[arg-type]
        except psycopg.Error as exc:
            self._conn.close()
            raise DigestStoreError(messages.PG_FAILED.format(error=_one_line(exc))) from exc

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        with self._lock:
            if self._closed:
                raise DigestStoreError(messages.STORE_CLOSED)
            conn = self._conn

            def run(query: str, params: tuple[Any, ...] = ()) -> psycopg.Cursor[Any]:
                return conn.execute(query.replace("?", "%s"), params)  # type: ignore[arg-type]

            try:
                with conn.transaction():
                    yield run
            except psycopg.OperationalError as exc:
                raise DigestStoreError(
                    messages.PG_UNAVAILABLE.format(error=_one_line(exc))
                ) from exc
            except psycopg.Error as exc:
                raise DigestStoreError(messages.PG_FAILED.format(error=_one_line(exc))) from exc

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
