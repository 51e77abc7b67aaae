"""`/distill`: help, the channel persona (show, set, clear, unknown), auto mode, the digest."""

from __future__ import annotations

from tests.api.slack.conftest import GENERAL, INFRA, Slack


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


def test_digest_is_coming_soon_and_nonsense_gets_help(slack: Slack) -> None:
    assert "coming soon" in _reply(slack, "digest subscribe", "digest")
    assert "I don't know `/distill frobnicate`" in _reply(slack, "frobnicate", "nonsense")
