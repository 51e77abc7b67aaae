"""Reading one channel's window of Slack history for a digest: `SlackCollector`.

    client = digest_client(token, api_url)
    collected = await SlackCollector(client).collect("C0123", start, end)
    request = DigestRequest(start=start, end=end, skipped=tuple(collected.skipped), ...)
    digest = engine.build(collected.messages, request)

One pass of conversations.history, newest first, over the window [start, end) and
`thread_lookback` before it (to find older threads that got replies in the window), then
conversations.replies for every thread active in the window, the busiest first. Calls
count against a `RequestBudget`; what the budget, a rate limit or an error left unread is said
in `Collected.skipped`, never dropped silently. Slack's errors are translated here:
`ChannelUnreadable` when the bot cannot read the channel, `CollectError` when the history cannot
be read (the run is retried later); a thread whose replies fail is skipped and the others read.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from distiller.digest import DigestMessage, Skipped

from ..slack.errors import NoAccessError, translate
from . import messages
from .budget import RequestBudget
from .client import digest_client
from .errors import ChannelUnreadable, CollectError
from .slack_messages import (
    DIGEST_EVENT_TYPE,
    LeftOut,
    left_out,
    micros_of,
    to_digest_message,
    ts_micros,
    ts_of_micros,
)

__all__ = [
    "DIGEST_EVENT_TYPE",
    "Collected",
    "RequestBudget",
    "SlackCollector",
    "digest_client",
]

LEFT_OUT_REASONS: dict[LeftOut, str] = {
    "housekeeping": "channel joins, leaves and other housekeeping notices",
    "own_digest": "our own digest posts",
    "deleted": "deleted messages",
    "malformed": "no valid Slack ts",
}

_HOUR_MICROS = 3_600_000_000


@dataclass
class Collected:
    """One channel's window as read: messages for the engine, and what was not read and why.

    `messages` are in time order, one per ts: the window's top-level messages and thread
    replies, plus the earlier messages of threads active in the window (the engine reads those
    as context). `calls` counts Web API calls per method (the client's retries not included).
    """

    messages: list[DigestMessage] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    threads_read: int = 0


@dataclass
class _Thread:
    root: str
    latest: int  # micros of the latest reply Slack reported: among equally busy, latest first
    replies: int


@dataclass
class _Run:
    """One `collect` call's state."""

    channel: str
    start: int  # the window, in microseconds: [start, end)
    end: int
    url: str
    calls: Counter[str]
    kept: dict[str, DigestMessage] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    left: Counter[LeftOut] = field(default_factory=Counter)
    threads: dict[str, _Thread] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    threads_read: int = 0

    def take(self, message: dict[str, Any], why: LeftOut | None) -> None:
        """Keep `message` (or count why it is left out), once per ts."""
        ts = str(message.get("ts") or "")
        if why == "malformed":
            self.left[why] += 1
        elif ts not in self.seen:
            self.seen.add(ts)
            if why is None:
                self.kept[ts] = to_digest_message(message, self.channel, self.url)
            else:
                self.left[why] += 1

    def note_thread(self, thread: _Thread) -> None:
        """A thread to read; seen twice (a parent and its broadcast reply), the newest news wins."""
        known = self.threads.setdefault(thread.root, thread)
        known.latest = max(known.latest, thread.latest)
        known.replies = max(known.replies, thread.replies)

    def skip_threads(self, threads: list[_Thread], template: str, **values: object) -> None:
        """Say that `threads` were not read; `template` may use {replies} and `values`."""
        if threads:
            replies = sum(t.replies for t in threads)
            reason = template.format(replies=replies, **values)
            self.skipped.append(Skipped(what="threads", count=len(threads), reason=reason))

    def result(self) -> Collected:
        def root(m: DigestMessage) -> str:
            return m.thread_ts or m.ts

        def in_window(m: DigestMessage) -> bool:
            return self.start <= ts_micros(m.ts) < self.end

        active = {
            root(m) for m in self.kept.values() if in_window(m) and (m.is_reply or m.reply_count)
        }
        # Earlier messages only as context of a thread active in the window: a thread found
        # by its latest_reply may have had its replies after the window's end.
        messages = [m for m in self.kept.values() if in_window(m) or root(m) in active]
        messages.sort(key=lambda m: ts_micros(m.ts))
        left = [
            Skipped(what="messages", count=n, reason=LEFT_OUT_REASONS[why])
            for why, n in sorted(self.left.items())
        ]
        return Collected(messages, [*self.skipped, *left], dict(self.calls), self.threads_read)


class SlackCollector:
    """Reads channels' history for digests with one client, within a `RequestBudget` per run."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        budget: RequestBudget | None = None,
        workspace_url: str | None = None,
    ) -> None:
        self.client = client
        self.budget = budget or RequestBudget()
        self.workspace_url = workspace_url  # learnt once from auth.test when not given

    async def collect(self, channel: str, start: datetime, end: datetime) -> Collected:
        """The messages of `channel` with start <= ts < end, their threads, and what was not
        read. Raises ChannelUnreadable (the bot is not in the channel), CollectError (history
        or the token failed, Slack unreachable), ValueError (a naive or empty window)."""
        if start.tzinfo is None or end.tzinfo is None or end <= start:
            raise ValueError(messages.BAD_WINDOW.format(start=start, end=end))
        calls: Counter[str] = Counter()
        url = await self._workspace(channel, calls)
        run = _Run(channel, micros_of(start), micros_of(end), url, calls)
        await self._read_history(run)
        await self._read_threads(run)
        return run.result()

    async def _call(self, run_calls: Counter[str], method: str, **params: Any) -> dict[str, Any]:
        run_calls[method] += 1
        response = await getattr(self.client, method.replace(".", "_"))(**params)
        return dict(response.data)

    async def _workspace(self, channel: str, calls: Counter[str]) -> str:
        if self.workspace_url is None:
            try:
                found = await self._call(calls, "auth.test")
            except SlackApiError as exc:
                error = translate(exc, "auth.test").error
                raise CollectError(channel, messages.AUTH_FAILED.format(error=error)) from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise CollectError(channel, messages.UNREACHABLE.format(error=exc)) from exc
            self.workspace_url = str(found.get("url") or "")
        return self.workspace_url

    # History -----------------------------------------------------------------------------------

    async def _read_history(self, run: _Run) -> None:
        since = max(0, run.start - self.budget.thread_lookback // timedelta(microseconds=1))
        params = {
            "channel": run.channel,
            "oldest": ts_of_micros(since),
            # Slack's bounds are both inclusive or both exclusive; the window is [start, end),
            # so the upper bound is the last microsecond before `end`.
            "latest": ts_of_micros(run.end - 1),
            "inclusive": True,
            "limit": self.budget.page_size,
            "include_all_metadata": True,  # to recognise our own digests by their metadata
        }
        cursor: str | None = None
        oldest_read: int | None = None
        for _ in range(self.budget.history_pages):
            try:
                page = await self._call(run.calls, "conversations.history", **params, cursor=cursor)
            except SlackApiError as exc:
                raise _history_error(run.channel, exc) from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise CollectError(run.channel, messages.UNREACHABLE.format(error=exc)) from exc
            for message in page.get("messages") or []:
                moment = self._from_history(run, message)
                if moment is not None:
                    oldest_read = moment if oldest_read is None else min(oldest_read, moment)
            cursor = _next_cursor(page)
            if cursor is None:
                return
        self._history_cut(run, since, oldest_read)

    def _from_history(self, run: _Run, message: dict[str, Any]) -> int | None:
        """Take one history message; note its thread if active in the window. Returns its
        time (None if it has no valid ts)."""
        why = left_out(message)
        if why == "malformed":
            run.take(message, why)
            return None
        ts = str(message["ts"])
        moment = ts_micros(ts)
        thread = _thread_of(message)
        active = thread is not None and thread.latest >= run.start
        if thread is not None and active:
            if why == "own_digest":
                run.skip_threads([thread], messages.OWN_DIGEST_THREADS)
            else:
                run.note_thread(thread)
        if run.start <= moment < run.end:
            run.take(message, why)
        elif active and why is None and thread is not None and thread.root == ts:
            run.take(message, why)  # an older thread's start: context for its newer replies
        return moment

    def _history_cut(self, run: _Run, since: int, oldest_read: int | None) -> None:
        """The page budget ran out with history left: say which stretch of time was not read."""
        unread_until = run.end if oldest_read is None else oldest_read
        size = {"pages": self.budget.history_pages, "size": self.budget.page_size}
        if unread_until > run.start:
            run.skipped.append(
                Skipped(
                    what="hours of the window",
                    count=_hours(unread_until - run.start),
                    reason=messages.WINDOW_CUT.format(
                        since=_shown(run.start), until=_shown(unread_until), **size
                    ),
                )
            )
        lookback_until = min(unread_until, run.start)
        if lookback_until > since:
            run.skipped.append(
                Skipped(
                    what="hours before the window",
                    count=_hours(lookback_until - since),
                    reason=messages.LOOKBACK_CUT.format(
                        since=_shown(since), until=_shown(lookback_until), **size
                    ),
                )
            )

    # Threads -----------------------------------------------------------------------------------

    async def _read_threads(self, run: _Run) -> None:
        # The busiest threads first: when the budget runs out, what goes unread is the threads
        # with the fewest replies, which are the least likely to hold a decision or an incident
        # (and their parents, with Slack's reply counts, are still in the digest).
        order = sorted(run.threads.values(), key=lambda t: (-t.replies, -t.latest, t.root))
        failed: dict[str, list[_Thread]] = {}
        for index, thread in enumerate(order):
            if run.calls["conversations.replies"] >= self.budget.replies_calls:
                run.skip_threads(
                    order[index:], messages.REPLIES_BUDGET, calls=self.budget.replies_calls
                )
                break
            try:
                await self._read_thread(run, thread)
            except SlackApiError as exc:
                error = translate(exc, "conversations.replies")
                if isinstance(error, NoAccessError):
                    # The bot was removed mid-run: every later call would fail the same way.
                    raise ChannelUnreadable(run.channel, messages.NOT_A_MEMBER) from exc
                if _rate_limited(exc):
                    run.skip_threads(order[index:], messages.REPLIES_RATE_LIMITED)
                    break
                failed.setdefault(error.error, []).append(thread)
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise CollectError(run.channel, messages.UNREACHABLE.format(error=exc)) from exc
        for code, threads in sorted(failed.items()):
            run.skip_threads(threads, messages.REPLIES_FAILED, error=code)

    async def _read_thread(self, run: _Run, thread: _Thread) -> None:
        """Read one thread up to the window's end, from its start: replies before the window
        are the context that makes the ones inside it readable."""
        cursor: str | None = None
        while True:
            page = await self._call(
                run.calls,
                "conversations.replies",
                channel=run.channel,
                ts=thread.root,
                latest=ts_of_micros(run.end - 1),
                inclusive=True,
                limit=self.budget.page_size,
                include_all_metadata=True,
                cursor=cursor,
            )
            for message in page.get("messages") or []:
                why = left_out(message)
                if why == "malformed" or ts_micros(str(message["ts"])) < run.end:
                    run.take(message, why)
            cursor = _next_cursor(page)
            if cursor is None:
                run.threads_read += 1
                return
            if run.calls["conversations.replies"] >= self.budget.replies_calls:
                reason = messages.REPLIES_PARTLY.format(calls=self.budget.replies_calls)
                run.skipped.append(Skipped(what="threads", count=1, reason=reason))
                return


def _thread_of(message: dict[str, Any]) -> _Thread | None:
    """The thread a history message shows: a parent with replies, or a reply also sent to the
    channel (thread_broadcast), whose thread may have started before the look-back."""
    ts = str(message["ts"])
    root = str(message.get("thread_ts") or ts)
    try:
        if root != ts:
            return _Thread(root, ts_micros(ts), 1)
        if message.get("reply_count") or message.get("latest_reply"):
            latest = ts_micros(str(message.get("latest_reply") or ts))
            return _Thread(root, latest, int(message.get("reply_count") or 0))
    except ValueError:
        return None  # a latest_reply that is not a ts: the thread cannot be placed in time
    return None


def _history_error(channel: str, exc: SlackApiError) -> CollectError:
    error = translate(exc, "conversations.history")
    if isinstance(error, NoAccessError):
        return ChannelUnreadable(channel, messages.NOT_A_MEMBER)
    if _rate_limited(exc):
        return CollectError(channel, messages.HISTORY_RATE_LIMITED)
    return CollectError(channel, messages.HISTORY_FAILED.format(error=error.error))


def _rate_limited(exc: SlackApiError) -> bool:
    response = exc.response
    return response is not None and (
        response.status_code == 429 or response.get("error") == "ratelimited"
    )


def _next_cursor(page: dict[str, Any]) -> str | None:
    cursor = (page.get("response_metadata") or {}).get("next_cursor")
    return str(cursor) if cursor and page.get("has_more", True) else None


def _hours(micros: int) -> int:
    return max(1, math.ceil(micros / _HOUR_MICROS))


def _shown(micros: int) -> str:
    return datetime.fromtimestamp(micros / 1_000_000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
