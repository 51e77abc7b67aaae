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

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from distiller.embed import Embedder, HashingEmbedder, MiniLMEmbedder  # noqa: E402
from memory import Draft, FaissStore, PgVectorStore, Principal, Source, Visibility  # noqa: E402
from memory.faiss_store import DB_NAME  # noqa: E402
from memory.ivf import DEFAULT_IVF_THRESHOLD  # noqa: E402
from memory.partitions import PartitionedIndex, PartitionKey  # noqa: E402
from memory.record import Record  # noqa: E402

DIM = 384
K = 10
POST_FILTER_DEPTH = 2000
QUERIES = 200
WRITES = 200
WRITE_BATCH = 64
CALLER = Principal(workspace="W", teams=frozenset({"caller"}), guest=True)
# A wide reader: the caller's team plus 48 of the 97 other teams, about half of the records.
WIDE = Principal(
    workspace="W", teams=frozenset({"caller", *(f"t{i}" for i in range(48))}), guest=True
)


class FixedEmbedder(Embedder):
    """Hands out precomputed vectors by text, so write timings exclude embedding."""

    dimension = DIM
    name = "fixed"

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    def embed_batch(self, texts):
        return np.stack([self.vectors[text] for text in texts])


def _vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    out = rng.standard_normal((n, DIM), dtype=np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def _load() -> float:
    return round(os.getloadavg()[0], 2)


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


def _truth(vectors: np.ndarray, subset: np.ndarray, queries: np.ndarray) -> list[np.ndarray]:
    """Exact top-K ids (row + 1) among `subset` rows for each query, by brute force."""
    best_ids = np.empty((len(queries), 0), dtype=np.int64)
    best_scores = np.empty((len(queries), 0), dtype=np.float32)
    for start in range(0, len(subset), 100_000):
        rows = subset[start : start + 100_000]
        scores = np.concatenate([best_scores, queries @ vectors[rows].T], axis=1)
        ids = np.concatenate([best_ids, np.broadcast_to(rows, (len(queries), len(rows)))], axis=1)
        top = np.argsort(-scores, axis=1)[:, :K]
        best_scores = np.take_along_axis(scores, top, axis=1)
        best_ids = np.take_along_axis(ids, top, axis=1)
    return [row + 1 for row in best_ids]


def _pct(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50) * 1e3), float(np.percentile(values, 95) * 1e3)


def _recall(found: list[list[int]], truth: list[np.ndarray]) -> float:
    return float(
        np.mean([len(set(f) & set(t.tolist())) / K for f, t in zip(found, truth, strict=True)])
    )


def _owned(n: int, principal: Principal) -> np.ndarray:
    teams = principal.teams
    return np.array([i for i in range(n) if _team(i) in teams])


def _search_timings(store: FaissStore, principal: Principal, queries: np.ndarray) -> tuple:
    readable = principal.readable()
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        hits = store._search(q, readable, K, False)
        times.append(time.perf_counter() - t)
        found.append([int(h[0].id[1:]) + 1 for h in hits])
    return times, found


def _write_timings(store: FaissStore, vectors: dict[str, np.ndarray], tag: str) -> dict:
    """The public write path minus embedding: redaction, the consolidation lookup among the
    caller's team (1% of the records), and the durable transaction."""
    texts = list(vectors)
    drafts = [
        Draft(
            text=text,
            source=Source(workspace="W", channel_id="C1", ts=f"{1800000000 + i}.000000"),
            visibility=Visibility.team("caller"),
        )
        for i, text in enumerate(texts)
    ]
    single = []
    for draft in drafts[:WRITES]:
        t = time.perf_counter()
        store.add_many([draft])
        single.append(time.perf_counter() - t)
    batched = []
    for start in range(WRITES, len(drafts), WRITE_BATCH):
        chunk = drafts[start : start + WRITE_BATCH]
        t = time.perf_counter()
        store.add_many(chunk)
        batched.append((time.perf_counter() - t) / len(chunk))
    p50, p95 = _pct(single)
    b50, b95 = _pct(batched)
    return {"single_p50_ms": p50, "single_p95_ms": p95, "batch": WRITE_BATCH,
            "batched_per_record_p50_ms": b50, "batched_per_record_p95_ms": b95}  # fmt: skip


def _write_vectors(rng: np.random.Generator, tag: str) -> dict[str, np.ndarray]:
    count = WRITES + 4 * WRITE_BATCH
    return dict(zip((f"{tag} write {i}" for i in range(count)), _vectors(rng, count), strict=True))


def bench_faiss(n: int, rng: np.random.Generator) -> dict:
    vectors = _vectors(rng, n)
    owned = _owned(n, CALLER)
    wide = _owned(n, WIDE)
    queries = _vectors(rng, QUERIES)
    truth = _truth(vectors, owned, queries)
    wide_truth = _truth(vectors, wide, queries)
    # The post-filter baseline ranks globally with a plain faiss index, then filters.
    flat = faiss.IndexFlatIP(DIM)
    flat.add(vectors)
    writes = {"FULL": _write_vectors(rng, "full"), "NORMAL": _write_vectors(rng, "normal")}
    embedder = FixedEmbedder({text: v for batch in writes.values() for text, v in batch.items()})
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "mem"
        started = time.perf_counter()
        build_faiss_dir(data, vectors)
        del vectors
        build_s = time.perf_counter() - started
        load = _load()
        started = time.perf_counter()
        store = FaissStore(data, embedder)
        open_s = time.perf_counter() - started
        pre_t, pre_found = _search_timings(store, CALLER, queries)
        wide_paths = {}
        ivf = store._index.ivf
        for mode in ("exact", "ivf"):
            if mode == "ivf" and ivf is None:
                continue
            # The bench's switch between the two wide-reader paths (the store picks by itself).
            store._index.ivf = ivf if mode == "ivf" else None
            store._index.ivf_min_rows = 1
            times, found = _search_timings(store, WIDE, queries)
            p50, p95 = _pct(times)
            wide_paths[mode] = {"p50_ms": p50, "p95_ms": p95,
                                "recall_at_10": _recall(found, wide_truth)}  # fmt: skip
        store._index.ivf = ivf
        owned_ids = set((owned + 1).tolist())
        post_t, post_found = [], []
        for q in queries:
            t = time.perf_counter()
            _, ids = flat.search(q.reshape(1, -1), POST_FILTER_DEPTH)
            kept = [int(i) + 1 for i in ids[0] if int(i) + 1 in owned_ids][:K]
            post_t.append(time.perf_counter() - t)
            post_found.append(kept)
        del flat
        durable = {"FULL": _write_timings(store, writes["FULL"], "full")}
        assert store.index_count() == store.stats().total
        started = time.perf_counter()
        store.close()
        close_s = time.perf_counter() - started
        started = time.perf_counter()
        store = FaissStore(data, embedder, synchronous="NORMAL")
        snapshot_open_s = time.perf_counter() - started
        durable["NORMAL"] = _write_timings(store, writes["NORMAL"], "normal")
        assert store.index_count() == store.stats().total
        store._closed = True  # skip the second snapshot write: the directory is thrown away
        store._db.close()
        store._dir_lock.release()
    pre50, pre95 = _pct(pre_t)
    post50, post95 = _pct(post_t)
    return {
        "records": n, "owned": len(owned), "wide_owned": len(wide), "build_s": round(build_s, 1),
        "open_rebuild_s": round(open_s, 1), "close_snapshot_s": round(close_s, 1),
        "open_snapshot_s": round(snapshot_open_s, 1), "load_avg_1m": [load, _load()],
        "prefilter": {"p50_ms": pre50, "p95_ms": pre95, "recall_at_10": _recall(pre_found, truth)},
        "prefilter_wide": wide_paths,
        "ivf": None if ivf is None else {"nlist": ivf.nlist, "nprobe": ivf.nprobe},
        "postfilter_2k": {"p50_ms": post50, "p95_ms": post95,
                          "recall_at_10": _recall(post_found, truth)},
        "durable_write": durable,
    }  # fmt: skip


def _topics(rng: np.random.Generator, n: int, centres: np.ndarray) -> np.ndarray:
    """Unit vectors around topic centres (cosine ~0.6 to their own), like embeddings of
    statements about a thousand subjects; uniform random vectors are IVF's worst case."""
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(start + 100_000, n)
        rows = centres[rng.integers(0, len(centres), stop - start)]
        rows += 1.3 * _vectors(rng, stop - start)
        out[start:stop] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def bench_clustered(n: int, rng: np.random.Generator) -> dict:
    """Wide readers on topic-clustered vectors, in memory: IVF against the exact scan."""
    centres = _vectors(rng, 1000)
    vectors = _topics(rng, n, centres)
    queries = _topics(rng, QUERIES, centres)
    index = PartitionedIndex(DIM)
    keys = {team: PartitionKey(f"team:{team}", "W", True) for team in map(_team, range(200))}
    index.add(np.arange(1, n + 1), vectors, [keys[_team(i)] for i in range(n)])
    started = time.perf_counter()
    index.configure_ivf(min(DEFAULT_IVF_THRESHOLD, n))
    build_s = time.perf_counter() - started
    wide = _owned(n, WIDE)
    truth = _truth(vectors, wide, queries)
    del vectors
    readable = WIDE.readable()
    ivf = index.ivf
    assert ivf is not None
    out: dict = {"records": n, "wide_owned": len(wide), "ivf_build_s": round(build_s, 1),
                 "nlist": ivf.nlist, "nprobe": ivf.nprobe, "load_avg_1m": [_load()]}  # fmt: skip
    index.ivf_min_rows = 1
    for mode in ("exact", "ivf"):
        index.ivf = ivf if mode == "ivf" else None
        times, found = [], []
        for q in queries:
            t = time.perf_counter()
            hits = index.search(q, readable, K, False)
            times.append(time.perf_counter() - t)
            found.append([rid for rid, _ in hits])
        p50, p95 = _pct(times)
        out[mode] = {"p50_ms": p50, "p95_ms": p95, "recall_at_10": _recall(found, truth)}
    out["load_avg_1m"].append(_load())
    return out


def bench_ingest(count: int) -> dict:
    embedder = MiniLMEmbedder()
    embedder.embed(["warm up the model"])
    topics = ["deploy", "kafka lag", "billing owner", "checkout latency", "feature flag"]
    drafts_text = [
        f"{topics[i % 5]} update {i}: the {topics[(i * 7) % 5]} change ships after review #{i}"
        for i in range(count)
    ]
    load = _load()
    started = time.perf_counter()
    for start in range(0, count, 64):
        embedder.embed(drafts_text[start : start + 64])
    embed_s = time.perf_counter() - started
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
    return {"records": count, "seconds": round(elapsed, 2), "records_per_s": count / elapsed,
            "embedding_only_records_per_s": count / embed_s,
            "load_avg_1m": [load, _load()]}  # fmt: skip


def bench_pgvector(n: int, rng: np.random.Generator) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    vectors = _vectors(rng, n)
    owned = _owned(n, CALLER)
    queries = _vectors(rng, QUERIES)
    truth = _truth(vectors, owned, queries)
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
            load = _load()
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
        "load_avg_1m": [load, _load()],
        "prefilter": {"p50_ms": p50, "p95_ms": p95, "recall_at_10": _recall(found, truth)},
    }


def markdown(result: dict) -> str:
    lines = [
        f"Machine: {result['machine']}  ",
        f"Command: `{result['command']}`  ",
        "Load: 1-minute load average at the start and end of each part (other work shared the "
        "machine); p95 on a 2-core host moves with it.",
        "",
        "| backend | records | approach | readable | p50 ms | p95 ms | recall@10 | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in result["faiss"]:
        load = "–".join(str(x) for x in row["load_avg_1m"])
        ivf = row.get("ivf") or {}
        for m, label, owned in (
            (row["prefilter"], "pre-filter (visibility partitions, exact)", row["owned"]),
            (row["prefilter_wide"].get("exact"), "pre-filter (visibility partitions, exact)",
             row["wide_owned"]),
            (row["prefilter_wide"].get("ivf"),
             f"pre-filter (IVF-SQ8 + bitmap, nprobe {ivf.get('nprobe')}/{ivf.get('nlist')}, "
             "exact re-score)", row["wide_owned"]),
            (row["postfilter_2k"], "post-filter (faiss top 2k, then filter)", row["owned"]),
        ):  # fmt: skip
            if m is None:
                continue
            lines.append(f"| faiss | {row['records']:,} | {label} | {owned:,} | "
                         f"{m['p50_ms']:.2f} | {m['p95_ms']:.2f} | {m['recall_at_10']:.3f} | "
                         f"{load} |")  # fmt: skip
    if result.get("pgvector"):
        row = result["pgvector"]
        m = row["prefilter"]
        load = "–".join(str(x) for x in row["load_avg_1m"])
        lines.append(
            f"| pgvector | {row['records']:,} | pre-filter (WHERE, exact, halfvec) | "
            f"{row['records'] // 100:,} | {m['p50_ms']:.2f} | {m['p95_ms']:.2f} | "
            f"{m['recall_at_10']:.3f} | {load} |"
        )
    lines += [
        "",
        "Writes through `add_many` with precomputed vectors (embedding excluded; redaction, the "
        "consolidation lookup and the durable transaction included), into the caller's team:",
        "",
        "| records | synchronous | 1 record p50 ms | p95 ms | batch of 64, per record p50 ms "
        "| p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["faiss"]:
        for mode, w in row["durable_write"].items():
            lines.append(f"| {row['records']:,} | {mode} | {w['single_p50_ms']:.2f} | "
                         f"{w['single_p95_ms']:.2f} | {w['batched_per_record_p50_ms']:.3f} | "
                         f"{w['batched_per_record_p95_ms']:.3f} |")  # fmt: skip
    lines += [
        "",
        "| records | open, rebuild from SQLite s | close, save snapshot s | open from snapshot s |",
        "|---|---|---|---|",
    ]
    for row in result["faiss"]:
        lines.append(f"| {row['records']:,} | {row['open_rebuild_s']} | "
                     f"{row['close_snapshot_s']} | {row['open_snapshot_s']} |")  # fmt: skip
    if result.get("clustered"):
        c = result["clustered"]
        load = "–".join(str(x) for x in c["load_avg_1m"])
        lines += [
            "",
            f"Wide reader ({c['wide_owned']:,} of {c['records']:,} readable) on topic-clustered "
            f"vectors (1,000 topics; in memory, no SQLite); IVF built in {c['ivf_build_s']} s, "
            f"nprobe {c['nprobe']}/{c['nlist']}, load {load}:",
            "",
            "| path | p50 ms | p95 ms | recall@10 |",
            "|---|---|---|---|",
        ]
        for mode in ("exact", "ivf"):
            m = c[mode]
            lines.append(f"| {mode} | {m['p50_ms']:.2f} | {m['p95_ms']:.2f} | "
                         f"{m['recall_at_10']:.3f} |")  # fmt: skip
    if result.get("ingest"):
        i = result["ingest"]
        load = "–".join(str(x) for x in i["load_avg_1m"])
        lines += ["", f"Ingest with MiniLM, `add_many` batches of 64: {i['records_per_s']:.0f} "
                  f"records/s ({i['records']} records in {i['seconds']} s); the embedding alone "
                  f"runs at {i['embedding_only_records_per_s']:.0f} records/s on this machine "
                  f"(load {load})."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--pg-size", type=int, default=100_000)
    parser.add_argument("--ingest", type=int, default=512)
    parser.add_argument("--clustered", type=int, default=1_000_000,
                        help="records of the clustered wide-reader run (0 skips it)")  # fmt: skip
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
    if args.clustered:
        print(f"clustered {args.clustered:,} ...", flush=True)
        result["clustered"] = bench_clustered(args.clustered, rng)
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
