"""The adapter's Prometheus counters, on the app's own registry (served at /metrics)."""

from __future__ import annotations

import weakref

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["SlackMetrics"]

_BY_REGISTRY: weakref.WeakKeyDictionary[CollectorRegistry, SlackMetrics] = (
    weakref.WeakKeyDictionary()
)


class SlackMetrics:
    """Shortcuts, events and feedback; one set per registry (a lifespan may run twice)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.shortcuts = Counter(
            "distiller_slack_shortcuts",
            "distill shortcut results by outcome (ok, no_access, empty, error)",
            ["outcome"],
            registry=registry,
        )
        self.result_seconds = Histogram(
            "distiller_slack_result_seconds",
            "From the shortcut's ack to its answer reaching response_url",
            buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30),
            registry=registry,
        )
        self.events = Counter(
            "distiller_slack_events",
            "message events by outcome (ingested, replied, skipped, duplicate, updated, deleted)",
            ["outcome"],
            registry=registry,
        )
        self.feedback = Counter(
            "distiller_slack_feedback",
            "thumbs up/down votes on distillations shown in Slack",
            ["vote"],
            registry=registry,
        )

    @classmethod
    def on(cls, registry: CollectorRegistry) -> SlackMetrics:
        """The adapter's metrics on `registry`, created on first use."""
        found = _BY_REGISTRY.get(registry)
        if found is None:
            found = _BY_REGISTRY[registry] = cls(registry)
        return found
