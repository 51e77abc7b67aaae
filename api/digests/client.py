"""The Web API client of digest runs outside the Slack app (`distill digest`, benchmarks).

Inside `distill serve` the runner uses the Slack adapter's client; this one is built the same
way, with more patience for rate limits: a digest run keeps nobody waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from ..slack.config import DEFAULT_API_URL
from .budget import DEFAULT_DIGEST_RATE_LIMIT_RETRIES

__all__ = ["digest_client", "pooled"]


def digest_client(
    token: str,
    api_url: str = DEFAULT_API_URL,
    rate_limit_retries: int = DEFAULT_DIGEST_RATE_LIMIT_RETRIES,
) -> AsyncWebClient:
    """A Web API client for digest runs, built like the Slack adapter's: a rate-limited call is
    retried up to `rate_limit_retries` times after Slack's Retry-After, a reset connection
    twice."""
    return AsyncWebClient(
        token=token,
        base_url=api_url if api_url.endswith("/") else api_url + "/",
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


@asynccontextmanager
async def pooled(client: AsyncWebClient) -> AsyncIterator[AsyncWebClient]:
    """`client` with one connection pool for the block: without it slack_sdk opens and closes
    an HTTP session per call, which is most of a call's cost on a 1,000-thread day."""
    async with aiohttp.ClientSession() as session:
        client.session = session
        try:
            yield client
        finally:
            client.session = None
