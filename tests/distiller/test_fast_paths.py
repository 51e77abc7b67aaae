"""The engine's fast paths (guards, prefilters, memos) must give exactly what the slow paths give.

Each guarded pattern is compared with the unguarded one it was built from, on the fixtures, on
synthetic agent messages and on random strings made of the patterns' own vocabulary, mixed with
the characters that case-fold onto ASCII letters ("ſ", "K", "İ", "ı") and non-ASCII digits.
"""

from __future__ import annotations

import html
import random
import re
from pathlib import Path

import pytest

from bench.speed import synthetic_message
from distiller import asks, compress, facts, lexicon, mrkdwn, words

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "messages"

_FRAGMENTS = [
    "by ",
    "before ",
    "due ",
    "no later than ",
    "ETA ",
    "deadline: ",
    "on ",
    "at ",
    "until ",
    "Friday",
    "FRIDAY",
    "Fri.",
    "Tues",
    "saturday",
    "ſaturday",
    "ſep",
    "Sept",
    "june",
    "Mar. 3",
    "3rd March",
    "2024-05-01",
    "14:05 UTC",
    "3pm",
    "9 am PST",
    "EOD",
    "eow",
    "asap",
    "today",
    "TONIGHT",
    "tomorrow",
    "end of sprint",
    "next quarter",
    "this afternoon",
    "Q3 2024",
    "Q5",
    "<@U123>",
    "<@U1|bob>",
    "<!here>",
    "<!subteam^S1|team>",
    "<#C12|chan>",
    "@alice",
    "a@b.c",
    "<https://x.example/a?b=1|label>",
    "https://x.example/1.",
    "HTTPS://X.EXAMPLE",
    "<mailto:a@b>",
    ":tada:",
    ":+1:",
    "`code`",
    "`",
    "INC-4521",
    "PROJ-12",
    "#42",
    "&#42",
    "v2.14.1",
    "v1.2-rc.1",
    "3f9a2c1",
    "deadbeef00",
    "payments-api",
    "snake_case_name",
    "follow-up",
    "a-b-c",
    "$4,500",
    "€3",
    "2.3M",
    "850ms",
    "12 pods",
    "4.2%",
    "3x",
    "10 req/s",
    "٣٤",
    "K",
    "İ",
    "ı",
    "ﬀ",
    "é",
    "K8s",
    "no",
    "on-call",
    "then",
    "\n",
    " ",
    ", ",
    ". ",
    "-",
    "(",
    ")",
    ":",
    "#",
    "<",
    ">",
    "|",
]


def _noise(rng: random.Random) -> str:
    parts = [rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 8))]
    text = rng.choice(["", " ", "-"]).join(parts)
    if rng.random() < 0.3:
        text = text.swapcase()
    return text


def _corpus() -> list[str]:
    rng = random.Random(11)
    texts = [path.read_text() for path in sorted(FIXTURES.glob("*.txt"))]
    texts += [synthetic_message(size, rng) for size in (100, 500) for _ in range(5)]
    texts += [_noise(rng) for _ in range(6000)]
    # Date words with their first letter swapped for the characters that fold onto it.
    folds = "\u212a\u017f\u0130\u0131"
    texts += [f"due {ch}{word[1:]} 3" for word in _FRAGMENTS if word[:1].isalpha() for ch in folds]
    return texts


CORPUS = _corpus()


def _scan(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], str | None]]:
    return [(m.span(), m.lastgroup) for m in pattern.finditer(text)]


@pytest.mark.parametrize(
    ("guarded", "plain"),
    [
        (facts._SCAN_RE, re.compile(facts._SCAN)),
        (facts.DEADLINE_RE, re.compile(facts._DEADLINE)),
    ],
    ids=["facts scan", "deadline"],
)
def test_guarded_fact_patterns_match_the_unguarded_ones(
    guarded: re.Pattern[str], plain: re.Pattern[str]
) -> None:
    for text in CORPUS:
        assert _scan(guarded, text) == _scan(plain, text), text


# Guarded lexicon patterns and the plain patterns they were built from.
GUARDED = {
    "pleasantry": (lexicon.PLEASANTRY_RE, lexicon._PLEASANTRY),
    "closing offer": (lexicon.CLOSING_OFFER_RE, lexicon._CLOSING_OFFER),
    "hedge": (lexicon.HEDGE_RE, lexicon._HEDGE),
    "cue": (lexicon.CUE_RE, lexicon._CUE),
    "wordy": (lexicon.WORDY_RE, lexicon._WORDY_ALL),
    "request": (asks._REQUEST_RE, asks._REQUEST),
    "owner": (asks._OWNER_RE, asks._OWNER),
    "done": (asks._DONE_RE, asks._DONE),
}
# Every character that case-folds onto an ASCII letter ("K" for "k", "ſ" for "s", "ı"...).
_FOLDS = "".join(
    ch for ch in map(chr, range(0x80, 0x30000)) if re.fullmatch("[a-z]", ch, re.IGNORECASE)
)


def _phrases() -> list[str]:
    """Words and rough phrases of every guarded pattern, so that random texts hit them."""
    words = set()
    for _, plain in GUARDED.values():
        bare = re.sub(r"\\[a-zA-Z]|\(\?P<\w+>|\(\?[:=!<]*", " ", plain)
        for chunk in bare.split("|"):
            found = re.findall(r"[A-Za-z']+", chunk)
            words.update(found)
            words.add(" ".join(found))
    return sorted(w for w in words if w)


def _lexicon_corpus() -> list[str]:
    rng = random.Random(5)
    words = _phrases()
    texts = list(CORPUS[:200])
    for _ in range(4000):
        parts = [rng.choice(words) for _ in range(rng.randint(1, 7))]
        text = " ".join(parts)
        if rng.random() < 0.3:
            text = rng.choice([":tada: ", "<@U1> ", "> ", "- ", "So, "]) + text
        if rng.random() < 0.3:
            text = text.upper()
        if rng.random() < 0.5:
            text += rng.choice(["!", ".", "?", " today", ", thanks"])
        texts.append(text)
    # Each phrase with its first letter swapped for every character that folds onto a letter.
    for word in words:
        texts += [fold + word[1:] + " to you" for fold in _FOLDS]
    return texts


LEXICON_CORPUS = _lexicon_corpus()


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_guarded_lexicon_patterns_match_the_plain_ones(name: str) -> None:
    guarded, plain = GUARDED[name]
    reference = re.compile(plain, re.IGNORECASE)
    for text in LEXICON_CORPUS:
        assert _scan(guarded, text) == _scan(reference, text), text


def test_fold_characters_are_known() -> None:
    # The corpus above relies on these; they are the ones Python's re folds onto ASCII letters.
    assert {"\u212a", "\u017f", "\u0130", "\u0131"} <= set(_FOLDS)


_DECORATED = [
    ":tada: Shipped v2.1 :rocket:",
    "  ✅ Done\n",
    "Done ✅️",
    "x :+1:\n",
    ":a: :b:",
    "\u2003:tada:\u2003",
    "ratio 3:2",
    "Note:",
    "🚀",
    "",
    "   ",
    "<@U1> :eyes:",
]


@pytest.mark.parametrize("text", _DECORATED + CORPUS[:400] + LEXICON_CORPUS[:400])
def test_strip_decoration_matches_the_pattern(text: str) -> None:
    assert compress.strip_decoration(text) == compress._EDGE_EMOJI_RE.sub("", text).strip()


def _plain_reference(text: str) -> str:
    # to_plain before its "<" and marker prefilters.
    text = mrkdwn._LINK_RE.sub(
        lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text
    )
    text = mrkdwn._USER_RE.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = mrkdwn._CHANNEL_RE.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = mrkdwn._SUBTEAM_RE.sub(lambda m: m.group(2) or "@" + m.group(1), text)
    text = mrkdwn._DATE_RE.sub(lambda m: m.group(1), text)
    text = mrkdwn._SPECIAL_RE.sub(lambda m: "@" + m.group(1), text)
    text = mrkdwn._STYLE_RE.sub(lambda m: m.group(2), text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    return html.unescape(text)


def test_to_plain_and_content_words_match_their_unfiltered_forms() -> None:
    styled = ["*bold* _it_ ~gone~ **x**", "<https://a.b|*label*> &amp; <!here>", "a_b c*d"]
    for text in styled + CORPUS[:600]:
        assert mrkdwn.to_plain(text) == _plain_reference(text)
        reference = [m.lower() for m in words._ENTITY_RE.findall(text)]
        for raw in words._WORD_RE.findall(words._ENTITY_RE.sub(" ", text)):
            word = raw.lower().replace("’", "'")
            if word not in words.STOPWORDS and (len(word) > 1 or not word.isascii()):
                reference.append(words.stem(word))
        assert words.content_words(text) == reference
