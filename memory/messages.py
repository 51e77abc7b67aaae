"""Every user-facing error and log message of the memory package, in one place."""

from __future__ import annotations

STORE_LOCKED = (
    "the memory store in {path} is already open in another process (pid {pid}); "
    "stop that process, or give this one its own DISTILLER_DATA_DIR, "
    "or use the Postgres store (DATABASE_URL) to share memory between processes"
)
SQLITE_OPEN_FAILED = (
    "cannot open the memory database {path}: {error}; "
    "check that DISTILLER_DATA_DIR exists and is writable"
)
SQLITE_CORRUPT = (
    "the memory database {path} is damaged ({error}); restore it from a backup or "
    "export what is readable with `distill memory export`"
)
INDEX_REBUILT = "index snapshot {path} was {reason}; rebuilt the index from SQLite ({count} rows)"
SNAPSHOT_FAILED = (
    "could not save the index snapshot ({error}); nothing is lost, the next open rebuilds the "
    "index from SQLite (slower): check free space in DISTILLER_DATA_DIR"
)
IVF_BUILDING = (
    "building the IVF index for wide readers over {count} records (once; it is saved with the "
    "snapshot on close)"
)
BAD_SYNCHRONOUS = "synchronous must be one of {allowed}, got {value!r}"
PG_UNAVAILABLE = (
    "cannot reach Postgres for the memory store: {error}; "
    "check DATABASE_URL and that the server is running"
)
PG_NO_VECTOR = (
    "the pgvector extension is not available in this Postgres: {error}; "
    "install pgvector or run `CREATE EXTENSION vector` as a superuser"
)
PG_DIMENSION = (
    "table {table} stores vectors of dimension {have}, but the embedder makes {want}; "
    "use another schema or re-embed the records"
)
NOT_FOUND = "no memory record {record_id} that you may read; check the id and your team"
EMPTY_TEXT = "the record text is empty after secret redaction: give a statement with some words"
BAD_K = "k must be between 1 and {high}, got {value}"
BAD_BUDGET = "budget_tokens must be between {low} and {high}, got {value}"
BAD_VISIBILITY = (
    "visibility {value!r} is not understood; use public:<channel>, private:<channel>, "
    "team:<team> or workspace:<workspace>"
)
WRITE_DENIED = (
    "principal of team {team!r} may not write records with visibility {visibility}; "
    "write with a visibility the principal can read"
)
EMBEDDER_DIMENSION = "the embedder makes vectors of {have} dimensions; the store expects {want}"
CLOSED = "the memory store is closed; open a new one"
