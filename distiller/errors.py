"""Errors raised by the distiller package.

Every error here says what was wrong and what to do about it; messages live in `messages.py`.

    DistillerError
    ├── InputError            the text given cannot be distilled as it is
    │   ├── EmptyInputError       nothing but whitespace, emoji-free of words, or no messages
    │   ├── OversizeInputError    above the size limit (the limit is in the message)
    │   └── BinaryInputError      bytes that are not UTF-8 text
    ├── SpecError             a ReaderSpec or option that makes no sense (budget <= 0, ...)
    └── ModelUnavailableError a bundled model or tokenizer file is missing from the install
"""

from __future__ import annotations

__all__ = [
    "BinaryInputError",
    "DistillerError",
    "EmptyInputError",
    "InputError",
    "ModelUnavailableError",
    "OversizeInputError",
    "SpecError",
]


class DistillerError(Exception):
    """Base of every error the distiller raises on purpose."""


class InputError(DistillerError, ValueError):
    """The input cannot be distilled as it is."""


class EmptyInputError(InputError):
    """The input holds no text to distill."""


class OversizeInputError(InputError):
    """The input is above the configured size limit."""

    def __init__(self, message: str, *, limit: int, size: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.size = size


class BinaryInputError(InputError):
    """The input is bytes that do not decode as UTF-8 text."""


class SpecError(DistillerError, ValueError):
    """A reader spec or option is out of range."""


class ModelUnavailableError(DistillerError, RuntimeError):
    """A bundled model or data file could not be loaded."""
