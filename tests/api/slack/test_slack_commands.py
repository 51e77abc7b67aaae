"""`/distill`: help, the channel persona (show, set, clear, unknown), auto mode, the digest."""

from __future__ import annotations

import time

from tests.api.slack.conftest import ALICE, GENERAL, INFRA, Slack


def _reply(slack: Slack, text: str, name: str, channel: str = INFRA) -> str:
    response = slack.command(text, name, channel=channel)
    assert response.status_code == 200 and response.text == ""  # acked empty, answered later
    (call,) = slack.server.wait_for(f"response:{name}")
    assert call.params["response_type"] == "ephemeral"
    return str(call.params["text"])


def test_help_lists_the_subcommands_and_personas(slack: Slack) -> None:
    text = _reply(slack, "", "help")
    assert "/distill persona" in text and "/distill auto on|off" in text
    assert "oncall-engineer" in text and "leadership" in text


def test_persona_show_set_and_clear(slack: Slack) -> None:
    assert "oncall-engineer (inferred" in _reply(slack, "persona", "show")
    assert "now written for *leadership*" in _reply(slack, "persona leadership", "set")
    assert "leadership (channel setting)" in _reply(slack, "persona", "show-again")
    # One registry: the HTTP API sees the persona set in Slack.
    key = slack.services.keys.create("infra", ["distill"])
    answer = slack.client.get(
        f"/v1/channels/{INFRA}/persona", headers={"authorization": f"Bearer {key.token}"}
    )
    assert answer.json()["persona"] == "leadership"
    cleared = _reply(slack, "persona clear", "clear")
    assert "cleared" in cleared and "oncall-engineer" in cleared
    assert slack.runtime.registry.channel_persona(INFRA) is None


def test_an_unknown_persona_lists_the_valid_names(slack: Slack) -> None:
    text = _reply(slack, "persona wizard", "wizard")
    assert "no persona `wizard`" in text and "engineer" in text


def test_auto_mode_on_and_off(slack: Slack) -> None:
    assert "Auto mode is *off*" in _reply(slack, "auto", "auto-0")
    assert "Auto mode is *on*" in _reply(slack, "auto on", "auto-1")
    assert slack.runtime.settings.channel(INFRA).auto
    assert "replies in threads: *on*" in _reply(slack, "auto reply on", "auto-2")
    assert "Auto mode is *off*" in _reply(slack, "auto off", "auto-3")
    assert not slack.runtime.settings.channel(INFRA).auto


def test_auto_mode_where_the_bot_is_not_a_member_says_to_invite_it(slack: Slack) -> None:
    assert "/invite @distiller" in _reply(slack, "auto on", "auto-g", channel=GENERAL)


def test_digest_subscribe_show_and_stop(slack: Slack) -> None:
    store = slack.services.digests
    assert "No digest for" in _reply(slack, "digest", "digest-none")
    saved = _reply(slack, "digest weekly mon 17:30 Asia/Tokyo persona leadership quiet", "d1")
    assert "weekly on Mon at 17:30 Asia/Tokyo" in saved
    state = store.get(f"{INFRA}:channel")
    assert state is not None
    sub = state.subscription
    assert (sub.cadence, sub.weekday, sub.hour, sub.minute) == ("weekly", 0, 17, 30)
    assert (sub.persona, sub.quiet, sub.created_by) == ("leadership", "post", f"slack:{ALICE}")
    # A later change keeps what it does not mention.
    assert "daily at 08:00 Asia/Tokyo" in _reply(slack, "digest daily 8am", "d2")
    kept = store.get(f"{INFRA}:channel")
    assert kept is not None and kept.subscription.persona == "leadership"
    status = _reply(slack, "digest", "d3")
    assert "In this channel: daily at 08:00 Asia/Tokyo, for leadership" in status
    assert "stopped" in _reply(slack, "digest off", "d4")
    assert store.get(f"{INFRA}:channel") is None
    assert "no such digest" in _reply(slack, "digest off", "d5")


def test_a_dm_digest_uses_the_callers_time_zone(slack: Slack) -> None:
    before = slack.server.users[ALICE]
    slack.server.users[ALICE] = {**before, "tz": "America/New_York"}
    slack.runtime._cache.pop(("user", ALICE), None)  # users.info is cached for 5 minutes
    try:
        saved = _reply(slack, "digest dm daily 7:15", "dm1")
    finally:
        slack.server.users[ALICE] = before
    assert f"To <@{ALICE}> by DM: daily at 07:15 America/New_York" in saved
    state = slack.services.digests.get(f"{INFRA}:{ALICE}")
    assert state is not None and state.subscription.to_person
    assert "stopped" in _reply(slack, "digest dm off", "dm2")


def test_digest_mistakes_say_what_was_not_understood(slack: Slack) -> None:
    assert "did not understand `fortnightly`" in _reply(slack, "digest fortnightly", "e1")
    assert "no persona `wizard`" in _reply(slack, "digest daily persona wizard", "e2")
    assert "unknown time zone 'Mars/Olympus'" in _reply(slack, "digest daily Mars/Olympus", "e3")
    assert "did not understand `25:00`" in _reply(slack, "digest daily 25:00", "e4")
    assert slack.services.digests.get(f"{INFRA}:channel") is None


def test_nonsense_gets_help(slack: Slack) -> None:
    assert "I don't know `/distill frobnicate`" in _reply(slack, "frobnicate", "nonsense")


def test_digest_preview_shows_the_last_day_only_to_the_caller(slack: Slack) -> None:
    hour_ago = f"{int(time.time()) - 3600}.000100"
    slack.server.add_message(
        INFRA, hour_ago, "The ingest queue is stuck at 40k messages; <@U0BOB00001> please drain it."
    )
    posted_before = len(slack.server.calls_to("chat.postMessage"))
    text = _reply(slack, "digest preview", "preview")
    assert text.startswith("*Digest for <#C0INFRA001>*")
    assert "40k messages" in text
    assert len(slack.server.calls_to("chat.postMessage")) == posted_before  # nothing posted
    assert slack.services.digests.get(f"{INFRA}:channel") is None  # nothing recorded
