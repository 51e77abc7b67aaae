"""Facts: the numbers, deadlines, mentions, links and identifiers a reader must not lose.

`extract_facts` finds them in mrkdwn; `facts_report` says which of the source's facts survived
into a distillation. Both work on the raw mrkdwn so that `<@U123>` and `<url|label>` count once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, Field

__all__ = [
    "FACT_KINDS",
    "FactTally",
    "FactsReport",
    "extract_facts",
    "facts_report",
    "find_deadline",
]

FACT_KINDS = ("numbers", "deadlines", "mentions", "links", "identifiers")

_WEEKDAYS = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?"
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_TIME = r"\d{1,2}(?::\d{2})?\s?(?:am|pm)(?:\s?[A-Z]{2,4})?|\d{1,2}:\d{2}(?:\s?[A-Z]{2,4})?"
_DATE = (
    rf"{_WEEKDAYS}\b|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\b|\d{{4}}-\d{{2}}-\d{{2}}"
    r"|today|tonight|tomorrow|eod|eow|end of (?:day|week|month|quarter|sprint)"
    r"|next (?:week|month|sprint|quarter)|this (?:week|afternoon|evening)|q[1-4](?:\s+\d{4})?"
)
# A deadline is a date or time introduced by a word that makes it one ("by Friday").
DEADLINE_RE = re.compile(
    rf"\b(?:by|before|until|due|no later than|eta|deadline:?|on|at)\s+(?:the\s+)?"
    rf"(?:(?:{_DATE})(?:\s+(?:at\s+)?(?:{_TIME}))?|{_TIME})"
    rf"|\b(?:eod|eow|asap)\b|\b(?:{_DATE})\b",
    re.IGNORECASE,
)
_MENTION_RE = re.compile(
    r"<@[A-Z0-9]+(?:\|[^<>]*)?>|<!(?:here|channel|everyone)>|<!subteam\^[A-Z0-9]+(?:\|[^<>]*)?>"
    r"|(?<![\w/.])@[a-z][a-z0-9._-]{1,30}\b",
    re.IGNORECASE,
)
_LINK_RE = re.compile(
    r"<(?:https?|mailto|ftp)[^<>\s|]*(?:\|[^<>]*)?>|https?://[^\s<>]+[^\s<>.,;:!?)\]'\"]",
    re.IGNORECASE,
)
_EMOJI_RE = re.compile(r"(?<![\w`]):[a-z0-9_+'-]+:(?![\w`])", re.IGNORECASE)
_CHANNEL_RE = re.compile(r"<#[A-Z0-9]+(?:\|[^<>]*)?>", re.IGNORECASE)
_IDENT_RE = re.compile(
    r"`[^`\n]+`"  # inline code
    r"|\b[A-Z][A-Z0-9]{1,9}-\d{1,6}\b"  # tickets: INC-4521, PROJ-12
    r"|(?<![\w&])#\d{2,7}\b"  # PR/issue numbers
    r"|\bv\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?\b"  # versions
    r"|\b[0-9a-f]{7,40}\b(?=[^<>]*(?:<|$))"  # commit SHAs outside links
    r"|\b[a-z][a-z0-9]*(?:[_-][a-z0-9]+){1,5}\b(?=[^\s]*)"  # service-names, snake_case
)
_NUMBER_RE = re.compile(
    r"(?<![\w.#^-])[$€£¥]?\d+(?:,\d{3})*(?:\.\d+)?\s?(?:%|x\b|[kKmMbB]\b|ms\b|s\b|min\b|h\b|"
    r"[KMGT]i?B\b|rps\b|qps\b|req/s\b|users?\b|pods?\b|nodes?\b|hours?\b|days?\b|minutes?\b)?"
)


class FactTally(BaseModel):
    """The source's facts of one kind, split into kept and dropped."""

    kept: list[str] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.kept) + len(self.dropped)


class FactsReport(BaseModel):
    """Which numbers, deadlines, mentions, links and identifiers of the source were kept."""

    numbers: FactTally = Field(default_factory=FactTally)
    deadlines: FactTally = Field(default_factory=FactTally)
    mentions: FactTally = Field(default_factory=FactTally)
    links: FactTally = Field(default_factory=FactTally)
    identifiers: FactTally = Field(default_factory=FactTally)

    def summary(self) -> str:
        """'kept 6/6 numbers, 2/2 deadlines' for each kind present in the source."""
        parts = [
            f"{len(tally.kept)}/{tally.total} {kind}"
            for kind in FACT_KINDS
            if (tally := getattr(self, kind)).total
        ]
        return "kept " + ", ".join(parts) if parts else "no numbers, deadlines, mentions or links"

    @property
    def all_kept(self) -> bool:
        return not any(getattr(self, kind).dropped for kind in FACT_KINDS)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item.strip() for item in items if item.strip()))


def _numbers(text: str) -> list[str]:
    # Numbers inside links, mentions, code and identifiers belong to those facts, not here.
    scrubbed = _IDENT_RE.sub(" ", _LINK_RE.sub(" ", _MENTION_RE.sub(" ", text)))
    scrubbed = DEADLINE_RE.sub(" ", _CHANNEL_RE.sub(" ", scrubbed))
    return [n for n in _unique(_NUMBER_RE.findall(scrubbed)) if any(c.isdigit() for c in n)]


def extract_facts(text: str) -> dict[str, list[str]]:
    """Facts of each kind in `text`, deduplicated, in order of first appearance."""
    # Emoji shortcodes (:red_circle:) look like snake_case identifiers but are decoration.
    bare = _LINK_RE.sub(" ", _EMOJI_RE.sub(" ", text))
    identifiers = [i for i in _IDENT_RE.findall(bare) if _is_identifier(i)]
    return {
        "numbers": _numbers(text),
        "deadlines": _unique(m.group(0) for m in DEADLINE_RE.finditer(text)),
        "mentions": _unique(_MENTION_RE.findall(text) + _CHANNEL_RE.findall(text)),
        "links": _unique(_LINK_RE.findall(text)),
        "identifiers": _unique(identifiers),
    }


def _is_identifier(token: str) -> bool:
    # Hyphenated English ("follow-up", "on-call") is not an identifier; a digit or an
    # underscore or a backtick makes it one.
    return (
        token.startswith(("`", "#", "v"))
        or any(c.isdigit() for c in token)
        or "_" in token
        or token.count("-") >= 2
    )


def find_deadline(text: str) -> str | None:
    """The first deadline phrase in `text` ("by Friday", "EOD", "2024-05-01"), if any."""
    match = DEADLINE_RE.search(text)
    return match.group(0).strip() if match else None


def facts_report(source: str, output: str) -> FactsReport:
    """Compare the facts of `source` with `output`: kept if they appear there verbatim."""
    folded = output.casefold()
    report = FactsReport()
    for kind, found in extract_facts(source).items():
        tally: FactTally = getattr(report, kind)
        for fact in found:
            (tally.kept if fact.casefold() in folded else tally.dropped).append(fact)
    return report
