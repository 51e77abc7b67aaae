"""`OfflineEngine`: extractive-compressive distillation with no network and no model.

Pipeline (DESIGN.md, "The offline engine"): parse mrkdwn into units → drop boilerplate →
compress each unit → score (centrality, density, cues, position, focus) → keep the asks →
MMR-select the rest under the token budget → shape for the reader's format and glossary →
report which facts of the source survived. Deterministic: same input, same output.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from . import lexicon
from .asks import Ask, ask_priority, is_ask, make_ask
from .compress import (
    Facts,
    bare_boilerplate_kind,
    compress_with_facts,
    strip_decoration,
    trim_clauses,
)
from .engine import Engine, ReaderSpec
from .facts import extract_facts, facts_report
from .mrkdwn import Unit, parse_units, protect_entities, restore_entities, to_plain
from .result import Distillation, render_parts
from .score import DEFAULT_WEIGHTS, Candidate, Weights, score_candidates, select_mmr
from .speech import attribute
from .thread import DEFAULT_MAX_INPUT_CHARS, Thread
from .tokens import count_tokens, truncate_to_tokens
from .words import content_words

__all__ = ["OfflineEngine", "fit_text"]

# Tokens a bullet line costs beyond its text ("- " and the newline), and the "Asks:" label.
_LINE_OVERHEAD = 2
_ASKS_LABEL = 3
_SHORTCODE_RE = re.compile(r":[a-z0-9_+'-]+:", re.IGNORECASE)
_DANGLING_ENTITY_RE = re.compile(r"<[^>]*$|`[^`]*$")


def fit_text(text: str, max_tokens: int) -> str:
    """Cut `text` to `max_tokens` on a word boundary, never through an entity; adds '…'."""
    if count_tokens(text) <= max_tokens:
        return text
    cut = truncate_to_tokens(text, max(max_tokens - 1, 1))
    cut = _DANGLING_ENTITY_RE.sub("", cut)
    if " " in cut.strip():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


class OfflineEngine(Engine):
    """The default engine: deterministic, local, fast (milliseconds per message)."""

    name = "offline"

    def __init__(
        self, *, weights: Weights = DEFAULT_WEIGHTS, max_input_chars: int = DEFAULT_MAX_INPUT_CHARS
    ) -> None:
        super().__init__(max_input_chars=max_input_chars)
        self.weights = weights

    def _distill(self, thread: Thread, spec: ReaderSpec, budget: int) -> Distillation:
        units = [
            unit
            for index, message in enumerate(thread.messages)
            for unit in parse_units(message.text, message=index, user=message.user)
        ]
        # A unit's text is scanned for facts by the boilerplate test and by compression, and a
        # candidate's again for keep_identifiers: one scan per distinct text is enough.
        facts_of = _FactsMemo()
        speakers = _speakers(thread) if thread.is_dialogue else None
        candidates = self._candidates(units, speakers, facts_of)
        notes: list[str] = []
        if thread.redactions:
            notes.append(f"{thread.redactions} secret(s) redacted before distilling")
        if not candidates:
            return self._nothing_to_distill(thread, budget, notes)

        score_candidates(candidates, spec.focus, self.weights, spec.avoid)
        if spec.keep_identifiers:
            # Readers like agents need ids and links to act; favour the units that carry them.
            for cand in candidates:
                found = facts_of(cand.text)
                cand.score += 0.3 * min(2, len(found["identifiers"]) + len(found["links"]))
        others = [c for c in candidates if not c.is_ask]
        asks = self._fit_asks([c for c in candidates if c.is_ask], others, budget, notes)
        room = budget - sum(c.tokens for c in asks) - (_ASKS_LABEL if asks else 0)
        max_items = 1 if spec.format == "one-liner" else 1 + spec.max_bullets
        others = [_trimmed(c, room) if c.tokens > room else c for c in others]
        chosen = select_mmr(others, room, max_items, self.weights)
        if not chosen and not asks:
            chosen = sorted(others, key=lambda c: -c.score)[:1]
        tldr, bullets = self._arrange(chosen, asks)
        ask_texts = [c.text for c in asks if c.text != tldr]
        parts = _apply_glossary([tldr, *bullets, *ask_texts], spec)
        tldr, bullets = parts[0], parts[1 : 1 + len(bullets)]
        ask_items = [make_ask(text) for text in parts[1 + len(bullets) :]]
        tldr, bullets, ask_items = self._fit(tldr, bullets, ask_items, spec, budget, notes)

        rendered = render_parts(tldr, bullets, ask_items, spec.format, markup=True)
        return Distillation(
            tldr=tldr,
            bullets=bullets,
            asks=ask_items,
            facts=facts_report(thread.text, rendered),
            tokens_out=count_tokens(
                to_plain(render_parts(tldr, bullets, ask_items, spec.format, markup=False))
            ),
            notes=notes,
        )

    def _candidates(
        self, units: Sequence[Unit], speakers: list[str] | None, facts_of: _FactsMemo
    ) -> list[Candidate]:
        dialogue = speakers is not None
        out: list[Candidate] = []
        for unit in units:
            if unit.kind == "heading":
                continue
            bare = strip_decoration(unit.text)
            if bare_boilerplate_kind(bare, facts_of):
                continue
            if unit.kind == "code":
                text = _code_line(unit.text)
                facts = facts_of(text)
            else:
                text, facts = compress_with_facts(
                    unit.text, aggressive=True, bare=bare, before=facts_of(unit.text)
                )
            if not text:
                continue
            words = content_words(text)
            n_facts = sum(len(v) for v in facts.values())
            meta = lexicon.META_PREFIX_RE.match(bare) is not None
            hard_facts = any(facts[k] for k in ("numbers", "links", "mentions", "identifiers"))
            if meta and not hard_facts and len(words) < 6:
                continue  # "I wanted to share an update on the migration": a topic, not a finding
            if dialogue and len(words) <= 2 and not n_facts and not lexicon.CUE_RE.search(text):
                continue  # "That sounds good.", "Why?": a reply in a conversation, not content
            if speakers is not None and unit.user:
                text = attribute(text, unit.user, _listener(speakers, unit.user))
                words = content_words(text)
            out.append(
                Candidate(
                    unit=unit,
                    text=text,
                    tokens=count_tokens(to_plain(text)) + _LINE_OVERHEAD,
                    facts=n_facts,
                    is_ask=unit.kind != "code" and is_ask(unit.text, unit.section),
                    words=words,
                )
            )
        return out

    @staticmethod
    def _fit_asks(
        asks: list[Candidate], others: list[Candidate], budget: int, notes: list[str]
    ) -> list[Candidate]:
        # Asks come first, but leave room for the best other unit as the TL;DR, when there is one.
        best = max(others, key=lambda c: c.score, default=None)
        reserve = min(best.tokens, budget // 3) if best else 0
        kept: list[Candidate] = []
        spent = _ASKS_LABEL
        for cand in sorted(asks, key=lambda c: (*ask_priority(c.text), c.score), reverse=True):
            if spent + cand.tokens <= budget - reserve:
                kept.append(cand)
                spent += cand.tokens
        kept.sort(key=lambda c: (c.unit.message, c.unit.position))
        if len(kept) < len(asks):
            notes.append(f"{len(asks) - len(kept)} ask(s) did not fit the {budget}-token budget")
        return kept

    @staticmethod
    def _arrange(chosen: list[Candidate], asks: list[Candidate]) -> tuple[str, list[str]]:
        if not chosen:
            return (asks[0].text if asks else ""), []
        lead = max(chosen, key=lambda c: c.score)
        rest = sorted(
            (c for c in chosen if c is not lead),
            key=lambda c: c.unit.position + 1000 * c.unit.message,
        )
        return lead.text, [c.text for c in rest]

    @staticmethod
    def _fit(
        tldr: str,
        bullets: list[str],
        asks: list[Ask],
        spec: ReaderSpec,
        budget: int,
        notes: list[str],
    ) -> tuple[str, list[str], list[Ask]]:
        """Drop the last bullets, then asks, then cut the TL;DR until the rendering fits."""

        costs: dict[str, int] = {}

        def cost() -> int:
            # The loops below ask again after each cut, and often of an unchanged rendering.
            rendered = render_parts(tldr, bullets, asks, spec.format, markup=False)
            if rendered not in costs:
                costs[rendered] = count_tokens(to_plain(rendered))
            return costs[rendered]

        while cost() > budget and bullets:
            bullets = bullets[:-1]
        while cost() > budget and asks:
            asks = asks[:-1]
            notes.append("an ask was dropped to fit the budget")
        if cost() > budget:
            tldr = fit_text(tldr, budget)
            while cost() > budget and len(tldr) > 1:
                tldr = fit_text(tldr, count_tokens(tldr) - 2)
            notes.append(f"the TL;DR was cut to fit the {budget}-token budget")
        return tldr, bullets, asks

    @staticmethod
    def _nothing_to_distill(thread: Thread, budget: int, notes: list[str]) -> Distillation:
        text = " ".join(thread.text.split())
        has_words = any(ch.isalnum() for ch in to_plain(_SHORTCODE_RE.sub(" ", text)))
        notes.append(
            "only greetings, pleasantries or closing offers: nothing to act on"
            if has_words
            else "the message has no words to distill"
        )
        tldr = fit_text(text, budget)
        return Distillation(
            tldr=tldr,
            facts=facts_report(thread.text, tldr),
            tokens_out=count_tokens(to_plain(tldr)),
            notes=notes,
        )


class _FactsMemo(dict[str, Facts]):
    """`extract_facts` remembered per text for one distillation (callers only read the facts)."""

    def __call__(self, text: str) -> Facts:
        found = self.get(text)
        if found is None:
            found = self[text] = extract_facts(text)
        return found


def _speakers(thread: Thread) -> list[str]:
    return list(dict.fromkeys(m.user for m in thread.messages if m.user))


def _listener(speakers: list[str], speaker: str) -> str | None:
    # "you" is only unambiguous between two people.
    others = [s for s in speakers if s != speaker]
    return others[0] if len(speakers) == 2 and len(others) == 1 else None


def _trimmed(cand: Candidate, room: int) -> Candidate:
    """The candidate cut at a clause boundary to fit `room` tokens, or unchanged if it cannot be."""
    text = trim_clauses(cand.text, room - _LINE_OVERHEAD, lambda t: count_tokens(to_plain(t)))
    if text is None:
        return cand
    facts = extract_facts(text)
    return replace(
        cand,
        text=text,
        tokens=count_tokens(to_plain(text)) + _LINE_OVERHEAD,
        facts=sum(len(v) for v in facts.values()),
    )


def _code_line(code: str) -> str:
    lines = [line for line in code.splitlines() if line.strip()]
    if not lines:
        return ""
    # A fence's first line is often a language tag ("python"); show the first real line.
    first = (
        lines[1] if len(lines) > 1 and re.fullmatch(r"[\w+-]{1,20}", lines[0].strip()) else lines[0]
    )
    return f"`{first.strip()[:120]}`" + (f" ({len(lines)} lines of code)" if len(lines) > 1 else "")


def _apply_glossary(parts: list[str], spec: ReaderSpec) -> list[str]:
    """Expand each glossary term once, at its first use in the output: 'SLO (service level…)'."""
    if not spec.glossary:
        return parts
    parts = list(parts)
    for term, expansion in spec.glossary.items():
        pattern = re.compile(rf"(?<![\w<@#/.-]){re.escape(term)}(?![\w>-])", re.IGNORECASE)
        for index, part in enumerate(parts):
            if expansion.lower() in part.lower():
                break
            # Entities are protected: a link label or a mention is quoted, never edited.
            protected, saved = protect_entities(part)
            new, hits = pattern.subn(rf"\g<0> ({_escape_repl(expansion)})", protected, count=1)
            if hits:
                parts[index] = restore_entities(new, saved)
                break
    return parts


def _escape_repl(text: str) -> str:
    # A replacement template treats backslashes specially; glossary text is plain.
    return text.replace("\\", "\\\\")
