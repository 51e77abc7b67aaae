"""Style and verbosity features of one message, plus the evidence behind them.

`extract` turns a message text into a fixed-length vector (`FEATURE_NAMES`, rates normalised by
words or sentences so that length is one feature of its own) and an `Evidence` record of what
was found, which the reasons quote. One pass over the words, a handful of module-level regexes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain

from . import lexicon
from .layout import Layout, read_layout

__all__ = ["FEATURE_NAMES", "Evidence", "extract"]

FEATURE_NAMES: tuple[str, ...] = (
    "log_words",
    "mean_word_len",
    "word_len_std",
    "long_word_rate",
    "type_token_ratio",
    "mean_sentence_words",
    "log_max_sentence_words",
    "sentence_len_cv",
    "comma_rate",
    "digit_rate",
    "proper_noun_rate",
    "quote_rate",
    "paren_rate",
    "dash_rate",
    "colon_rate",
    "exclamation_rate",
    "contraction_rate",
    "first_person_rate",
    "second_person_rate",
    "we_rate",
    "agent_word_rate",
    "connector_rate",
    "hedge_word_rate",
    "informal_rate",
    "ing_clause_rate",
    "ly_adverb_rate",
    "nominal_rate",
    "list_of_three_rate",
    "stopword_rate",
    "the_rate",
    "and_rate",
    "lower_start_rate",
    "pronoun_start_rate",
    "intro_comma_rate",
    "hedge_phrases",
    "assistant_voice",
    "redundancy",
)

# Spelled "x x*" rather than "x+": a pattern that opens with a character class lets `re` skip
# to the next possible start at C speed, which a repeat does not (about 1.5x faster here). The
# possessive forms are the greedy ones: nothing follows that could make them give characters back.
_WORD = re.compile(r"[A-Za-z][A-Za-z]*+(?:['’][A-Za-z]++)*+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NUMBER = re.compile(r"\d\d*")
# A sentence ends at . ! ? (and closing quotes/brackets) followed by whitespace; `_sentences`
# then skips the few abbreviations that end in a dot.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+")
_ABBREVIATIONS = ("e.g.", "i.e.", "mr.", "dr.", "ms.", "vs.", "st.", "etc.")
_ING_CLAUSE = re.compile(r", [a-z]+ing\b")
# "speed, safety, and cost": the serial-comma triplet assistants reach for.
_LIST_OF_THREE = re.compile(r", (?:[\w'-]+ ){0,3}[\w'-]+,? (?:and|or) \w")
# "Ultimately, ..." / "In the meantime, ...": an introductory word or phrase and a comma.
_INTRO_COMMA = re.compile(r"^[\"“]?[A-Z][a-z]+(?: [a-z]+){0,3},")
# Facts: numbers/times/versions, identifiers (paths, dotted or snake names, CamelCase),
# acronyms, and day/date words. Proper nouns, mentions, links and code are added from elsewhere.
# Identifiers: ACRONYMS, camelCase/PascalCase, snake_case, dotted.names and paths. Possessive
# quantifiers (++, *+) keep a failed match from backtracking through each word.
_IDENTIFIER = re.compile(
    r"\b(?:[A-Z][A-Z0-9]++s?\b|[a-z]++[A-Z]\w*+|[A-Z][a-z]++[A-Z]\w*+|[A-Za-z]++[_/.][A-Za-z]\w*+)"
)
# Day and date words count as facts ("by Friday", "EOD"); "may" and "march" are too ambiguous.
_DATE_WORDS = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight yesterday eod
    january february april june july august september october november december
    """.split()
)
_FIRST = frozenset({"i", "me", "my", "mine", "myself"})
_SECOND = frozenset({"you", "your", "yours", "yourself"})
_WE = frozenset({"we", "us", "our", "ours"})
_PRONOUN_STARTS = frozenset({"This", "These", "It", "They", "Its", "That"})
# One-letter title-case words ("I", "A"), which do not count as names.
_CAPITAL_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NOMINAL_ENDINGS = ("tion", "ment", "ness", "ity", "ance", "ence", "ism")
# Filler for sentence_len_cv when there are too few sentences for a spread to mean anything:
# roughly the spread of human prose, so a one-liner is not read as "uniform".
_CV_FILL = 0.5

# Word lists tallied in one pass over the distinct words: word -> indexes into the tally.
_LISTS: tuple[frozenset[str], ...] = (
    lexicon.STOPWORDS,
    _FIRST,
    _SECOND,
    _WE,
    lexicon.AGENT_WORDS,
    lexicon.CONNECTORS,
    lexicon.HEDGE_WORDS,
    lexicon.INFORMAL_WORDS,
    _DATE_WORDS,
)
_STOP, _FIRST_I, _SECOND_I, _WE_I, _AGENT, _CONNECTOR, _HEDGE, _INFORMAL, _DATE = range(9)
_VOCABULARY: dict[str, tuple[int, ...]] = {
    word: tuple(i for i, words in enumerate(_LISTS) if word in words)
    for word in frozenset().union(*_LISTS)
}


@dataclass(slots=True)
class Evidence:
    """What was found in the text: the numbers and phrases that reasons quote."""

    layout: Layout
    words: int = 0
    sentences: int = 0
    facts: int = 0
    redundancy: float = 0.0
    english_prose: bool = True  # reads as running English prose
    other_letters: int = 0  # letters outside ASCII (other languages and scripts)
    phrases: dict[str, list[str]] = field(default_factory=dict)
    agent_words: list[str] = field(default_factory=list)
    informal_words: list[str] = field(default_factory=list)


def _sentences(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        start = 0
        for match in _SENTENCE_END.finditer(line):
            end = match.start() + 1
            if line[max(start, end - 5) : end].lower().endswith(_ABBREVIATIONS):
                continue
            out.append(line[start : match.end()].rstrip())
            start = match.end()
        if start < len(line):
            out.append(line[start:])
    return out


def _redundancy(sentence_words: list[list[str]]) -> float:
    """Mean, over sentences, of the best word overlap (Jaccard) with an earlier sentence.

    Restating ("In summary, …") shows up as sentences that reuse an earlier one's content words.
    Takes lower-cased words per sentence; looks at the first 30 sentences.
    """
    sets = []
    for words in sentence_words[:30]:
        content = {w for w in set(words) - lexicon.STOPWORDS if len(w) > 2}
        if len(content) >= 4:
            sets.append(content)
    if len(sets) < 2:
        return 0.0
    total = 0.0
    for i in range(1, len(sets)):
        current = sets[i]
        size = len(current)
        best = 0.0
        for earlier in sets[:i]:
            if not current.isdisjoint(earlier):
                inter = len(current & earlier)
                # |a ∪ b| = |a| + |b| - |a ∩ b|: the same integer, without building the union.
                best = max(best, inter / (size + len(earlier) - inter))
        total += best
    return total / (len(sets) - 1)


def _type_token_ratio(lower: list[str]) -> float:
    # Mean TTR over 50-word chunks: plain TTR falls with length, and length is its own feature.
    if len(lower) < 50:
        return len(set(lower)) / max(len(lower), 1)
    chunks = [lower[i : i + 50] for i in range(0, len(lower) - 49, 50)]
    return sum(len(set(c)) for c in chunks) / (50 * len(chunks))


def _tally(counts: Counter[str]) -> tuple[list[int], list[str], list[str], int, int, int]:
    """Word-list counts, agent and informal words found (in order), contractions, -ly, -tion."""
    tally = [0] * len(_LISTS)
    agent: list[str] = []
    informal: list[str] = []
    contractions = adverbs = nominals = 0
    for word, count in counts.items():
        lists = _VOCABULARY.get(word)
        if lists:
            for i in lists:
                tally[i] += count
            if _AGENT in lists:
                agent.append(word)
            if _INFORMAL in lists:
                informal.append(word)
        size = len(word)
        if "'" in word or "’" in word:
            contractions += count
        elif size > 4 and word.endswith("ly"):
            adverbs += count
        elif size > 6 and word.endswith(_NOMINAL_ENDINGS):
            nominals += count
    return tally, agent, informal, contractions, adverbs, nominals


def _other_letters(prose: str) -> int:
    """Letters outside ASCII: accents and other scripts (a fast path for ASCII text)."""
    if prose.isascii():
        return 0
    return sum(1 for c in _NON_ASCII.findall(prose) if c.isalpha())


def _english(ascii_letters: int, other_letters: int, stop_share: float, words: int) -> bool:
    # Non-ASCII letters (accents, other scripts) and a low share of English stop words mean the
    # text is another language, code or a list of names: the style model was not fitted on those.
    if ascii_letters == 0 or other_letters > 0.2 * (ascii_letters + other_letters):
        return False
    return words < 8 or stop_share >= 0.12


def extract(text: str) -> tuple[list[float], Evidence]:
    """Feature vector (ordered as `FEATURE_NAMES`) and evidence for one mrkdwn text.

    Works on any string (empty, code only, emoji only, other languages): rates fall back to 0.
    """
    layout = read_layout(text)
    ev = Evidence(layout=layout)
    prose = "\n".join(layout.lines)
    # Straight apostrophes: assistants often write "it’s", the phrase lists say "it's".
    lower = prose.lower().replace("’", "'")
    sentences = _sentences(layout.lines)
    sentence_words = [_WORD.findall(s) for s in sentences]
    lengths = [len(sw) for sw in sentence_words if sw]
    words = list(chain.from_iterable(sentence_words))
    lower_words = " ".join(words).lower().replace("’", "'").split()
    counts = Counter(lower_words)
    n = len(words)
    nw = max(n, 1)
    n_sent = max(len(lengths), 1)
    ev.words = n
    ev.sentences = len(lengths)

    # Word-length moments from a histogram of lengths: a dozen distinct values, not n.
    length_hist = Counter(map(len, words))
    letters = sum(k * v for k, v in length_hist.items())
    mean_wl = letters / nw
    wl_std = math.sqrt(sum(v * (k - mean_wl) ** 2 for k, v in length_hist.items()) / nw)
    long_words = sum(v for k, v in length_hist.items() if k >= 9)
    tally, ev.agent_words, ev.informal_words, contractions, adverbs, nominals = _tally(counts)
    stop = tally[_STOP]

    mean_len = sum(lengths) / n_sent
    if len(lengths) >= 3 and mean_len > 0:
        cv = math.sqrt(sum((x - mean_len) ** 2 for x in lengths) / len(lengths)) / mean_len
    else:
        cv = _CV_FILL
    # Capitalised words inside a sentence: names ("Priya", "Grafana"), not "I" or "API".
    # Counted over all words at C speed, then the sentence openers taken back out.
    firsts = [sw[0] for sw in sentence_words if sw]
    proper = (
        sum(map(str.istitle, words))
        - sum(map(str.istitle, firsts))
        - sum(map(_CAPITAL_LETTERS.__contains__, words))
        + sum(map(_CAPITAL_LETTERS.__contains__, firsts))
    )
    starts = [s for s in sentences if s[:1].isalpha()]
    lower_start = sum(1 for s in starts if s[0].islower())
    pronoun_start = sum(1 for sw in sentence_words if sw and sw[0] in _PRONOUN_STARTS)
    intro_comma = sum(1 for s in sentences if _INTRO_COMMA.match(s))

    phrases: dict[str, list[str]] = {kind: [] for kind in lexicon.PHRASE_KINDS}
    for kind, start, end in lexicon.find_phrases(lower, counts):
        phrases[kind].append(prose[start:end].strip())
    ev.phrases = {k: list(dict.fromkeys(v)) for k, v in phrases.items()}

    numbers = len(_NUMBER.findall(prose))
    ev.facts = (
        numbers
        + len(_IDENTIFIER.findall(prose))
        + tally[_DATE]
        + proper
        + layout.mentions
        + layout.links
        + layout.inline_code
        + layout.code_blocks
    )
    sentence_lower: list[list[str]] = []
    start = 0
    for sw in sentence_words:
        sentence_lower.append(lower_words[start : start + len(sw)])
        start += len(sw)
    ev.redundancy = _redundancy(sentence_lower)
    ev.other_letters = _other_letters(prose)
    ev.english_prose = _english(letters, ev.other_letters, stop / nw, n)

    return [
        math.log1p(n),
        mean_wl,
        wl_std,
        long_words / nw,
        _type_token_ratio(lower_words),
        mean_len,
        math.log1p(max(lengths, default=0)),
        cv,
        prose.count(",") / nw,
        numbers / nw,
        proper / nw,
        (prose.count('"') + prose.count("“") + prose.count("”")) / nw,
        prose.count("(") / nw,
        (prose.count("—") + prose.count("–") + prose.count(" - ")) / nw,
        (prose.count(":") + prose.count(";")) / nw,
        prose.count("!") / n_sent,
        contractions / nw,
        tally[_FIRST_I] / nw,
        tally[_SECOND_I] / nw,
        tally[_WE_I] / nw,
        tally[_AGENT] / nw,
        tally[_CONNECTOR] / n_sent,
        tally[_HEDGE] / nw,
        tally[_INFORMAL] / nw,
        len(_ING_CLAUSE.findall(lower)) / n_sent,
        adverbs / nw,
        nominals / nw,
        len(_LIST_OF_THREE.findall(prose)) / n_sent,
        stop / nw,
        counts["the"] / nw,
        counts["and"] / nw,
        lower_start / max(len(starts), 1),
        pronoun_start / n_sent,
        intro_comma / n_sent,
        math.log1p(len(phrases["hedge"])),
        math.log1p(len(phrases["assistant_voice"])),
        ev.redundancy,
    ], ev
