"""50 threads asking one Assistant at once (real model): zero errors and the same
answers as in a single thread. ``ASSISTANT_LOAD_SECONDS`` sets the duration
(default 10 s here; ``python -m tests.load_ask`` runs the full minute)."""

import os

import pytest

from tests.load_ask import run_load, seed_questions

pytestmark = pytest.mark.slow


def test_fifty_threads_ask_at_once_without_errors_or_different_answers(real_bot):
    seconds = float(os.environ.get("ASSISTANT_LOAD_SECONDS", "10"))
    figures = run_load(real_bot, seed_questions(), threads=50, seconds=seconds)
    print(f"\nload: {figures}")
    assert figures["errors"] == 0, figures["error_samples"]
    assert figures["mismatches"] == 0
    assert figures["requests"] >= 50  # every thread got through at least about one ask


def test_threads_with_the_fake_embedder_and_follow_ups(fake_bot):
    """The same on the fake embedder, where nothing is serialised by a model lock."""
    figures = run_load(fake_bot, seed_questions() + ["What else did he say?", "🤔", "Wer rief an?"], threads=50, seconds=3)
    assert figures["errors"] == 0 and figures["mismatches"] == 0, figures
