"""Reasons a person can read, built from the signals that actually moved the scores."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import messages
from .features import FEATURE_NAMES, Evidence
from .verbosity import MIN_VERBOSE_TOKENS, VERBOSITY_GATE

__all__ = ["Judgement", "render"]

# What a high / low value of each style feature looks like, in words.
_LABELS: dict[str, tuple[str, str]] = {
    "mean_word_len": ("long words", "short words"),
    "word_len_std": ("mixed word lengths", "even word lengths"),
    "long_word_rate": ("many long words", "few long words"),
    "type_token_ratio": ("varied vocabulary", "repeated wording"),
    "mean_sentence_words": ("long sentences", "short sentences"),
    "log_max_sentence_words": ("a very long sentence", "no long sentence"),
    "sentence_len_cv": ("varied sentence lengths", "uniform sentence lengths"),
    "comma_rate": ("many commas", "few commas"),
    "digit_rate": ("many numbers", "few numbers"),
    "proper_noun_rate": ("many names", "few names"),
    "quote_rate": ("quotations", "no quotations"),
    "paren_rate": ("parentheses", "no parentheses"),
    "dash_rate": ("dashes", "no dashes"),
    "colon_rate": ("colons and semicolons", "no colons or semicolons"),
    "exclamation_rate": ("exclamations", "no exclamations"),
    "contraction_rate": ("contractions", "no contractions"),
    "first_person_rate": ("'I' and 'my'", "no 'I'"),
    "second_person_rate": ("addresses 'you'", "no 'you'"),
    "we_rate": ("'we' and 'our'", "no 'we'"),
    "connector_rate": ("many connectors (however, moreover, …)", "few connectors"),
    "hedge_word_rate": ("many hedging words (may, could, …)", "few hedging words"),
    "ing_clause_rate": ("', -ing' clauses", "no ', -ing' clauses"),
    "ly_adverb_rate": ("-ly adverbs", "few -ly adverbs"),
    "nominal_rate": ("abstract nouns", "few abstract nouns"),
    "list_of_three_rate": ("'a, b, and c' lists", "no 'a, b, and c' lists"),
    "stopword_rate": ("many function words", "few function words"),
    "the_rate": ("many 'the'", "few 'the'"),
    "and_rate": ("many 'and'", "few 'and'"),
    "lower_start_rate": ("lower-case sentence starts", "capitalised sentence starts"),
    "pronoun_start_rate": ("sentences opening with This/It", "few This/It openings"),
    "intro_comma_rate": ("sentences opening with a phrase and a comma", "few introductory phrases"),
}
# These have reasons of their own (quoted words, the size line), so the style line skips them.
_QUOTED_ELSEWHERE = frozenset(
    {
        "log_words",
        "agent_word_rate",
        "informal_rate",
        "hedge_phrases",
        "assistant_voice",
        "redundancy",
    }
)
_STYLE_MIN = 0.3  # logits: smaller pulls are noise to a reader
_STYLE_TOP = 3
_QUOTE_TOP = 4


@dataclass
class Judgement:
    """Everything one detection decided, for `render`."""

    evidence: Evidence
    parts: np.ndarray | None  # style contributions per feature; None when style was not judged
    z: np.ndarray | None  # standardised feature values, same order
    priors: dict[str, float]
    app_name: str | None
    metadata_event: str | None
    tokens: int
    prose_tokens: int
    density: float
    agent_score: float
    verbosity: float
    threshold: float
    verbose: bool
    verbose_agent: bool
    notes: list[str] = field(default_factory=list)


def _quote(items: list[str]) -> str:
    shown = [f"'{item}'" for item in items[:_QUOTE_TOP]]
    more = len(items) - _QUOTE_TOP
    return ", ".join(shown) + (f" (+{more} more)" if more > 0 else "")


def _style(parts: np.ndarray, z: np.ndarray, toward_agent: bool) -> list[str]:
    pulls = parts if toward_agent else -parts
    out = []
    for j in np.argsort(-pulls, kind="stable"):
        name = FEATURE_NAMES[j]
        if pulls[j] < _STYLE_MIN:
            break
        if name in _QUOTED_ELSEWHERE:
            continue
        high, low = _LABELS[name]
        out.append(high if z[j] > 0 else low)
        if len(out) == _STYLE_TOP:
            break
    return out


def render(j: Judgement) -> list[str]:
    """Reasons in reading order: metadata, phrasing, layout, style, size, notes, verdict."""
    ev = j.evidence
    reasons: list[str] = []
    if "posted_by_app" in j.priors:
        reasons.append(messages.APP.format(name=j.app_name) if j.app_name else messages.APP_UNNAMED)
    if j.metadata_event:
        reasons.append(messages.METADATA.format(event=j.metadata_event))
    phrasing = [
        p
        for kind in ("pleasantry", "meta_talk", "assistant_voice", "closing_offer")
        for p in ev.phrases.get(kind, ())
    ]
    if phrasing:
        reasons.append(messages.AGENT_PHRASING.format(quoted=_quote(phrasing)))
    if ev.phrases.get("hedge"):
        reasons.append(messages.HEDGES.format(quoted=_quote(ev.phrases["hedge"])))
    layout = ev.layout
    shown = [
        (layout.headers, "header"),
        (layout.emoji_bullets, "emoji bullet"),
        (layout.bold, "bold span"),
        (layout.bullets, "bullet"),
    ]
    if any(name in j.priors for name in ("headers", "emoji_bullets", "bold", "bullets")):
        parts = [f"{n} {label}{'s' if n > 1 else ''}" for n, label in shown if n]
        reasons.append(messages.FORMATTING.format(parts=", ".join(parts)))
    if ev.agent_words and j.parts is not None:
        reasons.append(messages.AGENT_VOCABULARY.format(quoted=_quote(ev.agent_words)))
    if j.parts is not None and j.z is not None:
        agent_side = _style(j.parts, j.z, toward_agent=True)
        human_side = _style(j.parts, j.z, toward_agent=False)
        if agent_side:
            reasons.append(messages.STYLE_AGENT.format(parts=", ".join(agent_side)))
        if human_side:
            reasons.append(messages.STYLE_HUMAN.format(parts=", ".join(human_side)))
    if ev.informal_words:
        reasons.append(messages.CHAT_SHORTHAND.format(quoted=_quote(ev.informal_words)))
    if j.tokens:
        reasons.append(
            messages.SIZE.format(
                tokens=j.tokens,
                facts=ev.facts,
                s="" if ev.facts == 1 else "s",
                density=j.density,
            )
        )
    if ev.redundancy >= 0.25:
        reasons.append(messages.REDUNDANT.format(overlap=ev.redundancy))
    reasons.extend(j.notes)
    numbers = {
        "agent": j.agent_score,
        "threshold": j.threshold,
        "verbosity": j.verbosity,
        "gate": VERBOSITY_GATE,
        "min_tokens": MIN_VERBOSE_TOKENS,
    }
    if j.verbose_agent:
        reasons.append(messages.VERDICT_FLAGGED.format(**numbers))
    else:
        low = j.agent_score < j.threshold
        why = [(messages.WHY_LOW_AGENT if low else messages.WHY_HIGH_AGENT).format(**numbers)]
        if not j.verbose:
            why.append(messages.WHY_NOT_VERBOSE.format(**numbers))
        reasons.append(messages.VERDICT_NOT_FLAGGED.format(why="; ".join(why)))
    return reasons
