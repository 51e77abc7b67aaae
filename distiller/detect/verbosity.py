"""How verbose a message is: long, thin on facts, repetitive, padded.

Hand-set rather than fitted: no corpus here labels "verbose", and the rule has to be one a
person can check. `verbosity_score` is a logistic curve that is 0.5 for an 80-token message
carrying 6 facts per 100 tokens with no repetition or padding; each doubling of length adds
1.7 logits, each extra fact per 100 tokens takes 0.35 away. A message is *verbose enough* to flag
when the score reaches `VERBOSITY_GATE` and it has at least `MIN_VERBOSE_TOKENS` tokens.
"""

from __future__ import annotations

import math

__all__ = [
    "MIN_VERBOSE_TOKENS",
    "VERBOSITY_GATE",
    "facts_per_100_tokens",
    "verbosity_score",
]

VERBOSITY_GATE = 0.5
# Below this a message is short whatever its style: a 30-token "Great question! I hope this
# helps" is an agent's, but nobody needs it distilled.
MIN_VERBOSE_TOKENS = 50

_PIVOT_TOKENS = 80.0
_PER_DOUBLING = 2.5 * math.log(2)  # ≈ 1.73 logits each time the length doubles
_PIVOT_DENSITY = 6.0  # facts per 100 tokens where density neither adds nor removes
_PER_FACT = 0.35
_REDUNDANCY_FREE = 0.1  # sentences sharing this much wording is normal
_PER_REDUNDANCY = 4.0
_PER_PADDING = 0.5
_PADDING_CAP = 4


def facts_per_100_tokens(facts: int, tokens: int) -> float:
    """Facts (numbers, names, identifiers, links, mentions, dates, code) per 100 tokens."""
    return 100.0 * facts / tokens if tokens else 0.0


def verbosity_score(tokens: int, density: float, redundancy: float, padding: int) -> float:
    """0..1 from prose tokens, facts per 100 tokens, repetition and padding; see the module doc.

    `padding` is the number of distinct padding phrases found (pleasantries, meta-talk, hedges).
    """
    if tokens <= 0:
        return 0.0
    logit = (
        _PER_DOUBLING * math.log2(tokens / _PIVOT_TOKENS)
        - _PER_FACT * (density - _PIVOT_DENSITY)
        + _PER_REDUNDANCY * max(0.0, redundancy - _REDUNDANCY_FREE)
        + _PER_PADDING * min(padding, _PADDING_CAP)
    )
    return 1.0 / (1.0 + math.exp(-max(min(logit, 30.0), -30.0)))
