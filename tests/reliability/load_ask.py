"""Many threads calling ``ask`` on one ``Assistant`` at once; every answer is compared
with the answer the same question got in a single thread.

The full run of issue 7 (50 threads for a minute, real model, seed + 200 BBC articles):

    python -m tests.reliability.load_ask --threads 50 --seconds 60 --bbc 200   # from the repository root

prints the figures as JSON. tests/reliability/test_load.py runs the same function for
``ASSISTANT_LOAD_SECONDS`` (default 10) on the seed corpus.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository root (this file is in tests/reliability/)


def seed_questions() -> list[str]:
    rows = (ROOT / "eval" / "seed.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(r)["question"] for r in rows if r.strip()]


def _fresh(bot) -> None:
    """Forget cached query vectors, so the threads encode for real (and race on the model)."""
    if hasattr(bot.embedder, "clear_cache"):
        bot.embedder.clear_cache()


def run_load(bot, questions: list[str], threads: int = 50, seconds: float = 10.0) -> dict:
    """Ask ``questions`` round-robin from ``threads`` threads for ``seconds``.

    Returns requests, errors, mismatches (answers that differ from the single-thread
    answer), the fewest asks any one thread completed, and throughput.
    Example: ``run_load(bot, ["Who is Gary Coby?"], 4, 1.0)``.
    """
    _fresh(bot)
    reference = {q: bot.ask(q).model_dump_json() for q in questions}
    _fresh(bot)
    counts = {"requests": 0, "errors": 0, "mismatches": 0}
    per_thread: list[int] = []
    samples: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(threads + 1)
    deadline = [0.0]

    def worker(offset: int) -> None:
        done = errors = mismatches = 0
        start.wait()  # all threads begin at once
        i = offset
        while time.perf_counter() < deadline[0]:
            question = questions[i % len(questions)]
            i += 1
            try:
                if bot.ask(question).model_dump_json() != reference[question]:
                    mismatches += 1
            except Exception as exc:  # counted, and the first few kept for the report
                errors += 1
                with lock:
                    samples.append(repr(exc)[:200])
            done += 1
        with lock:
            counts["requests"] += done
            counts["errors"] += errors
            counts["mismatches"] += mismatches
            per_thread.append(done)

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - began
    return {**counts, "min_per_thread": min(per_thread), "threads": threads, "seconds": round(elapsed, 1),
            "questions": len(questions),
            "asks_per_second": round(counts["requests"] / elapsed, 1), "error_samples": samples[:5]}


def ask_all(bot, questions: list[str], clients: int = 50) -> dict:
    """``clients`` threads, released at once, each asking every one of ``questions``
    once (each from its own offset in the list, so different questions run together).

    Returns every answer as ``(question, Answer)``, the number of errors and the first
    few of them. Example: ``ask_all(bot, ["Who is Gary Coby?"], clients=4)``.
    """
    _fresh(bot)
    answers: list[tuple[str, object]] = []
    samples: list[str] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(offset: int) -> None:
        mine, failed = [], []
        start.wait()
        for k in range(len(questions)):
            question = questions[(offset + k) % len(questions)]
            try:
                mine.append((question, bot.ask(question)))
            except Exception as exc:  # counted, and the first few kept for the report
                failed.append(repr(exc)[:200])
        with lock:
            answers.extend(mine)
            errors[0] += len(failed)
            samples.extend(failed)

    pool = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return {"answers": answers, "errors": errors[0], "error_samples": samples[:5]}


def _bot(bbc: int, fake: bool):
    from assistant import Assistant, Settings

    paths = [ROOT / "corpus"] + sorted((ROOT.parent / "shared" / "data" / "bbc").glob("*/*.txt"))[: bbc * 10 : 10]
    settings = Settings(model="fake" if fake else Settings().model, progress=False)
    return Assistant.from_paths(paths, settings=settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--bbc", type=int, default=200, help="BBC articles indexed beside the seed (every 10th file)")
    parser.add_argument("--fake", action="store_true", help="the fake embedder instead of the real model")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    bot = _bot(args.bbc, args.fake)
    built = time.perf_counter() - started
    questions = seed_questions() + [a.title for a in bot.articles[1:]][:14]
    figures = run_load(bot, questions, args.threads, args.seconds)
    figures.update(articles=len(bot.articles), sentences=sum(len(a.sentences) for a in bot.articles),
                   model=bot.embedder.model_id, build_seconds=round(built, 1))
    print(json.dumps(figures, indent=2))
    return 0 if figures["errors"] == 0 and figures["mismatches"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
