"""Errors raised by the audience package.

AudienceError
├── UnknownPersonaError   a persona name that is not built in nor defined (lists valid ones)
├── PersonaConfigError    a persona definition or persona file that is invalid (names the field)
└── PersonaStoreError     the registry's store failed (SQLite file or Postgres unreachable, …)
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["AudienceError", "PersonaConfigError", "PersonaStoreError", "UnknownPersonaError"]


class AudienceError(Exception):
    """Base of every error the audience package raises on purpose."""


class UnknownPersonaError(AudienceError, LookupError):
    """No persona by that name; `valid` lists the names that exist."""

    def __init__(self, name: str, valid: Iterable[str]) -> None:
        self.name = name
        self.valid = sorted(valid)
        super().__init__(f"unknown persona {name!r}; valid personas: {', '.join(self.valid)}")


class PersonaConfigError(AudienceError, ValueError):
    """A persona definition failed validation; the message names the field and the fix."""


class PersonaStoreError(AudienceError):
    """The persona store could not read or write; the message says what to check."""
