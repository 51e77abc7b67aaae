"""Prometheus metrics: requests, latency, tokens in/out/saved, engine fallbacks.

One registry per app (not the global default), so two apps in one process (tests) never clash.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
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
        self.fallbacks = Counter(
            "distiller_engine_fallbacks",
            "LLM results replaced by the offline engine",
            ["reason"],
            registry=self.registry,
        )

    def distilled(self, result: Distillation) -> None:
        """Count one distillation's tokens (and a fallback when the notes report one)."""
        self.tokens_in.inc(result.tokens_in)
        self.tokens_out.inc(result.tokens_out)
        self.tokens_saved.inc(max(0, result.tokens_in - result.tokens_out))
        for note in result.notes:
            if note.startswith("llm fallback"):
                self.fallbacks.labels(reason=note.split(":", 1)[-1].strip()[:40]).inc()

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
