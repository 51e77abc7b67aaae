"""LLM engine benchmark: what the guard and the engine add on top of the model call.

    python -m bench.bench_llm [--repeat 300] [--calls 60] [--json PATH]

1. Guard cost per result: `check_output` on a ~500-token output against a ~2,000-token source
   (synthetic agent messages from bench/speed.py, every line full of numbers, dates, links,
   mentions and ids). "engine_path" is the call as the engine makes it: source facts
   precomputed once per message, the output's token count already taken by `shape_draft`.
   Also shown: with the output's tokens counted, and with the source parsed too.
   Target: p50 <= 2 ms on the engine path.
2. End-to-end overhead: `LLMEngine.distill` (cache off) against the raw `openai` client call
   with the same canned reply from the loopback server (tests/fakes/openai_server.py). The
   difference is the offline pass (must-keep facts, and the fallback kept ready), prompt
   building, parsing and the guard. The model's own latency is not in either number.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai

from distiller import Distillation, OfflineEngine, ReaderSpec, count_tokens
from distiller.llm import LLMEngine, SourceFacts, build_prompt, check_output
from distiller.thread import prepare_thread
from tests.fakes.openai_server import FakeOpenAIServer, reply

from .speed import synthetic_message

GUARD_TARGET_MS = 2.0


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    # min is the figure least moved by other processes on a shared machine.
    return {
        "min_ms": round(1000 * ordered[0], 3),
        "p50_ms": round(1000 * statistics.median(ordered), 3),
        "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 3),
    }


def _time(func: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return times


def _output_of(source: str, tokens: int) -> Distillation:
    """A faithful ~`tokens`-token output: whole source lines, first as TL;DR, then bullets.

    `tokens_out` is set, as `shape_draft` sets it before the engine calls the guard.
    """
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    picked: list[str] = []
    while lines and count_tokens("\n".join(picked)) < tokens:
        picked.append(lines.pop(0))
    output = Distillation(tldr=picked[0], bullets=picked[1:])
    return output.model_copy(update={"tokens_out": count_tokens(output.render_text())})


def bench_guard(repeat: int) -> dict[str, Any]:
    source = synthetic_message(2000, random.Random(7))
    output = _output_of(source, 500)
    thread = prepare_thread(source)
    spec = ReaderSpec(budget_tokens=600)
    rules = build_prompt(thread, spec, 600, OfflineEngine().distill(source, spec)).rules
    facts = SourceFacts(source)
    assert check_output(facts, output, budget_tokens=600, system_prompt=rules) == []
    uncounted = output.model_copy(update={"tokens_out": 0})

    def guard(src: str | SourceFacts, out: Distillation) -> Callable[[], object]:
        return lambda: check_output(src, out, budget_tokens=600, system_prompt=rules)

    return {
        "source_tokens": count_tokens(source),
        "output_tokens": output.tokens_out,
        "engine_path": _percentiles(_time(guard(facts, output), repeat)),
        "output_tokens_counted_too": _percentiles(_time(guard(facts, uncounted), repeat)),
        "source_parsed_too": _percentiles(_time(guard(source, output), repeat)),
        "target_p50_ms": GUARD_TARGET_MS,
    }


def bench_end_to_end(calls: int) -> dict[str, Any]:
    text = synthetic_message(500, random.Random(11))
    spec = ReaderSpec(budget_tokens=120)
    first_line = next(line for line in text.splitlines() if any(c.isdigit() for c in line))
    canned = json.dumps({"tldr": first_line.strip(), "bullets": [], "asks": []})
    with FakeOpenAIServer() as server:
        server.default = reply(canned)
        http = openai.DefaultHttpxClient(verify=False)
        with openai.OpenAI(api_key="k", base_url=server.base_url, http_client=http) as client:
            engine = LLMEngine(client, cache_size=0)
            chat = [{"role": "user", "content": text}]

            def raw() -> None:
                client.chat.completions.create(model="gpt-4o-mini", messages=chat)  # type: ignore[arg-type]

            def distill() -> None:
                result = engine.distill(text, spec)
                assert result.engine.startswith("llm:"), result.notes

            offline = OfflineEngine()
            for func in (raw, distill):  # warm connections, tokenizer, regexes
                func()
            raw_t = _time(raw, calls)
            engine_t = _time(distill, calls)
            offline_t = _time(lambda: offline.distill(text, spec), calls)
    raw_p, engine_p = _percentiles(raw_t), _percentiles(engine_t)
    return {
        "input_tokens": count_tokens(text),
        "raw_client_call": raw_p,
        "llm_engine_distill": engine_p,
        "offline_pass_alone": _percentiles(offline_t),
        "overhead_p50_ms": round(engine_p["p50_ms"] - raw_p["p50_ms"], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300, help="guard runs")
    parser.add_argument("--calls", type=int, default=60, help="end-to-end calls")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results = {
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "guard": bench_guard(args.repeat),
        "end_to_end": bench_end_to_end(args.calls),
    }
    guard, e2e = results["guard"], results["end_to_end"]
    print(f"guard, {guard['output_tokens']}-token output vs {guard['source_tokens']}-token source:")
    for name in ("engine_path", "output_tokens_counted_too", "source_parsed_too"):
        print(f"  {name:<26} {guard[name]}")
    print(f"  target p50 <= {GUARD_TARGET_MS} ms on the engine path")
    print(f"end to end, {e2e['input_tokens']}-token message, loopback server:")
    for name in ("raw_client_call", "llm_engine_distill", "offline_pass_alone"):
        print(f"  {name:<22} {e2e[name]}")
    print(f"  overhead p50            {e2e['overhead_p50_ms']} ms")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
