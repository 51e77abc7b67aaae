"""Errors as RFC 9457 problem+json, and the request body size limit.

Every error a client can cause maps to a problem with a `detail` that says what to do; anything
else becomes a 500 with no traceback and no internals in the body (the log has them).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from audience import PersonaConfigError, UnknownPersonaError
from distiller import InputError, OversizeInputError
from memory import AccessDeniedError, InvalidRecordError, RecordNotFoundError, StoreUnavailableError

__all__ = [
    "PROBLEM_JSON",
    "ApiProblem",
    "BodyLimitMiddleware",
    "install_problem_handlers",
    "problem",
]

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("distiller.api")


class ApiProblem(Exception):
    """Raised by routes and dependencies to answer with a problem+json response."""

    def __init__(
        self, status: int, title: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """A problem+json response; `type` is a stable slug of the title."""
    body = {
        "type": "https://slack-distiller.dev/problems/" + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def install_problem_handlers(app: FastAPI) -> None:
    """Route every known error type to its problem response."""

    @app.exception_handler(ApiProblem)
    async def _api_problem(_: Request, exc: ApiProblem) -> JSONResponse:
        return problem(exc.status, exc.title, exc.detail, headers=exc.headers)

    @app.exception_handler(InvalidRecordError)
    async def _invalid_record(_: Request, exc: InvalidRecordError) -> JSONResponse:
        return problem(422, "Invalid record", str(exc))

    @app.exception_handler(RecordNotFoundError)
    async def _not_found(_: Request, exc: RecordNotFoundError) -> JSONResponse:
        return problem(404, "Not found", str(exc))

    @app.exception_handler(AccessDeniedError)
    async def _denied(_: Request, exc: AccessDeniedError) -> JSONResponse:
        return problem(403, "Forbidden", str(exc))

    @app.exception_handler(StoreUnavailableError)
    async def _store_down(_: Request, exc: StoreUnavailableError) -> JSONResponse:
        return problem(503, "Store unavailable", str(exc), headers={"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem(422, "Invalid request", detail, errors=errors)

    @app.exception_handler(OversizeInputError)
    async def _oversize(_: Request, exc: OversizeInputError) -> JSONResponse:
        return problem(413, "Input too large", str(exc), limit=exc.limit)

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return problem(400, "Unusable input", str(exc))

    @app.exception_handler(UnknownPersonaError)
    async def _persona(_: Request, exc: UnknownPersonaError) -> JSONResponse:
        return problem(422, "Unknown persona", str(exc), valid=exc.valid)

    @app.exception_handler(PersonaConfigError)
    async def _persona_config(_: Request, exc: PersonaConfigError) -> JSONResponse:
        return problem(422, "Invalid persona", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized"}
        title = titles.get(exc.status_code, "HTTP error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette lists only the first matching route's methods; a path served by two
            # routes (GET and DELETE /v1/memory/{id}) must Allow both (RFC 9110).
            headers["Allow"] = ", ".join(_allowed_methods(app, request))
        return problem(exc.status_code, title, str(exc.detail), headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "Internal error", "the service failed on this request; it was logged")


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    methods: set[str] = set()
    for route in app.router.routes:
        path_regex = getattr(route, "path_regex", None)
        if path_regex is not None and path_regex.match(request.url.path):
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


class BodyLimitMiddleware:
    """Refuse bodies above `max_bytes` with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not refused:
                    # Answer now and tell the app the client left: it stops reading, and
                    # whatever it tries to send afterwards is dropped by `guarded`.
                    refused = True
                    await self._refuse(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, guarded)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "Request too large",
            f"the request body is above {self.max_bytes:,} bytes; send less text per request",
            limit=self.max_bytes,
        )
        await response(scope, receive, send)
