"""Work after the ack: started only once Slack has its HTTP response.

Bolt's lazy listeners start the work in the same event loop before the response is written,
and distilling is CPU-bound Python: under load the work (holding the GIL in a worker thread)
delayed the very acks it followed (p99 over a second for 50 concurrent clicks). Here the ack
listener queues the work in the request's context and the endpoint starts it after sending
the response. In Socket Mode, where the ack is a websocket frame Bolt sends itself, the work
starts as a task at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from . import messages

__all__ = ["AFTER_ACK", "Background", "SlackEndpoint", "ack_then"]

log = logging.getLogger("api.slack")

AFTER_ACK = "distiller_after_ack"
Work = Callable[[dict[str, Any]], Awaitable[None]]
Listener = Callable[..., Awaitable[None]]


# How long CPU work may wait for acks in flight to finish: bounded, so that a steady stream
# of clicks delays answers a little but never starves them.
DEFAULT_ACK_PRIORITY_SECONDS = 0.5


class Background:
    """Tasks started after acks; kept referenced until done, awaited (bounded) at shutdown.

    Also tracks the Slack requests in flight: CPU-bound steps wait (`acks_first()`) until
    none is, because a worker thread holding the GIL slows every ack the event loop handles
    meanwhile, and an ack has a 3-second deadline while an answer has none.
    """

    def __init__(self, priority_seconds: float = DEFAULT_ACK_PRIORITY_SECONDS) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._idle: asyncio.Event | None = None
        self.priority_seconds = priority_seconds

    def reset(self) -> None:
        """Forget the in-flight count and its event (a new lifespan may run in a new loop)."""
        self._in_flight = 0
        self._idle = None

    def _idle_event(self) -> asyncio.Event:
        if self._idle is None:  # created in the running loop, on first use
            self._idle = asyncio.Event()
            self._idle.set()
        return self._idle

    def request_started(self) -> None:
        self._in_flight += 1
        self._idle_event().clear()

    def request_done(self) -> None:
        self._in_flight -= 1
        if self._in_flight == 0:
            self._idle_event().set()

    async def acks_first(self) -> None:
        """Return once no Slack request is in flight (or after `priority_seconds`)."""
        idle = self._idle_event()
        if not idle.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(idle.wait(), self.priority_seconds)

    def spawn(self, job: Callable[[], Awaitable[None]]) -> None:
        task = asyncio.ensure_future(job())
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error(messages.LOG_BACKGROUND_FAILED, exc_info=task.exception())

    async def drain(self, timeout: float = 10.0) -> None:
        """Let running work finish (answers people are waiting for), then cancel the rest."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()


def ack_then(background: Background, work: Work) -> Listener:
    """A Bolt listener that acks with an empty body and runs `work(body)` after the ack."""

    async def ack_then_work(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        job = functools.partial(work, body)
        queue = context.get(AFTER_ACK)
        if queue is not None:
            queue.append(job)  # before ack(): the endpoint reads the queue once acked
        else:
            background.spawn(job)
        await ack()

    return ack_then_work


class SlackEndpoint:
    """The ASGI endpoint of /slack/events: Bolt answers, the response goes out, work starts."""

    def __init__(
        self, handler: AsyncSlackRequestHandler, background: Background, path: str
    ) -> None:
        self.handler = handler
        self.background = background
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Starlette's plain routes do not record themselves in the scope as FastAPI's do; the
        # metrics middleware labels requests by scope["route"].path.
        scope["route"] = self
        jobs: list[Callable[[], Awaitable[None]]] = []
        self.background.request_started()
        try:
            response = await self.handler.handle(Request(scope, receive), {AFTER_ACK: jobs})
            await response(scope, receive, send)
        finally:
            self.background.request_done()
        for job in jobs:
            self.background.spawn(job)
