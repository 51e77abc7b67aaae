"""`Distillation`, the result of every engine, and its renderings (plain text, mrkdwn, JSON)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .asks import Ask
from .facts import FactsReport
from .mrkdwn import to_plain

__all__ = ["Distillation", "OutputFormat", "render_parts"]

OutputFormat = Literal["one-liner", "bullets", "brief"]


class Distillation(BaseModel):
    """A short, faithful version of a message or thread.

    `tldr`, `bullets` and the asks' texts are mrkdwn with the source's entities intact.
    `tokens_out` counts the plain-text rendering, the thing the budget bounds.
    """

    tldr: str
    bullets: list[str] = Field(default_factory=list)
    asks: list[Ask] = Field(default_factory=list)
    facts: FactsReport = Field(default_factory=FactsReport)
    tokens_in: int = 0
    tokens_out: int = 0
    budget_tokens: int = 0
    engine: str = "offline"
    persona: str | None = None
    format: OutputFormat = "bullets"
    redactions: int = Field(default=0, description="secrets replaced before distilling")
    notes: list[str] = Field(default_factory=list, description="what a reader should know")

    def render_text(self) -> str:
        """Plain text: the TL;DR line, '- ' bullets, then the asks; no mrkdwn markup."""
        return to_plain(render_parts(self.tldr, self.bullets, self.asks, self.format, markup=False))

    def render_mrkdwn(self) -> str:
        """Slack mrkdwn with bold labels and '•' bullets; entities kept as Slack wrote them."""
        return render_parts(self.tldr, self.bullets, self.asks, self.format, markup=True)

    def to_json(self) -> str:
        """The whole result as JSON (the HTTP API's and `--format json`'s shape)."""
        return self.model_dump_json()


def _ask_line(ask: Ask) -> str:
    return ask.text


def render_parts(
    tldr: str, bullets: list[str], asks: list[Ask], fmt: OutputFormat, *, markup: bool
) -> str:
    """Lay out the parts of a distillation for one format; shared by the renderers and budgeting."""
    bullet = "• " if markup else "- "
    if fmt == "one-liner":
        line = tldr
        if asks:
            line += (" *Ask:* " if markup else " Ask: ") + "; ".join(a.text for a in asks)
        return line
    if fmt == "brief":
        body = " ".join(part.rstrip() for part in [tldr, *bullets] if part)
        lines = [body]
    else:
        lines = [(f"*TL;DR:* {tldr}" if markup else tldr), *(bullet + b for b in bullets)]
    if asks:
        lines.append("*Asks:*" if markup else "Asks:")
        lines.extend(bullet + _ask_line(a) for a in asks)
    return "\n".join(line for line in lines if line.strip())
