"""`DigestScheduler`: runs `DigestRunner.tick()` every `interval` seconds inside `distill serve`.

APScheduler's interval job, with one instance at a time (a slow tick is never overlapped by
the next) and missed ticks coalesced (a suspended laptop wakes to one tick, not a burst). The
first tick runs at start, so digests that fell due while the service was down go out at once.
Every replica may run a scheduler: the store's ledger lets exactly one post each digest.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from . import messages
from .runner import DigestRunner

__all__ = ["DigestScheduler"]

log = logging.getLogger("api.digests")


class DigestScheduler:
    """Start in a running event loop with `start()`; `stop()` waits for no job (a tick in
    flight finishes or its claim's lease lets another replica take it over)."""

    def __init__(self, runner: DigestRunner, interval: float) -> None:
        self.runner = runner
        self.interval = interval
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    async def _tick(self) -> None:
        try:
            await self.runner.tick()
        except Exception as exc:  # a tick's bug must not kill the schedule
            log.exception(messages.LOG_TICK_FAILED.format(error=type(exc).__name__))

    def start(self) -> None:
        self._scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self.interval, timezone=UTC),
            id="digests",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
            misfire_grace_time=None,
        )
        self._scheduler.start()
        log.info(messages.LOG_SCHEDULER.format(seconds=self.interval))

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
