"""The faithfulness guard: does an LLM's distillation state only what the message states?

Pure functions over the source text and a candidate `Distillation`; no model, no network.
Every number, link, mention, code identifier and date in the output must appear in the source
(compared in canonical form, see `canonical.py`); the rendering must fit the budget; each
ask's owner must be named in the source; and the output must not follow instructions: no text
of the system prompt, no "as instructed"/"ignore previous ..." unless the source says it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal

from ..result import Distillation
from ..tokens import count_tokens
from . import canonical, messages

__all__ = ["Finding", "FindingKind", "SourceFacts", "check_output"]

FindingKind = Literal[
    "number", "link", "mention", "identifier", "date", "budget", "owner", "instruction", "leak"
]

# Phrases an obedient model writes when it follows the message instead of summarising it.
INSTRUCTION_PHRASES = (
    "as instructed",
    "as you instructed",
    "as requested in the message",
    "ignore previous",
    "ignore all previous",
    "ignore the above",
    "ignoring previous",
    "previous instructions",
    "system prompt",
    "my instructions",
    "my prompt",
    "i was instructed",
    "i have been instructed",
    "i am an ai",
    "as an ai",
    "language model",
    "i cannot comply",
    "i can't comply",
    "developer mode",
    "<message>",
    "</message>",
)
# A run of this many words shared with the system prompt, and absent from the source, is a
# leak: shorter runs ("the message", "by Friday") occur in any summary.
LEAK_NGRAM = 6
_WORD_RE = re.compile(r"\w+")


def _ngrams(text: str, n: int = LEAK_NGRAM) -> dict[tuple[str, ...], int]:
    words = _WORD_RE.findall(text.casefold())
    return {tuple(words[i : i + n]): i for i in range(len(words) - n + 1)}


# One set of rules per (format, budget, bullets): a few dozen distinct prompts in a process.
_prompt_ngrams = lru_cache(maxsize=64)(_ngrams)


@dataclass(frozen=True)
class Finding:
    """One reason the output is not faithful: what kind, and the offending text as written."""

    kind: FindingKind
    value: str

    def __str__(self) -> str:
        return messages.FINDINGS[self.kind].format(value=self.value)


class SourceFacts:
    """The source's facts in canonical form, computed once and checked against many outputs."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = " ".join(text.casefold().split())
        self.numbers = canonical.number_keys(text)
        self.links = canonical.link_keys(text)
        self.mentions = canonical.mention_keys(text)
        self.dates = canonical.date_keys(text)

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(_WORD_RE.findall(self.folded))

    @cached_property
    def ngrams(self) -> frozenset[tuple[str, ...]]:
        return frozenset(_ngrams(self.text))

    def supports(self, fact: canonical.Fact) -> bool:
        """True when the source states `fact` (in any of its equivalent forms)."""
        if fact.kind == "number":
            return fact.key in self.numbers
        if fact.kind == "link":
            return fact.key in self.links
        if fact.kind == "date":
            return fact.key in self.dates
        if fact.kind == "mention":
            # A plain "@dana" is fine when the source names Dana without the sigil.
            return fact.key in self.mentions or (
                fact.text[:1] in "@#" and fact.key[1:] in self.words
            )
        return fact.key in self.folded

    def names(self, owner: str) -> bool:
        """True when an ask's owner is named in the source (as a mention or in words)."""
        owner = owner.strip()
        keys = canonical.mention_keys(owner)
        if keys and keys & self.mentions:
            return True
        plain = " ".join(owner.casefold().lstrip("@").split())
        return bool(plain) and plain in self.folded


def _output_text(candidate: Distillation) -> str:
    parts = [candidate.tldr, *candidate.bullets]
    for ask in candidate.asks:
        parts.extend(p for p in (ask.text, ask.due) if p)
    return "\n".join(parts)


def check_output(
    source: str | SourceFacts,
    candidate: Distillation,
    *,
    budget_tokens: int,
    system_prompt: str = "",
) -> list[Finding]:
    """Findings that make `candidate` unfaithful to `source`; an empty list means it passes.

    `budget_tokens` bounds the plain-text rendering (`tokens_out` when set, else counted);
    `system_prompt` is the text the output must not repeat. Each problem is reported once.
    """
    facts = source if isinstance(source, SourceFacts) else SourceFacts(source)
    text = _output_text(candidate)
    findings: list[Finding] = []

    def add(kind: FindingKind, value: str) -> None:
        finding = Finding(kind, value)
        if finding not in findings:
            findings.append(finding)

    for fact in canonical.scan_output(text):
        if not facts.supports(fact):
            add(fact.kind, fact.text)  # type: ignore[arg-type]
    for ask in candidate.asks:
        if ask.owner and ask.owner.strip() and not facts.names(ask.owner):
            add("owner", ask.owner)
    folded = " ".join(text.casefold().split())
    for phrase in INSTRUCTION_PHRASES:
        if phrase in folded and phrase not in facts.folded:
            add("instruction", phrase)
    if system_prompt:
        prompt_grams = _prompt_ngrams(system_prompt)
        shared = {
            gram: at
            for gram, at in _ngrams(text).items()
            if gram in prompt_grams and gram not in facts.ngrams
        }
        if shared:
            first = min(shared, key=shared.__getitem__)
            add("leak", " ".join(first))
    # An engine sets tokens_out from this very rendering (shape_draft does); counting again
    # would be a third of the guard's time. A candidate without it is counted here.
    tokens = candidate.tokens_out or count_tokens(candidate.render_text())
    if tokens > budget_tokens:
        add("budget", f"{tokens} > {budget_tokens}")
    return findings
