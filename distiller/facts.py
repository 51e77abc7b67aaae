"""Facts: the numbers, deadlines, mentions, links and identifiers a reader must not lose.

`extract_facts` finds them in mrkdwn; `facts_report` says which of the source's facts survived
into a distillation. Both work on the raw mrkdwn so that `<@U123>` and `<url|label>` count once.
"""

from __future__ import annotations

import re

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

# Full day names in any case; abbreviations only capitalised ("Fri", not the verb "sat").
_WEEKDAYS = (
    r"(?:(?i:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?)"
)
_MONTHS = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_TIME = r"\d{1,2}(?::\d{2})?\s?(?i:am|pm)(?:\s?[A-Z]{2,4}\b)?|\d{1,2}:\d{2}(?:\s?[A-Z]{2,4}\b)?"
_DATE = (
    rf"{_WEEKDAYS}\b|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\b|\d{{4}}-\d{{2}}-\d{{2}}"
    r"|(?i:today|tonight|tomorrow|eod|eow|end of (?:day|week|month|quarter|sprint)"
    r"|next (?:week|month|sprint|quarter)|this (?:week|afternoon|evening))|Q[1-4](?:\s+\d{4})?"
)
# A deadline is a date or time, often introduced by a word that makes it one ("by Friday").
_DEADLINE = (
    rf"\b(?i:by|before|until|due|no later than|eta|deadline:?|on|at)\s+(?:the\s+)?"
    rf"(?:(?:{_DATE})(?:\s+(?:at\s+)?(?:{_TIME}))?|{_TIME})"
    rf"|\b(?i:eod|eow|asap)\b|\b(?:{_DATE})\b"
)
_LINK = r"<(?i:https?|mailto|ftp)[^<>\s|]*(?:\|[^<>]*)?>|(?i:https?://)[^\s<>]+[^\s<>.,;:!?)\]'\"]"
_MENTION = (
    r"<@[A-Z0-9]+(?:\|[^<>]*)?>|<!(?:here|channel|everyone)>|<!subteam\^[A-Z0-9]+(?:\|[^<>]*)?>"
    r"|(?<![\w/.])@[a-zA-Z][a-zA-Z0-9._-]{1,30}\b"
)
_CHANNEL = r"<#[A-Z0-9]+(?:\|[^<>]*)?>"
_EMOJI = r"(?<![\w`]):[a-zA-Z0-9_+'-]+:(?![\w`])"
_IDENT = (
    r"`[^`\n]+`"  # inline code
    r"|\b[A-Z][A-Z0-9]{1,9}-\d{1,6}\b"  # tickets: INC-4521, PROJ-12
    r"|(?<![\w&])#\d{2,7}\b"  # PR/issue numbers
    r"|\bv\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?\b"  # versions
    r"|\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b"  # commit SHAs
    r"|\b[a-zA-Z][a-zA-Z0-9]*(?:[_-][a-zA-Z0-9]+){1,5}\b"  # service-names, snake_case
)
_NUMBER = (
    r"(?<![\w.#^-])[$€£¥]?\d+(?:,\d{3})*(?:\.\d+)?\s?(?:%|x\b|[kKmMbB]\b|ms\b|s\b|min\b|h\b|"
    r"[KMGT]i?B\b|rps\b|qps\b|req/s\b|users?\b|pods?\b|nodes?\b|hours?\b|days?\b|minutes?\b)?"
)
# Where a deadline can start: a leading part of each alternative of _DEADLINE (and of _DATE),
# so that any deadline match implies a match of this. Weekday and month names are cut to their
# first three letters under the same (?i:) flag, so odd case-folds ("ſat") still pass.
_DEADLINE_START = (
    r"\b(?=[\dQ]|(?i:[abdefjmnostuw]))"  # the first characters below, tested at once
    r"(?:\d|Q[1-4]|(?i:by|before|until|due|no later than|eta|deadline|on|at|eod|eow|asap"
    r"|mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
    r"|to|eo|end of|next|this))"
)
# Where any fact can start, built the same way from every alternative of the scan below: links
# and entities by their first character, identifiers by their shape up to the first telling
# character, numbers by a currency sign or a digit at a word start (their look-behind implies
# the \b). Used as a look-ahead it rejects most positions with one cheap test; without it the
# engine tried some thirty alternatives at every character of every unit and of the source.
# tests/distiller/test_facts_scan.py checks the guarded scan against the unguarded one.
_FACT_START = (
    r"[<@:`#$€£¥]|(?i:https?://)"
    rf"|\b(?:v\d|[0-9a-f]{{7}}|[A-Z][A-Z0-9]{{1,9}}-\d|[a-zA-Z][a-zA-Z0-9]*[_-][a-zA-Z0-9])"
    rf"|{_DEADLINE_START}"
)
# One left-to-right scan; at each position the first alternative wins, so a number inside a
# link, a mention, an identifier or a deadline belongs to that fact and is not counted twice.
_SCAN = (
    rf"(?P<links>{_LINK})|(?P<mentions>{_MENTION}|{_CHANNEL})|(?P<emoji>{_EMOJI})"
    rf"|(?P<identifiers>{_IDENT})|(?P<deadlines>{_DEADLINE})|(?P<numbers>{_NUMBER})"
)
_SCAN_RE = re.compile(rf"(?=(?:{_FACT_START}))(?:{_SCAN})")
DEADLINE_RE = re.compile(rf"(?=(?:{_DEADLINE_START}))(?:{_DEADLINE})")


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


def _is_identifier(token: str) -> bool:
    # Hyphenated English ("follow-up", "on-call") is not an identifier; a digit or an
    # underscore or a backtick makes it one.
    return (
        token.startswith(("`", "#", "v"))
        or any(c.isdigit() for c in token)
        or "_" in token
        or token.count("-") >= 2
    )


def extract_facts(text: str) -> dict[str, list[str]]:
    """Facts of each kind in `text`, deduplicated, in order of first appearance."""
    found: dict[str, dict[str, None]] = {kind: {} for kind in FACT_KINDS}
    for match in _SCAN_RE.finditer(text):
        kind = match.lastgroup
        if kind == "emoji" or kind is None:
            continue
        value = match.group(0).strip()
        if kind == "identifiers" and not _is_identifier(value):
            continue
        if kind == "numbers" and not any(c.isdigit() for c in value):
            continue
        found[kind][value] = None
    return {kind: list(values) for kind, values in found.items()}


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
