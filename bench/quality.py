"""Quality benchmark on data written by others (../shared/eval), baselines side by side.

    python -m bench.quality --eval ../shared/eval [--split test|dev] [--limit N]

- DialogSum: the dialogue as messages; ROUGE-1/2/L (mean over the references) of the offline
  engine vs Lead-3 and LexRank on the same sentence splitter.
- TruthfulQA: the ChatGPT answer distilled to ~25 tokens vs the human Best Answer; ROUGE-L vs
  the answer's first sentence (Lead-1); mean output/input token ratio.
Writes bench/results/quality.json and quality.md; exits 0 with a message when the data is absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rouge_score import rouge_scorer

from distiller import OfflineEngine, ReaderSpec, count_tokens, split_sentences, to_plain

from .baselines import lead, lexrank

RESULTS = Path(__file__).parent / "results"
_TURN_RE = re.compile(r"^(#[^#]+#):\s*(.*)$")
SCORER = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)


def dialogue_messages(dialogue: str) -> list[dict[str, str]]:
    """'#Person1#: Hi.' lines → [{'user': '#Person1#', 'text': 'Hi.'}]."""
    out = []
    for line in dialogue.splitlines():
        match = _TURN_RE.match(line.strip())
        if match:
            out.append({"user": match.group(1), "text": match.group(2)})
        elif line.strip() and out:
            out[-1]["text"] += " " + line.strip()
    return out


def dialogue_sentences(messages: Iterable[dict[str, str]]) -> list[str]:
    """Every sentence, prefixed with its speaker, as the baselines see the dialogue."""
    return [f"{m['user']}: {s}" for m in messages for s in split_sentences(m["text"])]


def rouge(prediction: str, references: list[str]) -> dict[str, float]:
    """Mean over references of ROUGE-1/2/L F-measure (x100)."""
    per_ref = [SCORER.score(ref, prediction) for ref in references]
    return {
        key: 100 * statistics.fmean(s[key].fmeasure for s in per_ref)
        for key in ("rouge1", "rouge2", "rougeL")
    }


def _mean_scores(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.fmean(r[key] for r in rows), 2) for key in rows[0]}


def run_dialogsum(eval_dir: Path, split: str, limit: int | None) -> dict[str, Any]:
    """Score the engine, Lead-3 and LexRank on DialogSum `split`."""
    path = eval_dir / "dialogsum" / f"dialogsum.{split}.jsonl"
    items = [json.loads(line) for line in path.open()][:limit]
    engine = OfflineEngine()
    systems: dict[str, Callable[[list[dict[str, str]]], str]] = {
        "offline engine": lambda msgs: to_plain(_summary_text(engine.distill(msgs))),
        "Lead-3": lambda msgs: " ".join(lead(dialogue_sentences(msgs), 3)),
        "LexRank (3 sentences)": lambda msgs: " ".join(lexrank(dialogue_sentences(msgs), 3)),
    }
    scores: dict[str, list[dict[str, float]]] = {name: [] for name in systems}
    lengths: dict[str, list[int]] = {name: [] for name in systems}
    for item in items:
        refs = [item[k] for k in ("summary1", "summary2", "summary3", "summary") if k in item]
        messages = dialogue_messages(item["dialogue"])
        for name, system in systems.items():
            prediction = system(messages)
            scores[name].append(rouge(prediction, refs))
            lengths[name].append(count_tokens(prediction))
    return {
        "dataset": f"DialogSum {split}",
        "items": len(items),
        "systems": {
            name: {**_mean_scores(rows), "tokens_out": round(statistics.fmean(lengths[name]), 1)}
            for name, rows in scores.items()
        },
    }


def _summary_text(result: Any) -> str:
    # The text scored is what a reader sees, minus the layout: TL;DR, bullets, asks.
    return " ".join([result.tldr, *result.bullets, *(a.text for a in result.asks)])


def run_truthfulqa(eval_dir: Path, limit: int | None, budget: int = 25) -> dict[str, Any]:
    """Distill ChatGPT answers to `budget` tokens; score against the human Best Answer."""
    path = eval_dir / "truthfulqa_chatgpt" / "TruthfulQA_chatgpt.csv"
    with path.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["chatgpt_answer"].strip()][:limit]
    engine = OfflineEngine()
    spec = ReaderSpec(budget_tokens=budget, max_bullets=2)
    engine_rows, lead_rows, ratios = [], [], []
    for row in rows:
        answer, best = row["chatgpt_answer"], row["Best Answer"]
        result = engine.distill(answer, spec)
        prediction = to_plain(_summary_text(result))
        engine_rows.append(rouge(prediction, [best]))
        first = (split_sentences(answer) or [answer])[0]
        lead_rows.append(rouge(first, [best]))
        ratios.append(result.tokens_out / max(result.tokens_in, 1))
    return {
        "dataset": "TruthfulQA ChatGPT answers → Best Answer",
        "items": len(rows),
        "budget_tokens": budget,
        "systems": {
            "offline engine": {
                **_mean_scores(engine_rows),
                "out/in tokens": round(statistics.fmean(ratios), 3),
            },
            "Lead-1": _mean_scores(lead_rows),
        },
    }


def to_markdown(results: list[dict[str, Any]]) -> str:
    """One table per dataset: system, ROUGE-1/2/L and the length columns."""
    out = []
    for res in results:
        out.append(f"**{res['dataset']}** ({res['items']} items)\n")
        extra = sorted(
            {k for s in res["systems"].values() for k in s} - {"rouge1", "rouge2", "rougeL"}
        )
        out.append("| system | R-1 | R-2 | R-L | " + " | ".join(extra) + " |")
        out.append("|---" * (4 + len(extra)) + "|")
        for name, s in res["systems"].items():
            cells = [f"{s['rouge1']:.2f}", f"{s['rouge2']:.2f}", f"{s['rougeL']:.2f}"]
            cells += [str(s.get(k, "")) for k in extra]
            out.append(f"| {name} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--eval", type=Path, default=Path(__file__).parents[1] / ".." / "shared" / "eval"
    )
    parser.add_argument("--split", choices=["test", "dev"], default="test")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    if not (args.eval / "dialogsum").is_dir():
        print(
            f"skipping the quality benchmark: no eval data at {args.eval} (see README, Benchmarks)"
        )
        return 0
    started = time.perf_counter()
    results = [
        run_dialogsum(args.eval, args.split, args.limit),
        run_truthfulqa(args.eval, args.limit),
    ]
    table = to_markdown(results)
    print(table)
    print(f"({time.perf_counter() - started:.1f} s)")
    if args.limit is None and args.split == "test":
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "quality.json").write_text(json.dumps(results, indent=2) + "\n")
        (RESULTS / "quality.md").write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
