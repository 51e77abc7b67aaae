"""What each kind of fact looks like in text: the guard's regexes and their cheap prefilter.

`canonical.py` turns what these find into comparable keys. Speed matters here: the guard runs
every pattern over every LLM output (see `bench/bench_llm.py`).
"""

from __future__ import annotations

import re

__all__ = [
    "COMPILED",
    "DATE_KINDS",
    "LINK_TAIL",
    "LOOSE_NUMBER_RE",
    "MENTION_RE",
    "MONTH_STEMS",
    "NUMBER_RE",
    "PATTERNS",
    "RELATIVE",
    "SCALE",
    "SLACK_LINK_RE",
    "WEEKDAY_NAMES",
    "may_hold",
]

SLACK_LINK_RE = re.compile(r"<((?:https?|mailto|ftp)[^<>\s|]*)(?:\|([^<>]*))?>", re.I)
LINK_TAIL = ".,;:!?)]}'\"*_>"
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTH_STEMS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
RELATIVE = {
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
SCALE = {
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mm": 10**6,
    "million": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
}
# Each kind of fact as a pattern. `scan_output` runs them in this order and blanks what each
# one claims, so a number inside a link, a ticket id or a date is read once, as part of that
# fact. (One combined alternation was tried: it is slower, every branch tried at every char.)
# Speed: the guard runs these over every output. A pattern that starts with a character class
# lets the regex engine skip in C to the next character that can start a match, so "\b\d" is
# written "\d(?<!\w\d)" and "\bFri" "[F](?<!\w[F])ri": same matches, a fraction of the time.
_MONTH_TAIL = (
    r"(?i:(?<=j)an(?:uary)?|(?<=f)eb(?:ruary)?|(?<=m)ar(?:ch)?|(?<=a)pr(?:il)?|(?<=m)ay"
    r"|(?<=j)une?|(?<=j)uly?|(?<=a)ug(?:ust)?|(?<=s)ep(?:t(?:ember)?)?|(?<=o)ct(?:ober)?"
    r"|(?<=n)ov(?:ember)?|(?<=d)ec(?:ember)?)\b\.?"
)
_MONTH_START = r"[JFMASONDjfmasond](?<!\w[JFMASONDjfmasond])" + _MONTH_TAIL
_MONTH_INNER = r"[JFMASONDjfmasond]" + _MONTH_TAIL
PATTERNS = {
    "link": r"[hHfF](?i:ttps?|tp)://[^\s<>]+",
    "mention": (
        r"[<@#](?:(?<=<)(?:([@#])([A-Z0-9]+)(?:\|([^<>]*))?>|!(here|channel|everyone)"
        r"(?:\|[^<>]*)?>|!subteam\^([A-Z0-9]+)(?:\|([^<>]*))?>)"
        r"|(?<![\w/.@][@#])(?<=([@#]))([a-zA-Z][\w.-]{0,79}[\w]))"
    ),
    "code": r"``*([^`\n]+)`+",
    # Possessive quantifiers (*+, ++): a plain word fails at once instead of backtracking.
    "identifier": (
        r"\b[A-Za-z][A-Za-z0-9]*+(?:[._/-][A-Za-z0-9]++)+\b"  # payments-api, db_pool.size
        r"|\b[A-Za-z]++\d\w*\b"  # p99, S3, IPv6, v2
        r"|\b\d++(?:\.\d+){2,}\b"  # versions and addresses: 2.14.1, 10.0.0.1
        r"|(?<![\w.])#\d{1,7}\b"  # PR/issue numbers
        r"|\b(?=[0-9a-f]*+[a-f])[0-9a-f]{7,40}\b"  # commit SHAs
    ),
    "iso": r"(\d(?<!\w\d)\d{3})-(\d{1,2})-(\d{1,2})\b",
    "monthday": rf"({_MONTH_START})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?",
    "daymonth": (
        rf"(\d(?<!\w\d)\d?)(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_INNER})(?:,?\s+(\d{{4}}))?(?!\w)"
    ),
    # Full day names in any case; abbreviations only capitalised ("Sat", not the verb "sat").
    "weekday": (
        r"[MTWFSmtwfs](?<!\w[MTWFSmtwfs])(?:((?i:(?<=m)on|(?<=t)ues|(?<=w)ednes|(?<=t)hurs"
        r"|(?<=f)ri|(?<=s)atur|(?<=s)un))(?i:day)"
        r"|((?<=M)on|(?<=T)ue|(?<=W)ed|(?<=T)hu|(?<=F)ri|(?<=S)at|(?<=S)un)(?:s|r|rs|es)?\.?)(?!\w)"
    ),
    "time": (
        r"(\d(?<!\w\d)\d?)(?::(\d{2})(?:\s?(?i:([ap])\.?m\.?))?(?![\w:])"
        r"|\s?(?i:([ap])\.?m\.?)(?!\w))"
    ),
    "relative": (
        r"[tTyYeEcCaAnNqQ](?<!\w[tTyYeEcCaAnNqQ])(?i:(?<=t)o(?:day|night|morrow)"
        r"|(?<=y)esterday|(?<=e)o[dw]|(?<=c)ob|(?<=a)sap|(?<=c)lose of business"
        r"|(?<=e)nd of (?:the )?(?:day|week|month|quarter|sprint)"
        r"|(?<=n)ext (?:week|month|sprint|quarter)|(?<=t)his week|(?<=q)[1-4])\b"
    ),
    "number": (
        r"(\d(?<![\w.,]\d)(?:\d{0,2}(?:,\d{3})+|\d*))(\.\d+)?"
        r"(?:\s?(%|percent\b|per\s?cent\b|thousand\b|million\b|billion\b|bn\b)"
        r"|([a-zA-Z]{1,6})\b)?"
    ),
}
DATE_KINDS = ("iso", "monthday", "daymonth", "weekday", "time", "relative")
COMPILED = {kind: re.compile(pattern) for kind, pattern in PATTERNS.items()}
_DIGIT_RE = re.compile(r"\d")
_DAY_STEMS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RELATIVE_STEMS = (
    "tod", "toni", "tom", "yest", "eod", "eow", "cob", "asap", "business", "end of", "next ",
    "this week", "q1", "q2", "q3", "q4",
)  # fmt: skip


def may_hold(text: str) -> set[str]:
    """The kinds worth a regex pass over `text`: substring tests in C rule the others out.

    Ten passes over every output are most of the guard's cost; a summary with no weekday in
    it need not be searched for one.
    """
    folded = text.casefold()
    digits = _DIGIT_RE.search(text) is not None
    kinds = {"identifier"}
    checks = {
        "link": "://" in text,
        "mention": "@" in text or "#" in text or "<!" in text,
        "code": "`" in text,
        "iso": digits and "-" in text,
        "monthday": digits and any(stem in folded for stem in MONTH_STEMS),
        "daymonth": digits and any(stem in folded for stem in MONTH_STEMS),
        "weekday": any(stem in folded for stem in _DAY_STEMS),
        "time": digits and (":" in text or "am" in folded or "pm" in folded),
        "relative": any(stem in folded for stem in _RELATIVE_STEMS),
        "number": digits,
    }
    kinds.update(kind for kind, possible in checks.items() if possible)
    return kinds


MENTION_RE = COMPILED["mention"]
NUMBER_RE = COMPILED["number"]
# For the source only: digits anywhere ("p99", "INC-2231") count, so that an output that
# spells a number out of an identifier is not called an invention.
LOOSE_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
