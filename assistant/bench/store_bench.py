"""``assistant bench --store milvus:///... | http://...``: one corpus on the local index and
on a Milvus store, measured side by side in one process.

Reported: the Milvus build (seconds, sentences/s; the local index is built too, or
reused with ``--no-build``), the share of benchmark questions whose top quote is the
same on both stores (every 10th BBC headline as a question: 223 of them), and warm
``ask`` latency (median and p95 over repeated runs) of the local index, of Milvus as
it serves (its row and article caches warm), and of Milvus with those caches
emptied before every question (each question then fetches all its rows).

Example:
    $ assistant bench --corpus-set bbc --store milvus:///tmp/bench/index.db
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from assistant.bench.common import bbc_questions, measure
from assistant.evaluation.datasets import SeedCase, load_jsonl


def _top(answer) -> tuple | None:
    q = answer.quotes[0] if answer.quotes else None
    return (q.article_id, q.start, q.end) if q else None


def agreement(local, milvus, questions: list[str]) -> dict:
    """Share of ``questions`` with the same top quote (article and span) and the same found
    decision on both stores, and the largest confidence difference."""
    same = found = 0
    gap, differ = 0.0, []
    for q in questions:
        a, b = local.ask(q), milvus.ask(q)
        same += _top(a) == _top(b)
        found += a.found == b.found
        gap = max(gap, abs(a.confidence - b.confidence))
        if _top(a) != _top(b):
            differ.append(q)
    n = len(questions)
    return {"questions": n, "same_top_quote": same / n, "same_found": found / n, "max_confidence_gap": gap,
            "differing": differ[:10]}


def uncached(bot) -> object:
    """``bot`` whose Milvus view forgets its fetched rows, vectors and articles before each ask."""
    class Forgetful:
        def __init__(self, inner):
            self.inner, self.embedder, self.engine = inner, inner.embedder, inner.engine  # engine: its reader's cache

        def ask(self, question):
            self.inner.snapshot.clear_caches()
            return self.inner.ask(question)

    return Forgetful(bot)


def main(args) -> int:
    from assistant.api import Assistant
    from assistant.settings import Settings

    settings = Settings.from_env(progress=not args.quiet)
    name = "seed" if args.corpus_set == "seed" else "bbc"
    if name == "seed":
        paths = [str(Path(p).resolve()) for p in (args.corpus or ["corpus/"])]
        timed = [c.question for c in load_jsonl(args.questions, SeedCase)]
        checked = timed
    else:
        paths = [str(Path(args.bbc).resolve())]
        timed, checked = bbc_questions(Path(args.bbc)), bbc_questions(Path(args.bbc), every=10)
    result: dict = {"corpus": name, "store": args.store}
    local = Assistant.from_paths(paths, index_dir=Path(args.work) / f"bench-{name}", settings=settings)
    started = time.perf_counter()
    milvus = Assistant.from_paths(paths, settings=settings, store=args.store, rebuild=not args.no_build)
    result["milvus_build_s" if not args.no_build else "milvus_open_s"] = time.perf_counter() - started
    result["sentences"], result["articles"] = milvus.snapshot.n_rows, len(milvus.snapshot.by_id)
    if not args.no_build:
        result["milvus_sentences_per_s"] = result["sentences"] / result["milvus_build_s"]
    result["dense_index"] = milvus.snapshot.manifest["dense_index"]
    result["agreement"] = agreement(local, milvus, checked)
    result["local_warm"] = measure(local, timed, args.runs)
    result["milvus_warm"] = measure(milvus, timed, args.runs)
    result["milvus_uncached"] = measure(uncached(milvus), timed, args.runs)
    milvus.close()
    print("\n".join(render(result)), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def render(r: dict) -> list[str]:
    a = r["agreement"]
    lines = [f"== {r['corpus']} on {r['store']}: {r['articles']:,} articles, {r['sentences']:,} sentences "
             f"(dense index {r['dense_index']['index_type']})",
             f"  Milvus build         {r['milvus_build_s']:.1f} s ({r['milvus_sentences_per_s']:.0f} sentences/s, "
             "embedding included)" if "milvus_build_s" in r else
             f"  Milvus store opened  {r['milvus_open_s']:.1f} s (--no-build)",
             f"  same top quote       {a['same_top_quote']:.3f} of {a['questions']} questions (same found/not found "
             f"{a['same_found']:.3f}; largest confidence gap {a['max_confidence_gap']:.4f})"]
    for label, key in (("local index", "local_warm"), ("Milvus, warm caches", "milvus_warm"),
                       ("Milvus, caches emptied", "milvus_uncached")):
        w = r[key]
        lines.append(f"  warm ask, {label:<22} median {w['median_ms']:.1f} ms (runs {w['median_min']:.1f}-"
                     f"{w['median_max']:.1f}), p95 {w['p95_ms']:.1f} ms; {w['questions']} questions x {w['runs']} runs")
    return [line for line in lines if line]
