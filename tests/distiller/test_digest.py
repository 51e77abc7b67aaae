"""Digest engine behaviour: topics, agent posts distilled first, ranking, asks, decisions,
open questions. Messages look like what the collector builds from Slack's history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from distiller import OfflineEngine, ReaderSpec
from distiller.digest import Digest, DigestEngine, DigestMessage, DigestRequest
from distiller.digest.cluster import ClusterOptions, cluster_messages
from distiller.embed import HashingEmbedder
from tests.fixtures import agent_message

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC).timestamp()
ENGINE = DigestEngine(OfflineEngine(), HashingEmbedder())


def msg(minute: float, user: str, text: str, thread: float | None = None, **extra: Any):
    """A message `minute` minutes after 09:00 UTC; `thread` is the parent's minute."""
    ts = f"{T0 + minute * 60:.6f}"
    parent = None if thread is None else f"{T0 + thread * 60:.6f}"
    link = f"https://acme.slack.com/archives/C0TEAM/p{ts.replace('.', '')}"
    return DigestMessage(
        ts=ts, thread_ts=parent, text=text, user=user, channel="C0TEAM", permalink=link, **extra
    )


def request(**extra: Any) -> DigestRequest:
    fields: dict[str, Any] = {
        "start": datetime(2024, 5, 6, tzinfo=UTC),
        "end": datetime(2024, 5, 7, tzinfo=UTC),
        "channel": "#team",
        "budget_tokens": 4000,
        "max_topics": 40,
    }
    fields.update(extra)
    return DigestRequest(**fields)


def topic_with(digest: Digest, words: str):
    found = [t for t in digest.topics if words in t.title]
    assert len(found) == 1, [t.title for t in digest.topics]
    return found[0]


# -- topics ----------------------------------------------------------------------------------


def test_a_thread_stays_one_topic_however_unrelated_its_replies() -> None:
    messages = [
        msg(0, "U001", "The ledger nightly export failed again with a timeout.", reply_count=3),
        msg(1, "U009", "Anyone want to grab lunch at the taco place?"),
        msg(2, "U002", "lol", thread=0),
        msg(3, "U003", "Completely unrelated: my cat walked on the keyboard.", thread=0),
        msg(50, "U002", "Retried it, the export finished in 14 minutes.", thread=0),
    ]
    digest = ENGINE.build(messages, request())
    ledger = topic_with(digest, "ledger nightly export")
    assert ledger.kind == "thread"
    assert ledger.messages == 4
    assert ledger.last_ts == messages[-1].ts
    assert digest.coverage.threads_read == 1
    assert len(digest.topics) == 2


def test_related_top_level_messages_cluster_and_unrelated_ones_do_not() -> None:
    messages = [
        msg(0, "U001", "Is the staging database down? My migrations time out."),
        msg(2, "U005", "Who is going to the offsite in Lisbon next month?"),
        msg(4, "U002", "Same here, staging database migrations hang after the connect."),
        msg(6, "U006", "I booked my flight to Lisbon for the offsite."),
        msg(9, "U003", "The staging database is back, migrations should work now."),
        msg(11, "U007", "The quarterly planning doc is ready for comments."),
    ]
    digest = ENGINE.build(messages, request())
    sizes = {t.title: t.messages for t in digest.topics}
    assert len(digest.topics) == 3, sizes
    assert topic_with(digest, "staging database").messages == 3
    assert topic_with(digest, "Lisbon").messages == 2
    assert topic_with(digest, "planning doc").messages == 1
    assert all(t.kind == "conversation" for t in digest.topics)


def test_the_same_subject_hours_apart_is_two_conversations() -> None:
    options = ClusterOptions()
    messages = [
        msg(0, "U001", "The staging database migrations time out again."),
        msg(60 * 9, "U002", "Staging database migrations time out, anyone else?"),
    ]
    groups = cluster_messages(messages, HashingEmbedder(), options)
    assert [len(g) for g in groups] == [1, 1]
    close = [messages[0], msg(20, "U002", "Staging database migrations time out, anyone else?")]
    assert [len(g) for g in cluster_messages(close, HashingEmbedder(), options)] == [2]


def test_a_short_reaction_joins_the_person_who_spoke_last() -> None:
    messages = [
        msg(0, "U001", "Shipping the new billing dashboard to everyone on Monday."),
        msg(1, "B1", "Deployed search v2.4.1 to prod (build #88)", posted_by_app=True),
        msg(2, "U002", "+1"),
        msg(40, "U003", "lol"),  # nobody spoke in the last ten minutes: a topic of its own
    ]
    groups = cluster_messages(messages, HashingEmbedder(), ClusterOptions())
    assert [[m.text for m in g] for g in groups] == [
        [messages[0].text, "+1"],
        [messages[1].text],
        ["lol"],
    ]


# -- verbose agent posts first ---------------------------------------------------------------


class SpyEngine(OfflineEngine):
    """The real offline engine, recording what it was asked to distill, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Any] = []

    def distill(self, source: Any, spec: ReaderSpec | None = None) -> Any:
        self.calls.append(source)
        return super().distill(source, spec)


def test_a_verbose_agent_post_is_distilled_before_its_topic() -> None:
    report = agent_message("status_update")
    messages = [
        msg(0, "B0AGENT", report, posted_by_app=True, app_name="ops-agent", reply_count=1),
        msg(5, "U002", "Thanks, I'll chase finance about the schema review.", thread=0),
    ]
    spy = SpyEngine()
    digest = DigestEngine(spy, HashingEmbedder()).build(messages, request())
    assert digest.coverage.agent_messages_distilled == 1
    assert spy.calls[0] == report  # the post alone, first
    topic_rows = spy.calls[1]
    assert isinstance(topic_rows, list) and len(topic_rows) == 2
    agent_row = topic_rows[0]["text"]
    # The topic saw the point, not the padding.
    assert len(agent_row) < len(report) / 2
    for padding in ("Good morning", "I wanted to share", "don't hesitate", "Thanks so much"):
        assert padding not in agent_row
    assert "`billing_export`" in agent_row
    topic = digest.topics[0]
    shown = " ".join([topic.summary, *topic.points])
    assert "Good morning" not in shown and "don't hesitate" not in shown


def test_a_long_human_message_is_not_distilled_first() -> None:
    text = (
        "ok so the ledger export broke because the finance schema changed on Tuesday and "
        "nobody told us, I patched the mapping in ledger_export.py and reran it, numbers match "
        "the dashboard now except for 3 rows from the Berlin entity which I still have to check "
        "with Maria tomorrow morning, will post again when I know more about those rows"
    )
    digest = ENGINE.build([msg(0, "U001", text)], request())
    assert digest.coverage.agent_messages_distilled == 0


# -- ranking ---------------------------------------------------------------------------------


def chit_chat() -> list[DigestMessage]:
    lines = [
        "Who is coming to the board game night on Thursday?",
        "me! bringing Catan",
        "count me in, I'll bring snacks",
        "can't make it this week, next time",
        "we should do Ticket to Ride too",
        "I have the Europe edition at home",
        "nice, see you all there",
        "Is the game room booked already?",
        "yes, booked it for 6pm",
    ]
    return [msg(100, "U0010", lines[0], reply_count=8)] + [
        msg(101 + i, f"U001{i + 1}", line, thread=100) for i, line in enumerate(lines[1:])
    ]


def incident() -> list[DigestMessage]:
    return [
        msg(
            0,
            "U001",
            "payments-api returns 502s since 08:55 UTC, error rate 4.2%. Opened INC-88.",
            reply_count=2,
        ),
        msg(3, "U002", "Rolled back to v2.3.0, error rate back to 0.3%.", thread=0),
        msg(6, "U001", "<@U003> please write the postmortem by Friday.", thread=0),
    ]


def test_an_incident_with_an_ask_ranks_above_livelier_chit_chat() -> None:
    digest = ENGINE.build([*chit_chat(), *incident()], request())
    first, second = digest.topics
    assert "payments-api" in first.title
    assert "board game" in second.title
    assert first.importance > second.importance
    assert "incident" in first.signals and "1 open ask" in first.signals
    assert second.messages > first.messages and len(second.participants) > 3


def test_the_readers_focus_terms_lift_a_topic() -> None:
    messages = [
        msg(0, "U001", "The search relevance tuning experiment finished, results in the doc."),
        msg(300, "U002", "The billing invoice template change went live for EU customers."),
    ]
    plain = ENGINE.build(messages, request())
    assert "search" in plain.topics[0].title  # a tie goes to the earlier topic
    focused = ENGINE.build(messages, request(spec=ReaderSpec(focus=("billing", "invoices"))))
    assert "billing" in focused.topics[0].title
    assert "matches your focus" in focused.topics[0].signals


# -- questions, asks, decisions --------------------------------------------------------------


def test_a_question_nobody_answered_needs_attention() -> None:
    messages = [
        msg(0, "U001", "Where is the runbook for the ledger failover?", reply_count=1),
        msg(5, "U001", "Also, does it cover the Berlin region?", thread=0),
        msg(30, "U004", "Which dashboard shows the export usage by customer?", reply_count=1),
        msg(35, "U005", "The finance one, tab 3.", thread=30),
    ]
    digest = ENGINE.build(messages, request())
    questions = [a for a in digest.attention if a.kind == "question"]
    assert [q.text for q in questions] == [
        "Where is the runbook for the ledger failover?",
        "Does it cover the Berlin region?",  # compressed: "Also," goes
    ]
    assert questions[0].by == "<@U001>"
    assert questions[0].permalink == messages[0].permalink
    assert "1 open question" not in topic_with(digest, "dashboard").signals


def test_rhetorical_and_closing_questions_are_not_open_questions() -> None:
    messages = [msg(0, "U001", "Shipping the new pager rotation on Monday. Thoughts?")]
    assert ENGINE.build(messages, request()).attention == []


def test_action_items_carry_owner_due_and_link() -> None:
    messages = [
        msg(
            0,
            "U001",
            "<@U002> please review <https://github.com/acme/api/pull/12|PR #12> by Friday.",
            reply_count=2,
        ),
        msg(5, "U003", "Can someone rotate the staging credentials by EOD?", thread=0),
        msg(9, "U002", "Reviewed PR #12, approved with two nits.", thread=0),
    ]
    digest = ENGINE.build(messages, request())
    rotate, review = digest.action_items  # open asks first
    assert review.owner == "<@U002>" and review.due == "by Friday" and review.done
    assert review.asked_by == "<@U001>" and review.permalink == messages[0].permalink
    assert rotate.owner is None and rotate.due == "by EOD" and not rotate.done
    text = digest.render_text()
    assert "no owner named" in text and "(done)" in text


def test_an_unrelated_later_message_from_the_owner_does_not_close_an_ask() -> None:
    messages = [
        msg(0, "U001", "<@U002> please update the ledger runbook by Thursday.", reply_count=1),
        msg(5, "U002", "Rolled back the search deploy, resolved.", thread=0),
    ]
    (item,) = ENGINE.build(messages, request()).action_items
    assert not item.done


@pytest.mark.parametrize(
    "text",
    [
        "We decided to freeze payments deploys until Monday.",
        "Agreed: search moves to the new cluster next sprint.",
        "Finance approved the billing budget increase to $40k/month.",
        "Approved the search budget increase to $40k/month.",
        "Decision: we go with Postgres for the ledger store.",
    ],
)
def test_decisions_are_found(text: str) -> None:
    digest = ENGINE.build([msg(0, "U001", text)], request())
    assert [d.text for d in digest.decisions] == [text]
    assert digest.decisions[0].by == "<@U001>"


@pytest.mark.parametrize(
    "text",
    [
        "The budget increase is not approved yet.",
        "We still need to decide on the ledger store.",
        "Ideally we'll come to a final decision on Friday.",
        "Should we decide on the vendor this week?",
    ],
)
def test_intentions_and_open_decisions_are_not_decisions(text: str) -> None:
    assert ENGINE.build([msg(0, "U001", text)], request()).decisions == []


def test_agreeing_to_a_proposal_makes_it_a_decision() -> None:
    messages = [
        msg(0, "U001", "Proposal: move standup to 10:00 from next week. Thoughts?", reply_count=3),
        msg(2, "U002", "Agreed.", thread=0),
        msg(3, "U003", "lgtm", thread=0),
        msg(4, "U001", "Agreed.", thread=0),  # the proposer agreeing with themselves adds nothing
    ]
    (decision,) = ENGINE.build(messages, request()).decisions
    assert decision.text == "Move standup to 10:00 from next week (agreed by <@U002>, <@U003>)"
    assert decision.by == "<@U001>" and decision.permalink == messages[0].permalink


def test_an_unresolved_incident_needs_attention_and_a_resolved_one_does_not() -> None:
    open_incident = [msg(0, "U001", "checkout is down for EU customers, error rate 30%.")]
    attention = ENGINE.build(open_incident, request()).attention
    assert [a.kind for a in attention] == ["incident"]
    assert ENGINE.build(incident(), request()).attention == []
