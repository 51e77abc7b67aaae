"""The adapter's one SQLite file (`<data_dir>/slack.sqlite3`): a connection shared by threads.

WAL with synchronous=NORMAL: a commit is a write to the log, not an fsync, so the small writes
done per Slack request (an event id, a vote) stay well under a millisecond; a power cut loses
at most the last few of them, which Slack's retries and a second click restore.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["DEFAULT_FILENAME", "SlackDB"]

DEFAULT_FILENAME = "slack.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS channel_settings (
    channel_id TEXT PRIMARY KEY,
    auto INTEGER NOT NULL DEFAULT 0,
    reply INTEGER NOT NULL DEFAULT 0,
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS seen_events (
    event_id TEXT PRIMARY KEY,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS distillations (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    thread_ts TEXT,
    requested_by TEXT NOT NULL,
    persona TEXT,
    why TEXT NOT NULL,
    permalink TEXT NOT NULL,
    source TEXT NOT NULL,
    result TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    distillation_id TEXT NOT NULL REFERENCES distillations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    at REAL NOT NULL,
    PRIMARY KEY (distillation_id, user_id)
);
"""


class SlackDB:
    """One connection (autocommit), serialised by a lock; `tx()` for multi-statement writes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(_SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: str | Path) -> SlackDB:
        return cls(Path(data_dir) / DEFAULT_FILENAME)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one transaction, held by this thread alone."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
