"""ACL property test: random records and principals, many queries, zero leaks on any read path."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from memory_helpers import WORKSPACE, source

from memory import Draft, FaissStore, MemoryStore, Principal, Visibility
from memory.consolidate import ConsolidationPolicy

TEAMS = [f"team{i}" for i in range(8)]
CHANNELS = [f"C{i:03d}" for i in range(10)]
WORDS = "deploy cache kafka billing latency owner flag rollout incident quota shard vault".split()
QUERIES = 10_000  # batched queries, plus a tenth as many single ones


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


def _assert_same_ranking(one: list, other: list) -> None:
    """The same scores in the same order; the same records except where scores tie at the cut
    (hashed vectors of a 12-word vocabulary tie often, and either tied record may come first)."""
    assert np.allclose([s for _, s in one], [s for _, s in other], atol=1e-4)
    if one:
        cut = one[-1][1] + 1e-4
        assert {r.id for r, s in one if s > cut} == {r.id for r, s in other if s > cut}


def test_random_queries_never_leak(store: MemoryStore) -> None:
    _never_leaks(store)


def test_random_queries_never_leak_through_ivf(tmp_path: Path, embedder) -> None:
    """The file store with its IVF path forced on for every search (a tiny store probes all
    its lists, so answers are still exact and the single/batched comparison holds)."""
    with FaissStore(tmp_path / "mem", embedder, ivf_threshold=100, ivf_min_rows=1) as store:
        _never_leaks(store)
        assert store._index.ivf is not None and store._index.ivf.ntotal == 300


def _never_leaks(store: MemoryStore) -> None:
    rng = random.Random(5)
    store.policy = ConsolidationPolicy(enabled=False)  # every record stays a separate record
    drafts = [
        Draft(
            text=" ".join(rng.choices(WORDS, k=6)) + f" item{i}",
            source=source(1_717_000_000 + i),
            visibility=_random_visibility(rng),
        )
        for i in range(300)
    ]
    ids = [result.record for result in store.add_many(drafts)]
    by_id = {r.id: r for r in ids}
    queries = [" ".join(rng.choices(WORDS, k=3)) for _ in range(50)]
    vectors = store.embedder.embed(queries)
    principals = [_random_principal(rng) for _ in range(200)]
    # The backend primitives directly (the public search re-checks, which would mask a leak).
    # Every principal asks every query (with history for every other principal): 10,000
    # batched queries...
    answers = {}
    checked = 0
    for p, principal in enumerate(principals):
        own = sum(_allowed(principal, r) for r in ids)
        history = p % 2 == 1
        batch = store._search_many(vectors, principal.readable(), 20, history)
        assert len(batch) == len(queries)
        for q, hits in enumerate(batch):
            # Filtering happens before ranking: a principal gets up to k of *its* records.
            assert len(hits) == min(20, own)
            for record, _ in hits:
                assert _allowed(principal, record), (principal, record.visibility)
                checked += 1
            answers[p, q] = hits
    assert checked > QUERIES  # the test did look at results
    # ...and 1,000 single queries, which must leak nothing and agree with the batched answers.
    for _ in range(QUERIES // 10):
        p, q = rng.randrange(len(principals)), rng.randrange(len(queries))
        hits = store._search(vectors[q], principals[p].readable(), 20, p % 2 == 1)
        for record, _ in hits:
            assert _allowed(principals[p], record), (principals[p], record.visibility)
        _assert_same_ranking(hits, answers[p, q])
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
