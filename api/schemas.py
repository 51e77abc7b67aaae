"""Request and response bodies of the HTTP API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from distiller import Distillation
from distiller.engine import MAX_BUDGET_TOKENS, MIN_BUDGET_TOKENS
from distiller.result import OutputFormat

__all__ = ["DistillRequest", "DistillResponse", "MessageIn"]


class MessageIn(BaseModel):
    """One message of a thread or dialogue."""

    model_config = ConfigDict(extra="forbid")

    text: str
    user: str | None = None
    ts: str | None = None


class DistillRequest(BaseModel):
    """Distill `text` (one message) or `messages` (a thread), for a persona or a budget."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "Hi team! Quick update: the deploy failed.", "persona": "engineer"}
            ]
        },
    )

    text: str | None = Field(default=None, description="Slack mrkdwn or plain text")
    messages: list[MessageIn] | None = Field(default=None, max_length=5_000)
    persona: str | None = Field(default=None, description="see GET /v1/personas")
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
