"""The whole digest run: Slack collection (pagination, one replies call per thread) + the digest.

    python -m bench.bench_digest_pipeline [--messages 10000] [--threads 1000]

The synthetic day of `bench_digest` (10,000 messages, 1,000 threads) is served by the fake
Slack Web API in a separate process (so its CPU is not counted as ours, though it shares the
machine's two cores); `DigestRunner.run(..., post=False)` reads it through the real slack_sdk
client and builds the digest with the offline engine. Reported: wall time split into collection
and building, Web API calls, peak RSS; once with a budget that reads everything, once with the
default `RequestBudget` (what it leaves out is in Coverage).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import platform
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.digests import Subscription, Window
from api.digests.client import digest_client, pooled
from api.digests.collect import Collected, RequestBudget
from api.digests.produce import digest_builder
from api.digests.runner import DigestRunner
from api.digests.store import SqliteDigestStore
from api.service import DistillService
from api.settings import Settings
from bench.digest_corpus import CHANNEL, DAY, WINDOW_START, synthetic_channel
from distiller import HashingEmbedder

RESULTS = Path(__file__).parent / "results"


def _serve(n_messages: int, n_threads: int, seed: int, conn: Any) -> None:
    """Child process: the fake Slack workspace holding the synthetic day."""
    from tests.fakes.slack_server import FakeSlackServer

    server = FakeSlackServer().start()
    server.add_channel(CHANNEL, "eng-platform")
    for m in synthetic_channel(n_messages, n_threads, seed):
        fields: dict[str, Any] = {"user": m.user}
        if m.thread_ts:
            fields["thread_ts"] = m.thread_ts
        if m.posted_by_app:
            fields["bot_id"] = f"B{abs(hash(m.user)) % 10**8:08d}"
            fields["bot_profile"] = {"name": m.app_name or m.user}
        server.add_message(CHANNEL, m.ts, m.text, **fields)
    conn.send(server.api_url)
    conn.recv()  # until the parent is done
    server.stop()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _one(runner: DigestRunner, sub: Subscription, window: Window) -> dict[str, Any]:
    started = time.perf_counter()
    async with pooled(runner.client):
        collected = await runner.collector.collect(sub.channel, window.start, window.end)
    collected_at = time.perf_counter()
    digest = runner.builder(sub, window, collected)
    built_at = time.perf_counter()
    return {
        "collect_s": round(collected_at - started, 2),
        "build_s": round(built_at - collected_at, 2),
        "wall_s": round(built_at - started, 2),
        "messages_read": len(collected.messages),
        "threads_read": collected.threads_read,
        "calls": dict(collected.calls),
        "skipped": [f"{s.count} {s.what}: {s.reason}" for s in collected.skipped],
        "topics": digest.coverage.topics,
        "shown": len(digest.topics),
        "folded": len(digest.folded),
        "digest_tokens": digest.tokens,
    }


def run(n_messages: int, n_threads: int, seed: int, tmp: Path) -> dict[str, Any]:
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(n_messages, n_threads, seed, child), daemon=True
    )
    proc.start()
    api_url = parent.recv()
    try:
        service = DistillService(Settings(data_dir=tmp, embedder="hashing"))
        builder = digest_builder(service, HashingEmbedder())
        sub = Subscription(channel=CHANNEL)
        window = Window(
            start=datetime.fromtimestamp(WINDOW_START, UTC),
            end=datetime.fromtimestamp(WINDOW_START + DAY, UTC),
        )
        results = {}
        with SqliteDigestStore(tmp / "digests.sqlite3") as store:
            # Warm the tokenizer and detector once, outside the measured runs.
            builder(sub, window, _empty())
            for name, budget in (
                ("read everything", RequestBudget(history_pages=200, replies_calls=5_000)),
                ("default budget", RequestBudget()),
            ):
                client = digest_client("xoxb-bench", api_url)
                runner = DigestRunner(store, client, builder, budget=budget)
                results[name] = asyncio.run(_one(runner, sub, window))
        results_meta = {"peak_rss_mb": round(_peak_rss_mb(), 1)}
        return {"runs": results, **results_meta}
    finally:
        parent.send("done")
        proc.join(timeout=30)


def _empty() -> Collected:
    return Collected(messages=[], skipped=[], calls={}, threads_read=0)


def to_markdown(result: dict[str, Any], n_messages: int, n_threads: int) -> str:
    lines = [
        f"`python -m bench.bench_digest_pipeline --messages {n_messages} --threads {n_threads}`",
        "",
        f"Machine: {platform.machine()}, 2 cores, Python {platform.python_version()}; the fake "
        "Slack Web API runs in a separate process on the same cores.",
        "",
        "| budget | wall s | collect s | build s | messages read | threads read | Web API calls "
        "| topics (shown / folded) | skipped |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in result["runs"].items():
        calls = ", ".join(f"{k} {v}" for k, v in sorted(r["calls"].items()))
        skipped = "; ".join(r["skipped"]) or "none"
        lines.append(
            f"| {name} | {r['wall_s']} | {r['collect_s']} | {r['build_s']} | "
            f"{r['messages_read']:,} | {r['threads_read']:,} | {calls} | "
            f"{r['topics']:,} ({r['shown']} / {r['folded']:,}) | {skipped} |"
        )
    lines += ["", f"Peak RSS of the runner process: {result['peak_rss_mb']} MB."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.messages, args.threads, args.seed, Path(tmp))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "digest_pipeline.json").write_text(json.dumps(result, indent=2) + "\n")
    text = to_markdown(result, args.messages, args.threads)
    (RESULTS / "digest_pipeline.md").write_text(text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
