"""The Slack adapter's configuration, read once from `Settings` (defaults as named constants).

`slack_app_token` and `slack_api_url` are read with getattr so that the adapter works before
those fields exist in `Settings`; keyword overrides (tests, the benchmark) win over both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..digests.budget import RequestBudget
from ..settings import Settings

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_CHANNEL_CACHE_SECONDS",
    "DEFAULT_RATE_LIMIT_RETRIES",
    "EVENTS_PATH",
    "SlackConfig",
    "default_cpu_workers",
]

DEFAULT_API_URL = "https://slack.com/api/"
EVENTS_PATH = "/slack/events"
# Three retries honour up to three Retry-After waits; more would outlive the response_url's
# usefulness to a person waiting for an answer.
DEFAULT_RATE_LIMIT_RETRIES = 3
# conversations.info/users.info answers reused this long: names and topics rarely change, and
# without it 50 clicks in a channel cost 50 calls of a Tier-3 method.
DEFAULT_CHANNEL_CACHE_SECONDS = 300.0


def default_cpu_workers() -> int:
    """Threads for CPU-bound work (distilling, detection, embedding): one core is left to the
    event loop, which must keep acking Slack within 3 s; more threads than cores only make it
    wait longer for the GIL."""
    return max(1, (os.cpu_count() or 2) - 1)


def _secret(value: object) -> str | None:
    if value is None:
        return None
    get = getattr(value, "get_secret_value", None)
    text = get() if callable(get) else str(value)
    return text or None


@dataclass(frozen=True)
class SlackConfig:
    """What the adapter needs; `from_settings` returns None when Slack is not configured."""

    bot_token: str
    signing_secret: str
    data_dir: Path
    api_url: str = DEFAULT_API_URL
    app_token: str | None = None
    default_persona: str | None = None
    detect_threshold: float | None = None
    rate_limit_retries: int = DEFAULT_RATE_LIMIT_RETRIES
    cache_seconds: float = DEFAULT_CHANNEL_CACHE_SECONDS
    cpu_workers: int = field(default_factory=default_cpu_workers)
    digest_scheduler: bool = True
    digest_interval: float = 60.0
    digest_budget: RequestBudget = field(default_factory=RequestBudget)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, api_url: str | None = None, app_token: str | None = None
    ) -> SlackConfig | None:
        bot = _secret(settings.slack_bot_token)
        secret = _secret(settings.slack_signing_secret)
        if not bot or not secret:
            return None
        url = api_url or getattr(settings, "slack_api_url", None) or DEFAULT_API_URL
        return cls(
            bot_token=bot,
            signing_secret=secret,
            data_dir=Path(settings.data_dir),
            api_url=url if url.endswith("/") else url + "/",
            app_token=app_token or _secret(getattr(settings, "slack_app_token", None)),
            default_persona=settings.default_persona,
            detect_threshold=settings.detect_threshold,
            digest_scheduler=settings.digest_scheduler,
            digest_interval=settings.digest_interval,
            digest_budget=RequestBudget(
                history_pages=settings.digest_history_pages,
                replies_calls=settings.digest_replies_calls,
            ),
        )
