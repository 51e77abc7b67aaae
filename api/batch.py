"""Batch JSONL: one request per input line, one result per output line, streamed.

The line contract is what outside evaluations use; keep it stable.
Input:  {"id", "text"} or {"id", "messages": [{"user", "text", "ts"?}]},
        optional "persona", "focus" (string or list), "budget_tokens".
Output (distill): {"id", "summary", "tldr", "bullets", "asks", "tokens_in", "tokens_out", "engine"}
Output (detect):  {"id", "agent_score", "verbosity_score", "verbose_agent", "reasons"}
A bad line yields {"id", "line", "error"} and the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from audience import AudienceError
from distiller import DistillerError, Message

from .service import DistillService

__all__ = ["BatchLine", "LineOutcome", "Task", "detect_record", "run_batch"]

Task = Literal["distill", "detect"]


class BatchLine(BaseModel):
    """One input line. Unknown keys are ignored so richer eval files still load."""

    model_config = ConfigDict(extra="ignore")

    id: str | int | None = None
    text: str | None = None
    messages: list[Message] | None = None
    persona: str | None = None
    focus: list[str] = Field(default_factory=list)
    budget_tokens: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _focus_as_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("focus"), str):
            data = {**data, "focus": [data["focus"]]}
        return data

    @model_validator(mode="after")
    def _one_source(self) -> BatchLine:
        if (self.text is None) == (self.messages is None):
            raise ValueError("give exactly one of 'text' or 'messages'")
        return self


@dataclass(frozen=True)
class LineOutcome:
    """What happened to one input line: its output record and whether it failed."""

    line: int
    record: dict[str, Any]
    ok: bool


def _distill_record(service: DistillService, item: BatchLine) -> dict[str, Any]:
    source = item.text if item.text is not None else item.messages or []
    result = service.distill(source, item.persona, item.budget_tokens, item.focus)
    return {
        "id": item.id,
        "summary": result.render_text(),
        "tldr": result.tldr,
        "bullets": result.bullets,
        "asks": [ask.model_dump() for ask in result.asks],
        "tokens_in": result.tokens_in,
        "tokens_out": result.tokens_out,
        "engine": result.engine,
    }


def detect_record(item: BatchLine) -> dict[str, Any]:
    """The detect task's output fields for one line (a thread is scored as one text)."""
    from distiller.detect import detect

    text = item.text if item.text is not None else "\n".join(m.text for m in item.messages or [])
    result = detect(Message(text=text))
    return {
        "agent_score": result.agent_score,
        "verbosity_score": result.verbosity_score,
        "verbose_agent": result.verbose_agent,
        "reasons": result.reasons,
    }


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}" if where else first["msg"]
    return str(exc)


def run_batch(
    lines: Iterable[str],
    service: DistillService,
    task: Task = "distill",
    detector: Callable[[BatchLine], dict[str, Any]] = detect_record,
) -> Iterator[LineOutcome]:
    """Process JSONL lines lazily; each yields an outcome, a bad line never stops the run."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        item_id: Any = None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("each line must be a JSON object")
            item_id = data.get("id")
            item = BatchLine.model_validate(data)
            if task == "detect":
                record = {"id": item.id, **detector(item)}
            else:
                record = _distill_record(service, item)
            yield LineOutcome(number, record, True)
        except json.JSONDecodeError as exc:
            yield LineOutcome(
                number, {"id": None, "line": number, "error": f"invalid JSON: {exc.msg}"}, False
            )
        except (ValidationError, ValueError, DistillerError, AudienceError) as exc:
            yield LineOutcome(
                number, {"id": item_id, "line": number, "error": _error_text(exc)}, False
            )
