"""Who may read what: the `Principal` and the readable set every read path filters on.

A principal reads, in its own workspace:
- records with visibility `workspace:<ws>` and every `public:<channel>` record, unless it is a
  guest (Slack guests see only the channels they were invited to);
- `team:<t>` records of each of its teams;
- `public:<c>` and `private:<c>` records of each channel it is a member of.
Public channels are matched by scope + workspace rather than listed one by one, so a member need
not enumerate every public channel; the backends turn `Readable` into a SQL WHERE clause.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from .record import Record, Visibility

__all__ = ["Principal", "Readable"]


@dataclass(frozen=True)
class Readable:
    """A principal's readable set: exact visibility keys, plus workspaces whose public
    channels are all readable. Empty means nothing is readable (never "everything")."""

    keys: frozenset[str]
    public_workspaces: frozenset[str] = frozenset()

    def allows(self, visibility: Visibility, workspace: str) -> bool:
        """Whether a record with this visibility, from this workspace, is readable."""
        if visibility.key in self.keys:
            return True
        return visibility.scope == "public" and workspace in self.public_workspaces

    def allows_record(self, record: Record) -> bool:
        return self.allows(record.visibility, record.workspace)

    @classmethod
    def only(cls, visibility: Visibility) -> Readable:
        """Exactly one visibility: what consolidation compares a new record against."""
        return cls(keys=frozenset({visibility.key}))


class Principal(BaseModel):
    """A caller of the memory: an API key's team or a Slack user with their channels."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    workspace: str
    teams: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    guest: bool = False

    def readable(self) -> Readable:
        """The readable set, computed from membership; see the module docstring for the rules."""
        keys = {f"team:{team}" for team in self.teams}
        for channel in self.channels:
            keys.add(f"public:{channel}")
            keys.add(f"private:{channel}")
        public: frozenset[str] = frozenset()
        if not self.guest:
            keys.add(f"workspace:{self.workspace}")
            public = frozenset({self.workspace})
        return Readable(keys=frozenset(keys), public_workspaces=public)

    def can_read(self, record: Record) -> bool:
        return self.readable().allows_record(record)

    def can_write(self, visibility: Visibility) -> bool:
        """A principal may only write what it could read back (no planting in other teams)."""
        return self.readable().allows(visibility, self.workspace)
