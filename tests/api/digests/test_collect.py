"""The Slack history collector against the fake Slack Web API, with slack_sdk's real client.

Every test reads through `digest_client` (the real AsyncWebClient and its rate-limit retry
handler) over loopback; the fake answers with Slack's pagination, thread fields and errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from api.digests import ChannelUnreadable, CollectError
from api.digests.collect import (
    DIGEST_EVENT_TYPE,
    Collected,
    RequestBudget,
    SlackCollector,
    digest_client,
)
from distiller.digest.grouping import prepare
from tests.fakes.slack_server import FakeSlackServer

TOKEN = "xoxb-digest-test"
CHANNEL = "C0DIGEST01"
OUTSIDE = "C0OUTSIDE1"  # public, the bot is not a member
HIDDEN = "C0HIDDEN01"  # private, the bot is not a member
ALICE, BOB = "U0ALICE001", "U0BOB00001"
START = datetime(2026, 11, 26, 9, tzinfo=UTC)
END = START + timedelta(days=1)
URL = "https://fake.slack.com/"


def ts(moment: datetime, micro: int = 0) -> str:
    """A Slack ts `micro` microseconds after the whole second of `moment`."""
    return f"{int(moment.timestamp())}.{micro:06d}"


def link(ts_: str, thread_ts: str | None = None) -> str:
    base = f"{URL}archives/{CHANNEL}/p{ts_.replace('.', '')}"
    return f"{base}?thread_ts={thread_ts}&cid={CHANNEL}" if thread_ts else base


@pytest.fixture
def server() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as fake:
        fake.add_channel(CHANNEL, "payments")
        fake.add_channel(OUTSIDE, "general", member=False)
        fake.add_channel(HIDDEN, "secret", private=True, member=False)
        yield fake


def collect(
    server: FakeSlackServer,
    budget: RequestBudget | None = None,
    start: datetime = START,
    end: datetime = END,
    channel: str = CHANNEL,
    retries: int = 3,
) -> Collected:
    client = digest_client(TOKEN, server.api_url, rate_limit_retries=retries)
    collector = SlackCollector(client, budget=budget or RequestBudget())
    return asyncio.run(collector.collect(channel, start, end))


def say(server: FakeSlackServer, when: datetime, text: str, **fields: Any) -> str:
    stamp = ts(when, fields.pop("micro", 0))
    assert stamp not in server.channels[CHANNEL].messages, "two test messages with one ts"
    server.add_message(CHANNEL, stamp, text, user=fields.pop("user", ALICE), **fields)
    return stamp


def thread(
    server: FakeSlackServer, when: datetime, replies: list[datetime], text: str = "thread"
) -> tuple[str, list[str]]:
    root = say(server, when, f"{text}: parent")
    said = [
        say(server, at, f"{text}: reply {i}", user=BOB, thread_ts=root)
        for i, at in enumerate(replies)
    ]
    return root, said


# The window, pages and threads ------------------------------------------------------------------


def test_three_pages_and_threads_are_read_once_in_order_with_permalinks(
    server: FakeSlackServer,
) -> None:
    hour = timedelta(hours=1)
    inside = [say(server, START, "at the start, inclusive")]
    inside += [say(server, START + i * hour, f"message {i}") for i in range(1, 11)]
    root, replies = thread(
        server, START + 11 * hour, [START + 12 * hour, START + 13 * hour, END + hour / 2]
    )
    inside += [root, *replies[:2]]
    inside.append(say(server, END - timedelta(seconds=1), "last second", micro=999_999))
    say(server, START - timedelta(minutes=30), "in the look-back, no thread")
    say(server, START - timedelta(days=3), "before the look-back")
    say(server, END, "at the end: outside")
    say(server, END + hour, "after the window")
    top_level = 13  # in the window, plus one in the look-back: 14 messages, 3 pages of 5

    got = collect(server, RequestBudget(page_size=5, thread_lookback=hour))

    assert [m.ts for m in got.messages] == sorted(inside, key=float)
    assert len(got.messages) == top_level + 2
    by_ts = {m.ts: m for m in got.messages}
    for message in got.messages:
        expected = link(message.ts, root if message.ts in replies else None)
        assert message.permalink == expected
        assert message.channel == CHANNEL
    parent = by_ts[root]
    assert (parent.thread_ts, parent.reply_count) == (root, 3)  # Slack counts the late reply too
    assert all(by_ts[r].thread_ts == root and by_ts[r].is_reply for r in replies[:2])
    assert by_ts[inside[0]].text == "at the start, inclusive"
    assert got.skipped == []
    assert got.threads_read == 1
    assert got.calls == {"auth.test": 1, "conversations.history": 3, "conversations.replies": 1}

    pages = server.calls_to("conversations.history")
    assert [bool(c.params.get("cursor")) for c in pages] == [False, True, True]
    assert {c.params["limit"] for c in pages} == {"5"}
    assert pages[0].params["latest"] == ts(END - timedelta(seconds=1), 999_999)
    assert pages[0].params["oldest"] == ts(START - hour)
    (replies_call,) = server.calls_to("conversations.replies")
    assert replies_call.params["ts"] == root


def test_a_429_in_the_middle_of_pagination_is_waited_out_and_collection_completes(
    server: FakeSlackServer,
) -> None:
    sent = [say(server, START + timedelta(minutes=10 * i), f"message {i}") for i in range(9)]
    server.rate_limit("conversations.history", retry_after=1, where=lambda p: "cursor" in p)

    got = collect(server, RequestBudget(page_size=4, thread_lookback=timedelta(0)))

    assert [m.ts for m in got.messages] == sent
    calls = server.calls_to("conversations.history")
    assert [c.status for c in calls] == [200, 429, 200, 200]
    limited, retried = calls[1], calls[2]
    assert retried.params["cursor"] == limited.params["cursor"]  # the same page, asked again
    assert retried.at - limited.at >= 1.0  # after Retry-After, not before
    assert got.calls["conversations.history"] == 3  # the client's retry is not a call of ours
    assert got.skipped == []


def test_an_older_thread_with_replies_in_the_window_is_read_with_its_context(
    server: FakeSlackServer,
) -> None:
    root, replies = thread(
        server,
        START - timedelta(days=2),
        [START - timedelta(days=1), START + timedelta(hours=2), START + timedelta(hours=5)],
        "old thread",
    )
    quiet_root, _ = thread(
        server, START - timedelta(days=3), [START - timedelta(hours=30)], "quiet"
    )
    late_root, _ = thread(
        server, START - timedelta(hours=26), [START - timedelta(hours=20), END + timedelta(hours=1)]
    )  # replies before and after the window, none inside: not a topic of this window
    say(server, START - timedelta(hours=3), "before the window, no thread")
    now = say(server, START + timedelta(hours=1), "in the window")

    got = collect(server)

    assert [m.ts for m in got.messages] == [root, replies[0], now, replies[1], replies[2]]
    by_ts = {m.ts: m for m in got.messages}
    assert by_ts[root].permalink == link(root)
    assert by_ts[replies[1]].permalink == link(replies[1], root)
    asked = [c.params["ts"] for c in server.calls_to("conversations.replies")]
    assert asked == [root, late_root]  # busiest first; the quiet one ended before the window
    assert quiet_root not in by_ts and late_root not in by_ts
    assert got.threads_read == 2
    ready = prepare(got.messages, START.timestamp(), END.timestamp())
    assert (ready.in_window, ready.context) == (3, 2)  # the engine reads the old part as context


def test_a_reply_also_sent_to_the_channel_brings_its_thread_from_beyond_the_look_back(
    server: FakeSlackServer,
) -> None:
    root = say(server, START - timedelta(days=30), "a month-old question")
    early = say(server, START - timedelta(days=29), "first answer", user=BOB, thread_ts=root)
    broadcast = say(
        server, START + timedelta(hours=1), "answer, also sent to the channel", user=BOB,
        thread_ts=root, subtype="thread_broadcast",
    )  # fmt: skip

    got = collect(server)

    assert [m.ts for m in got.messages] == [root, early, broadcast]
    assert got.messages[2].permalink == link(broadcast, root)
    assert [c.params["ts"] for c in server.calls_to("conversations.replies")] == [root]


def test_an_empty_channel_gives_nothing_and_skips_nothing(server: FakeSlackServer) -> None:
    say(server, START - timedelta(days=30), "long ago")

    got = collect(server)

    assert got == Collected([], [], {"auth.test": 1, "conversations.history": 1}, 0)


@pytest.mark.parametrize("channel", [OUTSIDE, HIDDEN])
def test_a_channel_the_bot_is_not_in_says_to_invite_it(
    server: FakeSlackServer, channel: str
) -> None:
    with pytest.raises(ChannelUnreadable) as raised:
        collect(server, channel=channel)
    assert "/invite @distiller" in str(raised.value)
    assert raised.value.channel == channel


def test_history_errors_and_lasting_rate_limits_are_collect_errors(
    server: FakeSlackServer,
) -> None:
    server.fail("conversations.history", "internal_error")
    with pytest.raises(CollectError, match="internal_error") as failed:
        collect(server)
    assert not isinstance(failed.value, ChannelUnreadable)

    server.rate_limit("conversations.history", retry_after=0)
    with pytest.raises(CollectError, match="rate-limiting"):
        collect(server, retries=0)


# Budgets ----------------------------------------------------------------------------------------


def test_the_replies_budget_spent_leaves_the_quietest_threads_unread_and_says_so(
    server: FakeSlackServer,
) -> None:
    hour, minute = timedelta(hours=1), timedelta(minutes=1)
    roots = [
        thread(server, START + i * hour, [START + i * hour + k * minute for k in range(1, 2 + i)])[
            0
        ]
        for i in range(4)
    ]  # thread i has i + 1 replies, a minute apart: the later the thread, the later its replies

    got = collect(server, RequestBudget(replies_calls=2))

    asked = [c.params["ts"] for c in server.calls_to("conversations.replies")]
    assert asked == [roots[3], roots[2]]  # the busiest first
    (skip,) = got.skipped
    assert (skip.what, skip.count, skip.source) == ("threads", 2, "collector")
    assert "replies budget (2 conversations.replies calls)" in skip.reason
    assert "replies not read: 3" in skip.reason  # threads 0 and 1: 1 + 2 replies
    kept = {m.ts: m for m in got.messages}
    assert kept[roots[0]].reply_count == 1 and kept[roots[1]].reply_count == 2  # parents stay
    assert got.threads_read == 2


def test_the_replies_budget_goes_to_the_busiest_thread_not_the_latest(
    server: FakeSlackServer,
) -> None:
    minute = timedelta(minutes=1)
    busy, _ = thread(server, START, [START + k * minute for k in range(1, 9)])  # 8 replies
    late, _ = thread(server, START + timedelta(hours=5), [START + timedelta(hours=5, minutes=1)])

    got = collect(server, RequestBudget(replies_calls=1))

    assert [c.params["ts"] for c in server.calls_to("conversations.replies")] == [busy]
    (skip,) = got.skipped
    assert skip.count == 1 and "replies not read: 1" in skip.reason
    assert late in {m.ts for m in got.messages}  # its parent stays, with Slack's reply count


def test_a_long_thread_cut_by_the_replies_budget_is_said_partly_read(
    server: FakeSlackServer,
) -> None:
    root, replies = thread(server, START, [START + timedelta(minutes=m) for m in range(1, 8)])

    got = collect(server, RequestBudget(replies_calls=2, page_size=3))

    assert [m.ts for m in got.messages] == [root, *replies[:5]]  # 2 pages of 3, parent first
    (skip,) = got.skipped
    assert (skip.what, skip.count) == ("threads", 1)
    assert skip.reason.startswith("partly read")
    assert got.threads_read == 0


def test_the_history_budget_spent_names_the_unread_oldest_part_of_the_window(
    server: FakeSlackServer,
) -> None:
    hour = timedelta(hours=1)
    sent = [say(server, START + i * hour, f"message {i}") for i in range(10)]

    got = collect(server, RequestBudget(history_pages=2, page_size=3))

    assert [m.ts for m in got.messages] == sent[4:]  # the 6 newest, 2 pages of 3
    window, lookback = got.skipped
    assert (window.what, window.count) == ("hours of the window", 4)
    assert "2026-11-26 09:00:00 UTC to 2026-11-26 13:00:00 UTC" in window.reason
    assert "2 pages of 3 messages" in window.reason
    assert (lookback.what, lookback.count) == ("hours before the window", 7 * 24)
    assert "2026-11-19 09:00:00 UTC to 2026-11-26 09:00:00 UTC" in lookback.reason


# What is left out --------------------------------------------------------------------------------


def test_housekeeping_our_own_digests_and_deleted_messages_are_left_out_and_counted(
    server: FakeSlackServer,
) -> None:
    client = digest_client(TOKEN, server.api_url)
    posted = asyncio.run(
        client.chat_postMessage(
            channel=CHANNEL,
            text="Yesterday in #payments",
            metadata={"event_type": DIGEST_EVENT_TYPE, "event_payload": {"key": "k1"}},
        )
    )
    digest_ts = str(posted["ts"])
    now = datetime.fromtimestamp(float(digest_ts), UTC)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    say(server, now + timedelta(minutes=1), "thanks!", user=BOB, thread_ts=digest_ts)
    joined = say(
        server, now - timedelta(minutes=9), "<@U0BOB00001> has joined", subtype="channel_join"
    )
    say(server, now - timedelta(minutes=8), "<@U0BOB00001> has left", subtype="channel_leave")
    kept = say(server, now - timedelta(minutes=7), "The refund job is stuck again.")
    gone = say(server, now - timedelta(minutes=6), "This message was deleted.", subtype="tombstone")
    reply = say(server, now - timedelta(minutes=5), "still stuck", user=BOB, thread_ts=gone)

    got = collect(server, start=start, end=end)

    assert [m.ts for m in got.messages] == [kept, reply]  # the deleted parent's reply stays
    assert joined not in {m.ts for m in got.messages}
    counted = {(s.what, s.reason): s.count for s in got.skipped}
    assert counted.pop(("messages", "channel joins, leaves and other housekeeping notices")) == 2
    assert counted.pop(("messages", "our own digest posts")) == 1
    assert counted.pop(("messages", "deleted messages")) == 1
    ((what, reason), count), *rest = counted.items()
    assert (what, count, rest) == ("threads", 1, [])
    assert "our own digest" in reason and "replies: 1" in reason
    asked = [c.params["ts"] for c in server.calls_to("conversations.replies")]
    assert asked == [gone]  # the digest's own thread is not read


def test_a_replies_error_skips_that_thread_and_the_others_are_read(
    server: FakeSlackServer,
) -> None:
    hour = timedelta(hours=1)
    threads = [thread(server, START + i * hour, [START + i * hour + hour / 2]) for i in range(3)]
    broken = threads[1][0]
    server.fail("conversations.replies", "internal_error", where=lambda p: p["ts"] == broken)

    got = collect(server)

    collected = {m.ts for m in got.messages}
    assert threads[0][1][0] in collected and threads[2][1][0] in collected
    assert threads[1][1][0] not in collected and broken in collected
    (skip,) = got.skipped
    assert (skip.what, skip.count) == ("threads", 1)
    assert skip.reason == "conversations.replies failed (internal_error); replies not read: 1"
    assert got.threads_read == 2
    assert got.calls["conversations.replies"] == 3


def test_a_rate_limit_on_replies_that_outlasts_the_retries_skips_the_remaining_threads(
    server: FakeSlackServer,
) -> None:
    hour = timedelta(hours=1)
    roots = [thread(server, START + i * hour, [START + i * hour + hour / 2])[0] for i in range(3)]
    server.rate_limit("conversations.replies", retry_after=0, where=lambda p: p["ts"] == roots[1])

    got = collect(server, retries=0)

    asked = [c.params["ts"] for c in server.calls_to("conversations.replies")]
    assert asked == [roots[2], roots[1]]  # newest first; nothing asked after the limit
    (skip,) = got.skipped
    assert (skip.what, skip.count) == ("threads", 2)
    assert "rate-limiting conversations.replies" in skip.reason
    assert got.threads_read == 1


# Inputs ------------------------------------------------------------------------------------------


def test_budget_and_window_are_checked() -> None:
    with pytest.raises(ValueError, match="history_pages"):
        RequestBudget(history_pages=0)
    with pytest.raises(ValueError, match="page_size"):
        RequestBudget(page_size=1000)
    client = digest_client(TOKEN, "http://127.0.0.1:9/api")
    assert client.base_url == "http://127.0.0.1:9/api/"
    with pytest.raises(ValueError, match="start < end"):
        asyncio.run(SlackCollector(client, workspace_url=URL).collect(CHANNEL, END, START))
    with pytest.raises(ValueError, match="aware"):
        naive = START.replace(tzinfo=None)
        asyncio.run(SlackCollector(client, workspace_url=URL).collect(CHANNEL, naive, END))


def test_a_given_workspace_url_saves_the_auth_test_call(server: FakeSlackServer) -> None:
    say(server, START, "hello")
    client = digest_client(TOKEN, server.api_url)
    collector = SlackCollector(client, workspace_url="https://acme.slack.com")
    got = asyncio.run(collector.collect(CHANNEL, START, END))
    stamp = ts(START).replace(".", "")
    assert got.messages[0].permalink == f"https://acme.slack.com/archives/{CHANNEL}/p{stamp}"
    assert "auth.test" not in got.calls and not server.calls_to("auth.test")


# The fake speaks Slack's protocol ---------------------------------------------------------------


def test_fake_replies_bound_the_replies_and_put_the_parent_on_the_first_page_only(
    server: FakeSlackServer,
) -> None:
    minute = timedelta(minutes=1)
    root, replies = thread(server, START, [START + k * minute for k in range(1, 6)])
    client = digest_client(TOKEN, server.api_url)

    async def pages() -> list[list[str]]:
        found, cursor = [], None
        while True:
            page = await client.conversations_replies(
                channel=CHANNEL, ts=replies[2], oldest=replies[0], limit=2, cursor=cursor
            )
            found.append([m["ts"] for m in page["messages"]])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page["has_more"]:
                return found

    assert asyncio.run(pages()) == [[root, replies[1]], [replies[2], replies[3]], [replies[4]]]
    with pytest.raises(SlackApiError, match="invalid_cursor"):
        asyncio.run(
            client.conversations_replies(channel=CHANNEL, ts=root, cursor="bm90IGEgY3Vyc29y")
        )


def test_fake_posts_keep_blocks_and_metadata_shown_only_on_request(
    server: FakeSlackServer,
) -> None:
    client = digest_client(TOKEN, server.api_url)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Digest*"}}]
    metadata = {"event_type": DIGEST_EVENT_TYPE, "event_payload": {"key": "k"}}

    async def post_and_read() -> tuple[dict[str, Any], dict[str, Any]]:
        await client.chat_postMessage(channel=CHANNEL, text="d", blocks=blocks, metadata=metadata)
        plain = await client.conversations_history(channel=CHANNEL)
        full = await client.conversations_history(channel=CHANNEL, include_all_metadata=True)
        return plain["messages"][0], full["messages"][0]

    plain, full = asyncio.run(post_and_read())
    assert plain["blocks"] == blocks and "metadata" not in plain
    assert full["metadata"] == metadata


def test_fake_opens_one_dm_per_user_and_reports_time_zones(server: FakeSlackServer) -> None:
    server.add_user(ALICE, "alice", tz="Asia/Tokyo")
    server.add_user(BOB, "bob")
    client = digest_client(TOKEN, server.api_url)

    async def talk() -> list[Any]:
        first = await client.conversations_open(users=ALICE)
        again = await client.conversations_open(users=ALICE)
        posted = await client.chat_postMessage(channel=first["channel"]["id"], text="hi")
        alice = await client.users_info(user=ALICE)
        bob = await client.users_info(user=BOB)
        return [first.data, again.data, posted["channel"], alice["user"], bob["user"]]

    first, again, posted_in, alice, bob = asyncio.run(talk())
    assert first["channel"]["id"] == again["channel"]["id"] == posted_in
    assert posted_in.startswith("D") and again.get("already_open") and not first.get("no_op")
    assert (alice["tz"], alice["tz_offset"]) == ("Asia/Tokyo", 9 * 3600)  # no DST in Tokyo
    assert "tz" not in bob and "tz_offset" not in bob
