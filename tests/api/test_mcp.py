"""MCP: a real client session over streamable HTTP (uvicorn) and over stdio (`distill mcp`)."""

import asyncio
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import uvicorn
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from api import create_app
from api.auth import KeyStore
from tests.api.conftest import make_settings

TOOLS = {"compose", "detect", "distill", "get_context", "remember", "search_memory"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    app = create_app(make_settings(tmp_path_factory.mktemp("mcp")))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        threading.Event().wait(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/mcp", app
    server.should_exit = True
    thread.join(timeout=10)


def _token(app: object, team: str, scopes: list[str]) -> str:
    return app.state.services.keys.create(team, scopes).token  # type: ignore[attr-defined]


async def _session(
    url: str, token: str | None, calls: list[tuple[str, dict]]
) -> tuple[set[str], list]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        names = {tool.name for tool in (await client.list_tools()).tools}
        results = [await client.call_tool(name, args) for name, args in calls]
    return names, results


def _text(result: object) -> str:
    return "".join(getattr(part, "text", "") for part in result.content)  # type: ignore[attr-defined]


def test_http_session_lists_and_calls_every_tool(served: tuple[str, object]) -> None:
    url, app = served
    token = _token(app, "infra", ["distill", "memory:read", "memory:write"])
    calls = [
        (
            "distill",
            {"text": "Hi team! I hope this helps. The deploy of v2.1 failed at 14:05 UTC. Thanks!"},
        ),
        (
            "detect",
            {"text": "Great question! I hope this helps. Let me know if you have any questions!"},
        ),
        (
            "compose",
            {
                "text": "Hello all! Just a quick note that the backup job failed twice tonight.",
                "persona": "leadership",
            },
        ),
        (
            "remember",
            {
                "text": "We decided to freeze deploys until Monday.",
                "channel_id": "C1",
                "ts": "1712345678.000100",
            },
        ),
        ("search_memory", {"query": "deploy freeze"}),
        ("get_context", {"query": "deploy freeze", "budget_tokens": 100}),
    ]
    names, results = asyncio.run(_session(url, token, calls))
    assert names == TOOLS
    distilled, detected, composed, remembered, found, context = results
    assert distilled.structured_content["tldr"] == "The deploy of v2.1 failed at 14:05 UTC."
    assert "agent phrasing" in " ".join(detected.structured_content["reasons"])
    assert "backup job failed twice" in composed.structured_content["post"]
    assert remembered.structured_content["action"] == "inserted"
    assert "freeze deploys" in _text(found)
    assert "[1]" in _text(context) and "freeze deploys" in _text(context)


def test_http_scopes_and_acl_apply(served: tuple[str, object]) -> None:
    url, app = served
    writer = _token(app, "payments", ["memory:write", "memory:read"])
    reader_elsewhere = _token(app, "sales", ["memory:read"])
    distill_only = _token(app, "sales", ["distill"])
    asyncio.run(
        _session(
            url,
            writer,
            [
                (
                    "remember",
                    {
                        "text": "Payments ledger cutover is Thursday.",
                        "channel_id": "C2",
                        "ts": "1712345679.000100",
                    },
                )
            ],
        )
    )
    _, [other] = asyncio.run(
        _session(url, reader_elsewhere, [("search_memory", {"query": "ledger cutover"})])
    )
    assert "ledger" not in _text(other)
    _, [denied] = asyncio.run(_session(url, distill_only, [("search_memory", {"query": "ledger"})]))
    assert denied.is_error and "lacks the 'memory:read' scope" in _text(denied)


def test_http_without_a_key_is_refused(served: tuple[str, object]) -> None:
    url, _ = served
    with pytest.raises(Exception, match=r"401|nauthorized|TaskGroup"):  # surfaced by the transport
        asyncio.run(_session(url, None, []))
    response = httpx2.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_stdio_session_with_distill_mcp(tmp_path: Path) -> None:
    token = KeyStore(tmp_path / "keys.sqlite3").create("infra", ["distill", "memory:read"]).token
    params = StdioServerParameters(
        command=str(Path(sys.executable).with_name("distill")),
        args=["mcp"],
        env={
            "DISTILLER_DATA_DIR": str(tmp_path),
            "DISTILLER_EMBEDDER": "hashing",
            "DISTILLER_API_KEY": token,
        },
    )

    async def run() -> tuple[set[str], object]:
        async with Client(params) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            result = await client.call_tool(
                "distill", {"text": "Hi all! The nightly ETL failed at 02:10 UTC. Thanks!"}
            )
        return names, result

    names, result = asyncio.run(run())
    assert names == TOOLS
    assert result.structured_content["tldr"] == "The nightly ETL failed at 02:10 UTC."
