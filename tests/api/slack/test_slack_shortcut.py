"""The "distill" shortcut end to end: a signed payload in, an ack at once, blocks at the
response_url; threads, missing access, rate limits, and Bolt's signature checks."""

from __future__ import annotations

import time

from api.slack.blocks import check_blocks
from tests.api.slack.conftest import (
    ALICE,
    GENERAL,
    INFRA,
    SECRET,
    Slack,
    blocks_text,
    eventually,
    new_ts,
)
from tests.fakes.slack_server import BOT_ID
from tests.fixtures import agent_message

ACK_BOUND = 3.0  # Slack's own limit; the benchmark measures the real figure


def _agent_message(text: str | None = None, **fields: object) -> dict[str, object]:
    return {
        "type": "message",
        "ts": new_ts(),
        "text": text or agent_message("incident_report"),
        "bot_id": BOT_ID + "X",
        "bot_profile": {"name": "IncidentBot", "app_id": "A0OTHER001"},
        **fields,
    }


def test_shortcut_acks_without_waiting_on_slack_then_answers_with_blocks(slack: Slack) -> None:
    message = _agent_message()
    slack.server.pause()  # every Web API call hangs: the ack must not need one
    started = time.monotonic()
    response = slack.shortcut(message, "answer")
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and response.text == ""
    assert elapsed < ACK_BOUND
    slack.server.resume()

    (call,) = slack.server.wait_for("response:answer")
    body = call.params
    assert body["response_type"] == "ephemeral"
    assert "thread_ts" not in body  # a lone message: the answer shows in the channel
    blocks = body["blocks"]
    assert check_blocks(blocks) == []
    shown = blocks_text(blocks)
    assert "*TL;DR:*" in shown
    assert "v2.14.1" in shown  # the point of the message survives
    assert "kept " in shown and "numbers" in shown  # the facts line
    assert "for #infra-oncall: oncall-engineer" in shown  # persona and why (inferred from name)
    assert f"https://fake.slack.com/archives/{INFRA}/p" in shown  # the source permalink
    actions = [e["action_id"] for e in blocks[-1]["elements"]]
    assert actions == [
        "distill_share",
        "distill_persona",
        "distill_feedback_up",
        "distill_feedback_down",
    ]
    assert body["text"].startswith("TL;DR:")


def test_shortcut_on_a_thread_parent_distills_the_whole_thread(slack: Slack) -> None:
    parent = slack.server.add_message(
        INFRA, new_ts(), "Deploy of v3.0 is blocked on the schema migration.", user=ALICE
    )
    parent.update(thread_ts=parent["ts"], reply_count=2, latest_reply="9")
    slack.server.add_message(
        INFRA,
        new_ts(),
        "Bob: the migration 0051 failed at 09:12 with a lock timeout; retrying at 10:00.",
        user="U0BOB00001",
        thread_ts=parent["ts"],
    )
    slack.server.add_message(
        INFRA, new_ts(), "Alice: please page DBA on-call if it fails again.", user=ALICE,
        thread_ts=parent["ts"],
    )  # fmt: skip
    slack.shortcut(parent, "thread")
    (call,) = slack.server.wait_for("response:thread")
    assert slack.server.calls_to("conversations.replies")
    shown = blocks_text(call.params["blocks"])
    assert "thread of 3 messages" in shown
    assert "0051" in shown or "10:00" in shown or "DBA" in shown  # from the replies
    assert call.params["thread_ts"] == parent["ts"]  # answered in the thread


def test_private_channel_without_the_bot_explains_how_to_invite(slack: Slack) -> None:
    parent = _agent_message(reply_count=4)
    parent["thread_ts"] = parent["ts"]
    slack.shortcut(parent, "private", channel=SECRET, channel_name="secret-project")
    (call,) = slack.server.wait_for("response:private")
    assert "/invite @distiller" in call.params["text"]
    assert call.params["response_type"] == "ephemeral"


def test_public_channel_without_the_bot_distills_the_message_but_cannot_share(
    slack: Slack,
) -> None:
    slack.shortcut(_agent_message(), "public", channel=GENERAL, channel_name="general")
    (call,) = slack.server.wait_for("response:public")
    shown = blocks_text(call.params["blocks"])
    assert "*TL;DR:*" in shown and "/invite @distiller" in shown
    actions = [e["action_id"] for e in call.params["blocks"][-1]["elements"]]
    assert "distill_share" not in actions


def test_a_rate_limit_during_the_follow_up_is_retried_after_retry_after(slack: Slack) -> None:
    slack.server.rate_limit("chat.getPermalink", retry_after=1)
    slack.server.rate_limit("response:limited", retry_after=0)
    slack.shortcut(_agent_message(), "limited")
    calls = slack.server.wait_for("response:limited", count=2)
    assert [c.status for c in calls] == [429, 200]
    permalinks = slack.server.calls_to("chat.getPermalink")[-2:]
    assert [c.status for c in permalinks] == [429, 200]
    assert permalinks[1].at - permalinks[0].at >= 1.0  # Retry-After was honoured
    assert "fake.slack.com/archives" in blocks_text(calls[1].params["blocks"])


def test_a_forged_signature_is_refused(slack: Slack) -> None:
    response = slack.shortcut(_agent_message(), "forged", secret="not-the-signing-secret")
    assert response.status_code == 401
    assert not slack.server.calls_to("response:forged")


def test_a_replay_older_than_five_minutes_is_refused(slack: Slack) -> None:
    old = int(time.time()) - 5 * 60 - 30
    response = slack.shortcut(_agent_message(), "replayed", timestamp=old)
    assert response.status_code == 401


def test_a_message_without_text_gets_a_clear_answer(slack: Slack) -> None:
    slack.shortcut({"type": "message", "ts": new_ts(), "text": "", "files": [{}]}, "empty")
    (call,) = slack.server.wait_for("response:empty")
    assert "no text" in call.params["text"]


def test_shortcut_metrics_count_outcomes(slack: Slack) -> None:
    slack.shortcut(_agent_message(), "metrics")
    slack.server.wait_for("response:metrics")
    ok = 'distiller_slack_shortcuts_total{outcome="ok"}'
    eventually(lambda: ok in slack.client.get("/metrics").text)
