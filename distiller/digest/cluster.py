"""Grouping top-level messages into conversations by meaning and time.

Messages are read in time order. Each joins the conversation of the earlier message (within
`max_gap` seconds) it is most similar to, by the cosine of the embedder's unit vectors minus a
penalty that grows with the time between them, when that clears a threshold; otherwise it starts
a conversation. Very short messages ("+1", "lol", "thanks!") carry no meaning to embed: they
join the conversation of the last person who spoke, if they spoke within `reply_gap` seconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import lexicon
from ..compress import boilerplate_kind
from ..embed import Embedder, HashingEmbedder
from ..mrkdwn import parse_units
from ..words import content_words
from .inputs import DigestMessage

__all__ = [
    "DEFAULT_MAX_GAP",
    "DEFAULT_REPLY_GAP",
    "DEFAULT_SIMILARITY",
    "ClusterOptions",
    "cluster_messages",
    "similarity_for",
]

# Cosine thresholds per embedder, set on hand-written pairs of channel messages (same subject in
# other words vs other subjects): hashing over content words gave 0.25-0.50 vs 0.0, MiniLM
# 0.67-0.91 vs 0.05-0.23.
DEFAULT_SIMILARITY = {"hashing-384": 0.20, "all-MiniLM-L6-v2": 0.45}
FALLBACK_SIMILARITY = 0.45
DEFAULT_MAX_GAP = 4 * 3600.0
DEFAULT_REPLY_GAP = 600.0
# How much the threshold rises from a gap of 0 to a gap of max_gap.
GAP_PENALTY = 0.25
# Content words a lexical (hashing) link needs in common.
MIN_SHARED_WORDS = 2
# Candidates tried, best first, before a message starts a conversation of its own.
LINK_TRIES = 5
# The topic is in a message's opening; the rest of a long post only costs embedding time.
EMBED_CHARS = 400
MIN_CONTENT_WORDS = 3

_ENTITY_RE = re.compile(r"<[@#!][^<>]*>|<(?:https?|mailto)[^<>|]*\|?([^<>]*)>|:[a-z0-9_+'-]+:")


@dataclass(frozen=True)
class ClusterOptions:
    """Knobs of the clustering; None similarity picks the embedder's default."""

    similarity: float | None = None
    max_gap: float = DEFAULT_MAX_GAP
    reply_gap: float = DEFAULT_REPLY_GAP


def similarity_for(embedder: Embedder, options: ClusterOptions) -> float:
    """The cosine threshold for `embedder`: the option if set, else its default."""
    if options.similarity is not None:
        return options.similarity
    return DEFAULT_SIMILARITY.get(embedder.name, FALLBACK_SIMILARITY)


def embed_text(text: str) -> str:
    """What is embedded: the message's content units (greetings, pleasantries and meta-talk
    out: agents open every post alike), words and link labels only, the first EMBED_CHARS."""
    parts: list[str] = []
    size = 0
    for unit in parse_units(text[: EMBED_CHARS * 4]):
        if unit.kind in ("code", "heading") or boilerplate_kind(unit.text):
            continue
        bare = lexicon.META_PREFIX_RE.sub("", unit.text)
        bare = " ".join(_ENTITY_RE.sub(lambda m: f" {m.group(1) or ''} ", bare).split())
        if bare:
            parts.append(bare)
            size += len(bare) + 1
        if size >= EMBED_CHARS:
            break
    return " ".join(parts)[:EMBED_CHARS]


def cluster_messages(
    messages: Sequence[DigestMessage], embedder: Embedder, options: ClusterOptions
) -> list[list[DigestMessage]]:
    """Conversations (lists of messages in time order), ordered by their first message.

    `messages` must be in time order. Each joins the conversation of its most similar earlier
    message within `max_gap` (single link, the similarity lowered by the time between them),
    when that clears the threshold. Linking to a member rather than to a centroid keeps a
    long-running conversation from drifting into a catch-all.
    """
    if not messages:
        return []
    texts = [embed_text(m.text) for m in messages]
    words = [content_words(t) for t in texts]
    tiny = [len(w) < MIN_CONTENT_WORDS for w in words]
    lexical = isinstance(embedder, HashingEmbedder)
    if lexical:
        # Feature hashing cannot down-weight "the" and "is": give it the content words only
        # (unrelated messages then share no feature; a sentence model wants the sentence).
        texts = [" ".join(w) for w in words]
    word_sets = [frozenset(w) for w in words]
    vectors = np.zeros((len(messages), embedder.dimension), dtype=np.float32)
    rows = [i for i, small in enumerate(tiny) if not small]
    if rows:
        vectors[rows] = embedder.embed([texts[i] for i in rows])
    times = np.array([m.time for m in messages], dtype=np.float64)
    threshold = similarity_for(embedder, options)
    owner = np.full(len(messages), -1, dtype=np.int64)
    count = 0
    for index in range(len(messages)):
        now = times[index]
        target = -1
        if tiny[index]:
            # "+1" or "lol" answers the person who spoke last, if anyone spoke recently.
            for earlier in range(index - 1, -1, -1):
                if now - times[earlier] > options.reply_gap:
                    break
                if not messages[earlier].posted_by_app:
                    target = int(owner[earlier])
                    break
        else:
            first = int(np.searchsorted(times, now - options.max_gap, side="left"))
            if first < index:
                window = slice(first, index)
                score = vectors[window] @ vectors[index]
                score -= GAP_PENALTY * (now - times[window]) / options.max_gap
                score[np.array(tiny[first:index])] = -1.0  # tiny messages hold no meaning
                for best in np.argsort(-score, kind="stable")[:LINK_TRIES]:
                    if score[best] < threshold:
                        break
                    # Over hundreds of candidates the best hashed cosine of short texts is
                    # often one generic word ("anyone") or a collision: ask for two shared words.
                    shared = word_sets[index] & word_sets[first + int(best)]
                    if not lexical or len(shared) >= MIN_SHARED_WORDS:
                        target = int(owner[first + int(best)])
                        break
        if target < 0:
            target, count = count, count + 1
        owner[index] = target
    groups: list[list[DigestMessage]] = [[] for _ in range(count)]
    for index, message in enumerate(messages):
        groups[int(owner[index])].append(message)
    return groups
