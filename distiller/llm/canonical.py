"""Canonical forms of the facts the guard compares, so that equal things compare equal.

"2.3M", "2.3 million" and "2,300,000" are one number; "4.5%" and "4.5 percent" one percentage;
"Fri" and "Friday" one weekday; "May 5th" and "5 May" one date; "2pm" and "14:00" one time;
"<https://x.io/a/|docs>", "https://x.io/a." and "https://x.io/a" one link; "<@U1|ana>" is
both "@u1" and "@ana". Each `*_keys` function returns the set of keys found in a text.
`scan_output` also returns what it found in reading order, each with its text as written,
so that the guard can name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

__all__ = ["Fact", "date_keys", "link_keys", "mention_keys", "number_keys", "scan_output"]

_SLACK_LINK_RE = re.compile(r"<((?:https?|mailto|ftp)[^<>\s|]*)(?:\|([^<>]*))?>", re.I)
_BARE_LINK_RE = re.compile(r"(?:https?|ftp)://[^\s<>]+", re.I)
_LINK_TAIL = ".,;:!?)]}'\"*_>"
_MENTION_RE = re.compile(
    r"<([@#])([A-Z0-9]+)(?:\|([^<>]*))?>|<!(here|channel|everyone)(?:\|[^<>]*)?>"
    r"|<!subteam\^([A-Z0-9]+)(?:\|([^<>]*))?>|(?<![\w/.@])([@#])([a-zA-Z][\w.-]{0,79}[\w])",
    re.I,
)
_CODE_RE = re.compile(r"`+([^`\n]+)`+")
_IDENT_RE = re.compile(
    r"(?<![\w.])#\d{1,7}\b"  # PR/issue numbers
    r"|\b\d+(?:\.\d+){2,}\b"  # versions and addresses: 2.14.1, 10.0.0.1
    r"|\b[A-Za-z][A-Za-z0-9]*(?:[._/-][A-Za-z0-9]+)+\b"  # payments-api, db_pool.size, INC-42
    r"|\b[A-Za-z]+\d\w*\b"  # p99, S3, IPv6, v2
    r"|\b(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b"  # commit SHAs
)
_WEEKDAY_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_RE = re.compile(
    r"\b(?:(?i:(mon|tues|wednes|thurs|fri|satur|sun)day)|(Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
    r"(?:s|r|rs|es)?\.?)(?!\w)"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_MONTH_DAY_RE = re.compile(
    rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?"
    rf"|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})(?:,?\s+(\d{{4}}))?(?!\w)"
)
_ISO_DATE_RE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_TIME_RE = re.compile(
    r"\b(\d{1,2}):(\d{2})\s?(?i:([ap])\.?m\.?)?(?![\w:])|\b(\d{1,2})\s?(?i:([ap])\.?m\.?)(?!\w)"
)
_RELATIVE = {
    "today": "today",
    "tonight": "tonight",
    "tomorrow": "tomorrow",
    "yesterday": "yesterday",
    "eod": "eod",
    "end of day": "eod",
    "end of the day": "eod",
    "cob": "eod",
    "close of business": "eod",
    "eow": "eow",
    "end of week": "eow",
    "end of the week": "eow",
    "end of month": "eom",
    "end of the month": "eom",
    "end of quarter": "eoq",
    "end of the quarter": "eoq",
    "end of sprint": "eos",
    "end of the sprint": "eos",
    "next week": "next week",
    "next month": "next month",
    "next sprint": "next sprint",
    "next quarter": "next quarter",
    "this week": "this week",
    "asap": "asap",
}
_RELATIVE_RE = re.compile(
    r"\b(?:" + "|".join(sorted(map(re.escape, _RELATIVE), key=len, reverse=True)) + r")\b"
    r"|\b(Q[1-4])\b",
    re.I,
)
_SCALE = {
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mm": 10**6,
    "million": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
}
_NUMBER_RE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
    r"(?:\s?(%|percent\b|per\s?cent\b|thousand\b|million\b|billion\b|bn\b)|([a-zA-Z]{1,6})\b)?"
)
# For the source only: digits anywhere ("p99", "INC-2231") count, so that an output that
# spells a number out of an identifier is not called an invention.
_LOOSE_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


class Fact(tuple[str, str, str]):
    """(kind, key, as written): one fact found in an output."""

    __slots__ = ()

    def __new__(cls, kind: str, key: str, text: str) -> Fact:
        return super().__new__(cls, (kind, key, text))

    @property
    def kind(self) -> str:
        return self[0]

    @property
    def key(self) -> str:
        return self[1]

    @property
    def text(self) -> str:
        return self[2]


def _link_key(url: str) -> str:
    url = url.rstrip(_LINK_TAIL)
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}{sep}{host.lower()}{slash}{path}".rstrip("/")


def link_keys(text: str) -> set[str]:
    """Canonical URLs in `text`, Slack `<url|label>` and bare, trailing punctuation dropped."""
    found = {_link_key(m.group(1)) for m in _SLACK_LINK_RE.finditer(text)}
    bare = _SLACK_LINK_RE.sub(" ", text)
    found.update(_link_key(m.group(0)) for m in _BARE_LINK_RE.finditer(bare))
    return found


def _mention_forms(match: re.Match[str]) -> list[str]:
    sigil, ident, label, special, team, team_label, plain_sigil, plain = match.groups()
    if ident:
        forms = [f"{sigil}{ident}".lower()]
        if label:
            forms.append(sigil + label.lstrip("@#").strip().lower())
        return forms
    if special:
        return [f"@{special.lower()}"]
    if team:
        return [f"@{team.lower()}", *([f"@{team_label.lstrip('@').lower()}"] if team_label else [])]
    return [f"{plain_sigil}{plain.lower()}"]


def mention_keys(text: str) -> set[str]:
    """Canonical user, channel and group mentions: '@u123', '@ana', '#c42', '@here'."""
    return {form for m in _MENTION_RE.finditer(text) for form in _mention_forms(m)}


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _number_key(value: Decimal, percent: bool) -> str:
    normal = value.normalize()
    shown = format(normal, "f")
    return ("pct:" if percent else "num:") + shown


def _number_facts(match: re.Match[str]) -> tuple[list[str], list[str]]:
    """(keys as the output means it, extra keys the same text could mean in a source)."""
    whole, frac, word, glued = match.groups()
    value = _decimal(whole + (frac or ""))
    if value is None:
        return [], []
    suffix = (word or glued or "").lower().replace(" ", "")
    if suffix in ("%", "percent"):
        return [_number_key(value, True)], [_number_key(value, False)]
    scale = _SCALE.get(suffix)
    if scale is None:
        return [_number_key(value, False)], []
    # "5m" is 5 million or 5 minutes: a source that says "5m" supports either reading.
    return [_number_key(value * scale, False)], [_number_key(value, False)]


def number_keys(text: str) -> set[str]:
    """Every reading of every number in a source text, scaled and unscaled, digits anywhere."""
    keys: set[str] = set()
    for match in _NUMBER_RE.finditer(text):
        meant, extra = _number_facts(match)
        keys.update(meant, extra)
    for match in _LOOSE_NUMBER_RE.finditer(text):
        value = _decimal(match.group(0))
        if value is not None:
            keys.add(_number_key(value, False))
    return keys


def _month_day(month: str, day: str, year: str | None) -> list[str]:
    number = _MONTHS.index(month[:3].lower()) + 1
    keys = [f"date:{number}-{int(day)}"]
    if year:
        keys.append(f"date:{int(year)}-{number}-{int(day)}")
    return keys


def _date_facts(text: str) -> Iterator[tuple[str, re.Match[str]]]:
    """(key, match) for each date, weekday, time and relative deadline in `text`."""
    for m in _ISO_DATE_RE.finditer(text):
        y, mo, d = (int(g) for g in m.groups())
        yield f"date:{y}-{mo}-{d}", m
        yield f"date:{mo}-{d}", m
    for m in _MONTH_DAY_RE.finditer(text):
        month, day, year = (m.group(1), m.group(2), m.group(3))
        if month is None:
            month, day, year = m.group(5), m.group(4), m.group(6)
        if int(day) <= 31:
            for key in _month_day(month, day, year):
                yield key, m
    for m in _WEEKDAY_RE.finditer(text):
        stem = (m.group(1) or m.group(2)).lower()[:3]
        yield "day:" + next(d for d in _WEEKDAY_FULL if d.startswith(stem)), m
    for m in _TIME_RE.finditer(text):
        hour = int(m.group(1) or m.group(4))
        minute = int(m.group(2) or 0)
        half = (m.group(3) or m.group(5) or "").lower()
        if half == "p" and hour < 12:
            hour += 12
        elif half == "a" and hour == 12:
            hour = 0
        if hour < 24 and minute < 60:
            yield f"time:{hour:02d}:{minute:02d}", m
    for m in _RELATIVE_RE.finditer(text):
        phrase = " ".join(m.group(0).lower().split())
        yield "rel:" + (_RELATIVE.get(phrase) or phrase), m


def date_keys(text: str) -> set[str]:
    """Canonical dates, weekdays, times and relative deadlines ('day:friday', 'rel:eod')."""
    return {key for key, _ in _date_facts(text)}


def _is_identifier(token: str) -> bool:
    # Hyphenated or slashed English ("follow-up", "and/or") and abbreviations ("e.g") are
    # words; a digit, an underscore, two hyphens or a dotted name ("db.pool") make a name.
    if token.startswith("#") or any(c.isdigit() for c in token) or "_" in token:
        return True
    if token.count("-") >= 2:
        return True
    parts = token.split(".")
    return len(parts) > 1 and all(len(part) >= 2 for part in parts)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def scan_output(text: str) -> list[Fact]:
    """Every checkable fact in an output: links, mentions, code, identifiers, dates, numbers.

    Each span is read once, by the first kind that claims it (a number inside a link or a
    ticket id is part of that fact), so one invention is named once.
    """
    facts: list[Fact] = []
    # Slack links: check the URL, and keep the label as text (a label can invent a number).
    for m in _SLACK_LINK_RE.finditer(text):
        facts.append(Fact("link", _link_key(m.group(1)), m.group(1)))
    text = _SLACK_LINK_RE.sub(lambda m: " " + (m.group(2) or "") + " ", text)
    spans: list[tuple[int, int]] = []
    for m in _BARE_LINK_RE.finditer(text):
        facts.append(Fact("link", _link_key(m.group(0)), m.group(0).rstrip(_LINK_TAIL)))
        spans.append(m.span())
    text = _blank(text, spans)
    spans = []
    for m in _MENTION_RE.finditer(text):
        # An entity is checked by its id ("<@U2|dana>" is not "<@U1|dana>"), a plain "@dana"
        # by its name.
        facts.append(Fact("mention", _mention_forms(m)[0], m.group(0)))
        spans.append(m.span())
    text = _blank(text, spans)
    for pattern, kind in ((_CODE_RE, "code"), (_IDENT_RE, "identifier")):
        spans = []
        for m in pattern.finditer(text):
            value = m.group(1) if kind == "code" else m.group(0)
            if kind == "identifier" and not _is_identifier(value):
                continue
            facts.append(Fact("identifier", " ".join(value.casefold().split()), value))
            spans.append(m.span())
        text = _blank(text, spans)
    spans = []
    for key, m in _date_facts(text):
        facts.append(Fact("date", key, m.group(0).strip()))
        spans.append(m.span())
    text = _blank(text, spans)
    for m in _NUMBER_RE.finditer(text):
        meant, _ = _number_facts(m)
        facts.extend(Fact("number", key, m.group(0).strip()) for key in meant)
    return facts
