"""Batched writes: `add_many` plans a batch exactly as one-by-one adds would, in one transaction."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from memory_helpers import WORKSPACE, member, open_store, source, team

from distiller.embed import HashingEmbedder
from memory import Draft, InvalidRecordError, MemoryStore, Principal, Record, Visibility
from memory.consolidate import ConsolidationPolicy, content_hash, plan_batch, plan_write
from memory.record import utcnow

SUBJECTS = ["payments migration ETA", "billing service owner", "flag new-checkout", "deploy freeze"]
VALUES = ["Friday", "Monday", "<@U111>", "<@U222>", "enabled", "disabled", "10000", "500"]
NEIGHBOURS = 8
EMBEDDER = HashingEmbedder()


def _statement(rng: random.Random, i: int) -> tuple[str, Visibility, float]:
    text = f"The {rng.choice(SUBJECTS)} is {rng.choice(VALUES)}"
    if rng.random() < 0.3:
        text += " " + rng.choice(["now", "again", "still"])
    visibility = team("infra") if rng.random() < 0.8 else team("hr")
    ts = 1_717_000_000 + i * 60 - (rng.randint(0, 3000) if rng.random() < 0.2 else 0)
    return text, visibility, ts


def _record(text: str, visibility: Visibility, ts: float, channel: str) -> Record:
    src = source(ts, channel=channel)
    return Record(
        text=text,
        source=src,
        visibility=visibility,
        created_at=utcnow(),
        valid_from=src.posted_at(),
        content_hash=content_hash(text, visibility.key),
        sources=(src,),
    )


class ListStore:
    """The simplest possible store: a list, searched exhaustively. The reference for planning."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[Record, np.ndarray]] = {}

    def top(self, vector: np.ndarray, visibility: str, k: int) -> list[tuple[Record, float]]:
        scored = [
            (record, float(np.dot(row, vector)))
            for record, row in self.rows.values()
            if record.visibility.key == visibility and record.is_current
        ]
        return sorted(scored, key=lambda pair: pair[1], reverse=True)[:k]

    def apply(self, plan) -> None:
        for record, vector in plan.inserts:
            self.rows[record.id] = (record, vector)
        for record in plan.updates:
            self.rows[record.id] = (record, self.rows[record.id][1])


def _fingerprint(store: ListStore) -> list[tuple]:
    texts = {record.id: record.text for record, _ in store.rows.values()}
    return sorted(
        (
            record.text,
            record.visibility.key,
            record.seen_count,
            tuple(s.key for s in record.sources),
            record.is_current,
            texts.get(record.superseded_by or ""),
        )
        for record, _ in store.rows.values()
    )


def _plan_both(stored: list[Record], batch: list[Record], floor: bool = False) -> list[int]:
    """Plan `batch` one by one and with plan_batch over the same stored records; assert they
    agree, and return the depths of the extra lookups plan_batch made. With `floor`, the batch
    lookup leaves out neighbours below the policy's relevance floor, as the stores do."""
    policy = ConsolidationPolicy()
    one_by_one, batched = ListStore(), ListStore()
    for store in (one_by_one, batched):
        for record in stored:
            vector = EMBEDDER.embed([record.text])[0]
            near = store.top(vector, record.visibility.key, NEIGHBOURS)
            store.apply(plan_write(record, vector, near, policy))
    vectors = EMBEDDER.embed([record.text for record in batch])
    expected = []
    for record, vector in zip(batch, vectors, strict=True):
        near = one_by_one.top(vector, record.visibility.key, NEIGHBOURS)
        plan = plan_write(record, vector, near, policy)
        one_by_one.apply(plan)
        expected.append((plan.action, plan.result.id, plan.superseded))
    refetches = []

    def lookup(positions: list[int], k: int) -> list[list[tuple[Record, float]]]:
        if len(positions) == 1:
            refetches.append(k)
        lowest = policy.relevance_floor if floor else -1.0
        return [
            [hit for hit in batched.top(vectors[p], batch[p].visibility.key, k) if hit[1] >= lowest]
            for p in positions
        ]

    plans = plan_batch(batch, vectors, lookup, policy, NEIGHBOURS)
    for plan in plans:
        batched.apply(plan)
    assert [(p.action, p.result.id, p.superseded) for p in plans] == expected
    assert _fingerprint(batched) == _fingerprint(one_by_one)
    assert all(k > NEIGHBOURS for k in refetches)
    return refetches


@pytest.mark.parametrize("floor", [False, True])
@pytest.mark.parametrize("seed", range(12))
def test_plan_batch_equals_one_by_one_planning(seed: int, floor: bool) -> None:
    rng = random.Random(seed)
    records = []
    for i in range(80):
        text, visibility, ts = _statement(rng, i)
        records.append(_record(text, visibility, ts, rng.choice(["C1", "C2", "C3"])))
    _plan_both(records[:30], records[30:], floor)


def test_plan_batch_looks_deeper_when_the_batch_retires_neighbours() -> None:
    """Nine stored statements about nine shards, then a batch that changes every one: the first
    draft retires up to eight stored neighbours of the later ones, whose lists must be refilled
    from deeper in the store to match one-by-one planning."""
    vis = team("infra")
    texts = [f"Shard {name} of the search cluster restarts at 1 am" for name in "bcdefghij"]
    stored = [_record(text, vis, 1_717_000_000 + i, "C1") for i, text in enumerate(texts)]
    batch = [
        _record(text.replace("1 am", "3 am"), vis, 1_717_100_000 + i, "C1")
        for i, text in enumerate(texts)
    ]
    assert _plan_both(stored, batch)


# -- the same through real stores (both backends) ----------------------------------------------


def _drafts() -> list[Draft]:
    infra = team("infra")
    return [
        Draft(text="The payments migration ETA is Friday", source=source(1000.0), visibility=infra),
        Draft(
            text="The payments migration ETA moved to Monday",
            source=source(2000.0),
            visibility=infra,
        ),
        Draft(
            text="The staging database is read only until the migration ends",
            source=source(3000.0, channel="C1"),
            visibility=infra,
        ),
        Draft(
            text="The staging database is read-only until the migration ends.",
            source=source(3100.0, channel="C2"),
            visibility=infra,
        ),
        Draft(text="Feature flag new-checkout is enabled", source=source(500.0), visibility=infra),
        Draft(text="Feature flag new-checkout is disabled", source=source(400.0), visibility=infra),
        Draft(text="HR offsite is on Tuesday", source=source(3200.0), visibility=team("hr")),
    ]


def _state(store: MemoryStore) -> list[tuple]:
    everyone = Principal(workspace=WORKSPACE, teams=frozenset({"infra", "hr"}))
    records = list(store.export(everyone))
    texts = {r.id: r.text for r in records}
    return sorted(
        (r.text, r.seen_count, r.is_current, texts.get(r.superseded_by or ""), len(r.sources))
        for r in records
    )


def test_add_many_matches_one_by_one_adds(
    store: MemoryStore, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    dsn = request.getfixturevalue("pg_dsn") if store.backend == "pgvector" else None
    other = open_store(store.backend, tmp_path / "one-by-one", store.embedder, dsn)
    try:
        seed = Draft(
            text="The staging database is read only until the migration ends",
            source=source(100.0, channel="C0"),
            visibility=team("infra"),
        )
        store.add_many([seed])
        other.add_many([seed])
        batched = store.add_many(_drafts())
        single = [other.add_many([draft])[0] for draft in _drafts()]
        assert [r.action for r in batched] == [r.action for r in single]
        assert [len(r.superseded) for r in batched] == [len(r.superseded) for r in single]
        assert _state(store) == _state(other)
        assert [r.action for r in batched] == [
            "inserted", "inserted", "merged", "merged", "inserted", "inserted", "inserted"
        ]  # fmt: skip
        current = store.search("payments migration ETA", member("infra"), k=5)
        assert "Monday" in current[0].record.text
    finally:
        other.close()


def test_a_batch_is_all_or_nothing(store: MemoryStore) -> None:
    drafts = _drafts()
    empty = Draft(text="   ", source=source(9000.0), visibility=team("infra"))
    with pytest.raises(InvalidRecordError):
        store.add_many([*drafts[:3], empty, *drafts[3:]])
    assert store.stats().total == 0
    assert store.add_many([]) == []


def test_deleting_a_source_moves_the_record_to_its_remaining_workspace(store: MemoryStore) -> None:
    """A shared (Slack Connect) public channel: one statement seen from two workspaces. Once
    the first workspace's message is deleted, the record belongs to the second one, and the
    public-channel rule follows it on every read path."""
    shared = Visibility.public("C0SHARED")
    first = store.add(
        "Shared runbook lives in the ops wiki", source=source(1000.0, channel="C0SHARED"),
        visibility=shared,
    ).record  # fmt: skip
    other_ws = source(1001.0, channel="C0SHARED").model_copy(update={"workspace": "T0PARTNER"})
    assert (
        store.add("Shared runbook lives in the ops wiki", source=other_ws, visibility=shared).action
        == "merged"
    )
    ours, partner = member("infra"), Principal(workspace="T0PARTNER")
    assert [h.record.id for h in store.search("ops wiki runbook", ours)] == [first.id]
    assert store.search("ops wiki runbook", partner) == []  # the record is ours for now
    assert store.delete_source(WORKSPACE, "C0SHARED", f"{1000.0:.6f}") == 1
    assert store.search("ops wiki runbook", ours) == []
    assert [r.id for r in store.export(ours)] == []
    assert [h.record.id for h in store.search("ops wiki runbook", partner)] == [first.id]
    assert store.get(first.id, partner).workspace == "T0PARTNER"
