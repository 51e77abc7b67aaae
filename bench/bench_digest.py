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
from bench.digest_corpus import CHANNEL, DAY, WINDOW_START, synthetic_channel
from bench.quality import dialogue_messages, rouge
from distiller import HashingEmbedder, OfflineEngine, ReaderSpec, count_tokens, split_sentences
from distiller.digest import Digest, DigestEngine, DigestMessage, DigestRequest
from distiller.mrkdwn import to_plain

RESULTS = Path(__file__).parent / "results"
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
