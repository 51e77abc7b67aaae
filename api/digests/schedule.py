"""When a subscription's digest is due, and which window it covers.

Boundaries are wall-clock times in the subscription's zone (9:00 in Tokyo is 00:00 UTC), so the
window between two of them is 23 or 25 hours across a DST change: the reader gets "since
yesterday's digest", not "the last 86,400 seconds". The window starts at the watermark (the end
of the last window produced) so a restart or an outage leaves no gap; a watermark older than
`MAX_CATCH_UP` periods is not chased: one long digest, then back on schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .subscription import Subscription

__all__ = ["MAX_CATCH_UP", "Window", "due_window", "last_boundary", "next_boundary"]

# After an outage, a digest covers at most this many periods (a week of dailies, four weeks of
# weeklies): older activity is past being news, and one digest stays readable.
MAX_CATCH_UP = {"daily": 7, "weekly": 4}


@dataclass(frozen=True)
class Window:
    """[start, end), aware datetimes in UTC; `key` names the digest for idempotency."""

    start: datetime
    end: datetime

    def key(self, subscription_id: str) -> str:
        """One digest per subscription and window end: what makes a post happen once."""
        return f"{subscription_id}@{int(self.end.timestamp())}"


def _period_days(sub: Subscription) -> int:
    return 1 if sub.cadence == "daily" else 7


def last_boundary(sub: Subscription, now: datetime) -> datetime:
    """The latest delivery time at or before `now` (aware, UTC)."""
    zone = ZoneInfo(sub.timezone)
    local = now.astimezone(zone)
    at = time(sub.hour, sub.minute)
    day = local.date()
    if sub.cadence == "weekly":
        day -= timedelta(days=(day.weekday() - sub.weekday) % 7)
    candidate = datetime.combine(day, at, tzinfo=zone)
    if candidate > local:
        candidate = datetime.combine(day - timedelta(days=_period_days(sub)), at, tzinfo=zone)
    # A time skipped by a DST jump (2:30 on spring-forward day) resolves via fold=0, which
    # zoneinfo maps to the later instant: the digest comes once, an hour late, never twice.
    return candidate.astimezone(ZoneInfo("UTC"))


def _shift(sub: Subscription, boundary: datetime, periods: int) -> datetime:
    zone = ZoneInfo(sub.timezone)
    local = boundary.astimezone(zone)
    day = local.date() + timedelta(days=periods * _period_days(sub))
    moved = datetime.combine(day, time(sub.hour, sub.minute), tzinfo=zone)
    return moved.astimezone(ZoneInfo("UTC"))


def next_boundary(sub: Subscription, now: datetime) -> datetime:
    """The next delivery time strictly after `now` (aware, UTC)."""
    return _shift(sub, last_boundary(sub, now), 1)


def due_window(sub: Subscription, now: datetime, watermark: datetime | None) -> Window | None:
    """The window to produce at `now`, or None when the latest one was already produced.

    Without a watermark (a new subscription) the window is the last full period; with one,
    it starts at the watermark, capped to `MAX_CATCH_UP` periods back.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    end = last_boundary(sub, now)
    if watermark is not None and watermark >= end:
        return None
    earliest = _shift(sub, end, -MAX_CATCH_UP[sub.cadence])
    start = _shift(sub, end, -1) if watermark is None else max(watermark, earliest)
    return Window(start=start, end=end)
