"""Speed benchmark: the offline engine vs LexRank on the same messages, in one run.

    python -m bench.speed [--repeat 200]

Synthetic but realistic agent messages of ~100, ~500 and ~2,000 tokens (headers, emoji bullets,
pleasantries, numbers, mentions, links), warm engine: p50/p95 latency and messages/s. LexRank
(bench/baselines.py) runs on the same inputs, split by the same splitter. Also the cold start
of `distill text` (process start to first result). Writes bench/results/speed.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from distiller import OfflineEngine, count_tokens, parse_units

from .baselines import lexrank, sumy_lexrank

RESULTS = Path(__file__).parent / "results"
SIZES = (100, 500, 2000)

_OPENERS = [
    "Hi team! :wave: I hope this message finds you well.",
    "Great question! Here's a quick summary of where things stand.",
    "Good morning everyone! I wanted to share a quick update on the rollout.",
]
_FACTS = [
    "The deploy of {svc} v{major}.{minor}.{patch} failed at {hh}:{mm} UTC on {n} of {m} pods.",
    "Error rate rose to {p}.{q}% against a 0.{q}% baseline, and p99 latency reached {ms}ms.",
    "About {k},{n}00 customers saw failed checkouts (roughly ${k}{n},000 in delayed revenue).",
    "It's worth noting that the root cause appears to be a missing migration in `{svc}_{n}`.",
    "<@U{uid}> please review <https://github.com/acme/{svc}/pull/{pr}|PR #{pr}> by Friday.",
    "We rolled back to v{major}.{minor}.{prev} at {hh}:{mm2} UTC and opened INC-{pr} to track it.",
    "Storage costs should drop by about {p}% per month once the lifecycle policy lands.",
    "The backfill for `events_v{n}` is running and is expected to finish by Wednesday.",
    "Basically, the {svc} job is still blocked on the schema review from the finance team.",
    "I would recommend that <@U{uid}> updates the runbook at <https://wiki.example.com/{svc}|runbook>.",
]
_HEADERS = [
    "*:rotating_light: Incident summary*",
    "*Next steps*",
    "## :bar_chart: Progress",
    "*Risks*",
]
_CLOSERS = [
    "In summary, the situation is under control and follow-ups are in place.",
    "Let me know if you have any questions! :blush:",
    "Please don't hesitate to reach out if anything is unclear.",
]


def synthetic_message(target_tokens: int, rng: random.Random) -> str:
    """An agent-style message of about `target_tokens` tokens (cl100k)."""
    lines = [rng.choice(_OPENERS), ""]
    while count_tokens("\n".join(lines)) < target_tokens - 25:
        if rng.random() < 0.2:
            lines += ["", rng.choice(_HEADERS)]
        fact = rng.choice(_FACTS).format(
            svc=rng.choice(["payments-api", "ledger", "search", "auth"]),
            major=rng.randint(1, 9),
            minor=rng.randint(0, 30),
            patch=rng.randint(1, 9),
            prev=0,
            hh=rng.randint(10, 23),
            mm=rng.randint(10, 59),
            mm2=rng.randint(10, 59),
            n=rng.randint(2, 9),
            m=rng.randint(10, 40),
            p=rng.randint(2, 30),
            q=rng.randint(1, 9),
            ms=rng.randint(200, 2000),
            k=rng.randint(1, 9),
            uid=rng.randint(100000, 999999),
            pr=rng.randint(1000, 9999),
        )
        prefix = rng.choice(["", "• ", ":white_check_mark: ", "- "])
        lines.append(prefix + fact)
    lines += ["", rng.choice(_CLOSERS)]
    return "\n".join(lines)


def _lexrank_summary(text: str) -> str:
    sentences = [u.text for u in parse_units(text) if u.kind != "heading"]
    return " ".join(lexrank(sentences, 3))


def _sumy_summary(text: str) -> str:
    sentences = [u.text for u in parse_units(text) if u.kind != "heading"]
    return " ".join(sumy_lexrank(sentences, 3))


def _time(func: Callable[[str], object], inputs: list[str], repeat: int) -> list[float]:
    func(inputs[0])  # warm
    times = []
    for index in range(repeat):
        start = time.perf_counter()
        func(inputs[index % len(inputs)])
        times.append((time.perf_counter() - start) * 1000)
    return times


def _stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(p95, 2),
        "msgs_per_s": round(1000 / statistics.fmean(ordered), 1),
    }


def cold_start() -> float:
    """Seconds from `distill text` process start to its first printed result."""
    exe = Path(sys.executable).with_name("distill")
    start = time.perf_counter()
    subprocess.run(
        [str(exe), "text", "-"],
        input="The deploy of v2.1 failed at 14:05 UTC. Please roll back.",
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="offline engine vs LexRank, latency and throughput"
    )
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    engine = OfflineEngine()
    rows = []
    for size in SIZES:
        inputs = [synthetic_message(size, rng) for _ in range(20)]
        real = round(statistics.fmean(count_tokens(t) for t in inputs))
        ours = _stats(_time(engine.distill, inputs, args.repeat))
        theirs = _stats(_time(_lexrank_summary, inputs, max(20, args.repeat // 4)))
        sumy = _stats(_time(_sumy_summary, inputs, max(20, args.repeat // 4)))
        rows.append(
            {
                "tokens": real,
                "engine": ours,
                "lexrank": theirs,
                "sumy_lexrank": sumy,
                "ratio_vs_lexrank": round(ours["msgs_per_s"] / theirs["msgs_per_s"], 2),
                "ratio_vs_sumy": round(ours["msgs_per_s"] / sumy["msgs_per_s"], 2),
            }
        )
    cold = [cold_start() for _ in range(3)]
    result = {
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "rows": rows,
        "cold_start_s": round(statistics.median(cold), 2),
    }
    table = [
        f"Machine: {result['machine']}; warm engine, {args.repeat} runs per size.\n",
        "| input tokens | engine p50 ms | engine p95 ms | engine msg/s "
        "| LexRank (numpy) msg/s | × | LexRank (sumy) msg/s | × |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        e, lx, sm = row["engine"], row["lexrank"], row["sumy_lexrank"]
        table.append(
            f"| {row['tokens']} | {e['p50_ms']} | {e['p95_ms']} | {e['msgs_per_s']} | "
            f"{lx['msgs_per_s']} | {row['ratio_vs_lexrank']} | "
            f"{sm['msgs_per_s']} | {row['ratio_vs_sumy']} |"
        )
    table.append(
        f"\nCold start of `distill text` (process start → result): {result['cold_start_s']} s"
    )
    text = "\n".join(table)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "speed.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "speed.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
