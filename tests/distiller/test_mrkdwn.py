import pytest

from distiller.mrkdwn import ENTITY_RE, parse_units, split_sentences, to_plain
from tests.fixtures import AGENT_MESSAGE_NAMES, agent_message


@pytest.mark.parametrize("name", AGENT_MESSAGE_NAMES)
def test_every_entity_survives_parsing(name: str) -> None:
    # Emoji used as list markers or heading decoration are layout and go; every other entity
    # (mentions, channels, links, inline code, emoji inside text) must come through whole.
    text = agent_message(name)
    units = "\n".join(u.text for u in parse_units(text))
    entities = [m.group(0) for m in ENTITY_RE.finditer(text)]
    assert len(entities) > 3
    for entity in entities:
        if not (entity.startswith(":") and entity.endswith(":")):
            assert entity in units, entity


def test_emoji_inside_text_survive() -> None:
    units = parse_units("We shipped it :tada: and <@U1> said :+1: twice.")
    assert units[0].text == "We shipped it :tada: and <@U1> said :+1: twice."


def test_sentences_do_not_split_inside_entities_decimals_or_abbreviations() -> None:
    text = (
        "See <https://grafana.example.com/d/a.b?x=1.5|the p.99 board>. Latency is 2.5s vs. 1.2s "
        "e.g. on node-3. Dr. Smith agreed. Ping <@U0123|ana.b> today! Done? Yes."
    )
    assert split_sentences(text) == [
        "See <https://grafana.example.com/d/a.b?x=1.5|the p.99 board>.",
        "Latency is 2.5s vs. 1.2s e.g. on node-3.",
        "Dr. Smith agreed.",
        "Ping <@U0123|ana.b> today!",
        "Done?",
        "Yes.",
    ]


def test_non_latin_scripts_split() -> None:
    assert split_sentences("Привет. Мир! 今日は。明日も。") == [
        "Привет.",
        "Мир!",
        "今日は。",
        "明日も。",
    ]


def test_units_have_kinds_and_sections() -> None:
    text = (
        "*Status*\nAll good. Mostly.\n\n"
        "## Next steps\n- <@U1> to review by Friday\n1. ship it\n"
        ":white_check_mark: tests pass\n> quoted reply\n```\nprint(1)\n```\nClosing words."
    )
    units = parse_units(text)
    assert [(u.kind, u.text) for u in units] == [
        ("heading", "Status"),
        ("sentence", "All good."),
        ("sentence", "Mostly."),
        ("heading", "Next steps"),
        ("item", "<@U1> to review by Friday"),
        ("item", "ship it"),
        ("item", "tests pass"),
        ("quote", "quoted reply"),
        ("code", "print(1)"),
        ("sentence", "Closing words."),
    ]
    assert units[4].section == "Next steps"
    assert units[1].section == "Status"


@pytest.mark.parametrize(
    "text",
    [
        "```never closed\ncode here",
        "a < b and <https://broken link",
        "*bold never closed and _italic too",
        "<@U123",
        "```",
        ":::: :: :",
        "\n\n\n",
    ],
)
def test_malformed_mrkdwn_is_read_as_text(text: str) -> None:
    units = parse_units(text)
    joined = " ".join(u.text for u in units)
    for word in text.replace("`", " ").split():
        assert word in joined or not word.strip("`")


def test_sentence_text_round_trips() -> None:
    text = (
        "The deploy of v2.1 failed. <@U1> owns it; see <https://x.example/a|runbook>. Thanks :tada:"
    )
    assert " ".join(u.text for u in parse_units(text)) == text


def test_to_plain_renders_entities_readably() -> None:
    text = (
        "*Hi* <@U1|maria> in <#C2|infra>: see <https://x.example/a|the doc> or "
        "<https://y.example>; "
        "<!here> <!subteam^S1|@oncall> _now_ ~not~ &amp; `code_span`"
    )
    assert to_plain(text) == (
        "Hi @maria in #infra: see the doc (https://x.example/a) or https://y.example; "
        "@here @oncall now not & `code_span`"
    )
