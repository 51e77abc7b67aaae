"""`DigestStore`: subscriptions, their watermarks, and the ledger of digest runs.

The ledger is what makes a digest happen once. A run is keyed by (subscription, window end);
`claim()` inserts the key or takes over a run whose lease expired (its replica died), and only
the claimant's `finish()` counts. Two replicas racing on one Postgres both try the INSERT: one
wins, the other gets None. Posting and then crashing before `finish()` is the one gap a ledger
cannot close alone; the runner closes it by looking for its own post (message metadata carries
the key) before posting again on a takeover.

Two real backends share this base and its SQL: `SqliteDigestStore` (embedded default, in the
data dir) and `PostgresDigestStore` (`pg_store.py`, for replicas). Times are epoch seconds.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from . import messages
from .errors import DigestStoreError
from .schedule import Window
from .subscription import Subscription

__all__ = [
    "DEFAULT_FILENAME",
    "DEFAULT_LEASE_SECONDS",
    "Claim",
    "DigestStore",
    "RunRecord",
    "RunStatus",
    "SqliteDigestStore",
    "SubscriptionState",
]

DEFAULT_FILENAME = "digests.sqlite3"
# A run holds its claim this long: a digest takes seconds to a minute, so a claim still held
# after ten minutes belongs to a replica that died, and another may take the run over.
DEFAULT_LEASE_SECONDS = 600.0
# A failed run is retried after this many seconds, doubling per attempt up to an hour: Slack is
# not hammered while a channel stays unreadable, and a fixed cause is picked up within the hour.
RETRY_BASE_SECONDS, RETRY_MAX_SECONDS = 120.0, 3600.0

RunStatus = Literal["running", "posted", "quiet", "failed"]

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS digest_subscriptions (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        recipient TEXT NOT NULL,
        body TEXT NOT NULL,
        watermark DOUBLE PRECISION,
        updated_at DOUBLE PRECISION NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS digest_runs (
        key TEXT PRIMARY KEY,
        subscription_id TEXT NOT NULL,
        window_start DOUBLE PRECISION NOT NULL,
        window_end DOUBLE PRECISION NOT NULL,
        status TEXT NOT NULL,
        owner TEXT NOT NULL,
        lease_until DOUBLE PRECISION NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,
        started_at DOUBLE PRECISION NOT NULL,
        finished_at DOUBLE PRECISION,
        post_channel TEXT,
        post_ts TEXT,
        coverage TEXT,
        error TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS digest_runs_by_subscription "
    "ON digest_runs (subscription_id, window_end)",
)


def _utc(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class Claim:
    """A run this process may do. `since`: when an earlier attempt started (it failed, or its
    process died: `takeover`), where to look for a post it may have made before posting."""

    key: str
    subscription_id: str
    window: Window
    owner: str
    takeover: bool = False
    since: float | None = None


@dataclass(frozen=True)
class RunRecord:
    """One digest run as the ledger holds it."""

    key: str
    subscription_id: str
    window: Window
    status: RunStatus
    attempts: int
    started_at: datetime
    finished_at: datetime | None = None
    post_channel: str | None = None
    post_ts: str | None = None
    coverage: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class SubscriptionState:
    """A subscription with what the ledger knows of it."""

    subscription: Subscription
    watermark: datetime | None
    last_run: RunRecord | None


class _Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchall(self) -> list[Any]: ...


_RUN_COLUMNS = (
    "key, subscription_id, window_start, window_end, status, attempts, started_at, "
    "finished_at, post_channel, post_ts, coverage, error"
)


def _run(row: Sequence[Any]) -> RunRecord:
    return RunRecord(
        key=row[0],
        subscription_id=row[1],
        window=Window(
            start=datetime.fromtimestamp(row[2], UTC), end=datetime.fromtimestamp(row[3], UTC)
        ),
        status=row[4],
        attempts=int(row[5]),
        started_at=datetime.fromtimestamp(row[6], UTC),
        finished_at=_utc(row[7]),
        post_channel=row[8],
        post_ts=row[9],
        coverage=json.loads(row[10]) if row[10] else {},
        error=row[11],
    )


class DigestStore(ABC):
    """The store's behaviour, written once over `_tx()`; backends supply a transaction."""

    @abstractmethod
    def _tx(self) -> AbstractContextManager[Any]:
        """A context manager giving an executor `run(sql, params) -> cursor` in one
        transaction; SQL uses '?' placeholders. Backend errors become DigestStoreError."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def __enter__(self) -> DigestStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Subscriptions -------------------------------------------------------------------------

    def put(self, sub: Subscription) -> None:
        """Save `sub`, replacing the one with the same id; its watermark is kept."""
        with self._tx() as run:
            run(
                "INSERT INTO digest_subscriptions (id, channel, recipient, body, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, "
                "updated_at = excluded.updated_at",
                (sub.id, sub.channel, sub.recipient, sub.model_dump_json(), time.time()),
            )

    def delete(self, subscription_id: str) -> bool:
        """Remove a subscription (its run history stays); False when there was none."""
        with self._tx() as run:
            cur = run("DELETE FROM digest_subscriptions WHERE id = ?", (subscription_id,))
            return bool(cur.rowcount)

    def count(self) -> int:
        """How many subscriptions there are: a cheap round trip (readiness checks use it)."""
        with self._tx() as run:
            return int(run("SELECT count(*) FROM digest_subscriptions").fetchall()[0][0])

    def get(self, subscription_id: str) -> SubscriptionState | None:
        found = self._states("WHERE id = ?", (subscription_id,))
        return found[0] if found else None

    def subscriptions(self, channel: str | None = None) -> list[SubscriptionState]:
        """Every subscription (of `channel` when given), ordered by id."""
        if channel is None:
            return self._states("", ())
        return self._states("WHERE channel = ?", (channel,))

    def _states(self, where: str, params: tuple[Any, ...]) -> list[SubscriptionState]:
        with self._tx() as run:
            rows = run(
                f"SELECT id, body, watermark FROM digest_subscriptions {where} ORDER BY id",
                params,
            ).fetchall()
            states = []
            for sid, body, watermark in rows:
                last = run(
                    f"SELECT {_RUN_COLUMNS} FROM digest_runs WHERE subscription_id = ? "
                    "ORDER BY started_at DESC LIMIT 1",
                    (sid,),
                ).fetchall()
                states.append(
                    SubscriptionState(
                        subscription=Subscription.model_validate_json(body),
                        watermark=_utc(watermark),
                        last_run=_run(last[0]) if last else None,
                    )
                )
        return states

    # The ledger ----------------------------------------------------------------------------

    def claim(
        self,
        subscription_id: str,
        window: Window,
        owner: str,
        *,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        now: float | None = None,
    ) -> Claim | None:
        """The right to produce this digest, or None when it is done, being done elsewhere,
        or failed recently (retried after its backoff)."""
        now = time.time() if now is None else now
        key = window.key(subscription_id)
        with self._tx() as run:
            cur = run(
                "INSERT INTO digest_runs (key, subscription_id, window_start, window_end, "
                "status, owner, lease_until, started_at) VALUES (?, ?, ?, ?, 'running', ?, ?, ?) "
                "ON CONFLICT (key) DO NOTHING",
                (
                    key,
                    subscription_id,
                    window.start.timestamp(),
                    window.end.timestamp(),
                    owner,
                    now + lease_seconds,
                    now,
                ),
            )
            if cur.rowcount == 1:
                return Claim(key, subscription_id, window, owner)
            rows = run(
                "SELECT status, started_at, lease_until FROM digest_runs WHERE key = ?", (key,)
            ).fetchall()
        if not rows:
            return None
        status, started_at, lease_until = rows[0]
        if status not in ("running", "failed") or lease_until >= now:
            return None
        with self._tx() as run:
            # The guard repeats what we read: of two replicas taking over at once, the second
            # finds the lease renewed by the first and updates nothing.
            cur = run(
                "UPDATE digest_runs SET status = 'running', owner = ?, lease_until = ?, "
                "attempts = attempts + 1, started_at = ?, error = NULL "
                "WHERE key = ? AND status = ? AND lease_until = ?",
                (owner, now + lease_seconds, now, key, status, lease_until),
            )
            if cur.rowcount != 1:
                return None
        # Either way an earlier attempt may have posted (a run that died, or a post whose
        # answer was lost): `since` tells the runner where to look before posting again.
        return Claim(
            key, subscription_id, window, owner, takeover=status == "running", since=started_at
        )

    def finish(
        self,
        claim: Claim,
        status: Literal["posted", "quiet", "failed"],
        *,
        post_channel: str | None = None,
        post_ts: str | None = None,
        coverage: dict[str, Any] | None = None,
        error: str | None = None,
        now: float | None = None,
    ) -> bool:
        """Record the run's outcome; posted or quiet moves the watermark to the window's end.
        False when the claim was lost (another replica took the run over): nothing changes."""
        now = time.time() if now is None else now
        with self._tx() as run:
            attempts = run(
                "SELECT attempts FROM digest_runs WHERE key = ? AND owner = ? AND status = "
                "'running'",
                (claim.key, claim.owner),
            ).fetchall()
            if not attempts:
                return False
            retry = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (int(attempts[0][0]) - 1))
            run(
                "UPDATE digest_runs SET status = ?, finished_at = ?, post_channel = ?, "
                "post_ts = ?, coverage = ?, error = ?, lease_until = ? WHERE key = ?",
                (
                    status,
                    now,
                    post_channel,
                    post_ts,
                    json.dumps(coverage or {}, default=str),
                    error,
                    now + retry if status == "failed" else now,
                    claim.key,
                ),
            )
            if status != "failed":
                end = claim.window.end.timestamp()
                run(
                    "UPDATE digest_subscriptions SET watermark = ? WHERE id = ? AND "
                    "(watermark IS NULL OR watermark < ?)",
                    (end, claim.subscription_id, end),
                )
        return True

    def runs(self, subscription_id: str, limit: int = 20) -> list[RunRecord]:
        """The subscription's latest runs, newest first."""
        with self._tx() as run:
            rows = run(
                f"SELECT {_RUN_COLUMNS} FROM digest_runs WHERE subscription_id = ? "
                "ORDER BY window_end DESC, started_at DESC LIMIT ?",
                (subscription_id, limit),
            ).fetchall()
        return [_run(row) for row in rows]


class SqliteDigestStore(DigestStore):
    """The store in one SQLite file (WAL, synchronous=FULL: a posted digest's record must
    survive a power cut, or the next start posts it again)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA busy_timeout=5000")
            for statement in SCHEMA:
                self._conn.execute(statement)
        except sqlite3.Error as exc:
            raise DigestStoreError(
                messages.SQLITE_FAILED.format(path=self.path, error=exc)
            ) from exc
        self._closed = False

    @classmethod
    def in_data_dir(cls, data_dir: str | Path) -> SqliteDigestStore:
        return cls(Path(data_dir) / DEFAULT_FILENAME)

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        with self._lock:
            if self._closed:
                raise DigestStoreError(messages.STORE_CLOSED)
            conn = self._conn

            def run(sql: str, params: tuple[Any, ...] = ()) -> _Cursor:
                return conn.execute(sql, params)

            try:
                # IMMEDIATE: two processes on one file serialise at BEGIN, not at the first write.
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield run
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise DigestStoreError(
                    messages.SQLITE_FAILED.format(path=self.path, error=exc)
                ) from exc

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
