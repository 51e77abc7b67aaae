"""Memory benchmark: filtered search (pre-filter vs post-filter), durable writes, ingest, pgvector.

    .venv/bin/python bench/bench_memory.py --sizes 100000,1000000

Synthetic unit vectors for scale (the caller's team owns 1% of the records), real MiniLM on
real-looking texts for ingest. Writes bench/results/memory.json and memory.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from distiller.embed import HashingEmbedder, MiniLMEmbedder  # noqa: E402
from memory import FaissStore, PgVectorStore, Principal, Source, Visibility  # noqa: E402
from memory.consolidate import ConsolidationPolicy, WritePlan  # noqa: E402
from memory.faiss_store import DB_NAME  # noqa: E402
from memory.record import Record  # noqa: E402

DIM = 384
K = 10
POST_FILTER_DEPTH = 2000
QUERIES = 200
CALLER = Principal(workspace="W", teams=frozenset({"caller"}), guest=True)


def _vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    out = rng.standard_normal((n, DIM), dtype=np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def _team(i: int) -> str:
    return "caller" if i % 100 == 0 else f"t{i % 97}"


def _body(i: int) -> str:
    return Record(
        id=f"r{i}",
        text=f"synthetic statement {i}",
        source=Source(workspace="W", channel_id="C1", ts=f"{1717000000 + i}.000000"),
        visibility=Visibility.team(_team(i)),
    ).model_dump_json()


def build_faiss_dir(path: Path, vectors: np.ndarray) -> None:
    """The SQLite file FaissStore would have written, via executemany (no embedding)."""
    path.mkdir(parents=True)
    FaissStore(path, HashingEmbedder()).close()  # creates the schema
    db = sqlite3.connect(path / DB_NAME)
    db.execute("PRAGMA synchronous=OFF")
    for start in range(0, len(vectors), 50_000):
        rows = [
            (i + 1, f"r{i}", f"team:{_team(i)}", "team", "W", "fact", 1717000000.0 + i, None,
             None, _body(i), vectors[i].tobytes())
            for i in range(start, min(start + 50_000, len(vectors)))
        ]  # fmt: skip
        db.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.commit()
    db.execute("UPDATE meta SET value = 1 WHERE key = 'generation'")
    db.commit()
    db.close()


def _pct(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50) * 1e3), float(np.percentile(values, 95) * 1e3)


def _recall(found: list[list[int]], truth: list[np.ndarray]) -> float:
    return float(
        np.mean([len(set(f) & set(t.tolist())) / K for f, t in zip(found, truth, strict=True)])
    )


def bench_faiss(n: int, rng: np.random.Generator) -> dict:
    vectors = _vectors(rng, n)
    owned = np.array([i for i in range(n) if i % 100 == 0])
    queries = _vectors(rng, QUERIES)
    truth = [owned[np.argsort(-(vectors[owned] @ q))[:K]] + 1 for q in queries]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "mem"
        started = time.perf_counter()
        build_faiss_dir(data, vectors)
        del vectors
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        store = FaissStore(data, HashingEmbedder(), policy=ConsolidationPolicy(enabled=False))
        open_s = time.perf_counter() - started
        readable = CALLER.readable()
        pre_t, pre_found = [], []
        for q in queries:
            t = time.perf_counter()
            hits = store._search(q, readable, K, False)
            pre_t.append(time.perf_counter() - t)
            pre_found.append([int(h[0].id[1:]) + 1 for h in hits])
        index = store._index._index
        owned_ids = set((owned + 1).tolist())
        post_t, post_found = [], []
        for q in queries:
            t = time.perf_counter()
            _, ids = index.search(q.reshape(1, -1), POST_FILTER_DEPTH)
            kept = [int(i) for i in ids[0] if int(i) in owned_ids][:K]
            post_t.append(time.perf_counter() - t)
            post_found.append(kept)
        write_t = []
        for i in range(100):
            record = Record(
                text=f"durable write {i}",
                source=Source(workspace="W", channel_id="C1", ts=f"{1800000000 + i}.000000"),
                visibility=Visibility.team("caller"),
            )
            plan = WritePlan(result=record, action="inserted", inserts=((record, queries[i]),))
            t = time.perf_counter()
            store._apply(plan)
            write_t.append(time.perf_counter() - t)
        assert store.index_count() == store.stats().total
        store.close()
    pre50, pre95 = _pct(pre_t)
    post50, post95 = _pct(post_t)
    w50, w95 = _pct(write_t)
    return {
        "records": n, "owned": len(owned), "build_s": round(build_s, 1),
        "open_rebuild_s": round(open_s, 1),
        "prefilter": {"p50_ms": pre50, "p95_ms": pre95, "recall_at_10": _recall(pre_found, truth)},
        "postfilter_2k": {"p50_ms": post50, "p95_ms": post95,
                          "recall_at_10": _recall(post_found, truth)},
        "durable_write": {"p50_ms": w50, "p95_ms": w95},
    }  # fmt: skip


def bench_ingest(count: int) -> dict:
    embedder = MiniLMEmbedder()
    embedder.embed(["warm up the model"])
    topics = ["deploy", "kafka lag", "billing owner", "checkout latency", "feature flag"]
    drafts_text = [
        f"{topics[i % 5]} update {i}: the {topics[(i * 7) % 5]} change ships after review #{i}"
        for i in range(count)
    ]
    from memory import Draft

    with tempfile.TemporaryDirectory() as tmp, FaissStore(Path(tmp), embedder) as store:
        drafts = [
            Draft(
                text=text,
                source=Source(workspace="W", channel_id="C1", ts=f"{1717000000 + i}.0"),
                visibility=Visibility.team("caller"),
            )
            for i, text in enumerate(drafts_text)
        ]
        started = time.perf_counter()
        for start in range(0, count, 64):
            store.add_many(drafts[start : start + 64])
        elapsed = time.perf_counter() - started
    return {"records": count, "seconds": round(elapsed, 2), "records_per_s": count / elapsed}


def bench_pgvector(n: int, rng: np.random.Generator) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    vectors = _vectors(rng, n)
    owned = np.array([i for i in range(n) if i % 100 == 0])
    queries = _vectors(rng, QUERIES)
    truth = [owned[np.argsort(-(vectors[owned] @ q))[:K]] + 1 for q in queries]
    with tempfile.TemporaryDirectory() as tmp:
        server = pgserver.get_server(Path(tmp) / "pg", cleanup_mode="delete")
        try:
            store = PgVectorStore(server.get_uri(), HashingEmbedder(), schema="bench",
                                  ann_index="none")  # fmt: skip
            started = time.perf_counter()
            with (
                store._conn.cursor() as cur,
                cur.copy(
                    "COPY bench.records (rid, id, visibility, scope, workspace, kind, valid_from,"
                    " body, embedding) FROM STDIN"
                ) as copy,
            ):
                for i in range(n):
                    literal = "[" + ",".join(f"{x:.6g}" for x in vectors[i]) + "]"
                    copy.write_row((i + 1, f"r{i}", f"team:{_team(i)}", "team", "W", "fact",
                                    1717000000.0 + i, _body(i), literal))  # fmt: skip
            store._conn.execute("ANALYZE bench.records")
            load_s = time.perf_counter() - started
            readable = CALLER.readable()
            times, found = [], []
            for q in queries:
                t = time.perf_counter()
                hits = store._search(q, readable, K, False)
                times.append(time.perf_counter() - t)
                found.append([int(h[0].id[1:]) + 1 for h in hits])
            store.close()
        finally:
            server.cleanup()
    p50, p95 = _pct(times)
    return {
        "records": n,
        "load_s": round(load_s, 1),
        "vector_type": "halfvec",
        "ann_index": "none (exact after SQL filter)",
        "prefilter": {"p50_ms": p50, "p95_ms": p95, "recall_at_10": _recall(found, truth)},
    }


def markdown(result: dict) -> str:
    lines = [
        f"Machine: {result['machine']}  ",
        f"Command: `{result['command']}`",
        "",
        "| backend | records | approach | p50 ms | p95 ms | recall@10 |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["faiss"]:
        for name, label in (("prefilter", "pre-filter (SQL ids -> faiss)"),
                            ("postfilter_2k", "post-filter (top 2k, then filter)")):  # fmt: skip
            m = row[name]
            lines.append(f"| faiss | {row['records']:,} | {label} | {m['p50_ms']:.2f} | "
                         f"{m['p95_ms']:.2f} | {m['recall_at_10']:.3f} |")  # fmt: skip
    if result.get("pgvector"):
        row = result["pgvector"]
        m = row["prefilter"]
        lines.append(
            f"| pgvector | {row['records']:,} | pre-filter (WHERE, exact) | "
            f"{m['p50_ms']:.2f} | {m['p95_ms']:.2f} | {m['recall_at_10']:.3f} |"
        )
    lines += [
        "",
        "| records | durable write p50 ms | p95 ms | open (rebuild) s |",
        "|---|---|---|---|",
    ]
    for row in result["faiss"]:
        w = row["durable_write"]
        lines.append(f"| {row['records']:,} | {w['p50_ms']:.2f} | {w['p95_ms']:.2f} | "
                     f"{row['open_rebuild_s']} |")  # fmt: skip
    if result.get("ingest"):
        i = result["ingest"]
        lines += ["", f"Ingest with MiniLM, batched 64: {i['records_per_s']:.0f} records/s "
                  f"({i['records']} records in {i['seconds']} s)"]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--pg-size", type=int, default=100_000)
    parser.add_argument("--ingest", type=int, default=512)
    args = parser.parse_args()
    rng = np.random.default_rng(5)
    result: dict = {
        "command": "python bench/bench_memory.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "faiss": [],
    }
    for size in (int(s) for s in args.sizes.split(",") if s):
        print(f"faiss {size:,} ...", flush=True)
        result["faiss"].append(bench_faiss(size, rng))
    if args.pg_size:
        print(f"pgvector {args.pg_size:,} ...", flush=True)
        result["pgvector"] = bench_pgvector(args.pg_size, rng)
    if args.ingest:
        print("ingest ...", flush=True)
        result["ingest"] = bench_ingest(args.ingest)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "memory.json").write_text(json.dumps(result, indent=2))
    table = markdown(result)
    (out / "memory.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
