import numpy as np
import pytest

from assistant.evaluation import metrics as m
from assistant.training.calibration import fit_logistic
from assistant.evaluation.datasets import DatasetError, SeedCase, load_jsonl_rows, load_squad
from tests.conftest import ROOT, SQUAD


def test_metrics_by_hand():
    assert m.hit_at([0, 1, None, 4], 1) == 0.25 and m.hit_at([0, 1, None, 4], 3) == 0.5
    assert m.mrr([0, 1, None]) == pytest.approx((1 + 0.5) / 3)
    assert m.auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert m.precision_recall_f1([True, True, False], [True, False, True]) == (0.5, 0.5, 0.5)
    assert m.ndcg([[0, 1]]) == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert m.percentile(list(range(1, 101)), 95) == 95


def test_auroc_matches_pairwise_brute_force():
    import random

    rng = random.Random(1)
    scores = [round(rng.random(), 1) for _ in range(60)]
    labels = [rng.random() < 0.4 for _ in range(60)]
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    brute = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
    assert m.auroc(scores, labels) == pytest.approx(brute)


def test_logistic_fit_separates():
    import numpy as np

    X = np.array([[0.0], [0.2], [0.8], [1.0]])
    w, b = fit_logistic(X, np.array([0, 0, 1, 1]), l2=0.01)
    p = 1 / (1 + np.exp(-(X[:, 0] * w[0] + b)))
    assert p[0] < 0.5 < p[3]


def test_dataset_errors_name_line_and_field():
    with pytest.raises(DatasetError, match="line 2: field 'answerable'"):
        load_jsonl_rows(['{"question": "a", "answerable": false}', '{"question": "b"}'], "f.jsonl", SeedCase)
    with pytest.raises(DatasetError, match="line 1: not valid JSON"):
        load_jsonl_rows(["{oops"], "f.jsonl", SeedCase)
    with pytest.raises(DatasetError, match="field 'gold'"):
        load_jsonl_rows(['{"question": "a", "answerable": true, "gold": []}'], "f.jsonl", SeedCase)


def test_seed_questions_gold_sentences_are_in_the_article():
    cases = load_jsonl_rows((ROOT / "eval" / "seed.jsonl").read_text(encoding="utf-8").splitlines(), "seed", SeedCase)
    text = (ROOT / "corpus" / "zuckerberg-trump-call-true-pundit.txt").read_text(encoding="utf-8")
    assert len(cases) >= 30 and sum(not c.answerable for c in cases) >= 10
    assert all(g in text for c in cases for g in c.gold)


def test_squad_gold_spans_point_at_answers():
    import json

    raw = json.loads(SQUAD.read_text(encoding="utf-8"))
    article = load_squad(SQUAD)[0]
    first = raw["data"][0]["paragraphs"][0]["qas"]
    answerable = next(q for q in first if not q["is_impossible"])
    mine = next(q for q in article.questions if q.id == answerable["id"])
    s, e = mine.answers[0]
    assert article.text[s:e] == answerable["answers"][0]["text"]


def test_cases_name_their_article(fake_bot, tmp_path):
    from assistant.evaluation.squad import run_seed

    good = tmp_path / "cases.jsonl"
    good.write_text(
        '{"question": "Who is Gary Coby?", "answerable": true, "gold": ["Gary Coby"], '
        '"article": "zuckerberg-trump-call-true-pundit.txt"}\n'
        '{"question": "What is the capital of France?", "answerable": false}\n', encoding="utf-8")
    result = run_seed(str(good), fake_bot)
    assert result["summary"]["questions"] == 2 and result["summary"]["verbatim_rate"] == 1.0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "q7", "question": "Who?", "answerable": true, "gold": ["x"], "article": "nope.txt"}\n',
                   encoding="utf-8")
    with pytest.raises(DatasetError, match=r"line 1 \(case q7\): field 'article'.*nope.txt"):
        run_seed(str(bad), fake_bot)


@pytest.mark.parametrize("line, error", [
    ('{"question": "Who?", "answerable": true, "gold": ["Gary Coby said nothing"]}',
     r"line 2: field 'gold\[0\]': 'Gary Coby said nothing' is not verbatim text of any indexed article"),
    ('{"question": "Who?", "answerable": true, "gold": ["Hillary"], "article": "zuckerberg-trump-call-true-pundit.txt",'
     ' "artcle": "x"}', r"line 2: field 'artcle': Extra inputs are not permitted"),
    ('{"question": "Who?", "answerable": "yes", "gold": ["Hillary"]}', r"line 2: field 'answerable'"),
    ('{"question": "   ", "answerable": false}', r"line 2: field 'question'.*empty"),
    ('{"id": "a", "question": "Who?", "answerable": false}', r"line 2: field 'id': 'a' is used by an earlier line"),
])
def test_cases_file_errors_name_line_and_field(fake_bot, tmp_path, line, error):
    from assistant.evaluation.squad import run_seed

    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "a", "question": "Who is Gary Coby?", "answerable": true, "gold": ["Gary Coby"]}\n'
                    + line + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=error):
        run_seed(str(path), fake_bot)


def test_accuracy_coverage_matches_brute_force_and_plots_are_png(tmp_path):
    import random

    from assistant.evaluation.plots import accuracy_coverage, plot_coverage, plot_hits

    rng = random.Random(3)
    conf = [rng.random() for _ in range(40)]
    right = [rng.random() < c for c in conf]
    points = accuracy_coverage(conf, right)
    for n in (1, 10, 40):
        top = sorted(range(40), key=lambda i: -conf[i])[:n]
        assert points[n - 1] == (round(n / 40, 3), round(sum(right[i] for i in top) / n, 3))
    thinned = accuracy_coverage(conf, right, max_points=7)
    assert len(thinned) == 7 and thinned[0] == points[0] and thinned[-1] == points[-1]
    assert set(thinned) <= set(points) and thinned == sorted(thinned, key=points.index)
    with pytest.raises(ValueError, match="at least 2"):
        accuracy_coverage(conf, right, max_points=1)
    for path in (plot_coverage({"x": points}, tmp_path / "c.png"),
                 plot_hits({"a": {"hit@1": 0.5, "hit@3": 0.7, "hit@5": 0.9}}, tmp_path / "h.png")):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_balanced_threshold_maximises_the_smaller_slack():
    """Against a loop over every possible threshold: none leaves both the found
    share (>= 0.90) and the rejection share (>= 0.95) a larger margin."""
    from assistant.training.calibration import balanced_threshold

    rng = np.random.default_rng(3)
    for _ in range(20):
        own, off = rng.beta(5, 2, rng.integers(5, 60)), rng.beta(2, 5, rng.integers(5, 60))
        chosen = balanced_threshold(own, off)

        def slack(t: float) -> float:
            return min(np.mean(own >= t) - 0.90, np.mean(off < t) - 0.95)

        grid = np.linspace(0, 1, 2001)
        assert slack(chosen) >= max(slack(t) for t in grid)


def test_balanced_threshold_sits_in_the_middle_of_a_gap():
    """Separated scores: the threshold is midway between the highest off-article
    score and the lowest answerable one, touching neither."""
    from assistant.training.calibration import balanced_threshold

    assert balanced_threshold(np.array([0.6, 0.7, 0.9]), np.array([0.1, 0.3])) == pytest.approx(0.45)


def test_balanced_threshold_meets_both_targets_where_a_fixed_rejection_share_does_not():
    """Scores where rejecting a fixed 96% of off-article questions finds only 89%
    of the answerable ones, though a threshold meeting both targets exists: the
    balanced threshold finds it."""
    from assistant.training.calibration import balanced_threshold

    off = np.arange(100) / 100.0  # 0.00 .. 0.99
    own = np.array([0.5] * 7 + [0.955] * 4 + [0.98] * 89)
    fixed = np.sort(off)[96] + 1e-6  # the earlier rule: the 96% quantile of the off-article scores
    assert np.mean(own >= fixed) < 0.90
    t = balanced_threshold(own, off)
    assert np.mean(own >= t) >= 0.90 and np.mean(off < t) >= 0.95
