"""The file store's partitioned index: exact filtered search, moves, removals and snapshots."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from memory import Readable
from memory.partitions import PartitionedIndex, PartitionKey
from memory.snapshot import load_snapshot, save_snapshot

DIM = 384
VISIBILITIES = ["team:a", "team:b", "private:C1", "public:C2", "public:C3", "workspace:W1"]
WORKSPACES = ["W1", "W2"]


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    rows = rng.standard_normal((n, DIM), dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _allows(readable: Readable, key: PartitionKey, include_history: bool) -> bool:
    """The access rule restated over keys: partitions.py must choose exactly these rows."""
    if not key.current and not include_history:
        return False
    public = key.visibility.startswith("public:")
    return key.visibility in readable.keys or (
        public and key.workspace in readable.public_workspaces
    )


class Model:
    """The index's expected contents as a plain dict: id -> (key, vector)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.index = PartitionedIndex(DIM)
        self.rows: dict[int, tuple[PartitionKey, np.ndarray]] = {}
        self.next_id = 1

    def key(self) -> PartitionKey:
        return PartitionKey(
            self.rng.choice(VISIBILITIES), self.rng.choice(WORKSPACES), self.rng.random() < 0.8
        )

    def add(self, n: int) -> None:
        ids = np.arange(self.next_id, self.next_id + n, dtype=np.int64)
        self.next_id += n + self.rng.randint(0, 3)  # rowids have gaps after deletes
        vectors = _unit(self.np_rng, n)
        keys = [self.key() for _ in range(n)]
        self.index.add(ids, vectors, keys)
        for rid, vector, key in zip(ids.tolist(), vectors, keys, strict=True):
            self.rows[rid] = (key, vector)

    def churn(self, n: int) -> None:
        for rid in self.rng.sample(sorted(self.rows), n):
            if self.rng.random() < 0.5:
                assert self.index.remove([rid]) == 1
                del self.rows[rid]
            else:
                key = self.key()
                assert self.index.move(rid, key)
                self.rows[rid] = (key, self.rows[rid][1])

    def readable(self) -> Readable:
        keys = frozenset(self.rng.sample(VISIBILITIES, self.rng.randint(0, 3)))
        public = frozenset(self.rng.sample(WORKSPACES, self.rng.randint(0, 1)))
        return Readable(keys=keys, public_workspaces=public)

    def expected(self, query: np.ndarray, readable: Readable, k: int, history: bool) -> list:
        allowed = [
            (float(vector @ query), rid)
            for rid, (key, vector) in self.rows.items()
            if _allows(readable, key, history)
        ]
        return sorted(allowed, reverse=True)[:k]


def _check(model: Model, index: PartitionedIndex, queries: int = 40) -> None:
    assert index.ntotal == len(model.rows)
    for _ in range(queries):
        query = _unit(model.np_rng, 1)[0]
        readable = model.readable()
        history = model.rng.random() < 0.5
        k = model.rng.choice([1, 5, 20])
        want = model.expected(query, readable, k, history)
        got = index.search(query, readable, k, history)
        assert [rid for rid, _ in got] == [rid for _, rid in want]
        assert np.allclose([s for _, s in got], [s for s, _ in want], atol=1e-5)
        for rid, _ in got:  # filtered before ranking: nothing outside the readable set
            assert _allows(readable, model.rows[rid][0], history)
        many = index.search_many(np.stack([query, -query]), readable, k, history)
        assert [rid for rid, _ in many[0]] == [rid for _, rid in want]
        assert [rid for rid, _ in many[1]] == [
            rid for _, rid in model.expected(-query, readable, k, history)
        ]


def test_search_is_exact_over_readable_rows_through_adds_moves_and_removals() -> None:
    model = Model(seed=5)
    model.add(300)
    _check(model, model.index)
    for _ in range(5):
        model.churn(60)
        model.add(40)
        _check(model, model.index)
    for rid, (key, vector) in model.rows.items():
        assert model.index.key_of(rid) == key
        assert np.array_equal(model.index.vector_of(rid), vector)


def test_empty_readable_set_reads_nothing() -> None:
    model = Model(seed=1)
    model.add(50)
    query = _unit(model.np_rng, 1)[0]
    assert model.index.search(query, Readable(keys=frozenset()), 10, True) == []
    assert model.index.search_many(query[None, :], Readable(keys=frozenset()), 10, True) == [[]]


def test_adding_an_id_twice_is_refused() -> None:
    index = PartitionedIndex(DIM)
    key = PartitionKey("team:a", "W1", True)
    index.add(np.array([7]), np.zeros((1, DIM), dtype=np.float32), [key])
    with pytest.raises(ValueError, match="already"):
        index.add(np.array([7]), np.zeros((1, DIM), dtype=np.float32), [key])
    assert index.remove([7, 8]) == 1 and index.ntotal == 0
    assert not index.move(7, key)


def test_snapshot_round_trip_and_every_kind_of_damage(tmp_path: Path) -> None:
    model = Model(seed=9)
    model.add(200)
    model.churn(50)
    path = tmp_path / "memory.index"
    save_snapshot(model.index, path, generation=12)
    saved = len(model.rows)
    loaded = load_snapshot(path, DIM, generation=12, count=saved)
    assert loaded is not None
    _check(model, loaded)
    # The loaded partitions are views into the file's arrays until they grow: writes still work.
    model.index = loaded
    model.churn(30)
    model.add(30)
    _check(model, loaded)

    assert load_snapshot(path, DIM, generation=12, count=saved) is not None
    assert load_snapshot(path, DIM, generation=13, count=saved) is None  # stale
    assert load_snapshot(path, DIM, generation=12, count=saved + 1) is None
    assert load_snapshot(path, 128, generation=12, count=saved) is None  # other dimension
    assert load_snapshot(tmp_path / "absent", DIM, generation=12, count=saved) is None
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF  # one flipped bit in a vector
    path.write_bytes(bytes(data))
    assert load_snapshot(path, DIM, generation=12, count=saved) is None
    path.write_bytes(bytes(data[: len(data) // 2]))
    assert load_snapshot(path, DIM, generation=12, count=saved) is None
    path.write_bytes(b"\x00garbage" * 100)
    assert load_snapshot(path, DIM, generation=12, count=saved) is None


def _clustered(rng: np.random.Generator, n: int, centres: np.ndarray) -> np.ndarray:
    """Unit vectors around a few centres, like sentence embeddings of a few topics."""
    rows = centres[rng.integers(0, len(centres), n)] + 0.6 * _unit(rng, n)
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_wide_readers_go_through_ivf_which_filters_first_and_keeps_in_step(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(3)
    centres = _unit(rng, 24)
    index = PartitionedIndex(DIM)
    keys = [PartitionKey(f"team:t{i}", "W1", True) for i in range(10)]
    n = 6000
    vectors = _clustered(rng, n, centres)
    index.add(np.arange(1, n + 1), vectors, [keys[i % 10] for i in range(n)])
    index.configure_ivf(threshold=5000, min_rows=1000)
    assert index.ivf is not None and index.ivf.ntotal == n
    wide = Readable(keys=frozenset(k.visibility for k in keys[:5]))  # 3,000 rows: IVF
    allowed = np.array([i % 10 < 5 for i in range(n)])
    recalls = []
    for query in _clustered(rng, 30, centres):
        got = index.search(query, wide, 10, False)
        assert got and all(index.key_of(rid) in keys[:5] for rid, _ in got)  # never outside
        exact = np.where(allowed, vectors @ query, -np.inf)
        truth = set((np.argsort(-exact)[:10] + 1).tolist())
        recalls.append(len(truth & {rid for rid, _ in got}) / 10)
        # Scores are exact (re-scored from the partitions), whatever IVF approximated.
        assert all(abs(score - float(vectors[rid - 1] @ query)) < 1e-4 for rid, score in got)
    assert np.mean(recalls) >= 0.9
    # Removals and additions keep the IVF in step; a removed id is never proposed again.
    gone = [rid for rid, _ in index.search(centres[0], wide, 10, False)]
    assert index.remove(gone) == 10 and index.ivf.ntotal == n - 10
    assert not set(gone) & {rid for rid, _ in index.search(centres[0], wide, 10, False)}
    index.add(np.arange(n + 1, n + 11), _clustered(rng, 10, centres), [keys[0]] * 10)
    assert index.ivf.ntotal == index.ntotal == n
    # The snapshot carries the IVF index; a damaged IVF part only drops it.
    path = tmp_path / "memory.index"
    save_snapshot(index, path, generation=1)
    loaded = load_snapshot(path, DIM, generation=1, count=n)
    assert loaded is not None and loaded.ivf is not None and loaded.ivf.ntotal == n
    query = centres[3]
    assert loaded.search(query, wide, 10, False) == index.search(query, wide, 10, False)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    damaged = load_snapshot(path, DIM, generation=1, count=n)
    assert damaged is not None and damaged.ivf is None
    # Narrow readers stay exact, IVF or not.
    narrow = Readable(keys=frozenset({"team:t7"}))
    exact = np.where(np.array([i % 10 == 7 for i in range(n)]), vectors @ query, -np.inf)
    assert [rid for rid, _ in index.search(query, narrow, 5, False)] == list(
        np.argsort(-exact)[:5] + 1
    )
