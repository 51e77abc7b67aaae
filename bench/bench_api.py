"""HTTP load benchmark: uvicorn in one process, a load generator in another, on loopback.

    python -m bench.bench_api [--seconds 30] [--concurrency 16] [--records 100000]

Endpoints: /v1/detect, /v1/distill (a ~500-token agent message) and /v1/memory/search over a
memory of `--records` records (hashing embedder: the search cost is the store's, not the
model's). Reports req/s, p50 and p99 per endpoint; writes bench/results/api.{json,md}.
The generator shares the 2 cores with the server, so figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed_memory(data_dir: Path, records: int) -> str:
    """Fill the store directly (fast path: one batched add) and return an API key."""
    from api.auth import SCOPES, KeyStore
    from distiller import HashingEmbedder
    from memory import Draft, FaissStore, Source, Visibility

    token = KeyStore(data_dir / "keys.sqlite3").create("team-0", list(SCOPES)).token
    store = FaissStore(data_dir / "memory", HashingEmbedder())
    words = "deploy ledger payments search auth latency incident rollback migration cache".split()
    batch: list[Draft] = []
    for i in range(records):
        team = f"team-{i % 100}"  # the caller's team owns 1%
        subject, other = words[i % 10], words[(i // 10) % 10]
        text = f"{subject} {other} status {i}: {words[(i * 7) % 10]} at {i % 24}:00"
        batch.append(
            Draft(
                text=text,
                source=Source(
                    workspace="default", channel_id=f"C{i % 50}", ts=f"{1_700_000_000 + i}.0001"
                ),
                visibility=Visibility.team(team),
            )
        )
        if len(batch) == 5_000:
            store.add_many(batch)
            batch = []
    if batch:
        store.add_many(batch)
    store.close()
    return token


async def _load(url: str, body: dict, token: str, seconds: float, concurrency: int) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    headers = {"authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.post(url, json=body)
                latencies.append((time.perf_counter() - start) * 1000)
                errors += response.status_code >= 400

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors,
        "req_per_s": round(len(ordered) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="HTTP load benchmark on loopback")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args(argv)
    from tests.fixtures import agent_message

    data_dir = Path(tempfile.mkdtemp(prefix="distiller-bench-api-"))
    print(f"seeding {args.records:,} memory records…", flush=True)
    token = _seed_memory(data_dir, args.records)
    port = _free_port()
    env = {
        **os.environ,
        "DISTILLER_DATA_DIR": str(data_dir),
        "DISTILLER_EMBEDDER": "hashing",
        "DISTILLER_RATE_LIMIT_PER_MINUTE": "100000000",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("distill")), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        cases = {
            "/v1/detect": {"text": agent_message("support_answer")},
            "/v1/distill": {
                "text": agent_message("status_update") + "\n" + agent_message("support_answer")
            },
            "/v1/memory/search": {"query": "payments rollback latency", "k": 10},
        }
        rows = {}
        for path, body in cases.items():
            print(f"{path}: {args.seconds:.0f} s at concurrency {args.concurrency}…", flush=True)
            rows[path] = asyncio.run(
                _load(base + path, body, token, args.seconds, args.concurrency)
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores; load avg {os.getloadavg()[0]:.1f}"
        ),
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "records": args.records,
        "rows": rows,
    }
    lines = [
        f"{result['machine']}; concurrency {args.concurrency}, {args.seconds:.0f} s per endpoint, "
        f"{args.records:,} memory records, generator and server on the same 2 cores.\n",
        "| endpoint | req/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| `{path}` | {r['req_per_s']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} |"
        for path, r in rows.items()
    ]
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "api.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
