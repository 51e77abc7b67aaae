"""The Bolt app and its two transports: HTTP (`/slack/events` in FastAPI) and Socket Mode.

`mount_slack` adds the route and wraps the FastAPI lifespan so the adapter's stores open after
the app's `Services` and close before them. Without SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET it
does nothing and the rest of the service runs as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient
from starlette.routing import Route

from ..settings import Settings
from ..state import Services
from . import actions, commands, events, messages, shortcut
from .config import EVENTS_PATH, SlackConfig
from .deferred import SlackEndpoint
from .runtime import SlackRuntime

__all__ = ["build_bolt_app", "mount_slack", "run_socket_mode"]

log = logging.getLogger("api.slack")


def build_bolt_app(rt: SlackRuntime) -> AsyncApp:
    """The Bolt app with the shortcut, the buttons, /distill and message events."""

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        # Bolt's single-team default calls auth.test before the first ack; a single-workspace
        # app knows its token, and learns its bot ids in the background (learn_identity).
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=rt.config.bot_token,
            bot_id=rt.bot_id,
            bot_user_id=rt.bot_user_id,
        )

    bolt = AsyncApp(
        signing_secret=rt.config.signing_secret,
        # Bolt's own client carries no token (with `authorize`, Bolt would ignore one and warn);
        # the listeners call Slack through rt.client, which has it.
        client=AsyncWebClient(base_url=rt.config.api_url, retry_handlers=rt.client.retry_handlers),
        authorize=authorize,
        logger=logging.getLogger("api.slack.bolt"),
        # Our ack listeners only queue work and ack, so Bolt may run them inline: otherwise it
        # runs them as a task and polls for the ack every 10 ms, adding that much to each ack.
        process_before_response=True,
        # Unknown payloads (other apps' actions, new event types) get a 404 from Bolt, not a
        # raised error in our logs.
        raise_error_for_unhandled_request=False,
    )
    shortcut.register(bolt, rt)
    actions.register(bolt, rt)
    commands.register(bolt, rt)
    events.register(bolt, rt)
    return bolt


Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


def _wrap_lifespan(app: FastAPI, rt: SlackRuntime, on_start: Callable[[], Any] | None) -> None:
    inner: Lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(target: Any) -> AsyncIterator[Any]:
        async with inner(target) as state:
            await anyio.to_thread.run_sync(rt.open)
            await rt.start()
            identity = asyncio.create_task(rt.learn_identity())
            stop = None
            scheduler = None
            try:
                if on_start is not None:
                    stop = await on_start()
                if rt.config.digest_scheduler:
                    # Imported here: api.digests reads Slack through this package (a cycle).
                    from ..digests.scheduler import DigestScheduler

                    scheduler = DigestScheduler(rt.digests, rt.config.digest_interval)
                    scheduler.start()
                yield state
            finally:
                if scheduler is not None:
                    scheduler.stop()
                identity.cancel()
                if stop is not None:
                    await stop()
                await rt.background.drain()
                await rt.stop()
                rt.close()

    app.router.lifespan_context = lifespan


def mount_slack(
    app: FastAPI,
    services: Callable[[], Services],
    settings: Settings,
    *,
    api_url: str | None = None,
    app_token: str | None = None,
    socket_mode: bool = False,
) -> None:
    """Serve Slack from `app`: POST /slack/events (HTTP mode) or, with `socket_mode`, a
    Socket Mode connection opened in the lifespan. Does nothing without the bot token and
    signing secret (Socket Mode also needs SLACK_APP_TOKEN). `api_url` and `app_token`
    override the settings (tests, benchmarks)."""
    if getattr(app.state, "slack", None) is not None:
        raise RuntimeError(messages.ALREADY_MOUNTED)
    config = SlackConfig.from_settings(settings, api_url=api_url, app_token=app_token)
    if config is None:
        log.info(messages.LOG_DISABLED)
        return
    if socket_mode and not config.app_token:
        log.warning(messages.LOG_SOCKET_DISABLED)
        return
    rt = SlackRuntime(config, services)
    bolt = build_bolt_app(rt)
    app.state.slack = rt
    if socket_mode:
        _wrap_lifespan(app, rt, lambda: _connect_socket_mode(bolt, config))
        return
    endpoint = SlackEndpoint(AsyncSlackRequestHandler(bolt), rt.background, EVENTS_PATH)
    app.router.routes.append(Route(EVENTS_PATH, endpoint=endpoint, methods=["POST"]))
    _wrap_lifespan(app, rt, None)
    log.info(messages.LOG_MOUNTED.format(path=EVENTS_PATH))


async def _connect_socket_mode(bolt: AsyncApp, config: SlackConfig) -> Callable[[], Any]:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bolt, config.app_token, web_client=bolt.client)
    await handler.connect_async()
    return handler.close_async


def run_socket_mode(
    settings: Settings, *, api_url: str | None = None, app_token: str | None = None
) -> None:
    """Serve the HTTP API and Slack over Socket Mode (no public URL needed); blocks.

    Needs SLACK_APP_TOKEN (an app-level token with connections:write) as well as the bot
    token and signing secret.
    """
    import uvicorn

    from ..app import create_app

    app = create_app(settings)
    mount_slack(
        app,
        lambda: app.state.services,
        settings,
        api_url=api_url,
        app_token=app_token,
        socket_mode=True,
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
