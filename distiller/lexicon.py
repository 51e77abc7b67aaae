"""The phrases agents pad messages with, as data: what to drop, what to strip, what to shorten.

Kept apart from the engine so the lists can be read, extended and tested as one thing.
Every pattern is matched case-insensitively against a unit's text with entities protected.
"""

from __future__ import annotations

import re

__all__ = [
    "ASK_SECTION_RE",
    "BOILERPLATE_RE",
    "CLOSING_OFFER_RE",
    "CUE_RE",
    "FILLER_RE",
    "HEDGE_RE",
    "LEADING_CONNECTOR_RE",
    "META_PREFIX_RE",
    "PLEASANTRY_RE",
    "RESTATEMENT_RE",
    "WORDY_RE",
    "guarded",
    "wordy_replacement",
]


def _alternation(*phrases: str) -> str:
    return "(?:" + "|".join(phrases) + ")"


_I = re.IGNORECASE


def guarded(first_chars: str, pattern: str) -> re.Pattern[str]:
    """`pattern`, case-insensitive, behind a look-ahead for the characters a match can start with.

    `first_chars` (a character class body) must hold the first character of every alternative
    of `pattern`. The look-ahead changes no match; it makes most positions fail on one class
    test instead of trying every phrase there, and these patterns run on every unit. Under the
    same IGNORECASE flag the class admits the same case-folds as the phrases ("ſ" for "s").
    tests/distiller/test_fast_paths.py compares each guarded pattern with the plain one.
    """
    return re.compile(rf"(?=[{first_chars}])(?:{pattern})", _I)


GREETING = (
    _alternation(
        r"hi|hey|hello|howdy|greetings|good (?:morning|afternoon|evening)|dear",
    )
    + r"(?:\s+(?:team|all|everyone|folks|there|y'all|@?\w+))?\s*[!,.:\-–—]*"
)

_PLEASANTRY = r"\b" + _alternation(
    r"i hope (?:this|that|it) (?:helps|is helpful|clarifies|makes sense|gives)",
    r"hope (?:this|that|it) helps",
    r"i hope (?:you(?:'re| are)|everyone(?:'s| is)|this (?:message|note) finds)",
    r"hope (?:you(?:'re| are)|everyone(?:'s| is)) (?:doing|having)",
    r"thanks?(?: you)?(?: so much| all)? for (?:your|the|reading|bearing|reaching|asking)",
    r"great (?:question|point|catch)",
    r"(?:i'?m |i am )?(?:happy|glad) to help",
    r"(?:certainly|absolutely|of course|sure thing|good news)[!.,]",
    r"have a (?:great|good|nice) (?:day|week|weekend)",
    r"cheers[!.]?$",
    r"^(?:hi|hey|hello)?[ ,]*how (?:are|is) (?:you|everyone|it going)"
    r"(?: doing)?(?: today)?\W*$",
    r"^(?:(?:it'?s )?(?:nice|good|great) to (?:meet|see|hear from) you)\W*$",
    r"happy (?:coding|deploying|hacking|shipping|friday|building|testing)\b",
    r"exciting news\b",
    r"(?:we(?:'re| are)|i'?m|i am) (?:thrilled|excited|delighted|pleased|happy) to\b",
    r"as always,? (?:we'?d|we would|i'?d) love",
)
PLEASANTRY_RE = guarded("aceghinostw ,", _PLEASANTRY)

_CLOSING_OFFER = r"\b" + _alternation(
    r"let me know if",
    r"(?:please )?(?:feel free|don't hesitate|do not hesitate) to",
    r"if you (?:have|need) any (?:other |further |more )?"
    r"(?:questions|concerns|help|clarification)",
    r"(?:i'?m |i am )?(?:happy|glad) to "
    r"(?:discuss|answer|help|dig|jump|walk|provide|elaborate)",
    r"(?:would you like|want|do you want) me to",
    r"shall i\b",
    r"(?:please )?reach out if",
    r"i'?m here (?:to help|if)",
    r"let me know (?:what you think|your thoughts|how)",
)
CLOSING_OFFER_RE = guarded("dfghilprsw", _CLOSING_OFFER)

META_PREFIX_RE = re.compile(
    r"^(?:"
    + _alternation(
        r"(?:here(?:'s| is| are)|below (?:is|are)|the following (?:is|are)|this is)"
        r"\s+(?:a |an |the |my |our )?(?:quick |brief |short |detailed |full |high-level )?"
        r"(?:summary|overview|update|breakdown|rundown|recap|status update|analysis|"
        r"rundown|details?|notes?)\b[^:.!]*[:.!]?",
        r"(?:as an ai|i'?m an ai|i am an ai)(?: (?:language )?model| assistant)?"
        r"(?:,? (?:so|and|but) i (?:don'?t|do not|can'?t|cannot) have [^,.]*)?[,.]?",
        r"(?:we(?:'re| are)|i'?m|i am) (?:thrilled|excited|delighted|pleased|happy) to "
        r"(?:announce|share|report|let you know)(?: that)?",
        r"i (?:just )?wanted to (?:share|give|provide|flag|let (?:you|everyone|the team) know|"
        r"follow up|reach out|update (?:you|everyone|the team))(?: (?:on|about|that|with))?",
        r"(?:just )?a (?:quick|brief) (?:update|note|heads[- ]up)(?: on| about| that)?[:,.]?",
        r"let me (?:break (?:this|it) down|summari[sz]e|walk you through|explain)[^:.!]*[:.!]?",
        r"i(?:'ve| have) (?:analy[sz]ed|reviewed|looked (?:into|at)|gone through|investigated)"
        r"[^:,.!]*[:,]",
    )
    + r")\s*",
    _I,
)

RESTATEMENT_RE = re.compile(
    r"^(?:"
    + _alternation(
        r"in summary",
        r"to summari[sz]e",
        r"in conclusion",
        r"to sum (?:it )?up",
        r"overall",
        r"in short",
        r"key takeaways?",
        r"bottom line",
        r"tl;?dr",
        r"summary",
    )
    + r")\s*[:,\-–—]?\s*",
    _I,
)

_HEDGE = (
    r"\b"
    + _alternation(
        r"it(?:'s| is) (?:worth (?:noting|mentioning|highlighting|pointing out)|"
        r"important to (?:note|remember|highlight|mention|understand))(?: that)?,?",
        r"(?:please )?note that",
        r"as (?:you (?:may|might) (?:know|recall)|mentioned(?: earlier| above| before)?|"
        r"noted (?:above|earlier)|discussed(?: earlier)?|expected),?",
        r"i (?:just )?wanted to (?:let you know|mention|highlight|point out|share)(?: that)?",
        r"i (?:think|believe|feel)(?: that)?",
        r"in my (?:opinion|view),?",
        r"(?:basically|essentially|actually|definitely|certainly|simply|literally|honestly),?",
        r"(?:really|very|quite|rather|somewhat|fairly|pretty) (?=\w)",
        r"at the end of the day,?",
        r"so (?:that )?(?:everyone|we(?:'re| are)) (?:is |are )?(?:all )?on the same page",
        r"to keep (?:everyone|you|the team) (?:in the loop|posted|informed)",
        r"for what it'?s worth,?",
    )
    + r"\s*"
)
HEDGE_RE = guarded("abcdefhilnpqrstv", _HEDGE)

LEADING_CONNECTOR_RE = re.compile(
    r"^(?:additionally|furthermore|moreover|also|so|well|oh|um+|uh+|ok(?:ay)?|alright|"
    r"anyway|now|first(?:ly)?|second(?:ly)?|finally|lastly|however|that said|with that said|"
    r"on top of that|in addition|as a result|importantly|notably)\s*[,:\-–—]\s*",
    _I,
)

_WORDY = (
    (r"in order to", "to"),
    (r"due to the fact that", "because"),
    (r"at this (?:point in time|time|moment)", "now"),
    (r"in the event that", "if"),
    (r"for the purpose of", "for"),
    (r"prior to", "before"),
    (r"(?:is|are) able to", "can"),
    (r"a (?:large|significant|substantial) number of", "many"),
    (r"the majority of", "most"),
    (r"in the near future", "soon"),
    (r"at the present time", "now"),
    (r"with regards? to", "on"),
    (r"make sure", "ensure"),
    (r"going forward", "from now on"),
)
# One pass for all of them: the matching group's index picks the replacement.
_WORDY_ALL = (
    r"\b(?:" + "|".join(f"(?P<w{i}>{pattern})" for i, (pattern, _) in enumerate(_WORDY)) + r")\b"
)
WORDY_RE = guarded("adfgimptw", _WORDY_ALL)


def wordy_replacement(match: re.Match[str]) -> str:
    """The short form for a WORDY_RE match ("in order to" → "to")."""
    return _WORDY[int((match.lastgroup or "w0")[1:])][1]


# Bare filler that remains once pleasantries and hedges are gone: units that are only this go.
FILLER_RE = re.compile(
    r"^(?:thanks?(?: you)?(?: all| everyone| team)?|cheers|best|regards|:[a-z0-9_+-]+:|\W)*$", _I
)

GREETING_RE = re.compile(rf"^{GREETING}$", _I)
# A unit is boilerplate when one of these matches it and little else is left.
BOILERPLATE_RE = (GREETING_RE, PLEASANTRY_RE, CLOSING_OFFER_RE)

# Words that make a unit matter to a reader: decisions, failures, asks, dates, risk.
_CUE = (
    r"\b(?:decid\w*|decision|agreed|approved|blocked|blocker|block\w*|fail\w*|broke\w*|"
    r"outage|incident|down|degraded|error\w*|root cause|rollback|roll(?:ed)? back|revert\w*|"
    r"fix\w*|resolved|mitigat\w*|eta|deadline|due|need\w*|must|required?|urgent|asap|please|"
    r"risk\w*|impact\w*|customers?|revenue|cost|latency|security|breach|leak\w*|launch\w*|"
    r"releas\w*|ship\w*|deploy\w*|migrat\w*|owner|assign\w*|action|next step|"
    r"increas\w*|decreas\w*|drop\w*|spik\w*|regress\w*)\b"
)
CUE_RE = guarded("abcdefilmnoprsu", _CUE)

ASK_SECTION_RE = re.compile(
    r"\b(?:action items?|next steps?|asks?|to ?dos?|requests?|needs?|what (?:we|i) need|"
    r"help wanted|follow[- ]ups?|owners?)\b",
    _I,
)
