"""`FaissStore`, the embedded default: SQLite (WAL) is the source of truth, faiss the index.

Every record, vector included (float32 blob), lives in SQLite; a write is one transaction,
durable on return (synchronous=FULL), and only then touches the in-memory faiss index
incrementally: the index file is never rewritten on a write. At open the index is loaded from
its snapshot if the snapshot's generation matches the database's (it is saved on clean close),
otherwise rebuilt from SQLite, which is how a crash, a missing or a corrupt file are survived.
An exclusive lock on the data directory refuses a second process instead of corrupting.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from distiller.embed import Embedder

from . import messages
from .acl import Readable
from .consolidate import ConsolidationPolicy, WritePlan
from .errors import MemoryStoreError, StoreCorruptError, StoreUnavailableError
from .faiss_index import FlatIndex
from .filelock import DirectoryLock
from .record import Record
from .store import MemoryStore, Where

__all__ = ["DB_NAME", "INDEX_NAME", "LOCK_NAME", "FaissStore"]

DB_NAME = "memory.sqlite3"
INDEX_NAME = "memory.faiss"
LOCK_NAME = "memory.lock"
_PAGE = 1000

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
CREATE TABLE IF NOT EXISTS records (
    rid INTEGER PRIMARY KEY AUTOINCREMENT,  -- faiss id; AUTOINCREMENT never reuses one
    id TEXT NOT NULL UNIQUE,
    visibility TEXT NOT NULL,
    scope TEXT NOT NULL,
    workspace TEXT NOT NULL,
    kind TEXT NOT NULL,
    valid_from REAL NOT NULL,
    invalid_at REAL,
    superseded_by TEXT,
    body TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS records_visibility ON records (visibility, invalid_at);
CREATE INDEX IF NOT EXISTS records_public ON records (scope, workspace, invalid_at);
CREATE INDEX IF NOT EXISTS records_superseded ON records (superseded_by);
CREATE TABLE IF NOT EXISTS record_sources (
    rid INTEGER NOT NULL REFERENCES records (rid) ON DELETE CASCADE,
    workspace TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    ts TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS record_sources_message ON record_sources (workspace, channel_id, ts);
CREATE INDEX IF NOT EXISTS record_sources_rid ON record_sources (rid);
"""


class FaissStore(MemoryStore):
    """File-backed memory in `data_dir` (created if missing); one process per directory."""

    backend = "faiss"

    def __init__(
        self,
        data_dir: str | Path,
        embedder: Embedder,
        *,
        policy: ConsolidationPolicy | None = None,
    ) -> None:
        super().__init__(embedder, policy=policy)
        self.data_dir = Path(data_dir)
        self._lock = threading.RLock()
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailableError(
                messages.SQLITE_OPEN_FAILED.format(path=self.data_dir, error=exc)
            ) from exc
        self._dir_lock = DirectoryLock(self.data_dir / LOCK_NAME)
        self._dir_lock.acquire()
        try:
            self._db = self._connect()
            self._index = self._load_index()
        except BaseException:
            self._dir_lock.release()
            raise
        self._closed = False

    # -- open ----------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        path = self.data_dir / DB_NAME
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit that returned is on disk even if the machine loses power.
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            template = messages.SQLITE_CORRUPT if _is_corrupt(exc) else messages.SQLITE_OPEN_FAILED
            error = StoreCorruptError if _is_corrupt(exc) else StoreUnavailableError
            raise error(template.format(path=path, error=exc)) from exc
        return db

    def _generation(self) -> int:
        return int(self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    def _load_index(self) -> FlatIndex:
        path = self.data_dir / INDEX_NAME
        count = self._db.execute("SELECT count(*) FROM records").fetchone()[0]
        index = FlatIndex.load(path, self.dimension, self._generation(), count)
        if index is not None:
            return index
        reason = "stale or corrupt" if path.exists() else "missing"
        index = FlatIndex(self.dimension)
        last = 0
        while True:
            rows = self._db.execute(
                "SELECT rid, vector FROM records WHERE rid > ? ORDER BY rid LIMIT ?",
                (last, 50 * _PAGE),
            ).fetchall()
            if not rows:
                break
            ids = np.fromiter((rid for rid, _ in rows), dtype=np.int64, count=len(rows))
            vectors = np.frombuffer(b"".join(blob for _, blob in rows), dtype=np.float32)
            index.add(ids, vectors.reshape(len(rows), self.dimension))
            last = int(ids[-1])
        if count:
            log.warning(messages.INDEX_REBUILT.format(path=path, reason=reason, count=count))
        return index

    def index_count(self) -> int:
        """Vectors in the faiss index (equals the database's record count when healthy)."""
        return self._index.ntotal

    # -- the abstract core ---------------------------------------------------------------------

    def _search(
        self, vector: np.ndarray, readable: Readable, k: int, include_history: bool
    ) -> list[tuple[Record, float]]:
        clause, params = _readable_sql(readable)
        if not include_history:
            clause += " AND invalid_at IS NULL"
        with self._lock:
            self._check_open()
            rows = self._db.execute(f"SELECT rid FROM records WHERE {clause}", params).fetchall()
            candidates = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
            ranked = self._index.search(vector, candidates, k)
            if not ranked:
                return []
            marks = ",".join("?" * len(ranked))
            bodies = dict(
                self._db.execute(
                    f"SELECT rid, body FROM records WHERE rid IN ({marks})",
                    [rid for rid, _ in ranked],
                ).fetchall()
            )
        return [
            (Record.model_validate_json(bodies[rid]), score)
            for rid, score in ranked
            if rid in bodies
        ]

    def _find(self, where: Where) -> Iterator[Record]:
        clause, params = _where_sql(where)
        last = 0
        while True:
            with self._lock:
                self._check_open()
                rows = self._db.execute(
                    f"SELECT rid, body FROM records WHERE rid > ? AND {clause} "
                    "ORDER BY rid LIMIT ?",
                    [last, *params, _PAGE],
                ).fetchall()
            yield from (Record.model_validate_json(body) for _, body in rows)
            if len(rows) < _PAGE:
                return
            last = rows[-1][0]

    def _apply(self, plan: WritePlan) -> None:
        with self._lock:
            self._check_open()
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                added = [(self._insert(record, vector), vector) for record, vector in plan.inserts]
                for record in plan.updates:
                    self._update(record)
                removed = []
                for record_id in plan.deletes:
                    row = db.execute(
                        "SELECT rid FROM records WHERE id = ?", (record_id,)
                    ).fetchone()
                    if row:
                        removed.append(row[0])
                        db.execute("DELETE FROM records WHERE rid = ?", (row[0],))
                db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise _translate(exc, self.data_dir / DB_NAME) from exc
            # Durable from here on; the index follows. A crash before this point is repaired at
            # the next open, because the snapshot's generation no longer matches.
            if added:
                self._index.add(
                    np.array([rid for rid, _ in added], dtype=np.int64),
                    np.vstack([vector for _, vector in added]),
                )
            if removed:
                self._index.remove(np.array(removed, dtype=np.int64))

    def _insert(self, record: Record, vector: np.ndarray) -> int:
        cursor = self._db.execute(
            "INSERT INTO records (id, visibility, scope, workspace, kind, valid_from, invalid_at,"
            " superseded_by, body, vector) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                record.id,
                record.visibility.key,
                record.visibility.scope,
                record.workspace,
                record.kind.value,
                record.valid_from.timestamp(),
                record.invalid_at.timestamp() if record.invalid_at else None,
                record.superseded_by,
                record.model_dump_json(),
                np.ascontiguousarray(vector, dtype=np.float32).tobytes(),
            ),
        )
        rid = int(cursor.lastrowid or 0)
        self._write_sources(rid, record)
        return rid

    def _update(self, record: Record) -> None:
        row = self._db.execute("SELECT rid FROM records WHERE id = ?", (record.id,)).fetchone()
        if row is None:
            return  # deleted meanwhile: nothing to update
        self._db.execute(
            "UPDATE records SET invalid_at = ?, superseded_by = ?, body = ? WHERE rid = ?",
            (
                record.invalid_at.timestamp() if record.invalid_at else None,
                record.superseded_by,
                record.model_dump_json(),
                row[0],
            ),
        )
        self._db.execute("DELETE FROM record_sources WHERE rid = ?", (row[0],))
        self._write_sources(row[0], record)

    def _write_sources(self, rid: int, record: Record) -> None:
        self._db.executemany(
            "INSERT INTO record_sources VALUES (?,?,?,?)",
            [(rid, *source.key) for source in record.sources],
        )

    def _count(self) -> tuple[int, int]:
        with self._lock:
            self._check_open()
            current, total = self._db.execute(
                "SELECT count(*) FILTER (WHERE invalid_at IS NULL), count(*) FROM records"
            ).fetchone()
        return int(current), int(total)

    def close(self) -> None:
        """Save the index snapshot (so the next open skips the rebuild) and release the lock."""
        with self._lock:
            if getattr(self, "_closed", True):
                return
            self._closed = True
            try:
                self._index.save(self.data_dir / INDEX_NAME, self._generation())
            except (OSError, RuntimeError) as exc:  # only a cache: the next open rebuilds
                log.warning("could not save faiss snapshot: %s", exc)
            finally:
                self._db.close()
                self._dir_lock.release()

    def _check_open(self) -> None:
        if getattr(self, "_closed", False):
            raise StoreUnavailableError(messages.CLOSED)


def _readable_sql(readable: Readable) -> tuple[str, list[object]]:
    keys = sorted(readable.keys)
    workspaces = sorted(readable.public_workspaces)
    parts = []
    if keys:
        parts.append(f"visibility IN ({','.join('?' * len(keys))})")
    if workspaces:
        parts.append(f"(scope = 'public' AND workspace IN ({','.join('?' * len(workspaces))}))")
    if not parts:
        return "0", []  # an empty readable set reads nothing, never everything
    return f"({' OR '.join(parts)})", [*keys, *workspaces]


def _where_sql(where: Where) -> tuple[str, list[object]]:
    clauses, params = ["1"], []
    if where.readable is not None:
        clause, extra = _readable_sql(where.readable)
        clauses.append(clause)
        params += extra
    if where.ids is not None:
        clauses.append(f"id IN ({','.join('?' * len(where.ids))})" if where.ids else "0")
        params += list(where.ids)
    if where.source is not None:
        clauses.append(
            "rid IN (SELECT rid FROM record_sources WHERE workspace=? AND channel_id=? AND ts=?)"
        )
        params += list(where.source)
    if where.channel is not None:
        clauses.append(
            "rid IN (SELECT rid FROM record_sources WHERE workspace = ? AND channel_id = ?)"
        )
        params += list(where.channel)
    if where.superseded_by is not None:
        clauses.append("superseded_by = ?")
        params.append(where.superseded_by)
    if where.current_only:
        clauses.append("invalid_at IS NULL")
    if where.kinds is not None:
        clauses.append(f"kind IN ({','.join('?' * len(where.kinds))})" if where.kinds else "0")
        params += list(where.kinds)
    if where.valid_before is not None:
        clauses.append("valid_from < ?")
        params.append(where.valid_before.timestamp())
    return " AND ".join(clauses), params


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def _translate(exc: sqlite3.Error, path: Path) -> MemoryStoreError:
    if isinstance(exc, sqlite3.DatabaseError) and _is_corrupt(exc):
        return StoreCorruptError(messages.SQLITE_CORRUPT.format(path=path, error=exc))
    return StoreUnavailableError(messages.SQLITE_OPEN_FAILED.format(path=path, error=exc))
