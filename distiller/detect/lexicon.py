"""Hand-written word and phrase lists behind the style signals.

The lists come from what people commonly point at in chat-assistant prose (pleasantries, closing
offers, meta-talk, "It's worth noting", the "excess vocabulary" that published studies of LLM text
report, e.g. *delve*, *crucial*, *showcasing*) and from how people write in chat. They were
written by hand, not mined from the evaluation data, so the held-out benchmark is not tuned to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "AGENT_WORDS",
    "CONNECTORS",
    "HEDGE_WORDS",
    "INFORMAL_WORDS",
    "PHRASE_KINDS",
    "STOPWORDS",
    "find_phrases",
]

# Phrase families. Each is a feature (count) and, when found, a quoted reason. Every pattern
# comes with trigger words, one of which any match must contain: a pattern is only run on a
# text holding one of its triggers, which keeps the scan cheap (most messages trigger none).
# Patterns are lower case and see lower-cased text with curly apostrophes made straight.
_PHRASE_LISTS: dict[str, tuple[tuple[str, str], ...]] = {
    "pleasantry": (
        ("question", r"(?:great|good|excellent) question"),
        (
            "happy glad delighted",
            r"(?:i'?m|i am|i'?d be|i would be) (?:happy|glad|delighted) to (?:help|assist)",
        ),
        ("help", r"(?:happy|glad) to help"),
        (
            "thanks thank",
            r"thanks? (?:you )?for (?:asking|reaching out|sharing|your (?:question|patience))",
        ),
        (
            "hope",
            r"i hope (?:this|that) (?:helps|clarifies|is helpful|makes sense|message finds you)",
        ),
        ("hope", r"hope (?:this|that) helps"),
        ("hope", r"hope you(?:'re| are) (?:doing )?well"),
        (
            "thrilled excited delighted",
            r"(?:we'?re|i'?m|we are|i am) (?:thrilled|excited|delighted) to (?:announce|share)",
        ),
        ("exciting", r"exciting news"),
        ("love", r"(?:we'?d|i'?d) love to hear (?:your |any )?(?:feedback|thoughts)"),
        (
            "deploying coding hacking shipping testing",
            r"happy (?:deploying|coding|hacking|shipping|testing)!",
        ),
        (
            "certainly absolutely course sure",
            r"(?:^|(?<=[\n.!?] ))(?:certainly|absolutely|of course|sure thing)!",
        ),
    ),
    "closing_offer": (
        ("know", r"(?:just )?let me know if"),
        ("free", r"feel free to"),
        ("hesitate", r"(?:do not|don'?t) hesitate to"),
        (
            "questions concerns",
            r"if you have any (?:other |further |more |additional )?(?:questions|concerns)",
        ),
        ("happy", r"happy to (?:elaborate|dig|clarify|assist|walk|expand|go)"),
        ("like", r"would you like me to"),
        ("also", r"i can also (?:help|provide|draft|share|put together)"),
        ("reach", r"reach out if"),
    ),
    "meta_talk": (
        (
            "summary overview breakdown rundown recap update",
            r"here(?:'s| is) (?:a |an |the )?(?:quick |brief |short |high-level |detailed )?"
            r"(?:summary|overview|breakdown|rundown|recap|update)",
        ),
        ("below", r"below is (?:a |an |the )"),
        (
            "let's lets",
            r"let'?s (?:dive|break (?:it|this) down|take a (?:closer )?look|explore|walk through)",
        ),
        (
            "explain break walk summarize",
            r"let me (?:explain|break (?:it|this) down|walk you through|summarize)",
        ),
        ("summarize summarise recap sum", r"to (?:summarize|summarise|recap|sum up|sum it up)"),
        ("summary conclusion short nutshell", r"in (?:summary|conclusion|short|a nutshell)"),
        ("takeaway takeaways points highlights", r"key (?:takeaways?|points|highlights)"),
        ("model", r"as a (?:large )?language model"),
        (
            "important worth crucial essential",
            r"it(?:'s| is) (?:important|worth|crucial|essential) (?:to (?:note|remember|consider|"
            r"understand|keep in mind)|noting|mentioning|highlighting)",
        ),
        ("noted", r"it should be noted"),
        ("mind", r"(?:keep|bear) in mind"),
        ("note", r"please note that"),
        ("overall", r"overall,"),
        ("said mind words", r"(?:that said|with that in mind|in other words),"),
        ("step steps", r"next steps?:"),
    ),
    # How a chat assistant talks about itself and the conversation.
    "assistant_voice": (
        (
            "ai artificial",
            r"(?:as |i am |i'?m )an? (?:ai|artificial intelligence)\b"
            r"(?: (?:language )?model| assistant)?",
        ),
        ("openai", r"(?:developed|trained|created) by openai"),
        ("sorry", r"i'?m sorry,? but"),
        ("apologize apologise", r"i apologi[sz]e"),
        ("referring", r"(?:you'?re|you are) referring to"),
        ("helpful", r"it would be helpful (?:to know|if you)"),
        (
            "clarify provide specify rephrase",
            r"could you (?:please )?(?:clarify|provide (?:more|additional)|specify|rephrase)",
        ),
        ("my today now", r"as of (?:my|today|now)\b"),
        ("cutoff", r"knowledge cutoff"),
        ("have", r"i (?:do not|don'?t) have (?:access|information|personal|the ability|real-time)"),
        ("cannot can't", r"i (?:cannot|can'?t) (?:provide|browse|access|predict|answer)"),
        ("here", r"here are (?:some|a few)"),
        ("examples", r"(?:some|a few) (?:notable |common )?examples include"),
        ("ones", r"(?:the|some) (?:common|key|main) ones include"),
    ),
    "hedge": (
        ("depends varies", r"it (?:depends|varies)"),
        ("vary", r"(?:may|can|might) vary"),
        ("evidence", r"there is no (?:scientific |conclusive |definitive |strong )?evidence"),
        (
            "possible likely unlikely difficult recommended generally accurate true misconception",
            r"it is (?:not )?(?:possible|likely|unlikely|difficult|recommended|generally|"
            r"not accurate|not true|a common misconception)",
        ),
        ("generally", r"it(?:'s| is) generally"),
        ("cases", r"in (?:some|many|most) cases"),
        ("may", r"(?:may|might) or may not"),
        ("while although", r"(?:while|although) (?:it|this|there) (?:is|are|may|can)"),
        ("depending", r"depending on"),
    ),
}

PHRASE_KINDS: tuple[str, ...] = tuple(_PHRASE_LISTS)


@dataclass(frozen=True, slots=True)
class _Phrase:
    """One phrase pattern: `exact` is what counts; `scan` finds where it can start, fast.

    `exact` is `\\b` + the pattern. A leading `\\b` hides the pattern's literal start from
    the `re` engine, which then tries a full match at every character (about 20 µs on 1 KB);
    without it, `re` jumps between occurrences of the literal start ("hope ", "let me").
    `scan` matches wherever `exact` does and more (mid-word), so `exact` confirms each place.
    """

    kind: str
    exact: re.Pattern[str]
    scan: re.Pattern[str]

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of the matches `self.exact.finditer(text)` gives, in the same order."""
        pos = 0
        while (candidate := self.scan.search(text, pos)) is not None:
            # The leftmost place `exact` matches is one of the places `scan` matches: confirm
            # there. `pos` keeps the text before it visible, so `\\b` and look-behinds read
            # exactly what they read in a plain scan.
            found = self.exact.match(text, candidate.start())
            if found is None:
                pos = candidate.start() + 1
                continue
            yield found.start(), found.end()
            # Non-empty matches (every pattern has words), so finditer resumes at the end.
            pos = found.end()


_PHRASES: tuple[_Phrase, ...] = tuple(
    _Phrase(kind, re.compile(r"\b" + pattern), re.compile(pattern))
    for kind, entries in _PHRASE_LISTS.items()
    for _, pattern in entries
)
_TRIGGERS: dict[str, tuple[int, ...]] = {}
for _index, (_trigger_words, _) in enumerate(
    entry for entries in _PHRASE_LISTS.values() for entry in entries
):
    for _word in _trigger_words.split():
        _TRIGGERS[_word] = (*_TRIGGERS.get(_word, ()), _index)
_TRIGGER_WORDS = frozenset(_TRIGGERS)


def find_phrases(lower: str, words: Iterable[str]) -> list[tuple[str, int, int]]:
    """(family, start, end) of every phrase in `lower`, in text order, without overlaps.

    `lower` is the lower-cased text (straight apostrophes), `words` its distinct words.
    """
    hits = _TRIGGER_WORDS.intersection(words)
    if not hits:
        return []
    candidates = sorted({i for w in hits for i in _TRIGGERS[w]})
    found: list[tuple[int, int, str]] = []
    for i in candidates:
        phrase = _PHRASES[i]
        found.extend((start, end, phrase.kind) for start, end in phrase.finditer(lower))
    found.sort(key=lambda f: (f[0], -f[1]))
    out: list[tuple[str, int, int]] = []
    end = -1
    for start, stop, kind in found:
        if start >= end:  # a phrase inside another ("hope this helps") counts once
            out.append((kind, start, stop))
            end = stop
    return out


# Vocabulary that chat assistants overuse compared with people (published "excess word" lists).
AGENT_WORDS = frozenset(
    """
    delve delves delving crucial crucially pivotal intricate intricacies meticulous
    meticulously comprehensive showcase showcases showcasing underscore underscores
    underscoring highlighting notably ensure ensures ensuring enhance enhances enhancing foster
    fosters fostering leverage leveraging robust seamless seamlessly streamline streamlined
    vital essential valuable invaluable insights landscape realm tapestry testament journey
    navigate navigating embark embarked unwavering profound profoundly vibrant bustling
    palpable resonate resonated resonates poised nuanced multifaceted holistic paramount
    commendable noteworthy utilize utilizing utilization facilitate facilitates facilitating
    optimal innovative transformative boasts elevate empower empowering captivating intriguing
    remarkable meaningful dynamic interplay harness harnessing thrive thriving amidst align
    aligns aligned aligning overarching endeavor endeavors endeavour whimsical enigmatic serene
    solace camaraderie indelible unparalleled invigorating myriad plethora countless
    encompasses encompassing proactive proactively actionable stakeholders
    """.split()
)


# Discourse connectors that stitch assistant paragraphs together.
CONNECTORS = frozenset(
    """
    additionally furthermore moreover however overall ultimately consequently therefore thus
    hence importantly subsequently nevertheless nonetheless
    """.split()
)


HEDGE_WORDS = frozenset(
    """
    may might could generally typically usually often potentially possibly likely perhaps
    somewhat relatively various certain several can
    """.split()
)


# Chat shorthand people type and assistants almost never do. (Not "EOD", "ETA", "FYI", "ASAP":
# agents' status updates use those too.)
INFORMAL_WORDS = frozenset(
    """
    lol lmao yeah yep yup nope ok okay gonna wanna kinda sorta btw fwiw imo imho tbh pls plz
    thx ty np idk iirc afaik hmm ugh wtf omg nvm brb dont cant wont im ive
    thats
    """.split()
)


# Common English function words: their share tells English prose from other languages and code.
STOPWORDS = frozenset(
    """
    the a an and or but if of to in on at by for with from as is are was were be been being it
    its this that these those he she they we you i me my our your their his her them us not no
    so do does did have has had will would should can could there here what which who when
    where how than then also just about into over after before up out more most some any all
    """.split()
)
