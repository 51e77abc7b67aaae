"""Output-identity check for engine refactors: dump every distillation of a fixed corpus.

    python -m bench.output_identity --out /tmp/new.jsonl
    python -m bench.output_identity --compare /tmp/old.jsonl /tmp/new.jsonl

Run the dump once in a worktree of the old commit and once in the new tree, then compare: a
speed change to the offline engine must leave every result byte-identical. The corpus is the
test fixtures, `bench.speed.synthetic_message` at 100/500/2,000 tokens over many seeds, threads
built from those messages, and (when ../shared/eval is present) DialogSum and QMSum dialogues,
TruthfulQA ChatGPT answers and Fast-DetectGPT texts. Each input is distilled under several
specs: the default, every built-in persona, budgets 25/60/160, focus/avoid terms, each format.
Eval data is read in place and never written anywhere but the dump.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from audience import BUILTIN_PERSONAS
from distiller import Message, OfflineEngine, ReaderSpec
from distiller.errors import InputError

from .speed import synthetic_message

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "messages"
EVAL = ROOT.parent / "shared" / "eval"


def specs() -> list[tuple[str, ReaderSpec]]:
    """The reader specs every input is distilled under."""
    out: list[tuple[str, ReaderSpec]] = [("default", ReaderSpec())]
    out += [(f"persona:{name}", p.to_spec()) for name, p in sorted(BUILTIN_PERSONAS.items())]
    out += [(f"budget:{b}", ReaderSpec(budget_tokens=b)) for b in (25, 60, 160)]
    out += [
        ("focus", ReaderSpec(focus=("latency", "rollback", "customers"), budget_tokens=60)),
        ("avoid", ReaderSpec(avoid=("storage", "costs"), focus=("deploy",))),
        ("one-liner", ReaderSpec(format="one-liner", budget_tokens=40)),
        ("brief", ReaderSpec(format="brief", keep_identifiers=True, max_bullets=2)),
        ("ids:8", ReaderSpec(keep_identifiers=True, budget_tokens=8, max_bullets=0)),
    ]
    return out


def _eval_inputs(eval_dir: Path, limit: int) -> Iterator[tuple[str, Any]]:
    if not eval_dir.is_dir():
        print(f"note: {eval_dir} not found, eval data skipped", file=sys.stderr)
        return
    for split in ("dev", "test"):
        with (eval_dir / "dialogsum" / f"dialogsum.{split}.jsonl").open() as fh:
            for index, line in enumerate(fh):
                if index >= limit:
                    break
                turns = [
                    t.split(":", 1) for t in json.loads(line)["dialogue"].splitlines() if ":" in t
                ]
                yield (
                    f"dialogsum-{split}-{index}",
                    [Message(user=u.strip(), text=t.strip()) for u, t in turns if t.strip()],
                )
    with (eval_dir / "qmsum" / "val.jsonl").open() as fh:
        for index, line in enumerate(fh):
            turns = json.loads(line)["meeting_transcripts"]
            for start in range(0, min(len(turns), 240), 60):  # threads of 60 turns
                chunk = turns[start : start + 60]
                yield (
                    f"qmsum-{index}-{start}",
                    [Message(user=t["speaker"], text=t["content"]) for t in chunk],
                )
    with (eval_dir / "truthfulqa_chatgpt" / "TruthfulQA_chatgpt.csv").open() as fh:
        for index, row in enumerate(csv.DictReader(fh)):
            if index >= 3 * limit:
                break
            yield f"truthfulqa-{index}", row["chatgpt_answer"]
    for path in sorted((eval_dir / "fast_detectgpt").glob("*.json")):
        data = json.loads(path.read_text())
        for key in ("original", "sampled"):
            for index, text in enumerate(data[key][: limit // 4]):
                yield f"{path.stem}-{key}-{index}", text


def corpus(seeds: int, eval_dir: Path, eval_limit: int) -> Iterator[tuple[str, Any]]:
    """(name, source) pairs: strings, and lists of `Message`s for threads."""
    for path in sorted(FIXTURES.glob("*.txt")):
        yield f"fixture-{path.stem}", path.read_text()
    for size in (100, 500, 2000):
        rng = random.Random(size)
        for seed in range(seeds):
            yield f"synthetic-{size}-{seed}", synthetic_message(size, rng)
    rng = random.Random(1)
    users = ["U01AAA", "U02BBB", "U03CCC"]
    for seed in range(seeds // 2):
        n_users = 1 + seed % 3
        yield (
            f"thread-{seed}",
            [
                Message(user=f"<@{users[i % n_users]}>", text=synthetic_message(100, rng))
                for i in range(2 + seed % 4)
            ],
        )
    yield from _eval_inputs(eval_dir, eval_limit)


def dump(out: Path, seeds: int, eval_dir: Path, eval_limit: int) -> int:
    engine = OfflineEngine()
    all_specs = specs()
    count = 0
    with out.open("w") as fh:
        for name, source in corpus(seeds, eval_dir, eval_limit):
            for spec_name, spec in all_specs:
                try:
                    result = engine.distill(source, spec).model_dump_json()
                except InputError as exc:
                    result = f"InputError: {type(exc).__name__}: {exc}"
                fh.write(json.dumps({"input": name, "spec": spec_name, "result": result}) + "\n")
                count += 1
    print(f"{count} distillations written to {out}")
    return 0


def compare(old: Path, new: Path) -> int:
    a = [json.loads(line) for line in old.open()]
    b = [json.loads(line) for line in new.open()]
    if len(a) != len(b):
        print(f"different corpus sizes: {len(a)} vs {len(b)}")
        return 1
    diffs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    for x, y in diffs[:5]:
        print(f"DIFF {x['input']} / {x['spec']}:\n  old {x['result']}\n  new {y['result']}")
    print(f"{len(a)} distillations compared, {len(diffs)} differ")
    return 1 if diffs else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="dump or compare offline-engine outputs")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("OLD", "NEW"))
    parser.add_argument("--seeds", type=int, default=40, help="synthetic messages per size")
    parser.add_argument("--eval", type=Path, default=EVAL, help="the shared eval folder")
    parser.add_argument("--eval-limit", type=int, default=60, help="items per eval file")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if not args.out:
        parser.error("give --out PATH or --compare OLD NEW")
    return dump(args.out, args.seeds, args.eval, args.eval_limit)


if __name__ == "__main__":
    sys.exit(main())
