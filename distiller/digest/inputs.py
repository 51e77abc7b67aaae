"""What the digest engine takes: messages with their thread and link, and the request.

The collector (api/) translates Slack's history and replies into `DigestMessage`s and says what
it could not read (`Skipped`). The engine never talks to Slack and reads no settings.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..engine import ReaderSpec
from ..message import Message
from . import messages as wording

__all__ = [
    "DEFAULT_DIGEST_BUDGET",
    "DEFAULT_MAX_TOPICS",
    "MAX_DIGEST_BUDGET",
    "MAX_TOPICS",
    "MIN_DIGEST_BUDGET",
    "DigestMessage",
    "DigestRequest",
    "Skipped",
]

# Tokens of the digest's reading part (TL;DR, topics, decisions, needs attention, action
# items): about a two-minute read. Coverage and the folded-topic links come on top.
DEFAULT_DIGEST_BUDGET = 900
MIN_DIGEST_BUDGET = 120
MAX_DIGEST_BUDGET = 8_000
DEFAULT_MAX_TOPICS = 8
# Slack allows 50 blocks per message: one per topic, and room for the other sections.
MAX_TOPICS = 40


class DigestMessage(Message):
    """A channel message as the collector read it: the core `Message` plus where it sits.

    `thread_ts` is set on replies (and on a thread's parent, equal to its `ts`); `permalink`
    is what the digest links to. `ts` is required: order, window and links depend on it.
    """

    ts: str = Field(description="Slack timestamp, e.g. '1712345678.000100'")
    thread_ts: str | None = Field(default=None, description="the thread's parent ts, if any")
    reply_count: int = Field(default=0, ge=0, description="replies Slack says the thread has")
    permalink: str | None = None
    channel: str | None = Field(default=None, description="channel id, e.g. 'C0123'")

    @field_validator("ts", "thread_ts")
    @classmethod
    def _slack_ts(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                float(value)
            except ValueError:
                raise ValueError(wording.BAD_TS.format(value=value)) from None
        return value

    @property
    def time(self) -> float:
        """Seconds since the epoch."""
        return float(self.ts)

    @property
    def is_reply(self) -> bool:
        """True for a message inside a thread that is not the thread's parent."""
        return self.thread_ts is not None and self.thread_ts != self.ts


class Skipped(BaseModel):
    """Something not read, and why: '12 messages: bot not in channel'."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    what: str = Field(description="'messages', 'threads', 'channel C123', ...")
    count: int = Field(default=1, ge=0)
    reason: str
    source: str = Field(default="collector", description="'collector' or 'engine'")


class DigestRequest(BaseModel):
    """One digest to build: the window, who reads it, how long it may be, what was skipped.

    `start`/`end` are aware datetimes (messages with start <= ts < end are in the window);
    `timezone` is how the window is shown. Raises pydantic's ValidationError when unfit.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: datetime
    end: datetime
    spec: ReaderSpec = Field(
        default_factory=ReaderSpec,
        description="the persona's spec; its budget_tokens, if set, is per topic",
    )
    budget_tokens: int = Field(
        default=DEFAULT_DIGEST_BUDGET, ge=MIN_DIGEST_BUDGET, le=MAX_DIGEST_BUDGET
    )
    max_topics: int = Field(default=DEFAULT_MAX_TOPICS, ge=1, le=MAX_TOPICS)
    channel: str | None = Field(default=None, description="how to name it: '#payments'")
    timezone: str = "UTC"
    skipped: tuple[Skipped, ...] = Field(default=(), description="what the collector skipped")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(wording.BAD_TIMEZONE.format(value=value)) from None
        return value

    @model_validator(mode="after")
    def _window(self) -> DigestRequest:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError(wording.NAIVE_WINDOW)
        if self.end <= self.start:
            raise ValueError(wording.EMPTY_WINDOW.format(start=self.start, end=self.end))
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """The window as epoch seconds, [start, end)."""
        return self.start.timestamp(), self.end.timestamp()
