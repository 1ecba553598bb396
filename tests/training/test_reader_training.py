"""``assistant train reader``: the examples it builds, and a tiny real run that
checkpoints, resumes to the same weights, and exports a reader both loaders agree on."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from assistant.ingest.files import article_from_text
from assistant.training.reader_data import answer_sentence, pick_negatives
from tests.conftest import DATA

TRAIN = DATA / "squad1.1-train" / "train-v1.1.json"
TEXT = "T\n\nThe cat sat on the mat. The dog ran far away. A bird sang.\n\nThe cat slept. Rain fell."


def test_the_answer_sentence_is_the_one_sentence_of_its_paragraph_with_the_answer_text():
    article = article_from_text(TEXT)
    dog = TEXT.index("dog")
    assert answer_sentence(article, [(dog, dog + 3)], ["dog"]) == 1
    cat = TEXT.index("cat")  # "cat" is in sentence 0 and, in another paragraph, sentence 3: the span's paragraph wins
    assert answer_sentence(article, [(cat, cat + 3)], ["cat"]) == 0
    the = TEXT.index("The")  # in two sentences of the same paragraph: ambiguous, left out
    assert answer_sentence(article, [(the, the + 3)], ["The"]) is None
    assert answer_sentence(article, [], ["dog"]) is None


def test_negatives_come_from_the_paragraph_first_then_retrieval_and_never_repeat_the_answer():
    article = article_from_text(TEXT)
    chosen = pick_negatives(article, 1, [3, 1, 4, 0, 2], 3, random.Random(0))
    assert len(chosen) == 3 and 1 not in chosen and len(set(chosen)) == 3
    assert set(chosen[:2]) == {0, 2}  # the gold sentence's paragraph neighbours, up to two
    assert chosen[2] == 3  # then the best retrieved sentence not already chosen
    assert pick_negatives(article, 3, [], 4, random.Random(0)) == [4]  # nothing retrieved: what the paragraph has


def _tiny_squad(path, articles: int = 2, paragraphs: int = 3) -> None:
    data = json.loads(TRAIN.read_text(encoding="utf-8"))["data"][:articles]
    path.write_text(json.dumps({"data": [{"title": a["title"], "paragraphs": a["paragraphs"][:paragraphs]}
                                         for a in data]}), encoding="utf-8")


@pytest.mark.slow
def test_a_tiny_run_checkpoints_resumes_to_the_same_weights_and_exports(tmp_path):
    pytest.importorskip("torch")
    if not TRAIN.is_file():
        pytest.skip("the SQuAD v1.1 training file is in ../shared/data")
    import torch

    from assistant.embedding.light_reader import LightReader
    from assistant.training.reader import Plan, export, train
    from assistant.training.reader_sources import data_record

    torch.set_num_threads(1)  # the same kernels in both runs
    _tiny_squad(tmp_path / "tiny.json")
    plan = Plan(data=str(tmp_path / "tiny.json"), per_article=5, negatives=2, batch_questions=2, max_length=48)
    straight, done, _, total = train(plan, tmp_path / "a", 5, resume=False, progress=False, max_steps=3)
    assert done.step == 3 <= total and done.pairs == 3 * 2 * 3 and len(done.losses) == 3
    assert {p.suffix for p in (tmp_path / "a" / "checkpoint").iterdir()} == {".safetensors", ".json"}  # no pickle
    train(plan, tmp_path / "b", 5, resume=False, progress=False, max_steps=1)
    resumed, again, _, _ = train(plan, tmp_path / "b", 5, resume=True, progress=False, max_steps=3)
    assert again.step == 3 and again.losses[:1] == done.losses[:1]
    for (name, a), b in zip(straight[0].model.state_dict().items(), resumed[0].model.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-5), name
    out = export(straight, plan, done, total, {"questions": 0}, tmp_path / "reader", "assistant train reader",
                 data_record(plan, tmp_path / "a"))
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["steps"] == 3 and provenance["pairs_seen"] == 18
    assert [d["path"] for d in provenance["data"]] == plan.data and len(provenance["data"][0]["sha256"]) == 64
    from sentence_transformers import CrossEncoder

    pairs = ("Who ruled?", ["The king ruled the land.", "Rain fell on the hills.", "Nobody knows."])
    light = LightReader(out, backend="numpy").scores(*pairs)
    heavy = CrossEncoder(str(out)).predict([(pairs[0], s) for s in pairs[1]], activation_fn=torch.nn.Identity())
    assert np.allclose(light, heavy, atol=1e-4)
    with pytest.raises(Exception, match="other settings"):
        train(Plan(**{**plan.__dict__, "lr": 1e-3}), tmp_path / "b", 5, resume=True, progress=False, max_steps=4)
    # --init continues from the exported reader (its fp16 weights), and the provenance chains to it.
    from assistant.training.reader import new_model

    further = Plan(**{**plan.__dict__, "init": str(out), "seed": 1})
    start = new_model(further, "cpu")[0].model.state_dict()
    for name, value in straight[0].model.state_dict().items():
        assert torch.allclose(start[name], value, rtol=1e-3, atol=1e-3), name
    cont, step1, _, total1 = train(further, tmp_path / "c", 5, resume=False, progress=False, max_steps=1)
    out2 = export(cont, further, step1, total1, {"questions": 0}, tmp_path / "reader2", "assistant train reader",
                  data_record(further, tmp_path / "c"))
    record = json.loads((out2 / "provenance.json").read_text())["init"]
    assert record["path"] == str(out) and record["weights_sha256"] == provenance["weights_sha256"]


def _length_scorer(offset: float = 0.0):
    """A stand-in for the CrossEncoder: a candidate's logit is its length / 10 + ``offset``;
    its ``model`` records the modes it is put in (``eval``, ``train``)."""
    torch = pytest.importorskip("torch")

    class Inputs(dict):
        def to(self, _):
            return self

    class Net:
        def __init__(self):
            self.modes = []

        def __call__(self, lengths):
            return type("Out", (), {"logits": (lengths + offset).view(-1, 1)})

        def eval(self):
            self.modes.append("eval")

        def train(self):
            self.modes.append("train")

    class Scorer:
        tokenizer = staticmethod(lambda q, t, **kw: Inputs(lengths=torch.tensor([len(x) / 10 for x in t])))
        model = Net()

        def __getitem__(self, _):
            return self

    return Scorer()


def test_the_null_option_is_the_target_of_unanswerable_questions_and_a_bar_for_the_rest():
    """With ``Plan.null`` the loss of an unanswerable question is -log of the null option's
    softmax share (logit 0 against every candidate), and an answerable question's answer must
    beat the null option too; without it, an unanswerable example is refused."""
    from assistant.training.reader import Plan, batch_loss
    from assistant.training.reader_data import ReaderExample

    scorer = _length_scorer()
    none = ReaderExample("Who?", "", ("abcde", "abcdefghij"))
    found = ReaderExample("Who?", "abcdefghijklmnopqrst", ("abcde",))
    plan = Plan(negatives=1, null=True)
    loss, pairs = batch_loss(scorer, [none, found], plan, "cpu")
    l_none = -np.log(1 / (1 + np.exp(0.5) + np.exp(1.0)))
    l_found = -np.log(np.exp(2.0) / (np.exp(2.0) + np.exp(0.5) + 1))
    assert pairs == 4 and float(loss) == pytest.approx((l_none + l_found) / 2, rel=1e-5)
    with pytest.raises(ValueError, match="null option"):
        batch_loss(scorer, [none], Plan(negatives=1), "cpu")


def test_validation_scores_each_question_as_a_loop_over_its_candidates_does():
    """``validate`` against a loop over every question: hit@1 (the answer sentence above
    every negative), unanswerable below "none" (every candidate's logit below 0) and the
    mean loss of its batches; the stand-in reader's logit is the candidate's length / 10 - 1."""
    from assistant.training.reader import Plan, batch_loss, validate
    from assistant.training.reader_data import ReaderExample

    rng = np.random.default_rng(0)
    words = ["x" * int(n) for n in rng.integers(1, 25, size=200)]
    examples = [ReaderExample("Q?", words[i] if i % 3 else "", tuple(words[i + 1 : i + 1 + int(rng.integers(1, 4))]))
                for i in range(0, 150, 4)]
    plan = Plan(negatives=3, null=True, batch_questions=4)
    scorer = _length_scorer(offset=-1.0)
    got = validate(scorer, examples, plan, "cpu")
    hits = [len(e.positive) >= max(map(len, e.negatives)) for e in examples if e.positive]  # a tie: first wins
    below = [max(map(len, e.negatives)) < 10 for e in examples if not e.positive]
    losses = [float(batch_loss(scorer, examples[i : i + 4], plan, "cpu")[0]) for i in range(0, len(examples), 4)]
    assert 0 < sum(hits) < len(hits) and 0 < sum(below) < len(below)  # both outcomes occur
    assert got["questions"] == len(examples)
    assert got["hit@1_of_candidates"] == pytest.approx(np.mean(hits))
    assert got["unanswerable_below_none"] == pytest.approx(np.mean(below))
    assert got["loss"] == pytest.approx(np.mean(losses), rel=1e-5)
    assert scorer.model.modes == ["eval", "train"]


@pytest.mark.slow
def test_labelled_questions_build_examples_with_unanswerable_ones_and_train(tmp_path):
    """``--data FILE.jsonl``: answerable questions get their answer sentence, unanswerable ones
    only candidates; a tiny run with the null option exports a reader whose provenance says so."""
    pytest.importorskip("torch")
    from assistant.training.reader import Plan, export, train
    from assistant.training.reader_sources import data_record
    from assistant.training.reader_data import build_case_examples
    from tests.conftest import CORPUS

    cases = tmp_path / "cases.jsonl"
    article = "zuckerberg-trump-call-true-pundit.txt"
    cases.write_text("\n".join(json.dumps(c) for c in [
        {"question": "Who ran Trump's digital ads?", "answerable": True, "gold": ["director of digital advertising"],
         "article": article},
        {"question": "Did Facebook love the campaign?", "answerable": True, "gold": ["Facebook loved us"],
         "article": article},
        {"question": "How long did the call last?", "answerable": False, "article": article}]) + "\n",
        encoding="utf-8")
    examples = build_case_examples(cases, CORPUS, negatives=2, seed=0, progress=False)
    text = (CORPUS / article).read_text(encoding="utf-8")
    unanswerable = [e for e in examples if not e.positive]
    assert len(unanswerable) == 1 and len(unanswerable[0].negatives) == 3
    gold = {"Who ran Trump's digital ads?": "director of digital advertising",
            "Did Facebook love the campaign?": "Facebook loved us"}
    assert len(examples) == 3 and all(gold[e.question] in e.positive for e in examples if e.positive)
    assert all(e.positive in text and all(n in text and n != e.positive for n in e.negatives) for e in examples)
    plan = Plan(data=str(cases), data_root=str(CORPUS), null=True, negatives=2, batch_questions=3, max_length=48)
    model, done, _, total = train(plan, tmp_path / "w", 5, resume=False, progress=False, max_steps=1)
    assert done.step == 1 and done.pairs == 9  # three questions, three sentences read each
    out = export(model, plan, done, total, {"questions": 0}, tmp_path / "reader", "assistant train reader",
                 data_record(plan, tmp_path / "w"))
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["plan"]["null"] is True and provenance["data"][0]["path"] == str(cases)
    assert provenance["data"][0]["examples"] == 3


def test_the_examples_cache_stores_each_sentence_once_and_gives_the_examples_back_in_order(tmp_path):
    from assistant.training.reader_data import ReaderExample, load_examples, read_header, save_examples

    shared = "The king ruled the land for forty years. " * 4
    examples = [ReaderExample("Who ruled?", shared, ("Rain fell.", "Nobody knows."), "A"),
                ReaderExample("What fell?", "Rain fell.", (shared,), "A"),
                ReaderExample("Who sang?", "", ("A bird sang.", shared), "B"),
                ReaderExample("When?", "Later.", (), "A")]
    path = tmp_path / "examples.jsonl.xz"
    save_examples(examples, path, {"source": "x.json", "sha256": "ab"})
    assert load_examples(path) == ({"source": "x.json", "sha256": "ab", "examples": 4}, examples)
    assert read_header(path)["examples"] == 4
    import lzma

    lines = lzma.open(path, "rt", encoding="utf-8").read().splitlines()
    assert sum(line.count(shared) for line in lines) == 2  # once per article that reads it
    lzma.open(path, "wt", encoding="utf-8").write("\n".join(lines[:2]) + "\n")  # article B lost
    with pytest.raises(ValueError, match="header says 4"):
        load_examples(path)


@pytest.mark.slow
def test_sources_are_cached_mixed_and_trained_on_without_their_files(tmp_path, monkeypatch):
    """Each ``--data`` source's examples are built once and cached with its sha256; several
    sources are shuffled together (one named twice counts twice); a cache whose file is gone
    still trains (a GPU machine sent the cache), a changed file is built again, and a missing
    file with no cache is a clear error."""
    if not TRAIN.is_file():
        pytest.skip("the SQuAD v1.1 training file is in ../shared/data")
    from assistant.errors import DatasetError
    from assistant.training import reader_sources
    from assistant.training.reader import Plan
    from assistant.training.reader_sources import data_record, examples_for, source_examples

    _tiny_squad(tmp_path / "one.json", articles=1)
    _tiny_squad(tmp_path / "two.json", articles=2, paragraphs=1)
    one, two = str(tmp_path / "one.json"), str(tmp_path / "two.json")
    work = tmp_path / "w"
    plan = Plan(data=[one, two, one], per_article=4, negatives=2)
    mixed = examples_for(plan, work, progress=False)
    singles = {s: source_examples(plan, s, work, progress=False)[1] for s in (one, two)}
    assert sorted(map(repr, mixed)) == sorted(map(repr, singles[one] * 2 + singles[two]))
    assert mixed != singles[one] * 2 + singles[two]  # shuffled together
    assert len(list(work.glob("examples-*.jsonl.xz"))) == 2
    record = data_record(plan, work)
    assert [r["path"] for r in record] == [one, two, one] and record[0]["examples"] == len(singles[one])

    def no_building(*args, **kwargs):
        raise AssertionError("built again")

    monkeypatch.setattr(reader_sources, "build_examples", no_building)
    (tmp_path / "one.json").rename(tmp_path / "gone.json")
    assert examples_for(plan, work, progress=False) == mixed  # the file is gone: its cache serves
    monkeypatch.undo()
    _tiny_squad(tmp_path / "one.json", articles=1, paragraphs=1)  # changed: built again
    assert source_examples(plan, one, work, progress=False)[1] != singles[one]
    assert data_record(plan, work)[0]["sha256"] != record[0]["sha256"]
    with pytest.raises(DatasetError, match="No training file"):
        source_examples(plan, str(tmp_path / "never.json"), work, progress=False)


def test_a_labelled_question_can_name_an_article_of_a_squad_file(tmp_path):
    """``FILE.json#Title`` names that SQuAD article, segmented as ``build_examples`` segments it."""
    if not TRAIN.is_file():
        pytest.skip("the SQuAD v1.1 training file is in ../shared/data")
    from assistant.errors import DatasetError
    from assistant.evaluation.datasets import load_squad
    from assistant.training.reader_data import case_article

    _tiny_squad(tmp_path / "tiny.json")
    squad = load_squad(tmp_path / "tiny.json")[1]
    files: dict = {}
    article = case_article(f"tiny.json#{squad.title}", tmp_path, files)
    assert article.sentences == article_from_text(squad.text).sentences and len(article.sentences) > 3
    assert list(files) == ["tiny.json"]  # read once, kept for the file's other articles
    with pytest.raises(DatasetError, match="no article titled"):
        case_article("tiny.json#Nowhere", tmp_path, files)


def test_the_commit_recorded_says_when_the_code_that_ran_is_not_committed(tmp_path, monkeypatch):
    """In a git checkout of a package: its commit when the code is as committed (its shipped
    models in ``data/`` may differ: a run writes them), "+uncommitted" after an edit or a new
    file; outside git, ``ASSISTANT_COMMIT``."""
    import subprocess

    from assistant.training.reader_export import _commit

    package = tmp_path / "repo" / "pkg"
    (package / "data").mkdir(parents=True)
    (package / "code.py").write_text("x = 1\n")
    (package / "data" / "model.json").write_text("{}\n")

    def git(*args):
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=package.parent,
                              capture_output=True, text=True, check=True).stdout.strip()

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "first")
    head = git("rev-parse", "HEAD")
    assert _commit(package) == head
    (package / "data" / "model.json").write_text('{"fitted": true}\n')
    assert _commit(package) == head
    (package / "code.py").write_text("x = 2\n")
    assert _commit(package) == head + "+uncommitted"
    git("commit", "-qam", "second")
    (package / "new.py").write_text("y = 1\n")
    assert _commit(package) == git("rev-parse", "HEAD") + "+uncommitted"
    monkeypatch.setenv("ASSISTANT_COMMIT", "abc123")
    outside = tmp_path / "plain"
    outside.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert _commit(outside) == "abc123"


HARBOUR = ["The harbour opened in 1850. Fishing boats crowded its quay. A lighthouse was built on the rocks in 1862.",
           "Trade fell after the railway came. The town council bought the harbour in 1921. Tourists fill the quay."]


def _squad2(path, unanswerable: bool = True) -> None:
    """A one-article SQuAD 2.0 file: two answerable questions and, with ``unanswerable``, one marked
    ``is_impossible`` (written as the SQuAD 2.0 file is, with its plausible answer)."""
    def qa(qid: str, question: str, paragraph: int, answer: str) -> dict:
        return {"id": qid, "question": question, "is_impossible": False,
                "answers": [{"text": answer, "answer_start": HARBOUR[paragraph].index(answer)}]}

    paragraphs = [{"context": HARBOUR[0], "qas": [qa("a", "When did the harbour open?", 0, "1850")]},
                  {"context": HARBOUR[1], "qas": [qa("b", "Who bought the harbour?", 1, "The town council")]}]
    if unanswerable:
        paragraphs[1]["qas"].append({"id": "c", "question": "When did the railway close?", "is_impossible": True,
                                     "answers": [], "plausible_answers": [{"text": "1921", "answer_start": 71}]})
    path.write_text(json.dumps({"version": "v2.0", "data": [{"title": "Harbour", "paragraphs": paragraphs}]}),
                    encoding="utf-8")


@pytest.mark.slow
def test_a_squad2_file_trains_the_none_option_with_its_unanswerable_questions(tmp_path):
    """A SQuAD 2.0 source's unanswerable questions become "none of these" examples (they were
    dropped before), and the command turns the null option on for it, from the file or, when only
    its cache was sent, from the cache; a file without such questions leaves it off."""
    pytest.importorskip("torch")
    from assistant.cli import main
    from assistant.training.reader import Plan
    from assistant.training.reader_data import build_examples
    from assistant.training.reader_sources import has_unanswerable, source_examples

    _squad2(tmp_path / "v2.json")
    _squad2(tmp_path / "v1.json", unanswerable=False)
    examples = build_examples(tmp_path / "v2.json", per_article=10, negatives=2, seed=0, progress=False)
    sentences = {s.text for s in article_from_text("Harbour\n\n" + "\n\n".join(HARBOUR)).sentences}
    by_question = {e.question: e for e in examples}
    assert set(by_question) == {"When did the harbour open?", "Who bought the harbour?", "When did the railway close?"}
    none = by_question["When did the railway close?"]
    assert none.positive == "" and len(none.negatives) == 3 and set(none.negatives) <= sentences
    assert "1850" in by_question["When did the harbour open?"].positive
    assert "The town council" in by_question["Who bought the harbour?"].positive
    plan, work = Plan(data=[str(tmp_path / "v2.json")], negatives=2), tmp_path / "w"
    assert has_unanswerable(plan, plan.data[0], work) and not has_unanswerable(plan, str(tmp_path / "v1.json"), work)
    source_examples(plan, plan.data[0], work, progress=False)
    (tmp_path / "v2.json").rename(tmp_path / "sent-away.json")  # a GPU machine gets the cache, not the file
    assert has_unanswerable(plan, plan.data[0], work)
    assert not has_unanswerable(plan, str(tmp_path / "never.json"), work)
    common = ["--negatives", "2", "--batch-questions", "3", "--max-length", "48", "--max-steps", "1", "--quiet"]
    for name, null in (("v2.json", True), ("v1.json", False)):
        out = tmp_path / f"reader-{name}"
        assert main(["train", "reader", "--data", str(tmp_path / name), "--work", str(work), "--out", str(out),
                     *common]) == 0
        assert json.loads((out / "provenance.json").read_text())["plan"]["null"] is null
