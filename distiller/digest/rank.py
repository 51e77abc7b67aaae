"""Topic importance: what a reader of the channel would want to see first.

Points for an incident (more while it is unresolved), decisions, open asks, unanswered
questions, deadlines, people taking part, length of the conversation, and the reader's focus
terms; a conversation among apps only (status updates) counts for less, and so do the reader's
avoid terms. The sum is squashed into 0..1: `points / (points + HALF)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .grouping import TopicGroup
from .signals import TopicSignals

__all__ = ["RankWeights", "importance"]

# The points at which importance is 0.5.
HALF = 4.0


@dataclass(frozen=True)
class RankWeights:
    """Points per signal; set so that an incident with an ask outranks any chit-chat."""

    incident: float = 3.0
    incident_open: float = 1.0
    decision: float = 2.0
    ask: float = 1.5
    extra_ask: float = 0.5
    question: float = 1.0
    deadline: float = 0.5
    # Size says little on its own (a long thread of "+1"s): it breaks ties between signals.
    participants: float = 0.4
    participants_cap: float = 1.2
    messages: float = 0.2
    messages_cap: float = 0.8
    focus: float = 1.5
    apps_only: float = 0.6
    avoid: float = 0.5


DEFAULT_RANK_WEIGHTS = RankWeights()


def importance(
    group: TopicGroup, found: TopicSignals, weights: RankWeights = DEFAULT_RANK_WEIGHTS
) -> tuple[float, list[str]]:
    """Importance in 0..1 and the reasons, in words, for the reader ('incident', '2 asks')."""
    points = 0.0
    reasons: list[str] = []
    if found.incident:
        points += weights.incident + (0.0 if found.incident_resolved else weights.incident_open)
        reasons.append("incident" + ("" if found.incident_resolved else ", unresolved"))
    if found.decisions:
        points += weights.decision
        reasons.append(_count(len(found.decisions), "decision"))
    open_asks = [a for a in found.asks if not a.done]
    if open_asks:
        points += weights.ask + weights.extra_ask * min(len(open_asks) - 1, 2)
        reasons.append(_count(len(open_asks), "open ask"))
    if found.attention:
        points += weights.question
        reasons.append(_count(len(found.attention), "open question"))
    if found.deadlines:
        points += weights.deadline
    people = len(found.participants)
    points += min(weights.participants_cap, weights.participants * math.log2(1 + people))
    if people >= 3:
        reasons.append(f"{people} people")
    points += min(weights.messages_cap, weights.messages * math.log2(1 + len(group.messages)))
    if found.focus_hits:
        points += weights.focus * min(1.0, found.focus_hits / 3)
        reasons.append("matches your focus")
    if found.humans == 0:
        points *= weights.apps_only
        reasons.append("apps only")
    if found.avoid_hits and not found.focus_hits:
        points *= weights.avoid
    return round(points / (points + HALF), 4), reasons


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
