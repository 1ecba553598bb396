"""``assistant bench --scale N``: the approximate dense index on N synthetic sentences.

Embedding a million sentences takes about an hour on 2 cores, so the corpus is
synthetic, built from the BBC benchmark index (``assistant bench --corpus-set
bbc`` first) as follows:

- copy ``j`` of BBC sentence ``i`` gets the vector ``normalise(v_i + e_ij)``,
  ``e_ij`` Gaussian with norm about ``NOISE`` (0.3: cosine to the original about
  0.96), seeded, so copies are near but distinct;
- BM25 is the BBC sentences' term counts repeated copy after copy, each copy a
  distinct row (and its articles distinct ids), with BM25 weights recomputed
  over all rows; whole BBC copies are added until N rows are reached (the last
  copy is cut at an article boundary, so the count is N or a little more);
- the approximate index is built by ``dense.make_dense`` exactly as an index
  build above ``approximate_above`` would.

Reported: build time of each part, recall@10 against exact search for two
query sets (200 BBC sentence vectors; the 23 BBC headline questions encoded
as ``ask`` encodes them), both of the approximate index alone and after the
exact re-scoring of its 100 candidates that ``ask`` does, with an nprobe
sweep; warm ``ask``
latency and the peak RSS of a separate serving process that maps vectors and
BM25 from disk. Not measured: loading a million-sentence ``articles.jsonl``
(the serving process shares the BBC articles' text between copies instead).

Example:
    $ assistant bench --corpus-set bbc && assistant bench --scale 1000000
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

NOISE = 0.3
QUERIES = 200


def synthetic_vectors(base: np.ndarray, copies: int, rows: int, seed: int = 0) -> np.ndarray:
    """``rows`` unit vectors: ``copies`` perturbed copies of ``base``, copy after copy."""
    rng = np.random.default_rng(seed)
    out = np.empty((rows, base.shape[1]), dtype=np.float32)
    for j in range(copies):
        lo, hi = j * len(base), min((j + 1) * len(base), rows)
        if lo >= hi:
            break
        noise = rng.standard_normal((hi - lo, base.shape[1]), dtype=np.float32) * (NOISE / np.sqrt(base.shape[1]))
        block = base[: hi - lo] + noise
        out[lo:hi] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def tiled_lexicon(lexicon, copies: int, rows: int):
    """The BBC lexicon's rows repeated ``copies`` times (cut to ``rows``), BM25 recomputed."""
    from assistant.store.lexical import Lexicon, bm25_matrix

    per = len(lexicon.indptr) - 1
    counts = np.diff(lexicon.indptr)
    lengths = np.tile(counts, copies)[:rows]
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    token_ids = np.tile(np.asarray(lexicon.token_ids), copies)[: indptr[-1]]
    tf = np.tile(np.asarray(lexicon.tf), copies)[: indptr[-1]]
    assert per * copies >= rows
    return Lexicon(dict(lexicon.vocab), indptr, token_ids, tf, *bm25_matrix(indptr, token_ids, tf, len(lexicon.vocab)))


def rows_for(bbc, n: int) -> tuple[int, int]:
    """(copies, rows): enough BBC copies for ``n`` rows, cut at an article boundary."""
    per = len(bbc.units)
    copies = -(-n // per)
    last = n - (copies - 1) * per
    ends = np.cumsum([len(a.sentences) for a in bbc.articles])
    cut = int(ends[np.searchsorted(ends, last)])
    return copies, (copies - 1) * per + cut


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 10, chunk: int = 65_536) -> np.ndarray:
    """Row ids of the ``k`` largest inner products per query, by brute force over
    ``vectors`` in slices (a memory-mapped array is read, never copied whole, and
    no second 1.5 GB exact index is built just to measure recall)."""
    ids, scores = [], []
    for lo in range(0, len(vectors), chunk):
        block = queries @ np.asarray(vectors[lo : lo + chunk], dtype=np.float32).T
        top = np.argpartition(-block, k, axis=1)[:, :k] if block.shape[1] > k else np.argsort(-block, axis=1)
        ids.append(top + lo)
        scores.append(np.take_along_axis(block, top, axis=1))
    ids, scores = np.concatenate(ids, axis=1), np.concatenate(scores, axis=1)
    return np.take_along_axis(ids, np.argsort(-scores, axis=1, kind="stable")[:, :k], axis=1)


def recall(approx, vectors: np.ndarray, queries: np.ndarray) -> dict:
    """Recall@10 against exact inner-product search: of the approximate index alone,
    and of what ``ask`` does (100 approximate candidates re-scored with the exact vectors)."""
    want = exact_top(vectors, queries)
    _, got10 = approx.search(queries, 10)
    _, got100 = approx.search(queries, 100)
    rescored = [ids[np.argsort(-(vectors[ids] @ q), kind="stable")[:10]] for ids, q in zip(got100, queries)]
    return {"recall_at_10": _overlap(got10, want), "recall_at_10_rescored": _overlap(rescored, want),
            "queries": len(queries), "nprobe_sweep": nprobe_sweep(approx, want, queries)}


def _overlap(got, want) -> float:
    return float(np.mean([len(set(g.tolist()) & set(w.tolist())) / 10 for g, w in zip(got, want)]))


def nprobe_sweep(approx, want: np.ndarray, queries: np.ndarray) -> list[dict]:
    """Recall@10 and median search ms per query for several ``nprobe`` (to choose the default)."""
    import faiss

    ivf, keep, rows = faiss.extract_index_ivf(approx), faiss.extract_index_ivf(approx).nprobe, []
    for nprobe in (8, 16, 32, 64, 128):
        ivf.nprobe = nprobe
        times = []
        for q in queries[:50]:
            started = time.perf_counter()
            approx.search(q[None, :], 100)
            times.append((time.perf_counter() - started) * 1000)
        _, got = approx.search(queries, 10)
        rows.append({"nprobe": nprobe, "recall_at_10": _overlap(got, want), "search_ms": float(np.median(times))})
    ivf.nprobe = keep
    return rows


def build(bbc, n: int, out: Path, approximate_above: int, questions: np.ndarray) -> dict:
    """Write the synthetic index's arrays to ``out``; seconds per part."""
    import faiss

    from assistant.store.dense import describe, make_dense

    copies, rows = rows_for(bbc, n)
    out.mkdir(parents=True, exist_ok=True)
    times, started = {}, time.perf_counter()
    np.save(out / "vectors.npy", synthetic_vectors(np.asarray(bbc.vectors, dtype=np.float32), copies, rows),
            allow_pickle=False)
    # From here on the vectors are memory-mapped, as an index build reads them back, so
    # the float32 array and the IVF lists are not both held in memory.
    vectors = np.load(out / "vectors.npy", allow_pickle=False, mmap_mode="r")
    times["vectors_s"] = time.perf_counter() - started
    started = time.perf_counter()
    dense = make_dense(vectors, approximate_above)
    times["dense_index_s"] = time.perf_counter() - started
    started = time.perf_counter()
    lexicon = tiled_lexicon(bbc.lexicon, copies, rows)
    times["bm25_s"] = time.perf_counter() - started
    started = time.perf_counter()
    faiss.write_index(dense, str(out / "dense.faiss"))
    lexicon.save(out / "lexical")
    del lexicon
    (out / "scale.json").write_text(json.dumps({"copies": copies, "rows": rows, "noise": NOISE}), encoding="utf-8")
    times["save_s"] = time.perf_counter() - started
    rng = np.random.default_rng(1)
    sentences = np.asarray(bbc.vectors, dtype=np.float32)[rng.choice(len(bbc.units), QUERIES, replace=False)]
    by_question = recall(dense, vectors, questions)
    return {"rows": rows, "copies": copies, "index": describe(dense), **times, **recall(dense, vectors, sentences),
            "questions": {k: by_question[k] for k in ("recall_at_10", "recall_at_10_rescored",
                                                      "queries", "nprobe_sweep")}}


def serve(bbc_index: str, out: str, questions: list[str], runs: int) -> dict:
    """In a fresh process: map the synthetic index, answer questions, report latency and peak RSS."""
    import faiss

    from assistant.api import Assistant
    from assistant.embedding.embedder import embedder_for
    from assistant.bench.common import measure, peak_rss_mb
    from assistant.store.build import IndexData
    from assistant.store.files import load_index
    from assistant.store.lexical import Lexicon
    from assistant.settings import Settings

    settings = Settings.from_env(progress=False)
    embedder = embedder_for(settings)
    bbc = load_index(bbc_index, embedder, "assistant bench --corpus-set bbc")
    meta = json.loads((Path(out) / "scale.json").read_text(encoding="utf-8"))
    copies, rows = meta["copies"], meta["rows"]
    articles = [a.model_copy(update={"id": f"{a.id}-{j}"}) for j in range(copies) for a in bbc.articles]
    units = np.concatenate([bbc.units + np.array([j * len(bbc.articles), 0], dtype=np.int32)
                            for j in range(copies)])[:rows]
    articles = articles[: int(units[-1, 0]) + 1]
    vectors = np.load(Path(out) / "vectors.npy", allow_pickle=False, mmap_mode="r")
    data = IndexData(articles, units, vectors, faiss.read_index(str(Path(out) / "dense.faiss")),
                     Lexicon.load(Path(out) / "lexical", mmap=True), bbc.model_id, bbc.weights_sha256)
    del bbc
    bot = Assistant(data, embedder, settings)
    return {"warm": measure(bot, questions, runs), "serving_peak_mb": peak_rss_mb()}


def main(args) -> int:
    from assistant.embedding.embedder import embedder_for
    from assistant.bench.common import bbc_questions, child_env, peak_rss_mb
    from assistant.store.files import load_index
    from assistant.settings import Settings

    settings = Settings.from_env(progress=False)
    bbc_index, out = Path(args.work) / "bench-bbc", Path(args.work) / f"bench-scale-{args.scale}"
    embedder = embedder_for(settings)
    bbc = load_index(bbc_index, embedder, "assistant bench --corpus-set bbc")
    questions = bbc_questions(Path(args.bbc))
    asked = np.stack([embedder.encode_query(q) for q in questions])
    result = build(bbc, args.scale, out, min(settings.approximate_above, args.scale - 1), asked)
    command = [sys.executable, "-m", "assistant.bench.scale", str(bbc_index),
               str(out), json.dumps(questions), str(args.runs)]
    done = subprocess.run(command, env=child_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"serving process failed: {done.stderr[-800:]}")
    result["build_peak_mb"] = peak_rss_mb()
    result.update(json.loads(done.stdout.strip().splitlines()[-1]))
    w = result["warm"]
    print(f"== synthetic {result['rows']:,} sentences ({result['copies']} perturbed BBC copies), {result['index']}")
    print(f"  build: vectors {result['vectors_s']:.1f} s, dense index {result['dense_index_s']:.1f} s, "
          f"BM25 {result['bm25_s']:.1f} s, save {result['save_s']:.1f} s; "
          f"build peak RSS {result['build_peak_mb']:.0f} MB")
    for label, r in (("BBC sentences as queries", result), ("BBC headline questions", result["questions"])):
        print(f"  recall@10 vs exact, {label} ({r['queries']}): index alone {r['recall_at_10']:.3f}, "
              f"after ask's exact re-scoring of 100 candidates {r['recall_at_10_rescored']:.3f}")
        print("    nprobe sweep (index-alone recall@10, median ms per k=100 search): " + "; ".join(
            f"{x['nprobe']}: {x['recall_at_10']:.3f}, {x['search_ms']:.2f} ms" for x in r["nprobe_sweep"]))
    print(f"  warm ask median {w['median_ms']:.1f} ms (runs {w['median_min']:.1f}-{w['median_max']:.1f}), "
          f"p95 {w['p95_ms']:.1f} ms; {w['questions']} questions x {w['runs']} runs")
    print(f"  peak RSS serving {result['serving_peak_mb']:.0f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__" and len(sys.argv) == 5:
    print(json.dumps(serve(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]))))
