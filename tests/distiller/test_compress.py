import pytest

from distiller.compress import boilerplate_kind, compress, trim_clauses
from distiller.facts import extract_facts
from distiller.tokens import count_tokens


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Hi team! :wave:", "greeting"),
        ("Hello everyone,", "greeting"),
        ("I hope this helps! :blush:", "pleasantry"),
        ("Great question!", "pleasantry"),
        ("Let me know if you have any questions or concerns.", "closing offer"),
        ("Please don't hesitate to reach out.", "closing offer"),
        ("Would you like me to dig deeper into the logs?", "closing offer"),
        ("Thanks!", "filler"),
        (":pray:", "filler"),
        ("The deploy failed on 3 pods.", None),
        ("Let me know if the 3 pods on v2.1 fail again.", None),  # padding around facts stays
    ],
)
def test_boilerplate_kinds(text: str, kind: str | None) -> None:
    assert boilerplate_kind(text) == kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It's worth noting that the deploy failed.", "The deploy failed."),
        ("So, basically, we are able to ship in order to meet Q3.", "We can ship to meet Q3."),
        ("Here's a quick summary of the incident: the DB is down.", "The DB is down."),
        ("In summary, <@U1> needs to approve by Friday.", "<@U1> needs to approve by Friday."),
        (
            ":rocket: *Impact:* 3 customers (sadly) saw errors :fire:",
            "Impact: 3 customers saw errors",
        ),
        ("You should have one every year.", "You should have one every year."),
        ("Here's a quick overview of the update.", ""),
    ],
)
def test_compress(text: str, expected: str) -> None:
    assert compress(text, aggressive=True) == expected


@pytest.mark.parametrize(
    "text",
    [
        "It's worth noting that v2.14.1 (deployed at 14:05 UTC to 3 of 12 pods) basically failed.",
        "As mentioned earlier, <@U1|ana> should review <https://x.example/pr/1|PR #1> (soon).",
        "I think the p99 is (roughly) 850ms vs. 120ms (about 7x) on `api-gateway`.",
        "Additionally, costs rose by $4,500 (22%) in order to cover INC-2231.",
    ],
)
def test_compression_never_loses_a_fact(text: str) -> None:
    out = compress(text, aggressive=True)
    before, after = extract_facts(text), extract_facts(out)
    for kind in ("numbers", "mentions", "links", "identifiers", "deadlines"):
        assert set(before[kind]) <= set(after[kind]), kind
    assert len(out) < len(text)


def test_trim_clauses_cuts_at_a_clause_and_never_inside_an_entity() -> None:
    text = (
        "If you eat watermelon seeds, they pass through your digestive system "
        "and are eliminated without harm, which is <https://x.example/a,b|documented>."
    )
    expected = "If you eat watermelon seeds, they pass through your digestive system."
    assert trim_clauses(text, count_tokens(expected), count_tokens) == expected
    assert trim_clauses("In the 1939 film, when Dorothy arrives in Oz.", 5, count_tokens) is None
