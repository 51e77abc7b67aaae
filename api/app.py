"""The FastAPI application: `create_app(settings)`; models and stores open in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI

from distiller import count_tokens

from .problems import BodyLimitMiddleware, install_problem_handlers
from .routes import router
from .service import DistillService
from .settings import Settings

__all__ = ["create_app"]


def _version() -> str:
    try:
        return version("slack-distiller")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(settings: Settings | None = None, service: DistillService | None = None) -> FastAPI:
    """Build the app; nothing loads until the lifespan starts (so importing stays cheap)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.service = service or DistillService(settings)
        count_tokens("warm")  # load the tokenizer now, not on the first request
        yield

    app = FastAPI(
        title="slack-distiller",
        version=_version(),
        description="Distill verbose agent-written Slack messages for each channel's audience.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    install_problem_handlers(app)
    app.include_router(router)
    return app
