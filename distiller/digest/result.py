"""`Digest`, what the engine returns, and its parts. Renderings live in `render.py`.

Every text field is Slack mrkdwn with the source's entities intact (`<@U123>`, links, code).
The model holds what the reader is shown plus, for what was folded, a title and a link: nothing
read is dropped without a trace.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from . import render
from .inputs import Skipped

__all__ = [
    "ActionItem",
    "Attention",
    "Coverage",
    "Decision",
    "Digest",
    "DigestTopic",
    "FoldedTopic",
]


class Coverage(BaseModel):
    """What was read and what was not, and why (the collector's skips and the engine's)."""

    start: datetime
    end: datetime
    timezone: str = "UTC"
    messages_read: int = Field(description="messages in the window, after de-duplication")
    threads_read: int = Field(description="threads with at least one reply read")
    context_messages: int = Field(default=0, description="earlier messages of active threads")
    topics: int = 0
    agent_messages_distilled: int = Field(default=0, description="verbose agent posts shortened")
    redactions: int = Field(default=0, description="secrets replaced before reading")
    skipped: list[Skipped] = Field(default_factory=list)


class DigestTopic(BaseModel):
    """One conversation: a thread, or top-level messages grouped by meaning and time."""

    title: str
    summary: str = Field(description="the topic's distillation: its TL;DR")
    points: list[str] = Field(default_factory=list, description="further bullets")
    permalink: str | None = None
    participants: list[str] = Field(default_factory=list, description="'<@U1>' or app names")
    importance: float = Field(ge=0, le=1)
    signals: list[str] = Field(default_factory=list, description="why it ranks where it does")
    messages: int = 0
    kind: Literal["thread", "conversation"] = "conversation"
    first_ts: str = ""
    last_ts: str = ""


class Decision(BaseModel):
    """Something decided, agreed or approved, with who said it and a link to the message."""

    text: str
    by: str | None = None
    permalink: str | None = None
    topic: str = ""


class ActionItem(BaseModel):
    """Who must do what by when; `done` when the owner later reported it done."""

    what: str
    owner: str | None = None
    due: str | None = None
    asked_by: str | None = None
    permalink: str | None = None
    done: bool = False
    topic: str = ""


class Attention(BaseModel):
    """Needs attention: a question nobody answered, or an incident with no resolution said."""

    kind: Literal["question", "incident"]
    text: str
    by: str | None = None
    permalink: str | None = None
    topic: str = ""


class FoldedTopic(BaseModel):
    """A topic that did not fit the budget: its title and link, so it is one click away."""

    title: str
    permalink: str | None = None
    importance: float = 0.0
    signals: list[str] = Field(default_factory=list)


class Digest(BaseModel):
    """A channel's digest for a window: coverage, TL;DR, topics, decisions, needs attention,
    action items and the topics folded away. `quiet` when nothing happened in the window."""

    channel: str | None = None
    coverage: Coverage
    quiet: bool = False
    tldr: str
    topics: list[DigestTopic] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    attention: list[Attention] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    folded: list[FoldedTopic] = Field(default_factory=list)
    tokens: int = Field(default=0, description="tokens of the reading part, plain text")
    budget_tokens: int = 0
    persona: str | None = None
    notes: list[str] = Field(default_factory=list)

    def render_text(self) -> str:
        """Plain text: section titles, '- ' bullets, links as 'label (url)'."""
        return render.render_text(self)

    def render_mrkdwn(self) -> str:
        """Slack mrkdwn: bold section titles, '•' bullets, entities as Slack wrote them."""
        return render.render_mrkdwn(self)

    def to_sections(self) -> list[dict[str, Any]]:
        """Plain-dict sections ({'id', 'title', 'text'}), each text under 3,000 characters,
        in reading order: ready to become Slack blocks at the edge."""
        return render.to_sections(self)
