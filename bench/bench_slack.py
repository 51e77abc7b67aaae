"""Slack shortcut speed: N concurrent "distill" clicks against the running service.

The service runs in its own process under uvicorn, on a socket the benchmark bound (port 0)
and handed over, with the Slack adapter mounted and the offline engine. Slack is the loopback
fake Web API (tests/fakes/slack_server.py) in the benchmark's process, which also receives the
answers at their response_urls: the measuring side never competes with the service for a GIL.
Each click is a really signed message_action payload on its own connection. Measured:
  - ack: from sending the request to the HTTP response (Slack's limit is 3 s);
  - result: from sending the request to the answer arriving at the response_url.
Targets: ack p99 <= 300 ms, result p95 <= 2 s.

    python -m bench.bench_slack [--clicks 50] [--rounds 3] [--embedder hashing|minilm] [--json out]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import logging
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.fakes.slack_server import TEAM_ID, FakeSlackServer
from tests.fixtures import AGENT_MESSAGE_NAMES, agent_message

SECRET = "bench-signing-secret"
CHANNEL = "C0BENCH001"
TARGET_ACK_P99 = 0.300
TARGET_RESULT_P95 = 2.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _signed(body: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": f"v0={digest.hexdigest()}",
    }


def _payload(server: FakeSlackServer, name: str, index: int) -> str:
    text = agent_message(AGENT_MESSAGE_NAMES[index % len(AGENT_MESSAGE_NAMES)])
    ts = f"{int(time.time())}.{index:06d}"
    payload = {
        "type": "message_action",
        "callback_id": "distill",
        "team": {"id": TEAM_ID, "domain": "bench"},
        "user": {"id": f"U0BENCH{index:03d}", "team_id": TEAM_ID},
        "channel": {"id": CHANNEL, "name": "infra-oncall"},
        "response_url": server.response_url(name),
        "trigger_id": "1.2.3",
        "message_ts": ts,
        "message": {"type": "message", "ts": ts, "text": text, "bot_id": "B0AGENT001"},
    }
    return urlencode({"payload": json.dumps(payload)})


def _settings(data: Path, embedder: str) -> Any:
    from api import Settings

    return Settings(
        data_dir=data,
        embedder=embedder,  # type: ignore[arg-type]
        slack_bot_token="xoxb-bench",  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        rate_limit_per_minute=100_000,
    )


def serve(fd: int, api_url: str, data: Path, embedder: str) -> None:
    """The service process: the app with Slack mounted, under uvicorn on the inherited socket."""
    import uvicorn

    from api import create_app
    from api.slack import mount_slack

    settings = _settings(data, embedder)
    app = create_app(settings)
    mount_slack(app, lambda: app.state.services, settings, api_url=api_url)
    uvicorn.run(app, fd=fd, log_level="warning", access_log=False)


class _Service:
    """The service in a child process, on a listening socket bound here (no port race)."""

    def __init__(self, api_url: str, data: Path, embedder: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        fd = self.sock.fileno()
        command = [sys.executable, "-m", "bench.bench_slack", "--serve", str(fd),
                   "--api-url", api_url, "--data", str(data), "--embedder", embedder]  # fmt: skip
        self.process = subprocess.Popen(command, pass_fds=(fd,))

    def __enter__(self) -> str:
        url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        deadline = time.monotonic() + 180
        while True:  # bounded wait for the lifespan (models, stores) to finish starting
            try:
                if httpx.get(url + "/healthz", timeout=5).status_code == 200:
                    return url
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.sock.close()


async def _click(host: str, port: int, body: str) -> tuple[float, float, int]:
    """One signed POST on its own pre-opened connection, as Slack's many senders make them.

    A bare socket, not an HTTP client library: with one client event loop sending 50
    requests, the library's own CPU time would be counted in every later request's ack.
    """
    reader, writer = await asyncio.open_connection(host, port)
    head = "".join(f"{k}: {v}\r\n" for k, v in _signed(body).items())
    data = body.encode()
    request = (
        f"POST /slack/events HTTP/1.1\r\nhost: {host}\r\n{head}"
        f"content-length: {len(data)}\r\nconnection: close\r\n\r\n"
    ).encode() + data
    started = time.monotonic()
    writer.write(request)
    status_line = await reader.readline()
    elapsed = time.monotonic() - started
    writer.close()
    return started, elapsed, int(status_line.split()[1])


async def _round(url: str, server: FakeSlackServer, clicks: int, tag: str) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    names = [f"{tag}-{i}" for i in range(clicks)]
    bodies = [_payload(server, name, i) for i, name in enumerate(names)]
    sent = await asyncio.gather(*(_click(host, int(port), b) for b in bodies))
    acks = [elapsed for _, elapsed, _ in sent]
    statuses = {status for _, _, status in sent}
    results = []
    for name, (started, _, _) in zip(names, sent, strict=True):
        (call,) = await asyncio.to_thread(server.wait_for, f"response:{name}", 1, 60.0)
        results.append(call.at - started)
    return {"acks": acks, "results": results, "statuses": sorted(statuses)}


def _server_ack_buckets(metrics: str) -> dict[str, int]:
    """The service's own view of /slack/events latency (cumulative histogram buckets)."""
    out = {}
    for line in metrics.splitlines():
        if line.startswith("distiller_request_seconds_bucket{") and "/slack/events" in line:
            le = line.split('le="')[1].split('"')[0]
            out[le] = int(float(line.rsplit(" ", 1)[1]))
    return out


def run(clicks: int, rounds: int, embedder: str) -> dict[str, Any]:
    with FakeSlackServer() as server, tempfile.TemporaryDirectory() as data:
        server.add_channel(CHANNEL, "infra-oncall", topic="Pages and incidents")
        with _Service(server.api_url, Path(data), embedder) as url:
            asyncio.run(_round(url, server, 1, "warm"))  # first-use costs are not the steady state
            acks: list[float] = []
            results: list[float] = []
            statuses: set[int] = set()
            for r in range(rounds):
                found = asyncio.run(_round(url, server, clicks, f"r{r}"))
                acks += found["acks"]
                results += found["results"]
                statuses.update(found["statuses"])
            server_side = _server_ack_buckets(httpx.get(url + "/metrics").text)
    report = {
        "clicks_per_round": clicks,
        "rounds": rounds,
        "embedder": embedder,
        "engine": "offline",
        "http_statuses": sorted(statuses),
        "ack_p50_ms": round(statistics.median(acks) * 1000, 1),
        "ack_p99_ms": round(_percentile(acks, 0.99) * 1000, 1),
        "ack_max_ms": round(max(acks) * 1000, 1),
        "result_p50_ms": round(statistics.median(results) * 1000, 1),
        "result_p95_ms": round(_percentile(results, 0.95) * 1000, 1),
        "result_max_ms": round(max(results) * 1000, 1),
        "server_side_ack_buckets": server_side,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "service": "separate process, uvicorn, one worker",
    }
    report["ack_p99_ok"] = report["ack_p99_ms"] <= TARGET_ACK_P99 * 1000
    report["result_p95_ok"] = report["result_p95_ms"] <= TARGET_RESULT_P95 * 1000
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=50, help="concurrent shortcuts per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--embedder", choices=["hashing", "minilm"], default="minilm")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.api_url, args.data, args.embedder)
        return
    logging.getLogger("httpx").setLevel(logging.WARNING)
    report = run(args.clicks, args.rounds, args.embedder)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
