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

__all__ = ["PROBLEM_JSON", "BodyLimitMiddleware", "install_problem_handlers", "problem"]

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("distiller.api")


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem+json response; `type` is a stable slug of the title."""
    body = {
        "type": "https://slack-distiller.dev/problems/" + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def install_problem_handlers(app: FastAPI) -> None:
    """Route every known error type to its problem response."""

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
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized"}
        return problem(exc.status_code, titles.get(exc.status_code, "HTTP error"), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "Internal error", "the service failed on this request; it was logged")


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
