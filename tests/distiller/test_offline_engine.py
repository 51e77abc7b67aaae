import re

import pytest

from distiller import (
    BinaryInputError,
    EmptyInputError,
    InputError,
    OfflineEngine,
    OversizeInputError,
    ReaderSpec,
    count_tokens,
    extract_facts,
)
from tests.fixtures import AGENT_MESSAGE_NAMES, agent_message

ENGINE = OfflineEngine()
PADDING = (
    "I hope this",
    "Let me know if",
    "Hi team",
    "Great question",
    "Happy coding",
    "Thanks so much",
)


@pytest.mark.parametrize("name", AGENT_MESSAGE_NAMES)
@pytest.mark.parametrize("budget", [8, 15, 25, 40, 80, 200])
@pytest.mark.parametrize("fmt", ["one-liner", "bullets", "brief"])
def test_budget_is_never_exceeded(name: str, budget: int, fmt: str) -> None:
    result = ENGINE.distill(agent_message(name), ReaderSpec(budget_tokens=budget, format=fmt))
    assert result.tokens_out == count_tokens(result.render_text())
    assert result.tokens_out <= budget
    assert result.tldr.strip()


@pytest.mark.parametrize("name", AGENT_MESSAGE_NAMES)
def test_output_is_shorter_has_no_padding_and_invents_no_fact(name: str) -> None:
    source = agent_message(name)
    result = ENGINE.distill(source)
    text = result.render_mrkdwn()
    assert result.tokens_out < result.tokens_in / 2
    for phrase in PADDING:
        assert phrase.lower() not in text.lower()
    produced, available = extract_facts(text), extract_facts(source)
    for kind in ("numbers", "mentions", "links", "identifiers"):
        assert set(produced[kind]) <= set(available[kind]), kind


def test_asks_are_kept_verbatim_with_owner_and_deadline(incident: str) -> None:
    result = ENGINE.distill(incident, ReaderSpec(budget_tokens=150))
    assert [a.owner for a in result.asks] == ["<@U999ZZZ>", "<@U0123ABC>"]
    assert [a.due for a in result.asks] == ["by Friday", "by EOD"]
    review = result.asks[0].text
    assert "<https://github.com/acme/payments/pull/4521|PR #4521>" in review
    assert review in incident.replace(" (adds a migration check to CI)", "")
    assert result.facts.mentions.dropped == []
    assert result.facts.links.dropped == []


def test_the_point_leads(incident: str) -> None:
    result = ENGINE.distill(incident)
    assert "failed" in result.tldr and "v2.14.1" in result.tldr


def test_facts_report_matches_the_output(incident: str) -> None:
    result = ENGINE.distill(incident, ReaderSpec(budget_tokens=60))
    rendered = result.render_mrkdwn()
    for kept in result.facts.numbers.kept + result.facts.links.kept:
        assert kept in rendered
    for dropped in result.facts.numbers.dropped:
        assert not re.search(rf"(?<![\d.]){re.escape(dropped)}(?![\d.])", rendered)
    assert result.facts.summary().startswith("kept ")


def test_focus_changes_what_is_chosen(incident: str) -> None:
    spec = ReaderSpec(budget_tokens=70, max_bullets=1)
    money = ENGINE.distill(incident, spec.model_copy(update={"focus": ("customers", "revenue")}))
    assert "$45,000" in money.render_text()
    latency = ENGINE.distill(incident, spec.model_copy(update={"focus": ("error rate", "latency")}))
    assert "850ms" in latency.render_text()


def test_deterministic(incident: str) -> None:
    assert ENGINE.distill(incident) == ENGINE.distill(incident)


def test_thread_names_who_said_what() -> None:
    thread = [
        {
            "user": "<@U1>",
            "text": "The nightly ETL failed at 02:10 UTC with an out-of-memory error.",
        },
        {"user": "<@U2>", "text": "I raised the worker memory to 8 GiB and re-ran it; it passed."},
        {"user": "<@U1>", "text": "Thanks! Can you open a ticket to fix the leak by Friday?"},
    ]
    result = ENGINE.distill(thread, ReaderSpec(budget_tokens=80))
    text = result.render_mrkdwn()
    assert "<@U1>: The nightly ETL failed at 02:10 UTC" in text
    assert "<@U2> raised the worker memory to 8 GiB" in text  # reported speech, speaker named
    assert result.asks[0].text == "<@U1>: Can <@U2> open a ticket to fix the leak by Friday?"
    assert result.asks[0].due == "by Friday"


def test_secrets_are_redacted_before_distilling() -> None:
    token = "xoxb-" + "123456789012-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx"
    result = ENGINE.distill(f"The deploy failed on 3 pods because the bot token {token} expired.")
    assert token not in result.model_dump_json()
    assert result.redactions == 1
    assert "[REDACTED:slack-token]" in result.tldr


@pytest.mark.parametrize("source", ["", "   \n\t ", [], [{"user": "a", "text": " "}]])
def test_empty_input_is_refused_clearly(source: object) -> None:
    with pytest.raises(EmptyInputError, match=r"empty|no messages"):
        ENGINE.distill(source)  # type: ignore[arg-type]


def test_oversize_input_is_refused_with_the_limit() -> None:
    with pytest.raises(
        OversizeInputError, match=r"1,000,000 characters, above the limit of 200,000"
    ):
        ENGINE.distill("a" * 1_000_000)


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00\x01binary", "text with a NUL \x00 byte"])
def test_binary_input_is_refused(raw: object) -> None:
    with pytest.raises(BinaryInputError, match="not UTF-8 text"):
        ENGINE.distill(raw)  # type: ignore[arg-type]


def test_utf8_bytes_are_accepted() -> None:
    assert "failed" in ENGINE.distill("The deploy failed. Café ☕".encode()).tldr


def test_malformed_message_items_name_the_index() -> None:
    with pytest.raises(InputError, match=r"messages\[1\]"):
        ENGINE.distill([{"text": "fine"}, {"user": "x"}])


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        (":tada: :rocket: :fire:", ":tada:"),
        ("🎉🚀", "🎉"),
        ("```python\nimport os\nprint(os.getcwd())\n```", "`import os`"),
        (
            "Der Deploy von v2.1 ist um 14:05 UTC fehlgeschlagen. Bitte bis Freitag zurückrollen.",
            "v2.1",
        ),
        ("部署在14:05失败了。请在周五之前回滚。", "14:05"),
        ("*unbalanced _mrkdwn <https://x.example|link and ```code", "unbalanced"),
    ],
)
def test_odd_inputs_give_a_sensible_result(text: str, expect: str) -> None:
    result = ENGINE.distill(text)
    assert expect in result.render_mrkdwn()
    assert result.tokens_out <= result.budget_tokens


def test_only_pleasantries_says_so() -> None:
    result = ENGINE.distill("Hi team! I hope this helps. Let me know if you have any questions!")
    assert any("nothing to act on" in note for note in result.notes)


def test_glossary_expands_once_and_never_inside_entities() -> None:
    spec = ReaderSpec(
        budget_tokens=120, glossary={"PR": "pull request", "SLO": "service level objective"}
    )
    text = (
        "The SLO was missed twice. <@U1> please review <https://x.example/1|PR #1> "
        "and the PR notes."
    )
    out = ENGINE.distill(text, spec).render_mrkdwn()
    assert "SLO (service level objective)" in out
    assert out.count("(service level objective)") == 1
    assert "<https://x.example/1|PR #1>" in out
