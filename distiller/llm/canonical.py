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
from decimal import Decimal, InvalidOperation

from .patterns import (
    COMPILED,
    DATE_KINDS,
    LINK_TAIL,
    LOOSE_NUMBER_RE,
    MENTION_RE,
    MONTH_STEMS,
    NUMBER_RE,
    PATTERNS,
    RELATIVE,
    SCALE,
    SLACK_LINK_RE,
    WEEKDAY_NAMES,
    may_hold,
)

__all__ = ["Fact", "date_keys", "link_keys", "mention_keys", "number_keys", "scan_output"]


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
    url = url.rstrip(LINK_TAIL)
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}{sep}{host.lower()}{slash}{path}".rstrip("/")


def link_keys(text: str) -> set[str]:
    """Canonical URLs in `text`, Slack `<url|label>` and bare, trailing punctuation dropped."""
    found = {_link_key(m.group(1)) for m in SLACK_LINK_RE.finditer(text)}
    bare = SLACK_LINK_RE.sub(" ", text)
    found.update(_link_key(m.group(0)) for m in COMPILED["link"].finditer(bare))
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
    return {form for m in MENTION_RE.finditer(text) for form in _mention_forms(m)}


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
    scale = SCALE.get(suffix)
    if scale is None:
        return [_number_key(value, False)], []
    # "5m" is 5 million or 5 minutes: a source that says "5m" supports either reading.
    return [_number_key(value * scale, False)], [_number_key(value, False)]


def number_keys(text: str) -> set[str]:
    """Every reading of every number in a source text, scaled and unscaled, digits anywhere."""
    keys: set[str] = set()
    for match in NUMBER_RE.finditer(text):
        meant, extra = _number_facts(match)
        keys.update(meant, extra)
    for match in LOOSE_NUMBER_RE.finditer(text):
        value = _decimal(match.group(0))
        if value is not None:
            keys.add(_number_key(value, False))
    return keys


def _month_day(month: str, day: str, year: str | None) -> list[str]:
    number = MONTH_STEMS.index(month[:3].lower()) + 1
    keys = [f"date:{number}-{int(day)}"]
    if year:
        keys.append(f"date:{int(year)}-{number}-{int(day)}")
    return keys


def _date_key(kind: str, m: re.Match[str]) -> list[str]:
    """Canonical keys of one date, weekday, time or relative deadline (its own pattern's match)."""
    if kind == "iso":
        y, mo, d = (int(g) for g in m.groups())
        return [f"date:{y}-{mo}-{d}", f"date:{mo}-{d}"]
    if kind in ("monthday", "daymonth"):
        month, day, year = m.groups() if kind == "monthday" else (m[2], m[1], m[3])
        return _month_day(month, day, year) if int(day) <= 31 else []
    if kind == "weekday":
        # The pattern's first letter sits outside its groups: the day is that letter + rest.
        stem = (m.group(0)[0] + (m.group(1) or m.group(2))).lower()[:3]
        return [f"day:{day}" for day in WEEKDAY_NAMES if day.startswith(stem)]
    if kind == "time":
        hour = int(m.group(1))
        minute = int(m.group(2) or 0)
        half = (m.group(3) or m.group(4) or "").lower()
        if half == "p" and hour < 12:
            hour += 12
        elif half == "a" and hour == 12:
            hour = 0
        return [f"time:{hour:02d}:{minute:02d}"] if hour < 24 and minute < 60 else []
    phrase = " ".join(m.group(0).lower().split())
    return ["rel:" + (RELATIVE.get(phrase) or phrase)]


def date_keys(text: str) -> set[str]:
    """Canonical dates, weekdays, times and relative deadlines ('day:friday', 'rel:eod')."""
    kinds = may_hold(text)
    return {
        key
        for kind in DATE_KINDS
        if kind in kinds
        for m in COMPILED[kind].finditer(text)
        for key in _date_key(kind, m)
    }


def _is_identifier(token: str) -> bool:
    # Hyphenated or slashed English ("follow-up", "and/or") and abbreviations ("e.g") are
    # words; a digit, an underscore, two hyphens or a dotted name ("db.pool") make a name.
    if token.startswith("#") or any(c.isdigit() for c in token) or "_" in token:
        return True
    if token.count("-") >= 2:
        return True
    parts = token.split(".")
    return len(parts) > 1 and all(len(part) >= 2 for part in parts)


def _read(kind: str, m: re.Match[str]) -> list[tuple[str, str, str]]:
    """(fact kind, key, as written) for one match of the `kind` pattern."""
    value = m.group(0)
    if kind == "link":
        return [("link", _link_key(value), value.rstrip(LINK_TAIL))]
    if kind == "mention":
        # An entity is checked by its id ("<@U2|dana>" is not "<@U1|dana>"), a plain "@dana"
        # by its name.
        return [("mention", _mention_forms(m)[0], value)]
    if kind == "code":
        inner = m.group(1)
        return [("identifier", " ".join(inner.casefold().split()), inner)]
    if kind == "identifier":
        return [("identifier", value.casefold(), value)] if _is_identifier(value) else []
    if kind == "number":
        return [("number", key, value.strip()) for key in _number_facts(m)[0]]
    return [("date", key, value.strip()) for key in _date_key(kind, m)]


def scan_output(text: str) -> list[Fact]:
    """Every checkable fact in an output, in reading order, each with its text as written.

    Links, mentions, code, identifiers, dates, then numbers: each span is read once, by the
    first kind that claims it, so one invention is named once.
    """
    found: list[tuple[int, Fact]] = []
    if "<" in text:
        # Slack links: check the URL, and read the label as text (a label can invent a number).
        def label(m: re.Match[str]) -> str:
            found.append((m.start(), Fact("link", _link_key(m.group(1)), m.group(1))))
            inner = m.group(2) or ""
            return " " + inner + " " * (len(m.group(0)) - len(inner) - 1)

        text = SLACK_LINK_RE.sub(label, text)
    kinds = may_hold(text)
    for kind in PATTERNS:
        if kind not in kinds:
            continue

        def claim(m: re.Match[str], kind: str = kind) -> str:
            found.extend((m.start(), Fact(*fact)) for fact in _read(kind, m))
            return " " * len(m.group(0))  # same length: positions keep the reading order

        text = COMPILED[kind].sub(claim, text)
    found.sort(key=lambda item: item[0])
    return [fact for _, fact in found]
