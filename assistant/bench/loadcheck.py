"""``assistant loadcheck``: many chat users at once, through the web UI's own API.

Scope: N ``gradio_client`` clients in parallel threads, each asking Q questions
about the seed article one after another (each client is its own session, so
its follow-ups use its own history). Reports errors (a failed call, or a reply
that is neither quote cards nor "Not found"), and the median and 95th
percentile of the response time as a person would see it (request to full
reply, queueing included).

Without ``--url`` it first starts ``assistant serve`` in a child process and
measures the time from starting it to the page answering its first question
(the index must already be built, as after ``make run``), then stops it.

Example:
    >>> summarise([0.1, 0.2, 0.3, 0.4], errors=[])["median_ms"]
    250.0
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from assistant.evaluation import metrics as m
from assistant.answer.render import NOT_FOUND

FALLBACK_QUESTIONS = ["Who is Gary Coby?", "Who did Zuckerberg call after the 2016 election?",
                      "What did Facebook's politics director say?"]


def seed_questions(path: str | Path = "eval/seed.jsonl") -> list[str]:
    """The seed suite's questions (or three built-in ones when the file is absent)."""
    path = Path(path)
    if not path.is_file():
        return FALLBACK_QUESTIONS
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ask_once(client, question: str) -> float:
    """Seconds for one question through ``/ask``; raises when the reply is not an answer."""
    started = time.perf_counter()
    chat, _, _ = client.predict(question, [], "__all__", api_name="/ask")
    elapsed = time.perf_counter() - started
    content = chat[-1]["content"]
    text = content if isinstance(content, str) else " ".join(p.get("text", "") for p in content)
    if "¶" not in text and NOT_FOUND not in text:
        raise RuntimeError(f"unexpected reply to {question!r}: {text[:120]!r}")
    return elapsed


def run_load(url: str, clients: int, questions: int, pool: list[str]) -> dict:
    """``clients`` threads x ``questions`` asks each against ``url``; a summary dict."""
    from gradio_client import Client

    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(clients)

    def user(number: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as exc:  # count it and let the others run
            with lock:
                errors.append(f"client {number}: {exc}")
            start_gate.abort()
            return
        try:
            start_gate.wait(timeout=120)  # all users start asking together
        except threading.BrokenBarrierError:
            pass
        for i in range(questions):
            question = pool[(number * questions + i) % len(pool)]
            try:
                elapsed = ask_once(client, question)
                with lock:
                    times.append(elapsed)
            except Exception as exc:
                with lock:
                    errors.append(f"client {number}, question {i + 1}: {exc}")

    threads = [threading.Thread(target=user, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = summarise(times, errors)
    result.update(clients=clients, questions_per_client=questions, wall_s=round(time.perf_counter() - started, 2))
    return result


def summarise(times: list[float], errors: list[str]) -> dict:
    ms = [t * 1000 for t in times]
    return {"answered": len(ms), "errors": len(errors), "error_samples": errors[:5],
            "median_ms": round(m.median(ms), 1) if ms else None,
            "p95_ms": round(m.percentile(ms, 95), 1) if ms else None,
            "max_ms": round(max(ms), 1) if ms else None}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(serve_args: list[str], timeout: float = 300.0) -> tuple[subprocess.Popen, str, float]:
    """Start ``assistant serve`` and wait until it answers a question: (process, url, seconds)."""
    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port), *serve_args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"assistant serve exited with {proc.returncode}: {proc.stderr.read()[-500:]}")
        try:
            ask_once(Client(url, verbose=False), FALLBACK_QUESTIONS[0])
            return proc, url, time.perf_counter() - started
        except Exception:  # not listening yet
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"assistant serve did not answer within {timeout:.0f} s")
