"""Reading the model's reply into a `Draft`: strict JSON when the server enforced the schema,
JSON with repair when it did not (code fences, prose around the object, trailing commas).
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import messages
from .errors import LLMResponseError

__all__ = ["Draft", "DraftAsk", "parse_draft", "repair_json"]

_FENCE_RE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)


class DraftAsk(BaseModel):
    """An ask as the model wrote it."""

    model_config = ConfigDict(extra="ignore")

    text: str
    owner: str | None = None
    due: str | None = None


class Draft(BaseModel):
    """The model's distillation before it is checked: tldr, bullets, asks."""

    model_config = ConfigDict(extra="ignore")

    tldr: str
    bullets: list[str] = Field(default_factory=list)
    asks: list[DraftAsk] = Field(default_factory=list)

    @field_validator("tldr")
    @classmethod
    def _has_words(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("tldr is empty")
        return value.strip()


def _drop_trailing_commas(text: str) -> str:
    """Remove commas before '}' or ']' outside strings (a regex would edit string contents)."""
    out: list[str] = []
    in_string = escaped = False
    pending_comma: int | None = None
    for char in text:
        if in_string:
            out.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char in "}]" and pending_comma is not None:
            del out[pending_comma]
        if char == ",":
            pending_comma = len(out)
        elif not char.isspace():
            pending_comma = None
        if char == '"':
            in_string = True
        out.append(char)
    return "".join(out)


def repair_json(content: str) -> str:
    """The JSON object inside a reply: fences and surrounding prose cut, trailing commas gone."""
    fenced = _FENCE_RE.search(content)
    text = fenced.group(1) if fenced else content
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        text = text[start : end + 1]
    return _drop_trailing_commas(text.strip())


def parse_draft(content: str) -> Draft:
    """Parse a reply into a Draft, repairing common JSON slips; raise LLMResponseError if unfit."""
    try:
        data = json.loads(content)
    except json.JSONDecodeError:
        try:
            data = json.loads(repair_json(content))
        except json.JSONDecodeError as exc:
            raise LLMResponseError(messages.NOT_JSON.format(detail=exc.msg)) from exc
    if not isinstance(data, dict):
        raise LLMResponseError(messages.NOT_JSON.format(detail=type(data).__name__))
    try:
        return Draft.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "reply"
        detail = f"{where}: {first['msg']}"
        raise LLMResponseError(messages.BAD_SHAPE.format(detail=detail)) from exc
