"""Unit compression: strip hedges, meta-talk, filler and fact-free asides; shorten wordy phrases.

Compression only deletes or shortens words around the facts. Entities are protected while the
patterns run, and a result that lost any number, mention, link, identifier or deadline of its
input is thrown away in favour of the input: the guarantee is checked, not hoped for.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import lexicon
from .facts import extract_facts
from .mrkdwn import protect_entities, restore_entities

__all__ = [
    "bare_boilerplate_kind",
    "boilerplate_kind",
    "compress",
    "compress_with_facts",
    "strip_decoration",
    "trim_clauses",
]

_PAREN_RE = re.compile(r"\s*\((?:[^()\u0000]|\u0000\d+\u0000)*\)")
_SPACES_RE = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([,.;:!?])")
_EMOJI_CHAR = r"[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2705\u274C\uFE0F\u200D]"
_EDGE_EMOJI_RE = re.compile(
    rf"^(?:\s*(?::[a-z0-9_+'-]+:|{_EMOJI_CHAR}))+\s*|(?:\s*(?::[a-z0-9_+'-]+:|{_EMOJI_CHAR}))+\s*$",
    re.I,
)
_BOLD_LABEL_RE = re.compile(r"^\*([^*]{1,40})\*\s*:?\s*")
_EMOJI_CHAR_RE = re.compile(_EMOJI_CHAR, re.I)
_FACT_KINDS_CHECKED = ("numbers", "deadlines", "mentions", "links", "identifiers")

Facts = dict[str, list[str]]


def strip_decoration(text: str) -> str:
    """Remove emoji at the start or end of a unit: decoration, not content."""
    bare = text.strip()
    # The pattern can only match where a shortcode's ':' or an emoji is the first or last
    # character past the whitespace (both \s and str.strip() use the Unicode spaces). Most units
    # have neither, and the pattern's `$` branch would otherwise be tried at every character.
    if bare and (
        bare[0] == ":"
        or bare[-1] == ":"
        or _EMOJI_CHAR_RE.match(bare[0])
        or _EMOJI_CHAR_RE.match(bare[-1])
    ):
        return _EDGE_EMOJI_RE.sub("", text).strip()
    return bare


def boilerplate_kind(text: str) -> str | None:
    """'greeting', 'pleasantry' or 'closing offer' when the unit is only that, else None."""
    return bare_boilerplate_kind(strip_decoration(text))


def bare_boilerplate_kind(
    bare: str, facts_of: Callable[[str], Facts] = extract_facts
) -> str | None:
    """`boilerplate_kind` of a unit already through `strip_decoration`.

    `facts_of` is `extract_facts` or a memo of it: the engine scans each text for facts once.
    """
    if not bare or lexicon.FILLER_RE.match(bare):
        return "filler"
    if lexicon.GREETING_RE.match(bare):
        return "greeting"
    for kind, pattern in (
        ("pleasantry", lexicon.PLEASANTRY_RE),
        ("closing offer", lexicon.CLOSING_OFFER_RE),
    ):
        match = pattern.search(bare)
        # Padding wrapped around a fact ("Let me know if the 3 pods on v2 fail") is not padding.
        if match and not any(facts_of(bare)[k] for k in ("numbers", "links", "identifiers")):
            return kind
    return None


def _capitalise(text: str) -> str:
    # Only a plain word is capitalised: "v2.14.1", "kubectl-proxy" or "iOS" must stay as written.
    first = text.split(" ", 1)[0]
    if first.isalpha() and first.islower():
        return text[0].upper() + text[1:]
    return text


def compress(text: str, *, aggressive: bool = False) -> str:
    """Shorten one unit without changing any fact in it; `aggressive` also drops asides.

    Returns "" when the unit held only padding ("Here's a quick summary of the update.").
    Tries the aggressive cut first when asked, then the gentle one, then gives the input back:
    whichever first keeps every fact of the input wins.
    """
    return compress_with_facts(text, aggressive=aggressive)[0]


def compress_with_facts(
    text: str,
    *,
    aggressive: bool = False,
    bare: str | None = None,
    before: Facts | None = None,
) -> tuple[str, Facts]:
    """`compress`, also returning the facts of the input (callers need them; scans are costly).

    Callers that already have `strip_decoration(text)` or `extract_facts(text)` may pass them
    as `bare` and `before`; the result is the same either way.
    """
    if before is None:
        before = extract_facts(text)
    facts = [fact for kind in _FACT_KINDS_CHECKED for fact in before[kind]]
    protected, saved = protect_entities(strip_decoration(text) if bare is None else bare)
    # Both passes run the same edits up to the asides; do those once.
    common = _shorten_common(protected)
    passes = (True, False) if aggressive else (False,)
    if aggressive and "(" not in common:
        passes = (True,)  # no aside to drop: the gentle pass would give the same text again
    for drop_asides in passes:
        result = _shorten_finish(common, saved, drop_asides)
        # Verbatim presence is the test the facts report applies too; and it is cheap.
        if all(fact in result for fact in facts):
            return result, before  # result is "" when the unit was nothing but padding
    return text.strip(), before


def _shorten_common(protected: str) -> str:
    """The edits both compression passes make, on text with its entities protected."""
    out = _BOLD_LABEL_RE.sub(lambda m: m.group(1).strip().rstrip(":") + ": ", protected)
    for _ in range(2):  # "I wanted to share" + "a quick update on"
        out = lexicon.META_PREFIX_RE.sub("", out)
    out = lexicon.RESTATEMENT_RE.sub("", out)
    for _ in range(2):  # connectors stack: "So, basically, ..."
        out = lexicon.LEADING_CONNECTOR_RE.sub("", out)
    out = lexicon.HEDGE_RE.sub("", out)
    return lexicon.WORDY_RE.sub(lexicon.wordy_replacement, out)


def _shorten_finish(out: str, saved: list[str], drop_asides: bool) -> str:
    if drop_asides:
        # Only asides with no digit and no entity in them: those may hold a fact.
        out = _PAREN_RE.sub(
            lambda m: m.group(0) if re.search(r"[\d\u0000]", m.group(0)) else "", out
        )
    out = _SPACES_RE.sub(" ", out).strip(" ,;-–—")
    out = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", out)
    return _capitalise(restore_entities(out, saved)) if out else ""


# Where a sentence can end early and still read as a sentence: before a subordinate clause,
# after a semicolon or a dash, or at a comma.
# A bare comma is not one: it too often closes an introductory phrase ("In the 1939 film, ...").
# "which"/"where" need their comma: "hard to determine which city" is not a clause boundary.
_CLAUSE_RE = re.compile(
    r",\s+(?=(?:which|where)\b)"
    r"|,?\s+(?=(?:while|whereas|although|though|because|since|including|such as|so that|"
    r"as well as|but|and|or|in order|to|due to|without|with)\b)"
    r"|;\s+|\s+[—–-]\s+|:\s+"
)
# A head that is only an introductory clause ("If you eat seeds") is not a sentence.
_SUBORDINATE_START_RE = re.compile(
    r"^(?:if|when|whenever|while|although|though|because|since|as|after|before|unless|once|"
    r"whether|in|for|to|by|with|during|despite)\b",
    re.IGNORECASE,
)
_MIN_CLAUSE_WORDS = 4


def trim_clauses(text: str, max_tokens: int, count: Callable[[str], int]) -> str | None:
    """The longest clause-boundary prefix of `text` within `max_tokens`, or None if none reads.

    Entities are never cut. The result ends with a period; facts in the dropped clauses are
    dropped with them (and the facts report says so).
    """
    protected, saved = protect_entities(text)
    cuts = [m.start() for m in _CLAUSE_RE.finditer(protected)]
    for cut in reversed(cuts):
        head = protected[:cut].rstrip(" ,;:-–—")
        if len(head.split()) < _MIN_CLAUSE_WORDS:
            break
        if _SUBORDINATE_START_RE.match(head) and "," not in head:
            continue
        candidate = restore_entities(head, saved) + "."
        if count(candidate) <= max_tokens:
            return candidate
    return None
