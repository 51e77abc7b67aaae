"""The `Engine` seam and `ReaderSpec`, what a reader needs from a distillation.

An engine implements one method, `_distill(thread, spec)`. The base class does the rest for
every engine alike: input validation, secret redaction, token counting, the default budget.
`distiller` knows nothing of personas; `audience.Persona` produces a `ReaderSpec`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from .result import Distillation, OutputFormat
from .thread import DEFAULT_MAX_INPUT_CHARS, Source, Thread, prepare_thread

__all__ = [
    "DEFAULT_MAX_BULLETS",
    "MAX_BUDGET_TOKENS",
    "MIN_BUDGET_TOKENS",
    "Engine",
    "ReaderSpec",
    "default_budget",
]

MIN_BUDGET_TOKENS = 8
MAX_BUDGET_TOKENS = 4_000
DEFAULT_MAX_BULLETS = 5
# With no budget given, aim at about a third of the input, between these bounds (tokens).
DEFAULT_BUDGET_RATIO = 0.3
DEFAULT_BUDGET_FLOOR = 40
DEFAULT_BUDGET_CEILING = 160


class ReaderSpec(BaseModel):
    """What the reader needs: how long, in what shape, about what, in which words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    budget_tokens: int | None = Field(
        default=None,
        ge=MIN_BUDGET_TOKENS,
        le=MAX_BUDGET_TOKENS,
        description="upper bound on output tokens (plain-text rendering); None picks one",
    )
    format: OutputFormat = "bullets"
    focus: tuple[str, ...] = Field(default=(), description="terms the reader cares about")
    avoid: tuple[str, ...] = Field(default=(), description="terms the reader does not need")
    vocabulary: Literal["expert", "general"] = "expert"
    glossary: dict[str, str] = Field(default_factory=dict, description="term -> plain expansion")
    max_bullets: int = Field(default=DEFAULT_MAX_BULLETS, ge=0, le=20)
    keep_identifiers: bool = Field(default=False, description="prefer units with ids and links")
    persona: str | None = Field(default=None, description="name reported in the result")


def default_budget(tokens_in: int) -> int:
    """The budget used when none is given: about a third of the input, within fixed bounds."""
    return max(
        DEFAULT_BUDGET_FLOOR, min(DEFAULT_BUDGET_CEILING, round(tokens_in * DEFAULT_BUDGET_RATIO))
    )


class Engine(ABC):
    """Turns a message or thread into a `Distillation`. Subclasses implement `_distill` only."""

    name: ClassVar[str]
    needs_network: ClassVar[bool] = False

    def __init__(self, *, max_input_chars: int = DEFAULT_MAX_INPUT_CHARS) -> None:
        self.max_input_chars = max_input_chars

    def distill(self, source: Source, spec: ReaderSpec | None = None) -> Distillation:
        """Distill text, UTF-8 bytes or a list of messages for a reader.

        Raises `InputError` (empty, oversize, binary, malformed items); secrets are redacted
        before the engine sees the text, and the count is in `redactions`.
        """
        spec = spec or ReaderSpec()
        thread = prepare_thread(source, self.max_input_chars)
        budget = spec.budget_tokens or default_budget(thread.tokens_in)
        result = self._distill(thread, spec, budget)
        return result.model_copy(
            update={
                "tokens_in": thread.tokens_in,
                "budget_tokens": budget,
                "engine": self.name,
                "persona": spec.persona,
                "format": spec.format,
                "redactions": thread.redactions,
            }
        )

    @abstractmethod
    def _distill(self, thread: Thread, spec: ReaderSpec, budget: int) -> Distillation:
        """Distill a prepared thread within `budget` tokens."""
