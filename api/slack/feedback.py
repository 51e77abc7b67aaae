"""Distillations shown in Slack, kept with their 👍/👎 votes for evaluation.

Each shortcut result is stored (source redacted, result, persona and why) so that the buttons
can act on it later (share, another persona, vote) without reading Slack again, and so that
votes can be exported as (source, summary, vote) rows to tune and evaluate the engine.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from distiller import Distillation, redact_secrets

from .sqlite import SlackDB

__all__ = ["DistillationLog", "Stored", "Vote", "export_feedback"]

Vote = Literal["up", "down"]


@dataclass(frozen=True)
class Stored:
    """One stored distillation and where it came from."""

    id: str
    team: str
    channel: str
    ts: str
    thread_ts: str | None
    requested_by: str
    persona: str | None
    why: str
    permalink: str
    source: list[dict[str, Any]]
    result: Distillation

    @property
    def root_ts(self) -> str:
        """The ts of the thread to post into: the thread's parent, or the message itself."""
        return self.thread_ts or self.ts


class DistillationLog:
    """Stored distillations and votes on the adapter's SQLite file."""

    def __init__(self, db: SlackDB) -> None:
        self.db = db

    def save(
        self,
        *,
        team: str,
        channel: str,
        ts: str,
        thread_ts: str | None,
        requested_by: str,
        why: str,
        permalink: str,
        source: list[dict[str, Any]],
        result: Distillation,
    ) -> str:
        """Store one distillation; returns its id (what the buttons carry)."""
        new_id = secrets.token_hex(8)
        # Secrets never reach disk; the engine redacted its own copy already.
        safe = [{**m, "text": redact_secrets(str(m.get("text", ""))).text} for m in source]
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO distillations (id, team, channel, ts, thread_ts, requested_by, "
                "persona, why, permalink, source, result, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new_id,
                    team,
                    channel,
                    ts,
                    thread_ts,
                    requested_by,
                    result.persona,
                    why,
                    permalink,
                    json.dumps(safe),
                    result.to_json(),
                    time.time(),
                ),
            )
        return new_id

    def get(self, distillation_id: str) -> Stored | None:
        """The stored distillation, or None (unknown id, or pruned)."""
        with self.db.tx() as conn:
            row = conn.execute(
                "SELECT id, team, channel, ts, thread_ts, requested_by, persona, why, permalink, "
                "source, result FROM distillations WHERE id = ?",
                (distillation_id,),
            ).fetchone()
        if row is None:
            return None
        did, team, channel, ts, thread_ts, requested_by, persona, why, permalink, source, result = (
            row
        )
        return Stored(
            id=did,
            team=team,
            channel=channel,
            ts=ts,
            thread_ts=thread_ts,
            requested_by=requested_by,
            persona=persona,
            why=why,
            permalink=permalink,
            source=json.loads(source),
            result=Distillation.model_validate_json(result),
        )

    def vote(self, distillation_id: str, user_id: str, vote: Vote) -> bool:
        """Record (or change) one person's vote; False if the distillation is unknown."""
        with self.db.tx() as conn:
            known = conn.execute(
                "SELECT 1 FROM distillations WHERE id = ?", (distillation_id,)
            ).fetchone()
            if known is None:
                return False
            conn.execute(
                "INSERT INTO feedback (distillation_id, user_id, vote, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(distillation_id, user_id) DO UPDATE SET vote = excluded.vote, "
                "at = excluded.at",
                (distillation_id, user_id, vote, time.time()),
            )
        return True

    def export(self) -> Iterator[dict[str, Any]]:
        """Every vote with its source and summary, oldest first (for evaluation sets)."""
        with self.db.tx() as conn:
            rows = conn.execute(
                "SELECT d.id, d.channel, d.persona, d.source, d.result, f.vote, f.at "
                "FROM feedback f JOIN distillations d ON d.id = f.distillation_id ORDER BY f.at"
            ).fetchall()
        for did, channel, persona, source, result, vote, at in rows:
            yield {
                "id": did,
                "channel": channel,
                "persona": persona,
                "vote": vote,
                "at": at,
                "source": json.loads(source),
                "result": json.loads(result),
            }


def export_feedback(data_dir: str | Path) -> Iterator[dict[str, Any]]:
    """Every 👍/👎 given in Slack with its source and summary, from `<data_dir>/slack.sqlite3`
    (for `distill slack export-feedback`; JSON-ready dicts, oldest first)."""
    db = SlackDB.in_data_dir(data_dir)
    try:
        yield from DistillationLog(db).export()
    finally:
        db.close()
