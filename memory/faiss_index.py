"""The in-memory faiss index of the file store: IndexIDMap2 over IndexFlatIP, ids = SQLite rowids.

Search is always restricted to a candidate id set computed in SQL (the caller's readable
records), so filtering happens before ranking. Two exact strategies, chosen by selectivity:
- few candidates: score only those rows (`knn_inner_products_by_idx`), cost ~ candidates;
- many candidates: a full scan that skips non-members (`IDSelectorBatch`), cost ~ index size.
Rowids come from an AUTOINCREMENT column and are added in ascending order, and flat removal
keeps order, so the id map stays sorted and a row's position is a binary search away.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import faiss
import numpy as np

__all__ = ["SUBSET_FRACTION", "FlatIndex"]

# Below this share of the index, scoring the candidates directly beats a filtered full scan.
SUBSET_FRACTION = 0.05


class FlatIndex:
    """Exact inner-product index keyed by int64 ids, with snapshot save/load."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._flat = faiss.IndexFlatIP(dimension)
        self._index = faiss.IndexIDMap2(self._flat)
        self._id_map: np.ndarray | None = None  # cached copy of the sorted id map

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Append vectors; ids must be larger than every id already present."""
        if len(ids):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64)
            )
            self._id_map = None

    def remove(self, ids: np.ndarray) -> int:
        """Remove ids (absent ones are ignored); returns how many were removed."""
        if not len(ids):
            return 0
        removed = int(self._index.remove_ids(faiss.IDSelectorBatch(ids.astype(np.int64))))
        self._id_map = None
        return removed

    def ids(self) -> np.ndarray:
        if self._id_map is None:
            self._id_map = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        return self._id_map

    def search(self, vector: np.ndarray, candidates: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Exact top-k among `candidates` (ids); [(id, inner product)] best first."""
        if not len(candidates) or not self.ntotal:
            return []
        k = min(k, len(candidates))
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        if len(candidates) <= SUBSET_FRACTION * self.ntotal:
            hits = self._search_subset(query, candidates, k)
            if hits is not None:
                return hits
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(candidates.astype(np.int64)))
        scores, found = self._index.search(query, k, params=params)
        return [(int(i), float(s)) for i, s in zip(found[0], scores[0], strict=True) if i >= 0]

    def _search_subset(
        self, query: np.ndarray, candidates: np.ndarray, k: int
    ) -> list[tuple[int, float]] | None:
        id_map = self.ids()
        positions = np.searchsorted(id_map, candidates)
        positions[positions >= len(id_map)] = 0
        present = id_map[positions] == candidates
        positions = np.ascontiguousarray(positions[present], dtype=np.int64)
        if not len(positions):
            return []
        k = min(k, len(positions))
        n = self._flat.ntotal
        base = faiss.rev_swig_ptr(self._flat.get_xb(), n * self.dimension)
        scores = np.empty((1, k), dtype=np.float32)
        found = np.empty((1, k), dtype=np.int64)
        faiss.knn_inner_products_by_idx(
            faiss.swig_ptr(query),
            faiss.swig_ptr(base),
            faiss.swig_ptr(positions),
            self.dimension,
            1,
            n,
            len(positions),
            k,
            faiss.swig_ptr(scores),
            faiss.swig_ptr(found),
            len(positions),
        )
        return [
            (int(id_map[p]), float(s)) for p, s in zip(found[0], scores[0], strict=True) if p >= 0
        ]

    # -- snapshot: a cache of the SQLite vectors, never the source of truth -------------------

    def save(self, path: Path, generation: int) -> None:
        """Write the index and the database generation it reflects, atomically."""
        tmp = path.with_suffix(".tmp")
        faiss.write_index(self._index, str(tmp))
        _fsync(tmp)
        os.replace(tmp, path)
        meta = path.with_suffix(".json")
        meta_tmp = meta.with_suffix(".json.tmp")
        meta_tmp.write_text(json.dumps({"generation": generation, "ntotal": self.ntotal}))
        _fsync(meta_tmp)
        os.replace(meta_tmp, meta)

    @classmethod
    def load(cls, path: Path, dimension: int, generation: int, count: int) -> FlatIndex | None:
        """The snapshot if it exists, parses and matches the database; None means rebuild."""
        try:
            meta = json.loads(path.with_suffix(".json").read_text())
            if meta.get("generation") != generation:
                return None
            loaded = faiss.read_index(str(path))
        except (OSError, ValueError, RuntimeError):
            return None
        if loaded.d != dimension or loaded.ntotal != count or meta.get("ntotal") != count:
            return None
        # read_index already returns the concrete IndexIDMap2, which owns its sub-index; a
        # downcast copy of the wrapper would not own it and would dangle once `loaded` is freed.
        if not isinstance(loaded, faiss.IndexIDMap2):
            return None
        index = cls(dimension)
        index._index = loaded
        index._flat = faiss.downcast_index(loaded.index)
        return index


def _fsync(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
