"""The evaluation's data sets, case files and accuracy-coverage plots (metrics: test_metrics.py)."""

import pytest

from assistant.evaluation.datasets import DatasetError, SeedCase, load_jsonl_rows, load_squad
from tests.conftest import BBC, DATA, ROOT, SQUAD


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


def _news_cases(name: str) -> list[SeedCase]:
    return load_jsonl_rows((ROOT / "eval" / name).read_text(encoding="utf-8").splitlines(), name, SeedCase)


def _misplaced_spans(cases: list[SeedCase]) -> list[str]:
    """Ids of cases with a gold span that is not text of its BBC article (read as the engine
    reads it) or does not lie inside one of the segmenter's sentences."""
    from assistant.ingest.files import read_article

    bad = []
    for case in cases:
        article = read_article(DATA / case.article)
        for gold in case.gold:
            at = article.text.find(gold)
            if at < 0 or not any(s.start <= at and at + len(gold) <= s.end for s in article.sentences):
                bad.append(case.id)
    return bad


def test_news_questions_are_verbatim_and_inside_one_sentence_of_their_article():
    """Every gold span of eval/news.jsonl is article text inside one sentence, so hit@1 can count it."""
    cases = _news_cases("news.jsonl")
    assert len(cases) == 400 and sum(c.answerable for c in cases) == 280 and len({c.article for c in cases}) == 40
    if not BBC.is_dir():
        pytest.skip("the BBC articles are not at ../shared/data/bbc")
    assert _misplaced_spans(cases) == []


def test_news_training_questions_never_use_an_article_the_news_suite_measures():
    """The reader trains on eval/news-train*.jsonl (the third set's questions paraphrase their
    articles: descriptions for names, synonyms): their articles are disjoint from the news
    suite's, and every answer span is verbatim and inside one sentence, as the trainer needs."""
    training = [c for name in ("news-train.jsonl", "news-train-2.jsonl", "news-train-3.jsonl")
                for c in _news_cases(name)]
    assert len(training) == 3600 and sum(not c.answerable for c in training) == 1200
    assert not {c.article for c in _news_cases("news.jsonl")} & {c.article for c in training}
    if not BBC.is_dir():
        pytest.skip("the BBC articles are not at ../shared/data/bbc")
    assert _misplaced_spans(training) == []


def test_squad_unanswerable_training_questions_name_training_articles_only():
    """eval/squad-unanswerable-train*.jsonl: 7,200 questions written to look answerable from 240
    SQuAD v1.1 training articles that do not answer them (SQuAD 2.0's kind), 40 articles a file;
    each names an article of the training file, which shares none with the SQuAD 2.0 articles
    that measure."""
    import json

    names = ["squad-unanswerable-train.jsonl"] + [f"squad-unanswerable-train-{n}.jsonl" for n in (2, 3, 4, 5, 6)]
    files = [_news_cases(name) for name in names]
    cases = [c for f in files for c in f]
    assert [len(f) for f in files] == [1200] * 6 and not any(c.answerable for c in cases)
    assert len({c.question.lower() for c in cases}) == 7200
    assert {c.article.split("#")[0] for c in cases} == {"squad1.1-train/train-v1.1.json"}
    named = [{c.article.split("#", 1)[1] for c in f} for f in files]
    every = set().union(*named)
    assert [len(n) for n in named] == [40] * 6 and len(every) == 240  # no article in two files
    train = DATA / "squad1.1-train" / "train-v1.1.json"
    if not train.is_file():
        pytest.skip("the SQuAD v1.1 training file is in ../shared/data")
    titles = {a["title"] for a in json.loads(train.read_text(encoding="utf-8"))["data"]}
    assert every <= titles
    assert not every & {a.title for a in load_squad(SQUAD)}


def test_cases_name_an_article_by_the_end_of_its_path(fake_settings, tmp_path):
    """Corpora whose file names repeat across folders (bbc/tech/001.txt, bbc/sport/001.txt)
    name an article by the end of its path; the bare file name is then refused as ambiguous."""
    from assistant.api import Assistant
    from assistant.embedding.embedder import FakeEmbedder
    from assistant.evaluation.seed import run_seed

    texts = {"tech": "Chips\n\nThe chip maker sold more chips.", "sport": "Goals\n\nThe striker scored."}
    for folder, text in texts.items():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "001.txt").write_text(text, encoding="utf-8")
    bot = Assistant.from_paths([tmp_path / "tech" / "001.txt", tmp_path / "sport" / "001.txt"],
                               index_dir=tmp_path / "index", settings=fake_settings, embedder=FakeEmbedder())
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"question": "Who scored?", "answerable": true, "gold": ["The striker scored."], '
                     '"article": "sport/001.txt"}\n', encoding="utf-8")
    row = run_seed(str(cases), bot)["rows"][0]
    assert row["rank"] == 0 and "striker" in row["top_quote"]
    cases.write_text('{"question": "Who scored?", "answerable": false, "article": "001.txt"}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match="names 2 indexed articles"):
        run_seed(str(cases), bot)


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
    from assistant.evaluation.seed import run_seed

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
    from assistant.evaluation.seed import run_seed

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
