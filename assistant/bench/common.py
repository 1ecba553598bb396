"""What the benchmarks share: repeated-run statistics, warm-ask timing, peak memory,
the child processes' environment and the BBC questions.

Example:
    >>> spread([3.0, 1.0, 2.0])["median"]
    2.0
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from assistant.evaluation import metrics as m

PACKAGE_ROOT = Path(__file__).resolve().parents[2]




def spread(values: list[float]) -> dict:
    """Median, min and max of repeated measurements."""
    return {"median": m.median(values), "min": min(values), "max": max(values), "n": len(values)}


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident memory (VmHWM) of this process, or of process ``pid``, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clear_caches(bot) -> None:
    """Empty the query-vector cache and the reader's logit cache, so a repeated question is timed in full."""
    if hasattr(bot.embedder, "clear_cache"):
        bot.embedder.clear_cache()
    if bot.engine.reader is not None:
        bot.engine.reader.clear_cache()


def measure(bot, questions: list[str], runs: int) -> dict:
    """Warm ask latency: one warm-up pass, then ``runs`` passes over the questions."""
    for q in questions:
        bot.ask(q)
    medians, p95s = [], []
    for _ in range(runs):
        times = []
        for q in questions:
            clear_caches(bot)  # measure real encoding and reading, not the LRU caches
            started = time.perf_counter()
            bot.ask(q)
            times.append((time.perf_counter() - started) * 1000)
        medians.append(m.median(times))
        p95s.append(m.percentile(times, 95))
    return {"median_ms": m.median(medians), "median_min": min(medians), "median_max": max(medians),
            "p95_ms": m.median(p95s), "p95_min": min(p95s), "p95_max": max(p95s),
            "runs": runs, "questions": len(questions)}


def child_env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT), ASSISTANT_PROGRESS="0")
    env.setdefault("HF_HUB_OFFLINE", "1")
    return env


def bbc_questions(folder: Path, every: int = 100) -> list[str]:
    """Headlines of every ``every``-th BBC article (sorted paths), as questions:
    short, topical and answerable by the corpus (23 of them for the full set)."""
    files = sorted(folder.glob("*/*.txt"))[::every]
    return [f.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0].strip() + "?" for f in files]
