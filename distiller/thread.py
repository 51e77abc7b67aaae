"""Input preparation: validate, decode, size-check and redact what callers hand the engine.

Every engine goes through `prepare_thread`, so no engine ever sees a secret, a byte string or an
oversize input, and every caller gets the same clear errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from . import messages
from .errors import BinaryInputError, EmptyInputError, InputError, OversizeInputError
from .message import Message
from .redact import redact_secrets
from .tokens import count_tokens

__all__ = ["DEFAULT_MAX_INPUT_CHARS", "Source", "Thread", "prepare_thread"]

# 200k characters is ~50k tokens: five times Slack's 40k-character message limit, room for a
# long thread, and well under what one CPU distills in a second.
DEFAULT_MAX_INPUT_CHARS = 200_000

Source = str | bytes | Sequence[Message | Mapping[str, Any]]
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Thread:
    """Redacted messages ready to distill, with the counts callers report."""

    messages: tuple[Message, ...]
    redactions: int
    tokens_in: int

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.messages)

    @property
    def is_dialogue(self) -> bool:
        return len({m.user for m in self.messages if m.user}) > 1


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BinaryInputError(
            messages.BINARY.format(offset=exc.start, byte=raw[exc.start])
        ) from exc


def _check_text(text: str) -> str:
    control = _CONTROL_RE.search(text)
    if control:
        raise BinaryInputError(
            messages.BINARY.format(offset=control.start(), byte=ord(control.group(0)))
        )
    return text


def _to_messages(source: Source) -> list[Message]:
    if isinstance(source, bytes):
        source = _decode(source)
    if isinstance(source, str):
        return [Message(text=_check_text(source))]
    out: list[Message] = []
    for index, item in enumerate(source):
        if isinstance(item, Message):
            out.append(item.model_copy(update={"text": _check_text(item.text)}))
            continue
        try:
            message = Message.model_validate(dict(item))
        except (ValidationError, TypeError, ValueError) as exc:
            raise InputError(messages.BAD_MESSAGE_ITEM.format(index=index)) from exc
        out.append(message.model_copy(update={"text": _check_text(message.text)}))
    return out


def prepare_thread(source: Source, max_chars: int = DEFAULT_MAX_INPUT_CHARS) -> Thread:
    """Validate and redact `source` (text, UTF-8 bytes, or messages); raise InputError if unfit."""
    items = _to_messages(source)
    size = sum(len(m.text) for m in items)
    if size > max_chars:
        raise OversizeInputError(
            messages.OVERSIZE.format(size=size, limit=max_chars), limit=max_chars, size=size
        )
    items = [m for m in items if m.text.strip()]
    if not items:
        raise EmptyInputError(
            messages.EMPTY_MESSAGES if not isinstance(source, str | bytes) else messages.EMPTY_TEXT
        )
    redacted: list[Message] = []
    found = 0
    for message in items:
        result = redact_secrets(message.text)
        found += len(result.findings)
        redacted.append(
            message.model_copy(update={"text": result.text}) if result.findings else message
        )
    return Thread(tuple(redacted), found, sum(count_tokens(m.text) for m in redacted))
