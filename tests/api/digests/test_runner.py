"""Digest runs end to end: the real slack_sdk client against the fake Slack Web API on loopback,
the real digest engine, the real store (SQLite, and Postgres for racing replicas).

Time is the runner's clock, set by each test; Slack's clock (the fake's post timestamps) is the
real one, which is later than every simulated time here.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.digests import DigestStore, SqliteDigestStore, Subscription, Window
from api.digests.collect import DIGEST_EVENT_TYPE, RequestBudget, digest_client
from api.digests.pg_store import PostgresDigestStore
from api.digests.post import post_digest
from api.digests.produce import digest_builder
from api.digests.runner import DigestRunner
from api.service import DistillService
from api.settings import Settings
from distiller import HashingEmbedder
from tests.fakes.slack_server import FakeSlackServer

TEAM = "C0TEAM0001"
SECRET = "C0SECRET01"  # the bot is not a member
DAY = datetime(2026, 11, 19, 9, tzinfo=UTC)  # the window [DAY, DAY + 1 day) is due at 09:00
DUE = DAY + timedelta(days=1, seconds=30)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def ts(at: datetime, n: int = 0) -> str:
    return f"{int(at.timestamp())}.{n:06d}"


def a_busy_day(slack: FakeSlackServer, day: datetime = DAY, channel: str = TEAM) -> None:
    """A thread about a failed deploy (decision, ask) and enough chatter for three pages."""
    parent = ts(day + timedelta(hours=1))
    slack.add_message(
        channel,
        parent,
        "The payments deploy failed at 10:05: migration 42 timed out on the orders table.",
        user="U0ALICE001",
    )
    replies = [
        ("U0BOB00001", "I rolled back to v1.8.2; error rate is back under 0.1%."),
        ("U0ALICE001", "Decision: we ship the migration in batches of 10k rows on Monday."),
        ("U0CAROL001", "<@U0BOB00001> can you write the batching script by Friday?"),
    ]
    for i, (user, text) in enumerate(replies, start=1):
        slack.add_message(
            channel, ts(day + timedelta(hours=1, minutes=i)), text, user=user, thread_ts=parent
        )
    for i in range(12):
        slack.add_message(
            channel,
            ts(day + timedelta(hours=3, minutes=10 * i)),
            f"Lunch order {i}: the team picked ramen again, table {i} at noon.",
            user="U0DAVE0001",
        )


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        server.add_channel(TEAM, "team")
        server.add_channel(SECRET, "secret", member=False)
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DigestStore]:
    with SqliteDigestStore(tmp_path / "digests.sqlite3") as opened:
        yield opened


@pytest.fixture
def make_runner(slack: FakeSlackServer, tmp_path: Path) -> Callable[..., DigestRunner]:
    service = DistillService(Settings(data_dir=tmp_path, embedder="hashing"))
    builder = digest_builder(service, HashingEmbedder())

    def make(store: DigestStore, clock: Clock, **options: Any) -> DigestRunner:
        client = digest_client("xoxb-test", slack.api_url)
        # Five messages a page: the busy day is three pages of history.
        budget = options.pop("budget", RequestBudget(page_size=5))
        return DigestRunner(store, client, builder, budget=budget, clock=clock, **options)

    return make


def posts(slack: FakeSlackServer) -> list[Any]:
    return slack.calls_to("chat.postMessage")


def blocks_text(call: Any) -> str:
    return "\n".join(b["text"]["text"] for b in call.json_param("blocks") or [])


def test_a_due_digest_is_read_page_by_page_posted_once_and_recorded(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    a_busy_day(slack)
    sub = Subscription(channel=TEAM, hour=9)
    store.put(sub)
    runner = make_runner(store, Clock(DUE))
    [outcome] = asyncio.run(runner.tick())
    assert outcome.status == "posted", outcome.error
    assert len(slack.calls_to("conversations.history")) >= 3  # three pages at least
    [post] = posts(slack)
    assert post.params["channel"] == TEAM
    metadata = post.json_param("metadata")
    assert metadata["event_type"] == DIGEST_EVENT_TYPE
    assert metadata["event_payload"]["key"] == outcome.window.key(sub.id)
    text = blocks_text(post)
    assert "migration" in text and "batches" in text  # the thread, and its decision
    assert f"archives/{TEAM}/p" in text  # linked
    assert "Read 16 messages and 1 thread" in text  # coverage states what was read
    for title in ("*Digest for <#C0TEAM0001>*", "*Coverage*", "*TL;DR*", "*Decisions*"):
        assert title in text
    state = store.get(sub.id)
    assert state is not None and state.watermark == DAY + timedelta(days=1)
    assert state.last_run is not None and state.last_run.post_ts == outcome.post[1]  # type: ignore[index]
    assert state.last_run.coverage["messages"] == 16
    # The next tick (same day) has nothing to do, and the digest is not read again.
    assert asyncio.run(runner.tick()) == []
    assert len(posts(slack)) == 1


def test_a_rate_limit_in_the_middle_is_waited_out_and_nothing_is_lost(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    a_busy_day(slack)
    store.put(Subscription(channel=TEAM))
    # The second page (the first call with a cursor) is rate limited once.
    slack.rate_limit("conversations.history", retry_after=1, where=lambda p: bool(p.get("cursor")))
    [outcome] = asyncio.run(make_runner(store, Clock(DUE)).tick())
    assert outcome.status == "posted", outcome.error
    assert outcome.coverage["messages"] == 16 and outcome.coverage["skipped"] == []
    assert any(c.status == 429 for c in slack.calls_to("conversations.history"))
    assert len(posts(slack)) == 1


def test_a_restart_after_posting_does_not_post_again(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    """The first process posted, then died before recording it: the takeover finds the post."""
    a_busy_day(slack)
    sub = Subscription(channel=TEAM)
    store.put(sub)
    clock = Clock(DUE)
    dying = make_runner(store, clock, owner="dying")
    window = Window(DAY, DAY + timedelta(days=1))
    claim = store.claim(sub.id, window, "dying", now=DUE.timestamp())
    assert claim is not None
    outcome = asyncio.run(dying.run(sub, window, post=False))
    assert outcome.digest is not None
    asyncio.run(post_digest(dying.client, sub, outcome.digest, claim.key))  # ...and it died
    assert len(posts(slack)) == 1
    clock.now = DUE + timedelta(minutes=5)
    assert asyncio.run(make_runner(store, clock).tick()) == []  # the lease still holds
    clock.now = DUE + timedelta(minutes=11)
    [taken] = asyncio.run(make_runner(store, clock, owner="heir").tick())
    assert taken.status == "posted" and taken.post is not None
    assert len(posts(slack)) == 1  # found, not posted again
    state = store.get(sub.id)
    assert state is not None and state.watermark == DAY + timedelta(days=1)


def test_a_restart_before_posting_posts_once_when_the_dead_claim_expires(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    a_busy_day(slack)
    sub = Subscription(channel=TEAM)
    store.put(sub)
    window = Window(DAY, DAY + timedelta(days=1))
    assert store.claim(sub.id, window, "dead", now=DUE.timestamp()) is not None  # then died
    clock = Clock(DUE + timedelta(minutes=2))  # restarted: the dead claim's lease holds
    assert asyncio.run(make_runner(store, clock).tick()) == []
    clock.now = DUE + timedelta(minutes=11)
    [outcome] = asyncio.run(make_runner(store, clock).tick())
    assert outcome.status == "posted" and outcome.window == window
    assert len(posts(slack)) == 1
    assert asyncio.run(make_runner(store, clock).tick()) == []
    [run] = store.runs(sub.id)
    assert (run.status, run.attempts) == ("posted", 2)


def test_after_an_outage_one_digest_covers_everything_since_the_last_one(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    a_busy_day(slack, DAY - timedelta(days=1))
    a_busy_day(slack)
    sub = Subscription(channel=TEAM)
    store.put(sub)
    clock = Clock(DAY + timedelta(seconds=30))
    [first] = asyncio.run(make_runner(store, clock).tick())
    assert first.status == "posted" and first.coverage["messages"] == 16
    clock.now = DUE + timedelta(days=1)  # down for a day: two boundaries passed
    [caught_up] = asyncio.run(make_runner(store, clock).tick())
    assert caught_up.window.start == DAY  # from the watermark: no gap
    assert caught_up.window.end == DAY + timedelta(days=2)
    assert caught_up.coverage["messages"] == 16  # the missed day, read once
    assert len(posts(slack)) == 2


def test_an_empty_channel_posts_nothing_or_says_so(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    store.put(Subscription(channel=TEAM))
    slack.add_channel("C0QUIET001", "quiet")
    store.put(Subscription(channel="C0QUIET001", quiet="post"))
    outcomes = asyncio.run(make_runner(store, Clock(DUE)).tick())
    assert sorted(o.status for o in outcomes) == ["quiet", "quiet"]
    [said] = posts(slack)
    assert said.params["channel"] == "C0QUIET001"
    assert "No activity in <#C0QUIET001>" in said.params["text"]
    for sub_id in (f"{TEAM}:channel", "C0QUIET001:channel"):
        state = store.get(sub_id)
        assert state is not None and state.watermark == DAY + timedelta(days=1)


def test_a_channel_the_bot_is_not_in_fails_clearly_and_is_retried_later(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    sub = Subscription(channel=SECRET)
    store.put(sub)
    clock = Clock(DUE)
    [outcome] = asyncio.run(make_runner(store, clock).tick())
    assert outcome.status == "failed"
    assert outcome.error is not None and "/invite @distiller" in outcome.error
    assert posts(slack) == []
    state = store.get(sub.id)
    assert state is not None and state.watermark is None
    assert state.last_run is not None and "/invite" in (state.last_run.error or "")
    assert asyncio.run(make_runner(store, clock).tick()) == []  # backing off
    slack.workspace.channels[SECRET].member = True  # invited
    a_busy_day(slack, channel=SECRET)
    clock.now = DUE + timedelta(minutes=3)
    [retried] = asyncio.run(make_runner(store, clock).tick())
    assert retried.status == "posted", retried.error
    assert retried.window.start == DAY  # the same window: nothing skipped


def test_a_tokyo_channel_gets_its_digest_at_nine_in_tokyo(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    a_busy_day(slack, DAY - timedelta(hours=9))
    sub = Subscription(channel=TEAM, timezone="Asia/Tokyo", hour=9)
    store.put(sub)
    # 2026-11-19 09:00 Tokyo was produced; the next is 2026-11-20 09:00 Tokyo = 00:00 UTC.
    last = store.claim(sub.id, _window(sub, DAY - timedelta(hours=9)), "x", now=0)
    assert last is not None and store.finish(last, "quiet", now=1)
    clock = Clock(datetime(2026, 11, 19, 23, 59, tzinfo=UTC))  # 08:59 in Tokyo
    assert asyncio.run(make_runner(store, clock).tick()) == []
    clock.now = datetime(2026, 11, 20, 0, 0, 30, tzinfo=UTC)  # 09:00:30 in Tokyo
    [outcome] = asyncio.run(make_runner(store, clock).tick())
    assert outcome.status == "posted", outcome.error
    assert outcome.window.end == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    assert outcome.coverage["messages"] == 16


def _window(sub: Subscription, end: datetime) -> Window:
    return Window(end - timedelta(days=1), end)


def test_a_weekly_subscription_posts_once_a_week(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    a_busy_day(slack)
    # Thursday 2026-11-19: a weekly digest on Fridays at 09:00 UTC.
    sub = Subscription(channel=TEAM, cadence="weekly", weekday=4, hour=9)
    store.put(sub)
    clock = Clock(DUE)  # Friday 09:00:30
    [outcome] = asyncio.run(make_runner(store, clock).tick())
    assert outcome.window.end - outcome.window.start == timedelta(days=7)
    for days in (1, 2, 6):
        clock.now = DUE + timedelta(days=days)
        assert asyncio.run(make_runner(store, clock).tick()) == []
    clock.now = DUE + timedelta(days=7)
    [next_week] = asyncio.run(make_runner(store, clock).tick())
    assert next_week.window.start == outcome.window.end


def test_a_persons_digest_goes_to_their_dm(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    a_busy_day(slack)
    slack.add_user("U0ERIN0001", "erin", tz="Europe/Berlin")
    store.put(Subscription(channel=TEAM, recipient="U0ERIN0001", persona="leadership"))
    [outcome] = asyncio.run(make_runner(store, Clock(DUE)).tick())
    assert outcome.status == "posted", outcome.error
    [opened] = slack.calls_to("conversations.open")
    assert opened.params["users"] == "U0ERIN0001"
    [post] = posts(slack)
    assert post.params["channel"].startswith("D") and post.params["channel"] == outcome.post[0]  # type: ignore[index]
    assert outcome.digest is not None and outcome.digest.persona == "leadership"


def test_a_dry_run_posts_and_records_nothing(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    a_busy_day(slack)
    sub = Subscription(channel=TEAM)
    runner = make_runner(store, Clock(DUE))
    outcome = asyncio.run(runner.run(sub, _window(sub, DAY + timedelta(days=1)), post=False))
    assert outcome.status == "dry-run" and outcome.digest is not None
    assert "migration" in outcome.digest.render_text()
    assert posts(slack) == [] and store.subscriptions() == []


def test_two_replicas_racing_on_one_postgres_post_once(
    slack: FakeSlackServer, make_runner: Callable[..., DigestRunner], digests_pg_dsn: str
) -> None:
    a_busy_day(slack)
    schema = f"race_{uuid.uuid4().hex[:10]}"
    stores = [PostgresDigestStore(digests_pg_dsn, schema=schema) for _ in range(2)]
    try:
        stores[0].put(Subscription(channel=TEAM))
        replicas = [make_runner(s, Clock(DUE), owner=f"replica-{i}") for i, s in enumerate(stores)]

        async def race() -> list[Any]:
            return await asyncio.gather(*(r.tick() for r in replicas))

        results = asyncio.run(race())
        assert sorted(len(r) for r in results) == [0, 1]
        assert len(posts(slack)) == 1
        state = stores[1].get(f"{TEAM}:channel")
        assert state is not None and state.last_run is not None
        assert state.last_run.status == "posted"
    finally:
        for s in stores:
            s.close()


def test_a_private_channels_digest_goes_only_to_its_members(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    slack.add_channel("C0PRIVATE1", "private", private=True)
    slack.workspace.channels["C0PRIVATE1"].people = ["U0ERIN0001"]
    a_busy_day(slack, channel="C0PRIVATE1")
    for user in ("U0ERIN0001", "U0MALLORY1"):
        slack.add_user(user, user.lower())
        store.put(Subscription(channel="C0PRIVATE1", recipient=user))
    outcomes = {o.subscription_id: o for o in asyncio.run(make_runner(store, Clock(DUE)).tick())}
    assert outcomes["C0PRIVATE1:U0ERIN0001"].status == "posted"
    refused = outcomes["C0PRIVATE1:U0MALLORY1"]
    assert refused.status == "failed" and refused.digest is None
    assert refused.error is not None and "not a member of the private channel" in refused.error
    [post] = posts(slack)  # Erin's only
    assert post.params["channel"] == "D0ERIN0001"
    # Nothing of the channel was read for Mallory.
    assert len(slack.calls_to("conversations.replies")) == 1


def test_a_post_whose_answer_was_lost_is_found_on_retry_not_posted_again(
    slack: FakeSlackServer, store: DigestStore, make_runner: Callable[..., DigestRunner]
) -> None:
    """Slack stored the post but the answer never came back: the run was recorded failed."""
    a_busy_day(slack)
    sub = Subscription(channel=TEAM)
    store.put(sub)
    window = Window(DAY, DAY + timedelta(days=1))
    claim = store.claim(sub.id, window, "first", now=DUE.timestamp())
    assert claim is not None
    runner = make_runner(store, Clock(DUE))
    outcome = asyncio.run(runner.run(sub, window, post=False))
    assert outcome.digest is not None
    asyncio.run(post_digest(runner.client, sub, outcome.digest, claim.key))
    store.finish(claim, "failed", error="the answer timed out", now=DUE.timestamp())
    [retried] = asyncio.run(make_runner(store, Clock(DUE + timedelta(minutes=3))).tick())
    assert retried.status == "posted" and retried.post is not None
    assert len(posts(slack)) == 1
    [run] = store.runs(sub.id)
    assert (run.status, run.attempts, run.post_ts) == ("posted", 2, retried.post[1])
