"""`DigestRunner`: find the digests that are due, produce each once, post it, record it.

    runner = DigestRunner(store, client, builder)
    await runner.tick()                  # the scheduler calls this every minute
    await runner.run(sub, window, post=False)   # `distill digest --dry-run`

One run: claim the (subscription, window) key in the store → collect the window's history →
build the digest (in a worker thread) → post it with the key in its metadata → finish the
claim, which moves the watermark. A failure anywhere leaves the watermark where it was, so the
next tick (after a backoff) covers the same window again: no gap. A replica that takes over a
run whose owner died first looks for that owner's post: no double post.
"""

from __future__ import annotations

import functools
import logging
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import anyio.to_thread
from slack_sdk.web.async_client import AsyncWebClient

from audience import UnknownPersonaError
from distiller.digest import Digest
from distiller.digest.render import local_time

from ..slack.errors import NoAccessError, SlackCallError
from . import messages
from .collect import Collected, RequestBudget, SlackCollector
from .errors import ChannelUnreadable, CollectError, DigestStoreError
from .post import find_post, may_receive, post_digest, post_text
from .produce import DigestBuilder
from .schedule import Window, due_window
from .store import Claim, DigestStore
from .subscription import Subscription

__all__ = ["DigestRunner", "RunOutcome"]

log = logging.getLogger("api.digests")
T = TypeVar("T")
Outcome = Literal["posted", "quiet", "failed", "dry-run"]


@dataclass
class RunOutcome:
    """What one run did; `digest` is set when one was built (always, for a dry run)."""

    subscription_id: str
    window: Window
    status: Outcome
    digest: Digest | None = None
    post: tuple[str, str] | None = None
    error: str | None = None
    coverage: dict[str, Any] = field(default_factory=dict)


def _owner() -> str:
    # Unique per runner: two processes on one host must not share a claim.
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"


def _window_text(window: Window, zone: str) -> str:
    return f"between {local_time(window.start, zone)} and {local_time(window.end, zone)}"


class DigestRunner:
    """Runs digests for the subscriptions in `store`, reading and posting with `client`."""

    def __init__(
        self,
        store: DigestStore,
        client: AsyncWebClient,
        builder: DigestBuilder,
        *,
        budget: RequestBudget | None = None,
        workspace_url: str | None = None,
        owner: str | None = None,
        run_cpu: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.builder = builder
        self.collector = SlackCollector(client, budget=budget, workspace_url=workspace_url)
        self.owner = owner or _owner()
        self._run_cpu = run_cpu
        # One clock for due windows, claims and leases (tests move it; production reads UTC).
        self.clock = clock or (lambda: datetime.now(UTC))

    async def _cpu(self, fn: Callable[[], T]) -> T:
        if self._run_cpu is not None:
            result: T = await self._run_cpu(fn)
            return result
        return await anyio.to_thread.run_sync(fn)

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))

    # The schedule ---------------------------------------------------------------------------

    async def tick(self) -> list[RunOutcome]:
        """Produce every digest due now (by `clock`) that no one else has claimed; one at a time
        (two cores: a digest already uses them). One subscription's failure does not stop
        the others; a store that is down ends the tick (logged) and the next one retries."""
        now = self.clock()
        outcomes: list[RunOutcome] = []
        try:
            states = await self._db(self.store.subscriptions)
        except DigestStoreError as exc:
            log.warning(messages.LOG_TICK_FAILED.format(error=exc))
            return outcomes
        for state in states:
            sub = state.subscription
            if not sub.enabled:
                continue
            window = due_window(sub, now, state.watermark)
            if window is None:
                continue
            try:
                claim = await self._db(
                    self.store.claim, sub.id, window, self.owner, now=now.timestamp()
                )
            except DigestStoreError as exc:
                log.warning(messages.LOG_TICK_FAILED.format(error=exc))
                return outcomes
            if claim is not None:
                outcomes.append(await self.run(sub, window, claim=claim))
        return outcomes

    # One run --------------------------------------------------------------------------------

    async def run(
        self, sub: Subscription, window: Window, *, claim: Claim | None = None, post: bool = True
    ) -> RunOutcome:
        """Produce one digest. With `post=False` (a dry run) nothing is posted or recorded;
        otherwise `claim` must be held and its outcome is recorded in the store."""
        started = time.monotonic()
        key = window.key(sub.id)
        outcome = RunOutcome(sub.id, window, "dry-run" if not post else "failed")
        try:
            if post and claim is not None and claim.since is not None:
                log.info(messages.LOG_RETRY.format(key=key))
                earlier = await find_post(self.client, sub, key, claim.since)
                if earlier is not None:
                    log.info(messages.LOG_ALREADY_POSTED.format(key=key, ts=earlier[1]))
                    outcome.status, outcome.post = "posted", earlier
                    return await self._finish(claim, outcome)
            if not await may_receive(self.client, sub):
                outcome.error = messages.NOT_A_MEMBER_RECIPIENT.format(
                    user=sub.recipient, channel=sub.channel
                )
                return await self._close(claim, outcome, key, started, post)
            collected = await self.collector.collect(sub.channel, window.start, window.end)
            outcome.coverage = _coverage(collected)
            digest = await self._cpu(lambda: self.builder(sub, window, collected))
            outcome.digest = digest
            if not post:
                return outcome
            if digest.quiet:
                outcome.status = "quiet"
                if sub.quiet == "post":
                    text = messages.QUIET_TEXT.format(
                        channel=sub.channel, window=_window_text(window, sub.timezone)
                    )
                    outcome.post = await post_text(self.client, sub, text, key)
            else:
                outcome.post = await post_digest(self.client, sub, digest, key)
                outcome.status = "posted"
        except ChannelUnreadable as exc:
            outcome.error = messages.NOT_IN_CHANNEL.format(channel=exc.channel)
        except NoAccessError:
            outcome.error = messages.NOT_IN_CHANNEL.format(channel=sub.channel)
        except CollectError as exc:
            outcome.error = messages.COLLECT_FAILED.format(error=exc)
        except SlackCallError as exc:
            outcome.error = messages.POST_FAILED.format(error=exc.error)
        except UnknownPersonaError as exc:
            outcome.error = str(exc)
        return await self._close(claim, outcome, key, started, post)

    async def _close(
        self, claim: Claim | None, outcome: RunOutcome, key: str, started: float, post: bool
    ) -> RunOutcome:
        """Log the outcome and, for a real run, record it in the ledger."""
        if outcome.error:
            log.warning(messages.LOG_RUN_FAILED.format(key=key, error=outcome.error))
        else:
            log.info(
                messages.LOG_RUN.format(
                    key=key,
                    status=outcome.status,
                    messages=outcome.coverage.get("messages", 0),
                    threads=outcome.coverage.get("threads", 0),
                    seconds=time.monotonic() - started,
                )
            )
        if post and claim is not None:
            return await self._finish(claim, outcome)
        return outcome

    async def _finish(self, claim: Claim, outcome: RunOutcome) -> RunOutcome:
        status: Literal["posted", "quiet", "failed"] = (
            "failed" if outcome.status in ("failed", "dry-run") else outcome.status  # type: ignore[assignment]
        )
        channel, ts = outcome.post or (None, None)
        await self._db(
            self.store.finish,
            claim,
            status,
            post_channel=channel,
            post_ts=ts,
            coverage=outcome.coverage,
            error=outcome.error,
            now=self.clock().timestamp(),
        )
        return outcome


def _coverage(collected: Collected) -> dict[str, Any]:
    return {
        "messages": len(collected.messages),
        "threads": collected.threads_read,
        "calls": dict(collected.calls),
        "skipped": [s.model_dump() for s in collected.skipped],
    }
