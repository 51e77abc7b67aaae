"""The memory's data model: `Record`, its `Source` message and its `Visibility`.

A record is one distilled statement. It keeps every Slack message it was seen in (`sources`,
so deleting a message can delete what it taught us), who may read it (`visibility`) and its
validity interval (`valid_from` .. `invalid_at`, with `superseded_by` naming the newer record).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from . import messages
from .errors import InvalidRecordError

__all__ = ["Kind", "Record", "Scope", "Source", "Visibility", "new_record_id", "utcnow"]

Scope = Literal["public", "private", "team", "workspace"]


class Kind(StrEnum):
    """What sort of knowledge a record holds; retention and ranking may differ per kind."""

    FACT = "fact"
    DECISION = "decision"
    INCIDENT = "incident"
    HOWTO = "howto"
    STATUS = "status"
    SUMMARY = "summary"


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (records never hold naive datetimes)."""
    return datetime.now(UTC)


def new_record_id() -> str:
    """A fresh record id: 32 hex characters, unique without coordination."""
    return uuid.uuid4().hex


class Source(BaseModel):
    """The Slack message a statement came from; `permalink` is what a citation points to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    workspace: str
    channel_id: str
    channel_name: str = ""
    ts: str
    thread_ts: str | None = None
    permalink: str = ""
    author: str = ""
    is_agent: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity of the message in Slack: (workspace, channel_id, ts)."""
        return (self.workspace, self.channel_id, self.ts)

    def posted_at(self) -> datetime | None:
        """The message time from its Slack `ts` (epoch seconds), or None if it is not one."""
        try:
            return datetime.fromtimestamp(float(self.ts), UTC)
        except ValueError:
            return None


class Visibility(BaseModel):
    """Who may read a record: a public channel, a private channel, a team or a workspace.

    `key` ("scope:id") is the string every backend filters on before ranking.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    scope: Scope
    id: str = Field(min_length=1)

    @property
    def key(self) -> str:
        return f"{self.scope}:{self.id}"

    @classmethod
    def parse(cls, value: str) -> Visibility:
        """Read "scope:id" (e.g. "team:T-infra"); raises InvalidRecordError on anything else."""
        scope, sep, ident = value.partition(":")
        if not sep or not ident or scope not in ("public", "private", "team", "workspace"):
            raise InvalidRecordError(messages.BAD_VISIBILITY.format(value=value))
        return cls(scope=scope, id=ident)  # type: ignore[arg-type]

    @classmethod
    def public(cls, channel_id: str) -> Visibility:
        return cls(scope="public", id=channel_id)

    @classmethod
    def private(cls, channel_id: str) -> Visibility:
        return cls(scope="private", id=channel_id)

    @classmethod
    def team(cls, team_id: str) -> Visibility:
        return cls(scope="team", id=team_id)

    @classmethod
    def workspace(cls, workspace_id: str) -> Visibility:
        return cls(scope="workspace", id=workspace_id)

    def __str__(self) -> str:
        return self.key


class Record(BaseModel):
    """One remembered statement with provenance, visibility and validity.

    `source` is the first message it was seen in; `sources` all of them (merged duplicates
    included, `source` first). A record is current while `invalid_at` is None.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default_factory=new_record_id)
    text: str = Field(min_length=1)
    kind: Kind = Kind.FACT
    source: Source
    visibility: Visibility
    tags: tuple[str, ...] = ()
    created_at: datetime = Field(default_factory=utcnow)
    valid_from: datetime = Field(default_factory=utcnow)
    invalid_at: datetime | None = None
    superseded_by: str | None = None
    content_hash: str = ""
    sources: tuple[Source, ...] = ()
    seen_count: int = Field(default=1, ge=1)

    @property
    def is_current(self) -> bool:
        return self.invalid_at is None

    @property
    def workspace(self) -> str:
        return self.source.workspace
