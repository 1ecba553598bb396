"""Fitting the low-rank adapter: its targets, its effect on real-model cosines,
and the examples the evaluation feeds it."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embedding.embedder import make_embedder
from assistant.ingest.files import article_from_text


def test_each_question_targets_its_own_positive_or_none():
    """In a mixed batch, an answerable question's target column holds its own
    positive (positives lead the columns, in batch order); an unanswerable
    question's target is the "none" column after all the sentences."""
    from assistant.training.adapter import Example, _targets

    batch = [Example(f"q{i}", None if i % 2 else f"answer {i}", (f"neg {i}",)) for i in range(7)]
    columns = [e.positive for e in batch if e.answerable] + [n for e in batch for n in e.negatives]
    for example, target in zip(batch, _targets(batch, len(columns))):
        assert (columns[target] == example.positive) if example.answerable else target == len(columns)


@pytest.mark.slow
def test_fitting_pulls_questions_towards_their_sentences():
    """One epoch on a few real examples raises the cosine of each question to its
    own sentence relative to its hard negatives (on the examples it saw)."""
    from assistant.embedding.embedder import bundled_model_dir
    from assistant.training.adapter import Example, fit_adapter

    examples = [Example(f"Which team won the {y} final?", f"The {y} final was won by Club {c}.",
                        (f"The {y} final was played in the rain.", f"Tickets for the {y} final sold out."))
                for y, c in zip(range(1990, 2022), "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF")]

    def margin(embedder) -> float:
        q = embedder.encode([e.question for e in examples])
        p = embedder.encode([e.positive for e in examples])
        n = embedder.encode([e.negatives[0] for e in examples])
        return float(np.mean((q * p).sum(1) - (q * n).sum(1)))

    adapter = fit_adapter(examples, bundled_model_dir(), ["a" * 64], progress=False)
    assert adapter.trained_on == ("a" * 64,) and adapter.meta["examples"] == len(examples)
    assert margin(make_embedder(adapter=(adapter, "cd" * 32))) > margin(make_embedder(adapter="none")) + 0.01


@pytest.mark.slow
def test_fitting_pushes_unanswerable_questions_below_answered_ones():
    """With unanswerable examples (positive None), the fitted model separates them:
    the gap between an answerable question's cosine to its sentence and an
    unanswerable question's cosine to its closest sentence grows, more than
    when the same answerable examples are fitted alone."""
    from assistant.embedding.embedder import bundled_model_dir
    from assistant.training.adapter import Example, fit_adapter

    years, clubs = range(1990, 2022), "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF"
    won = {y: f"The {y} final was won by Club {c}." for y, c in zip(years, clubs)}
    rain = {y: f"The {y} final was played in the rain." for y in years}
    answered = [Example(f"Which team won the {y} final?", won[y], (rain[y],)) for y in years]
    unanswered = [Example(f"Who refereed the {y} final?", None, (won[y], rain[y])) for y in years]

    def gap(embedder) -> float:
        qa, pa = embedder.encode([e.question for e in answered]), embedder.encode([e.positive for e in answered])
        qu = embedder.encode([e.question for e in unanswered])
        closest = np.max([(qu * embedder.encode([e.negatives[i] for e in unanswered])).sum(1) for i in (0, 1)], axis=0)
        return float(np.mean((qa * pa).sum(1)) - np.mean(closest))

    adapter = fit_adapter(answered + unanswered, bundled_model_dir(), ["a" * 64], progress=False)
    alone = fit_adapter(answered, bundled_model_dir(), ["a" * 64], progress=False)
    assert adapter.meta["unanswerable"] == len(unanswered) and 0.0 < adapter.meta["threshold"] < 1.0
    with_none = gap(make_embedder(adapter=(adapter, "ef" * 32)))
    assert with_none > gap(make_embedder(adapter="none")) + 0.02
    assert with_none > gap(make_embedder(adapter=(alone, "01" * 32))) + 0.02


def test_training_examples_hold_back_every_second_unanswerable_question():
    """Answerable questions become (question, sentence) pairs, half the unanswerable
    ones (question, none) pairs; the other half never reach the adapter."""
    from assistant.embedding.embedder import FakeEmbedder
    from assistant.evaluation.datasets import SquadQuestion
    from assistant.training.adapter import adapter_examples, held_back

    article = article_from_text("Cup\n\nClub A won the final. It rained all day. The crowd sang.")
    start = article.text.index("Club A")
    questions = [SquadQuestion("a", "Who won?", True, [(start, start + 6)])] + [
        SquadQuestion(f"u{i}", f"Who refereed game {i}?", False, []) for i in range(5)]
    examples = adapter_examples(article, questions, FakeEmbedder())
    held = {q.question for q in held_back(questions)}
    assert held == {"Who refereed game 1?", "Who refereed game 3?"}
    assert [(e.question, e.positive) for e in examples] == [("Who won?", "Club A won the final.")] + [
        (f"Who refereed game {i}?", None) for i in (0, 2, 4)]
    sentences = {s.text for s in article.sentences}
    assert all(len(e.negatives) == len(set(e.negatives)) and set(e.negatives) <= sentences for e in examples)
    assert all(len(e.negatives) == 3 for e in examples if not e.answerable)
