"""`PersonaStore`: where the registry keeps its run-time state, and the SQLite default.

The state is three small maps, each an `Entry` (value, source) per key: channel id → persona
name, custom persona name → its JSON definition, reader (user id) → persona name. `source` says
who set an entry ("file" for the persona file, "api" or "api:<who>" for run-time changes), which
is how a file reload knows what it may overwrite. A backend implements two methods, `_items` and
`_apply` (one transaction); the typed methods live here, shared by both backends.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import messages
from .errors import PersonaStoreError

__all__ = [
    "DEFAULT_STORE_FILENAME",
    "FILE_SOURCE",
    "Entry",
    "Kind",
    "PersonaStore",
    "SqlitePersonaStore",
]

# The SQLite file's name inside the service's data dir.
DEFAULT_STORE_FILENAME = "personas.sqlite3"
FILE_SOURCE = "file"
Kind = Literal["channel", "persona", "reader"]
KINDS: tuple[Kind, ...] = ("channel", "persona", "reader")


@dataclass(frozen=True)
class Entry:
    """One stored value and who set it ("file", "api", "api:<principal>")."""

    value: str
    source: str


class PersonaStore(ABC):
    """Durable key → Entry maps for channels, custom personas and readers' preferences."""

    @abstractmethod
    def _items(self, kind: Kind) -> dict[str, Entry]:
        """Every entry of one kind."""

    @abstractmethod
    def _apply(self, kind: Kind, puts: Mapping[str, Entry], deletes: frozenset[str]) -> None:
        """Write `puts` and remove `deletes` in one transaction."""

    def close(self) -> None:  # noqa: B027 - optional hook; a backend without resources has none
        """Release connections; the store refuses further use."""

    def items(self, kind: Kind) -> dict[str, Entry]:
        """Every entry of `kind` ("channel", "persona" or "reader"), keyed by id or name."""
        _check_kind(kind)
        return self._items(kind)

    def get(self, kind: Kind, key: str) -> Entry | None:
        """The entry of `kind` at `key`, or None."""
        _check_kind(kind)
        return self._get(kind, key)

    def _get(self, kind: Kind, key: str) -> Entry | None:
        # Backends override this with a keyed read: every request looks up one channel.
        return self._items(kind).get(key)

    def put(self, kind: Kind, key: str, value: str, source: str) -> None:
        """Set one entry (replacing any), recording who set it."""
        self.apply(kind, {key: Entry(value, source)})

    def delete(self, kind: Kind, key: str) -> bool:
        """Remove one entry; True if there was one."""
        existed = self.get(kind, key) is not None
        if existed:
            self.apply(kind, deletes=[key])
        return existed

    def apply(
        self, kind: Kind, puts: Mapping[str, Entry] | None = None, deletes: list[str] | None = None
    ) -> None:
        """Write several entries and removals of one kind atomically (a file reload uses it)."""
        _check_kind(kind)
        self._apply(kind, dict(puts or {}), frozenset(deletes or ()))

    def __enter__(self) -> PersonaStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS persona_registry (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0),
    PRIMARY KEY (kind, key)
)
"""


class SqlitePersonaStore(PersonaStore):
    """The default store: one SQLite file (WAL), safe to share between threads of a process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA busy_timeout=5000")
            self._conn.execute(_SQLITE_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise PersonaStoreError(
                messages.SQLITE_FAILED.format(path=self.path, error=exc)
            ) from exc

    @classmethod
    def in_data_dir(cls, data_dir: str | Path) -> SqlitePersonaStore:
        """The store at `<data_dir>/personas.sqlite3`, created if absent."""
        return cls(Path(data_dir) / DEFAULT_STORE_FILENAME)

    @contextmanager
    def _guard(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._closed:
                raise PersonaStoreError(messages.STORE_CLOSED)
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise PersonaStoreError(
                    messages.SQLITE_FAILED.format(path=self.path, error=exc)
                ) from exc

    def _items(self, kind: Kind) -> dict[str, Entry]:
        with self._guard() as conn:
            rows = conn.execute(
                "SELECT key, value, source FROM persona_registry WHERE kind = ? ORDER BY key",
                (kind,),
            ).fetchall()
        return {key: Entry(value, source) for key, value, source in rows}

    def _get(self, kind: Kind, key: str) -> Entry | None:
        with self._guard() as conn:
            row = conn.execute(
                "SELECT value, source FROM persona_registry WHERE kind = ? AND key = ?",
                (kind, key),
            ).fetchone()
        return Entry(*row) if row else None

    def _apply(self, kind: Kind, puts: Mapping[str, Entry], deletes: frozenset[str]) -> None:
        with self._guard() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "DELETE FROM persona_registry WHERE kind = ? AND key = ?",
                    [(kind, key) for key in sorted(deletes)],
                )
                conn.executemany(
                    "INSERT INTO persona_registry (kind, key, value, source) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value,"
                    " source = excluded.source, updated_at = excluded.updated_at",
                    [(kind, key, e.value, e.source) for key, e in puts.items()],
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
