"""Socket Mode: the same app over a websocket (no public URL), envelopes acked then answered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.slack import mount_slack
from tests.api.slack.conftest import INFRA, new_ts, shortcut_payload, slack_settings
from tests.fakes.slack_server import FakeSlackServer, FakeSocketModeServer
from tests.fixtures import agent_message


@pytest.fixture
def socket_app(
    tmp_path: Path,
) -> Iterator[tuple[TestClient, FakeSlackServer, FakeSocketModeServer]]:
    with FakeSlackServer() as web_api, FakeSocketModeServer() as socket:
        web_api.add_channel(INFRA, "infra-oncall")
        web_api.socket_mode_url = socket.url
        settings = slack_settings(tmp_path)
        app = create_app(settings)
        mount_slack(
            app,
            lambda: app.state.services,
            settings,
            api_url=web_api.api_url,
            app_token="xapp-1-test",
            socket_mode=True,
        )
        with TestClient(app) as client:
            socket.wait_connected()
            yield client, web_api, socket


def test_socket_mode_acks_the_envelope_then_answers(
    socket_app: tuple[TestClient, FakeSlackServer, FakeSocketModeServer],
) -> None:
    client, web_api, socket = socket_app
    (opened,) = web_api.calls_to("apps.connections.open")
    assert opened.token == "xapp-1-test"  # the app-level token, not the bot token
    assert client.post("/slack/events", content="{}").status_code == 404  # no HTTP endpoint

    message = {"type": "message", "ts": new_ts(), "text": agent_message("status_update")}
    payload = shortcut_payload(web_api, message, "socket")
    socket.push(
        {"envelope_id": "env-1", "type": "interactive", "accepts_response_payload": False,
         "payload": payload}
    )  # fmt: skip
    assert socket.wait_for_ack("env-1") == {"envelope_id": "env-1"}
    (answer,) = web_api.wait_for("response:socket")
    assert "*TL;DR:*" in str(answer.params["blocks"])


def test_socket_mode_without_an_app_token_is_off(tmp_path: Path) -> None:
    settings = slack_settings(tmp_path)
    app = create_app(settings)
    mount_slack(app, lambda: app.state.services, settings, socket_mode=True)
    assert not hasattr(app.state, "slack")
