"""The FastAPI application: `create_app(settings)`; models and stores open in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from mcp.server.transport_security import TransportSecuritySettings
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .mcp_server import McpAuth, build_mcp
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
            # A fresh MCP server per lifespan: its session manager runs once per instance,
            # and test harnesses may start the same app's lifespan more than once.
            mcp = build_mcp(lambda: services)
            mcp_app = mcp.streamable_http_app(
                streamable_http_path="/mcp",
                # Every request must carry an API key (McpAuth): that is what DNS-rebinding
                # protection guards keyless local servers against; behind a proxy the Host
                # header is not ours to predict.
                transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
            )
            app.state.mcp_asgi = next(
                r for r in mcp_app.routes if getattr(r, "path", "") == "/mcp"
            ).app  # type: ignore[attr-defined]
            async with mcp.session_manager.run():
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

    def services() -> Services:
        current: Services = app.state.services
        return current

    async def mcp_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        await app.state.mcp_asgi(scope, receive, send)

    app.router.routes.append(Route("/mcp", endpoint=McpAuth(mcp_endpoint, services)))
    return app
