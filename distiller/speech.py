"""Reported speech for threads: "<@U2>: I raised the limit" → "<@U2> raised the limit".

A thread's distillation names who said what. Turning a first-person sentence into a third-person
one with the speaker as subject reads better than a quote, and it keeps the speaker's mention
exactly. Only the leading subject is rewritten, and only when the verb after it can be put in
the third person safely; otherwise the sentence is quoted as "speaker: text".
"""

from __future__ import annotations

import re

from .mrkdwn import protect_entities, restore_entities

__all__ = ["attribute"]

# Verbs whose form does not change after "he/she": modals and common past tenses.
_KEEP = frozenset(
    """can could would should will might must may shall did was had didn't couldn't wouldn't
    shouldn't won't can't cannot wasn't hadn't
    went saw got took made came found gave told said thought bought left met ran sent spent felt
    kept brought heard lost paid put read set sat wrote knew ate drank forgot became began broke
    chose fell flew grew hit hurt led meant rode rose sold shut slept spoke stood taught threw
    understood woke wore won let""".split()
)
_IRREGULAR = {"am": "is", "have": "has", "do": "does", "don't": "doesn't", "go": "goes", "'m": "is"}
_CONTRACTIONS = {"m": "is", "ve": "has", "ll": "will", "d": "would"}
_FIRST_WORD_RE = re.compile(
    r"^(I(?:\s?'\s?(?:m|ve|ll|d))?)\s+((?:(?:also|just|really|already|still|never|always|"
    r"actually|only|usually|often)\s+)*)([A-Za-z']+)",
    re.IGNORECASE,
)
_YOU_RE = re.compile(r"\byou\b(?!'| all\b| guys\b)", re.IGNORECASE)
_YOUR_RE = re.compile(r"\byour\b", re.IGNORECASE)
_ME_RE = re.compile(r"\bme\b")
_MY_RE = re.compile(r"\bmy\b")


def _third_person(verb: str) -> str:
    lower = verb.lower()
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    past = lower.endswith("ed") and not lower.endswith("eed")  # "fixed", not "need"
    if lower in _KEEP or past or not lower.isalpha():
        return verb
    if lower.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if lower.endswith("y") and len(lower) > 2 and lower[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def attribute(text: str, speaker: str, listener: str | None = None) -> str:
    """Rewrite a speaker's sentence in reported speech; "speaker: text" when it cannot.

    `listener` (the other party of a two-person thread) replaces "you"/"your" when given.
    Entities in `text` are left untouched.
    """
    match = _FIRST_WORD_RE.match(text)
    if not match:
        return f"{speaker}: {_pronouns(text, speaker, listener)}"
    subject, adverbs, verb = match.group(1), match.group(2), match.group(3)
    contraction = subject.lower().replace(" ", "").removeprefix("i").lstrip("'")
    if contraction:
        rest = f"{_CONTRACTIONS[contraction]} {adverbs}{verb}"
    else:
        rest = f"{adverbs}{_third_person(verb)}"
    return f"{speaker} {rest}{_pronouns(text[match.end() :], speaker, listener)}"


def _pronouns(text: str, speaker: str, listener: str | None) -> str:
    # Object pronouns name people outright: "help me" → "help <@U1>". Never inside an entity.
    protected, saved = protect_entities(text)
    protected = _MY_RE.sub(f"{speaker}'s", _ME_RE.sub(speaker, protected))
    if listener:
        protected = _YOUR_RE.sub(f"{listener}'s", _YOU_RE.sub(listener, protected))
    return restore_entities(protected, saved)
