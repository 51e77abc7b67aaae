"""Errors raised by the memory package.

Every error says what went wrong and what to do; the texts live in `messages.py`. Errors of
third-party libraries (sqlite3, faiss, psycopg) are translated at the backend boundary with
`raise ... from exc`, so callers only ever catch these.

    MemoryStoreError
    ├── StoreUnavailableError   the database cannot be reached or opened (bad URL, server down)
    │   └── StoreLockedError        another process holds the file store's data directory
    ├── StoreCorruptError       the database itself is unreadable (the index file never is fatal)
    ├── RecordNotFoundError     no record with that id that the caller may read
    ├── AccessDeniedError       the principal may not write or read with that visibility
    └── InvalidRecordError      a record or query that makes no sense (empty text, k <= 0, ...)
"""

from __future__ import annotations

__all__ = [
    "AccessDeniedError",
    "InvalidRecordError",
    "MemoryStoreError",
    "RecordNotFoundError",
    "StoreCorruptError",
    "StoreLockedError",
    "StoreUnavailableError",
]


class MemoryStoreError(Exception):
    """Base of every error the memory package raises on purpose."""


class StoreUnavailableError(MemoryStoreError, RuntimeError):
    """The store's database cannot be reached or opened."""


class StoreLockedError(StoreUnavailableError):
    """Another process already has the file store open for writing."""

    def __init__(self, message: str, *, path: str, holder_pid: int | None) -> None:
        super().__init__(message)
        self.path = path
        self.holder_pid = holder_pid


class StoreCorruptError(MemoryStoreError, RuntimeError):
    """The source-of-truth database is damaged; the faiss index alone is always rebuilt."""


class RecordNotFoundError(MemoryStoreError, LookupError):
    """No record with that id is visible to the caller (absent and forbidden look the same)."""

    def __init__(self, message: str, *, record_id: str) -> None:
        super().__init__(message)
        self.record_id = record_id


class AccessDeniedError(MemoryStoreError, PermissionError):
    """The principal may not use that visibility."""


class InvalidRecordError(MemoryStoreError, ValueError):
    """A record, query or option is out of range."""
