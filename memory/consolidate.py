"""Consolidation on write: merge near-duplicates, supersede statements a newer one contradicts.

Given a new record and its nearest current neighbours *of the same visibility*, `plan_write`
decides one of three things:
- duplicate: cosine >= `duplicate_threshold` and the same values -> the existing record gets
  the new source appended and `seen_count + 1`; nothing is inserted;
- supersession: the same subject (similar vector and mostly the same subject words) with
  different values (a changed ETA, a reverted flag, a new owner) -> the older one gets
  `invalid_at` and `superseded_by`; history is kept, never deleted;
- otherwise a plain insert.
"Values" are the tokens a fact turns on: numbers, dates, weekdays, mentions, on/off words.
The vector alone cannot tell "ETA Friday" from "ETA Monday" (MiniLM puts them close to 0.95), so
both rules look at values as well as at the cosine.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .partitions import inner_products
from .record import Record, Source

__all__ = [
    "DEFAULT_DUPLICATE_THRESHOLD",
    "DEFAULT_SUBJECT_OVERLAP",
    "DEFAULT_SUBJECT_THRESHOLD",
    "ConsolidationPolicy",
    "WritePlan",
    "content_hash",
    "plan_batch",
    "plan_write",
    "subject_words",
    "value_tokens",
]

DEFAULT_DUPLICATE_THRESHOLD = 0.92
DEFAULT_SUBJECT_THRESHOLD = 0.5
DEFAULT_SUBJECT_OVERLAP = 0.6
_FLOOR_MARGIN = 0.2

_WORD = re.compile(r"<[@#!][^>]+>|@[\w.-]+|[A-Za-z0-9][\w.:/%-]*")
_NUMBERISH = re.compile(r"^v?\d[\d.,:/%-]*[a-z]*$")
_STATE_WORDS = frozenset(
    """on off enabled disabled enable disable true false yes no up down open closed resolved
    unresolved blocked unblocked reverted rolled green red yellow live paused frozen
    unfrozen approved rejected done pending cancelled canceled delayed failing passing
    healthy degraded monday tuesday wednesday thursday friday saturday sunday today
    tomorrow yesterday tonight january february march april may june july august september
    october november december jan feb mar apr jun jul aug sep sept oct nov dec q1 q2 q3 q4
    eod eow""".split()
)
_STOP = (
    frozenset(
        """a an the is are was were be been being to of in on for by with at from and or but it
        its this that these those now still again also has have had will would should can could
        as so not new old our we they he she their there here then than into over""".split()
    )
    - _STATE_WORDS
)


def _tokens(text: str) -> list[str]:
    return [token.lower().rstrip(".,:;") for token in _WORD.findall(text)]


def _is_value(token: str) -> bool:
    return (
        token.startswith(("<@", "<#", "@"))
        or token in _STATE_WORDS
        or bool(_NUMBERISH.match(token))
    )


def value_tokens(text: str) -> frozenset[str]:
    """The tokens a statement's truth turns on: numbers, dates, mentions, state words."""
    return frozenset(token for token in _tokens(text) if _is_value(token))


def subject_words(text: str) -> frozenset[str]:
    """What a statement is about: its content words once values and stop words are removed."""
    return frozenset(
        token for token in _tokens(text) if token and not _is_value(token) and token not in _STOP
    )


def content_hash(text: str, visibility_key: str) -> str:
    """Hash of the normalised text within one visibility; equal hashes are exact duplicates."""
    normal = " ".join(text.lower().split())
    return hashlib.sha256(f"{visibility_key}\n{normal}".encode()).hexdigest()


@dataclass(frozen=True)
class ConsolidationPolicy:
    """Thresholds of consolidation; `enabled=False` stores every statement as given."""

    duplicate_threshold: float = DEFAULT_DUPLICATE_THRESHOLD
    subject_threshold: float = DEFAULT_SUBJECT_THRESHOLD
    subject_overlap: float = DEFAULT_SUBJECT_OVERLAP
    enabled: bool = True

    @property
    def relevance_floor(self) -> float:
        """Neighbours scoring below this cannot change a plan, so a store need not read them.
        The one rule that ignores the score, an exact duplicate (the same normalised text),
        holds only for texts whose cosine is ~1; a margin covers embedders whose output moves
        slightly with batching."""
        return min(self.duplicate_threshold, self.subject_threshold) - _FLOOR_MARGIN


@dataclass(frozen=True)
class WritePlan:
    """What one write changes, applied atomically by a backend: new rows, rewritten rows
    (full bodies), deleted ids. `result` is the record the caller should see."""

    result: Record
    action: str  # "inserted" | "merged" | "unchanged"
    inserts: tuple[tuple[Record, np.ndarray], ...] = ()
    updates: tuple[Record, ...] = ()
    deletes: tuple[str, ...] = ()
    superseded: tuple[str, ...] = field(default=())


def _same_subject(a: str, b: str, overlap: float) -> bool:
    words_a, words_b = subject_words(a), subject_words(b)
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / len(words_a | words_b) >= overlap


def with_source(record: Record, source: Source) -> Record:
    """The record having also been seen in `source`; re-delivering a known message is a no-op."""
    if any(known.key == source.key for known in record.sources):
        return record
    return record.model_copy(
        update={"sources": (*record.sources, source), "seen_count": record.seen_count + 1}
    )


def plan_write(
    new: Record,
    vector: np.ndarray,
    neighbours: list[tuple[Record, float]],
    policy: ConsolidationPolicy,
) -> WritePlan:
    """Decide how `new` enters the store, given its current same-visibility neighbours
    (best first, with cosine scores). Pure: the caller applies the plan."""
    if not policy.enabled:
        return WritePlan(result=new, action="inserted", inserts=((new, vector),))
    new_values = value_tokens(new.text)
    for old, score in neighbours:
        exact = old.content_hash == new.content_hash
        if exact or (score >= policy.duplicate_threshold and value_tokens(old.text) == new_values):
            merged = with_source(old, new.source)
            if merged is old:
                return WritePlan(result=old, action="unchanged")
            return WritePlan(result=merged, action="merged", updates=(merged,))
    conflicts = [
        old
        for old, score in neighbours
        if score >= policy.subject_threshold
        and new_values
        and value_tokens(old.text)
        and value_tokens(old.text) != new_values
        and _same_subject(old.text, new.text, policy.subject_overlap)
    ]
    outdated = [old for old in conflicts if old.valid_from <= new.valid_from]
    later = [old for old in conflicts if old.valid_from > new.valid_from]
    if later:
        # A late-arriving older statement (a backfill): it goes straight into history.
        winner = min(later, key=lambda old: old.valid_from)
        new = new.model_copy(update={"invalid_at": winner.valid_from, "superseded_by": winner.id})
    updates = tuple(
        old.model_copy(update={"invalid_at": new.valid_from, "superseded_by": new.id})
        for old in outdated
    )
    return WritePlan(
        result=new,
        action="inserted",
        inserts=((new, vector),),
        updates=updates,
        superseded=tuple(old.id for old in outdated),
    )


def plan_batch(
    records: Sequence[Record],
    vectors: np.ndarray,
    lookup: Callable[[list[int], int], list[list[tuple[Record, float]]]],
    policy: ConsolidationPolicy,
    neighbours: int,
) -> list[WritePlan]:
    """Plan a batch exactly as if its records were written one after another: record i is
    planned against its `neighbours` nearest current same-visibility records as plans 0..i-1 left
    them, the records they inserted included. `lookup(positions, k)` gives, for each position,
    the top-k current same-visibility records *stored before the batch*; it is called once for
    the batch, and again for a record only if earlier plans retired some of its neighbours."""
    if not policy.enabled:
        pairs = zip(records, vectors, strict=True)
        return [plan_write(record, vector, [], policy) for record, vector in pairs]
    fetched = lookup(list(range(len(records))), neighbours)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    similar = inner_products(vectors, vectors)  # cosines within the batch
    latest: dict[str, Record] = {}  # records the batch inserted or changed, as they are now
    retired: dict[str, set[str]] = {}  # visibility -> stored records the batch made history
    inserted: dict[str, list[tuple[str, int]]] = {}  # visibility -> (id, position in batch)
    mine: set[str] = set()  # ids the batch inserted
    plans = []
    for position, (record, vector) in enumerate(zip(records, vectors, strict=True)):
        visibility = record.visibility.key
        gone = retired.get(visibility, set())
        stored = fetched[position]
        if gone and len(stored) == neighbours and any(old.id in gone for old, _ in stored):
            # Retired neighbours leave holes that deeper stored records would fill.
            stored = lookup([position], neighbours + len(gone))[0]
        candidates = [
            (latest.get(old.id, old), score) for old, score in stored if old.id not in gone
        ]
        for record_id, earlier in inserted.get(visibility, ()):
            if latest[record_id].is_current:
                candidates.append((latest[record_id], float(similar[position, earlier])))
        candidates.sort(key=lambda pair: pair[1], reverse=True)
        plan = plan_write(record, vector, candidates[:neighbours], policy)
        plans.append(plan)
        for new, _ in plan.inserts:
            latest[new.id] = new
            mine.add(new.id)
            inserted.setdefault(new.visibility.key, []).append((new.id, position))
        for changed in plan.updates:
            latest[changed.id] = changed
            if changed.id not in mine and not changed.is_current:
                retired.setdefault(changed.visibility.key, set()).add(changed.id)
    return plans
