"""The low-rank adapter: file round trip, merging (numpy and torch paths agree),
model identity, bad files, fitting, and the evaluation's choice of an adapter
that never saw an article."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.embedding.adapter import Adapter, load_adapter
from assistant.embedding.embedder import make_embedder
from assistant.errors import AdapterError
from assistant.evaluation.datasets import DatasetError
from assistant.ingest.files import article_from_text
from tests.conftest import CORPUS

LAYER = "encoder.layer.0.output.dense"  # weight (384, 1536)


def _random_adapter(trained_on=(), seed=0, scale=2.0) -> Adapter:
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 0.01, (4, 1536)).astype(np.float32)
    b = rng.normal(0, 0.01, (384, 4)).astype(np.float32)
    return Adapter({LAYER: (a, b)}, scale, tuple(trained_on), {"rank": 4})


def test_file_round_trip_is_exact_and_deterministic(tmp_path):
    import zipfile

    adapter = _random_adapter(["f" * 64])
    first, second = adapter.save(tmp_path / "a.npz"), adapter.save(tmp_path / "b.npz")
    assert first == second  # same adapter, same bytes, same sha256 (so the same model id)
    # No entry carries the time of writing (np.savez would stamp it), so a later save matches too.
    with zipfile.ZipFile(tmp_path / "a.npz") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    loaded, sha = load_adapter(str(tmp_path / "a.npz"))
    assert sha == first and loaded.trained_on == ("f" * 64,) and loaded.meta == {"rank": 4}
    assert np.array_equal(loaded.delta(LAYER), adapter.delta(LAYER))
    np.testing.assert_allclose(adapter.delta(LAYER), 2.0 * adapter.layers[LAYER][1] @ adapter.layers[LAYER][0], rtol=1e-4, atol=1e-9)


def test_merge_adds_the_delta_to_exactly_its_layer():
    adapter = _random_adapter()
    weights = {f"{LAYER}.weight": np.zeros((384, 1536), np.float32), "other.weight": np.ones((2, 2), np.float32)}
    adapter.merge_into(weights)
    assert np.array_equal(weights[f"{LAYER}.weight"], adapter.delta(LAYER))
    assert np.array_equal(weights["other.weight"], np.ones((2, 2)))


@pytest.mark.parametrize("raw", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_unreadable_adapter_file_is_a_clear_error(tmp_path, raw):
    path = tmp_path / "bad.npz"
    path.write_bytes(raw)
    with pytest.raises(AdapterError, match="bad.npz"):
        load_adapter(str(path))


def test_missing_or_misshapen_adapter_is_a_clear_error(tmp_path):
    with pytest.raises(AdapterError, match="no such file"):
        load_adapter(str(tmp_path / "nothing.npz"))
    wrong = Adapter({LAYER: (np.ones((4, 7), np.float32), np.ones((384, 4), np.float32))}, 1.0, ())
    with pytest.raises(AdapterError, match="does not fit"):
        wrong.merge_into({f"{LAYER}.weight": np.zeros((384, 1536), np.float32)})
    pair = Adapter({LAYER: (np.ones((4, 1536), np.float32), np.ones((384, 3), np.float32))}, 1.0, ())
    with pytest.raises(AdapterError, match="low-rank pair"):
        Adapter.from_bytes(pair.to_bytes(), "pair.npz")
    for scale in (float("nan"), np.array([1.0, 2.0])):  # not finite; not a number at all
        with pytest.raises(AdapterError, match="scale.npz"):
            Adapter.from_bytes(Adapter({LAYER: (np.ones((4, 1536), np.float32), np.ones((384, 4), np.float32))},
                                       scale, ()).to_bytes(), "scale.npz")


def test_adapter_joins_the_model_id():
    plain = make_embedder(adapter="none")
    shipped = make_embedder()
    assert plain.model_id == "bundled:all-MiniLM-L6-v2"
    assert shipped.model_id.startswith("bundled:all-MiniLM-L6-v2+adapter:") and shipped.weights_sha256 == plain.weights_sha256
    assert make_embedder(adapter=(_random_adapter(), "ab" * 32)).model_id.endswith("+adapter:" + "ab" * 8)


def test_numpy_and_torch_paths_merge_the_same_adapter(tmp_path):
    """The numpy query encoder and sentence-transformers give the same vectors with
    the shipped adapter merged, and both differ from the plain model's."""
    texts = ["Who did Zuckerberg call?", "Facebook considered the Trump campaign an “innovator” for its online marketing."]
    adapted = make_embedder()
    light = adapted.encode(texts)  # small batch: numpy path
    torch_rows = adapted.encode(texts * 70)[:2]  # above LIGHT_MAX_TEXTS: sentence-transformers path
    assert np.all((light * torch_rows).sum(1) >= 0.999)
    plain = make_embedder(adapter="none").encode(texts)
    assert np.all((light * plain).sum(1) < 0.999)


def test_index_built_without_the_adapter_is_rebuilt_with_it(tmp_path):
    settings = Settings(progress=False)
    plain = make_embedder(adapter="none")
    Assistant.from_paths([CORPUS], index_dir=tmp_path / "idx", settings=settings, embedder=plain)
    bot = Assistant.from_paths([CORPUS], index_dir=tmp_path / "idx", settings=settings, embedder=make_embedder())
    assert bot.snapshot.data.model_id == make_embedder().model_id
    answer = bot.ask("Who did Zuckerberg call?")
    quote = answer.quotes[0]
    assert bot.article(quote.article_id).text[quote.start : quote.end] == quote.text


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
    from assistant.evaluation.squad import adapter_examples, held_back

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


def test_evaluation_uses_an_adapter_that_never_saw_the_article(tmp_path):
    from assistant.evaluation.squad import _fold_path, article_embedders

    seen, unseen = article_from_text("Seen\n\nThe first text."), article_from_text("Unseen\n\nThe second text.")
    other_half = article_from_text("Seen\n\nAnother part of the same article.")  # same title, other text
    shipped = tmp_path / "shipped.npz"
    Adapter(_random_adapter().layers, 2.0, (seen.id,), {"titles": ["Seen"]}).save(shipped)
    settings = Settings(adapter=str(shipped), progress=False)
    with pytest.raises(DatasetError, match="--fit"):  # no cross-validation adapter yet
        article_embedders([seen, unseen], settings, tmp_path / "folds")
    (tmp_path / "folds").mkdir()
    fold_sha = Adapter(_random_adapter(seed=1).layers, 2.0, (unseen.id,), {"titles": ["Unseen"]}).save(
        _fold_path(tmp_path / "folds", "Seen"))
    for_seen, for_unseen, for_half = article_embedders([seen, unseen, other_half], settings, tmp_path / "folds")
    assert for_seen.model_id.endswith(fold_sha[:16]) and for_half.model_id == for_seen.model_id
    assert for_unseen.model_id == make_embedder(adapter=str(shipped)).model_id
    # A "cross-validation" adapter that saw the article (by text or by title) is refused.
    for ids, titles in (((seen.id,), []), ((), ["Seen"])):
        Adapter(_random_adapter(seed=2).layers, 2.0, ids, {"titles": titles}).save(_fold_path(tmp_path / "folds", "Seen"))
        with pytest.raises(DatasetError, match="itself"):
            article_embedders([seen, unseen], settings, tmp_path / "folds")


def test_fit_refuses_a_model_it_cannot_adapt():
    from assistant.evaluation.squad import run_squad
    from tests.conftest import SQUAD

    for settings in (Settings(model="fake", progress=False), Settings(adapter="none", progress=False)):
        with pytest.raises(DatasetError, match="bundled model"):
            run_squad(str(SQUAD), settings, fit=True, progress=False)
