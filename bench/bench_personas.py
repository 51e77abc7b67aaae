"""Focused distillation on QMSum validation: the query as the reader's focus, TextRank alongside.

    python -m bench.bench_personas [--eval ../shared/eval] [--limit N] [--budget 100]

Each meeting's turns become messages (speaker → user); each *specific* query (a question about
one part of the meeting, the closest thing to a persona's focus) is answered by:
  - the offline engine with focus = audience.focus_terms(query) (the question's subject words),
  - the same with focus = the raw query (what a caller passing the question verbatim gets),
  - the same engine without focus (query-blind),
  - TextRank on the same sentences (bench/baselines.py), n sentences for comparable lengths;
  - a diagnostic: the focused engine with asks competing like any unit instead of being kept
    first (a bench-only subclass; distiller/ keeps every ask by design, see personas.md).
ROUGE-1/2/L (rouge-score, stemmer on, F-measure, mean over queries) against the human answer.
QMSum's transcription markers ({disfmarker}, {vocalsound}…) are removed for every system alike.
Times are CPU seconds per call (process_time): the engine is single-threaded and wall time
on a shared machine measures the neighbours. Writes bench/results/personas.json and
personas.md; exits 0 with a message when the data is absent.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from audience import focus_terms
from distiller import OfflineEngine, ReaderSpec, count_tokens, to_plain
from distiller.score import Candidate

from .baselines import textrank
from .quality import dialogue_sentences, rouge

RESULTS = Path(__file__).parent / "results"
DEFAULT_EVAL = Path(__file__).parents[1] / ".." / "shared" / "eval"
# About the human answers' mean length (~85 tokens); the engine stays at or under its budget.
DEFAULT_BUDGET = 100
# TextRank picks whole sentences; these bracket the engine's mean output length.
TEXTRANK_NS = (3, 4, 5)
MAX_BULLETS = 10
_MARKER_RE = re.compile(r"\{\w+\}")
_KEYS = ("rouge1", "rouge2", "rougeL")


def meeting_messages(meeting: dict[str, Any]) -> list[dict[str, str]]:
    """QMSum turns → [{'user': speaker, 'text': content}], markers removed, empty turns dropped."""
    out = []
    for turn in meeting["meeting_transcripts"]:
        text = " ".join(_MARKER_RE.sub(" ", turn["content"]).split())
        if text:
            out.append({"user": turn["speaker"], "text": text})
    return out


class _AsksCompete(OfflineEngine):
    """Diagnostic only: asks are ranked with the other units (focus applies) instead of first."""

    def _candidates(self, units: Any, speakers: Any) -> list[Candidate]:
        out = super()._candidates(units, speakers)
        for cand in out:
            cand.is_ask = False
        return out


def _scored_text(result: Any) -> str:
    # What a reader sees, minus the layout: TL;DR, bullets, asks (as in bench/quality.py).
    return to_plain(" ".join([result.tldr, *result.bullets, *(a.text for a in result.asks)]))


class _System:
    """Per-query ROUGE rows, output lengths and timings of one system."""

    def __init__(self) -> None:
        self.scores: list[dict[str, float]] = []
        self.tokens: list[int] = []
        self.seconds: list[float] = []
        self.ask_share: list[float] = []

    def add(self, prediction: str, reference: str, seconds: float | None = None) -> None:
        self.scores.append(rouge(prediction, [reference]))
        self.tokens.append(count_tokens(prediction))
        if seconds is not None:
            self.seconds.append(seconds)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            key: round(statistics.fmean(row[key] for row in self.scores), 2) for key in _KEYS
        }
        out["tokens_out"] = round(statistics.fmean(self.tokens), 1)
        if self.seconds:
            out["s_per_call_mean"] = round(statistics.fmean(self.seconds), 3)
            out["s_per_call_max"] = round(max(self.seconds), 3)
        if self.ask_share:
            out["asks_share_of_tokens"] = round(statistics.fmean(self.ask_share), 3)
        return out


def _paired(a: _System, b: _System, key: str = "rouge1", rounds: int = 2000) -> dict[str, float]:
    """Mean per-query difference a − b with a 95% bootstrap interval (seeded, reproducible)."""
    diffs = [x[key] - y[key] for x, y in zip(a.scores, b.scores, strict=True)]
    rng = random.Random(0)
    means = sorted(statistics.fmean(rng.choices(diffs, k=len(diffs))) for _ in range(rounds))
    return {
        "mean": round(statistics.fmean(diffs), 2),
        "ci95": [round(means[int(0.025 * rounds)], 2), round(means[int(0.975 * rounds)], 2)],
        "wins": sum(d > 0 for d in diffs),
        "losses": sum(d < 0 for d in diffs),
    }


def run(eval_dir: Path, limit: int | None, budget: int) -> dict[str, Any]:
    """Score every system on QMSum validation's specific queries; returns the results dict."""
    path = eval_dir / "qmsum" / "val.jsonl"
    meetings = [json.loads(line) for line in path.open()][:limit]
    longest = max(sum(len(t["content"]) for t in m["meeting_transcripts"]) for m in meetings)
    # The default input limit (200k chars) covers QMSum val (134k max); never cut a meeting.
    engine = OfflineEngine(max_input_chars=max(longest * 2, 200_000))
    names = [
        "offline, focus = focus_terms(query)",
        "offline, focus = raw query",
        "offline, no focus",
    ]
    names += [f"TextRank ({n} sentences)" for n in TEXTRANK_NS]
    names += ["diagnostic: focus_terms, asks not kept first"]
    diagnostic = _AsksCompete(max_input_chars=engine.max_input_chars)
    systems = {name: _System() for name in names}
    engine.distill("Warm-up: load the tokenizer before timing anything.")
    ref_tokens, turns, input_tokens = [], [], []
    for meeting in meetings:
        messages = meeting_messages(meeting)
        sentences = dialogue_sentences(messages)
        turns.append(len(messages))
        started = time.process_time()
        blind = engine.distill(messages, ReaderSpec(budget_tokens=budget, max_bullets=MAX_BULLETS))
        blind_seconds = time.process_time() - started
        input_tokens.append(blind.tokens_in)
        ranked = {n: " ".join(textrank(sentences, n)) for n in TEXTRANK_NS}
        for item in meeting["specific_query_list"]:
            query, answer = item["query"], item["answer"]
            ref_tokens.append(count_tokens(answer))
            for name, focus, runner in (
                (names[0], focus_terms(query), engine),
                (names[1], (query,), engine),
                (names[-1], focus_terms(query), diagnostic),
            ):
                spec = ReaderSpec(budget_tokens=budget, max_bullets=MAX_BULLETS, focus=focus)
                started = time.process_time()
                result = runner.distill(messages, spec)
                systems[name].add(_scored_text(result), answer, time.process_time() - started)
                asks = count_tokens(" ".join(a.text for a in result.asks))
                systems[name].ask_share.append(asks / max(1, systems[name].tokens[-1]))
            systems[names[2]].add(_scored_text(blind), answer, blind_seconds)
            for n in TEXTRANK_NS:
                systems[f"TextRank ({n} sentences)"].add(ranked[n], answer)
    # The target is checked against the best TextRank length, the conservative choice.
    best_textrank = max(
        (n for n in names if n.startswith("TextRank")),
        key=lambda n: statistics.fmean(r["rouge1"] for r in systems[n].scores),
    )
    return {
        "dataset": "QMSum validation, specific queries",
        "meetings": len(meetings),
        "queries": len(ref_tokens),
        "budget_tokens": budget,
        "max_bullets": MAX_BULLETS,
        "reference_tokens_mean": round(statistics.fmean(ref_tokens), 1),
        "meeting_turns_mean": round(statistics.fmean(turns), 1),
        "meeting_turns_max": max(turns),
        "meeting_tokens_mean": round(statistics.fmean(input_tokens)),
        "meeting_tokens_max": max(input_tokens),
        "systems": {name: system.summary() for name, system in systems.items()},
        "focus_vs_no_focus_r1": _paired(systems[names[0]], systems[names[2]]),
        "raw_query_vs_no_focus_r1": _paired(systems[names[1]], systems[names[2]]),
        "focus_vs_textrank_r1": _paired(systems[names[0]], systems[best_textrank]),
        "asks_compete_vs_focus_r1": _paired(systems[names[-1]], systems[names[0]]),
        "best_textrank": best_textrank,
    }


def targets(res: dict[str, Any]) -> list[str]:
    """The issue's two targets, each with its margin and whether it is met."""
    sys_ = res["systems"]
    focus = sys_["offline, focus = focus_terms(query)"]["rouge1"]
    textrank_r1 = sys_[res["best_textrank"]]["rouge1"]
    blind = sys_["offline, no focus"]["rouge1"]
    return [
        f"R-1 >= TextRank + 4: {focus:.2f} vs {textrank_r1:.2f} + 4 ({res['best_textrank']}) "
        f"→ {'met' if focus >= textrank_r1 + 4 else 'MISSED'} (margin {focus - textrank_r1:+.2f})",
        f"focus helps >= +1 R-1: {focus:.2f} vs {blind:.2f} no focus "
        f"→ {'met' if focus >= blind + 1 else 'MISSED'} (margin {focus - blind:+.2f})",
    ]


def to_markdown(res: dict[str, Any]) -> str:
    """The side-by-side table, the paired differences and the targets."""
    out = [
        f"**{res['dataset']}** ({res['meetings']} meetings, {res['queries']} queries; "
        f"budget {res['budget_tokens']} tokens; human answers {res['reference_tokens_mean']} "
        f"tokens on average; meetings {res['meeting_turns_mean']} turns / "
        f"{res['meeting_tokens_mean']} tokens on average, up to {res['meeting_tokens_max']})\n",
        "| system | R-1 | R-2 | R-L | tokens out | CPU s/call (mean, max) | asks share |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in res["systems"].items():
        speed = f"{s['s_per_call_mean']}, {s['s_per_call_max']}" if "s_per_call_mean" in s else ""
        out.append(
            f"| {name} | {s['rouge1']:.2f} | {s['rouge2']:.2f} | {s['rougeL']:.2f} "
            f"| {s['tokens_out']} | {speed} | {s.get('asks_share_of_tokens', '')} |"
        )
    out.append("")
    for key, label in (
        ("focus_vs_no_focus_r1", "focus_terms − no focus"),
        ("raw_query_vs_no_focus_r1", "raw query − no focus"),
        ("focus_vs_textrank_r1", f"focus_terms − {res['best_textrank']}"),
        ("asks_compete_vs_focus_r1", "diagnostic (asks compete) − focus_terms"),
    ):
        d = res[key]
        out.append(
            f"- R-1 {label}: {d['mean']:+.2f} (95% CI {d['ci95'][0]:+.2f}..{d['ci95'][1]:+.2f}; "
            f"better on {d['wins']}, worse on {d['losses']} of {res['queries']} queries)"
        )
    out += ["", "Targets:", *(f"- {line}" for line in targets(res)), ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--limit", type=int, default=None, help="first N meetings only")
    parser.add_argument("--budget", type=int, default=DEFAULT_BUDGET)
    args = parser.parse_args(argv)
    if not (args.eval / "qmsum" / "val.jsonl").is_file():
        print(f"skipping the persona benchmark: no QMSum data at {args.eval / 'qmsum'}")
        return 0
    started = time.perf_counter()
    res = run(args.eval, args.limit, args.budget)
    res["seconds_total"] = round(time.perf_counter() - started, 1)
    table = to_markdown(res)
    print(table)
    print(f"({res['seconds_total']} s)")
    if args.limit is None and args.budget == DEFAULT_BUDGET:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "personas.json").write_text(json.dumps(res, indent=2) + "\n")
        (RESULTS / "personas.md").write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
