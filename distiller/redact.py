"""Secret redaction: find credentials in message text and replace them with placeholders.

Runs before anything is distilled, stored or sent to an LLM (DESIGN.md, "Security model").
Every pattern is anchored on a vendor prefix or on an explicit key context (`password=`,
`aws_secret_access_key:`), never on "looks random": a false positive silently deletes a SHA,
an id or a number that the reader of the distillation needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["Redacted", "SecretFinding", "contains_secret", "redact_secrets"]


@dataclass(frozen=True, slots=True)
class SecretFinding:
    """One secret: its kind and its [start, end) character offsets in the original text."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Redacted:
    """The text with each secret replaced by `[REDACTED:<kind>]`, and what was replaced."""

    text: str
    findings: tuple[SecretFinding, ...] = ()


def _lead(prefix: str) -> str:
    # A vendor prefix glued to a longer word ("task-", "risk-") is a word, not a token. The
    # boundary is checked AFTER the prefix, looking back over it: a pattern that opens with a
    # literal lets sre skip ahead to that literal, while one that opens with a lookbehind is
    # tried at every position (measured ~20x slower on a clean 500-token message).
    return re.escape(prefix) + r"(?<![A-Za-z0-9_-]" + "." * len(prefix) + ")"


_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"
    # The bound keeps a BEGIN without an END from scanning megabytes; a 4096-bit key is ~3 kB.
    r"(?:.{0,16000}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----"
    # A paste cut before END still leaks the key body: take the base64 lines (long, or short
    # and padded like a last line) and headers that follow, separated by real or JSON-escaped
    # newlines, and stop at the first prose line.
    r"|(?:(?:\s|\\n)+(?:[A-Za-z0-9+/=]{16,}|[A-Za-z0-9+/]+={1,2}"
    r"|(?:Proc-Type|DEK-Info|Comment):[^\n]*))*)",
    re.DOTALL,
)
# Opens on the host, not on an optional scheme, for the same speed reason; `_with_scheme`
# then takes the "https://" in front into the span.
_SLACK_WEBHOOK = re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]+")
# Requiring a digit spares documentation placeholders such as "xoxb-your-token-here".
_SLACK_TOKEN = re.compile(
    _lead("x") + r"(?:ox[abeoprs]|oxe\.xox[bp]|app)-(?=[A-Za-z-]*\d)[A-Za-z0-9-]{10,}"
)
_GITHUB_TOKEN = re.compile(
    _lead("g") + r"(?:h[pousr]_[A-Za-z0-9]{30,}|ithub_pat_[A-Za-z0-9_]{22,})"
)
# Legacy keys are sk- plus unbroken alphanumerics; only the typed keys (sk-proj-, ...) carry
# "-" and "_", so a slug like "/sk-2024-11-05-meeting-notes" is not taken for a key.
_OPENAI_KEY = re.compile(
    _lead("sk-")
    + r"(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}|(?=[A-Za-z]*\d)[A-Za-z0-9]{32,})"
)
# The signature may be empty: an unsigned ("alg": "none") token still carries the claims.
_JWT = re.compile(_lead("eyJ") + r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
_AWS_KEY_ID = re.compile(_lead("A") + r"[KS]IA[A-Z0-9]{16}(?![A-Za-z0-9])")
# 40 base64 characters are everywhere (blobs, hashes), so only take them in key context:
# after a secret-key name, or right after an access key id (CSV exports, `aws configure`).
_AWS_SECRET_VALUE = r"(?P<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
_AWS_SECRET_NAMED = (
    r"(?:aws[_ -]?secret[_ -]?(?:access[_ -]?)?key|secret[_ -]?access[_ -]?key)"
    r"[\"']?[ \t]*[:=][ \t]*[\"']?" + _AWS_SECRET_VALUE
)
_AWS_SECRET_PAIRED = re.compile(
    _lead("A") + r"[KS]IA[A-Z0-9]{16}[\s,:;|\"'=]{1,6}" + _AWS_SECRET_VALUE
)
# Userinfo ends at the LAST "@" before the host (greedy), so "p@ss@host" yields "p@ss".
# "<", ">" and "|" are excluded so a mrkdwn link `<url|label>` keeps its frame; a label that
# repeats the URL without its scheme (`<https://u:pw@h|u:pw@h>`) is caught by the "|" branch.
_URL_PASSWORD = re.compile(r"(?:://|\|)[^\s:/?#@<>|\[\]]*:(?P<s>[^\s/?#<>|]+)@(?=[A-Za-z0-9\[])")
_AUTH_HEADER = (
    r"authorization[\"']?[ \t]*[:=][ \t]*[\"']?(?:bearer|basic|token)[ \t]+"
    r"(?P<s>[A-Za-z0-9._~+/=-]{8,})"
)
# An unquoted value stops at a bare "&" only when a next query parameter follows, and reads
# Slack's "&amp;" escape as one character, so "p&amp;ss" is taken whole but "?a=x&amp;b=1"
# is cut after "x". "," and ";" end it for connection strings ("Password=x;Database=y").
_UNQUOTED = r"(?:[^\s\"'`<>|,;&]|&(?!(?:amp;)?[\w.-]+=)(?:amp;|lt;|gt;)?)+"
# No plural ("tokens: 1532", "max_tokens=500" are counts) and no ":=" (Go assignment).
_ASSIGNMENT = (
    r"(?P<key>passw(?:or)?d|passphrase|secret|api[_-]?key|token)"
    r"[\"']?[*_]*[ \t]*(?P<sep>[:=])(?!=)[*_]*[ \t]*"
    r"(?:\"(?P<dq>[^\"\n]{1,200})\"|'(?P<sq>[^'\n]{1,200})'|`(?P<bq>[^`\n]{1,200})`"
    r"|(?P<s>" + _UNQUOTED + r"))"
)
_PLACEHOLDER = re.compile(r"\[REDACTED:[a-z-]+\]")

_NON_LITERALS = frozenset({"none", "null", "nil", "true", "false", "undefined", "redacted"})
# Environment and template references name a secret without containing it.
_REFERENCE = re.compile(r"\$\{?[A-Z_]|\{\{|%\(|os\.environ|process\.env|[*xX•.]+$")
_SECRETISH = re.compile(r"[\d!@#$%^&*+=/~?]")

_Check = Callable[[str, re.Match[str], int, int], tuple[int, int] | None]


def _with_scheme(text: str, m: re.Match[str], start: int, end: int) -> tuple[int, int]:
    for scheme in ("https://", "http://"):
        if text.startswith(scheme, start - len(scheme)):
            return start - len(scheme), end
    return start, end


def _not_hex(text: str, m: re.Match[str], start: int, end: int) -> tuple[int, int] | None:
    # A git SHA next to a key id is a commit, not a secret key.
    return None if re.fullmatch(r"[0-9a-f]{40}", text[start:end]) else (start, end)


def _assignment(text: str, m: re.Match[str], start: int, end: int) -> tuple[int, int] | None:
    if m.group("s") is not None:
        # Sentence and mrkdwn endings ("password=x." or "*password=x*") are not the value.
        while end - start > 1 and text[end - 1] in ".)]*":
            end -= 1
    value = text[start:end]
    if value.lower() in _NON_LITERALS or _REFERENCE.match(value):
        return None
    if m.group("key").lower() == "token" and value.isdigit():
        return None
    if m.group("sep") == ":" and m.group("s") is not None:
        # "the token: it expired" is prose; a value after ":" must look like a credential.
        strong = len(value) >= 16 or (len(value) >= 6 and _SECRETISH.search(value))
        if "://" in value or not strong:
            return None
    return start, end


class _Rule(NamedTuple):
    kind: str
    pattern: re.Pattern[str]
    check: _Check | None = None
    # Case-insensitive rules open on common words, so they run only when a needle is in the
    # lowered text, and then on the lowered text: sre scans a lowercase alternation several
    # times faster than under re.IGNORECASE. `anycase` is the slow twin for unaligned text.
    needles: tuple[str, ...] = ()
    anycase: re.Pattern[str] | None = None


def _fold(kind: str, needles: tuple[str, ...], source: str, check: _Check | None) -> _Rule:
    return _Rule(kind, re.compile(source), check, needles, re.compile(source, re.IGNORECASE))


# Priority order: when two matches overlap, the earlier (more specific) kind wins.
_RULES = (
    _Rule("private-key", _PRIVATE_KEY),
    _Rule("slack-webhook", _SLACK_WEBHOOK, _with_scheme),
    _Rule("slack-token", _SLACK_TOKEN),
    _Rule("github-token", _GITHUB_TOKEN),
    _Rule("openai-key", _OPENAI_KEY),
    _Rule("jwt", _JWT),
    _Rule("aws-access-key", _AWS_KEY_ID),
    _Rule("aws-secret-key", _AWS_SECRET_PAIRED, _not_hex),
    _fold("aws-secret-key", ("secret",), _AWS_SECRET_NAMED, _not_hex),
    _Rule("url-password", _URL_PASSWORD),
    _fold("password", ("authorization",), _AUTH_HEADER, None),
    _fold("password", ("passw", "passphrase", "secret", "api", "token"), _ASSIGNMENT, _assignment),
)
_VALUE_GROUPS = ("s", "dq", "sq", "bq")


def _candidates(text: str) -> Iterator[SecretFinding]:
    lowered = text.lower()
    # A few characters ("İ") lengthen when lowered; then offsets would drift, so fall back.
    aligned = len(lowered) == len(text)
    # Placeholders from an earlier pass contain ":" and "-" and would read as values again.
    held = [p.span() for p in _PLACEHOLDER.finditer(text)] if "[REDACTED:" in text else []
    for rule in _RULES:
        if rule.anycase is None:
            matches = rule.pattern.finditer(text)
        elif not any(n in lowered for n in rule.needles):
            continue
        else:
            matches = rule.pattern.finditer(lowered) if aligned else rule.anycase.finditer(text)
        for m in matches:
            name = next((g for g in _VALUE_GROUPS if g in m.re.groupindex and m.group(g)), None)
            span: tuple[int, int] | None = m.span(name) if name else m.span()
            if rule.check is not None and span is not None:
                span = rule.check(text, m, *span)
            if span is None or any(s < span[1] and span[0] < e for s, e in held):
                continue
            yield SecretFinding(rule.kind, *span)


def redact_secrets(text: str) -> Redacted:
    """Replace every secret in `text` with `[REDACTED:<kind>]`, keeping all other characters.

    Findings carry offsets into the ORIGINAL text, sorted by start; redacting twice changes
    nothing more. Never raises on any str input.
    """
    chosen: list[SecretFinding] = []
    for f in _candidates(text):
        if all(f.end <= c.start or f.start >= c.end for c in chosen):
            chosen.append(f)
    if not chosen:
        return Redacted(text)
    chosen.sort(key=lambda f: f.start)
    parts: list[str] = []
    pos = 0
    for f in chosen:
        parts += (text[pos : f.start], f"[REDACTED:{f.kind}]")
        pos = f.end
    parts.append(text[pos:])
    return Redacted("".join(parts), tuple(chosen))


def contains_secret(text: str) -> bool:
    """True if `redact_secrets(text)` would find at least one secret.

    Stops at the first finding, so a clean message costs one pass of each compiled pattern.
    """
    return next(_candidates(text), None) is not None
