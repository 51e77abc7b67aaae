"""ACL property test: random records and principals, many queries, zero leaks on any read path."""

from __future__ import annotations

import random

import numpy as np
from memory_helpers import WORKSPACE, source

from memory import MemoryStore, Principal, Visibility
from memory.consolidate import ConsolidationPolicy

TEAMS = [f"team{i}" for i in range(8)]
CHANNELS = [f"C{i:03d}" for i in range(10)]
WORDS = "deploy cache kafka billing latency owner flag rollout incident quota shard vault".split()
QUERIES = 10_000


def _random_visibility(rng: random.Random) -> Visibility:
    scope = rng.choice(["public", "private", "team", "workspace"])
    if scope == "team":
        return Visibility.team(rng.choice(TEAMS))
    if scope == "workspace":
        return Visibility.workspace(rng.choice([WORKSPACE, "T0OTHER"]))
    return Visibility(scope=scope, id=rng.choice(CHANNELS))


def _random_principal(rng: random.Random) -> Principal:
    return Principal(
        workspace=rng.choice([WORKSPACE, WORKSPACE, "T0OTHER"]),
        teams=frozenset(rng.sample(TEAMS, rng.randint(0, 2))),
        channels=frozenset(rng.sample(CHANNELS, rng.randint(0, 3))),
        guest=rng.random() < 0.3,
    )


def _allowed(principal: Principal, record) -> bool:
    """The rule restated independently of acl.py, so a bug there cannot hide itself."""
    scope, ident = record.visibility.scope, record.visibility.id
    if scope == "team":
        return ident in principal.teams
    if scope == "private":
        return ident in principal.channels
    if scope == "workspace":
        return not principal.guest and ident == principal.workspace
    in_ws = record.source.workspace == principal.workspace
    return ident in principal.channels or (not principal.guest and in_ws)


def test_random_queries_never_leak(store: MemoryStore) -> None:
    rng = random.Random(5)
    store.policy = ConsolidationPolicy(enabled=False)  # every record stays a separate record
    ids = []
    for i in range(300):
        text = " ".join(rng.choices(WORDS, k=6)) + f" item{i}"
        record = store.add(
            text, source=source(1_717_000_000 + i), visibility=_random_visibility(rng)
        )
        ids.append(record.record)
    by_id = {r.id: r for r in ids}
    queries = [" ".join(rng.choices(WORDS, k=3)) for _ in range(50)]
    vectors = store.embedder.embed(queries)
    principals = [_random_principal(rng) for _ in range(200)]
    checked = 0
    for n in range(QUERIES):
        principal = principals[n % len(principals)]
        # The backend primitive directly (the public search re-checks, which would mask a leak).
        hits = store._search(
            vectors[n % len(queries)], principal.readable(), 20, rng.random() < 0.5
        )
        for record, _ in hits:
            assert _allowed(principal, record), (principal, record.visibility)
            checked += 1
        if n % 100 == 0:
            # Filtering happens before ranking: a principal gets up to k of *its* records.
            readable = [r for r in ids if _allowed(principal, r)]
            assert len(hits) == min(20, len(readable))
    assert checked > QUERIES  # the test did look at results
    for principal in principals[:60]:
        pack = store.context(rng.choice(queries), principal, budget_tokens=400, min_score=-1.0)
        for record in pack.records:
            assert _allowed(principal, by_id[record.id])
        for other in ids:
            if not _allowed(principal, other):
                assert other.text not in pack.text
        exported = {r.id for r in store.export(principal)}
        assert exported == {r.id for r in ids if _allowed(principal, r)}
    assert np.isfinite(vectors).all()
