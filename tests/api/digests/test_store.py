"""The digest store on both backends (SQLite, real Postgres): subscriptions, watermark, ledger.

The ledger is what makes a digest happen once: these tests race claims across connections,
expire leases, and check that a lost claim cannot record an outcome.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.digests import (
    DEFAULT_LEASE_SECONDS,
    DigestStore,
    DigestStoreError,
    SqliteDigestStore,
    Subscription,
    Window,
)
from api.digests.pg_store import PostgresDigestStore

WINDOW = Window(
    start=datetime(2026, 11, 26, 9, tzinfo=UTC), end=datetime(2026, 11, 27, 9, tzinfo=UTC)
)
NOW = WINDOW.end.timestamp() + 60
SUB = Subscription(channel="C0GENERAL", timezone="Asia/Tokyo")


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], DigestStore]]:
    """Opens the same backend's store again (another replica, or after a restart)."""
    opened: list[DigestStore] = []
    schema = f"d_{uuid.uuid4().hex[:12]}"
    dsn = request.getfixturevalue("digests_pg_dsn") if request.param == "postgres" else None

    def open_one() -> DigestStore:
        store: DigestStore = (
            PostgresDigestStore(dsn, schema=schema)
            if dsn
            else SqliteDigestStore(tmp_path / "digests.sqlite3")
        )
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()


def test_subscriptions_are_saved_replaced_listed_and_deleted(
    open_store: Callable[[], DigestStore],
) -> None:
    store = open_store()
    store.put(SUB)
    store.put(Subscription(channel="C0GENERAL", recipient="U0ALICE01", cadence="weekly"))
    store.put(Subscription(channel="C0OTHER01"))
    assert [s.subscription.id for s in store.subscriptions("C0GENERAL")] == [
        "C0GENERAL:U0ALICE01",
        "C0GENERAL:channel",
    ]
    store.put(SUB.model_copy(update={"hour": 17}))
    reopened = open_store()
    state = reopened.get(SUB.id)
    assert state is not None and state.subscription.hour == 17
    assert state.subscription.timezone == "Asia/Tokyo"
    assert state.watermark is None and state.last_run is None
    assert reopened.delete(SUB.id) is True
    assert reopened.delete(SUB.id) is False
    assert reopened.get(SUB.id) is None
    assert len(reopened.subscriptions()) == 2 and reopened.count() == 2


def test_a_digest_is_claimed_once_and_posting_moves_the_watermark(
    open_store: Callable[[], DigestStore],
) -> None:
    store, replica = open_store(), open_store()
    store.put(SUB)
    claim = store.claim(SUB.id, WINDOW, "a", now=NOW)
    assert claim is not None and not claim.takeover
    assert replica.claim(SUB.id, WINDOW, "b", now=NOW) is None
    assert store.finish(claim, "posted", post_channel="C0GENERAL", post_ts="1.2", now=NOW + 5)
    state = replica.get(SUB.id)
    assert state is not None and state.watermark == WINDOW.end
    assert state.last_run is not None and state.last_run.status == "posted"
    assert state.last_run.post_ts == "1.2"
    # Done is done, even long after the lease.
    assert replica.claim(SUB.id, WINDOW, "b", now=NOW + 10 * DEFAULT_LEASE_SECONDS) is None
    # Re-saving the subscription keeps its watermark.
    store.put(SUB.model_copy(update={"persona": "leadership"}))
    again = store.get(SUB.id)
    assert again is not None and again.watermark == WINDOW.end


def test_a_failed_run_is_retried_after_its_backoff_without_moving_the_watermark(
    open_store: Callable[[], DigestStore],
) -> None:
    store = open_store()
    store.put(SUB)
    claim = store.claim(SUB.id, WINDOW, "a", now=NOW)
    assert claim is not None
    store.finish(claim, "failed", error="not_in_channel", now=NOW)
    assert store.claim(SUB.id, WINDOW, "b", now=NOW + 60) is None  # backing off
    retry = store.claim(SUB.id, WINDOW, "b", now=NOW + 3600)
    assert retry is not None and not retry.takeover and retry.since == NOW
    state = store.get(SUB.id)
    assert state is not None and state.watermark is None
    assert store.runs(SUB.id)[0].attempts == 2


def test_a_dead_owners_run_is_taken_over_and_its_late_finish_is_refused(
    open_store: Callable[[], DigestStore],
) -> None:
    store = open_store()
    store.put(SUB)
    first = store.claim(SUB.id, WINDOW, "dead", now=NOW)
    assert first is not None
    assert store.claim(SUB.id, WINDOW, "b", now=NOW + DEFAULT_LEASE_SECONDS - 1) is None
    second = store.claim(SUB.id, WINDOW, "b", now=NOW + DEFAULT_LEASE_SECONDS + 1)
    assert second is not None and second.takeover and second.since == NOW
    assert store.finish(first, "posted", post_ts="9.9", now=NOW + 700) is False
    assert store.finish(second, "quiet", now=NOW + 701) is True
    [run] = store.runs(SUB.id)
    assert (run.status, run.post_ts, run.attempts) == ("quiet", None, 2)


def test_racing_replicas_claim_a_digest_exactly_once(open_store: Callable[[], DigestStore]) -> None:
    replicas = [open_store() for _ in range(4)]
    replicas[0].put(SUB)
    barrier = threading.Barrier(len(replicas))
    won: list[str] = []

    def race(i: int) -> None:
        barrier.wait()
        if replicas[i].claim(SUB.id, WINDOW, f"r{i}", now=NOW) is not None:
            won.append(f"r{i}")

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(replicas))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1


def test_a_postgres_that_is_down_is_a_clear_error() -> None:
    with pytest.raises(DigestStoreError, match=r"unreachable.*DATABASE_URL"):
        PostgresDigestStore("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_a_closed_store_says_so(tmp_path: Path) -> None:
    store = SqliteDigestStore(tmp_path / "d.sqlite3")
    store.close()
    with pytest.raises(DigestStoreError, match="closed"):
        store.subscriptions()
