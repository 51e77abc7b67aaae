"""API keys: created once, shown once, stored hashed; each maps to a principal and scopes.

A key looks like `sd_<id>_<secret>`. The id finds the row; the secret is compared by its
SHA-256 in constant time. Keys are 192-bit random, so a fast hash is the right one (a slow
password hash protects low-entropy secrets, which these are not).

Verified rows are cached in memory for `cache_ttl` seconds (the SQLite read was a third of
the auth cost per request). Revocation through this store applies at once; a revocation by
another process (`distill keys revoke` next to a running server) applies within `cache_ttl`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from memory import Principal, Visibility

__all__ = ["SCOPES", "ApiKey", "AuthError", "KeyStore", "NewKey"]

# What a key may do. "distill" covers /v1/distill, /v1/detect, /v1/compose.
SCOPES = ("distill", "memory:read", "memory:write", "admin")
DEFAULT_WORKSPACE = "default"
# How stale a cached key row may be: the longest a key revoked by another process (the CLI)
# keeps working in a running server. Short enough for an incident, long enough that the
# SQLite read happens about once per key per few seconds instead of on every request.
DEFAULT_KEY_CACHE_TTL = 5.0
_PREFIX = "sd"


class AuthError(Exception):
    """A key that is missing, malformed, unknown or revoked (always answered with 401)."""


@dataclass(frozen=True)
class ApiKey:
    """A stored key's public part: who it is for and what it may do."""

    id: str
    team: str
    scopes: frozenset[str]
    workspace: str
    channels: frozenset[str]
    label: str
    created_at: str
    revoked: bool = False

    @property
    def principal(self) -> Principal:
        """The memory principal: the key's team, its workspace and the channels it may read."""
        return Principal(
            workspace=self.workspace, teams=frozenset({self.team}), channels=self.channels
        )

    def write_visibility(self, value: str | None) -> Visibility:
        """Where this key's writes go: the "scope:id" asked for, or the key's own team."""
        return Visibility.parse(value) if value else Visibility.team(self.team)


@dataclass(frozen=True)
class NewKey:
    """A key just created: `token` is shown once and never stored."""

    key: ApiKey
    token: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyStore:
    """API keys in SQLite (`keys.sqlite3` in the data dir). Thread-safe; opened once."""

    def __init__(
        self,
        path: str | Path,
        cache_ttl: float = DEFAULT_KEY_CACHE_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.cache_ttl = cache_ttl
        self._clock = clock
        # key id -> (stored digest, key, when read). Only rows that exist and are not revoked,
        # so the cache is bounded by the key table, whatever ids callers make up.
        self._cache: dict[str, tuple[str, ApiKey, float]] = {}
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, digest TEXT NOT NULL,"
            " team TEXT NOT NULL, scopes TEXT NOT NULL, workspace TEXT NOT NULL,"
            " channels TEXT NOT NULL, label TEXT NOT NULL, created_at TEXT NOT NULL,"
            " revoked INTEGER NOT NULL DEFAULT 0)"
        )

    def close(self) -> None:
        self._db.close()

    def create(
        self,
        team: str,
        scopes: list[str] | tuple[str, ...],
        *,
        workspace: str = DEFAULT_WORKSPACE,
        channels: tuple[str, ...] = (),
        label: str = "",
    ) -> NewKey:
        """Create a key for `team` with `scopes`; ValueError names an unknown scope."""
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown or not scopes:
            raise ValueError(
                f"unknown scope(s) {', '.join(unknown) or '(none given)'}; "
                f"choose from: {', '.join(SCOPES)}"
            )
        if not team.strip():
            raise ValueError("--team is required: the team whose memory this key reads and writes")
        key_id, secret = secrets.token_hex(4), secrets.token_urlsafe(24)
        key = ApiKey(
            id=key_id,
            team=team,
            scopes=frozenset(scopes),
            workspace=workspace,
            channels=frozenset(channels),
            label=label,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        with self._lock:
            self._db.execute(
                "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (
                    key.id,
                    _digest(secret),
                    team,
                    json.dumps(sorted(key.scopes)),
                    workspace,
                    json.dumps(sorted(key.channels)),
                    label,
                    key.created_at,
                ),
            )
        return NewKey(key, f"{_PREFIX}_{key_id}_{secret}")

    def verify(self, token: str) -> ApiKey:
        """The key for a presented token; AuthError if malformed, unknown or revoked."""
        prefix, _, rest = token.partition("_")
        key_id, _, secret = rest.partition("_")
        if prefix != _PREFIX or not key_id or not secret:
            raise AuthError("malformed API key: expected sd_<id>_<secret>")
        now = self._clock()
        key: ApiKey | None
        cached = self._cache.get(key_id)
        if cached is not None and now - cached[2] < self.cache_ttl:
            digest, key = cached[0], cached[1]
        else:
            with self._lock:
                row = self._db.execute("SELECT * FROM api_keys WHERE id = ?", (key_id,)).fetchone()
                if row is None:
                    self._cache.pop(key_id, None)
                    digest, key = "", None
                else:
                    digest, key = row[1], _row_to_key(row)
                    if key.revoked:
                        self._cache.pop(key_id, None)
                    else:
                        self._cache[key_id] = (digest, key, now)
        # The secret is checked on every call, cached or not: the cache holds no secrets.
        if key is None or not hmac.compare_digest(digest, _digest(secret)):
            raise AuthError("unknown API key: create one with `distill keys create`")
        if key.revoked:
            raise AuthError("this API key was revoked: create a new one with `distill keys create`")
        return key

    def list(self) -> list[ApiKey]:
        """Every key, newest first (no secrets: they are not stored)."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM api_keys ORDER BY created_at DESC").fetchall()
        return [_row_to_key(row) for row in rows]

    def revoke(self, key_id: str) -> bool:
        """Revoke a key by id, in this process at once; False if there is no such key."""
        with self._lock:
            cursor = self._db.execute("UPDATE api_keys SET revoked = 1 WHERE id = ?", (key_id,))
            self._cache.pop(key_id, None)
        return cursor.rowcount > 0

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM api_keys").fetchone()[0])


def _row_to_key(row: tuple) -> ApiKey:  # type: ignore[type-arg]
    return ApiKey(
        id=row[0],
        team=row[2],
        scopes=frozenset(json.loads(row[3])),
        workspace=row[4],
        channels=frozenset(json.loads(row[5])),
        label=row[6],
        created_at=row[7],
        revoked=bool(row[8]),
    )
