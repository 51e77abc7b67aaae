"""`SlackRuntime`: the adapter's long-lived objects and its Web API calls.

One per mounted app. Stores open in `open()` (in the app's lifespan), never at import or mount
time. Every Web API call goes through `call()`, which retries rate limits (honouring
Retry-After) and connection resets, and translates slack_sdk errors into the adapter's own.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import anyio
import anyio.to_thread
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from audience import PersonaRegistry, SqlitePersonaStore

from ..state import Services
from . import messages
from .config import SlackConfig
from .deferred import Background
from .errors import SlackCallError, translate
from .feedback import DistillationLog
from .metrics import SlackMetrics
from .persona import CachedInferrer
from .settings_store import SettingsStore
from .sqlite import SlackDB

if TYPE_CHECKING:
    from ..digests.runner import DigestRunner

__all__ = ["SlackRuntime"]

log = logging.getLogger("api.slack")
T = TypeVar("T")


class SlackRuntime:
    """Web API client, stores, persona registry and caches, shared by every listener."""

    def __init__(self, config: SlackConfig, services: Callable[[], Services]) -> None:
        self.config = config
        self.services = services
        self.client = AsyncWebClient(
            token=config.bot_token, base_url=config.api_url, retry_handlers=self._retries()
        )
        self.bot_id: str | None = None
        self.bot_user_id: str | None = None
        self.workspace_url: str | None = None  # auth.test's url: digests build permalinks on it
        self._digests: DigestRunner | None = None
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}
        self._db: SlackDB | None = None
        self._registry: PersonaRegistry | None = None
        self._own_registry: PersonaRegistry | None = None
        self._settings: SettingsStore | None = None
        self._log: DistillationLog | None = None
        self._inferrer: CachedInferrer | None = None
        self._metrics: SlackMetrics | None = None
        self._cpu = anyio.CapacityLimiter(config.cpu_workers)
        self.background = Background()
        self._session: aiohttp.ClientSession | None = None

    def _retries(self) -> list[AsyncRetryHandler]:
        return [
            AsyncRateLimitErrorRetryHandler(max_retry_count=self.config.rate_limit_retries),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ]

    # Lifecycle ---------------------------------------------------------------------------------

    def open(self) -> None:
        """Open the stores (blocking: call it in a thread) once `services()` is available."""
        services = self.services()
        self._db = SlackDB.in_data_dir(self.config.data_dir)
        self._settings = SettingsStore(self._db)
        self._log = DistillationLog(self._db)
        # The service's persona registry, so a persona set with /distill is the one the HTTP
        # API and the other surfaces see; our own on the same data dir only when the service
        # was built without one.
        self._registry = getattr(services.distill, "registry", None)
        if self._registry is None:
            self._own_registry = PersonaRegistry(
                SqlitePersonaStore.in_data_dir(self.config.data_dir)
            )
            self._registry = self._own_registry
        self._inferrer = CachedInferrer(services.embedder, ttl=self.config.cache_seconds)
        self._metrics = SlackMetrics.on(services.metrics.registry)

    def close(self) -> None:
        if self._own_registry is not None:
            self._own_registry.store.close()
        if self._db is not None:
            self._db.close()

    async def start(self) -> None:
        """In the running loop: one HTTP session (connection pool) for every Web API and
        response_url call; without it each call opens and closes its own."""
        self.background.reset()
        self._session = aiohttp.ClientSession()
        self.client.session = self._session

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            self.client.session = None

    async def learn_identity(self) -> None:
        """Learn the bot's ids (auth.test), after startup: never a call before an ack."""
        try:
            found = await self.call("auth_test")
        except SlackCallError as exc:
            log.warning(messages.LOG_AUTH_FAILED.format(error=exc.error))
            return
        self.bot_id, self.bot_user_id = found.get("bot_id"), found.get("user_id")
        self.workspace_url = found.get("url") or None

    def _opened(self, value: T | None) -> T:
        if value is None:
            raise RuntimeError("SlackRuntime.open() was not called (the app's lifespan opens it)")
        return value

    @property
    def digests(self) -> DigestRunner:
        """The digest runner (built on first use, once the services are open)."""
        if self._digests is None:
            # Imported here: api.digests reads Slack through this package (a cycle at import).
            from ..digests.produce import digest_builder
            from ..digests.runner import DigestRunner

            services = self.services()
            builder = digest_builder(
                services.distill, services.embedder, detect_threshold=self.config.detect_threshold
            )
            self._digests = DigestRunner(
                services.digests,
                self.client,
                builder,
                budget=self.config.digest_budget,
                workspace_url=self.workspace_url,
                run_cpu=self._cpu_thread,
            )
        return self._digests

    async def _cpu_thread(self, fn: Callable[[], T]) -> T:
        return await self.run_cpu(fn)

    @property
    def settings(self) -> SettingsStore:
        return self._opened(self._settings)

    @property
    def log(self) -> DistillationLog:
        return self._opened(self._log)

    @property
    def registry(self) -> PersonaRegistry:
        return self._opened(self._registry)

    @property
    def inferrer(self) -> CachedInferrer:
        return self._opened(self._inferrer)

    @property
    def metrics(self) -> SlackMetrics:
        return self._opened(self._metrics)

    # Work --------------------------------------------------------------------------------------

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run short blocking work (SQLite reads and writes) in a worker thread."""
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))

    async def run_cpu(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run CPU-bound work (distilling, detection, embedding) on the few CPU threads, once
        the acks in flight are out."""
        await self.background.acks_first()
        call = functools.partial(fn, *args, **kwargs)
        return await anyio.to_thread.run_sync(call, limiter=self._cpu)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """`client.<method>(**params)`'s data; SlackCallError/NoAccessError on `ok: false`."""
        try:
            response = await getattr(self.client, method)(**params)
        except SlackApiError as exc:
            error = translate(exc, method.replace("_", "."))
            log.info(
                messages.LOG_API_ERROR.format(
                    method=error.method, channel=params.get("channel", "-"), error=error.error
                )
            )
            raise error from exc
        return dict(response.data)  # type: ignore[arg-type]

    async def respond(self, response_url: str, body: dict[str, Any]) -> bool:
        """POST `body` to a `response_url`, retrying rate limits; False (logged) on failure."""
        client = AsyncWebhookClient(
            response_url, session=self._session, retry_handlers=self._retries()
        )
        answer = await client.send_dict(body)
        if answer.status_code != 200:
            log.warning(
                messages.LOG_RESPOND_FAILED.format(status=answer.status_code, body=answer.body)
            )
            return False
        return True

    async def cached(self, kind: str, key: str, fetch: Callable[[], Awaitable[T]]) -> T:
        """`fetch()`'s answer, reused for `cache_seconds` (errors are not cached)."""
        now = time.monotonic()
        hit = self._cache.get((kind, key))
        if hit and now - hit[0] < self.config.cache_seconds:
            return hit[1]  # type: ignore[no-any-return]
        value = await fetch()
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[(kind, key)] = (now, value)
        return value

    async def channel_info(self, channel_id: str) -> dict[str, Any]:
        """conversations.info's channel (cached); NoAccessError when the bot cannot see it."""

        async def fetch() -> dict[str, Any]:
            found = await self.call("conversations_info", channel=channel_id)
            return dict(found.get("channel") or {})

        return await self.cached("channel", channel_id, fetch)

    async def user_info(self, user_id: str) -> dict[str, Any]:
        """users.info's user (cached); {} when it cannot be read."""

        async def fetch() -> dict[str, Any]:
            try:
                return dict((await self.call("users_info", user=user_id)).get("user") or {})
            except SlackCallError:
                return {}

        return await self.cached("user", user_id, fetch)

    async def user_name(self, user_id: str) -> str:
        """A person's display name for reported speech; the id if it cannot be read."""
        user = await self.user_info(user_id)
        profile = user.get("profile") or {}
        return str(
            profile.get("display_name") or user.get("real_name") or user.get("name") or user_id
        )

    async def permalink(self, channel_id: str, ts: str) -> str:
        """The message's permalink, or "" when Slack will not give one (no access)."""
        try:
            found = await self.call("chat_getPermalink", channel=channel_id, message_ts=ts)
        except SlackCallError:
            return ""
        return str(found.get("permalink") or "")
