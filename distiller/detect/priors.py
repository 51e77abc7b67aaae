"""Hand-set evidence the fitted model cannot learn: Slack metadata, layout and chat courtesies.

The evaluation corpora are plain prose without Slack metadata, line breaks (the fit collapses
whitespace, because one side of each corpus had it stripped) or much chat courtesy, so a fit
would give these signals no weight. Their weights are set here by hand, in logit units added to
the style model's logit, each capped so that no one signal decides alone, and documented.
"""

from __future__ import annotations

from dataclasses import dataclass

from .features import Evidence

__all__ = ["PHRASING_KINDS", "PRIORS", "Prior", "prior_terms"]


@dataclass(frozen=True)
class Prior:
    """`weight` logits per occurrence, counting at most `cap` occurrences."""

    weight: float
    cap: int


PRIORS: dict[str, Prior] = {
    # bot_id/app_id/bot_message: software posted it. Not proof of verbose prose (a deploy bot
    # says "done"), which the verbosity gate handles, but strong evidence of machine authorship.
    "posted_by_app": Prior(3.0, 1),
    # Apps attach structured metadata; people never do.
    "metadata_event": Prior(0.5, 1),
    # Distinct assistant phrases: "Great question!", "I hope this helps", "Here's a quick
    # summary", "It's worth noting", "Let me know if…". Each is rare in a colleague's message
    # and several together are an assistant's signature.
    "agent_phrasing": Prior(1.2, 4),
    # Headers and emoji bullets in a chat message are an assistant's layout; people write lists
    # too (changelogs, timelines), so plain bullets and bold count for little.
    "headers": Prior(0.5, 3),
    "emoji_bullets": Prior(0.4, 5),
    "bold": Prior(0.2, 5),
    "bullets": Prior(0.1, 5),
    "emoji": Prior(0.1, 6),
    # "lol", "btw", "idk": people's shorthand; assistants do not write it.
    "chat_shorthand": Prior(-0.7, 3),
}
# The phrase families that count as agent phrasing here (hedges and the assistant's talk about
# itself are in the fitted model: they occur in the evaluation corpora).
PHRASING_KINDS = ("pleasantry", "meta_talk", "closing_offer")


def prior_terms(ev: Evidence, posted_by_app: bool, metadata_event: str | None) -> dict[str, float]:
    """Logit contribution of each prior that fired (non-zero only), keyed by prior name."""
    layout = ev.layout
    counts = {
        "posted_by_app": int(posted_by_app),
        "metadata_event": int(bool(metadata_event)),
        "agent_phrasing": sum(len(ev.phrases.get(kind, ())) for kind in PHRASING_KINDS),
        "headers": layout.headers,
        "emoji_bullets": layout.emoji_bullets,
        "bold": layout.bold,
        "bullets": layout.bullets,
        # Emoji that are not bullets: decoration ("🎉 *Exciting news!* 🎉").
        "emoji": max(layout.emoji - layout.emoji_bullets, 0),
        "chat_shorthand": len(ev.informal_words),
    }
    return {
        name: PRIORS[name].weight * min(count, PRIORS[name].cap)
        for name, count in counts.items()
        if count
    }
