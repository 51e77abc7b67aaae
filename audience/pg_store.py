"""`PostgresPersonaStore`: the persona registry in Postgres, for many replicas sharing one state.

Plain tables only (no extension), in their own schema so the registry can share a database with
the memory store. psycopg errors are translated into `PersonaStoreError` at this boundary.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import psycopg
from psycopg import sql

from . import messages
from .errors import PersonaStoreError
from .store import Entry, Kind, PersonaStore

__all__ = ["DEFAULT_PG_SCHEMA", "PostgresPersonaStore"]

DEFAULT_PG_SCHEMA = "audience"

_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {table} (
    kind text NOT NULL,
    key text NOT NULL,
    value text NOT NULL,
    source text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, key)
)
"""


class PostgresPersonaStore(PersonaStore):
    """The registry in Postgres at `dsn` (e.g. DATABASE_URL), table `<schema>.persona_registry`."""

    def __init__(self, dsn: str, *, schema: str = DEFAULT_PG_SCHEMA) -> None:
        self.schema = schema
        self._table = sql.Identifier(schema, "persona_registry")
        self._lock = threading.Lock()
        self._closed = False
        try:
            self._conn = psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as exc:
            raise PersonaStoreError(messages.PG_UNAVAILABLE.format(error=exc)) from exc
        try:
            with self._guard() as conn, conn.transaction():
                # Replicas starting together race on CREATE ... IF NOT EXISTS; serialise them.
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (schema,))
                for statement in _SCHEMA.split(";"):
                    conn.execute(
                        sql.SQL(statement.strip()).format(  # type: ignore[arg-type]
                            schema=sql.Identifier(schema), table=self._table
                        )
                    )
        except BaseException:
            self._conn.close()
            raise

    @contextmanager
    def _guard(self) -> Iterator[psycopg.Connection]:
        with self._lock:
            if self._closed:
                raise PersonaStoreError(messages.STORE_CLOSED)
            try:
                yield self._conn
            except psycopg.OperationalError as exc:
                raise PersonaStoreError(messages.PG_UNAVAILABLE.format(error=exc)) from exc
            except psycopg.Error as exc:
                raise PersonaStoreError(messages.PG_FAILED.format(error=exc)) from exc

    def _items(self, kind: Kind) -> dict[str, Entry]:
        query = sql.SQL("SELECT key, value, source FROM {} WHERE kind = %s ORDER BY key")
        with self._guard() as conn:
            rows = conn.execute(query.format(self._table), (kind,)).fetchall()
        return {key: Entry(value, source) for key, value, source in rows}

    def _get(self, kind: Kind, key: str) -> Entry | None:
        query = sql.SQL("SELECT value, source FROM {} WHERE kind = %s AND key = %s")
        with self._guard() as conn:
            row = conn.execute(query.format(self._table), (kind, key)).fetchone()
        return Entry(*row) if row else None

    def _apply(self, kind: Kind, puts: Mapping[str, Entry], deletes: frozenset[str]) -> None:
        delete = sql.SQL("DELETE FROM {} WHERE kind = %s AND key = %s").format(self._table)
        upsert = sql.SQL(
            "INSERT INTO {} (kind, key, value, source) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value,"
            " source = excluded.source, updated_at = now()"
        ).format(self._table)
        with self._guard() as conn, conn.transaction(), conn.cursor() as cur:
            if deletes:
                cur.executemany(delete, [(kind, key) for key in sorted(deletes)])
            if puts:
                cur.executemany(upsert, [(kind, k, e.value, e.source) for k, e in puts.items()])

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
