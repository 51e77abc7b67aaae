"""What the LLM engine's tests share: the spec, scripted replies, a fake clock, recorded sleeps."""

from __future__ import annotations

from distiller import Distillation, OfflineEngine, ReaderSpec

__all__ = ["GOOD", "INVENTED", "SPEC", "FakeClock", "Sleeps", "fallback_note", "offline"]

SPEC = ReaderSpec(budget_tokens=120, persona="oncall")
GOOD = {
    "tldr": "payments-api v2.14.1 failed on 3 of 12 pods; rolled back to v2.14.0 at 14:32 UTC.",
    "bullets": [
        "Error rate 4.2% against a 0.1% baseline; about 2,300 customers saw failed checkouts."
    ],
    "asks": [
        {
            "text": "<@U999ZZZ> review <https://github.com/acme/payments/pull/4521|PR #4521>"
            " by Fri",
            "owner": "<@U999ZZZ>",
            "due": "by Friday",
        }
    ],
}
INVENTED = {**GOOD, "bullets": ["Error rate 4.5% against a 0.1% baseline."]}


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Sleeps(list[float]):
    """A `sleep` that records how long the engine wanted to wait, and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def offline(text: str, spec: ReaderSpec = SPEC) -> Distillation:
    return OfflineEngine().distill(text, spec)


def fallback_note(result: Distillation) -> str:
    notes = [n for n in result.notes if n.startswith("llm fallback:")]
    assert len(notes) == 1, result.notes
    return notes[0]
