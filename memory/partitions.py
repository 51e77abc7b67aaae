"""The file store's in-memory vector index, partitioned by who may read each vector.

Vectors live in partitions keyed by (visibility, workspace, current): exactly the attributes the
access rule looks at, plus whether the record is current. A search first picks the partitions the
caller's `Readable` allows (current ones only unless history is asked for), then scores only their
rows. Filtering therefore happens before ranking by construction, with no id list to compute and
no selector to build: a team owning 1% of a million records costs ~10k dot products over
contiguous memory, about 1 ms.

Scoring uses faiss's single-threaded SIMD kernel (`fvec_inner_products_ny`), not an OpenMP search
nor a threaded BLAS call: one query's scan is memory-bound, and on a busy 2-core host a parallel
region waits for a descheduled thread (measured: p95 8 ms for a filtered IndexIDMap search of 300
vectors, 0.1 ms single-threaded). Many-query scans (the consolidation lookups of a batch) use the
same kernel block by block unless the product is big (`inner_products`).

An append grows its partition geometrically (amortised O(1)); a removal moves the partition's last
row into the hole. Nothing here is durable: SQLite is the source of truth (see faiss_store.py) and
`snapshot.py` caches this index between clean runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import faiss
import numpy as np

from .acl import Readable
from .ivf import DEFAULT_IVF_MIN_ROWS, IVFIndex

__all__ = ["Partition", "PartitionKey", "PartitionedIndex", "inner_products"]

_MIN_CAPACITY = 8
_BLOCK = 1024  # rows per block of a many-query scan: 1.5 MB of float32, cache-resident
_BLAS_WORK = 1 << 17  # rows x queries from which one BLAS product beats the kernel loop


@dataclass(frozen=True)
class PartitionKey:
    """What decides who may read a vector: its record's visibility key and workspace, and
    whether the record is current (history is only scanned when asked for)."""

    visibility: str
    workspace: str
    current: bool

    @property
    def public(self) -> bool:
        return self.visibility.startswith("public:")


class Partition:
    """The ids and vectors of one `PartitionKey`, rows [0, size) valid, in no particular order."""

    __slots__ = ("ids", "key", "number", "size", "vectors")

    def __init__(self, key: PartitionKey, number: int, dimension: int) -> None:
        self.key = key
        self.number = number
        self.size = 0
        self.ids = np.empty(0, dtype=np.int64)
        self.vectors = np.empty((0, dimension), dtype=np.float32)

    def append(self, ids: np.ndarray, vectors: np.ndarray) -> int:
        """Append rows; returns the row of the first one."""
        start, need = self.size, self.size + len(ids)
        if need > len(self.ids):
            self.reserve(max(_MIN_CAPACITY, need, len(self.ids) + len(self.ids) // 2))
        self.ids[start:need] = ids
        self.vectors[start:need] = vectors
        self.size = need
        return start

    def reserve(self, capacity: int) -> None:
        """Make room for `capacity` rows (a rebuild sizes partitions exactly, without slack)."""
        if capacity <= len(self.ids):
            return
        grown_ids = np.empty(capacity, dtype=np.int64)
        grown_ids[: self.size] = self.ids[: self.size]
        grown = np.empty((capacity, self.vectors.shape[1]), dtype=np.float32)
        grown[: self.size] = self.vectors[: self.size]
        self.ids, self.vectors = grown_ids, grown

    def take(self, row: int) -> tuple[np.ndarray, int]:
        """Remove `row`, filling the hole with the last row. Returns the removed vector (a copy)
        and the id now at `row` (-1 if the removed row was the last)."""
        vector = self.vectors[row].copy()
        last = self.size - 1
        moved = -1
        if row != last:
            self.ids[row] = self.ids[last]
            self.vectors[row] = self.vectors[last]
            moved = int(self.ids[row])
        self.size = last
        return vector, moved

    def scores(self, query: np.ndarray, out: np.ndarray) -> None:
        """Inner products of `query` (contiguous float32) with every row, into `out[:size]`."""
        if self.size:
            faiss.fvec_inner_products_ny(  # type: ignore[attr-defined]
                faiss.swig_ptr(out),
                faiss.swig_ptr(query),
                faiss.swig_ptr(self.vectors),
                self.vectors.shape[1],
                self.size,
            )

    def scores_many(self, queries: np.ndarray, out: np.ndarray) -> None:
        """`scores` for each row of `queries` into the rows of `out` (its rows contiguous)."""
        inner_products(queries, self.vectors[: self.size], out)


class PartitionedIndex:
    """Exact inner-product search over the partitions a `Readable` allows. Not thread-safe: the
    store calls it under its own lock."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._partitions: dict[PartitionKey, Partition] = {}
        self._numbered: list[Partition] = []
        self._by_visibility: dict[str, list[Partition]] = {}
        self._public_by_workspace: dict[str, list[Partition]] = {}
        # Where each id lives, indexed by id (ids are SQLite rowids: small and dense).
        self._part_of = np.full(0, -1, dtype=np.int32)
        self._row_of = np.zeros(0, dtype=np.int32)
        self.ntotal = 0
        # Wide readers' accelerator (ivf.py): built once there are `ivf_threshold` vectors.
        self.ivf: IVFIndex | None = None
        self.ivf_threshold: int | None = None
        self.ivf_min_rows = DEFAULT_IVF_MIN_ROWS
        self.nprobe: int | None = None

    def configure_ivf(
        self, threshold: int | None, min_rows: int = DEFAULT_IVF_MIN_ROWS, nprobe: int | None = None
    ) -> None:
        """Use IVF for searches reading `min_rows` rows or more once the index holds `threshold`
        vectors (None: never). Builds it now if the index is already that big."""
        self.ivf_threshold, self.ivf_min_rows, self.nprobe = threshold, min_rows, nprobe
        if threshold is None:
            self.ivf = None
        elif self.ivf is not None and nprobe:
            self.ivf.nprobe = nprobe
        self._maybe_build_ivf()

    def _maybe_build_ivf(self) -> None:
        if self.ivf is not None or self.ivf_threshold is None or self.ntotal < self.ivf_threshold:
            return
        rng = np.random.default_rng(self.ntotal)
        share = IVFIndex.training_size(self.ntotal) / self.ntotal
        sample = [
            part.vectors[: part.size][rng.random(part.size) < share]
            for part in self._numbered
            if part.size
        ]
        ivf = IVFIndex.build(self.dimension, self.ntotal, np.concatenate(sample), self.nprobe)
        for part in self._numbered:
            ivf.add(part.ids[: part.size], part.vectors[: part.size])
        self.ivf = ivf

    # -- writes ------------------------------------------------------------------------------

    def add(self, ids: np.ndarray, vectors: np.ndarray, keys: Sequence[PartitionKey]) -> None:
        """Add vectors under their keys; an id must not be present already."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dimension)
        self._reserve(int(ids.max()))
        groups: dict[PartitionKey, list[int]] = {}
        for position, key in enumerate(keys):
            groups.setdefault(key, []).append(position)
        for key, positions in groups.items():
            self._add_to(self._partition(key), ids[positions], vectors[positions])
        if self.ivf is not None:
            self.ivf.add(ids, vectors)
        else:
            self._maybe_build_ivf()

    def adopt(self, key: PartitionKey, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Install rows under a key that has none yet, without copying: the arrays are the
        partition's storage until it grows (how a snapshot is loaded)."""
        part = self._partition(key)
        if part.size:
            raise ValueError("adopt() needs an empty partition")
        if len(ids):
            self._reserve(int(ids.max()))
            if np.any(self._part_of[ids] >= 0):
                raise ValueError("id already in the index")
        part.ids, part.vectors, part.size = ids, vectors, len(ids)
        self._part_of[ids] = part.number
        self._row_of[ids] = np.arange(len(ids), dtype=np.int32)
        self.ntotal += len(ids)

    def reserve(self, key: PartitionKey, rows: int) -> None:
        """Make room for `rows` rows under `key` before adding them."""
        self._partition(key).reserve(rows)

    def remove(self, ids: Iterable[int]) -> int:
        """Remove ids (absent ones are ignored); returns how many were removed."""
        removed = [int(rid) for rid in ids if self._take(int(rid)) is not None]
        if self.ivf is not None and removed:
            self.ivf.remove(np.array(removed, dtype=np.int64))
        return len(removed)

    def move(self, rid: int, key: PartitionKey) -> bool:
        """Re-file an id under `key` (it became history, or current again, or its workspace
        changed). Returns False if the id is absent."""
        where = self.key_of(rid)
        if where is None:
            return False
        if where == key:
            return True
        taken = self._take(rid)
        assert taken is not None
        self._add_to(self._partition(key), np.array([rid], dtype=np.int64), taken[None, :])
        return True

    def key_of(self, rid: int) -> PartitionKey | None:
        """The partition an id is filed under, or None if it is absent."""
        if rid >= len(self._part_of) or self._part_of[rid] < 0:
            return None
        return self._numbered[self._part_of[rid]].key

    def vector_of(self, rid: int) -> np.ndarray | None:
        if rid >= len(self._part_of) or self._part_of[rid] < 0:
            return None
        return self._numbered[self._part_of[rid]].vectors[self._row_of[rid]]

    # -- reads -------------------------------------------------------------------------------

    def partitions(self) -> list[Partition]:
        """Every non-empty partition (for snapshots and tests)."""
        return [part for part in self._numbered if part.size]

    def readable_partitions(self, readable: Readable, include_history: bool) -> list[Partition]:
        """The non-empty partitions `readable` allows; the only rows any search looks at."""
        chosen: dict[int, Partition] = {}
        for key in readable.keys:
            for part in self._by_visibility.get(key, ()):
                chosen[part.number] = part
        for workspace in readable.public_workspaces:
            for part in self._public_by_workspace.get(workspace, ()):
                chosen[part.number] = part
        return [
            part for part in chosen.values() if part.size and (include_history or part.key.current)
        ]

    def search(
        self, query: np.ndarray, readable: Readable, k: int, include_history: bool
    ) -> list[tuple[int, float]]:
        """Exact top-k ids by inner product among the rows `readable` allows, best first."""
        parts = self.readable_partitions(readable, include_history)
        total = sum(part.size for part in parts)
        if not total or k < 1:
            return []
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(self.dimension)
        if self.ivf is not None and total >= self.ivf_min_rows:
            return self._search_ivf(query, parts, k)
        scores = np.empty(total, dtype=np.float32)
        starts = np.empty(len(parts), dtype=np.int64)
        offset = 0
        for i, part in enumerate(parts):
            starts[i] = offset
            part.scores(query, scores[offset : offset + part.size])
            offset += part.size
        best = _top(scores, k)
        owners = np.searchsorted(starts, best, side="right") - 1
        return [
            (int(parts[owner].ids[position - starts[owner]]), float(scores[position]))
            for position, owner in zip(best.tolist(), owners.tolist(), strict=True)
        ]

    def _search_ivf(
        self, query: np.ndarray, parts: list[Partition], k: int
    ) -> list[tuple[int, float]]:
        """IVF proposes candidates among the readable ids; they are re-scored exactly."""
        assert self.ivf is not None
        readable = np.concatenate([part.ids[: part.size] for part in parts])
        found = self.ivf.candidates(query, readable, k)
        # Belt and braces: keep only ids filed in a readable partition, whatever faiss returned.
        numbers = np.array([part.number for part in parts], dtype=np.int32)
        found = found[(found < len(self._part_of)) & (found >= 0)]
        found = found[np.isin(self._part_of[found], numbers)]
        if not len(found):
            return []
        rows = np.stack(
            [self._numbered[self._part_of[rid]].vectors[self._row_of[rid]] for rid in found]
        )
        scores = inner_products(query[None, :], rows)[0]
        best = _top(scores, k)
        return [(int(found[p]), float(scores[p])) for p in best.tolist()]

    def search_many(
        self, queries: np.ndarray, readable: Readable, k: int, include_history: bool
    ) -> list[list[tuple[int, float]]]:
        """`search` for many queries with the same readable set."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        parts = self.readable_partitions(readable, include_history)
        if not parts or k < 1:
            return [[] for _ in range(len(queries))]
        ids = np.concatenate([part.ids[: part.size] for part in parts])
        scores = np.empty((len(queries), len(ids)), dtype=np.float32)
        offset = 0
        for part in parts:
            part.scores_many(queries, scores[:, offset : offset + part.size])
            offset += part.size
        results = []
        for row in scores:
            best = _top(row, k)
            results.append([(int(ids[p]), float(row[p])) for p in best.tolist()])
        return results

    # -- internals ---------------------------------------------------------------------------

    def _partition(self, key: PartitionKey) -> Partition:
        part = self._partitions.get(key)
        if part is None:
            part = Partition(key, len(self._numbered), self.dimension)
            self._partitions[key] = part
            self._numbered.append(part)
            self._by_visibility.setdefault(key.visibility, []).append(part)
            if key.public:
                self._public_by_workspace.setdefault(key.workspace, []).append(part)
        return part

    def _add_to(self, part: Partition, ids: np.ndarray, vectors: np.ndarray) -> None:
        if np.any(self._part_of[ids] >= 0):
            raise ValueError("id already in the index")
        start = part.append(ids, vectors)
        self._part_of[ids] = part.number
        self._row_of[ids] = np.arange(start, start + len(ids), dtype=np.int32)
        self.ntotal += len(ids)

    def _take(self, rid: int) -> np.ndarray | None:
        if rid >= len(self._part_of) or self._part_of[rid] < 0:
            return None
        part = self._numbered[self._part_of[rid]]
        row = int(self._row_of[rid])
        vector, moved = part.take(row)
        if moved >= 0:
            self._row_of[moved] = row
        self._part_of[rid] = -1
        self.ntotal -= 1
        return vector

    def _reserve(self, max_id: int) -> None:
        if max_id < len(self._part_of):
            return
        size = max(max_id + 1, len(self._part_of) * 3 // 2, 1024)
        part_of = np.full(size, -1, dtype=np.int32)
        part_of[: len(self._part_of)] = self._part_of
        row_of = np.zeros(size, dtype=np.int32)
        row_of[: len(self._row_of)] = self._row_of
        self._part_of, self._row_of = part_of, row_of


def inner_products(
    queries: np.ndarray, rows: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """`queries @ rows.T` (float32, C-contiguous rows) into `out`, each of whose rows must be
    contiguous. Small products run block by block through faiss's single-threaded kernel, a
    block read from memory once and from cache by every query: numpy's threaded BLAS took ~30 ms
    for a 64x64x384 product whenever a busy 2-core host descheduled one of its threads
    (measured; 0.05 ms otherwise). Large products are still worth BLAS."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    if out is None:
        out = np.empty((len(queries), len(rows)), dtype=np.float32)
    if len(rows) * len(queries) >= _BLAS_WORK:
        np.matmul(queries, rows.T, out=out)
        return out
    dimension = queries.shape[1]
    for start in range(0, len(rows), _BLOCK):
        stop = min(start + _BLOCK, len(rows))
        block = faiss.swig_ptr(rows[start:stop])
        for query, row in zip(queries, out, strict=True):
            faiss.fvec_inner_products_ny(  # type: ignore[attr-defined]
                faiss.swig_ptr(row[start:stop]),
                faiss.swig_ptr(query),
                block,
                dimension,
                stop - start,
            )
    return out


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest scores, largest first."""
    if len(scores) > k:
        candidates = np.argpartition(scores, len(scores) - k)[len(scores) - k :]
    else:
        candidates = np.arange(len(scores))
    return candidates[np.argsort(-scores[candidates], kind="stable")]
