"""Detection benchmark: quality on ../shared/eval next to simple baselines, and speed.

    python bench/bench_detect.py                 # quality + text-only speed (~1 min)
    python bench/bench_detect.py --embeddings    # also MiniLM features (slow: ~5 min on 2 cores)

Every detector number is on texts the model did not see in fitting:
- 5-fold cross-validation over all texts (both sides of a pair in the same fold), the shipped
  recipe refitted per fold: TruthfulQA AUROC on held-out questions, and the human false-positive
  rate at the threshold each fold's recipe picks (as DEFAULT_THRESHOLD was picked on all data).
- fast_detectgpt, leave one domain out: fitted on TruthfulQA plus the two other domains; AUROC
  and the false-positive rate on a genre the model never saw.
Baselines are computed here, on the same texts: word count, average word length.
Writes bench/results/detect.json and bench/results/detect.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fit_detector as fd

from distiller.detect import DEFAULT_THRESHOLD, detect, detect_many
from distiller.detect.detection import agent_logits

RESULTS = fd.REPO / "bench" / "results"
FOLDS = 5
TARGET_TQA = 0.99
TARGET_LODO = 0.90
TARGET_FPR = 0.02
TARGET_RATE = 2000
PUBLISHED_WORD_COUNT_TQA = 0.967


def auroc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    labels = np.asarray(labels)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = np.asarray(scores)[order]
    i = 0
    while i < len(sorted_scores):
        j = i
        while j + 1 < len(sorted_scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = labels == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _fit_predict(train: list[fd.Sample], test: list[fd.Sample]) -> tuple[np.ndarray, float]:
    """Fit the shipped recipe on `train`; logits on `test` and the recipe's threshold."""
    _, model = fd.fit(train)
    return agent_logits([s.text for s in test], model), model.threshold


def _threshold_logit(threshold: float) -> float:
    return float(np.log(threshold / (1 - threshold)))


def _word_count(text: str) -> float:
    return float(len(text.split()))


def _avg_word_length(text: str) -> float:
    words = text.split()
    return sum(len(w) for w in words) / len(words) if words else 0.0


def cross_validated(samples: list[fd.Sample]) -> dict[str, Any]:
    """5-fold cross-validation over all texts, pairs kept together, the shipped recipe per fold.

    Gives the TruthfulQA AUROC on held-out questions, and the human false-positive rate at each
    fold's own threshold: the in-distribution estimate for the default threshold.
    """
    groups = sorted({s.group for s in samples})
    rng = np.random.default_rng(fd.SEED)
    fold_of = dict(zip(groups, rng.permutation(len(groups)) % FOLDS, strict=True))
    logits = np.zeros(len(samples))
    over = np.zeros(len(samples), dtype=bool)
    for fold in range(FOLDS):
        held = [i for i, s in enumerate(samples) if fold_of[s.group] == fold]
        train = [s for s in samples if fold_of[s.group] != fold]
        fold_logits, threshold = _fit_predict(train, [samples[i] for i in held])
        logits[held] = fold_logits
        over[held] = fold_logits >= _threshold_logit(threshold)
    labels = np.array([s.label for s in samples])
    corpora = np.array([s.corpus for s in samples])
    tqa = corpora == "truthfulqa"
    per_corpus = {}
    for corpus in ("truthfulqa", *fd.FDG_DOMAINS):
        in_corpus = corpora == corpus
        per_corpus[corpus] = {
            "human_fpr": float(over[in_corpus & (labels == 0)].mean()),
            "agent_recall": float(over[in_corpus & (labels == 1)].mean()),
        }
    return {
        "truthfulqa_auroc": auroc(labels[tqa], logits[tqa]),
        "truthfulqa_word_count_auroc": auroc(
            labels[tqa], np.array([_word_count(s.text) for s in samples])[tqa]
        ),
        "human_fpr": float(over[labels == 0].mean()),
        "agent_recall": float(over[labels == 1].mean()),
        "per_corpus": per_corpus,
        "humans": int((labels == 0).sum()),
        "agents": int((labels == 1).sum()),
    }


def leave_one_domain_out(samples: list[fd.Sample]) -> dict[str, dict[str, Any]]:
    """Per fast_detectgpt domain: fit on the rest, AUROC and FPR on the held-out domain."""
    out = {}
    for domain in fd.FDG_DOMAINS:
        test = [s for s in samples if s.corpus == domain]
        train = [s for s in samples if s.corpus != domain]
        logits, threshold = _fit_predict(train, test)
        labels = np.array([s.label for s in test])
        over = logits >= _threshold_logit(threshold)
        out[domain] = {
            "detector_auroc": auroc(labels, logits),
            "avg_word_length_auroc": auroc(
                labels, np.array([_avg_word_length(s.text) for s in test])
            ),
            "human_fpr": float(over[labels == 0].mean()),
            "agent_recall": float(over[labels == 1].mean()),
            "humans": int((labels == 0).sum()),
            "agents": int((labels == 1).sum()),
        }
    return out


def shipped_in_sample(samples: list[fd.Sample]) -> dict[str, Any]:
    """The shipped model at DEFAULT_THRESHOLD on all texts (in-sample: it was fitted on them)."""
    logits = agent_logits([s.text for s in samples])
    labels = np.array([s.label for s in samples])
    over = logits >= _threshold_logit(DEFAULT_THRESHOLD)
    return {
        "threshold": DEFAULT_THRESHOLD,
        "human_fpr": float(over[labels == 0].mean()),
        "agent_recall": float(over[labels == 1].mean()),
    }


def _rate(texts: list[str], repeats: int = 3) -> tuple[float, float]:
    """Best-of-`repeats` messages per wall-clock second and per CPU second of this process.

    CPU time is the steadier number on a shared machine: other jobs stretch the wall clock.
    """
    wall = cpu = float("inf")
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        detect_many(texts)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return len(texts) / wall, len(texts) / cpu


def _chunk_rate(texts: list[str]) -> int:
    detect_many(texts)
    return len(texts)


def speed(texts: list[str]) -> dict[str, Any]:
    """Messages/s: batched in one process, batched over 2 processes, and one by one."""
    workers = 2
    detect_many(texts[:50])  # load the model and tokenizer outside the timing
    single_n = min(len(texts), 500)
    start = time.perf_counter()
    for text in texts[:single_n]:
        detect(text)
    single = single_n / (time.perf_counter() - start)
    chunks = [texts[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_chunk_rate, [c[:20] for c in chunks]))  # warm the workers
        start = time.perf_counter()
        done = sum(pool.map(_chunk_rate, chunks))
        parallel = done / (time.perf_counter() - start)
    wall, cpu = _rate(texts)
    return {
        "messages": len(texts),
        "mean_chars": float(np.mean([len(t) for t in texts])),
        "batched_one_process_per_s": wall,
        "batched_one_process_per_cpu_s": cpu,
        "batched_2_processes_per_s": parallel,
        "one_by_one_per_s": single,
        "cpus": os.cpu_count(),
        "load_average_1m": os.getloadavg()[0],
    }


def embeddings_eval(samples: list[fd.Sample]) -> dict[str, Any]:
    """Does MiniLM pay for itself? The shipped recipe with and without the sentence embedding.

    Same held-out domains as above; the 384-d embedding is appended to the recipe's design
    (standardised style features and their length-regime terms). Also the cost per message.
    """
    from sklearn.linear_model import LogisticRegression

    from distiller.embed import MiniLMEmbedder

    texts = [s.text for s in samples]
    embedder = MiniLMEmbedder()
    embedder.embed(texts[:8])
    start = time.perf_counter()
    vectors = embedder.embed(texts)
    per_message_ms = 1000 * (time.perf_counter() - start) / len(texts)
    x, words = fd.featurise(texts)
    labels = np.array([s.label for s in samples])
    corpora = np.array([s.corpus for s in samples])

    def held_out(train: np.ndarray, test: np.ndarray, with_embedding: bool) -> float:
        mean, std = x[train].mean(axis=0), x[train].std(axis=0)
        std[std < 1e-12] = 1.0
        design = fd._design(np.clip((x - mean) / std, -fd.CLIP, fd.CLIP), words)
        if with_embedding:
            design = np.hstack([design, vectors])
        model = LogisticRegression(C=fd.C, max_iter=5000).fit(design[train], labels[train])
        return auroc(labels[test], model.decision_function(design[test]))

    result: dict[str, Any] = {"per_message_ms": per_message_ms}
    for domain in fd.FDG_DOMAINS:
        train, test = corpora != domain, corpora == domain
        result[domain] = {
            "style_only": held_out(train, test, False),
            "style_plus_minilm": held_out(train, test, True),
        }
    return result


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def _ok(met: bool) -> str:
    return "yes" if met else "**no**"


def markdown(report: dict[str, Any]) -> str:
    """The side-by-side table."""
    cv, lodo, spd = report["cv"], report["lodo"], report["speed"]
    rows = [
        "| measure | detector | baseline | target | met |",
        "|---|---|---|---|---|",
        f"| TruthfulQA AUROC, held-out questions (5-fold CV) | {_fmt(cv['truthfulqa_auroc'])} | "
        f"word count {_fmt(cv['truthfulqa_word_count_auroc'])} (published "
        f"{PUBLISHED_WORD_COUNT_TQA}) | >= {TARGET_TQA} | "
        f"{_ok(cv['truthfulqa_auroc'] >= TARGET_TQA)} |",
    ]
    for domain, r in lodo.items():
        rows.append(
            f"| fast_detectgpt {domain} AUROC, domain held out | {_fmt(r['detector_auroc'])} "
            f"| avg word length {_fmt(r['avg_word_length_auroc'])} | >= {TARGET_LODO} | "
            f"{_ok(r['detector_auroc'] >= TARGET_LODO)} |"
        )
    rows.append(
        f"| human FPR at the fitted threshold, held-out texts (5-fold CV; agent recall "
        f"{cv['agent_recall']:.0%}) | {cv['human_fpr']:.1%} | | <= {TARGET_FPR:.0%} | "
        f"{_ok(cv['human_fpr'] <= TARGET_FPR)} |"
    )
    for corpus, r in cv["per_corpus"].items():
        rows.append(
            f"| … of which {corpus} (recall {r['agent_recall']:.0%}) | {r['human_fpr']:.1%} "
            f"| | <= {TARGET_FPR:.0%} | {_ok(r['human_fpr'] <= TARGET_FPR)} |"
        )
    for domain, r in lodo.items():
        rows.append(
            f"| human FPR on an unseen genre: {domain} held out (recall "
            f"{r['agent_recall']:.0%}) | {r['human_fpr']:.1%} | | <= {TARGET_FPR:.0%} | "
            f"{_ok(r['human_fpr'] <= TARGET_FPR)} |"
        )
    ship = report["shipped"]
    rows.append(
        f"| human FPR, shipped model at DEFAULT_THRESHOLD {ship['threshold']} (in-sample; "
        f"recall {ship['agent_recall']:.0%}) | {ship['human_fpr']:.1%} | | <= {TARGET_FPR:.0%} | "
        f"{_ok(ship['human_fpr'] <= TARGET_FPR)} |"
    )
    one = spd["batched_one_process_per_s"]
    two = spd["batched_2_processes_per_s"]
    rows += [
        f"| speed, text-only `detect_many`, 1 process (msgs/s) | {one:,.0f} | | "
        f">= {TARGET_RATE:,} | {_ok(one >= TARGET_RATE)} |",
        f"| speed, text-only `detect_many`, per CPU-second of one process | "
        f"{spd['batched_one_process_per_cpu_s']:,.0f} | | | |",
        f"| speed, text-only `detect_many`, 2 processes (msgs/s) | {two:,.0f} | | "
        f">= {TARGET_RATE:,} | {_ok(two >= TARGET_RATE)} |",
        f"| speed, one `detect()` call at a time (msgs/s) | {spd['one_by_one_per_s']:,.0f} | | | |",
    ]
    emb = report.get("embeddings")
    if emb:
        for domain in fd.FDG_DOMAINS:
            rows.append(
                f"| MiniLM check, {domain} held out: shipped recipe / + MiniLM AUROC | "
                f"{_fmt(emb[domain]['style_only'])} / {_fmt(emb[domain]['style_plus_minilm'])} "
                "| | must gain to ship | |"
            )
        rows.append(
            f"| MiniLM embedding cost per message (ms) | {emb['per_message_ms']:.1f} | | | |"
        )
    else:
        rows.append("| MiniLM check | not run (pass --embeddings) | | | |")
    notes = (
        f"\nSpeed corpus: the {spd['messages']:,} evaluation texts (mean {spd['mean_chars']:.0f} "
        f"characters), {spd['cpus']} CPUs, 1-minute load average {spd['load_average_1m']:.1f} "
        "at the start (other jobs share this machine; best of 3 runs).\n"
    )
    return "\n".join(rows) + "\n" + notes


def main(argv: list[str] | None = None) -> int:
    """Run everything, print the table, write the results; exit 2 if the data is absent."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embeddings", action="store_true", help="also evaluate MiniLM")
    parser.add_argument("--eval-dir", type=Path, default=fd.EVAL_DIR)
    args = parser.parse_args(argv)
    if not fd.data_present(args.eval_dir):
        print(fd.SKIP_MESSAGE.format(path=args.eval_dir.resolve()), file=sys.stderr)
        return 2
    samples = fd.load_samples(args.eval_dir)
    report: dict[str, Any] = {
        "samples": len(samples),
        "python": platform.python_version(),
        "cv": cross_validated(samples),
        "lodo": leave_one_domain_out(samples),
        "shipped": shipped_in_sample(samples),
        "speed": speed([s.text for s in samples]),
    }
    if args.embeddings:
        report["embeddings"] = embeddings_eval(samples)
    table = markdown(report)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "detect.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    header = "# Detection benchmark\n\nCommand: `python bench/bench_detect.py"
    header += " --embeddings`\n\n" if args.embeddings else "`\n\n"
    (RESULTS / "detect.md").write_text(header + table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
