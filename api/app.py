"""The FastAPI application: `create_app(settings)`; models and stores open in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from .metrics import Metrics, MetricsMiddleware
from .problems import BodyLimitMiddleware, install_problem_handlers
from .routes import include_routes
from .service import DistillService
from .settings import Settings
from .state import Services

__all__ = ["create_app"]


def _version() -> str:
    try:
        return version("slack-distiller")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(settings: Settings | None = None, service: DistillService | None = None) -> FastAPI:
    """Build the app; nothing loads until the lifespan starts (so importing stays cheap)."""
    settings = settings or Settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await run_in_threadpool(Services.open, settings, service, metrics)
        try:
            await run_in_threadpool(services.warm)
            app.state.services = services
            yield
        finally:
            services.close()

    app = FastAPI(
        title="slack-distiller",
        version=_version(),
        description=(
            "Distill verbose agent-written Slack messages for each channel's audience, and "
            "share what they said as cited memory. Authenticate with `Authorization: Bearer "
            "<key>` (create keys with `distill keys create`)."
        ),
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    install_problem_handlers(app)
    include_routes(app)
    return app
