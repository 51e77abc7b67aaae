"""Shared vector memory of distilled knowledge: records with provenance, visibility and
validity, filtered by the caller's readable set before ranking, served as cited context packs.

Two backends behind one seam: `FaissStore` (embedded default, SQLite + faiss) and
`PgVectorStore` (Postgres + pgvector). Nothing connects or loads at import time.
"""

from .acl import Principal, Readable
from .consolidate import ConsolidationPolicy
from .context import Citation, ContextPack, build_context
from .errors import (
    AccessDeniedError,
    InvalidRecordError,
    MemoryStoreError,
    RecordNotFoundError,
    StoreCorruptError,
    StoreLockedError,
    StoreUnavailableError,
)
from .faiss_store import FaissStore
from .pgvector_store import PgVectorStore
from .record import Kind, Record, Source, Visibility
from .store import Draft, Hit, MemoryStore, Stats, WriteResult

__all__ = [
    "AccessDeniedError",
    "Citation",
    "ConsolidationPolicy",
    "ContextPack",
    "Draft",
    "FaissStore",
    "Hit",
    "InvalidRecordError",
    "Kind",
    "MemoryStore",
    "MemoryStoreError",
    "PgVectorStore",
    "Principal",
    "Readable",
    "Record",
    "RecordNotFoundError",
    "Source",
    "Stats",
    "StoreCorruptError",
    "StoreLockedError",
    "StoreUnavailableError",
    "Visibility",
    "WriteResult",
    "build_context",
]
