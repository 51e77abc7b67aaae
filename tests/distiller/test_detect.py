"""Detection of verbose agent-written messages: what is flagged, what is not, and why."""

from __future__ import annotations

import json
import math
import re
import time

import pytest

from distiller.detect import (
    DEFAULT_THRESHOLD,
    MIN_VERBOSE_TOKENS,
    VERBOSITY_GATE,
    Detection,
    detect,
    detect_many,
)
from distiller.message import Message

# --- Agent-written messages, as agents post them (or as people paste them) -------------------

STATUS_UPDATE = """:rocket: *Weekly Platform Status Update* :rocket:

Hey team! :wave: Here's a quick summary of what we accomplished this week and what's coming next.

*:white_check_mark: Completed*
:small_blue_diamond: Migrated the authentication service to the new cluster, ensuring a seamless \
experience for all users.
:small_blue_diamond: Improved CI pipeline reliability, which significantly enhances developer \
productivity.
:small_blue_diamond: Conducted a comprehensive review of our alerting strategy.

*:construction: In Progress*
:small_blue_diamond: We are continuing to streamline the onboarding process for new services.
:small_blue_diamond: Ongoing work to enhance observability across the platform.

*:bulb: Key Takeaways*
Overall, this was a productive week, and the team made meaningful progress toward our quarterly \
goals. It's worth noting that collaboration across teams played a crucial role in these \
achievements.

Let me know if you have any questions or feedback! :raised_hands:"""

SUPPORT_ANSWER = """Great question! :blush:

The short answer is that it depends on your use case, but I'd be happy to break it down for you.

When you deploy a service to our Kubernetes platform, there are several factors that can affect \
how quickly your pods become ready. Generally speaking, the readiness probe configuration plays \
a crucial role here. If the probe is configured too aggressively, it may mark pods as unhealthy \
before they have had a chance to fully initialize, which can lead to unnecessary restarts.

Additionally, it's important to note that resource requests and limits can also impact startup \
time. If your container is CPU-throttled during startup, initialization may take significantly \
longer than expected.

In summary, I would recommend reviewing your probe settings and resource configuration. I hope \
this helps! Feel free to reach out if you have any other questions."""

PR_REVIEW = """## Pull Request Review Summary

**Overview:** This PR introduces a new caching layer for the user profile service, which aims to \
improve response times and reduce database load.

**Strengths:**
- The implementation is clean and well-structured, making it easy to follow.
- Comprehensive unit tests have been added, ensuring robust coverage of the new functionality.
- The use of dependency injection enhances testability and maintainability.

**Suggestions for Improvement:**
- Consider adding cache invalidation logic to ensure data consistency when profiles are updated.
- It might be beneficial to add metrics around cache hit rates to facilitate monitoring.
- The error handling could be made more robust by adding fallback behavior when the cache is \
unavailable.

**Overall Assessment:** This is a solid contribution that significantly enhances the performance \
of the service. With a few minor adjustments, it should be ready to merge. Great work!"""

# Pasted by a person from a chat assistant: no layout, no pleasantries, no bot flag.
PASTED_ANSWER = """The error you are seeing typically occurs when the client and server \
disagree on the TLS version. In most cases, this can be resolved by ensuring that both sides \
support TLS 1.2 or higher. Additionally, it is important to verify that the certificate chain \
is complete, as missing intermediate certificates can also cause handshake failures. You may \
also want to check whether a proxy is intercepting the connection, since corporate proxies \
often terminate TLS and present their own certificates. Overall, reviewing the server \
configuration and the client settings should help you identify the root cause."""

INCIDENT_OVERVIEW = """Thanks for sharing the details! Here is a brief overview of the incident \
and its impact.

Earlier today, some users experienced intermittent errors when accessing the checkout page. The \
issue was identified and mitigated by the on-call team, and the service has since been restored \
to normal operation. The root cause appears to be related to a recent configuration change, \
although further investigation is still ongoing to fully understand the contributing factors.

Moving forward, the team will continue to monitor the situation closely and implement additional \
safeguards to prevent similar issues in the future. It's important to keep in mind that these \
kinds of incidents, while disruptive, provide valuable learning opportunities for the \
organization.

Please don't hesitate to let me know if you need any additional information."""

# --- People's messages ----------------------------------------------------------------------

TERSE = [
    "deploy done",
    "lgtm, merging",
    "can someone look at <#C0123ABCD|ops>? api-gw 5xx spiking again",
    "ok thanks!",
    "who owns the billing cron? it failed at 03:00 again",
    "rolled back to v2.3.1, will dig in tomorrow",
    "<@U02ABCDEF> can you take this one? I'm out until Monday",
]

INCIDENT_TIMELINE = """Incident timeline for INC-4521 (checkout 5xx):
14:02 PagerDuty fired: checkout-api 5xx at 12% (SLO 0.5%)
14:04 <@U02ABCDEF> acked, started looking at Grafana
14:07 error spike lines up with deploy 8f3c2e1 of checkout-api (v4.18.0) at 13:58
14:09 rolled back to v4.17.2 via argo, 5xx back under 1% by 14:12
14:20 root cause: new redis client default timeout 50ms vs p99 of 80ms on redis-prod-3
14:35 <@U03GHIJKL> opened PR #8812 pinning timeout to 250ms, added alert on redis p99 > 60ms
Impact: ~2,300 failed checkouts over 11 min, est. $41k GMV. Follow-ups in PLAT-902, PLAT-903."""

CODE_ONLY = """```
def retry(fn, attempts=3):
    for i in range(attempts):
        try:
            return fn()
        except TimeoutError:
            time.sleep(2 ** i)
    raise RuntimeError("gave up")
```"""

CHANGELOG = """*v2.14.0* (2024-05-02)
- feat(api): add `GET /v2/orders/{id}/events` endpoint (#1423)
- fix(worker): retry S3 uploads on 503 SlowDown, max 5 attempts (#1430)
- fix(auth): token refresh race when two tabs refresh at once (#1431)
- chore(deps): bump fastapi 0.110.0 -> 0.111.0, pydantic 2.6.4 -> 2.7.1
- perf(db): index on orders(customer_id, created_at), p95 list latency 420ms -> 85ms
- breaking: removed deprecated `/v1/legacy-export` (announced in v2.10)"""

HUMAN_EXPLANATION = """ok so I dug into the flaky test thing. it's not the test, it's the fixture: \
`make_user()` reuses the same email across workers so when pytest-xdist runs 4 procs two of them \
collide on the unique index and one blows up. I changed it to uuid-suffix the email in my branch \
(jd/fix-fixture) and ran the suite 30x locally, zero failures. can someone sanity check before I \
merge? also we should probably stop sharing the db between workers at all but that's a bigger \
change"""

HUMAN_PROPOSAL = """I think we should go with option B. Option A means we keep the cron and bolt \
retries onto it, which is what got us into this mess in the first place: nobody knows when it \
runs, and when it fails we find out from finance two days later. Option B moves the export into \
the queue worker we already run for invoices, so we get retries, dead-lettering and the alerting \
for free. It's more work up front (maybe a week for me and Priya) but we stop paying the on-call \
tax every month. Happy to be argued out of it if someone sees a problem with the worker's memory \
limits, that's the part I'm least sure about."""

# Formal, long enough to be verbose: only the agent score keeps it unflagged.
HUMAN_REMINDER = """Hi all, a reminder that the quarterly access review is due by Friday, March \
14. Please review the list of users with admin access to your services in the access portal and \
remove anyone who no longer needs it. If you are unsure whether someone still needs access, check \
with their manager. Reviews not completed by the deadline will be escalated to your director. \
Thanks for your help."""

GERMAN = """Hallo zusammen, das Deployment von heute Nachmittag ist leider fehlgeschlagen, weil \
die Datenbankmigration auf dem Produktionscluster abgebrochen wurde. Ich habe den Rollback schon \
gemacht, aber wir müssen morgen früh gemeinsam schauen, warum die Migration so lange gedauert \
hat. Bitte keine weiteren Deployments bis dahin."""

JAPANESE = (
    "本日のデプロイは失敗しました。データベースのマイグレーションが本番クラスタで中断されたためです。"
    "ロールバックは完了していますが、明日の朝に原因を一緒に確認しましょう。それまで追加のデプロイは控えてください。"
)

SPANISH = """Hola a todos, el despliegue de esta tarde falló porque la migración de la base de \
datos se cortó en el clúster de producción. Ya hice el rollback, pero mañana temprano tenemos que \
revisar juntos por qué tardó tanto. Por favor, no hagan más despliegues hasta entonces."""

AGENT_MESSAGES = {
    "status update, headers and emoji bullets": STATUS_UPDATE,
    "support answer with pleasantries": SUPPORT_ANSWER,
    "PR review summary": PR_REVIEW,
    "answer pasted from an assistant": PASTED_ANSWER,
    "incident overview with closing offer": INCIDENT_OVERVIEW,
}
HUMAN_MESSAGES = {
    **{f"terse: {text}": text for text in TERSE},
    "incident timeline, long but dense": INCIDENT_TIMELINE,
    "code only": CODE_ONLY,
    "changelog": CHANGELOG,
    "informal explanation": HUMAN_EXPLANATION,
    "design proposal": HUMAN_PROPOSAL,
    "formal reminder": HUMAN_REMINDER,
    "German": GERMAN,
    "Japanese": JAPANESE,
    "Spanish": SPANISH,
}


def _quoted(reason: str) -> list[str]:
    return re.findall(r"'([^']+)'", reason)


def _reason(detection: Detection, prefix: str) -> str | None:
    return next((r for r in detection.reasons if r.startswith(prefix)), None)


# --- Flagged -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(AGENT_MESSAGES))
@pytest.mark.parametrize("posted_by_app", [False, True], ids=["pasted", "app"])
def test_agent_messages_are_flagged(name: str, posted_by_app: bool) -> None:
    message = Message(
        text=AGENT_MESSAGES[name],
        user="U0AGENT01" if not posted_by_app else None,
        posted_by_app=posted_by_app,
        app_name="Claude" if posted_by_app else None,
    )
    d = detect(message)
    assert d.verbose_agent, d.reasons
    assert d.agent_score >= DEFAULT_THRESHOLD
    assert d.verbosity_score >= VERBOSITY_GATE
    assert d.tokens >= MIN_VERBOSE_TOKENS
    assert d.threshold == DEFAULT_THRESHOLD


def test_the_shared_fixture_agent_messages_are_flagged(any_agent_message: str) -> None:
    # tests/fixtures/messages: agent messages written for the distiller's own tests.
    d = detect(any_agent_message)
    assert d.verbose_agent, d.reasons


# --- Not flagged ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HUMAN_MESSAGES))
def test_human_messages_are_not_flagged(name: str) -> None:
    d = detect(Message(text=HUMAN_MESSAGES[name], user="U0HUMAN01"))
    assert not d.verbose_agent, d.reasons
    assert d.reasons[-1].startswith("not flagged")


@pytest.mark.parametrize("text", TERSE)
def test_terse_human_messages_score_low(text: str) -> None:
    assert detect(text).agent_score < 0.5


def test_formal_reminder_is_verbose_but_not_agent() -> None:
    d = detect(HUMAN_REMINDER)
    assert d.verbosity_score >= VERBOSITY_GATE and d.tokens >= MIN_VERBOSE_TOKENS
    assert d.agent_score < DEFAULT_THRESHOLD
    assert not d.verbose_agent


def test_dense_timeline_is_not_verbose() -> None:
    d = detect(INCIDENT_TIMELINE)
    assert d.tokens > 150  # long...
    assert d.verbosity_score < VERBOSITY_GATE  # ...but every line carries facts
    assert d.agent_score < 0.5


def test_short_bot_message_is_agent_but_not_verbose() -> None:
    bot = Message(text="deploy done :white_check_mark:", posted_by_app=True, app_name="Argo CD")
    d = detect(bot)
    assert not d.verbose_agent
    assert d.verbosity_score < VERBOSITY_GATE
    assert d.agent_score > detect(bot.model_copy(update={"posted_by_app": False})).agent_score
    assert "posted by an app (Argo CD)" in d.reasons


# --- Reasons name the real signals ---------------------------------------------------------


def test_support_answer_reasons_quote_its_phrasing() -> None:
    d = detect(SUPPORT_ANSWER)
    phrasing = _reason(d, "agent phrasing:")
    assert phrasing is not None
    quoted = [q.lower() for q in _quoted(phrasing)]
    assert "great question" in quoted
    assert "i hope this helps" in quoted
    assert _reason(d, "hedging:") == "hedging: 'it depends'"


@pytest.mark.parametrize("name", sorted(AGENT_MESSAGES))
def test_quoted_phrases_and_words_are_in_the_message(name: str) -> None:
    text = AGENT_MESSAGES[name].lower().replace("’", "'")
    d = detect(AGENT_MESSAGES[name])
    quoting = [
        r
        for r in d.reasons
        if r.startswith(("agent phrasing:", "hedging:", "assistant vocabulary:"))
    ]
    assert quoting, d.reasons
    for reason in quoting:
        for phrase in _quoted(reason):
            assert phrase.lower() in text, (phrase, reason)


def test_layout_reason_counts_what_is_there() -> None:
    d = detect(STATUS_UPDATE)
    layout = _reason(d, "agent-style formatting:")
    assert layout is not None
    assert "5 emoji bullets" in layout  # the title line is a header, not a bullet
    assert "header" in layout


def test_size_reason_gives_tokens_and_facts() -> None:
    d = detect(INCIDENT_TIMELINE)
    size = _reason(d, f"{d.tokens} tokens, ")
    assert size is not None
    facts, density = re.search(r"(\d+) facts \((\d+\.\d) per 100", size).groups()
    assert int(facts) >= 20
    assert float(density) > 10


def test_app_reason_without_a_name() -> None:
    d = detect(Message(text=PR_REVIEW, posted_by_app=True))
    assert d.reasons[0] == "posted by an app (bot/app id on the message)"


def test_metadata_event_is_a_reason() -> None:
    d = detect(Message(text=PR_REVIEW, posted_by_app=True, metadata_event="review_posted"))
    assert "app metadata event 'review_posted'" in d.reasons


def test_human_message_reasons_do_not_invent_agent_signals() -> None:
    for text in (INCIDENT_TIMELINE, HUMAN_EXPLANATION, HUMAN_PROPOSAL):
        d = detect(text)
        assert _reason(d, "agent phrasing:") is None, d.reasons
        assert _reason(d, "posted by an app") is None


def test_chat_shorthand_is_named() -> None:
    d = detect(HUMAN_EXPLANATION)
    assert _reason(d, "chat shorthand:") == "chat shorthand: 'ok'"


def test_verdict_says_why() -> None:
    assert detect(SUPPORT_ANSWER).reasons[-1].startswith("verbose agent message: agent score")
    short_agent = "Great question! I hope this helps. Let me know if you need anything else!"
    verdict = detect(short_agent).reasons[-1]
    assert "not verbose" in verdict


# --- Threshold -----------------------------------------------------------------------------


def test_threshold_override_can_unflag_and_flag() -> None:
    strict = detect(SUPPORT_ANSWER, threshold=1.0)
    assert not strict.verbose_agent and strict.threshold == 1.0
    assert strict.agent_score == detect(SUPPORT_ANSWER).agent_score  # scores do not move
    # A person's long, loose explanation is verbose; only the threshold keeps it unflagged.
    human = detect(HUMAN_EXPLANATION)
    assert human.verbosity_score >= VERBOSITY_GATE and not human.verbose_agent
    lenient = detect(HUMAN_EXPLANATION, threshold=human.agent_score)
    assert lenient.verbose_agent and lenient.threshold == human.agent_score


def test_threshold_override_applies_to_batches() -> None:
    out = detect_many([SUPPORT_ANSWER, PR_REVIEW], threshold=0.999999)
    assert [d.threshold for d in out] == [0.999999, 0.999999]


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan, True])
def test_threshold_out_of_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="threshold must be between 0 and 1"):
        detect("hello there", threshold=bad)


# --- Bad input: a score with reasons, never an exception -----------------------------------


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("", "empty message"),
        ("   \n\t ", "empty message"),
        (":tada: :tada: 🎉🔥", "no words"),
        ("!!! ??? ...", "no words"),
        (CODE_ONLY, "code only"),
        (GERMAN, "no running English prose"),
        (JAPANESE, "no running English prose"),
        ("yes", "too short to judge style"),
    ],
)
def test_bad_input_gets_a_score_and_a_note(text: str, note: str) -> None:
    d = detect(text)
    assert 0.0 <= d.agent_score <= 1.0 and 0.0 <= d.verbosity_score <= 1.0
    assert not d.verbose_agent
    assert any(r.startswith(note) for r in d.reasons), d.reasons


@pytest.mark.parametrize(
    "text",
    [
        "\x00\x01\x02 binary-ish \ufffd\ufffd",
        "\ud800 lone surrogate",
        "a" * 50_000,
        "<@U012345> <#C012345|general> <https://example.com|link> <!here>",
        "```unterminated code block\nx = 1\n",
        "*" * 500 + "_" * 500,
        "\n" * 10_000,
        "word " * 10,
    ],
)
def test_odd_input_never_raises(text: str) -> None:
    d = detect(text)
    assert 0.0 <= d.agent_score <= 1.0
    assert d.reasons


def test_huge_input_is_truncated_for_features_and_fast() -> None:
    huge = (SUPPORT_ANSWER + "\n\n") * 2_000  # ~1.9 MB
    start = time.perf_counter()
    d = detect(huge)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0
    assert d.verbose_agent
    assert d.tokens > 300_000
    assert any(r.startswith("huge message: style read from the first") for r in d.reasons)
    assert any(r.startswith("huge message: token count estimated") for r in d.reasons)


def test_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="Message or a str"):
        detect(b"bytes")  # type: ignore[arg-type]


# --- Batch and serialisation ---------------------------------------------------------------


def test_detect_many_matches_detect_one_by_one() -> None:
    texts = [*AGENT_MESSAGES.values(), *HUMAN_MESSAGES.values(), ""]
    assert detect_many(texts) == [detect(t) for t in texts]
    assert detect_many([]) == []


def test_detection_is_json_serialisable() -> None:
    d = detect(Message(text=STATUS_UPDATE, posted_by_app=True, app_name="Claude"))
    data = json.loads(d.model_dump_json())
    assert set(data) == {
        "agent_score",
        "verbosity_score",
        "verbose_agent",
        "reasons",
        "tokens",
        "threshold",
    }
    assert Detection.model_validate(data) == d


def test_str_and_message_agree() -> None:
    assert detect(PASTED_ANSWER) == detect(Message(text=PASTED_ANSWER))
