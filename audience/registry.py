"""`PersonaRegistry`: which persona each channel uses, custom personas, readers' preferences.

State lives in a `PersonaStore` and is read on every call, so replicas sharing a Postgres store
see each other's changes at once. The persona file seeds and updates it: a reload overwrites
what the file set before, removes what the file no longer says, and keeps what was changed at
run time (reported, so an operator sees why an edit in the file did not take).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from . import messages
from .errors import PersonaConfigError, PersonaStoreError, UnknownPersonaError
from .ids import check_channel_id, check_user_id
from .persona import BUILTIN_PERSONAS, Persona, parse_persona
from .persona_file import PersonaFile, dumps_persona_file, read_persona_file
from .store import FILE_SOURCE, Entry, Kind, PersonaStore

__all__ = ["DEFAULT_SOURCE", "PersonaRegistry", "SyncReport"]

# Who changed an entry when the caller does not say: the HTTP API passes "api:<principal>".
DEFAULT_SOURCE = "api"


@dataclass
class SyncReport:
    """What a persona-file load did: entries written, removed, and kept against the file."""

    applied: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{len(self.applied)} applied, {len(self.removed)} removed, {len(self.kept)} kept"
        return "; ".join([head, *self.kept])


class PersonaRegistry:
    """Channel → persona settings, custom personas and readers' own preferences, in a store."""

    def __init__(self, store: PersonaStore) -> None:
        self.store = store

    # Personas ---------------------------------------------------------------------------------

    def custom_personas(self) -> dict[str, Persona]:
        """The personas defined in the file or at run time, by name."""
        out = {}
        for name, entry in self.store.items("persona").items():
            try:
                out[name] = Persona.model_validate_json(entry.value)
            except ValidationError as exc:
                # A persona stored by an older version whose rules have since tightened.
                raise PersonaStoreError(
                    messages.STORED_PERSONA_INVALID.format(name=name, error=exc.errors()[0]["msg"])
                ) from exc
        return out

    def personas(self) -> dict[str, Persona]:
        """Every persona a request may name: built-ins, overridden by custom ones of that name."""
        return {**BUILTIN_PERSONAS, **self.custom_personas()}

    def persona(self, name: str) -> Persona:
        """The persona called `name`; UnknownPersonaError listing the valid names if none."""
        table = self.personas()
        if name not in table:
            raise UnknownPersonaError(name, table)
        return table[name]

    def define_persona(
        self, definition: Persona | Mapping[str, object], *, source: str = DEFAULT_SOURCE
    ) -> Persona:
        """Add or replace a custom persona (validated: PersonaConfigError names the field)."""
        persona = definition if isinstance(definition, Persona) else parse_persona(definition)
        self.store.put("persona", persona.name, persona.model_dump_json(), source)
        return persona

    def remove_persona(self, name: str) -> None:
        """Remove a custom persona; refused for built-ins and for personas still in use."""
        if name not in self.store.items("persona"):
            if name in BUILTIN_PERSONAS:
                raise PersonaConfigError(messages.BUILTIN_REMOVE.format(name=name))
            raise UnknownPersonaError(name, self.personas())
        users = self._users_of(name)
        if users and name not in BUILTIN_PERSONAS:
            raise PersonaConfigError(messages.PERSONA_IN_USE.format(name=name, users=users))
        self.store.delete("persona", name)

    def _users_of(self, name: str) -> str:
        found = [
            f"{kind} {key}"
            for kind in ("channel", "reader")
            for key, entry in self.store.items(kind).items()
            if entry.value == name
        ]
        return ", ".join(found)

    # Channels and readers ---------------------------------------------------------------------

    def channel_settings(self) -> dict[str, str]:
        """Every channel with a persona set: channel id → persona name."""
        return {key: entry.value for key, entry in self.store.items("channel").items()}

    def channel_persona(self, channel_id: str) -> Persona | None:
        """The persona set for the channel, or None when it has none (inference may pick one)."""
        return self._lookup("channel", channel_id)

    def set_channel_persona(
        self, channel_id: str, name: str, *, source: str = DEFAULT_SOURCE
    ) -> Persona:
        """Set the channel's persona; UnknownPersonaError (listing valid names) if unknown."""
        check_channel_id(channel_id)
        persona = self.persona(name)
        self.store.put("channel", channel_id, name, source)
        return persona

    def clear_channel_persona(self, channel_id: str) -> bool:
        """Remove the channel's setting; True if it had one."""
        return self.store.delete("channel", check_channel_id(channel_id))

    def reader_persona(self, user_id: str) -> Persona | None:
        """The reader's own preference for results only they see, or None."""
        return self._lookup("reader", user_id)

    def set_reader_persona(self, user_id: str, name: str | None) -> Persona | None:
        """Set (or with None, clear) a reader's own preference; UnknownPersonaError if unknown."""
        check_user_id(user_id)
        if name is None:
            self.store.delete("reader", user_id)
            return None
        persona = self.persona(name)
        self.store.put("reader", user_id, name, DEFAULT_SOURCE)
        return persona

    def _lookup(self, kind: Kind, key: str) -> Persona | None:
        entry = self.store.get(kind, key)
        if entry is None:
            return None
        # A setting can outlive a custom persona removed from the file while in use elsewhere;
        # get_persona would raise, but a missing setting is the honest answer here.
        return self.personas().get(entry.value)

    # The persona file -------------------------------------------------------------------------

    def load_file(self, path: str | Path) -> SyncReport:
        """Bring the store in line with the persona file at `path`; run-time changes are kept.

        Validates the whole file first (PersonaConfigError names file, table and field), so a
        bad file changes nothing.
        """
        runtime = {k for k, e in self.store.items("persona").items() if e.source != FILE_SOURCE}
        wanted = read_persona_file(path, known=runtime)
        report = SyncReport()
        # Personas first (channels may name them), removals last (once channels have moved).
        self._put_personas(wanted, report)
        self._sync_channels(wanted, report)
        self._remove_personas(wanted, report)
        return report

    def _put_personas(self, wanted: PersonaFile, report: SyncReport) -> None:
        current = self.store.items("persona")
        puts: dict[str, Entry] = {}
        for name, persona in wanted.personas.items():
            entry = current.get(name)
            if entry and entry.source != FILE_SOURCE:
                report.kept.append(
                    messages.SYNC_KEPT_RUNTIME_PERSONA.format(name=name, source=entry.source)
                )
                continue
            puts[name] = Entry(persona.model_dump_json(), FILE_SOURCE)
            report.applied.append(f"persona {name}")
        self.store.apply("persona", puts)

    def _remove_personas(self, wanted: PersonaFile, report: SyncReport) -> None:
        deletes = []
        for name, entry in self.store.items("persona").items():
            if entry.source != FILE_SOURCE or name in wanted.personas:
                continue
            users = self._users_of(name)
            if users and name not in BUILTIN_PERSONAS:
                report.kept.append(messages.SYNC_KEPT_IN_USE.format(name=name, users=users))
            else:
                deletes.append(name)
                report.removed.append(f"persona {name}")
        self.store.apply("persona", deletes=deletes)

    def _sync_channels(self, wanted: PersonaFile, report: SyncReport) -> None:
        current = self.store.items("channel")
        puts: dict[str, Entry] = {}
        for channel, name in wanted.channels.items():
            entry = current.get(channel)
            if entry and entry.source != FILE_SOURCE:
                if entry.value != name:
                    report.kept.append(
                        messages.SYNC_KEPT_RUNTIME.format(
                            what=f"channel {channel}",
                            current=entry.value,
                            source=entry.source,
                            wanted=name,
                        )
                    )
                continue
            puts[channel] = Entry(name, FILE_SOURCE)
            report.applied.append(f"channel {channel}")
        deletes = [
            channel
            for channel, entry in current.items()
            if entry.source == FILE_SOURCE and channel not in wanted.channels
        ]
        report.removed.extend(f"channel {channel}" for channel in deletes)
        self.store.apply("channel", puts, deletes)

    def to_persona_file(self) -> PersonaFile:
        """The current channel settings and custom personas, whoever set them."""
        return PersonaFile(channels=self.channel_settings(), personas=self.custom_personas())

    def export_toml(self) -> str:
        """The current state as persona-file TOML (a backup, or a file to start from)."""
        return dumps_persona_file(self.to_persona_file())
