"""Digest output: budget and folding, quiet windows, coverage, Slack-sized sections, renderings,
determinism, request validation and the package's exported names."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from distiller import OfflineEngine, count_tokens
from distiller.digest import (
    SECTION_CHARS,
    DigestEngine,
    DigestMessage,
    DigestRequest,
    Skipped,
)
from distiller.embed import HashingEmbedder
from tests.fixtures import AGENT_MESSAGE_NAMES, agent_message

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC).timestamp()
ENGINE = DigestEngine(OfflineEngine(), HashingEmbedder())
SERVICES = [
    "payments-api",
    "ledger",
    "search",
    "auth",
    "checkout",
    "billing",
    "ingest",
    "notifications",
    "reporting",
    "kafka-bridge",
    "web-frontend",
    "feature-flags",
]


def msg(minute: float, user: str, text: str, thread: float | None = None, **extra: Any):
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
    }
    fields.update(extra)
    return DigestRequest(**fields)


def busy_channel(threads: int = 12) -> list[DigestMessage]:
    """One thread per service, an hour apart: an ask, a reply, a question left open."""
    out = []
    for i in range(threads):
        svc, start = SERVICES[i % len(SERVICES)], 60 * i
        out += [
            msg(
                start,
                "U0001",
                f"{svc} p99 latency doubled after the {i + 1}.0 rollout.",
                reply_count=2,
            ),
            msg(start + 5, "U0002", f"<@U0003> please profile {svc} by Friday.", thread=start),
            msg(start + 9, "U0003", f"Is the {svc} cache warm after the rollout?", thread=start),
        ]
    return out


# -- budget and folding ----------------------------------------------------------------------


def test_topics_over_the_budget_fold_into_n_more_topics_with_links() -> None:
    messages = busy_channel(12)
    digest = ENGINE.build(messages, request(budget_tokens=400))
    assert digest.tokens <= 400
    assert 1 <= len(digest.topics) < 12
    assert len(digest.topics) + len(digest.folded) == 12
    # Folding keeps the order: nothing folded outranks anything shown.
    assert min(t.importance for t in digest.topics) >= max(f.importance for f in digest.folded)
    text = digest.render_mrkdwn()
    n = len(digest.folded)
    assert f"*{n} more topic{'s' if n > 1 else ''}*" in text
    for folded in digest.folded:
        assert folded.permalink and f"<{folded.permalink}|" in text
    shown_links = {t.permalink for t in digest.topics}
    assert shown_links.isdisjoint({f.permalink for f in digest.folded})


@pytest.mark.parametrize("budget", [120, 250, 600, 1500])
def test_the_reading_part_never_exceeds_the_budget(budget: int) -> None:
    digest = ENGINE.build(busy_channel(12), request(budget_tokens=budget))
    assert digest.tokens <= budget
    assert len(digest.topics) + len(digest.folded) == 12
    assert digest.tldr


def test_max_topics_is_respected_and_a_bigger_budget_shows_more() -> None:
    messages = busy_channel(12)
    small = ENGINE.build(messages, request(budget_tokens=400))
    big = ENGINE.build(messages, request(budget_tokens=3000, max_topics=5))
    assert len(big.topics) == 5 and len(big.folded) == 7
    assert len(big.topics) > len(small.topics)
    assert big.tokens <= 3000


def test_items_beyond_the_per_topic_limit_are_counted_in_the_notes() -> None:
    asks = [msg(0, "U0001", "Release checklist for v9.0 is below.", reply_count=6)] + [
        msg(1 + i, "U0001", f"<@U000{i + 2}> please sign off on step {i + 1} by Friday.", thread=0)
        for i in range(6)
    ]
    digest = ENGINE.build(asks, request(budget_tokens=2000))
    assert len(digest.action_items) == 3
    assert digest.notes == [
        f"3 more action items in <{asks[0].permalink}|Release checklist for v9.0 is below>"
    ]


# -- quiet windows and coverage --------------------------------------------------------------


def test_a_quiet_window_says_no_activity_and_what_it_did_not_read() -> None:
    yesterday = msg(-60 * 12, "U0001", "Late-night deploy of ledger v3.1 went fine.")
    digest = ENGINE.build([yesterday], request(timezone="Asia/Tokyo"))
    assert digest.quiet and digest.topics == [] and digest.folded == []
    assert digest.tldr == (
        "No activity in #team between 2024-05-06 09:00 and 2024-05-07 09:00 Asia/Tokyo."
    )
    assert digest.coverage.messages_read == 0
    assert [(s.count, s.source) for s in digest.coverage.skipped] == [(1, "engine")]
    assert "No activity" in digest.render_text()
    assert ENGINE.build([], request()).quiet


def test_coverage_counts_what_was_read_skipped_and_why() -> None:
    parent = msg(-30, "U0001", "Ledger export is slow since yesterday.", reply_count=2)
    messages = [
        parent,  # before the window, but its thread is active in it: read for context
        msg(10, "U0002", "It is the new index, dropping it now.", thread=-30),
        msg(10, "U0002", "It is the new index, dropping it now.", thread=-30),  # a retry's copy
        msg(-120, "U0003", "Morning all, ledger backups ran fine overnight."),
        msg(20, "U0004", "   "),
        msg(60 * 16, "U0005", "Tomorrow's ledger maintenance is at 06:00."),  # after the end
        msg(30, "U0006", "Rotate the key xoxb-1234567890-abcdefghijkl please, it leaked."),
    ]
    collector = Skipped(what="threads", count=2, reason="Slack answered 429 twice")
    start, end = datetime(2024, 5, 6, 9, tzinfo=UTC), datetime(2024, 5, 6, 15, tzinfo=UTC)
    digest = ENGINE.build(messages, request(start=start, end=end, skipped=(collector,)))
    cov = digest.coverage
    assert (cov.messages_read, cov.context_messages, cov.threads_read) == (2, 1, 1)
    reasons = {(s.source, s.what, s.count, s.reason.split(" (")[0]) for s in cov.skipped}
    assert reasons == {
        ("collector", "threads", 2, "Slack answered 429 twice"),
        ("engine", "messages", 1, "given twice"),
        ("engine", "messages", 1, "no text"),
        ("engine", "messages", 1, "before the window and not part of a thread active in it"),
        ("engine", "messages", 1, "after the window end"),
    }
    assert cov.redactions == 1
    text = digest.render_mrkdwn()
    assert "xoxb-1234567890" not in text and "Slack answered 429 twice" in text


# -- Slack-sized sections --------------------------------------------------------------------


def test_every_section_stays_under_slacks_limit_and_keeps_entities_whole() -> None:
    rng = random.Random(3)
    messages = []
    for i in range(80):
        text = agent_message(rng.choice(AGENT_MESSAGE_NAMES)) * rng.choice([1, 4])
        messages.append(msg(i * 7, "B0AGENT", text, posted_by_app=True, app_name="ops-agent"))
        messages.append(
            msg(i * 7 + 1, "U0001", "<@U0002> " + "please check this " * 80, thread=i * 7)
        )
    long_title = "payments-api " + "very " * 400 + "long title"
    messages.append(msg(2000, "U0009", long_title))
    digest = ENGINE.build(messages, request(budget_tokens=8000, max_topics=40))
    sections = digest.to_sections()
    assert {s["id"] for s in sections} >= {"coverage", "tldr", "topic", "folded", "action_items"}
    for section in sections:
        text = section["text"]
        assert 0 < len(text) <= SECTION_CHARS < 3000
        assert text.count("<") == text.count(">"), text[:200]
        assert set(section) <= {"id", "title", "text", "part"}
    assert len([s for s in sections if s["id"] == "topic"]) == len(digest.topics)


def test_renderings_say_the_same_things() -> None:
    digest = ENGINE.build(busy_channel(3), request())
    mrkdwn, text = digest.render_mrkdwn(), digest.render_text()
    for heading in ("Coverage", "TL;DR", "Needs attention", "Action items"):
        assert f"*{heading}*" in mrkdwn and heading.upper() in text
    assert "<@U0003>" in mrkdwn and "@U0003" in text and "<@" not in text
    assert not re.search(r"<https?://", text)
    # The budget bounds the reading part: less than the whole text, which adds coverage.
    assert 0 < digest.tokens < count_tokens(text)


# -- determinism -----------------------------------------------------------------------------


def test_the_same_messages_in_any_order_give_the_same_digest() -> None:
    messages = [
        *busy_channel(8),
        msg(5, "U0007", "Is the staging database down? Migrations time out."),
        msg(8, "U0008", "Staging database migrations hang for me too."),
        msg(200, "U0009", "lunch?"),
    ]
    first = ENGINE.build(messages, request(budget_tokens=600)).model_dump()
    shuffled = list(messages)
    random.Random(11).shuffle(shuffled)
    again = DigestEngine(OfflineEngine(), HashingEmbedder()).build(
        shuffled, request(budget_tokens=600)
    )
    assert again.model_dump() == first


# -- request validation and exports -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": datetime(2024, 5, 6), "end": datetime(2024, 5, 7)}, "time zones"),
        ({"end": datetime(2024, 5, 5, tzinfo=UTC)}, "swap them"),
        ({"timezone": "Mars/Olympus"}, "IANA name"),
        ({"budget_tokens": 10}, "greater than or equal"),
    ],
)
def test_a_bad_request_says_what_to_change(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        request(**fields)


def test_a_bad_slack_timestamp_is_refused() -> None:
    with pytest.raises(ValidationError, match="Slack timestamp"):
        DigestMessage(ts="yesterday", text="hi")


def test_the_window_is_half_open() -> None:
    start = datetime(2024, 5, 6, 9, tzinfo=UTC)
    at_start, at_end = msg(0, "U0001", "first word"), msg(60, "U0002", "too late")
    digest = ENGINE.build([at_start, at_end], request(start=start, end=start + timedelta(hours=1)))
    assert digest.coverage.messages_read == 1


def test_importing_the_digest_loads_no_model() -> None:
    code = (
        "import sys, distiller.digest; "
        "print(sorted({'torch', 'sentence_transformers'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
