"""MCP for agents: the same surfaces as /v1 as tools, with the same keys, scopes and ACL.

Streamable HTTP at `/mcp` inside the FastAPI app (the Bearer key is checked before MCP sees the
request), and stdio through `distill mcp` (the key comes from DISTILLER_API_KEY or --key).
Tools: distill, detect, compose, search_memory, get_context, remember.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from starlette.types import ASGIApp, Receive, Scope, Send

from audience import AudienceError
from distiller import DistillerError, Message
from memory import MemoryStoreError, Source

from .auth import ApiKey, AuthError
from .problems import problem
from .state import Services

__all__ = ["McpAuth", "build_mcp"]

INSTRUCTIONS = (
    "slack-distiller: before cross-team work call get_context; before posting to Slack call "
    "compose and post its result; after deciding something, call remember."
)


def build_mcp(services: Callable[[], Services], fixed_key: ApiKey | None = None) -> MCPServer:
    """An MCP server whose tools act for the caller's key (`fixed_key` on stdio)."""
    server: MCPServer = MCPServer("slack-distiller", instructions=INSTRUCTIONS)

    def caller(ctx: Context, scope: str) -> tuple[Services, ApiKey]:
        key = fixed_key
        if key is None:
            request = ctx.request_context.request
            state = getattr(request, "scope", {}).get("state", {}) if request is not None else {}
            key = state.get("api_key")
        if key is None:
            raise ToolError("no API key: connect with 'Authorization: Bearer <key>'")
        if scope not in key.scopes:
            raise ToolError(f"this API key lacks the '{scope}' scope")
        return services(), key

    async def run(func: Callable[[], Any]) -> Any:
        # CPU-bound work goes to a thread; known errors become tool errors with their message.
        try:
            return await anyio.to_thread.run_sync(func)
        except (DistillerError, AudienceError, MemoryStoreError, ValueError) as exc:
            raise ToolError(str(exc)) from None

    @server.tool(description="Distill a verbose message into a short, faithful summary.")
    async def distill(
        text: str, ctx: Context, persona: str | None = None, budget_tokens: int | None = None
    ) -> dict[str, Any]:
        svc, _ = caller(ctx, "distill")
        result = await run(lambda: svc.distill.distill(text, persona, budget_tokens))
        return {
            "summary": result.render_text(),
            "tldr": result.tldr,
            "bullets": result.bullets,
            "asks": [a.model_dump() for a in result.asks],
            "facts": result.facts.summary(),
            "tokens_in": result.tokens_in,
            "tokens_out": result.tokens_out,
        }

    @server.tool(description="Score a message: is it verbose and agent-written? With reasons.")
    async def detect(text: str, ctx: Context, posted_by_app: bool = False) -> dict[str, Any]:
        from distiller.detect import detect as detect_message

        svc, _ = caller(ctx, "distill")
        message = Message(text=text, posted_by_app=posted_by_app)
        result = await run(lambda: detect_message(message, threshold=svc.settings.detect_threshold))
        return dict(result.model_dump())

    @server.tool(description="Rewrite a message you are about to post to Slack: concise, fitted.")
    async def compose(text: str, ctx: Context, persona: str | None = None) -> dict[str, Any]:
        svc, _ = caller(ctx, "distill")
        result = await run(lambda: svc.distill.distill(text, persona))
        return {"post": result.render_mrkdwn(), "facts": result.facts.summary()}

    @server.tool(description="Search the shared memory this key may read; cited records.")
    async def search_memory(query: str, ctx: Context, k: int = 10) -> list[dict[str, Any]]:
        svc, key = caller(ctx, "memory:read")
        hits = await run(lambda: svc.memory.search(query, key.principal, k=max(1, min(k, 100))))
        return [
            {
                "score": round(h.score, 4),
                "text": h.record.text,
                "permalink": h.record.source.permalink,
                "id": h.record.id,
                "kind": h.record.kind.value,
            }
            for h in hits
        ]

    @server.tool(description="A token-budgeted, cited block of what is known about a topic.")
    async def get_context(query: str, ctx: Context, budget_tokens: int = 800) -> str:
        svc, key = caller(ctx, "memory:read")
        pack = await run(lambda: svc.memory.context(query, key.principal, budget_tokens))
        return str(pack.text)

    @server.tool(description="Remember a decision or fact, with the Slack message it came from.")
    async def remember(
        text: str,
        channel_id: str,
        ts: str,
        ctx: Context,
        kind: str = "decision",
        permalink: str = "",
        visibility: str | None = None,
    ) -> dict[str, Any]:
        svc, key = caller(ctx, "memory:write")
        where = key.write_visibility(visibility)
        source = Source(workspace=key.workspace, channel_id=channel_id, ts=ts, permalink=permalink)
        result = await run(
            lambda: svc.memory.add(
                text, source=source, visibility=where, kind=kind, principal=key.principal
            )
        )
        return {"action": result.action, "id": result.record.id, "text": result.record.text}

    return server


class McpAuth:
    """Check the Bearer key (and rate limit) before an MCP request reaches the MCP app."""

    def __init__(self, app: ASGIApp, services: Callable[[], Services]) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else headers.get("x-api-key", "")
        services = self.services()
        try:
            key = services.keys.verify(token) if token else None
        except AuthError as exc:
            key, reason = None, str(exc)
        else:
            reason = "missing API key: send 'Authorization: Bearer sd_…'"
        if key is None:
            response = problem(401, "Unauthorized", reason, headers={"WWW-Authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        wait = services.limiter.acquire(key.id)
        if wait > 0:
            retry = str(math.ceil(wait))
            response = problem(
                429, "Too many requests", f"retry in {retry} s", headers={"Retry-After": retry}
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["api_key"] = key
        await self.app(scope, receive, send)
