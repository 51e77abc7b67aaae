"""Accounting: what one call used (`CallUsage`) and the engine's running totals (`LLMStats`).

api/ exposes `LLMEngine.stats` in /metrics; every field is a monotonically increasing counter
(a Prometheus counter each, `fallbacks` one counter labelled by reason).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field, replace

__all__ = ["CallUsage", "LLMStats", "StatsRecorder"]


@dataclass(frozen=True)
class CallUsage:
    """Tokens and cost of one chat completion, from the response's `usage`."""

    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    seconds: float


@dataclass(frozen=True)
class LLMStats:
    """Cumulative counters of one engine since it was built.

    `calls` counts completions received (each billed), `retries` the re-sent requests,
    `distillations` the results the LLM produced, `fallbacks` the offline results by reason.
    """

    calls: int = 0
    retries: int = 0
    distillations: int = 0
    repairs: int = 0
    guard_rejections: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    fallbacks: dict[str, int] = field(default_factory=dict)

    @property
    def fallbacks_total(self) -> int:
        return sum(self.fallbacks.values())


class StatsRecorder:
    """Thread-safe counters behind `LLMEngine.stats`; `snapshot()` is a consistent copy."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stats = LLMStats()
        self._fallbacks: Counter[str] = Counter()

    def add(self, **deltas: int | float) -> None:
        """Add to the named counters (`calls=1`, `cost_usd=0.002`, ...)."""
        with self._lock:
            changes = {name: getattr(self._stats, name) + value for name, value in deltas.items()}
            self._stats = replace(self._stats, **changes)

    def usage(self, usage: CallUsage) -> None:
        """Count one completion received and what it used."""
        self.add(
            calls=1,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cost_usd=usage.cost_usd,
        )

    def fallback(self, reason: str) -> None:
        with self._lock:
            self._fallbacks[reason] += 1

    def snapshot(self) -> LLMStats:
        with self._lock:
            return replace(self._stats, fallbacks=dict(self._fallbacks))
