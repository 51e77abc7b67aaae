"""HTTP load benchmark: uvicorn in one process, a load generator in another, on loopback.

    python -m bench.bench_api [--seconds 30] [--concurrency 16] [--records 100000]
                              [--generator auto|wrk|python] [--serve-arg=--compute-processes=2]

Endpoints: /v1/detect, /v1/distill (a ~500-token agent message) and /v1/memory/search over a
memory of `--records` records (hashing embedder: the search cost is the store's, not the
model's). Reports req/s, p50 and p99 per endpoint, and the CPU the server (with its child
processes) and the generator used; writes bench/results/api.{json,md}.

The generator is `wrk` when it is on PATH (C, a few percent of a core at these rates), else a
lean asyncio HTTP/1.1 keep-alive client in a separate process. Either shares the 2 cores with
the server, so figures are a floor; the generator's CPU is reported so it can be accounted for.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

# wrk's report as one JSON line; latencies are in microseconds, `errors.status` counts
# non-2xx/3xx answers.
_WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


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


def _tree_cpu_seconds(root: int) -> float | None:
    """User+system CPU of `root` and its live descendants (Linux /proc); None elsewhere."""
    proc = Path("/proc")
    if not (proc / str(root) / "stat").exists():
        return None
    stats: dict[int, tuple[int, float]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after the last ")".
        fields = raw[raw.rindex(")") + 2 :].split()
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])))
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _) in stats.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(stats[pid][1] for pid in tree if pid in stats) / _CLOCK_TICKS


def _request_bytes(host: str, path: str, body: bytes, token: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer {token}\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _python_load(
    host: str, port: int, request: bytes, seconds: float, concurrency: int
) -> dict:
    """Keep-alive HTTP/1.1 over raw sockets: the least client CPU Python can spend per request."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                latencies.append((time.perf_counter() - start) * 1000)
                errors += status >= 400
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors,
        "elapsed_s": elapsed,
        "p50_ms": ordered[len(ordered) // 2],
        "p99_ms": ordered[int(0.99 * (len(ordered) - 1))],
    }


def _python_generator(
    host: str, port: int, request: bytes, seconds: float, concurrency: int
) -> dict:
    """Run in a child process: the load, and the CPU this process spent making it."""
    load = _python_load(host, port, request, seconds, concurrency)
    before = resource.getrusage(resource.RUSAGE_SELF)
    try:
        import uvloop
    except ImportError:
        row = asyncio.run(load)
    else:
        row = uvloop.run(load)
    after = resource.getrusage(resource.RUSAGE_SELF)
    row["generator_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return row


def _wrk(url: str, body: bytes, token: str, seconds: float, concurrency: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        script, body_file = Path(tmp) / "post.lua", Path(tmp) / "body.json"
        script.write_text(_WRK_SCRIPT)
        body_file.write_bytes(body)
        env = {**os.environ, "BENCH_TOKEN": token, "BENCH_BODY": str(body_file)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds:g}s", "-s", str(script), url],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "requests": report["requests"],
        "errors": report["errors"],
        "elapsed_s": report["duration_us"] / 1e6,
        "p50_ms": report["p50_us"] / 1000,
        "p99_ms": report["p99_us"] / 1000,
        "generator_cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
    }


def _pick_generator(wanted: str) -> str:
    if wanted == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if wanted == "wrk" and not shutil.which("wrk"):
        raise SystemExit(
            "wrk is not on PATH: install it (apt-get install wrk) or use --generator python"
        )
    return wanted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="HTTP load benchmark on loopback")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--serve-arg",
        action="append",
        default=[],
        help="extra `distill serve` option, e.g. --serve-arg=--compute-processes=2; repeatable",
    )
    parser.add_argument("--out", default="api", help="result file stem under bench/results/")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="seed here once and keep it (later runs reuse it); default: a fresh temporary dir",
    )
    args = parser.parse_args(argv)
    from tests.fixtures import agent_message

    generator = _pick_generator(args.generator)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="distiller-bench-api-"))
    token_file = data_dir / f"bench-token-{args.records}"
    if token_file.exists():
        token = token_file.read_text().strip()
    else:
        if data_dir.exists() and any(data_dir.iterdir()):
            raise SystemExit(f"{data_dir} holds other data: pass an empty or new --data-dir")
        data_dir.mkdir(parents=True, exist_ok=True)
        print(f"seeding {args.records:,} memory records…", flush=True)
        token = _seed_memory(data_dir, args.records)
        if args.data_dir:
            token_file.write_text(token)
    port = _free_port()
    env = {
        **os.environ,
        "DISTILLER_DATA_DIR": str(data_dir),
        "DISTILLER_EMBEDDER": "hashing",
        "DISTILLER_RATE_LIMIT_PER_MINUTE": "100000000",
    }
    serve = [str(Path(sys.executable).with_name("distill")), "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*serve, *args.serve_arg], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    cases = {
        "/v1/detect": {"text": agent_message("support_answer")},
        "/v1/distill": {
            "text": agent_message("status_update") + "\n" + agent_message("support_answer")
        },
        "/v1/memory/search": {"query": "payments rollback latency", "k": 10},
    }
    rows = {}
    spawn = multiprocessing.get_context("spawn")
    try:
        for _ in range(1200):
            if server.poll() is not None:
                raise SystemExit(f"`distill serve` exited with {server.returncode}: run it by hand")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        for path, payload in cases.items():
            body = json.dumps(payload).encode()
            # A short warm-up so the first timed requests do not pay for lazy loading.
            httpx.post(base + path, content=body, headers={"authorization": f"Bearer {token}"})
            load_avg = os.getloadavg()[0]
            print(f"{path}: {args.seconds:g} s at concurrency {args.concurrency}…", flush=True)
            server_before = _tree_cpu_seconds(server.pid)
            if generator == "wrk":
                row = _wrk(base + path, body, token, args.seconds, args.concurrency)
            else:
                request = _request_bytes(f"127.0.0.1:{port}", path, body, token)
                with spawn.Pool(1) as pool:
                    row = pool.apply(
                        _python_generator,
                        ("127.0.0.1", port, request, args.seconds, args.concurrency),
                    )
            server_after = _tree_cpu_seconds(server.pid)
            elapsed = row.pop("elapsed_s")
            server_cpu = (
                None
                if server_before is None or server_after is None
                else server_after - server_before
            )
            rows[path] = {
                "requests": row["requests"],
                "errors": row["errors"],
                "req_per_s": round(row["requests"] / elapsed, 1),
                "p50_ms": round(row["p50_ms"], 1),
                "p99_ms": round(row["p99_ms"], 1),
                "server_cores": None if server_cpu is None else round(server_cpu / elapsed, 2),
                "server_cpu_ms_per_req": (
                    None if server_cpu is None else round(1000 * server_cpu / row["requests"], 2)
                ),
                "generator_cores": round(row["generator_cpu_s"] / elapsed, 2),
                "load_avg_before": round(load_avg, 1),
            }
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "generator": generator,
        "server": " ".join(["distill serve", *args.serve_arg]),
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "records": args.records,
        "rows": rows,
    }
    lines = [
        f"{result['machine']}; `{result['server']}` (1 uvicorn process) and `{generator}` "
        f"on the same cores; concurrency {args.concurrency}, {args.seconds:g} s per endpoint, "
        f"{args.records:,} memory records. CPU columns: cores busy during the run "
        "(server includes its child processes).\n",
        "| endpoint | req/s | p50 ms | p99 ms | errors | server CPU ms/req | server cores "
        "| generator cores | load avg before |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| `{path}` | {r['req_per_s']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} "
        f"| {r['server_cpu_ms_per_req']} | {r['server_cores']} | {r['generator_cores']} "
        f"| {r['load_avg_before']} |"
        for path, r in rows.items()
    ]
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{args.out}.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
