"""Unit scoring and budgeted selection with redundancy control (MMR).

A candidate's score mixes centrality (TF-IDF cosine to the rest of the message), information
density (facts per token), cue words (failed, decided, ETA, please…), position and the reader's
focus terms. Selection is greedy maximal marginal relevance under a token budget.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import lexicon
from .mrkdwn import Unit
from .words import content_words

__all__ = ["Candidate", "Weights", "score_candidates", "select_mmr"]


@dataclass(frozen=True)
class Weights:
    """How much each signal counts; tuned on DialogSum dev and the fixture messages."""

    centrality: float = 0.40
    density: float = 0.10
    cue: float = 0.10
    position: float = 0.20
    lead: float = 0.30  # the first content unit: agents and answers lead with the point
    focus: float = 0.80
    mmr_lambda: float = 0.70
    short_unit_penalty: float = 0.5
    code_penalty: float = 0.3
    duplicate_cosine: float = 0.8
    avoid_penalty: float = 0.5
    question_penalty: float = 0.7  # in threads, questions matter less than their answers


DEFAULT_WEIGHTS = Weights()


@dataclass
class Candidate:
    """A unit that may go into the output, with its compressed text and its cost in tokens."""

    unit: Unit
    text: str
    tokens: int
    facts: int
    is_ask: bool
    words: list[str] = field(default_factory=list)
    vector: dict[str, float] = field(default_factory=dict)
    score: float = 0.0


def _tfidf(candidates: Sequence[Candidate]) -> None:
    df: Counter[str] = Counter()
    for cand in candidates:
        df.update(set(cand.words))
    n = len(candidates)
    for cand in candidates:
        counts = Counter(cand.words)
        vec = {w: (1 + math.log(c)) * math.log(1 + n / df[w]) for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        cand.vector = {w: v / norm for w, v in vec.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two unit-normalised sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def score_candidates(
    candidates: Sequence[Candidate],
    focus: Sequence[str] = (),
    weights: Weights = DEFAULT_WEIGHTS,
    avoid: Sequence[str] = (),
) -> None:
    """Set `score` (0..~1.8) on each candidate in place; `focus`/`avoid` terms are free text."""
    if not candidates:
        return
    _tfidf(candidates)
    centroid: Counter[str] = Counter()
    for cand in candidates:
        centroid.update(cand.vector)
    focus_words = set(content_words(" ".join(focus)))
    avoid_words = set(content_words(" ".join(avoid))) - focus_words
    n = len(candidates)
    # The same for every candidate: computed once, not once per candidate (same float).
    norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    for rank, cand in enumerate(candidates):
        # Centrality against the others only: a unit must not vote for itself.
        others = {w: centroid[w] - v for w, v in cand.vector.items()}
        central = max(0.0, sum(v * others[w] for w, v in cand.vector.items()) / norm)
        density = min(1.0, 8.0 * cand.facts / max(cand.tokens, 1))
        cue = min(1.0, len(lexicon.CUE_RE.findall(cand.text)) / 2)
        position = 1.0 - rank / n
        score = (
            weights.centrality * central
            + weights.density * density
            + weights.cue * cue
            + weights.position * position
            + (weights.lead if rank == 0 else 0.0)
        )
        if focus_words:
            hits = len(focus_words.intersection(cand.words))
            score += weights.focus * min(1.0, hits / max(1, min(len(focus_words), 3)))
        if avoid_words and avoid_words.intersection(cand.words):
            score *= weights.avoid_penalty
        if len(cand.words) < 3 and not cand.facts:
            score *= weights.short_unit_penalty
        if cand.unit.kind == "code":
            score *= weights.code_penalty
        if cand.text.endswith("?"):
            score *= weights.question_penalty
        cand.score = score


def select_mmr(
    candidates: Sequence[Candidate],
    budget: int,
    max_items: int,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[Candidate]:
    """Greedy MMR: best score minus redundancy with what is chosen, while the budget allows."""
    chosen: list[Candidate] = []
    pool = list(candidates)
    top = max((c.score for c in pool), default=1.0) or 1.0
    # Redundancy with the chosen set, updated as each pick lands: O(n) cosines per pick.
    redundancy = {id(c): 0.0 for c in pool}
    remaining = budget
    while pool and len(chosen) < max_items:
        best, best_value = None, -math.inf
        for cand in pool:
            if cand.tokens > remaining or redundancy[id(cand)] >= weights.duplicate_cosine:
                continue  # too long, or a restatement of something already chosen
            value = (
                weights.mmr_lambda * cand.score / top
                - (1 - weights.mmr_lambda) * redundancy[id(cand)]
            )
            if value > best_value:
                best, best_value = cand, value
        if best is None:
            break
        chosen.append(best)
        pool.remove(best)
        remaining -= best.tokens
        for cand in pool:
            redundancy[id(cand)] = max(redundancy[id(cand)], cosine(cand.vector, best.vector))
    return chosen
