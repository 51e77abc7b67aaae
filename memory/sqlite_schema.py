"""The file store's SQLite schema, and `Where` filters as SQL.

`records` holds every record (its JSON body and its float32 vector) keyed by an AUTOINCREMENT
rowid, which is also the record's id in the in-memory index; `record_sources` lists the Slack
messages of each record, so deleting a message finds what it taught. `meta.generation` counts
committed write transactions: an index snapshot is only trusted if it was taken at the current
generation. Reads that are not vector searches (get, export, deletes, retention) filter here, in
SQL, by the caller's readable set.
"""

from __future__ import annotations

from .acl import Readable
from .store import Where

__all__ = ["SCHEMA", "readable_sql", "where_sql"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
CREATE TABLE IF NOT EXISTS records (
    rid INTEGER PRIMARY KEY AUTOINCREMENT,  -- index id; AUTOINCREMENT never reuses one
    id TEXT NOT NULL UNIQUE,
    visibility TEXT NOT NULL,
    scope TEXT NOT NULL,
    workspace TEXT NOT NULL,
    kind TEXT NOT NULL,
    valid_from REAL NOT NULL,
    invalid_at REAL,
    superseded_by TEXT,
    body TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS records_visibility ON records (visibility, invalid_at);
CREATE INDEX IF NOT EXISTS records_public ON records (scope, workspace, invalid_at);
CREATE INDEX IF NOT EXISTS records_superseded ON records (superseded_by);
CREATE TABLE IF NOT EXISTS record_sources (
    rid INTEGER NOT NULL REFERENCES records (rid) ON DELETE CASCADE,
    workspace TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    ts TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS record_sources_message ON record_sources (workspace, channel_id, ts);
CREATE INDEX IF NOT EXISTS record_sources_rid ON record_sources (rid);
"""


def readable_sql(readable: Readable) -> tuple[str, list[object]]:
    keys = sorted(readable.keys)
    workspaces = sorted(readable.public_workspaces)
    parts = []
    if keys:
        parts.append(f"visibility IN ({','.join('?' * len(keys))})")
    if workspaces:
        parts.append(f"(scope = 'public' AND workspace IN ({','.join('?' * len(workspaces))}))")
    if not parts:
        return "0", []  # an empty readable set reads nothing, never everything
    return f"({' OR '.join(parts)})", [*keys, *workspaces]


def where_sql(where: Where) -> tuple[str, list[object]]:
    clauses, params = ["1"], []
    if where.readable is not None:
        clause, extra = readable_sql(where.readable)
        clauses.append(clause)
        params += extra
    if where.ids is not None:
        clauses.append(f"id IN ({','.join('?' * len(where.ids))})" if where.ids else "0")
        params += list(where.ids)
    if where.source is not None:
        clauses.append(
            "rid IN (SELECT rid FROM record_sources WHERE workspace=? AND channel_id=? AND ts=?)"
        )
        params += list(where.source)
    if where.channel is not None:
        clauses.append(
            "rid IN (SELECT rid FROM record_sources WHERE workspace = ? AND channel_id = ?)"
        )
        params += list(where.channel)
    if where.superseded_by is not None:
        clauses.append("superseded_by = ?")
        params.append(where.superseded_by)
    if where.current_only:
        clauses.append("invalid_at IS NULL")
    if where.kinds is not None:
        clauses.append(f"kind IN ({','.join('?' * len(where.kinds))})" if where.kinds else "0")
        params += list(where.kinds)
    if where.valid_before is not None:
        clauses.append("valid_from < ?")
        params.append(where.valid_before.timestamp())
    return " AND ".join(clauses), params
