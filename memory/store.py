"""The `MemoryStore` seam: a small abstract core, with everything else in the base.

Backends implement five primitives: `_search` (filtered *before* ranking), `_find`, `_apply`
(write plans, in one atomic transaction), `_count` and `close`; `_search_many` may be overridden
to batch the consolidation lookups of a write. The base owns secret redaction,
embedding, consolidation, access control on every read, deletes by message or channel, and
retention, so both backends behave the same and one conformance suite tests them.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from distiller.embed import Embedder
from distiller.redact import redact_secrets

from . import messages
from .acl import Principal, Readable
from .consolidate import ConsolidationPolicy, WritePlan, content_hash, plan_batch
from .errors import AccessDeniedError, InvalidRecordError, MemoryStoreError, RecordNotFoundError
from .record import Kind, Record, Source, Visibility, utcnow

__all__ = [
    "MAX_K",
    "Draft",
    "Hit",
    "MemoryStore",
    "Stats",
    "Where",
    "WriteResult",
]

MAX_K = 1000
# How many same-visibility neighbours consolidation looks at for each write.
CONSOLIDATION_NEIGHBOURS = 8


class Draft(BaseModel):
    """A statement to remember, before redaction, embedding and consolidation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    source: Source
    visibility: Visibility
    kind: Kind = Kind.FACT
    tags: tuple[str, ...] = ()
    valid_from: datetime | None = None


@dataclass(frozen=True)
class WriteResult:
    """What a write did: "inserted", "merged" (into an existing duplicate) or "unchanged"."""

    record: Record
    action: str
    superseded: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    """A search result: the record and its cosine similarity to the query."""

    record: Record
    score: float


@dataclass(frozen=True)
class Stats:
    current: int
    total: int
    backend: str


@dataclass(frozen=True)
class Where:
    """A record filter that backends turn into SQL. `readable=None` means no ACL filter and is
    only used by maintenance paths (deletes, retention), never by a caller's read."""

    readable: Readable | None = None
    ids: tuple[str, ...] | None = None
    source: tuple[str, str, str] | None = None  # any of the record's sources is this message
    channel: tuple[str, str] | None = None  # any of the record's sources is in this channel
    superseded_by: str | None = None
    current_only: bool = False
    kinds: tuple[str, ...] | None = None
    valid_before: datetime | None = None


class MemoryStore(ABC):
    """Shared vector memory of distilled statements. Thread-safe within a process."""

    backend: str = "abstract"

    def __init__(self, embedder: Embedder, *, policy: ConsolidationPolicy | None = None) -> None:
        self.embedder = embedder
        self.dimension = embedder.dimension
        self.policy = policy or ConsolidationPolicy()
        # Consolidation reads neighbours then writes; one writer at a time keeps that atomic.
        self._write_lock = threading.RLock()

    # -- the abstract core -------------------------------------------------------------------

    @abstractmethod
    def _search(
        self, vector: np.ndarray, readable: Readable, k: int, include_history: bool
    ) -> list[tuple[Record, float]]:
        """Top-k records by cosine among those `readable` allows, filtered before ranking."""

    @abstractmethod
    def _find(self, where: Where) -> Iterator[Record]:
        """Records matching `where`, in insertion order."""

    @abstractmethod
    def _apply(self, plans: Sequence[WritePlan]) -> None:
        """Apply the plans' inserts, updates and deletes, plan after plan, in one transaction:
        all of them durably, or none."""

    def _search_many(
        self,
        vectors: np.ndarray,
        readable: Readable,
        k: int,
        include_history: bool,
        min_score: float | None = None,
    ) -> list[list[tuple[Record, float]]]:
        """`_search` for each vector with one readable set, leaving out hits scoring below
        `min_score` (their records need not even be read); backends may batch it."""
        return [
            [hit for hit in self._search(vector, readable, k, include_history)
             if min_score is None or hit[1] >= min_score]
            for vector in vectors
        ]  # fmt: skip

    @abstractmethod
    def _count(self) -> tuple[int, int]:
        """(current records, all records)."""

    @abstractmethod
    def close(self) -> None:
        """Release files, locks and connections; the store is unusable afterwards."""

    # -- writes ------------------------------------------------------------------------------

    def add(
        self,
        text: str,
        *,
        source: Source,
        visibility: Visibility,
        kind: Kind | str = Kind.FACT,
        tags: Sequence[str] = (),
        valid_from: datetime | None = None,
        principal: Principal | None = None,
    ) -> WriteResult:
        """Redact, embed and store one statement, consolidating it with what is known.
        Raises InvalidRecordError if nothing is left after redaction, AccessDeniedError if
        `principal` is given and may not write `visibility`."""
        draft = Draft(
            text=text,
            source=source,
            visibility=visibility,
            kind=Kind(kind),
            tags=tuple(tags),
            valid_from=valid_from,
        )
        return self.add_many([draft], principal=principal)[0]

    def add_many(
        self, drafts: Sequence[Draft], *, principal: Principal | None = None
    ) -> list[WriteResult]:
        """Store many statements: one batched embedding call, one consolidation lookup and one
        durable transaction for the whole batch, so either every draft is stored or none is.
        Drafts are consolidated in order, as if added one by one (a later draft may merge into
        an earlier one)."""
        records = [self._prepare(draft, principal) for draft in drafts]
        if not records:
            return []
        vectors = self.embedder.embed([record.text for record in records])
        if vectors.shape[1] != self.dimension:
            raise InvalidRecordError(
                messages.EMBEDDER_DIMENSION.format(have=vectors.shape[1], want=self.dimension)
            )

        floor = self.policy.relevance_floor

        def lookup(positions: list[int], k: int) -> list[list[tuple[Record, float]]]:
            found: dict[int, list[tuple[Record, float]]] = {}
            by_visibility: dict[Visibility, list[int]] = {}
            for position in positions:
                by_visibility.setdefault(records[position].visibility, []).append(position)
            for visibility, group in by_visibility.items():
                hits = self._search_many(vectors[group], Readable.only(visibility), k, False, floor)
                found.update(zip(group, hits, strict=True))
            return [found[position] for position in positions]

        with self._write_lock:
            plans = plan_batch(records, vectors, lookup, self.policy, CONSOLIDATION_NEIGHBOURS)
            writes = [plan for plan in plans if plan.inserts or plan.updates or plan.deletes]
            if writes:
                self._apply(writes)
        return [WriteResult(plan.result, plan.action, plan.superseded) for plan in plans]

    def _prepare(self, draft: Draft, principal: Principal | None) -> Record:
        if principal is not None and not principal.can_write(draft.visibility):
            raise AccessDeniedError(
                messages.WRITE_DENIED.format(
                    team=",".join(sorted(principal.teams)), visibility=draft.visibility.key
                )
            )
        # Every string that is stored passes through redaction, not only the statement.
        text = " ".join(_redact(draft.text).split())
        if not text:
            raise InvalidRecordError(messages.EMPTY_TEXT)
        source = draft.source.model_copy(
            update={
                "permalink": _redact(draft.source.permalink),
                "channel_name": _redact(draft.source.channel_name),
                "author": _redact(draft.source.author),
            }
        )
        now = utcnow()
        valid_from = draft.valid_from or source.posted_at() or now
        return Record(
            text=text,
            kind=draft.kind,
            source=source,
            visibility=draft.visibility,
            tags=tuple(_redact(tag) for tag in draft.tags),
            created_at=now,
            valid_from=valid_from,
            content_hash=content_hash(text, draft.visibility.key),
            sources=(source,),
        )

    # -- reads (every one filtered by the principal's readable set) ---------------------------

    def search(
        self,
        query: str,
        principal: Principal,
        *,
        k: int = 10,
        include_history: bool = False,
    ) -> list[Hit]:
        """The k records most similar to `query` that `principal` may read, best first.
        Superseded records are left out unless `include_history`."""
        if not 1 <= k <= MAX_K:
            raise InvalidRecordError(messages.BAD_K.format(high=MAX_K, value=k))
        readable = principal.readable()
        vector = self.embedder.embed([_redact(query)])[0]
        hits = self._search(vector, readable, k, include_history)
        # Belt and braces: the backend already filtered; a leak here would be a backend bug.
        return [Hit(record, score) for record, score in hits if readable.allows_record(record)]

    def get(self, record_id: str, principal: Principal) -> Record:
        """The record with this id if `principal` may read it (history included);
        RecordNotFoundError otherwise, so a forbidden id looks like an absent one."""
        where = Where(readable=principal.readable(), ids=(record_id,))
        for record in self._find(where):
            return record
        raise RecordNotFoundError(
            messages.NOT_FOUND.format(record_id=record_id), record_id=record_id
        )

    def export(self, principal: Principal, *, include_history: bool = True) -> Iterator[Record]:
        """Every record `principal` may read, oldest first."""
        where = Where(readable=principal.readable(), current_only=not include_history)
        return self._find(where)

    def context(self, query: str, principal: Principal, budget_tokens: int = 800, **kwargs: Any):
        """A token-budgeted, cited block of the most relevant current records; see context.py."""
        from .context import build_context

        return build_context(self, query, principal, budget_tokens, **kwargs)

    def stats(self) -> Stats:
        current, total = self._count()
        return Stats(current=current, total=total, backend=self.backend)

    # -- deletes (real: gone from the index and the database) --------------------------------

    def delete(self, record_ids: Iterable[str]) -> int:
        """Delete records by id; returns how many existed. Records they superseded become
        current again, since the statement that replaced them is gone."""
        with self._write_lock:
            doomed = list(self._find(Where(ids=tuple(record_ids))))
            self._delete_records(doomed)
            return len(doomed)

    def delete_source(self, workspace: str, channel_id: str, ts: str) -> int:
        """Forget a deleted Slack message: it is removed from every record's sources and a
        record left with no source is deleted. Returns the number of records touched."""
        with self._write_lock:
            return self._forget_sources(Where(source=(workspace, channel_id, ts)))

    def delete_channel(self, workspace: str, channel_id: str) -> int:
        """Forget everything learnt from one channel (e.g. the channel was deleted)."""
        with self._write_lock:
            return self._forget_sources(Where(channel=(workspace, channel_id)))

    def purge_expired(self, ttl: dict[str, timedelta], *, now: datetime | None = None) -> int:
        """Retention: delete records of each kind in `ttl` whose `valid_from` is older than
        its time-to-live. Returns how many were deleted."""
        now = now or utcnow()
        deleted = 0
        with self._write_lock:
            for kind, age in ttl.items():
                doomed = list(self._find(Where(kinds=(Kind(kind).value,), valid_before=now - age)))
                self._delete_records(doomed)
                deleted += len(doomed)
        return deleted

    def _forget_sources(self, where: Where) -> int:
        touched = list(self._find(where))
        doomed, updates = [], []
        for record in touched:
            keep = tuple(src for src in record.sources if not _matches(src, where))
            if keep:
                updates.append(
                    record.model_copy(
                        update={"source": keep[0], "sources": keep, "seen_count": len(keep)}
                    )
                )
            else:
                doomed.append(record)
        if updates:
            self._apply([WritePlan(result=updates[0], action="updated", updates=tuple(updates))])
        self._delete_records(doomed)
        return len(touched)

    def _delete_records(self, doomed: list[Record]) -> None:
        if not doomed:
            return
        gone = {record.id for record in doomed}
        revived = []
        for record in doomed:
            for old in self._find(Where(superseded_by=record.id)):
                if old.id not in gone:
                    revived.append(
                        old.model_copy(update={"invalid_at": None, "superseded_by": None})
                    )
        self._apply(
            [
                WritePlan(
                    result=doomed[0], action="deleted", updates=tuple(revived), deletes=tuple(gone)
                )
            ]
        )

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _matches(source: Source, where: Where) -> bool:
    if where.source is not None:
        return source.key == where.source
    if where.channel is not None:
        return (source.workspace, source.channel_id) == where.channel
    return False


def _redact(text: str) -> str:
    if not text:
        return text
    try:
        return redact_secrets(text).text
    except Exception as exc:  # a redactor failure must never let the raw text through
        raise MemoryStoreError(f"secret redaction failed, nothing was stored: {exc}") from exc
