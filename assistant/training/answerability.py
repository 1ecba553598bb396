"""Fit the reader's answerability model on news questions: ``assistant train answerability``.

The model that decides "found" when the reader reads (``answerability-reader.json``)
is fitted on labelled BBC questions written for training (by default the three
``eval/news-train*.jsonl`` sets: 3,600 questions on 240 articles, 1,200 of them
unanswerable), each asked of its own article through the shipped ranker, rerank mix
and reader, among its set's articles and again with its article indexed alone, and
every answerable one also of another article indexed alone. It is
fitted on nothing that measures it: SQuAD 2.0, the news suite and the seed all score it
held out. News questions rather than SQuAD's, because the seed and the news suite
paraphrase their articles, and a model fitted on Wikipedia questions set its threshold
above half of the seed's answerable questions.

Two logistic regressions, multiplied: a gate (is the question about this article; the
off-article questions against the rest, all asked of one article indexed alone, as the
seed and each SQuAD article are; it also reads whether the question's names occur in
the article) and the answer part (does the first quote
answer: an answerable question with a gold text in its first quote; the questions
about their own article). The threshold balances two targets on the same questions
(``TARGETS``, modelled on the seed suite's): of the answerable questions whose first
quote is right, the share found (0.92; a threshold cannot mend a wrong first quote),
and of the unanswerable ones, the share not found (0.85). The record it ships with
(``fitted_on``) names every source's sha256, those of the reader's weights and of the
ranker, mix and adapter files whose output it reads, and what the fit reached on its
own questions.

Example:
    $ assistant train answerability --data-root ../shared/data
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.checksum import file_sha256
from assistant.errors import AssistantError, DatasetError
from assistant.ranking.answerability import ALL_FEATURES, GATE_FEATURES, SHIPPED_WITH_READER, AnswerabilityModel

DEFAULT_DATA = ("eval/news-train.jsonl", "eval/news-train-2.jsonl", "eval/news-train-3.jsonl")
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEFAULT_OUT = DATA_DIR.parent / SHIPPED_WITH_READER
INPUTS = ("ranker.json", "rerank.json", "adapter.npz")  # shipped models the features depend on
TARGETS = (0.92, 0.85)  # answerable with the right first quote found; unanswerable not found


@dataclass(frozen=True)
class Row:
    """One asked question: its answerability ``features``, whether its first quote is
    ``right`` (answerable, with a gold text in it), whether it is ``answerable``,
    whether it was asked of another article than its own (``off_article``), and whether
    the article it was asked of was indexed ``alone`` (the gate's rows, when there are)."""

    features: list[float]
    right: bool
    answerable: bool
    off_article: bool = False
    alone: bool = False


def question_rows(bot, cases: list, progress: bool = True) -> list[Row]:
    """Each labelled case asked of its own article through ``bot``'s engine, its articles
    indexed together (the people view, which answers "Who is X?" without these features,
    is not consulted): the rows the answer part and the threshold are fitted on."""
    from tqdm.auto import tqdm

    from assistant.evaluation.seed import _article_ids, _check_gold

    rows = []
    for number, case in enumerate(tqdm(cases, desc="asking", unit="question", disable=not progress), 1):
        ids = _article_ids(bot, case, number)
        _check_gold(bot, case, ids)
        answer, features = bot.explain(case.question, 1, None, ids)
        if features:  # else nothing to quote: no row to learn from
            rows.append(Row(features, _right(case, answer), case.answerable))
    return rows


def alone_rows(bot, cases: list, progress: bool = True) -> list[Row]:
    """The gate's rows: each case asked of its own article indexed alone, and every
    answerable one also of the next article (in id order) indexed alone (off-article).

    Alone, because that is how the seed, SQuAD and a one-article corpus are indexed: a
    word the article lacks then weighs the most, so the coverage and IDF features of an
    off-article question differ from those in an index of 80 articles. And off-article
    questions at all, because the unanswerable ones are all about their article: without
    them the fit never sees a question that has nothing to do with the article, such as
    a recipe. ``bot``'s embedder and reader serve every one-article assistant."""
    from tqdm.auto import tqdm

    from assistant.api import Assistant
    from assistant.evaluation.seed import _article_ids

    articles = {article.id: article for article in bot.articles}
    order, alone = sorted(articles), {}
    settings = bot.settings.model_copy(update={"progress": False})

    def ask(article_id: str, question: str):
        if article_id not in alone:
            alone[article_id] = Assistant.from_articles([articles[article_id]], bot.embedder, settings)
            alone[article_id].engine.reader = bot.engine.reader  # one reader, loaded once
        return alone[article_id].explain(question, 1)

    rows = []
    for number, case in enumerate(tqdm(cases, desc="asking alone", unit="question", disable=not progress), 1):
        own = (_article_ids(bot, case, number) or [None])[0]
        if own is None or len(order) < 2:
            continue  # no article to ask it of alone, or no other article
        answer, features = ask(own, case.question)
        rows += [Row(features, _right(case, answer), case.answerable, alone=True)] if features else []
        if case.answerable:
            _, features = ask(order[(order.index(own) + 1) % len(order)], case.question)
            rows += [Row(features, False, False, True, alone=True)] if features else []
    return rows


def _right(case, answer) -> bool:
    """Whether the first quote answers: the case is answerable and holds a gold text."""
    return case.answerable and any(gold in answer.quotes[0].text for gold in case.gold)


def fit_rows(rows: list[Row], targets: tuple[float, float] = TARGETS) -> AnswerabilityModel:
    """The model fitted on ``rows`` (``GATE_FEATURES``): that the first quote answers (from
    the reader's features), from the questions asked of their own article, times a gate (from
    all ten), that the question is about the article, from the ``alone`` rows (or, when there are none, from all rows)
    with the off-article ones against the rest; its threshold balances ``targets``
    between the right-first answerable rows and the unanswerable ones, not ``alone``."""
    from assistant.training.calibration import balanced_threshold, fit_probability

    X = np.array([r.features for r in rows], dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(GATE_FEATURES):
        raise AssistantError("The reader's answerability model needs the reader's features: "
                             "train it with a reader (ASSISTANT_READER is 'none').")
    alone = np.array([r.alone for r in rows])
    off = np.array([r.off_article for r in rows])
    own = ~off & ~alone
    right = np.array([r.right for r in rows]) & own
    # The threshold is set between these and the right-first answerable ones; off-article
    # rows (easily rejected) would only flatter the rejected share: they teach the gate alone.
    unanswerable = ~np.array([r.answerable for r in rows]) & own
    if not right.any() or not unanswerable.any():
        raise DatasetError("Fitting answerability needs answerable questions whose first quote is right "
                           "and unanswerable ones; the data has none of one kind.")
    # The answer part reads the reader's features; only the gate reads the question's names.
    model = fit_probability(X[own][:, : len(ALL_FEATURES)], right[own].astype(int))
    gate = alone if alone.any() else np.ones(len(rows), dtype=bool)
    if off[gate].any():
        model = replace(model, gate=fit_probability(X[gate], (~off[gate]).astype(int)))
    p = model.probabilities(X)
    return replace(model, threshold=balanced_threshold(p[right], p[unanswerable], targets))


def fit_summary(model: AnswerabilityModel, rows: list[Row]) -> dict:
    """What ``model`` reaches on the ``rows`` it was fitted on (at its threshold)."""
    from assistant.evaluation.metrics import auroc

    off = np.array([r.off_article for r in rows])
    asked_alone = sum(r.alone and not r.off_article for r in rows)
    rows = [r for r in rows if not r.off_article and not r.alone]
    p = model.probabilities(np.array([r.features for r in rows]))
    found = p >= model.threshold
    answerable = np.array([r.answerable for r in rows])
    right = np.array([r.right for r in rows])
    return {"questions": len(rows), "answerable": int(answerable.sum()), "right_first": int(right.sum()),
            "off_article_asked": int(off.sum()), "asked_alone": asked_alone,
            "auroc_answerable_vs_unanswerable": round(auroc(p.tolist(), answerable.astype(int).tolist()), 4),
            "found_of_right_first": round(float(found[right].mean()), 4),
            "found_right_first": round(float((found & right)[answerable].mean()), 4),
            "not_found_unanswerable": round(float((~found[~answerable]).mean()), 4)}


def reader_record(setting: str) -> dict:
    """The reader the features came from: the setting, and the bundled one's weights sha256."""
    from assistant.ranking.reader import BUNDLED, verify_bundled

    record = {"setting": setting}
    if setting == BUNDLED:
        record["weights_sha256"] = verify_bundled()["weights_sha256"]
    return record


def inputs_record() -> dict:
    """The sha256 of each shipped file whose output the features read (``INPUTS``): the
    model is stale once one changes (a test checks)."""
    return {name: file_sha256(DATA_DIR / name) for name in INPUTS if (DATA_DIR / name).is_file()}


def main(args) -> tuple[Path, AnswerabilityModel]:
    """``assistant train answerability``: ask every labelled question, fit, write ``--out``;
    the path written and the model (with its ``fitted_on`` record)."""
    from assistant.api import Assistant
    from assistant.evaluation.datasets import SeedCase, case_files, load_jsonl
    from assistant.ranking.reader import NONE
    from assistant.settings import Settings
    from assistant.training.reader_export import _commit

    settings = Settings.from_env()
    if settings.reader == NONE:
        raise AssistantError("ASSISTANT_READER is 'none': the model fitted here is the reader's; unset it.")
    sources = args.data or list(DEFAULT_DATA)
    rows, record = [], {"data": []}
    for source in sources:  # one index per source: BBC repeats a few articles word for word across sets
        cases = load_jsonl(source, SeedCase)
        index = Path(args.index) / "train-answerability" / Path(source).stem
        bot = Assistant.from_paths(case_files(cases, args.data_root, source), index_dir=index,
                                   settings=settings)
        rows += question_rows(bot, cases, progress=not args.quiet) + alone_rows(bot, cases, not args.quiet)
        record["data"].append({"path": source, "sha256": file_sha256(Path(source)), "questions": len(cases)})
    model = fit_rows(rows)
    record |= {"targets": {"found_of_right_first": TARGETS[0], "not_found_unanswerable": TARGETS[1]},
               "reader": reader_record(settings.reader), "inputs": inputs_record(),
               "command": args.command_line, "commit": _commit(), "fit": fit_summary(model, rows)}
    out = Path(args.out) if args.out else DEFAULT_OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    model = replace(model, fitted_on=record)
    out.write_text(model.to_json() + "\n", encoding="utf-8")
    return out, model


def summary_line(out: Path, model: AnswerabilityModel) -> str:
    """What ``assistant train answerability`` says when it is done."""
    fit = model.fitted_on["fit"]
    return (f"{out}: fitted on {fit['questions']:,} questions ({fit['answerable']:,} answerable) and "
            f"{fit['off_article_asked']:,} asked of another article indexed alone; threshold {model.threshold:.3f}; "
            f"on its own questions AUROC {fit['auroc_answerable_vs_unanswerable']:.3f}, found right first "
            f"{fit['found_right_first']:.3f}, unanswerable not found {fit['not_found_unanswerable']:.3f}")
