"""The digest's TL;DR: the leads of the top topics, then what the reader must deal with.

"payments-api returned 502s after the v2.3 deploy; rolled back at 14:05. The team agreed to
freeze deploys until Monday. 1 unresolved incident, 2 decisions, 3 open action items across 14
topics." Leads are added in rank order while the TL;DR stays within its share of the budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..mrkdwn import to_plain
from ..offline import fit_text
from ..tokens import count_tokens
from . import messages as wording
from .render import local_time

if TYPE_CHECKING:
    from .inputs import DigestRequest
    from .result import Digest, DigestTopic

__all__ = ["compose_tldr", "quiet_tldr"]

# Leads taken from the top topics at most: beyond three the TL;DR becomes the digest.
MAX_LEADS = 3


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _counts(digest: Digest, topics: int) -> str:
    incidents = sum(1 for a in digest.attention if a.kind == "incident")
    questions = sum(1 for a in digest.attention if a.kind == "question")
    open_asks = sum(1 for a in digest.action_items if not a.done)
    parts = [
        _plural(n, noun)
        for n, noun in (
            (incidents, "unresolved incident"),
            (len(digest.decisions), "decision"),
            (open_asks, "open action item"),
            (questions, "open question"),
        )
        if n
    ]
    listed = ", ".join(parts) if parts else "No decisions, asks or open questions"
    return wording.COUNTS.format(parts=listed, topics=topics, s="" if topics == 1 else "s")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?…" else text + "."


def _lead(digest: Digest, topic: DigestTopic) -> str:
    """What a topic contributes to the TL;DR: its decision if it made one, else its summary."""
    decision = next((d.text for d in digest.decisions if d.topic == topic.title), None)
    return decision or topic.summary or topic.title


def compose_tldr(digest: Digest, topics: int, room: int) -> str:
    """Leads of the shown topics (best first) and the counts line, within `room` tokens."""
    counts = _counts(digest, topics)
    leads: list[str] = []
    for topic in digest.topics[:MAX_LEADS]:
        lead = _sentence(_lead(digest, topic))
        if lead in leads:
            continue
        candidate = " ".join([*leads, lead, counts])
        if count_tokens(to_plain(candidate)) > room:
            break
        leads.append(lead)
    text = " ".join([*leads, counts])
    return text if count_tokens(to_plain(text)) <= room else fit_text(text, room)


def quiet_tldr(request: DigestRequest) -> str:
    """'No activity in #payments between 2024-05-06 09:00 and 2024-05-07 09:00 Asia/Tokyo.'"""
    return wording.QUIET.format(
        where=request.channel or wording.HERE,
        start=local_time(request.start, request.timezone),
        end=f"{local_time(request.end, request.timezone)} {request.timezone}",
    )
