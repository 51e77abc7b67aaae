"""From collected messages to a `Digest` for the subscription's reader.

The reader is the subscription's persona, else the channel's (as /distill persona set it),
else the configured default: the same precedence as every other surface.
"""

from __future__ import annotations

from collections.abc import Callable

from distiller import Embedder, ReaderSpec
from distiller.digest import Digest, DigestEngine, DigestRequest

from ..service import DistillService
from .collect import Collected
from .schedule import Window
from .subscription import Subscription

__all__ = ["DigestBuilder", "digest_builder"]

DigestBuilder = Callable[[Subscription, Window, Collected], Digest]


def digest_builder(
    service: DistillService, embedder: Embedder, *, detect_threshold: float | None = None
) -> DigestBuilder:
    """A builder using the service's engine (offline, or the LLM with its fallback) and
    persona registry. CPU-bound: call it in a worker thread. UnknownPersonaError when the
    subscription names a persona that has since been removed."""
    engine = DigestEngine(service.engine, embedder, detect_threshold=detect_threshold)

    def build(sub: Subscription, window: Window, collected: Collected) -> Digest:
        resolution = service.resolve(sub.persona, sub.channel)
        spec = resolution.persona.to_spec() if resolution else ReaderSpec()
        request = DigestRequest(
            start=window.start,
            end=window.end,
            spec=spec,
            budget_tokens=sub.budget_tokens,
            max_topics=sub.max_topics,
            channel=f"<#{sub.channel}>",
            timezone=sub.timezone,
            skipped=tuple(collected.skipped),
        )
        return engine.build(collected.messages, request)

    return build
