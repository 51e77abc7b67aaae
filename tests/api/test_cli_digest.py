"""`distill digest`: a dry run prints, --post posts once per hour-window, --due runs the schedule.

The real CLI (typer's runner) against the fake Slack Web API on loopback; the store is the
data dir's, as `distill serve` would use it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.digests import SqliteDigestStore, Subscription
from tests.fakes.slack_server import FakeSlackServer

RUNNER = CliRunner()
TEAM = "C0TEAM0001"


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        server.add_channel(TEAM, "team")
        now = time.time()
        parent = f"{int(now - 3600)}.000100"
        server.add_message(
            TEAM, parent, "The nightly export failed: disk full on db-7.", user="U0A"
        )
        server.add_message(
            TEAM,
            f"{int(now - 3500)}.000200",
            "Decision: we move exports to the 2 TB volume today.",
            user="U0B",
            thread_ts=parent,
        )
        monkeypatch.setenv("DISTILLER_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("DISTILLER_EMBEDDER", "hashing")
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli-test")
        monkeypatch.setenv("SLACK_API_URL", server.api_url)
        yield server


def test_a_dry_run_prints_the_digest_and_posts_nothing(slack: FakeSlackServer) -> None:
    result = RUNNER.invoke(app, ["digest", "--channel", TEAM, "--since", "24h"])
    assert result.exit_code == 0, result.output
    assert "disk full" in result.stdout and "2 TB" in result.stdout
    assert slack.calls_to("chat.postMessage") == []


def test_post_is_once_per_window_even_when_cron_retries(slack: FakeSlackServer) -> None:
    first = RUNNER.invoke(app, ["digest", "--channel", TEAM, "--since", "2d", "--post"])
    assert first.exit_code == 0, first.output
    again = RUNNER.invoke(app, ["digest", "--channel", TEAM, "--since", "2d", "--post"])
    assert again.exit_code == 0 and "already posted" in again.output
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_due_runs_every_due_subscription_once(slack: FakeSlackServer, tmp_path: Path) -> None:
    # A daily digest at 00:00 UTC covers yesterday: one message there.
    midnight = int(time.time()) // 86_400 * 86_400
    slack.add_message(TEAM, f"{midnight - 3600}.000300", "Release 4.2 shipped to 100%.", user="U0C")
    with SqliteDigestStore.in_data_dir(tmp_path) as store:
        store.put(Subscription(channel=TEAM, hour=0))
    result = RUNNER.invoke(app, ["digest", "--due", "--post"])
    assert result.exit_code == 0, result.output
    assert f"{TEAM}:channel: posted" in result.output
    assert "Nothing is due" in RUNNER.invoke(app, ["digest", "--due", "--post"]).output
    assert len(slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["digest"], "either --channel"),
        (["digest", "--channel", TEAM, "--due"], "either --channel"),
        (["digest", "--channel", "general"], "not a Slack channel id"),
        (["digest", "--channel", TEAM, "--since", "yesterday"], "not a duration"),
        (["digest", "--channel", TEAM, "--since", "90d"], "longer than 31 days"),
        (["digest", "--due"], "add --post"),
        (["digest", "--channel", TEAM, "-p", "wizard"], "wizard"),
    ],
)
def test_mistakes_are_one_clear_line(slack: FakeSlackServer, args: list[str], message: str) -> None:
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 2 or (result.exit_code == 1 and "wizard" in message)
    assert message in result.output
    assert "Traceback" not in result.output


def test_without_a_bot_token_it_says_which_setting(
    slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    result = RUNNER.invoke(app, ["digest", "--channel", TEAM])
    assert result.exit_code == 2 and "set SLACK_BOT_TOKEN" in result.output


def test_the_bot_not_in_the_channel_says_to_invite_it(slack: FakeSlackServer) -> None:
    slack.add_channel("C0SECRET01", "secret", member=False)
    result = RUNNER.invoke(app, ["digest", "--channel", "C0SECRET01"])
    assert result.exit_code == 1 and "/invite @distiller" in result.output


def test_the_request_budget_is_a_setting_and_coverage_says_what_it_left(
    slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISTILLER_DIGEST_REPLIES_CALLS", "0")
    result = RUNNER.invoke(app, ["digest", "--channel", TEAM])
    assert result.exit_code == 0, result.output
    assert "replies budget (0 conversations.replies calls) was spent" in result.stdout
    assert slack.calls_to("conversations.replies") == []
    assert "disk full" in result.stdout  # the thread's parent is still there
