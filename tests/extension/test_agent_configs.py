"""The shipped MCP client configurations work as shipped.

An MCP client is started from extension/agent/mcp/claude-code/stdio.mcp.json (variables expanded
as Claude Code expands them) and from the HTTP config against a real `distill serve`; both must
list the six tools. The Cursor and VS Code files must say the same thing in their own syntax.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.extension.conftest import DISTILL, Service, mint_key

AGENT = Path(__file__).resolve().parents[2] / "extension" / "agent"
MCP = AGENT / "mcp"
TOOLS = {"compose", "detect", "distill", "get_context", "remember", "search_memory"}
DEFAULT_URL = "http://127.0.0.1:8000/mcp"
SERVER = "slack-distiller"


def load(path: str) -> dict:
    return json.loads((MCP / path).read_text())


def expand_claude_code(value: str, env: dict[str, str]) -> str:
    """${VAR} and ${VAR:-default}, the two forms Claude Code expands in .mcp.json."""

    def one(match: re.Match[str]) -> str:
        name, _, default = match.group(1).partition(":-")
        if env.get(name):
            return env[name]
        if ":-" in match.group(1):
            return default
        raise AssertionError(f"${{{name}}} is unset: the config needs it")

    return re.sub(r"\$\{([^}]+)\}", one, value)


def list_tools(server: StdioServerParameters | object) -> set[str]:
    async def run() -> set[str]:
        async with Client(server) as client:  # type: ignore[arg-type]
            return {tool.name for tool in (await client.list_tools()).tools}

    return asyncio.run(run())


def test_every_client_config_names_the_same_server_command_url_and_key() -> None:
    stdio = {
        "claude-code": load("claude-code/stdio.mcp.json")["mcpServers"][SERVER],
        "cursor": load("cursor/stdio.json")["mcpServers"][SERVER],
        "vscode": load("vscode/stdio.json")["servers"][SERVER],
    }
    for client, entry in stdio.items():
        assert (entry["command"], entry["args"]) == ("distill", ["mcp"]), client
        assert set(entry["env"]) == {"DISTILLER_API_KEY", "DISTILLER_DATA_DIR"}, client
        assert entry["env"]["DISTILLER_DATA_DIR"].endswith("/.local/share/slack-distiller")

    http = {
        "claude-code": load("claude-code/http.mcp.json")["mcpServers"][SERVER],
        "cursor": load("cursor/http.json")["mcpServers"][SERVER],
        "vscode": load("vscode/http.json")["servers"][SERVER],
    }
    assert expand_claude_code(http["claude-code"]["url"], {}) == DEFAULT_URL
    assert http["cursor"]["url"] == http["vscode"]["url"] == DEFAULT_URL
    key_refs = {
        "claude-code": "${DISTILLER_API_KEY}",
        "cursor": "${env:DISTILLER_API_KEY}",
        "vscode": "${input:distiller-api-key}",
    }
    for client, ref in key_refs.items():
        assert http[client]["headers"] == {"Authorization": f"Bearer {ref}"}, client
        stdio_env = stdio[client]["env"]["DISTILLER_API_KEY"]
        assert stdio_env == ref, client
    # VS Code prompts for the key once and keeps it in its secret storage.
    for name in ("vscode/http.json", "vscode/stdio.json"):
        [prompt] = load(name)["inputs"]
        assert prompt == {**prompt, "id": "distiller-api-key", "password": True}


def test_stdio_config_starts_a_server_that_lists_the_tools(tmp_path: Path) -> None:
    entry = load("claude-code/stdio.mcp.json")["mcpServers"][SERVER]
    probe = subprocess.run(
        [str(DISTILL), entry["args"][0], "--help"], capture_output=True, text=True, timeout=120
    )
    if probe.returncode != 0 and "No such command" in probe.stdout + probe.stderr:
        pytest.skip("distill mcp not available in this build")

    home = tmp_path / "home"
    data_dir = home / ".local" / "share" / "slack-distiller"
    key = mint_key(data_dir, ["distill", "memory:read", "memory:write"])
    # What the user's shell would hold when the agent starts; Claude Code expands from it.
    shell = {"HOME": str(home), "DISTILLER_API_KEY": key}
    env = {name: expand_claude_code(value, shell) for name, value in entry["env"].items()}
    assert env["DISTILLER_DATA_DIR"] == str(data_dir)
    env["DISTILLER_EMBEDDER"] = "hashing"  # test speed only: no model load
    server = StdioServerParameters(
        # `distill` on PATH, as for a user who installed the package.
        command=entry["command"],
        args=entry["args"],
        env={**env, "PATH": f"{DISTILL.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
        cwd=str(tmp_path),
    )
    assert list_tools(server) == TOOLS


def test_http_config_connects_with_the_bearer_key(service: Service) -> None:
    entry = load("claude-code/http.mcp.json")["mcpServers"][SERVER]
    # The shipped URL, pointed at this test's server (the user's would be :8000 or the team's).
    ours = urlsplit(service.url)
    shell = {"DISTILLER_MCP_URL": urlsplit(DEFAULT_URL)._replace(netloc=ours.netloc).geturl()}
    url = expand_claude_code(entry["url"], shell)
    probe = httpx.post(url, json={}, timeout=30)
    if probe.status_code == 404:
        pytest.skip("MCP over HTTP not available in this build")
    assert probe.status_code == 401  # no key, no MCP

    headers = {
        name: expand_claude_code(value, {"DISTILLER_API_KEY": service.key})
        for name, value in entry["headers"].items()
    }

    async def run() -> set[str]:
        async with (
            httpx2.AsyncClient(headers=headers) as http,
            Client(streamable_http_client(url, http_client=http)) as client,
        ):
            return {tool.name for tool in (await client.list_tools()).tools}

    assert asyncio.run(run()) == TOOLS
