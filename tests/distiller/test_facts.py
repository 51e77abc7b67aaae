from distiller.facts import extract_facts, facts_report, find_deadline

TEXT = (
    "Deploy of v2.14.1 failed at 14:05 UTC on 3 of 12 pods; error rate 4.2% vs 0.1%, p99 850ms, "
    "cost $4,500, 2.3M requests. See <https://grafana.example.com/d/abc?x=1.2|dash> and "
    "https://status.example.com/incidents/42. <@U999> please review PR #4521 (INC-2231, commit "
    "3f9a2c1, `ledger_sync`) by Friday. cc <#C0123|infra-oncall> <!here>"
)


def test_extracts_each_kind() -> None:
    facts = extract_facts(TEXT)
    assert facts["numbers"] == ["3", "12 pods", "4.2%", "0.1%", "850ms", "$4,500", "2.3M"]
    assert "by Friday" in facts["deadlines"]
    assert facts["mentions"] == ["<@U999>", "<#C0123|infra-oncall>", "<!here>"]
    assert facts["links"] == [
        "<https://grafana.example.com/d/abc?x=1.2|dash>",
        "https://status.example.com/incidents/42",
    ]
    assert {"v2.14.1", "#4521", "INC-2231", "3f9a2c1", "`ledger_sync`"} <= set(facts["identifiers"])


def test_numbers_inside_links_and_mentions_are_not_numbers() -> None:
    facts = extract_facts("<@U12345> see <https://x.example/42/7|item 9>")
    assert facts["numbers"] == []


def test_emoji_shortcodes_are_not_identifiers() -> None:
    assert extract_facts(":red_circle: :white_check_mark: ok")["identifiers"] == []


def test_report_counts_kept_and_dropped() -> None:
    report = facts_report(TEXT, "v2.14.1 failed on 3 of 12 pods; <@U999> review by Friday")
    assert report.numbers.kept == ["3", "12 pods"]
    assert "4.2%" in report.numbers.dropped
    assert report.mentions.kept == ["<@U999>"]
    assert report.links.kept == []
    assert report.summary().startswith("kept 2/7 numbers, 1/")
    assert not report.all_kept


def test_deadlines() -> None:
    assert find_deadline("ship it by EOD Thursday please") == "by EOD"
    assert find_deadline("due 2026-12-01 at 10:00 UTC") == "due 2026-12-01 at 10:00 UTC"
    assert find_deadline("no date here") is None
