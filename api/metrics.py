"""Prometheus metrics: requests, latency, tokens in/out/saved, engine fallbacks.

One registry per app (not the global default), so two apps in one process (tests) never clash.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from distiller import Distillation

__all__ = ["CONTENT_TYPE", "Metrics", "MetricsMiddleware"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    """The service's counters and histograms."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "distiller_requests",
            "HTTP requests",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "distiller_request_seconds",
            "HTTP request latency",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.tokens_in = Counter("distiller_tokens_in", "Tokens distilled", registry=self.registry)
        self.tokens_out = Counter("distiller_tokens_out", "Tokens produced", registry=self.registry)
        self.tokens_saved = Counter(
            "distiller_tokens_saved", "Tokens readers did not have to read", registry=self.registry
        )

    def distilled(self, result: Distillation) -> None:
        """Count one distillation's tokens."""
        self.tokens_in.inc(result.tokens_in)
        self.tokens_out.inc(result.tokens_out)
        self.tokens_saved.inc(max(0, result.tokens_in - result.tokens_out))

    def watch_engine(self, engine: object) -> None:
        """Expose an LLM engine's own counters (calls, tokens, cost, fallbacks) at scrape time."""
        if hasattr(engine, "stats"):
            self.registry.register(_EngineCollector(engine))  # type: ignore[arg-type]

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Time every HTTP request and count it by route template (not raw path: ids stay out)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            route = scope.get("route")
            name = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(name, scope["method"], str(status)).inc()
            self.metrics.latency.labels(name).observe(time.perf_counter() - start)


class _EngineCollector:
    """Reads `engine.stats` when Prometheus scrapes, so the engine stays free of metrics code."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        stats = self.engine.stats
        for name, help_text in (
            ("calls", "LLM completions received"),
            ("retries", "LLM requests re-sent"),
            ("repairs", "repair requests after a guard finding"),
            ("guard_rejections", "LLM outputs the faithfulness guard rejected"),
            ("cache_hits", "distillations served from the LLM cache"),
            ("prompt_tokens", "LLM prompt tokens"),
            ("completion_tokens", "LLM completion tokens"),
            ("cost_usd", "LLM cost in US dollars"),
        ):
            yield CounterMetricFamily(
                f"distiller_llm_{name}", help_text, value=getattr(stats, name)
            )
        fallbacks = CounterMetricFamily(
            "distiller_engine_fallbacks",
            "LLM results replaced by the offline engine",
            labels=["reason"],
        )
        for reason, count in sorted(stats.fallbacks.items()):
            fallbacks.add_metric([reason], count)
        yield fallbacks
