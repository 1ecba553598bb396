"""``assistant bench --scale N --store milvus:///abs/path/index.db``: N synthetic sentences in Milvus.

The rows are those of ``assistant bench --scale N`` (perturbed copies of the BBC
benchmark index's vectors, ``scale.synthetic_vectors``), written as a real store
generation: each copy's articles under new ids, their sentences with the BBC
sentences' texts, attributions and BM25 weights, the terms' document frequencies
and a manifest, then the alias switch. Milvus Lite runs as its own process
(``milvus-lite server`` on the given folder), so its memory is measured apart from
the serving process's.

Reported: write time and rows/s, the dense index (IVF_FLAT, about 4 * sqrt(N) lists),
recall@10 against exact search for 200 BBC sentence vectors and the 23 BBC headline
questions with an nprobe sweep (median ms per top-100 search), warm ``ask`` median
and p95 of a fresh serving process (``Assistant.from_store``), and the peak RSS of
that process and of the Milvus Lite server.

Example:
    $ assistant bench --corpus-set bbc && assistant bench --scale 1000000 --store milvus:///tmp/scale/index.db
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

NPROBES = (8, 16, 32, 64, 128)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: str) -> tuple[subprocess.Popen, str]:
    """A Milvus Lite server process on ``folder``, and its address once it listens."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "milvus_lite.cmdline", "server", "--data-dir", folder,
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"the Milvus Lite server on {folder} did not start")


def wait_idle(pid: int, limit_s: float = 1800.0) -> float:
    """Seconds until process ``pid`` stays under 5% of a core for 3 s: after a big write Milvus
    Lite compacts segments and builds their indexes in the background, which would otherwise
    be measured as question latency."""
    def cpu() -> float:
        parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")

    started, quiet, last = time.perf_counter(), 0, cpu()
    while quiet < 3 and time.perf_counter() - started < limit_s:
        time.sleep(1.0)
        now = cpu()
        quiet = quiet + 1 if now - last < 0.05 else 0
        last = now
    return time.perf_counter() - started


def bbc_weights(bbc) -> tuple[list[dict], float]:
    """The BBC index's sentences as sparse BM25 document vectors keyed as the Milvus store keys them."""
    from assistant.store.milvus.rows import sentence_weights

    words = {i: t for t, i in bbc.lexicon.vocab.items()}
    lex = bbc.lexicon
    tokens = [[words[int(t)] for t, c in zip(lex.token_ids[lex.indptr[r] : lex.indptr[r + 1]],
                                             lex.tf[lex.indptr[r] : lex.indptr[r + 1]]) for _ in range(int(c))]
              for r in range(len(lex.indptr) - 1)]
    weights, lengths = sentence_weights(tokens)
    return weights, float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0


def write_store(conn, bbc, vectors: np.ndarray, copies: int, rows: int, approximate_above: int, embedder) -> dict:
    """One generation holding ``rows`` synthetic sentences; seconds and the dense index used."""
    from tqdm import tqdm

    from assistant.store.milvus import rows as R
    from assistant.store.milvus import write
    from assistant.store.milvus.schema import Names, create_generation, dense_index

    names = Names(conn.prefix, f"g{time.strftime('%Y%m%dt%H%M%S')}scale")
    dense = dense_index(rows, approximate_above)
    create_generation(conn, names, vectors.shape[1], dense)
    (weights, avg_length), base = bbc_weights(bbc), list(bbc.articles)
    per, df, written, articles, started = len(weights), Counter(), 0, 0, time.perf_counter()
    bar = tqdm(total=rows, desc="Writing synthetic sentences to Milvus", unit="row")
    for j in range(copies):
        take = base
        if written + per > rows:  # the last copy is cut at an article boundary
            ends = np.cumsum([len(a.sentences) for a in base])
            take = base[: int(np.searchsorted(ends, rows - written)) + 1]
        n = sum(len(a.sentences) for a in take)
        copy = [a.model_copy(update={"id": f"{a.id}-{j}"}) for a in take]
        sentences = R.sentence_rows(copy, articles, written, vectors[written : written + n], weights[:n])
        for start in range(0, n, write.BATCH):
            conn.call("insert", names.sentences, sentences[start : start + write.BATCH])
            bar.update(min(write.BATCH, n - start))
        write._insert(conn, names.articles, R.article_rows(copy, articles, written, set()), False, "")
        df.update(R.document_frequencies(weights[:n]))
        written, articles = written + n, articles + len(copy)
    bar.close()
    write._insert(conn, names.terms, R.term_rows(df), False, "")
    manifest = {**write.base_manifest(embedder, {}), "generation": names.generation, "dense_index": dense,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "avg_length": avg_length,
                "counts": {"articles": articles, "sentences": written}}
    write.flush(conn, names)
    conn.call("upsert", names.meta, [R.meta_row(manifest)])
    insert_s = time.perf_counter() - started
    started = time.perf_counter()
    write.switch_alias(conn, names)  # loads the collections: Milvus builds the indexes here
    return {"rows": written, "articles": articles, "insert_s": insert_s, "load_s": time.perf_counter() - started,
            "dense_index": dense, "names": names}


def recall_sweep(conn, names, vectors: np.ndarray, queries: np.ndarray) -> list[dict]:
    """Recall@10 against exact search and median ms of a top-100 search, per nprobe."""
    from assistant.bench.scale import _overlap, exact_top

    want = exact_top(vectors, queries)
    out = []
    for nprobe in NPROBES:
        got, times = [], []
        for q in queries:
            started = time.perf_counter()
            hits = conn.call("search", names.sentences, data=[q.tolist()], anns_field="vector", limit=100,
                             filter=f"id < {len(vectors)}", output_fields=["article"],
                             search_params={"metric_type": "IP", "params": {"nprobe": nprobe}})
            times.append((time.perf_counter() - started) * 1000)
            got.append(np.array([h["id"] for h in hits[0][:10]]))
        out.append({"nprobe": nprobe, "recall_at_10": _overlap(got, want), "search_ms": float(np.median(times))})
    return out


def serve(uri: str, questions: list[str], runs: int, nprobe: int) -> dict:
    """In this (fresh) process: serve the store, time warm asks, report peak RSS."""
    from assistant.api import Assistant
    from assistant.bench.common import measure, peak_rss_mb
    from assistant.bench.store_bench import uncached
    from assistant.settings import Settings

    started = time.perf_counter()
    bot = Assistant.from_store(uri, Settings.from_env(progress=False, milvus_prefix="scale", milvus_nprobe=nprobe,
                                                      milvus_timeout=120))
    opened = time.perf_counter() - started
    return {"open_s": opened, "warm": measure(bot, questions, runs),
            "uncached": measure(uncached(bot), questions, max(1, runs // 2)), "serving_peak_mb": peak_rss_mb()}


def main(args) -> int:
    from assistant.bench.common import bbc_questions, child_env, peak_rss_mb
    from assistant.bench.scale import QUERIES, rows_for, synthetic_vectors
    from assistant.embedding.embedder import embedder_for
    from assistant.settings import Settings
    from assistant.store.files import load_index
    from assistant.store.location import parse_store
    from assistant.store.milvus.connection import connect

    location = parse_store(args.store)
    if location.kind != "lite":
        raise SystemExit("the scale benchmark writes a Milvus Lite folder: --store milvus:///abs/path/index.db")
    settings = Settings.from_env(progress=False, milvus_prefix="scale", milvus_timeout=600)
    embedder = embedder_for(settings)
    bbc = load_index(Path(args.work) / "bench-bbc", embedder, "assistant bench --corpus-set bbc")
    copies, rows = rows_for(bbc, args.scale)
    vectors = synthetic_vectors(np.asarray(bbc.vectors, dtype=np.float32), copies, rows)
    questions = bbc_questions(Path(args.bbc))
    rng = np.random.default_rng(1)
    sentences = np.asarray(bbc.vectors, dtype=np.float32)[rng.choice(len(bbc.units), QUERIES, replace=False)]
    asked = np.stack([embedder.encode_query(q) for q in questions])
    server, uri = start_server(location.uri)
    try:
        conn = connect(parse_store(uri), settings)
        result = write_store(conn, bbc, vectors, copies, rows, min(settings.approximate_above, rows - 1), embedder)
        names = result.pop("names")
        result["settle_s"] = wait_idle(server.pid)
        result["sentences_sweep"] = recall_sweep(conn, names, vectors, sentences)
        result["questions_sweep"] = recall_sweep(conn, names, vectors, asked)
        del vectors, bbc
        command = [sys.executable, "-m", "assistant.bench.store_scale", uri, json.dumps(questions), str(args.runs),
                   str(settings.milvus_nprobe)]
        done = subprocess.run(command, env=child_env(), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"serving process failed: {done.stderr[-800:]}")
        result.update(json.loads(done.stdout.strip().splitlines()[-1]))
        result["milvus_server_peak_mb"] = peak_rss_mb(server.pid)
        result["bench_peak_mb"] = peak_rss_mb()
    finally:
        server.terminate()
        server.wait()
    print("\n".join(render(result, settings.milvus_nprobe)))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def render(r: dict, nprobe: int) -> list[str]:
    w, u = r["warm"], r["uncached"]
    lines = [f"== synthetic {r['rows']:,} sentences in Milvus Lite ({r['articles']:,} articles), "
             f"{r['dense_index']['index_type']} {r['dense_index']['params']}",
             f"  write {r['insert_s']:.0f} s ({r['rows'] / r['insert_s']:.0f} rows/s), load and index "
             f"{r['load_s']:.0f} s, then background compaction and indexing {r['settle_s']:.0f} s; "
             f"serving process opened the store in {r['open_s']:.1f} s"]
    for label, key in (("BBC sentences as queries", "sentences_sweep"), ("BBC headline questions", "questions_sweep")):
        lines.append(f"  recall@10 vs exact, {label}: " + "; ".join(
            f"nprobe {x['nprobe']}: {x['recall_at_10']:.3f} ({x['search_ms']:.0f} ms)" for x in r[key]))
    lines += [f"  warm ask (nprobe {nprobe}) median {w['median_ms']:.0f} ms, p95 {w['p95_ms']:.0f} ms; caches emptied "
              f"before each: median {u['median_ms']:.0f} ms, p95 {u['p95_ms']:.0f} ms",
              f"  peak RSS: serving process {r['serving_peak_mb']:.0f} MB, Milvus Lite server "
              f"{r['milvus_server_peak_mb']:.0f} MB, benchmark (writer) {r['bench_peak_mb']:.0f} MB"]
    return lines


if __name__ == "__main__" and len(sys.argv) == 5:
    print(json.dumps(serve(sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
