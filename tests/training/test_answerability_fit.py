"""`assistant train answerability`: the reader's answerability model fitted on news questions.

The fit's threshold is checked against a loop over every threshold; the command runs for
real (the bundled model and reader, BBC articles) on a few training questions, and its
record is checked against the files it names; the shipped model's record is checked
against the shipped reader and the training sets, so a reader retrained without a refit
of this model fails here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.checksum import file_sha256
from assistant.cli import main
from assistant.errors import AssistantError, DatasetError
from assistant.ranking.answerability import ALL_FEATURES, GATE_FEATURES, AnswerabilityModel, shipped_model
from assistant.ranking.reader import verify_bundled
from assistant.training.answerability import DEFAULT_DATA, INPUTS, TARGETS, Row, fit_rows, inputs_record
from tests.conftest import BBC, ROOT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _rows(rng, n: int = 300, off: int = 0) -> list[Row]:
    """Synthetic ``GATE_FEATURES`` rows: the reader's logit (column 5) says whether the first
    quote is right."""
    rows = []
    for i in range(n + off):
        answerable, is_off = i % 3 != 0 and i < n, i >= n
        right = answerable and rng.random() < 0.85
        features = rng.normal(size=len(GATE_FEATURES))
        features[5] += 2.5 if right else -1.0
        rows.append(Row(features.tolist(), right, answerable, is_off))
    return rows


def test_threshold_balances_the_targets_better_than_any_other():
    """Against a loop over a fine grid: no threshold leaves both the found share of the
    right-first answerable rows and the not-found share of the unanswerable rows a larger
    slack to ``TARGETS``; off-article rows do not count in either share."""
    rng = np.random.default_rng(0)
    rows = _rows(rng, off=120)
    model = fit_rows(rows)
    p = model.probabilities(np.array([r.features for r in rows]))
    right = np.array([r.right for r in rows])
    unanswerable = np.array([not r.answerable and not r.off_article for r in rows])

    def slack(t: float) -> float:
        return min(np.mean(p[right] >= t) - TARGETS[0], np.mean(p[unanswerable] < t) - TARGETS[1])

    assert slack(model.threshold) >= max(slack(t) for t in np.linspace(0, 1, 4001))
    assert model.features == ALL_FEATURES and model.weights[5] == max(model.weights)


def test_off_article_rows_teach_the_gate_and_the_probability_is_the_product():
    """Off-article rows with a low cosine (column 0) give a gate that leans on the cosine;
    the answer part is fitted on the own rows alone (the same as without off-article rows),
    and the probability is the two multiplied."""
    rng = np.random.default_rng(1)
    own = _rows(rng)
    off = [Row([-3.0] + r.features[1:], False, False, True) for r in _rows(rng, n=0, off=200)]
    without, with_off = fit_rows(own), fit_rows(own + off)
    assert without.gate is None and with_off.gate is not None
    assert with_off.gate.weights[0] == max(with_off.gate.weights) > 0
    assert with_off.features == ALL_FEATURES and with_off.gate.features == GATE_FEATURES
    assert with_off.weights == pytest.approx(without.weights)
    X = np.array([r.features for r in own + off])
    plain = AnswerabilityModel(with_off.weights, with_off.bias, 0.5, with_off.mean, with_off.scale, ALL_FEATURES)
    assert with_off.probabilities(X) == pytest.approx(plain.probabilities(X) * with_off.gate.probabilities(X))
    assert np.mean(with_off.probabilities(X[len(own):]) < with_off.threshold) > 0.95


def test_the_gate_learns_from_the_rows_asked_alone_and_nothing_else_from_them():
    """With rows asked of one-article indexes (``alone``), the gate is fitted on those alone:
    off-article rows told apart by column 1 there (and by column 0 among the others) give a
    gate that leans on column 1; the answer part and the threshold ignore the alone rows."""
    rng = np.random.default_rng(3)
    own = _rows(rng)
    off = [Row([-3.0] + r.features[1:], False, False, True) for r in _rows(rng, n=0, off=200)]
    alone = [Row(r.features[:1] + [2.0] + r.features[2:], r.right, r.answerable, alone=True) for r in _rows(rng)]
    alone += [Row(r.features[:1] + [-2.0] + r.features[2:], False, False, True, alone=True)
              for r in _rows(rng, n=0, off=200)]
    model, without = fit_rows(own + off + alone), fit_rows(own + off)
    assert model.gate.weights[1] == max(model.gate.weights) > 0
    named = fit_rows(own + off + [Row(r.features[:1] + [0.0] + r.features[2:8] + [0.0 if r.off_article else 1.0, 1.0],
                                      r.right, r.answerable, r.off_article, r.alone)
                                  for r in alone])  # only the name share tells the alone rows apart
    assert named.gate.weights[8] == max(named.gate.weights) > 0 and named.weights == pytest.approx(without.weights)
    assert without.gate.weights[0] == max(without.gate.weights)
    assert model.weights == pytest.approx(without.weights)
    p = model.probabilities(np.array([r.features for r in own]))
    right = np.array([r.right for r in own])
    unanswerable = np.array([not r.answerable for r in own])
    t = model.threshold  # set between the own rows' right-first and unanswerable ones
    assert min(np.mean(p[right] >= t) - TARGETS[0], np.mean(p[unanswerable] < t) - TARGETS[1]) >= max(
        min(np.mean(p[right] >= x) - TARGETS[0], np.mean(p[unanswerable] < x) - TARGETS[1])
        for x in np.linspace(0, 1, 2001))


def test_fit_refuses_rows_without_the_reader_or_without_unanswerable_ones():
    with pytest.raises(AssistantError, match="reader"):
        fit_rows([Row([0.1] * 5, True, True), Row([0.2] * 5, False, False)])
    rows = [r for r in _rows(np.random.default_rng(2)) if r.answerable]
    with pytest.raises(DatasetError, match="unanswerable"):
        fit_rows(rows)


def test_model_round_trips_with_its_record():
    record = {"data": [{"path": "x.jsonl", "sha256": "0" * 64}], "fit": {"questions": 3}}
    gate = AnswerabilityModel([0.3] * len(GATE_FEATURES), 0.1, 0.5, features=GATE_FEATURES)
    model = AnswerabilityModel([0.1] * len(ALL_FEATURES), -0.2, 0.4, features=ALL_FEATURES, fitted_on=record,
                               gate=gate)
    again = AnswerabilityModel.from_json(model.to_json())
    assert again == model and again.fitted_on == record and again.gate == gate
    copy = model.to_dict()
    copy["weights"].append(1.0)
    copy["fitted_on"]["fit"]["questions"] = 99
    assert len(model.weights) == len(ALL_FEATURES) and model.fitted_on["fit"]["questions"] == 3
    row = list(np.linspace(-1, 1, len(GATE_FEATURES)))
    assert again.probability(row) == pytest.approx(model.probability(row))


@pytest.mark.skipif(not BBC.is_dir(), reason="needs ../shared/data/bbc")
def test_command_fits_on_real_questions_and_records_what_it_read(tmp_path, monkeypatch):
    """Two articles' training questions through the real model and the bundled reader: the
    written model loads and its record names the file's sha256, the reader's weights, the
    shipped ranker, mix and adapter it read through, the command as given, and as many
    questions (and off-article ones) as the file holds."""
    monkeypatch.delenv("ASSISTANT_READER", raising=False)
    cases = [json.loads(line) for line in (ROOT / DEFAULT_DATA[0]).read_text(encoding="utf-8").splitlines()]
    articles = sorted({c["article"] for c in cases})[:2]
    data = tmp_path / "few.jsonl"
    data.write_text("".join(json.dumps(c) + "\n" for c in cases if c["article"] in articles), encoding="utf-8")
    out = tmp_path / "answerability.json"
    rc = main(["train", "answerability", "--data", str(data), "--data-root", str(BBC.parent),
               "--out", str(out), "--index", str(tmp_path / "idx"), "--quiet"])
    assert rc == 0
    model = AnswerabilityModel.from_json(out.read_text(encoding="utf-8"))
    record = model.fitted_on
    assert record["data"] == [{"path": str(data), "sha256": file_sha256(data), "questions": 30}]
    assert record["reader"] == {"setting": "bundled", "weights_sha256": verify_bundled()["weights_sha256"]}
    assert record["inputs"] == {name: file_sha256(ROOT / "assistant/data" / name) for name in INPUTS}
    assert record["command"] == f"assistant train answerability --data {data} --data-root {BBC.parent} " \
                                f"--out {out} --index {tmp_path / 'idx'} --quiet"
    fit = record["fit"]
    answerable = sum(c["answerable"] for c in cases if c["article"] in articles)
    assert fit["questions"] == 30 and fit["answerable"] == answerable
    # each question also asked of its article alone, each answerable one of the other article alone
    assert fit["asked_alone"] == 30 and fit["off_article_asked"] == answerable
    assert 0.0 < model.threshold < 1.0


def test_shipped_model_was_fitted_through_the_shipped_reader_on_the_training_sets():
    """The shipped record names the bundled reader's weights, the ranker, mix and adapter
    files and the news training sets as they are in the repository: retraining the reader,
    refitting the ranker or mix (or editing a set) without `assistant train answerability`
    fails here."""
    model = shipped_model(with_reader=True)
    assert model.features == ALL_FEATURES and model.gate.features == GATE_FEATURES and model.fitted_on is not None
    assert model.fitted_on["reader"]["weights_sha256"] == verify_bundled()["weights_sha256"]
    assert model.fitted_on["inputs"] == inputs_record() and set(inputs_record()) == set(INPUTS)
    assert [d["path"] for d in model.fitted_on["data"]] == list(DEFAULT_DATA)
    for entry in model.fitted_on["data"]:
        assert entry["sha256"] == file_sha256(ROOT / entry["path"]), entry["path"]
    assert tuple(model.fitted_on["targets"].values()) == TARGETS
    assert not any("squad2" in d["path"] or d["path"] in ("eval/news.jsonl", "eval/seed.jsonl")
                   for d in model.fitted_on["data"])  # nothing that measures it
    assert Path(ROOT / "assistant/data/answerability-reader.json").is_file()


def test_command_errors_are_clear(tmp_path, monkeypatch, capsys):
    """Articles missing under --data-root, and no reader to fit for: one line that says what to do."""
    monkeypatch.delenv("ASSISTANT_READER", raising=False)
    assert main(["train", "answerability", "--data-root", str(tmp_path), "--out", str(tmp_path / "a.json"),
                 "--index", str(tmp_path / "idx"), "--quiet"]) != 0
    err = capsys.readouterr().err
    assert "eval/news-train.jsonl: 80 of the 80 articles" in err and "--data-root" in err
    monkeypatch.setenv("ASSISTANT_READER", "none")
    assert main(["train", "answerability", "--out", str(tmp_path / "a.json"), "--quiet"]) != 0
    assert "ASSISTANT_READER is 'none'" in capsys.readouterr().err
    assert not (tmp_path / "a.json").exists()
