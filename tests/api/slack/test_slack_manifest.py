"""The app manifest agrees with the code: callback id, command, route, minimal scopes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from api.slack.commands import COMMAND
from api.slack.config import EVENTS_PATH
from api.slack.shortcut import CALLBACK_ID

MANIFEST = Path(__file__).parents[3] / "extension" / "slack" / "manifest.yaml"


def _manifest() -> dict[str, Any]:
    return dict(yaml.safe_load(MANIFEST.read_text()))


def test_manifest_names_what_the_code_listens_for() -> None:
    manifest = _manifest()
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == CALLBACK_ID
    assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 80  # Slack's limits
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    settings = manifest["settings"]
    urls = [
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert settings["event_subscriptions"]["bot_events"] == ["message.channels", "message.groups"]


def test_manifest_asks_for_the_minimal_scopes() -> None:
    scopes = set(_manifest()["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "commands",
        "chat:write",
        "channels:history",
        "groups:history",
        "channels:read",
        "groups:read",
        "users:read",
        "im:write",  # a person's digest goes to their DM (conversations.open)
    }
    assert "user" not in _manifest()["oauth_config"]["scopes"]  # no user token, ever
