"""Per-channel settings (auto mode, TL;DR replies) and the event ids already handled.

Auto mode is off unless someone turns it on in the channel (`/distill auto on`): the service
only reads and remembers a channel's messages where its people asked for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .sqlite import SlackDB

__all__ = ["EVENT_MEMORY_SECONDS", "ChannelSettings", "SettingsStore"]

# Slack retries an event three times over about five minutes; an hour is ample to dedupe.
EVENT_MEMORY_SECONDS = 3600
_PRUNE_EVERY = 500


@dataclass(frozen=True)
class ChannelSettings:
    channel_id: str
    auto: bool = False
    reply: bool = False


class SettingsStore:
    """Channel settings and event dedupe on the adapter's SQLite file."""

    def __init__(self, db: SlackDB) -> None:
        self.db = db
        self._inserts = 0

    def channel(self, channel_id: str) -> ChannelSettings:
        """The channel's settings; the defaults (all off) for a channel never configured."""
        with self.db.tx() as conn:
            row = conn.execute(
                "SELECT auto, reply FROM channel_settings WHERE channel_id = ?", (channel_id,)
            ).fetchone()
        if row is None:
            return ChannelSettings(channel_id)
        return ChannelSettings(channel_id, bool(row[0]), bool(row[1]))

    def update(
        self,
        channel_id: str,
        *,
        auto: bool | None = None,
        reply: bool | None = None,
        by: str = "",
    ) -> ChannelSettings:
        """Change the given settings, keep the others; returns the new settings."""
        current = self.channel(channel_id)
        new = ChannelSettings(
            channel_id,
            current.auto if auto is None else auto,
            current.reply if reply is None else reply,
        )
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO channel_settings (channel_id, auto, reply, updated_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(channel_id) DO UPDATE SET auto = excluded.auto,"
                " reply = excluded.reply, updated_by = excluded.updated_by, "
                "updated_at = excluded.updated_at",
                (channel_id, int(new.auto), int(new.reply), by, time.time()),
            )
        return new

    def first_time(self, event_id: str) -> bool:
        """True the first time `event_id` is seen (atomic across threads and processes)."""
        now = time.time()
        with self.db.tx() as conn:
            inserted = conn.execute(
                "INSERT OR IGNORE INTO seen_events (event_id, at) VALUES (?, ?)", (event_id, now)
            ).rowcount
            self._inserts += 1
            if self._inserts % _PRUNE_EVERY == 0:
                conn.execute("DELETE FROM seen_events WHERE at < ?", (now - EVENT_MEMORY_SECONDS,))
        return inserted == 1
