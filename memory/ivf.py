"""An IVF index over every vector of a large file store, for callers who may read a lot of it.

The partitions (partitions.py) answer every search exactly, at a cost proportional to the rows
the caller may read: ~1 ms per 10k rows. A member of a big workspace may read most of it (every
public channel), and past `DEFAULT_IVF_MIN_ROWS` readable rows this index answers instead:
faiss IVF with 8-bit scalar-quantised codes proposes candidates, scanning only the `nprobe`
nearest lists and, inside them, only the ids of a bitmap of the caller's readable rows
(`IDSelectorBitmap`), so filtering still happens before ranking; the candidates are then
re-scored exactly from the partitions. It is approximate: how many of the true top-k it finds
depends on how clustered the vectors are (sentence embeddings are; uniform random ones are its
worst case), which the benchmark reports.

It is built once a store holds `DEFAULT_IVF_THRESHOLD` vectors (the issue's "IVF beyond about
2e5"), trained on a sample, kept in step on every add and removal (a hash direct map makes a
removal O(1)), and saved with the snapshot.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import faiss
import numpy as np

__all__ = [
    "DEFAULT_IVF_MIN_ROWS",
    "DEFAULT_IVF_THRESHOLD",
    "DEFAULT_NPROBE_SHARE",
    "IVFIndex",
]

DEFAULT_IVF_THRESHOLD = 200_000
# Below this many readable rows the exact partition scan costs ~5 ms or less: no IVF.
DEFAULT_IVF_MIN_ROWS = 50_000
# Share of the lists a search probes (at least 16).
DEFAULT_NPROBE_SHARE = 1 / 16
_TRAIN_PER_LIST = 40  # faiss wants ~39 training points per list
# Candidates re-scored exactly, per result asked for.
_RERANK = 4
# From this many vectors an add is bulk work worth faiss's threads.
_PARALLEL_ADD = 4096


@contextmanager
def _threads(count: int | None) -> Iterator[None]:
    """Run faiss with `count` OpenMP threads in this thread (None: unchanged). Small operations
    run single-threaded: on a busy 2-core host an OpenMP region waits for a descheduled worker
    (measured: adding one vector, p95 8 ms with two threads, 0.1 ms with one). The setting is
    the calling thread's own (an OpenMP ICV per thread), so other threads are unaffected."""
    if count is None:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def default_nlist(count: int) -> int:
    """About sqrt(count) lists, between 256 and 2048: ~1k lists of ~1k vectors at 1e6."""
    return int(min(2048, max(256, round(math.sqrt(count)))))


class IVFIndex:
    """IVF-SQ8 over int64 ids; proposes candidates, the caller re-scores them exactly."""

    def __init__(self, dimension: int, nlist: int, nprobe: int | None = None) -> None:
        self.dimension = dimension
        self.nlist = nlist
        self.nprobe = nprobe or max(16, round(nlist * DEFAULT_NPROBE_SHARE))
        self._quantizer: faiss.Index = faiss.IndexFlatIP(dimension)
        self._index = faiss.IndexIVFScalarQuantizer(
            self._quantizer,
            dimension,
            nlist,
            faiss.ScalarQuantizer.QT_8bit,
            faiss.METRIC_INNER_PRODUCT,
            False,  # encode vectors, not residuals: cheaper, and enough for candidates
        )

    @classmethod
    def build(
        cls, dimension: int, count: int, sample: np.ndarray, nprobe: int | None = None
    ) -> IVFIndex:
        """A trained, empty index for about `count` vectors; `sample` is a random draw of them,
        `training_size(count)` rows."""
        nlist = max(1, min(default_nlist(count), len(sample) // _TRAIN_PER_LIST))
        index = cls(dimension, nlist, nprobe)
        index._index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index._index.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
        return index

    @staticmethod
    def training_size(count: int) -> int:
        return min(count, default_nlist(count) * _TRAIN_PER_LIST)

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            with _threads(None if len(ids) >= _PARALLEL_ADD else 1):
                self._index.add_with_ids(
                    np.ascontiguousarray(vectors, dtype=np.float32),
                    np.asarray(ids, dtype=np.int64),
                )

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            # The hash direct map removes only through an IDSelectorArray (faiss/DirectMap.cpp).
            doomed = np.ascontiguousarray(ids, dtype=np.int64)
            with _threads(1):
                self._index.remove_ids(faiss.IDSelectorArray(len(doomed), faiss.swig_ptr(doomed)))

    def candidates(self, query: np.ndarray, readable_ids: np.ndarray, k: int) -> np.ndarray:
        """Up to `_RERANK * k` ids among `readable_ids`, nearest first by approximate score."""
        if not len(readable_ids):
            return np.empty(0, dtype=np.int64)
        size = int(readable_ids.max()) + 1
        mask = np.zeros(size, dtype=bool)
        mask[readable_ids] = True
        bits = np.packbits(mask, bitorder="little")
        # `selector` and `bits` stay referenced until the search returns: faiss keeps raw pointers.
        selector = faiss.IDSelectorBitmap(size, faiss.swig_ptr(bits))
        params = faiss.SearchParametersIVF()
        params.sel = selector
        params.nprobe = self.nprobe
        wanted = max(_RERANK * k, 32)
        with _threads(1):
            _, found = self._index.search(
                np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1), wanted, params=params
            )
        found = found[0]
        return found[found >= 0]

    def to_bytes(self) -> np.ndarray:
        return faiss.serialize_index(self._index)

    @classmethod
    def from_bytes(cls, data: np.ndarray, dimension: int, nprobe: int | None) -> IVFIndex | None:
        """The index serialised in `data`, or None if it is not an IVF-SQ8 of this dimension."""
        try:
            loaded = faiss.deserialize_index(data)
        except RuntimeError:
            return None
        if not isinstance(loaded, faiss.IndexIVFScalarQuantizer) or loaded.d != dimension:
            return None
        index = cls.__new__(cls)
        index.dimension = dimension
        index.nlist = int(loaded.nlist)
        index.nprobe = nprobe or max(16, round(index.nlist * DEFAULT_NPROBE_SHARE))
        index._index = loaded
        index._quantizer = loaded.quantizer
        return index
