"""50 threads asking one Assistant at once (real model): zero errors, every request
answered with verbatim quotes of the seed article, and the same answers as in a
single thread. ``ASSISTANT_LOAD_SECONDS`` sets the duration of the timed run
(default 10 s here; ``python -m tests.reliability.load_ask`` runs the full minute)."""

import os

import pytest

from assistant.ingest.files import article_id
from tests.conftest import SEED
from tests.reliability.load_ask import ask_all, run_load, seed_questions

CLIENTS = 50


def _assert_quotes_the_seed_verbatim(question: str, answer) -> None:
    """Answered (not an error, not empty), every quote cut from the seed file's own text."""
    text = SEED.read_text(encoding="utf-8")
    assert answer.question == question and answer.quotes, question
    for quote in answer.quotes:
        assert quote.article_id == article_id(text)
        assert text[quote.start:quote.end] == quote.text, (question, quote.text)


@pytest.mark.slow
def test_every_client_gets_every_question_answered_verbatim(real_bot):
    questions = seed_questions()[:12]
    reference = {q: real_bot.ask(q) for q in questions}  # one thread, before the crowd
    figures = ask_all(real_bot, questions, clients=CLIENTS)
    assert figures["errors"] == 0, figures["error_samples"]
    answers = figures["answers"]
    assert len(answers) == CLIENTS * len(questions)  # 50 clients x 12 questions = 600 answers
    assert sorted(q for q, _ in answers) == sorted(questions * CLIENTS)  # each client asked each question once
    for question, answer in answers:
        _assert_quotes_the_seed_verbatim(question, answer)
        assert answer == reference[question], question


@pytest.mark.slow
def test_fifty_threads_ask_at_once_without_errors_or_different_answers(real_bot):
    seconds = float(os.environ.get("ASSISTANT_LOAD_SECONDS", "10"))
    questions = seed_questions()
    for question in questions:  # the single-thread answers run_load compares every answer with
        _assert_quotes_the_seed_verbatim(question, real_bot.ask(question))
    figures = run_load(real_bot, questions, threads=CLIENTS, seconds=seconds)
    print(f"\nload: {figures}")
    assert figures["errors"] == 0, figures["error_samples"]
    assert figures["mismatches"] == 0
    assert figures["min_per_thread"] >= 1  # no thread was starved for the whole run


def test_threads_with_the_fake_embedder_and_follow_ups(fake_bot):
    """The same on the fake embedder, where nothing is serialised by a model lock."""
    questions = seed_questions() + ["What else did he say?", "🤔", "Wer rief an?"]
    figures = run_load(fake_bot, questions, threads=CLIENTS, seconds=3)
    assert figures["errors"] == 0 and figures["mismatches"] == 0, figures
    assert figures["min_per_thread"] >= 1
    counted = ask_all(fake_bot, questions, clients=8)
    assert counted["errors"] == 0, counted["error_samples"]
    assert len(counted["answers"]) == 8 * len(questions)
    for question, answer in counted["answers"]:
        _assert_quotes_the_seed_verbatim(question, answer)
