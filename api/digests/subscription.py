"""`Subscription`: who gets which channel's digest, when, and for which reader.

A channel subscription posts in the channel; a person's is sent to them as a DM. One
subscription per (channel, recipient): saving again replaces it. Times are local to the
subscription's time zone, so a channel in Asia/Tokyo gets its 9:00 digest at 9:00 in Tokyo,
and a DST change moves nothing.
"""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from distiller.digest import DEFAULT_DIGEST_BUDGET, DEFAULT_MAX_TOPICS
from distiller.digest.inputs import MAX_DIGEST_BUDGET, MAX_TOPICS, MIN_DIGEST_BUDGET

from . import messages

__all__ = [
    "CHANNEL_RECIPIENT",
    "DEFAULT_HOUR",
    "DEFAULT_TIMEZONE",
    "WEEKDAYS",
    "Cadence",
    "Quiet",
    "Subscription",
]

# Where a channel subscription is delivered: the channel itself.
CHANNEL_RECIPIENT = "channel"
DEFAULT_HOUR = 9
DEFAULT_TIMEZONE = "UTC"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Cadence = Literal["daily", "weekly"]
# What a quiet window gets: nothing ("skip", the default: a daily "nothing happened" is noise)
# or a one-line "no activity" post ("post").
Quiet = Literal["skip", "post"]

_CHANNEL_RE = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USER_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")


class Subscription(BaseModel):
    """One digest subscription. Raises pydantic's ValidationError (with `messages` wording)
    on a bad channel or user id, hour, weekday or time zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: str = Field(description="the channel read, e.g. 'C0123ABC'")
    recipient: str = Field(
        default=CHANNEL_RECIPIENT,
        description="'channel' to post in the channel, or a user id ('U0123') for a DM",
    )
    cadence: Cadence = "daily"
    weekday: int = Field(default=0, ge=0, le=6, description="weekly only: 0 = Monday")
    hour: int = Field(default=DEFAULT_HOUR, ge=0, le=23, description="local hour of delivery")
    minute: int = Field(default=0, ge=0, le=59)
    timezone: str = Field(default=DEFAULT_TIMEZONE, description="IANA zone, e.g. 'Asia/Tokyo'")
    persona: str | None = Field(
        default=None, description="the reader; None uses the channel's persona"
    )
    quiet: Quiet = "skip"
    budget_tokens: int = Field(
        default=DEFAULT_DIGEST_BUDGET, ge=MIN_DIGEST_BUDGET, le=MAX_DIGEST_BUDGET
    )
    max_topics: int = Field(default=DEFAULT_MAX_TOPICS, ge=1, le=MAX_TOPICS)
    enabled: bool = True
    created_by: str = Field(default="", description="'slack:U1', 'api:<key id>', 'config'")

    @field_validator("channel")
    @classmethod
    def _channel_id(cls, value: str) -> str:
        if not _CHANNEL_RE.match(value):
            raise ValueError(messages.BAD_CHANNEL.format(value=value))
        return value

    @field_validator("recipient")
    @classmethod
    def _recipient(cls, value: str) -> str:
        if value != CHANNEL_RECIPIENT and not _USER_RE.match(value):
            raise ValueError(messages.BAD_RECIPIENT.format(value=value))
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(messages.BAD_TIMEZONE.format(value=value)) from None
        return value

    @model_validator(mode="after")
    def _dm_reads_a_channel(self) -> Subscription:
        if self.channel.startswith("D") and self.recipient == CHANNEL_RECIPIENT:
            raise ValueError(messages.DM_CHANNEL)
        return self

    @property
    def id(self) -> str:
        """'C0123:channel' or 'C0123:U0456': one subscription per channel and recipient."""
        return f"{self.channel}:{self.recipient}"

    @property
    def to_person(self) -> bool:
        return self.recipient != CHANNEL_RECIPIENT

    def describe(self) -> str:
        """'daily at 09:00 Asia/Tokyo' / 'weekly on Mon at 17:30 UTC'."""
        when = "daily" if self.cadence == "daily" else f"weekly on {WEEKDAYS[self.weekday].title()}"
        return f"{when} at {self.hour:02d}:{self.minute:02d} {self.timezone}"
