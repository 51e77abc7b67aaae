"""Block Kit within Slack's limits: sections under 3,000 characters, at most 50 blocks, inert
broadcast mentions, and a local check that catches what Slack would reject."""

from __future__ import annotations

from api.slack.blocks import (
    ACTION_PERSONA,
    ACTION_SHARE,
    MAX_BLOCKS,
    SECTION_LIMIT,
    ResultView,
    check_blocks,
    neutralise,
    notice_blocks,
    result_blocks,
    shared_blocks,
    split_text,
)
from distiller import Ask, Distillation, OfflineEngine, ReaderSpec
from tests.fixtures import agent_message


def test_neutralise_makes_broadcasts_and_group_mentions_inert() -> None:
    text = "<!channel> <!here|here> <!everyone> <!subteam^S0123ABC|@oncall> ping <@U123> @here"
    out = neutralise(text)
    for live in ("<!channel>", "<!here", "<!everyone>", "<!subteam", " @here"):
        assert live not in out
    assert "<@U123>" in out  # people stay mentioned: only broadcasts are neutralised
    assert "oncall" in out and "channel" in out  # still readable
    assert neutralise(out) == out


def test_split_text_respects_the_limit_and_never_cuts_an_entity() -> None:
    link = "<https://example.com/" + "a" * 80 + "|a long link>"
    text = ("word " * 50 + link + " ") * 40
    pieces = split_text(text, 500)
    assert all(0 < len(p) <= 500 for p in pieces)
    assert all(p.count("<") == p.count(">") for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def test_split_text_without_spaces_cuts_hard() -> None:
    pieces = split_text("x" * 7000, 2900)
    assert [len(p) for p in pieces] == [2900, 2900, 1200]


def _view(result: Distillation, **changes: object) -> ResultView:
    fields: dict[str, object] = {
        "id": "abc123",
        "result": result,
        "why": "for #infra-oncall: oncall-engineer (channel setting)",
        "permalink": "https://fake.slack.com/archives/C1/p1",
        "personas": ("engineer", "leadership", "oncall-engineer"),
    }
    fields.update(changes)
    return ResultView(**fields)  # type: ignore[arg-type]


def test_a_20000_character_message_yields_valid_blocks() -> None:
    paragraph = agent_message("incident_report")
    source = (paragraph * (20_000 // len(paragraph) + 1))[:20_000]
    assert len(source) == 20_000
    # The largest budget a persona may ask for, so the result is as long as it gets.
    result = OfflineEngine().distill(source, ReaderSpec(budget_tokens=2000, max_bullets=20))
    for blocks in (result_blocks(_view(result)), shared_blocks(_view(result), "U1")):
        assert check_blocks(blocks) == []


def test_a_huge_result_is_split_and_trimmed_to_fit() -> None:
    result = Distillation(
        tldr="t" * 7_000,
        bullets=[f"bullet {i} " + "y" * 1500 for i in range(200)],
        asks=[Ask(text=f"<!channel> please fix {i} by Friday", due="Friday") for i in range(30)],
    )
    blocks = result_blocks(_view(result))
    assert check_blocks(blocks) == []
    assert len(blocks) == MAX_BLOCKS
    assert all(len(b["text"]["text"]) < SECTION_LIMIT for b in blocks if b["type"] == "section")
    texts = str(blocks)
    assert "did not fit" in texts  # the reader is told what was cut
    assert blocks[-1]["type"] == "actions"  # the buttons always survive the trimming
    assert "<!channel>" not in texts


def test_the_answer_has_its_parts_and_buttons() -> None:
    result = OfflineEngine().distill(agent_message("incident_report"), ReaderSpec())
    blocks = result_blocks(_view(result))
    text = str(blocks)
    assert "*TL;DR:*" in text and "kept " in text and "oncall-engineer" in text
    assert "https://fake.slack.com/archives/C1/p1" in text
    actions = blocks[-1]["elements"]
    assert [a["action_id"] for a in actions][:2] == [ACTION_SHARE, ACTION_PERSONA]
    assert len(actions) == 4  # share, persona select, thumbs up, thumbs down
    voted = result_blocks(_view(result, vote="up", can_share=False))
    assert [a["action_id"] for a in voted[-1]["elements"]] == [ACTION_PERSONA]
    assert "You rated this" in str(voted)


def test_check_blocks_reports_what_slack_would_reject() -> None:
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert check_blocks(too_long)
    assert check_blocks(notice_blocks("short") * 51)
    assert check_blocks([]) and not check_blocks(notice_blocks("x" * 10_000))
