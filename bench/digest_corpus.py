"""A synthetic day in a busy engineering channel, for the digest benchmarks.

Agent status updates, verbose agent reports, human chatter, incident threads, asks with
deadlines, decisions and questions; thread lengths skewed like real channels (most short, a few
long). `synthetic_channel(10_000, 1_000)` is the issue's "10,000 messages with 1,000 threads".
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime

from bench.speed import synthetic_message
from distiller.digest import DigestMessage

__all__ = ["CHANNEL", "DAY", "WINDOW_START", "synthetic_channel"]

CHANNEL = "C0DIGEST"
DAY = 86_400.0
WINDOW_START = datetime(2024, 5, 6, tzinfo=UTC).timestamp()

_SERVICES = [
    "payments-api",
    "ledger",
    "search",
    "auth",
    "checkout",
    "notifications",
    "billing",
    "ingest",
    "web-frontend",
    "feature-flags",
    "kafka-bridge",
    "reporting",
]
_APPS = {
    "B0DEPLOY": "deploy-bot",
    "B0CI": "ci-bot",
    "B0ALERT": "alertmanager",
    "B0AGENT": "ops-agent",
}
_STATUS = {
    "B0DEPLOY": [
        "Deployed {svc} v{v} to prod (build #{n}) :white_check_mark:",
        "Deployed {svc} v{v} to staging (build #{n})",
    ],
    "B0CI": [
        "CI passed on main for {svc} ({n} tests, {m} min)",
        "CI failed on main for {svc}: {m} failing tests in `{svc}_test`",
    ],
    "B0ALERT": [
        "[FIRING] {svc} p99 latency {ms}ms > 800ms for 5m",
        "[RESOLVED] {svc} p99 latency back under 800ms",
    ],
}
_CHATTER = [
    "lunch?",
    "+1",
    "lol",
    "brb, coffee",
    "thanks!",
    "nice work everyone :tada:",
    "anyone else's VPN flaky today?",
    "happy friday folks",
    "ok",
    "same here",
    "the new office chairs are great",
    "who has the HDMI adapter from room 4?",
]
_QUESTIONS = [
    "Does anyone know why {svc} p99 went up after lunch?",
    "Where is the runbook for {svc} failover?",
    "Is the {svc} staging env down or is it just me?",
    "Who owns the {svc} dashboards these days?",
    "Can we drop the legacy {svc} export, or does finance still use it?",
]
_ASKS = [
    "<@{u}> please review <https://github.com/acme/{svc}/pull/{n}|PR #{n}> by EOD",
    "<@{u}> can you rotate the {svc} staging credentials by Friday?",
    "<@{u}> please update the {svc} runbook before the on-call handover on Thursday",
    "Need someone to sign off on the {svc} schema change by tomorrow",
]
_DECISIONS = [
    "We decided to freeze {svc} deploys until Monday.",
    "Agreed: {svc} moves to the new cluster next sprint.",
    "Approved the {svc} budget increase to ${n}k/month.",
    "We'll go with option B for the {svc} retry policy.",
]
# Replies by thread kind: (what is said along the way, how the thread often ends).
_REPLIES = {
    "incident": (
        [
            "looking",
            "on it",
            "{svc} error rate is at {p}% now",
            "can you share the logs?",
            "rolled back {svc} to v{v}",
            "I think it's the config change from yesterday",
            "<@{u}> can you write the postmortem by Friday?",
        ],
        ["{svc} error rate back to 0.{m}%, resolved", "all clear, closing the incident"],
    ),
    "report": (
        [
            "thanks",
            "+1",
            "why is {svc} cost up this week?",
            "<@{u}> can you double-check the {svc} numbers by EOD?",
        ],
        ["looks good to me", "thanks, that is clear"],
    ),
    "ask": (
        ["on it", "I can take this", "will do by tomorrow", "which branch?"],
        ["done :white_check_mark:", "reviewed, left comments on #{n}"],
    ),
    "decision": (
        [
            "+1",
            "I'd rather wait until after the freeze",
            "what about the migration downtime?",
            "downtime should be under {m} min",
        ],
        ["Agreed.", "Approved, let's do it next sprint."],
    ),
    "question": (
        [
            "can you share the logs?",
            "I think it's the config change from yesterday",
            "try restarting the {svc} pods",
            "no idea, <@{u}> might know",
            "same here",
        ],
        ["thanks, that worked", "found it: <https://wiki.acme.dev/{svc}/runbook|runbook>"],
    ),
}


def _fill(template: str, rng: random.Random, users: Sequence[str], svc: str | None = None) -> str:
    return template.format(
        svc=svc or rng.choice(_SERVICES),
        v=f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
        n=rng.randint(100, 9999),
        m=rng.randint(2, 40),
        ms=rng.randint(800, 3000),
        p=rng.randint(1, 30),
        u=rng.choice(users),
    )


def _root(kind: str, rng: random.Random, users: Sequence[str], svc: str) -> tuple[str, str | None]:
    """A thread's first message and, when an app posts it, the app's bot user."""
    if kind == "incident":
        return (
            f"{svc} is returning 5xx errors, error rate {rng.randint(2, 40)}% since "
            f"{rng.randint(10, 23)}:{rng.randint(10, 59)} UTC. Opened INC-{rng.randint(100, 999)}, "
            f"paging on-call.",
            None,
        )
    if kind == "report":
        return synthetic_message(rng.choice([150, 300, 500]), rng), "B0AGENT"
    if kind == "ask":
        return _fill(rng.choice(_ASKS), rng, users, svc), None
    if kind == "decision":
        return f"Proposal: move {svc} to the shared Postgres cluster next sprint. Thoughts?", None
    return _fill(rng.choice(_QUESTIONS), rng, users, svc), None


def synthetic_channel(n_messages: int, n_threads: int, seed: int = 7) -> list[DigestMessage]:
    """`n_messages` messages in one UTC day, `n_threads` of the top-level ones with replies."""
    rng = random.Random(seed)
    users = [f"U0{i:04d}" for i in range(40)]
    replies_total = n_messages - n_threads - max(n_messages // 3, 1)
    # Replies per thread: skewed like real channels (most threads short, a few long).
    weights = [rng.paretovariate(1.5) for _ in range(n_threads)]
    scale = replies_total / sum(weights)
    counts = [max(1, round(w * scale)) for w in weights]
    rows: list[tuple[float, str, str | None, str | None, int]] = []  # time, text, user, thread, n
    kinds = (
        ["incident"] * 5 + ["report"] * 20 + ["ask"] * 25 + ["decision"] * 15 + ["question"] * 35
    )
    for count in counts:
        kind, svc = rng.choice(kinds), rng.choice(_SERVICES)
        start = WINDOW_START + rng.uniform(0, DAY * 0.95)
        text, app = _root(kind, rng, users, svc)
        root_ts = f"{start:.6f}"
        rows.append((start, text, app or rng.choice(users), root_ts, count))
        along, endings = _REPLIES[kind]
        t = start
        for n in range(count):
            t = min(t + rng.expovariate(1 / 600), WINDOW_START + DAY - 1)
            closing = n == count - 1 and rng.random() < 0.6
            text = _fill(rng.choice(endings if closing else along), rng, users, svc)
            rows.append((t, text, rng.choice(users), root_ts, 0))
    while len(rows) < n_messages:
        t = WINDOW_START + rng.uniform(0, DAY)
        roll = rng.random()
        if roll < 0.35:
            app = rng.choice(list(_STATUS))
            rows.append((t, _fill(rng.choice(_STATUS[app]), rng, users), app, None, 0))
        elif roll < 0.45:
            rows.append((t, synthetic_message(rng.choice([120, 250]), rng), "B0AGENT", None, 0))
        elif roll < 0.75:
            rows.append((t, rng.choice(_CHATTER), rng.choice(users), None, 0))
        elif roll < 0.85:
            rows.append((t, _fill(rng.choice(_QUESTIONS), rng, users), rng.choice(users), None, 0))
        elif roll < 0.95:
            rows.append((t, _fill(rng.choice(_ASKS), rng, users), rng.choice(users), None, 0))
        else:
            rows.append((t, _fill(rng.choice(_DECISIONS), rng, users), rng.choice(users), None, 0))
    rows = rows[:n_messages]
    out = []
    seen: set[str] = set()
    for t, text, user, thread, count in rows:
        ts = f"{t:.6f}"
        while ts in seen:  # Slack's ts is unique in a channel
            t += 1e-6
            ts = f"{t:.6f}"
        seen.add(ts)
        link = f"https://acme.slack.com/archives/{CHANNEL}/p{ts.replace('.', '')}"
        if thread and thread != ts:
            link += f"?thread_ts={thread}"
        out.append(
            DigestMessage(
                ts=ts,
                thread_ts=thread,
                reply_count=count,
                text=text,
                channel=CHANNEL,
                user=user,
                permalink=link,
                posted_by_app=user in _APPS,
                app_name=_APPS.get(user or ""),
            )
        )
    return out
