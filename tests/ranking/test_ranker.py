"""The shipped ranker: question types, features and its JSON (its fitting: tests/training/test_calibration.py)."""

import numpy as np
import pytest

from assistant.ranking.features import FEATURES, question_type, type_match
from assistant.ranking.ranker import Ranker, shipped_ranker


@pytest.mark.parametrize("question, kind", [
    ("How many people confirmed the call?", "number"),
    ("About how much did the campaign spend?", "number"),
    ("When did the call take place?", "time"),
    ("In which year was Facebook founded?", "time"),
    ("Who is Gary Coby?", "person"),
    ("Whose team was heavily involved?", "person"),
    ("What did Facebook's politics director say?", None),
])
def test_question_types(question, kind):
    assert question_type(question) == kind


def test_type_match_reads_the_sentence():
    assert type_match("number", "It was confirmed by three people.")
    assert type_match("number", "The campaign spent $44m.")
    assert not type_match("number", "Nobody confirmed it.")
    assert type_match("time", "He called in November 2016.") and not type_match("time", "He called.")
    assert type_match("person", "The call was confirmed by Gary Coby.")
    assert not type_match("person", "Facebook declined to comment.")  # a capitalised first word is no name
    assert not type_match(None, "Gary Coby spoke in 2016.")


def test_json_round_trip_and_feature_check():
    ranker = shipped_ranker()
    assert len(ranker.weights) == len(FEATURES)
    assert Ranker.from_json(ranker.to_json()).weights == pytest.approx(ranker.weights, abs=1e-6)
    with pytest.raises(ValueError, match="refit"):
        Ranker.from_json('{"features": ["cosine"], "weights": [1.0]}')


def _tokens(lexicon, row: int) -> set[int]:
    """Brute-force reference: a sentence's token ids read straight from the CSR arrays."""
    return set(lexicon.token_ids[lexicon.indptr[row] : lexicon.indptr[row + 1]].tolist())


def _share(terms, *token_sets: set[int]) -> float:
    """Brute-force reference: IDF-weighted share of the question's terms in any of the sets."""
    if terms.total <= 0:
        return 0.0
    return sum(w for t, w in terms.weights.items() if any(t in ids for ids in token_sets)) / terms.total


def test_question_term_hits_and_shares_match_sets():
    import random
    from types import SimpleNamespace

    from functools import partial

    from assistant.ranking.features import QuestionTerms
    from assistant.store.lexical import Lexicon

    rng = random.Random(7)
    for _ in range(200):
        sentences = [sorted(rng.sample(range(30), rng.randrange(0, 12))) for _ in range(rng.randrange(1, 9))]
        lexicon = SimpleNamespace(indptr=np.cumsum([0] + [len(x) for x in sentences]),
                                  token_ids=np.array([t for x in sentences for t in x], dtype=np.int32))
        lexicon.row_tokens = partial(Lexicon.row_tokens, lexicon)  # the real CSR gather over this layout
        weights = {rng.randrange(30): rng.random() for _ in range(rng.randrange(1, 8))}
        terms = QuestionTerms(weights, total=sum(weights.values()) + rng.random())  # unseen terms add mass
        rows = np.array([rng.randrange(len(sentences)) for _ in range(rng.randrange(0, 12))], dtype=np.int64)
        hits = terms.hits(lexicon, rows)
        assert hits.tolist() == [[t in sentences[r] for r in rows.tolist()] for t in weights]
        assert terms.shares(hits) == pytest.approx([_share(terms, set(sentences[r])) for r in rows.tolist()])
    assert QuestionTerms({}, 0.0).shares(np.zeros((0, 2), dtype=bool)).tolist() == [0.0, 0.0]


def test_candidate_coverage_features_match_per_sentence_sets(fake_settings):
    from assistant import Assistant
    from assistant.embedding.embedder import FakeEmbedder
    from assistant.ranking.features import FEATURES, QuestionTerms, candidate_features
    from tests.conftest import SEED, bbc_files

    bot = Assistant.from_paths([SEED, *bbc_files(6)], settings=fake_settings, embedder=FakeEmbedder())
    snapshot = bot.snapshot
    data, paragraphs = snapshot.data, snapshot.paragraph_of_row
    every = np.arange(len(paragraphs))
    subset = np.sort(np.random.default_rng(3).choice(every, size=len(every) // 3, replace=False))
    questions = ["Who did Zuckerberg call after the election?", "How many jobs were cut by the company?",
                 "What did the chairman say about profits this year?", "zzz unknown words only"]
    for rows, question in [(r, q) for r in (every, subset) for q in questions]:
        terms = QuestionTerms.of(data.lexicon, data.lexicon.tokenize(question))
        zeros, near_none = np.zeros(len(rows)), [[] for _ in rows]
        matrix = candidate_features(snapshot, terms, None, rows, zeros, zeros, near_none)
        cover, window = matrix[:, FEATURES.index("coverage")], matrix[:, FEATURES.index("window_coverage")]
        for j, i in enumerate(rows.tolist()):
            near = [n for n in (i - 1, i + 1) if 0 <= n < len(paragraphs) and paragraphs[n] == paragraphs[i]]
            own = _tokens(data.lexicon, i)
            assert cover[j] == pytest.approx(_share(terms, own))
            assert window[j] == pytest.approx(_share(terms, own, *(_tokens(data.lexicon, n) for n in near)))
        assert window.max() > 0 or question.startswith("zzz")


def test_answerability_probabilities_match_the_logistic_formula_row_by_row():
    from assistant.ranking.answerability import AnswerabilityModel

    rng = np.random.default_rng(3)
    rows = rng.normal(size=(40, 5)) * 50  # large values reach the clipped tails
    weights, mean, scale = rng.normal(size=5), rng.normal(size=5), rng.uniform(0.5, 2.0, size=5)
    model = AnswerabilityModel(weights.tolist(), 0.3, 0.5, mean.tolist(), scale.tolist())
    z = np.clip(0.3 + ((rows - mean) / scale) @ weights, -60, 60)
    expected = [1.0 / (1.0 + np.exp(-v)) for v in z]
    assert np.allclose(model.probabilities(rows), expected, rtol=1e-12)
    assert [model.probability(r.tolist()) for r in rows] == model.probabilities(rows).tolist()
    assert model.probabilities(np.zeros((0, 5))).shape == (0,)
