"""Message events with per-channel auto mode: memory with provenance and visibility, TL;DR
replies, Slack's retries deduplicated, own messages ignored, edits and deletions followed."""

from __future__ import annotations

from typing import Any

import pytest

from memory import Principal
from tests.api.slack.conftest import INFRA, SECRET, Slack, eventually, new_ts
from tests.fakes.slack_server import APP_ID, TEAM_ID
from tests.fixtures import agent_message

READER = Principal(workspace=TEAM_ID, channels=frozenset({INFRA, SECRET}))


def _bot_message(channel: str = INFRA, text: str | None = None) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "bot_message",
        "channel": channel,
        "channel_type": "channel",
        "ts": new_ts(),
        "text": text or agent_message("incident_report"),
        "bot_id": "B0OTHERBOT",
        "bot_profile": {"name": "IncidentBot", "app_id": "A0OTHER001"},
    }


def _records(slack: Slack, ts: str) -> list[Any]:
    return [
        r
        for r in slack.services.memory.export(READER, include_history=False)
        if any(s.ts == ts for s in r.sources)
    ]


@pytest.fixture(scope="module")
def auto_on(slack: Slack) -> Slack:
    slack.command("auto on", "auto-on")
    slack.server.wait_for("response:auto-on")
    slack.command("auto reply on", "reply-on")
    slack.server.wait_for("response:reply-on")
    return slack


def _done(slack: Slack, outcome: str, count: int = 1) -> None:
    metric = f'distiller_slack_events_total{{outcome="{outcome}"}} {float(count)}'
    eventually(lambda: metric in slack.client.get("/metrics").text)


def test_auto_mode_is_off_by_default(slack: Slack) -> None:
    event = _bot_message(channel="C0QUIET001")
    assert slack.event(event, "Ev-quiet").status_code == 200
    _done(slack, "skipped")
    assert not slack.server.calls_to("chat.postMessage")


def test_verbose_agent_message_is_remembered_and_answered_once(auto_on: Slack) -> None:
    slack = auto_on
    event = _bot_message()
    assert slack.event(event, "Ev-1").status_code == 200
    (reply,) = slack.server.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("thread_ts") == event["ts"]
    )
    assert reply.params["text"].startswith("*TL;DR:*")
    (record,) = eventually(lambda: _records(slack, event["ts"]))
    assert record.visibility.key == f"public:{INFRA}"
    source = next(s for s in record.sources if s.ts == event["ts"])
    assert source.is_agent and source.channel_name == "infra-oncall"
    assert source.permalink.startswith(f"https://fake.slack.com/archives/{INFRA}/p")

    # Slack retries the same event (our ack was "too slow"): no second reply, no new record.
    assert slack.event(event, "Ev-1", retry=1).status_code == 200
    _done(slack, "duplicate")
    replies = [
        c
        for c in slack.server.calls_to("chat.postMessage")
        if c.params.get("thread_ts") == event["ts"]
    ]
    assert len(replies) == 1
    assert len(_records(slack, event["ts"])) == 1


def test_own_messages_are_ignored(auto_on: Slack) -> None:
    # Recognised by the app id alone (no auth.test needed): Bolt also drops events whose bot id
    # is ours once it is known, so this one carries another bot id to reach our own check.
    own = {**_bot_message(), "bot_id": "B0ROTATED1", "bot_profile": {"app_id": APP_ID}}
    auto_on.event(own, "Ev-own")
    _done(auto_on, "own")
    replies = auto_on.server.calls_to("chat.postMessage")
    assert not [c for c in replies if c.params.get("thread_ts") == own["ts"]]
    assert not _records(auto_on, own["ts"])


def test_private_channel_records_are_for_members_only(auto_on: Slack) -> None:
    auto_on.command("auto on", "auto-secret", channel=SECRET)
    auto_on.server.wait_for("response:auto-secret")
    event = {**_bot_message(channel=SECRET), "channel_type": "group"}
    auto_on.event(event, "Ev-private")
    (record,) = eventually(lambda: _records(auto_on, event["ts"]))
    assert record.visibility.key == f"private:{SECRET}"


def test_edits_replace_and_deletions_remove_the_record(auto_on: Slack) -> None:
    slack = auto_on
    event = _bot_message()
    slack.event(event, "Ev-edit-0")
    (first,) = eventually(lambda: _records(slack, event["ts"]))
    edited = {**event, "text": agent_message("release_note"), "edited": {"ts": new_ts()}}
    changed = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": INFRA,
        "channel_type": "channel",
        "ts": new_ts(),
        "message": edited,
        "previous_message": event,
    }
    slack.event(changed, "Ev-edit-1")
    eventually(lambda: [r for r in _records(slack, event["ts"]) if r.text != first.text])
    assert len(_records(slack, event["ts"])) == 1  # the old wording is gone
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": INFRA,
        "channel_type": "channel",
        "ts": new_ts(),
        "deleted_ts": event["ts"],
        "previous_message": edited,
    }
    slack.event(deleted, "Ev-edit-2")
    eventually(lambda: not _records(slack, event["ts"]))


def test_a_short_human_message_is_not_flagged(auto_on: Slack) -> None:
    event = {
        "type": "message",
        "channel": INFRA,
        "channel_type": "channel",
        "ts": new_ts(),
        "user": "U0BOB00001",
        "text": "lunch?",
    }
    auto_on.event(event, "Ev-human")
    _done(auto_on, "not_flagged")
