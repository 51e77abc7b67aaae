"""A Slack-enabled app on the fake Slack Web API: really signed requests in, recorded calls out.

Each test module gets its own fake server and app (module scope: starting the app's lifespan
is the slow part). Tests use their own response_url names (and channels, where state matters)
so that they never see each other's calls.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient

from api import Settings, create_app
from api.slack import mount_slack
from tests.fakes.slack_server import APP_ID, TEAM_ID, FakeSlackServer

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-bot-token"
INFRA = "C0INFRA001"  # public, the bot is a member
GENERAL = "C0GENERAL1"  # public, the bot is not a member
SECRET = "C0SECRET01"  # private, the bot is not a member
ALICE = "U0ALICE001"
_ids = itertools.count(1)


def new_ts() -> str:
    return f"{int(time.time())}.{next(_ids):06d}"


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's request signature (v0 HMAC-SHA256 of "v0:<timestamp>:<body>")."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {"x-slack-request-timestamp": stamp, "x-slack-signature": f"v0={digest.hexdigest()}"}


@dataclass
class Slack:
    """The app under test (in-process), the fake Slack, and builders of real payload shapes."""

    client: TestClient
    server: FakeSlackServer

    @property
    def runtime(self) -> Any:
        return self.client.app.state.slack  # type: ignore[attr-defined]

    @property
    def services(self) -> Any:
        return self.client.app.state.services  # type: ignore[attr-defined]

    def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
        **signing: Any,
    ) -> httpx.Response:
        all_headers = {"content-type": content_type, **sign(body, **signing), **(headers or {})}
        return self.client.post("/slack/events", content=body, headers=all_headers)

    def interactive(self, payload: dict[str, Any], **signing: Any) -> httpx.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}), **signing)

    def shortcut(
        self,
        message: dict[str, Any],
        response: str,
        *,
        channel: str = INFRA,
        channel_name: str = "infra-oncall",
        **signing: Any,
    ) -> httpx.Response:
        """Click "distill" on `message`; the answer goes to response_url `response`."""
        payload = shortcut_payload(self.server, message, response, channel, channel_name)
        return self.interactive(payload, **signing)

    def action(
        self, action: dict[str, Any], response: str, *, channel: str = INFRA
    ) -> httpx.Response:
        """Press a button (or pick an option) on an ephemeral answer."""
        return self.interactive(
            {
                "type": "block_actions",
                "team": {"id": TEAM_ID, "domain": "fake"},
                "user": {"id": ALICE, "username": "alice", "team_id": TEAM_ID},
                "api_app_id": APP_ID,
                "container": {"type": "message", "channel_id": channel, "is_ephemeral": True},
                "trigger_id": "13345224609.738474920.8088930838d88f008e0",
                "channel": {"id": channel, "name": "infra-oncall"},
                "response_url": self.server.response_url(response),
                "actions": [{"block_id": "distill_actions", "action_ts": new_ts(), **action}],
            }
        )

    def command(self, text: str, response: str, *, channel: str = INFRA) -> httpx.Response:
        form = {
            "token": "legacy-unused",
            "team_id": TEAM_ID,
            "channel_id": channel,
            "channel_name": "infra-oncall" if channel == INFRA else "other",
            "user_id": ALICE,
            "user_name": "alice",
            "command": "/distill",
            "text": text,
            "api_app_id": APP_ID,
            "response_url": self.server.response_url(response),
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
        return self.post(urlencode(form))

    def event(
        self, event: dict[str, Any], event_id: str, *, retry: int | None = None
    ) -> httpx.Response:
        """Deliver an Events API callback (a Slack retry when `retry` is set)."""
        body = json.dumps(
            {
                "token": "legacy-unused",
                "team_id": TEAM_ID,
                "api_app_id": APP_ID,
                "event": event,
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM_ID, "is_bot": True}],
            }
        )
        headers = {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
        return self.post(body, content_type="application/json", headers=headers if retry else None)


def shortcut_payload(
    server: FakeSlackServer,
    message: dict[str, Any],
    response: str,
    channel: str = INFRA,
    channel_name: str = "infra-oncall",
) -> dict[str, Any]:
    """A message_action payload as Slack sends it for the "distill" shortcut."""
    return {
        "type": "message_action",
        "token": "legacy-unused",
        "action_ts": new_ts(),
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": ALICE, "username": "alice", "team_id": TEAM_ID},
        "channel": {"id": channel, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "distill",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "response_url": server.response_url(response),
        "message_ts": message["ts"],
        "message": message,
    }


def slack_settings(data_dir: Path, **overrides: Any) -> Settings:
    # The digest scheduler is off unless a test turns it on: a tick would post digests of the
    # subscriptions other tests create, into calls those tests count.
    fields: dict[str, Any] = {
        "data_dir": data_dir,
        "embedder": "hashing",
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "digest_scheduler": False,
        **overrides,
    }
    return Settings(**fields)


@pytest.fixture(scope="module")
def slack_server() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        server.add_channel(INFRA, "infra-oncall", topic="Pages, incidents and on-call handoffs")
        server.add_channel(GENERAL, "general", member=False)
        server.add_channel(SECRET, "secret-project", private=True, member=False)
        server.add_user(ALICE, "alice", profile={"display_name": "Alice"})
        server.add_user("U0BOB00001", "bob", profile={"display_name": "Bob"})
        yield server


@pytest.fixture(scope="module")
def slack(
    slack_server: FakeSlackServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Slack]:
    settings = slack_settings(tmp_path_factory.mktemp("slack-data"))
    app = create_app(settings)
    mount_slack(app, lambda: app.state.services, settings, api_url=slack_server.api_url)
    with TestClient(app) as client:
        yield Slack(client, slack_server)


@pytest.fixture(autouse=True)
def _resume(slack_server: FakeSlackServer) -> Iterator[None]:
    yield
    slack_server.resume()  # a failed test must not leave the Web API paused for the next


def blocks_text(blocks: list[dict[str, Any]]) -> str:
    """All the text shown by `blocks`, one line per text object."""
    out: list[str] = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            out.append(text["text"] if isinstance(text, dict) else str(text or ""))
    return "\n".join(out)


def eventually(check: Any, timeout: float = 10.0) -> Any:
    """`check()`'s first truthy value, polled (bounded) for work that ends after its last call
    to Slack, e.g. a counter bumped once the answer is posted."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, f"condition not met within {timeout}s"
            return value
        time.sleep(0.01)
