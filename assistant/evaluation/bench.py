"""``assistant bench``: warm ``ask`` latency as medians over repeated runs.

Each run asks every question of the question file once (after one warm-up pass
that fills the model and caches); the report gives the median of the runs'
medians and 95th percentiles, with min and max.
"""

from __future__ import annotations

import time

from assistant.evaluation import metrics as m
from assistant.evaluation.datasets import SeedCase, load_jsonl


def measure(bot, questions: list[str], runs: int) -> dict:
    for q in questions:
        bot.ask(q)
    medians, p95s = [], []
    for _ in range(runs):
        times = []
        for q in questions:
            if hasattr(bot.embedder, "clear_cache"):  # measure real encoding, not the LRU cache
                bot.embedder.clear_cache()
            started = time.perf_counter()
            bot.ask(q)
            times.append((time.perf_counter() - started) * 1000)
        medians.append(m.median(times))
        p95s.append(m.percentile(times, 95))
    return {"median_ms": m.median(medians), "median_min": min(medians), "median_max": max(medians),
            "p95_ms": m.median(p95s), "p95_min": min(p95s), "p95_max": max(p95s), "runs": runs, "questions": len(questions)}


def main(args) -> int:
    from assistant.api import Assistant
    from assistant.settings import Settings

    bot = Assistant.from_paths(args.corpus or ["corpus/"], index_dir=args.index, settings=Settings.from_env(progress=not args.quiet))
    questions = [c.question for c in load_jsonl(args.questions, SeedCase)]
    result = measure(bot, questions, args.runs)
    print(f"warm ask over {result['questions']} questions x {result['runs']} runs (query-embedding cache cleared before each ask):")
    print(f"  median {result['median_ms']:.1f} ms (runs: {result['median_min']:.1f}-{result['median_max']:.1f})")
    print(f"  p95    {result['p95_ms']:.1f} ms (runs: {result['p95_min']:.1f}-{result['p95_max']:.1f})")
    return 0


def ingest_seconds(folder, runs: int = 3) -> dict:
    """Seconds to read every ``*/*.txt`` article under ``folder`` with
    ``read_article`` (decoding, segmentation and attribution), as the median
    of ``runs`` passes with min and max.

    Example: ``ingest_seconds("../shared/data/bbc")`` -> {"seconds": 4.1, "articles": 2225, ...}
    """
    from pathlib import Path

    from assistant.ingest import read_article

    paths = sorted(Path(folder).glob("*/*.txt"))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for path in paths:
            read_article(path)
        times.append(time.perf_counter() - started)
    return {"seconds": m.median(times), "min": min(times), "max": max(times), "runs": runs, "articles": len(paths)}
