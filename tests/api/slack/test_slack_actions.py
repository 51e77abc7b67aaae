"""The answer's buttons: Share in thread (mentions neutralised), Another persona, 👍/👎."""

from __future__ import annotations

from typing import Any

from api.slack import export_feedback
from tests.api.slack.conftest import ALICE, INFRA, Slack, blocks_text, eventually, new_ts
from tests.fakes.slack_server import Call

LOUD = (
    "<!channel> Hi all! I hope you are doing well. The deploy of payments v2.3 failed at 14:05 "
    "UTC and the error rate is 4.2%. <!subteam^S0ONCALL1|@payments-oncall> please roll back "
    "by 15:00. <!here> It's worth noting that <!everyone> should avoid deploying until then. "
    "Let me know if you have any questions!"
)


def _answer(slack: Slack, name: str, text: str = LOUD) -> tuple[dict[str, Any], Call]:
    message = {"type": "message", "ts": new_ts(), "text": text, "user": "U0BOB00001"}
    slack.shortcut(message, name)
    (call,) = slack.server.wait_for(f"response:{name}")
    return message, call


def _button(call: Call, action_id: str) -> dict[str, Any]:
    elements = call.params["blocks"][-1]["elements"]
    return next(e for e in elements if e["action_id"] == action_id)


def test_share_in_thread_posts_publicly_with_broadcasts_neutralised(slack: Slack) -> None:
    message, answer = _answer(slack, "loud")
    assert "<!channel>" not in str(answer.params)  # not even in the ephemeral answer
    share = _button(answer, "distill_share")
    slack.action({"action_id": "distill_share", "type": "button", "value": share["value"]}, "s1")
    (post,) = slack.server.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts"))
    assert post.params["channel"] == INFRA
    assert post.params["thread_ts"] == message["ts"]
    posted = post.params["text"] + str(post.json_param("blocks"))
    for live in ("<!channel>", "<!here>", "<!everyone>", "<!subteam^"):
        assert live not in posted
    assert "14:05" in posted or "4.2%" in posted or "15:00" in posted
    assert f"<@{ALICE}>" in posted  # says who asked for it
    (done,) = slack.server.wait_for("response:s1")
    assert "Shared" in done.params["text"]


def test_another_persona_replaces_the_answer(slack: Slack) -> None:
    _, answer = _answer(slack, "persona", text=LOUD.replace("<!channel> ", ""))
    select = _button(answer, "distill_persona")
    option = next(o for o in select["options"] if o["value"].endswith(":leadership"))
    slack.action(
        {"action_id": "distill_persona", "type": "static_select", "selected_option": option},
        "p1",
    )
    (call,) = slack.server.wait_for("response:p1")
    assert call.params["replace_original"] is True
    shown = blocks_text(call.params["blocks"])
    assert "leadership (you picked it)" in shown
    assert "*TL;DR:*" in shown


def test_feedback_is_counted_in_metrics_and_stored_for_export(slack: Slack) -> None:
    _, answer = _answer(slack, "vote")
    up = _button(answer, "distill_feedback_up")
    slack.action({"action_id": "distill_feedback_up", "type": "button", "value": up["value"]}, "v1")
    (call,) = slack.server.wait_for("response:v1")
    assert "You rated this" in blocks_text(call.params["blocks"])
    metric = 'distiller_slack_feedback_total{vote="up"} 1.0'
    eventually(lambda: metric in slack.client.get("/metrics").text)
    rows = list(export_feedback(slack.services.settings.data_dir))  # what an export reads
    assert [(r["id"], r["vote"]) for r in rows] == [(up["value"], "up")]
    assert rows[0]["source"][0]["text"].startswith("<!channel> Hi all!")
    assert rows[0]["result"]["tldr"]


def test_a_button_on_a_forgotten_answer_says_so(slack: Slack) -> None:
    slack.action({"action_id": "distill_share", "type": "button", "value": "deadbeef"}, "gone")
    (call,) = slack.server.wait_for("response:gone")
    assert "no longer stored" in call.params["text"]
