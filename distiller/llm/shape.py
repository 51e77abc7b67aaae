"""From the model's `Draft` to a `Distillation` in the reader's shape and budget."""

from __future__ import annotations

from ..asks import Ask
from ..engine import ReaderSpec
from ..facts import facts_report
from ..result import Distillation
from ..thread import Thread
from ..tokens import count_tokens
from . import messages
from .parse import Draft

__all__ = ["shape_draft"]


def shape_draft(draft: Draft, thread: Thread, spec: ReaderSpec, budget: int) -> Distillation:
    """The draft as a Distillation: bullets capped for the format, facts report and counts set.

    Trailing bullets are dropped while the rendering is over budget, the one edit that cannot
    make a summary less true; what is still over budget is left for the guard to reject.
    """
    bullets = [b.strip() for b in draft.bullets if b.strip()]
    bullets = [] if spec.format == "one-liner" else bullets[: spec.max_bullets]
    asks = [
        Ask(text=a.text.strip(), owner=(a.owner or "").strip() or None, due=a.due or None)
        for a in draft.asks
        if a.text.strip()
    ]
    notes: list[str] = []
    if thread.redactions:
        notes.append(messages.REDACTED.format(count=thread.redactions))
    result = Distillation(tldr=draft.tldr, bullets=bullets, asks=asks, format=spec.format)
    dropped = 0
    while result.bullets and count_tokens(result.render_text()) > budget:
        result = result.model_copy(update={"bullets": result.bullets[:-1]})
        dropped += 1
    if dropped:
        notes.append(messages.BULLETS_DROPPED.format(count=dropped, budget=budget))
    return result.model_copy(
        update={
            "facts": facts_report(thread.text, result.render_mrkdwn()),
            "tokens_out": count_tokens(result.render_text()),
            "notes": notes,
        }
    )
