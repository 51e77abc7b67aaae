"""Channel-name cues: the words teams put in channel names, and the persona each one suggests.

Names are the strongest cheap signal a channel gives ("#infra-oncall", "#exec-staff"), but only
their words are: "#random-42" says nothing. The table is ordered from specific to generic, so
"#infra-oncall" is on-call (not generic engineering) and "#eng-leadership" is leadership.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

__all__ = ["NAME_CUES", "NameCue", "match_name", "name_words"]


@dataclass(frozen=True)
class NameCue:
    """A word (or dash-joined pair) of a channel name and the persona it suggests."""

    persona: str
    words: frozenset[str]


def _cue(persona: str, words: str) -> NameCue:
    return NameCue(persona, frozenset(words.split()))


NAME_CUES: tuple[NameCue, ...] = (
    _cue(
        "oncall-engineer",
        "oncall on-call pager pagerduty incident incidents outage outages sre alerts alerting "
        "sev sev1 sev2 war-room warroom firefighting escalations",
    ),
    _cue(
        "leadership",
        "exec execs executive executives exec-staff leadership leaders directors vp vps "
        "cxo ceo cto staff-meeting board mgmt management",
    ),
    _cue("newcomer", "new-hires new-hire newhires newhire onboarding welcome newcomers buddies"),
    _cue(
        "gtm",
        "gtm sales support customer customers cs success marketing partners partnerships "
        "accounts revenue deals presales solutions",
    ),
    _cue("agent", "agents agent bot bots automation ai llm copilot"),
    _cue("product", "product products pm pms roadmap feedback launches discovery"),
    _cue(
        "engineer",
        "eng engineering dev devs developers backend frontend platform infra api build ci "
        "deploys releases code",
    ),
)

_SPLIT_RE = re.compile(r"[-_.\s]+")


def name_words(name: str) -> list[str]:
    """The words of a channel name, plus each dash-joined pair ("new-hires")."""
    words = [w for w in _SPLIT_RE.split(name.lower().lstrip("#")) if w]
    return words + [f"{a}-{b}" for a, b in itertools.pairwise(words)]


def match_name(name: str, personas: set[str] | None = None) -> tuple[str, str] | None:
    """The first cue (specific before generic) found in `name`: (persona, the word), or None.

    `personas` limits the answer to personas that exist (a deployment may shadow none, but a
    custom table might lack one).
    """
    words = name_words(name)
    for cue in NAME_CUES:
        if personas is not None and cue.persona not in personas:
            continue
        for word in words:
            if word in cue.words:
                return cue.persona, word
    return None
