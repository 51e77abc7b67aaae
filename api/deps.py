"""Request dependencies: the process's services and the caller's API key (auth, scope, rate).

Every /v1 route names the scope it needs; the check order is: key present → key valid → scope
→ rate limit, answered 401 → 401 → 403 → 429 (with Retry-After).

Both dependencies are `async def` on purpose: they take microseconds (a cached key, a token
bucket), and FastAPI runs a plain `def` dependency in its thread pool, whose hop and GIL
hand-off cost more than the work.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .auth import ApiKey, AuthError
from .compute import ComputePool
from .problems import ApiProblem
from .state import Services

__all__ = ["get_compute", "get_services", "require"]

_bearer = HTTPBearer(auto_error=False, description="An API key from `distill keys create`.")


async def get_services(request: Request) -> Services:
    """The Services opened in the app's lifespan."""
    return _services(request)


async def get_compute(request: Request) -> ComputePool | None:
    """The worker processes `distill serve --compute-processes N` started; None without."""
    pool: ComputePool | None = getattr(request.app.state, "compute", None)
    return pool


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def require(scope: str | None) -> Callable[..., Awaitable[ApiKey]]:
    """A dependency that authenticates the caller and checks `scope` (None: any valid key)."""

    async def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
    ) -> ApiKey:
        services = _services(request)
        token = credentials.credentials if credentials else request.headers.get("x-api-key")
        if not token:
            raise ApiProblem(
                401,
                "Unauthorized",
                "missing API key: send 'Authorization: Bearer sd_…' "
                "(create a key with `distill keys create --team T --scopes distill`)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            key = services.keys.verify(token)
        except AuthError as exc:
            raise ApiProblem(
                401, "Unauthorized", str(exc), headers={"WWW-Authenticate": "Bearer"}
            ) from None
        if scope is not None and scope not in key.scopes:
            raise ApiProblem(
                403,
                "Forbidden",
                f"this API key lacks the '{scope}' scope "
                f"(it has: {', '.join(sorted(key.scopes))}); "
                f"create one with `distill keys create --scopes {scope}`",
            )
        wait = services.limiter.acquire(key.id)
        if wait > 0:
            raise ApiProblem(
                429,
                "Too many requests",
                f"rate limit of {services.settings.rate_limit_per_minute} requests per minute "
                f"reached for this key; retry in {math.ceil(wait)} s",
                headers={"Retry-After": str(math.ceil(wait))},
            )
        request.state.api_key = key
        return key

    return dependency
