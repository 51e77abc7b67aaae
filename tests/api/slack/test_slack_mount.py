"""Mounting: off without credentials, Slack's URL verification, unknown payloads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import Settings, create_app
from api.slack import mount_slack
from tests.api.slack.conftest import Slack, slack_settings


def test_without_slack_settings_nothing_is_mounted(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, embedder="hashing")
    app = create_app(settings)
    mount_slack(app, lambda: app.state.services, settings)
    with TestClient(app) as client:
        assert client.post("/slack/events", content="{}").status_code == 404
        assert client.get("/healthz").status_code == 200  # the rest still runs
    assert not hasattr(app.state, "slack")


def test_url_verification_answers_the_challenge(slack: Slack) -> None:
    body = json.dumps({"token": "x", "challenge": "3eZbrw1aB", "type": "url_verification"})
    response = slack.post(body, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aB"}


def test_an_unknown_action_is_not_an_error(slack: Slack) -> None:
    response = slack.action({"action_id": "someone_elses", "type": "button", "value": "1"}, "x")
    assert response.status_code == 404  # Bolt's answer for an unhandled request


def test_mounting_twice_is_refused(slack: Slack, tmp_path: Path) -> None:
    app = slack.client.app
    with pytest.raises(RuntimeError, match="already mounted"):
        mount_slack(app, lambda: app.state.services, slack_settings(tmp_path))  # type: ignore[arg-type, attr-defined]


def test_exported_names() -> None:
    import api.slack

    assert api.slack.__all__ == [
        "build_bolt_app",
        "check_blocks",
        "export_feedback",
        "mount_slack",
        "neutralise",
        "run_socket_mode",
    ]


def test_slack_stays_at_the_edge() -> None:
    """No package but api/ imports slack_sdk or slack_bolt (STYLE: Slack stays at the edge)."""
    root = Path(__file__).parents[3]
    offenders = [
        str(path.relative_to(root))
        for package in ("distiller", "audience", "memory")
        for path in (root / package).rglob("*.py")
        if re.search(r"^\s*(from|import)\s+slack_(sdk|bolt)\b", path.read_text(), re.M)
    ]
    assert offenders == []
