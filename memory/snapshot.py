"""A snapshot of the file store's partitioned index, so a clean restart skips the rebuild.

The snapshot is a cache, never the source of truth: it records the database generation it
reflects and is used only if that generation, the record count, the dimension, the file size and
a CRC of the payload all match; anything else (missing, stale after a crash, truncated, corrupt)
returns None and the store rebuilds from SQLite. It is written once, on clean close, to a temporary
file that is fsynced and then renamed over the old one.

Layout: 8-byte magic, 8-byte header length, JSON header (generation, dimension, partitions with
their sizes, CRC-32 of the payload and of the IVF part), zero padding to 64 bytes, then every
partition's ids (int64), then every partition's vectors (float32), then the serialised IVF index
if the store has one (ivf.py).
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import numpy as np

from .ivf import IVFIndex
from .partitions import PartitionedIndex, PartitionKey

__all__ = ["load_snapshot", "save_snapshot"]

_MAGIC = b"SDMEMIX1"
_ALIGN = 64


def save_snapshot(index: PartitionedIndex, path: Path, generation: int) -> None:
    """Write `index`, as of database `generation`, to `path` atomically."""
    parts = index.partitions()
    ivf = index.ivf.to_bytes() if index.ivf is not None else None
    crc = 0
    for part in parts:
        crc = zlib.crc32(part.ids[: part.size].tobytes(), crc)
    for part in parts:
        crc = zlib.crc32(np.ascontiguousarray(part.vectors[: part.size]).data, crc)
    header = json.dumps(
        {
            "generation": generation,
            "dimension": index.dimension,
            "ntotal": index.ntotal,
            "crc32": crc,
            "ivf": None if ivf is None else {"bytes": len(ivf), "crc32": zlib.crc32(ivf.data)},
            "partitions": [
                [p.key.visibility, p.key.workspace, p.key.current, p.size] for p in parts
            ],
        }
    ).encode()
    prefix = _MAGIC + len(header).to_bytes(8, "little") + header
    prefix += b"\0" * (-len(prefix) % _ALIGN)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(prefix)
        for part in parts:
            handle.write(part.ids[: part.size].tobytes())
        for part in parts:
            handle.write(np.ascontiguousarray(part.vectors[: part.size]).data)
        if ivf is not None:
            handle.write(ivf.data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load_snapshot(
    path: Path, dimension: int, generation: int, count: int
) -> PartitionedIndex | None:
    """The index saved at `path` if it is intact and reflects this database; None otherwise."""
    try:
        with open(path, "rb") as handle:
            if handle.read(8) != _MAGIC:
                return None
            length = int.from_bytes(handle.read(8), "little")
            if not 0 < length < 1 << 30:
                return None
            meta = json.loads(handle.read(length))
            offset = 16 + length + (-(16 + length) % _ALIGN)
            if (
                meta.get("generation") != generation
                or meta.get("dimension") != dimension
                or meta.get("ntotal") != count
            ):
                return None
            ivf_meta = meta.get("ivf") or {"bytes": 0, "crc32": None}
            size = os.fstat(handle.fileno()).st_size
            if size != offset + count * 8 + count * dimension * 4 + ivf_meta["bytes"]:
                return None
            handle.seek(offset)
            ids = np.fromfile(handle, dtype=np.int64, count=count)
            vectors = np.fromfile(handle, dtype=np.float32, count=count * dimension)
            ivf_bytes = np.fromfile(handle, dtype=np.uint8, count=ivf_meta["bytes"])
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return None
    crc = zlib.crc32(vectors.data, zlib.crc32(ids.data))
    if crc != meta.get("crc32") or len(ids) != count:
        return None
    vectors = vectors.reshape(count, dimension)
    try:
        index = _restore(dimension, meta["partitions"], ids, vectors)
    except (KeyError, TypeError, ValueError):
        return None
    if index is not None and len(ivf_bytes) and zlib.crc32(ivf_bytes.data) == ivf_meta["crc32"]:
        # A damaged IVF part only costs its rebuild: the partitions are intact.
        ivf = IVFIndex.from_bytes(ivf_bytes, dimension, None)
        if ivf is not None and ivf.ntotal == count:
            index.ivf = ivf
    return index


def _restore(
    dimension: int, layout: list, ids: np.ndarray, vectors: np.ndarray
) -> PartitionedIndex | None:
    index = PartitionedIndex(dimension)
    offset = 0
    for visibility, workspace, current, size in layout:
        key = PartitionKey(str(visibility), str(workspace), bool(current))
        end = offset + int(size)
        index.adopt(key, ids[offset:end], vectors[offset:end])
        offset = end
    return index if offset == len(ids) else None
