"""Digest benchmark: speed on a synthetic day of channel traffic, quality on data by others.

    python -m bench.bench_digest [--eval ../shared/eval] [--messages 10000] [--threads 1000]
                                 [--limit N] [--skip-speed] [--skip-quality]

- Speed: 10,000 messages with 1,000 threads (agent status updates, verbose agent reports, human
  chatter, incident threads, asks with deadlines, decisions, questions) → one digest with the
  offline engine and the hashing embedder. Wall time and peak RSS in one run; peak Python heap
  (tracemalloc) in a second run, since tracing slows Python down.
- Quality, side by side in the same run, on the same sentence splitter (distiller.split_sentences):
  DialogSum test (dialogue → one thread → its topic's summary) and QMSum validation general
  queries ("Summarize the whole meeting": the meeting's turns as a channel's top-level messages,
  clustered into topics; the topics' summaries are the prediction) vs TextRank and Lead cut to
  the same number of tokens as the digest's text, per item. ROUGE-1/2/L F (rouge-score, stemmer
  on), mean over references. Writes bench/results/digest.{json,md} on a full run.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

from bench import baselines
from bench.quality import dialogue_messages, rouge
from bench.speed import synthetic_message
from distiller import HashingEmbedder, OfflineEngine, ReaderSpec, count_tokens, split_sentences
from distiller.digest import Digest, DigestEngine, DigestMessage, DigestRequest
from distiller.mrkdwn import to_plain

RESULTS = Path(__file__).parent / "results"
CHANNEL = "C0DIGEST"
DAY = 86_400.0
WINDOW_START = datetime(2024, 5, 6, tzinfo=UTC).timestamp()

# -- a synthetic day in a busy engineering channel ------------------------------------------

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


# -- quality: DialogSum and QMSum through the digest engine ---------------------------------

_CURLY_RE = re.compile(r"\{\w+\}")
_SPACE_PUNCT_RE = re.compile(r"\s+([.,?!;:])")
_CLITIC_RE = re.compile(r"\s+('(?:s|re|ve|ll|d|m|t)\b|n't\b)")


def clean_turn(text: str) -> str:
    """QMSum transcripts mark noises ('{vocalsound}') and split clitics ('it 's'); undo both,
    for the digest and the baselines alike."""
    text = _CLITIC_RE.sub(r"\1", _SPACE_PUNCT_RE.sub(r"\1", _CURLY_RE.sub(" ", text)))
    return " ".join(text.split())


def _as_messages(turns: list[dict[str, str]], *, thread: bool, step: float) -> list[DigestMessage]:
    """Turns as channel messages `step` seconds apart: one thread, or top-level messages."""
    out = []
    root = f"{WINDOW_START:.6f}"
    for index, turn in enumerate(turns):
        ts = f"{WINDOW_START + index * step:.6f}"
        out.append(
            DigestMessage(
                ts=ts,
                user=turn["user"],
                text=turn["text"],
                channel=CHANNEL,
                permalink=f"https://acme.slack.com/archives/{CHANNEL}/p{ts.replace('.', '')}",
                thread_ts=root if thread else None,
                reply_count=len(turns) - 1 if thread and index == 0 else 0,
            )
        )
    return out


def _request(budget: int, max_topics: int, topic_budget: int | None) -> DigestRequest:
    return DigestRequest(
        start=datetime.fromtimestamp(WINDOW_START, UTC),
        end=datetime.fromtimestamp(WINDOW_START + DAY, UTC),
        budget_tokens=budget,
        max_topics=max_topics,
        spec=ReaderSpec(budget_tokens=topic_budget),
    )


def topics_text(digest: Digest) -> str:
    """What is scored: the topics' summaries and points, in plain text (no titles, coverage,
    counts or lists: those repeat the summaries or are layout)."""
    parts = [part for t in digest.topics for part in (t.summary, *t.points)]
    return to_plain(" ".join(parts))


def _ranked_order(sentences: list[str]) -> list[int]:
    """TextRank's ranking from bench/baselines.py itself: its PageRank scores are read as it
    runs, so the similarity graph and the ranks are exactly the baseline's."""
    seen: dict[str, np.ndarray] = {}
    pagerank = baselines._pagerank

    def spy(matrix: np.ndarray, iterations: int = 100) -> np.ndarray:
        seen["ranks"] = pagerank(matrix, iterations)
        return seen["ranks"]

    with mock.patch.object(baselines, "_pagerank", spy):
        baselines.textrank(sentences, 1)
    if "ranks" not in seen:  # one sentence: nothing to rank
        return list(range(len(sentences)))
    return [int(i) for i in np.argsort(-seen["ranks"], kind="stable")]


def within_tokens(sentences: list[str], order: Sequence[int], budget: int) -> str:
    """Sentences taken in `order` while they fit `budget` tokens, shown in document order."""
    chosen, used = [], 0
    for index in order:
        cost = count_tokens(sentences[index])
        if used + cost <= budget:
            chosen.append(index)
            used += cost
    if not chosen and order:
        chosen = [order[0]]
    return " ".join(sentences[i] for i in sorted(chosen))


def _score_systems(
    items: list[tuple[list[dict[str, str]], list[str]]],
    digest_of: Callable[[list[dict[str, str]]], Digest],
    fixed_n: int,
) -> dict[str, Any]:
    systems = [
        "digest engine",
        "TextRank (same tokens)",
        "Lead (same tokens)",
        f"TextRank ({fixed_n} sentences)",
    ]
    scores: dict[str, list[dict[str, float]]] = {name: [] for name in systems}
    lengths: dict[str, list[int]] = {name: [] for name in systems}
    for turns, refs in items:
        prediction = topics_text(digest_of(turns))
        n = count_tokens(prediction)
        sentences = [f"{t['user']}: {s}" for t in turns for s in split_sentences(t["text"])]
        order = _ranked_order(sentences)
        outputs = {
            systems[0]: prediction,
            systems[1]: within_tokens(sentences, order, n),
            systems[2]: within_tokens(sentences, range(len(sentences)), n),
            systems[3]: " ".join(sentences[i] for i in sorted(order[:fixed_n])),
        }
        for name, text in outputs.items():
            scores[name].append(rouge(text, refs))
            lengths[name].append(count_tokens(text))
    return {
        name: {
            **{k: round(statistics.fmean(r[k] for r in rows), 2) for k in rows[0]},
            "tokens_out": round(statistics.fmean(lengths[name]), 1),
        }
        for name, rows in scores.items()
    }


def run_dialogsum(eval_dir: Path, limit: int | None, engine: DigestEngine) -> dict[str, Any]:
    """DialogSum test: each dialogue is a thread, the digest's one topic its summary."""
    path = eval_dir / "dialogsum" / "dialogsum.test.jsonl"
    rows = [json.loads(line) for line in path.open()][:limit]
    request = _request(budget=900, max_topics=1, topic_budget=None)
    items = [
        (
            dialogue_messages(r["dialogue"]),
            [r[k] for k in ("summary1", "summary2", "summary3", "summary") if k in r],
        )
        for r in rows
    ]
    systems = _score_systems(
        items, lambda turns: engine.build(_as_messages(turns, thread=True, step=30), request), 3
    )
    return {
        "dataset": "DialogSum test (dialogue → one thread → its topic)",
        "items": len(items),
        "systems": systems,
    }


def run_qmsum(eval_dir: Path, limit: int | None, engine: DigestEngine) -> dict[str, Any]:
    """QMSum validation, general queries: a meeting is a channel's top-level messages, 5 s
    apart; the digest clusters them into topics and summarises the top ones."""
    path = eval_dir / "qmsum" / "val.jsonl"
    meetings = [json.loads(line) for line in path.open()][:limit]
    request = _request(
        budget=QMSUM_BUDGET, max_topics=QMSUM_TOPICS, topic_budget=QMSUM_TOPIC_BUDGET
    )
    items = []
    for meeting in meetings:
        turns = [
            {"user": t["speaker"], "text": clean_turn(t["content"])}
            for t in meeting["meeting_transcripts"]
        ]
        turns = [t for t in turns if t["text"]]
        for query in meeting["general_query_list"]:
            items.append((turns, [query["answer"]]))
    cache: dict[int, Digest] = {}

    def digest_of(turns: list[dict[str, str]]) -> Digest:
        if id(turns) not in cache:
            cache[id(turns)] = engine.build(_as_messages(turns, thread=False, step=5), request)
        return cache[id(turns)]

    return {
        "dataset": "QMSum val, general queries (meeting → topics → summaries)",
        "items": len(items),
        "systems": _score_systems(items, digest_of, 8),
    }


QMSUM_BUDGET = 600
QMSUM_TOPICS = 4
QMSUM_TOPIC_BUDGET = 40


# -- speed --------------------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_speed(n_messages: int, n_threads: int, seed: int) -> dict[str, Any]:
    """One digest of a synthetic day: wall time and peak RSS, then peak heap under tracemalloc."""
    messages = synthetic_channel(n_messages, n_threads, seed)
    request = DigestRequest(
        start=datetime.fromtimestamp(WINDOW_START, UTC),
        end=datetime.fromtimestamp(WINDOW_START + DAY, UTC),
        channel="#eng-platform",
    )
    engine = DigestEngine(OfflineEngine(), HashingEmbedder())
    engine.build(messages[:50], request)  # loads the tokenizer and the detector model once
    rss_before = _peak_rss_mb()
    started = time.perf_counter()
    digest = engine.build(messages, request)
    wall = time.perf_counter() - started
    rss_after = _peak_rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    engine.build(messages, request)
    traced_wall = time.perf_counter() - started
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    sections = digest.to_sections()
    return {
        "messages": len(messages),
        "threads": sum(1 for m in messages if m.reply_count),
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(rss_after, 1),
        "rss_growth_mb": round(rss_after - rss_before, 1),
        "heap_peak_mb": round(heap_peak, 1),
        "traced_wall_s": round(traced_wall, 2),
        "topics": digest.coverage.topics,
        "shown": len(digest.topics),
        "folded": len(digest.folded),
        "agent_posts_distilled": digest.coverage.agent_messages_distilled,
        "digest_tokens": digest.tokens,
        "budget_tokens": digest.budget_tokens,
        "sections": len(sections),
        "max_section_chars": max(len(s["text"]) for s in sections),
    }


def to_markdown(speed: dict[str, Any] | None, quality: list[dict[str, Any]]) -> str:
    """The speed line and one ROUGE table per dataset."""
    out = [
        "`python -m bench.bench_digest` (ROUGE F x100, mean over references; TextRank and Lead "
        "from bench/baselines.py, cut to the digest's token count per item).\n",
        f"Machine: {platform.machine()}, {_cores()} cores, Python {platform.python_version()}.\n",
    ]
    if speed:
        out += [
            f"**Speed**: {speed['messages']:,} messages, {speed['threads']:,} threads → one digest "
            "(offline engine, hashing embedder, warm process)\n",
            "| wall s | peak RSS MB | RSS growth MB | peak heap MB (tracemalloc run) "
            "| topics | shown | folded | agent posts distilled | digest tokens / budget "
            "| max section chars |",
            "|---|---|---|---|---|---|---|---|---|---|",
            f"| {speed['wall_s']} | {speed['peak_rss_mb']} | {speed['rss_growth_mb']} | "
            f"{speed['heap_peak_mb']} ({speed['traced_wall_s']} s) | {speed['topics']:,} | "
            f"{speed['shown']} | {speed['folded']:,} | {speed['agent_posts_distilled']} | "
            f"{speed['digest_tokens']} / {speed['budget_tokens']} | {speed['max_section_chars']} |",
            "",
        ]
    for result in quality:
        out += [
            f"**{result['dataset']}** ({result['items']} items)\n",
            "| system | R-1 | R-2 | R-L | tokens out |",
            "|---|---|---|---|---|",
        ]
        for name, s in result["systems"].items():
            out.append(
                f"| {name} | {s['rouge1']:.2f} | {s['rouge2']:.2f} | {s['rougeL']:.2f} "
                f"| {s['tokens_out']} |"
            )
        out.append("")
    return "\n".join(out)


def _cores() -> int:
    import os

    return os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--eval", type=Path, default=Path(__file__).parents[1] / ".." / "shared" / "eval"
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=int, default=None, help="items per quality dataset")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args(argv)
    speed = None if args.skip_speed else run_speed(args.messages, args.threads, args.seed)
    quality: list[dict[str, Any]] = []
    if not args.skip_quality:
        if (args.eval / "dialogsum").is_dir() and (args.eval / "qmsum").is_dir():
            engine = DigestEngine(OfflineEngine(), HashingEmbedder())
            quality = [
                run_dialogsum(args.eval, args.limit, engine),
                run_qmsum(args.eval, args.limit, engine),
            ]
        else:
            print(f"skipping the quality benchmark: no eval data at {args.eval} (see README)")
    table = to_markdown(speed, quality)
    print(table)
    full = (
        args.limit is None
        and not args.skip_speed
        and not args.skip_quality
        and quality
        and (args.messages, args.threads) == (10_000, 1_000)
    )
    if full:
        RESULTS.mkdir(exist_ok=True)
        payload = {"speed": speed, "quality": quality}
        (RESULTS / "digest.json").write_text(json.dumps(payload, indent=2) + "\n")
        (RESULTS / "digest.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
