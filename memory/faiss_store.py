"""`FaissStore`, the embedded default: SQLite (WAL) is the source of truth, faiss scores.

Every record, vector included (float32 blob), lives in SQLite. A write plan (a whole `add_many`
batch) is one transaction, durable when it returns (synchronous=FULL by default, see
`DEFAULT_SYNCHRONOUS`), and only then touches the in-memory index incrementally: nothing is
rewritten on a write. The index (partitions.py) files vectors by who may read them, so every
search filters before ranking without asking SQL for a list of ids. At open the index is loaded
from its snapshot if the snapshot matches the database (it is saved on clean close), otherwise
rebuilt from SQLite, which is how a crash, a missing or a corrupt file are survived. An exclusive
lock on the data directory refuses a second process instead of corrupting.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from distiller.embed import Embedder

from . import messages
from .acl import Readable
from .consolidate import ConsolidationPolicy, WritePlan
from .errors import InvalidRecordError, MemoryStoreError, StoreCorruptError, StoreUnavailableError
from .filelock import DirectoryLock
from .ivf import DEFAULT_IVF_MIN_ROWS, DEFAULT_IVF_THRESHOLD
from .partitions import PartitionedIndex, PartitionKey
from .record import Record
from .snapshot import load_snapshot, save_snapshot
from .sqlite_schema import SCHEMA, where_sql
from .store import MemoryStore, Where

__all__ = [
    "DB_NAME",
    "DEFAULT_RECORD_CACHE",
    "DEFAULT_SYNCHRONOUS",
    "INDEX_NAME",
    "LOCK_NAME",
    "FaissStore",
]

DB_NAME = "memory.sqlite3"
INDEX_NAME = "memory.index"
LOCK_NAME = "memory.lock"
# FULL: in WAL mode every commit fsyncs the log, so an add that returned survives a power loss,
# at one fsync per transaction (~4 ms on the benchmark disk; a batch shares it). NORMAL skips that
# fsync: a commit is in the OS page cache when it returns, which survives the process dying
# (kill -9, a crash) but not the machine losing power or the kernel panicking, where the last
# transactions may be rolled back (never corrupted). Pick NORMAL only if that is acceptable.
DEFAULT_SYNCHRONOUS = "FULL"
_SYNCHRONOUS = ("FULL", "NORMAL")
# Parsed records kept by rowid, so repeated hits skip JSON validation; ~2 KB each.
DEFAULT_RECORD_CACHE = 4096
_PAGE = 1000
_REBUILD_PAGE = 50_000

log = logging.getLogger(__name__)


class FaissStore(MemoryStore):
    """File-backed memory in `data_dir` (created if missing); one process per directory.

    `synchronous` is SQLite's setting for commits ("FULL" or "NORMAL", see DEFAULT_SYNCHRONOUS);
    `record_cache` is how many parsed records to keep (0 turns the cache off). Searches that may
    read `ivf_min_rows` rows or more use an IVF index (probing `nprobe` lists) once the store
    holds `ivf_threshold` records (None: always exact); see ivf.py."""

    backend = "faiss"

    def __init__(
        self,
        data_dir: str | Path,
        embedder: Embedder,
        *,
        policy: ConsolidationPolicy | None = None,
        synchronous: str = DEFAULT_SYNCHRONOUS,
        record_cache: int = DEFAULT_RECORD_CACHE,
        ivf_threshold: int | None = DEFAULT_IVF_THRESHOLD,
        ivf_min_rows: int = DEFAULT_IVF_MIN_ROWS,
        nprobe: int | None = None,
    ) -> None:
        super().__init__(embedder, policy=policy)
        if synchronous.upper() not in _SYNCHRONOUS:
            raise InvalidRecordError(
                messages.BAD_SYNCHRONOUS.format(allowed=", ".join(_SYNCHRONOUS), value=synchronous)
            )
        self.data_dir = Path(data_dir)
        self.synchronous = synchronous.upper()
        self._lock = threading.RLock()
        self._cache: OrderedDict[int, Record] = OrderedDict()
        self._cache_size = max(0, record_cache)
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
            ntotal = self._index.ntotal
            if self._index.ivf is None and ivf_threshold is not None and ntotal >= ivf_threshold:
                log.info(messages.IVF_BUILDING.format(count=ntotal))
            self._index.configure_ivf(ivf_threshold, ivf_min_rows, nprobe)
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
            db.execute(f"PRAGMA synchronous={self.synchronous}")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            template = messages.SQLITE_CORRUPT if _is_corrupt(exc) else messages.SQLITE_OPEN_FAILED
            error = StoreCorruptError if _is_corrupt(exc) else StoreUnavailableError
            raise error(template.format(path=path, error=exc)) from exc
        return db

    def _generation(self) -> int:
        return int(self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    def _load_index(self) -> PartitionedIndex:
        path = self.data_dir / INDEX_NAME
        count = self._db.execute("SELECT count(*) FROM records").fetchone()[0]
        index = load_snapshot(path, self.dimension, self._generation(), count)
        if index is not None:
            return index
        reason = "stale or corrupt" if path.exists() else "missing"
        index = PartitionedIndex(self.dimension)
        keys: dict[tuple[str, str, int], PartitionKey] = {}
        # Partitions sized up front: grown row by row they would keep up to 50% slack.
        for visibility, workspace, current, size in self._db.execute(
            "SELECT visibility, workspace, invalid_at IS NULL, count(*) FROM records"
            " GROUP BY 1, 2, 3"
        ):
            keys[(visibility, workspace, current)] = key = PartitionKey(
                visibility, workspace, bool(current)
            )
            index.reserve(key, size)
        last = 0
        while True:
            rows = self._db.execute(
                "SELECT rid, visibility, workspace, invalid_at IS NULL, vector FROM records"
                " WHERE rid > ? ORDER BY rid LIMIT ?",
                (last, _REBUILD_PAGE),
            ).fetchall()
            if not rows:
                break
            ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
            vectors = np.frombuffer(b"".join(row[4] for row in rows), dtype=np.float32)
            part_keys = [
                keys.get((vis, ws, cur))
                or keys.setdefault((vis, ws, cur), PartitionKey(vis, ws, bool(cur)))
                for _, vis, ws, cur, _ in rows
            ]
            index.add(ids, vectors.reshape(len(rows), self.dimension), part_keys)
            last = int(ids[-1])
        if count:
            log.warning(messages.INDEX_REBUILT.format(path=path, reason=reason, count=count))
        return index

    def index_count(self) -> int:
        """Vectors in the index (equals the database's record count when healthy)."""
        with self._lock:
            return self._index.ntotal

    # -- the abstract core ---------------------------------------------------------------------

    def _search(
        self, vector: np.ndarray, readable: Readable, k: int, include_history: bool
    ) -> list[tuple[Record, float]]:
        with self._lock:
            self._check_open()
            ranked = self._index.search(vector, readable, k, include_history)
            records = self._records([rid for rid, _ in ranked])
        return [(records[rid], score) for rid, score in ranked if rid in records]

    def _search_many(
        self,
        vectors: np.ndarray,
        readable: Readable,
        k: int,
        include_history: bool,
        min_score: float | None = None,
    ) -> list[list[tuple[Record, float]]]:
        with self._lock:
            self._check_open()
            ranked = self._index.search_many(vectors, readable, k, include_history)
            if min_score is not None:
                ranked = [[hit for hit in hits if hit[1] >= min_score] for hits in ranked]
            records = self._records([rid for hits in ranked for rid, _ in hits])
        return [[(records[rid], score) for rid, score in hits if rid in records] for hits in ranked]

    def _records(self, rids: list[int]) -> dict[int, Record]:
        """Records by rowid, parsed once and then served from the cache."""
        found: dict[int, Record] = {}
        missing = []
        for rid in rids:
            record = self._cache.get(rid)
            if record is None:
                missing.append(rid)
            else:
                self._cache.move_to_end(rid)
                found[rid] = record
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            rows = self._db.execute(
                f"SELECT rid, body FROM records WHERE rid IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            for rid, body in rows:
                found[rid] = self._remember(rid, Record.model_validate_json(body))
        return found

    def _remember(self, rid: int, record: Record) -> Record:
        if self._cache_size:
            self._cache[rid] = record
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return record

    def _find(self, where: Where) -> Iterator[Record]:
        clause, params = where_sql(where)
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

    def _apply(self, plans: Sequence[WritePlan]) -> None:
        with self._lock:
            self._check_open()
            db = self._db
            # What the index must do once the transaction is durable: new rows, then re-filed
            # (key) or removed (None) rows in order. New rows go first, in one call: a later step
            # of the same batch may refer to them, and nothing earlier does.
            added: list[tuple[int, PartitionKey, np.ndarray]] = []
            changed: list[tuple[int, PartitionKey | None]] = []
            try:
                db.execute("BEGIN IMMEDIATE")
                for plan in plans:
                    for record, vector in plan.inserts:
                        added.append((self._insert(record, vector), _key(record), vector))
                    for record in plan.updates:
                        rid = self._update(record)
                        if rid is not None:
                            changed.append((rid, _key(record)))
                    for record_id in plan.deletes:
                        row = db.execute(
                            "SELECT rid FROM records WHERE id = ?", (record_id,)
                        ).fetchone()
                        if row:
                            db.execute("DELETE FROM records WHERE rid = ?", (row[0],))
                            changed.append((row[0], None))
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
                    np.array([rid for rid, _, _ in added], dtype=np.int64),
                    np.stack([vector for _, _, vector in added]),
                    [key for _, key, _ in added],
                )
            for rid, key in changed:
                self._cache.pop(rid, None)
                if key is None:
                    self._index.remove([rid])
                else:
                    self._index.move(rid, key)

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

    def _update(self, record: Record) -> int | None:
        row = self._db.execute("SELECT rid FROM records WHERE id = ?", (record.id,)).fetchone()
        if row is None:
            return None  # deleted meanwhile: nothing to update
        # The workspace follows the record's first source, which a deleted message can change.
        self._db.execute(
            "UPDATE records SET workspace = ?, invalid_at = ?, superseded_by = ?, body = ?"
            " WHERE rid = ?",
            (
                record.workspace,
                record.invalid_at.timestamp() if record.invalid_at else None,
                record.superseded_by,
                record.model_dump_json(),
                row[0],
            ),
        )
        self._db.execute("DELETE FROM record_sources WHERE rid = ?", (row[0],))
        self._write_sources(row[0], record)
        return int(row[0])

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
                save_snapshot(self._index, self.data_dir / INDEX_NAME, self._generation())
            except OSError as exc:  # only a cache: the next open rebuilds
                log.warning(messages.SNAPSHOT_FAILED.format(error=exc))
            finally:
                self._cache.clear()
                self._db.close()
                self._dir_lock.release()

    def _check_open(self) -> None:
        if getattr(self, "_closed", False):
            raise StoreUnavailableError(messages.CLOSED)


def _key(record: Record) -> PartitionKey:
    return PartitionKey(record.visibility.key, record.workspace, record.is_current)


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def _translate(exc: sqlite3.Error, path: Path) -> MemoryStoreError:
    if isinstance(exc, sqlite3.DatabaseError) and _is_corrupt(exc):
        return StoreCorruptError(messages.SQLITE_CORRUPT.format(path=path, error=exc))
    return StoreUnavailableError(messages.SQLITE_OPEN_FAILED.format(path=path, error=exc))
