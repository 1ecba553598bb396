"""``assistant bench``: speed and memory of one corpus or several, as medians with min/max.

For each corpus (``seed``: corpus/; ``bbc``: the 2,225 BBC articles) it reports
index build time and sentences/s, warm ``ask`` latency (median and p95 over
repeated runs, the query and reader caches cleared before every ask), where one warm ask spends
its time, the time to add one new article to the built index, a fresh
``assistant ask`` process from start to printed answer (cold start), and the
peak resident memory of a process that loads the index and answers questions.
``--quick`` (for CI) measures the seed corpus once, skipping nothing else.

Example:
    $ assistant bench --corpus-set all --runs 5
    $ assistant bench --quick
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.bench.common import bbc_questions, child_env, clear_caches, measure, peak_rss_mb, spread
from assistant.evaluation import metrics as m
from assistant.evaluation.datasets import SeedCase, load_jsonl


def stage_times(bot, questions: list[str]) -> dict[str, float]:
    """Median ms per stage of a warm ask, calling the pipeline's own stage functions
    (``ranking.pipeline``) in the order ``Assistant.ask`` does: the query (embedding
    and tokens; query cache cleared first), the candidates (FAISS, BM25 and the
    ranker's features), ranking (ranker, speaker preference), the reader's rerank, quotes
    (spans checked) and the answerability decision. The reader is loaded by the warm-up."""
    from assistant.ranking import pipeline as p

    names = ("query", "candidates", "rank", "rerank", "quotes", "answerability")
    parts: dict[str, list[float]] = {k: [] for k in names}
    snapshot, engine = bot.snapshot, bot.engine
    params = engine.params_for(None)
    for q in questions:
        clear_caches(bot)
        marks = [time.perf_counter()]
        query = p.make_query(snapshot, bot.embedder, bot.clean(q))
        marks.append(time.perf_counter())
        candidates = p.gather(snapshot, query, params, None)
        marks.append(time.perf_counter())
        ranked = p.rank(snapshot, query, candidates, params, engine.ranker)
        marks.append(time.perf_counter())
        ranked = p.rerank(snapshot, query, ranked, engine.reader, engine.weights, engine.top_n)
        marks.append(time.perf_counter())
        quotes = p.quote(snapshot, query, ranked, bot.settings.top_k)
        marks.append(time.perf_counter())
        p.decide(snapshot, query, ranked, quotes, engine.model_for(ranked))
        marks.append(time.perf_counter())
        for key, t0, t1 in zip(names, marks, marks[1:]):
            parts[key].append((t1 - t0) * 1000)
    return {k: m.median(v) for k, v in parts.items()}


def new_article_files(folder: Path, count: int, body_from: Path) -> list[Path]:
    """``count`` article files that no index holds: ``body_from``'s text under a
    fresh, unique title (so every sentence is new to the index's embeddings
    through the title, and the article id differs)."""
    body = body_from.read_text(encoding="utf-8", errors="replace").split("\n", 1)[-1]
    stamp = time.strftime("%Y%m%d%H%M%S")
    paths = []
    for i in range(count):
        path = folder / f"bench-new-{stamp}-{i}.txt"
        path.write_text(f"Bench article {i} written {stamp}\n{body}", encoding="utf-8")
        paths.append(path)
    return paths


def add_times(index_dir: Path, paths: list[str], settings, runs: int, body_from: Path) -> list[float]:
    """Seconds for ``Assistant.add`` of one new article to a persisted copy of the
    built index (the copy keeps the benchmark's index unchanged)."""
    from assistant.api import Assistant

    with tempfile.TemporaryDirectory(prefix="bench-add-") as tmp:
        copy = Path(tmp) / "index"
        shutil.copytree(index_dir, copy)
        os.sync()  # a served index was flushed when it was built;
        # the fresh copy's dirty pages would slow the first fsync
        bot = Assistant.from_paths(paths, index_dir=copy, settings=settings)
        bot.ask("warm up")  # loads the query encoder, as a serving process has
        times = []
        for path in new_article_files(Path(tmp), runs, body_from):
            started = time.perf_counter()
            bot.add(path)
            times.append(time.perf_counter() - started)
    return times


def cold_start_times(index_dir: Path, paths: list[str], question: str, runs: int) -> list[float]:
    """Seconds from starting ``python -m assistant ask`` to its exit with the answer printed."""
    corpus = [x for p in paths for x in ("--corpus", p)]
    command = [sys.executable, "-m", "assistant", "ask", question, *corpus, "--index", str(index_dir)]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=child_env(), capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0 or not done.stdout.strip():
            raise RuntimeError(f"cold ask failed ({done.returncode}): {done.stderr[-500:]}")
    return times


def serving_peak_mb(index_dir: Path, paths: list[str], questions: list[str]) -> float:
    """Peak RSS (MB) of a fresh process that loads the index and asks every question."""
    command = [sys.executable, "-m", "assistant.bench.bench", "--probe", str(index_dir), json.dumps(paths),
               json.dumps(questions)]
    done = subprocess.run(command, env=child_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"memory probe failed: {done.stderr[-500:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["peak_rss_mb"])


def _probe(index_dir: str, paths: list[str], questions: list[str]) -> None:
    from assistant.api import Assistant
    from assistant.settings import Settings

    bot = Assistant.from_paths(paths, index_dir=index_dir, settings=Settings.from_env(progress=False))
    for q in questions + questions:
        bot.ask(q)
    print(json.dumps({"peak_rss_mb": peak_rss_mb()}))


def bench_corpus(name: str, paths: list[str], questions: list[str], index_dir: Path, args) -> dict:
    """Every measurement for one corpus; builds the index unless ``--no-build`` and one exists."""
    from assistant.api import Assistant
    from assistant.settings import Settings

    settings = Settings.from_env(progress=not args.quiet)
    result: dict = {"corpus": name, "index": str(index_dir), "load": list(os.getloadavg())}
    if not args.no_build or not (index_dir / "CURRENT").exists():
        shutil.rmtree(index_dir, ignore_errors=True)
        started, cpu = time.perf_counter(), os.times()
        bot = Assistant.from_paths(paths, index_dir=index_dir, settings=settings)
        result["build_s"] = time.perf_counter() - started
        # CPU seconds used: on a busy shared machine, wall time overstates what an idle one needs.
        result["build_cpu_s"] = sum(os.times()[:2]) - sum(cpu[:2])
    else:
        bot = Assistant.from_paths(paths, index_dir=index_dir, settings=settings)
    result["articles"], result["sentences"] = len(bot.articles), int(len(bot.snapshot.data.units))
    if "build_s" in result:
        result["sentences_per_s"] = result["sentences"] / result["build_s"]
    result["warm"] = measure(bot, questions, args.runs)
    result["stages_ms"] = stage_times(bot, questions)
    del bot
    result["add_s"] = spread(add_times(index_dir, paths, settings, args.runs, Path(paths[0]) if Path(paths[0]).is_file()
                                       else sorted(Path(paths[0]).rglob("*.txt"))[0]))
    result["cold_s"] = spread(cold_start_times(index_dir, paths, questions[0], args.cold_runs))
    result["serving_peak_mb"] = serving_peak_mb(index_dir, paths, questions)
    return result


def render(r: dict) -> list[str]:
    """The report lines for one corpus's result."""
    w, a, c = r["warm"], r["add_s"], r["cold_s"]
    lines = [f"== {r['corpus']}: {r['articles']:,} articles, {r['sentences']:,} sentences (index {r['index']})"]
    if "build_s" in r:
        lines.append(f"  index build          {r['build_s']:.1f} s ({r['sentences_per_s']:.0f} sentences/s; "
                     f"{r['build_cpu_s']:.0f} CPU s, load average {r['load'][0]:.1f} before)")
    lines += [
        f"  warm ask             median {w['median_ms']:.1f} ms (runs {w['median_min']:.1f}-{w['median_max']:.1f}), "
        f"p95 {w['p95_ms']:.1f} ms (runs {w['p95_min']:.1f}-{w['p95_max']:.1f}); "
        f"{w['questions']} questions x {w['runs']} runs",
        "  one warm ask, median ms: " + ", ".join(f"{k} {v:.2f}" for k, v in r["stages_ms"].items()),
        f"  add one article      median {a['median']:.2f} s (min {a['min']:.2f}, max {a['max']:.2f}; "
        f"{a['n']} articles)",
        f"  cold `assistant ask` median {c['median']:.2f} s (min {c['min']:.2f}, max {c['max']:.2f}; "
        f"{c['n']} processes)",
        f"  peak RSS serving     {r['serving_peak_mb']:.0f} MB",
        f"  machine load average (1, 5, 15 min) before: {', '.join(f'{x:.1f}' for x in r['load'])}; "
        f"after: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (other processes slow every figure)",
    ]
    return lines


def main(args) -> int:
    milvus = bool(getattr(args, "store", None)) and args.store != "local"
    if getattr(args, "scale", None):
        from assistant.bench import scale, store_scale

        return store_scale.main(args) if milvus else scale.main(args)
    if milvus:
        from assistant.bench import store_bench

        return store_bench.main(args)
    if args.quick:
        args.runs, args.cold_runs, args.corpus_set = min(args.runs, 2), min(args.cold_runs, 2), "seed"
    sets = ["seed", "bbc"] if args.corpus_set == "all" else [args.corpus_set]
    work = Path(args.work)
    results = []
    for name in sets:
        if name == "seed":
            paths = [str(Path(p).resolve()) for p in (args.corpus or ["corpus/"])]
            questions = [c.question for c in load_jsonl(args.questions, SeedCase)]
        else:
            paths, questions = [str(Path(args.bbc).resolve())], bbc_questions(Path(args.bbc))
        results.append(bench_corpus(name, paths, questions, work / f"bench-{name}", args))
        print("\n".join(render(results[-1])), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


def ingest_seconds(folder, runs: int = 3) -> dict:
    """Seconds to read every ``*/*.txt`` article under ``folder`` with
    ``read_article`` (decoding, segmentation and attribution), as the median
    of ``runs`` passes with min and max.

    Example: ``ingest_seconds("../shared/data/bbc")`` -> {"seconds": 4.1, "articles": 2225, ...}
    """
    from pathlib import Path

    from assistant.ingest.files import read_article

    paths = sorted(Path(folder).glob("*/*.txt"))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for path in paths:
            read_article(path)
        times.append(time.perf_counter() - started)
    return {"seconds": m.median(times), "min": min(times), "max": max(times), "runs": runs, "articles": len(paths)}


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "--probe":
    _probe(sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4]))
