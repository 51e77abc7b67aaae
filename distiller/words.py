"""Content words: lower-cased, stop-words out, light suffix stemming.

Shared by unit scoring, redundancy control and the LexRank baseline in bench/, so that the
engine and its baselines see the same words.
"""

from __future__ import annotations

import re

__all__ = ["STOPWORDS", "content_words", "stem"]

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_ENTITY_RE = re.compile(r"<[^<>]+>")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
    i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
    not of off on once only or other ought our ours ourselves out over own same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those through to too under
    until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's will with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves just also really well oh ok okay yeah yes hi
    hello hey thanks thank please let know get got like one would could s t""".split()
)


def stem(word: str) -> str:
    """A light English stemmer: enough to match 'deploys'/'deployed'/'deploying'."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: len(word) - len(suffix)] + keep
    return word


def content_words(text: str) -> list[str]:
    """Stemmed, lower-cased words of `text` without stop-words; Slack entities count as one word."""
    words: list[str] = []
    if "<" in text:  # no entity without one; the two entity passes are skipped otherwise
        words = [m.lower() for m in _ENTITY_RE.findall(text)]
        text = _ENTITY_RE.sub(" ", text)
    for raw in _WORD_RE.findall(text):
        word = raw.lower().replace("’", "'")
        if word not in STOPWORDS and (len(word) > 1 or not word.isascii()):
            words.append(stem(word))
    return words
