"""`RequestBudget`: how many Slack Web API calls one digest run may spend, and its defaults.

The defaults are sized on Slack's rate tiers: conversations.history and conversations.replies
are Tier 3 for an internal app (about 50 calls a minute).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from . import messages

__all__ = [
    "DEFAULT_DIGEST_RATE_LIMIT_RETRIES",
    "DEFAULT_HISTORY_PAGES",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_REPLIES_CALLS",
    "DEFAULT_THREAD_LOOKBACK",
    "MAX_PAGE_SIZE",
    "RequestBudget",
]

# 25 pages of 200 read 5,000 messages: a very busy channel's day plus a week of look-back at a
# few hundred a day, in about half a minute of that allowance.
DEFAULT_HISTORY_PAGES = 25
# One call reads a thread of up to 199 replies; 100 threads is more than a day of any channel a
# person can follow, and two minutes of Tier 3 at worst for a run nobody waits on.
DEFAULT_REPLIES_CALLS = 100
# Slack recommends no more than 200 per page (it answers at most 999).
DEFAULT_PAGE_SIZE = 200
MAX_PAGE_SIZE = 999
# Threads revived after more than a week are rare, and every day looked back costs history pages.
DEFAULT_THREAD_LOOKBACK = timedelta(days=7)
# A digest run waits on nobody, so it can honour more Retry-After waits than the shortcut (3).
DEFAULT_DIGEST_RATE_LIMIT_RETRIES = 6


@dataclass(frozen=True)
class RequestBudget:
    """How many Web API calls one digest run may spend on one channel (ValueError if unfit)."""

    history_pages: int = DEFAULT_HISTORY_PAGES  # conversations.history calls, page_size each
    replies_calls: int = DEFAULT_REPLIES_CALLS  # conversations.replies calls, page_size each
    page_size: int = DEFAULT_PAGE_SIZE
    # How far before the window to look for parents of threads that got replies inside it.
    thread_lookback: timedelta = DEFAULT_THREAD_LOOKBACK

    def __post_init__(self) -> None:
        checks = (
            ("history_pages", self.history_pages >= 1, "at least 1"),
            ("replies_calls", self.replies_calls >= 0, "0 or more"),
            ("page_size", 1 <= self.page_size <= MAX_PAGE_SIZE, f"1 to {MAX_PAGE_SIZE}"),
            ("thread_lookback", self.thread_lookback >= timedelta(0), "0 or more"),
        )
        for name, fine, rule in checks:
            if not fine:
                raise ValueError(
                    messages.BAD_BUDGET.format(field=name, rule=rule, value=getattr(self, name))
                )
