"""The persona file: channel → persona settings and custom personas, in TOML.

    [channels]
    C0123ABCD = "oncall-engineer"

    [personas.sre]
    description = "Site reliability engineers"
    priorities = ["latency", "error budget"]
    budget_tokens = 60

Read with `tomllib`; written by a small serializer of our own (the file's value types are few:
strings, integers, booleans, lists of strings and one string table, the glossary), so writing
needs no dependency. Every error names the file, the table and the field.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from . import messages
from .errors import PersonaConfigError
from .ids import check_channel_id
from .persona import BUILTIN_PERSONAS, Persona, validation_problem

__all__ = ["PersonaFile", "dumps_persona_file", "parse_persona_file", "read_persona_file"]

_TABLES = ("channels", "personas")


@dataclass(frozen=True)
class PersonaFile:
    """What a persona file says: channel settings and custom persona definitions."""

    channels: dict[str, str] = field(default_factory=dict)
    personas: dict[str, Persona] = field(default_factory=dict)


def read_persona_file(path: str | Path, known: Iterable[str] = ()) -> PersonaFile:
    """Read and validate the TOML file at `path`; `known` adds persona names defined elsewhere.

    Raises PersonaConfigError naming the file, the table and the field.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PersonaConfigError(messages.FILE_MISSING.format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PersonaConfigError(messages.FILE_UNREADABLE.format(path=path, error=exc)) from exc
    return parse_persona_file(text, str(path), known)


def parse_persona_file(
    text: str, label: str = "<persona file>", known: Iterable[str] = ()
) -> PersonaFile:
    """Validate persona-file TOML `text`; `label` names it in errors (usually the path)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PersonaConfigError(messages.FILE_BAD_TOML.format(path=label, error=exc)) from exc
    for key in data:
        if key not in _TABLES:
            raise PersonaConfigError(messages.FILE_UNKNOWN_TABLE.format(path=label, key=key))
    channels_raw = _table(data, "channels", label)
    personas_raw = _table(data, "personas", label)
    personas = {name: _persona(name, body, label) for name, body in personas_raw.items()}
    valid = {*BUILTIN_PERSONAS, *personas, *known}
    channels: dict[str, str] = {}
    for key, value in channels_raw.items():
        if not isinstance(value, str):
            kind = type(value).__name__ if not isinstance(value, dict) else "a table"
            raise PersonaConfigError(
                messages.FILE_CHANNEL_VALUE.format(path=label, key=key, kind=kind)
            )
        try:
            check_channel_id(key)
        except PersonaConfigError as exc:
            raise PersonaConfigError(f"{label}: [channels] {exc}") from None
        if value not in valid:
            raise PersonaConfigError(
                messages.FILE_UNKNOWN_PERSONA.format(
                    path=label, key=key, name=value, valid=", ".join(sorted(valid))
                )
            )
        channels[key] = value
    return PersonaFile(channels=channels, personas=personas)


def _table(data: Mapping[str, object], name: str, label: str) -> dict[str, object]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise PersonaConfigError(messages.FILE_NOT_TABLE.format(path=label, table=name))
    return value


def _persona(name: str, body: object, label: str) -> Persona:
    if not isinstance(body, dict):
        raise PersonaConfigError(
            messages.FILE_NOT_TABLE.format(path=label, table=f"personas.{name}")
        )
    if "name" in body and body["name"] != name:
        problem = messages.NAME_MISMATCH.format(value=body["name"], table=name)
        raise PersonaConfigError(
            messages.FILE_FIELD.format(path=label, table=name, field="name", problem=problem)
        )
    try:
        return Persona.model_validate({**body, "name": name})
    except ValidationError as exc:
        field_name, problem = validation_problem(exc)
        raise PersonaConfigError(
            messages.FILE_FIELD.format(path=label, table=name, field=field_name, problem=problem)
        ) from exc


def dumps_persona_file(persona_file: PersonaFile) -> str:
    """TOML text that `parse_persona_file` reads back to an equal PersonaFile.

    Persona fields equal to their defaults are left out, so the file stays short.
    """
    lines = ["# slack-distiller persona file: channel id → persona, and custom personas.", ""]
    lines.append("[channels]")
    lines.extend(f"{_key(k)} = {_string(v)}" for k, v in sorted(persona_file.channels.items()))
    for name, persona in sorted(persona_file.personas.items()):
        body = persona.model_dump(exclude_defaults=True, exclude={"name"})
        # description has no default, so it is always there; the glossary is a sub-table.
        glossary = body.pop("glossary", None)
        lines += ["", f"[personas.{_key(name)}]"]
        lines.extend(f"{_key(k)} = {_value(v)}" for k, v in body.items())
        if glossary:
            lines += ["", f"[personas.{_key(name)}.glossary]"]
            lines.extend(f"{_key(k)} = {_string(v)}" for k, v in glossary.items())
    return "\n".join(lines) + "\n"


_BARE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE_KEY_RE.match(key) else _string(key)


def _string(text: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes, except that TOML also wants DEL
    # escaped; non-ASCII stays literal (TOML has no surrogate pairs for json's \\ud83d style).
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"the persona file cannot hold a {type(value).__name__}")
