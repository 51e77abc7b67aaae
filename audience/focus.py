"""Focus terms from a reader's question: the words that say what it is about.

The engine scores units by how many focus words they contain, so a question's scaffolding
("What did … say about …", "Summarize the discussion of …") only dilutes the focus: every
sentence of a meeting "discusses" something. Measured on QMSum validation (bench_personas.py):
the scaffolding-free terms score above the raw question.
"""

from __future__ import annotations

import re

from distiller.words import STOPWORDS, stem

__all__ = ["focus_terms"]

_WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
# Words that frame a question rather than name its subject; compared after stemming.
_SCAFFOLD = frozenset(
    stem(word)
    for word in """what why how when who whom which whose whether summarize summarise summary
    discuss discussed discussing discussion discussions talk talked talking say said saying
    think thought opinion opinions view views mention mentioned comment comments describe
    described explain explained elaborate elaborated respond responded response reply replied
    tell told meeting group team regarding toward towards conclude concluded conclusion
    present presenting presented put forward reason reasons idea ideas anything everything
    something part parts kind whole upon""".split()
)


def focus_terms(query: str) -> tuple[str, ...]:
    """The subject words of `query`, in order, without stop-words or question scaffolding.

    Falls back to the query's content words when nothing is left (a question about "the
    meeting" is about the meeting), and to () for an empty query.
    """
    words = [w for w in _WORD_RE.findall(query) if w.lower() not in STOPWORDS]
    kept = [w for w in words if stem(w.lower()) not in _SCAFFOLD]
    return tuple(dict.fromkeys(kept or words))
