"""Request and response bodies of the HTTP API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from distiller import DEFAULT_MAX_INPUT_CHARS, Distillation
from distiller.engine import MAX_BUDGET_TOKENS, MIN_BUDGET_TOKENS
from distiller.result import OutputFormat
from memory import Kind, Record

__all__ = [
    "PROBLEM_RESPONSES",
    "ComposeRequest",
    "ComposeResponse",
    "ContextRequest",
    "ContextResponse",
    "DetectRequest",
    "DistillRequest",
    "DistillResponse",
    "MemoryHit",
    "MemorySearchRequest",
    "MemoryWriteRequest",
    "MemoryWriteResponse",
    "MessageIn",
    "Problem",
    "SourceIn",
]


class MessageIn(BaseModel):
    """One message of a thread or dialogue."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str
    user: str | None = None
    ts: str | None = None


class DistillRequest(BaseModel):
    """Distill `text` (one message) or `messages` (a thread), for a persona or a budget."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"text": "Hi team! Quick update: the deploy failed.", "persona": "engineer"}
            ]
        },
    )

    text: str | None = Field(default=None, description="Slack mrkdwn or plain text")
    messages: list[MessageIn] | None = Field(default=None, max_length=5_000)
    persona: str | None = Field(default=None, description="see GET /v1/personas")
    channel_id: str | None = Field(
        default=None, description="where it was posted: the channel's persona applies"
    )
    budget_tokens: int | None = Field(default=None, ge=MIN_BUDGET_TOKENS, le=MAX_BUDGET_TOKENS)
    focus: list[str] = Field(default_factory=list, max_length=20)
    format: OutputFormat | None = None

    @model_validator(mode="after")
    def _one_source(self) -> DistillRequest:
        if (self.text is None) == (self.messages is None):
            raise ValueError("give exactly one of 'text' or 'messages'")
        return self


class DistillResponse(Distillation):
    """The Distillation, plus its plain-text and mrkdwn renderings and a facts line."""

    summary: str = Field(description="plain-text rendering")
    mrkdwn: str = Field(description="Slack mrkdwn rendering")
    facts_summary: str = Field(description="e.g. 'kept 6/6 numbers, 2/2 deadlines'")

    @classmethod
    def of(cls, result: Distillation) -> DistillResponse:
        return cls(
            **result.model_dump(),
            summary=result.render_text(),
            mrkdwn=result.render_mrkdwn(),
            facts_summary=result.facts.summary(),
        )


class DetectRequest(BaseModel):
    """A message to score: its text and, when known, whether an app posted it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(max_length=DEFAULT_MAX_INPUT_CHARS)
    posted_by_app: bool = False
    app_name: str | None = None
    threshold: float | None = Field(default=None, ge=0, le=1, description="override the default")


class ComposeRequest(BaseModel):
    """The message an agent intends to post, and where."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str
    channel_id: str | None = Field(default=None, description="target channel; its persona applies")
    persona: str | None = Field(default=None, description="overrides the channel's persona")
    budget_tokens: int | None = Field(default=None, ge=MIN_BUDGET_TOKENS, le=MAX_BUDGET_TOKENS)


class ComposeResponse(BaseModel):
    """What to post instead: the persona-fit concise version, and what it kept."""

    post: str = Field(description="Slack mrkdwn to post")
    persona: str | None
    tokens_in: int
    tokens_out: int
    facts_summary: str
    distillation: Distillation


class SourceIn(BaseModel):
    """Where a statement came from (the Slack message)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    channel_id: str = Field(min_length=1)
    ts: str = Field(min_length=1)
    channel_name: str = ""
    thread_ts: str | None = None
    permalink: str = ""
    author: str = ""
    is_agent: bool = False


class MemoryWriteRequest(BaseModel):
    """A statement to remember; visibility defaults to the key's team."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(min_length=1, max_length=20_000)
    kind: Kind = Kind.FACT
    source: SourceIn
    visibility: str | None = Field(
        default=None,
        description='"team:<id>", "public:<channel>", "private:<channel>", "workspace:<id>"',
    )
    tags: list[str] = Field(default_factory=list, max_length=20)


class MemoryWriteResponse(BaseModel):
    action: Literal["inserted", "merged", "unchanged"] | str
    record: Record
    superseded: list[str]


class MemorySearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    query: str = Field(min_length=1, max_length=10_000)
    k: int = Field(default=10, ge=1, le=100)
    include_history: bool = False


class MemoryHit(BaseModel):
    score: float
    record: Record


class ContextRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    query: str = Field(min_length=1, max_length=10_000)
    budget_tokens: int = Field(default=800, ge=50, le=8_000)


class ContextResponse(BaseModel):
    """A cited, token-budgeted block to paste into a prompt, and the records behind it."""

    text: str
    tokens: int
    budget_tokens: int
    records: list[Record]


class Problem(BaseModel):
    """RFC 9457 problem details: every error this API returns has this shape."""

    type: str
    title: str
    status: int
    detail: str


def _problem(description: str) -> dict[str, object]:
    return {
        "description": description,
        "model": Problem,
        "content": {"application/problem+json": {"schema": Problem.model_json_schema()}},
    }


# Documented on every /v1 route so clients (and schemathesis) know the error shapes.
PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    400: _problem("unusable input (empty, binary)"),
    401: _problem("missing, unknown or revoked API key"),
    403: _problem("the key lacks the scope, or may not touch that record"),
    404: _problem("no such record (or not readable by this key)"),
    413: _problem("input or body above the size limit"),
    422: _problem("invalid request: the detail names the field"),
    429: _problem("rate limit reached; see Retry-After"),
    503: _problem("a store is unreachable; retry later"),
}
