"""Asks: who must do what, by when. An ask addressed to people is never dropped for style."""

from __future__ import annotations

import re

from pydantic import BaseModel

from . import lexicon
from .facts import find_deadline

__all__ = ["Ask", "ask_priority", "is_ask", "make_ask"]

_REQUEST = (
    r"\b(?:please|pls|plz|can you|could you|would you|can (?:someone|somebody|anyone)|"
    r"need(?:s|ed)? (?:you|someone|somebody|a volunteer|an owner|help|approval|sign[- ]off|review)|"
    r"action (?:required|needed|item)|requires? (?:your|a|an)|"
    r"(?:you|someone|somebody|anyone)\s+(?:must|should|needs? to|has to|have to)|"
    r"(?<=>)\s+(?:must|should|needs? to|has to|have to|to\s+\w+)|"
    r"ask(?:ing)? (?:you|for)|(?:i|we) (?:request|ask) (?:that|you))\b"
)
# Look-aheads on the first characters a match can have (see lexicon.guarded): is_ask runs on
# every unit, and these searches were most of its cost.
_REQUEST_RE = lexicon.guarded(r"acinprswy\s", _REQUEST)
_IMPERATIVE_RE = re.compile(
    r"^(?:<@[A-Z0-9]+(?:\|[^>]*)?>|@\w+)?[,:\s]*(?:please\s+)?"
    r"(?:review|approve|update|check|confirm|merge|deploy|roll ?back|restart|investigate|rotate|"
    r"upgrade|add|remove|schedule|send|share|file|open|close|escalate|page|ack(?:nowledge)?|"
    r"sign off|look (?:into|at)|follow up|ping|reach out|fill (?:in|out)|submit|test|verify|"
    r"prepare|draft|decide|book|join|reply|respond|migrate|enable|disable|set up|run)\b",
    re.IGNORECASE,
)
_OWNER = (
    r"<@[A-Z0-9]+(?:\|[^<>]*)?>|<!subteam\^[A-Z0-9]+(?:\|[^<>]*)?>|(?<![\w/.])@[a-z][\w.-]{1,30}"
)
_OWNER_RE = lexicon.guarded("<@", _OWNER)
_DONE = r"\b(?:done|completed|finished|merged|shipped|resolved|was|were)\b"
_DONE_RE = lexicon.guarded("cdfmrsw", _DONE)


class Ask(BaseModel):
    """A request of people: the unit's text, the owner mention if named, the deadline if any."""

    text: str
    owner: str | None = None
    due: str | None = None


def is_ask(text: str, section: str = "") -> bool:
    """True when `text` asks someone to do something (alone, or under an 'Action items' heading)."""
    if lexicon.CLOSING_OFFER_RE.search(text):
        return False
    if _REQUEST_RE.search(text):
        return True
    imperative = _IMPERATIVE_RE.search(text) is not None and not _DONE_RE.search(text)
    under_ask_heading = bool(section) and lexicon.ASK_SECTION_RE.search(section) is not None
    if under_ask_heading:
        return imperative or _OWNER_RE.search(text) is not None or find_deadline(text) is not None
    return imperative and (_OWNER_RE.search(text) is not None or find_deadline(text) is not None)


def ask_priority(text: str) -> tuple[bool, bool]:
    """Sort key: asks naming an owner, then asks with a deadline, come first."""
    return _OWNER_RE.search(text) is not None, find_deadline(text) is not None


def make_ask(text: str) -> Ask:
    """An Ask from a unit's (compressed) text: owner is the first mention, due the deadline."""
    owner = _OWNER_RE.search(text)
    return Ask(text=text, owner=owner.group(0) if owner else None, due=find_deadline(text))
