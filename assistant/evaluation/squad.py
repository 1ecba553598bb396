"""Run an evaluation suite and return its rows and summary tables.

Suites: ``seed`` (questions over ``corpus/``), ``squad2`` (a SQuAD 2.0 file, each
article indexed on its own, every method compared in one run, answerability
cross-validated leave-one-article-out) and ``attribution`` (labelled speakers).
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.embedding.adapter import NONE, Adapter, adapter_sha256, load_adapter
from assistant.api import Assistant
from assistant.embedding.embedder import embedder_for, resolve_adapter
from assistant.evaluation import metrics as m
from assistant.training.adapter import NULL_NEGATIVES, Example, fit_adapter, hard_negatives
from assistant.training.calibration import fit_model, fit_ranker
from assistant.evaluation.datasets import AttributionCase, DatasetError, SeedCase, load_jsonl, load_squad
from assistant.evaluation.plots import accuracy_coverage
from assistant.ingest.files import article_from_text, decode_bytes, read_article
from assistant.ranking.candidates import METHODS
from assistant.settings import BUNDLED_MODEL, Settings
from assistant.types import Article

ADAPTERS = Path("eval/adapters")  # the cross-validation adapters that --fit writes
QUERY_CACHE = 20000  # query vectors kept per embedder: a SQuAD run asks each question of several methods
REPORTED = METHODS + ("dense_base",)  # dense_base: dense-only with the plain model, no adapter


def _first_hit(quotes, spans: list[tuple[int, int]], use_quote: bool = False) -> int | None:
    for rank, q in enumerate(quotes):
        lo, hi = (q.start, q.end) if use_quote else q.highlight
        if any(lo <= s and e <= hi for s, e in spans):
            return rank
    return None


def _ask_row(bot: Assistant, q, method: str, row: dict, name: str | None = None) -> list[float]:
    """Ask ``q`` with ``method``, record its rank (and quote facts for the
    shipped method) in ``row`` under ``name`` (default: the method); return the
    answerability features."""
    started = time.perf_counter()
    answer, f = bot.explain(q.question, 10, method)
    method = name or method
    row[f"{method}_ms"] = (time.perf_counter() - started) * 1000
    if method == "hybrid":
        row["features"], row["confidence"] = f, answer.confidence
        row["quote_chars"] = len(answer.quotes[0].text) if answer.quotes else 0
        row["quote_rank"] = _first_hit(answer.quotes[:1], q.answers, use_quote=True)
    row[f"{method}_rank"] = _first_hit(answer.quotes, q.answers) if q.answerable else None
    row[f"{method}_verbatim"] = _verbatim(bot, answer)
    return f


def _gold_mask(bounds: list[tuple[int, int]], answers: list[tuple[int, int]]) -> np.ndarray:
    """Per (start, end) of a sentence, whether it contains one of the gold ``answers`` spans."""
    return np.array([any(lo <= s and e <= hi for s, e in answers) for lo, hi in bounds], dtype=bool)


def _ranker_lists(bot: Assistant, questions) -> list[tuple[np.ndarray, np.ndarray]]:
    """(candidate features, gold mask) for every answerable question whose
    gold answer lies inside one candidate sentence."""
    out = []
    for q in questions:
        if not q.answerable:
            continue
        spans, scored = bot.candidates(q.question, "hybrid")
        gold = _gold_mask([(lo, hi) for _, lo, hi in spans], q.answers)
        if gold.any():
            out.append((scored.features, gold))
    return out


def run_squad(path: str, settings: Settings, limit: int | None = None, off_per_article: int = 150,
              progress: bool = True, seed: int = 0, fit: bool = False, adapters: Path = ADAPTERS) -> dict:
    """Per-article retrieval for every method, plus answerability features for
    own (answerable and unanswerable) and off-article questions. Everything the
    shipped method learns is cross-validated leave-one-article-out: each article
    is embedded with an adapter that never saw its questions (``fit`` trains
    them, else they are read from ``adapters``) and ranked with a ranker fitted
    on the other articles. ``dense_base`` is dense-only with no adapter."""
    if fit and (settings.model != BUNDLED_MODEL or settings.adapter == NONE):
        raise DatasetError("--fit trains the adapter of the bundled model: unset ASSISTANT_MODEL and ASSISTANT_ADAPTER.")
    articles = load_squad(path)
    if fit and len(articles) < 2:
        raise DatasetError("--fit needs at least two articles: each is scored with an adapter fitted on the others.")
    built = [article_from_text(a.text) for a in articles]
    run_settings = settings.model_copy(update={"progress": False})
    rng = random.Random(seed)
    questions = [a.questions[: limit or None] for a in articles]
    base = embedder_for(settings, QUERY_CACHE, adapter=NONE)
    base_bots = [Assistant.from_articles([b], base, run_settings) for b in built]
    fitted = fit_adapters(built, [a.questions for a in articles], base, adapters, progress) if fit else None
    shipped = (fitted, adapter_sha256(fitted.to_bytes())) if fitted is not None else None
    embedders = article_embedders(built, run_settings, adapters, shipped)
    # Two passes over the questions: the baselines, then the shipped ranker fitted without each article.
    bar = tqdm(total=2 * sum(map(len, questions)), desc="squad2 (2 passes)", unit="asks", disable=not progress)
    bots, rows, lists = [], [], []
    for art, b, emb, base_bot, qs in zip(articles, built, embedders, base_bots, questions):
        bot = Assistant.from_articles([b], emb, run_settings)
        bots.append(bot)
        lists.append(_ranker_lists(bot, qs))
        for q in qs:
            row = {"article": art.title, "id": q.id, "question": q.question, "answerable": q.answerable}
            bot.embedder.encode_query(q.question)  # cached: every method's timing then excludes the encoding
            base.encode_query(q.question)
            for method in METHODS[1:]:
                _ask_row(bot, q, method, row)
            _ask_row(base_bot, q, "dense", row, name="dense_base")
            rows.append(row)
            bar.update(1)
    feats, unseen_feats, at = [], [], 0
    for ai, (bot, qs) in enumerate(zip(bots, questions)):
        train = [x for j, part in enumerate(lists) if j != ai for x in part]
        if train:  # a one-article run has nothing to cross-validate with: keep the shipped ranker
            bot.ranker = fit_ranker(train)
        for q in qs:
            f = _ask_row(bot, q, "hybrid", rows[at])
            feats.append((ai, f, q.answerable and rows[at]["hybrid_rank"] == 0, False, q.answerable))
            at += 1
            bar.update(1)
        others = [q for j, o in enumerate(questions) if j != ai for q in o if q.answerable]
        for q in rng.sample(others, min(off_per_article, len(others))):
            _, f = bot.explain(q.question, 1)
            feats.append((ai, f, False, True, False))  # not answerable by the article it is asked of
        # The answerable ones above trained the adapter (on their own article); the
        # unanswerable ones held back from training check that figure.
        unseen = [q for j, o in enumerate(questions) if j != ai for q in held_back(o)]
        for q in rng.sample(unseen, min(off_per_article, len(unseen))):
            unseen_feats.append((ai, bot.explain(q.question, 1)[1]))
    bar.close()
    return {"rows": rows, "features": feats, "articles": [a.title for a in articles],
            "ranker_lists": lists, "adapter": fitted, "unseen_off": unseen_feats}


def _fold_path(folder: Path, title: str) -> Path:
    """Named by title, so the other half of a split article finds it too."""
    return folder / f"without-{re.sub(r'[^A-Za-z0-9]+', '-', title).strip('-')[:80] or 'untitled'}.npz"


def held_back(questions) -> list:
    """Every second unanswerable question (odd positions among them, in file order):
    no adapter trains on these, so asked of other articles they check the
    off-article rejection with questions the model never saw."""
    return [q for q in questions if not q.answerable][1::2]


def adapter_examples(article: Article, questions, embedder) -> list[Example]:
    """(question, gold sentence, hard negatives) for every answerable question whose
    gold answer lies inside one sentence, and (question, none, closest sentences)
    for the unanswerable ones not ``held_back``; neighbours by the base model's cosine."""
    texts = [s.text for s in article.sentences]
    vectors = embedder.encode(texts)
    bounds = [(s.start, s.end) for s in article.sentences]
    kept_back = {q.id for q in held_back(questions)}
    out = []
    for q in questions:
        gold = _gold_mask(bounds, q.answers if q.answerable else [])
        if gold.any():
            negatives = hard_negatives(vectors, embedder.encode_query(q.question), gold)
            out.append(Example(q.question, texts[int(np.argmax(gold))], tuple(texts[i] for i in negatives)))
        elif not q.answerable and q.id not in kept_back:
            closest = hard_negatives(vectors, embedder.encode_query(q.question), gold, NULL_NEGATIVES)
            out.append(Example(q.question, None, tuple(texts[i] for i in closest)))
    return out


def fit_adapters(articles: list[Article], questions: list, embedder, folder: Path, progress: bool) -> Adapter:
    """Train one adapter per held-out article (written to ``folder``) and one on
    every article (returned: ``write_shipped_models`` ships it)."""
    from assistant.embedding.embedder import bundled_model_dir

    examples = [adapter_examples(a, qs, embedder) for a, qs in zip(articles, questions)]
    folder.mkdir(parents=True, exist_ok=True)
    for held, article in enumerate(articles):
        train = [e for j, part in enumerate(examples) if j != held for e in part]
        others = [a for j, a in enumerate(articles) if j != held]
        fold = fit_adapter(train, bundled_model_dir(), [a.id for a in others], progress=progress,
                           description=f"adapter {held + 1}/{len(articles)} without {article.title[:20]}",
                           titles=[a.title for a in others])
        fold.save(_fold_path(folder, article.title))
    return fit_adapter([e for part in examples for e in part], bundled_model_dir(), [a.id for a in articles],
                       progress=progress, description="adapter on every article", titles=[a.title for a in articles])


def article_embedders(articles: list[Article], settings: Settings, folder: Path,
                      shipped: tuple[Adapter, str] | None = None) -> list:
    """Per article, an embedder whose adapter never saw its questions: the shipped
    one (or ``shipped``, one just fitted), or for an article it was fitted on,
    that article's cross-validation adapter from ``folder`` (``--fit`` writes them)."""
    shipped = shipped or resolve_adapter(settings.model, settings.adapter)
    made: dict[str, object] = {}
    out = []
    for article in articles:
        chosen = shipped
        if shipped is not None and shipped[0].saw(article.id, article.title):
            path = _fold_path(folder, article.title)
            if not path.is_file():
                raise DatasetError(f"The adapter was fitted on the article {article.title!r}, and its cross-validation "
                                   f"adapter {path} is missing; run `assistant eval --suite squad2 --path FILE --fit`.")
            chosen = load_adapter(str(path))
            if chosen[0].saw(article.id, article.title):
                raise DatasetError(f"{path} was fitted on {article.title!r} itself; refit with --fit.")
        key = chosen[1] if chosen else "none"
        if key not in made:
            made[key] = embedder_for(settings, QUERY_CACHE, adapter=chosen or NONE)
        out.append(made[key])
    return out


Feature = tuple[int, list[float], bool, bool, bool]  # article, features, answered correctly, off-article,
# answerable (by the article it was asked of)


def _feature_arrays(features: list[Feature]):
    """The rows' article indices, feature matrix, labels, off-article and answerable masks."""
    art = np.array([r[0] for r in features])
    X = np.array([r[1] for r in features])
    y = np.array([int(r[2]) for r in features])
    off = np.array([r[3] for r in features], dtype=bool)
    answerable = np.array([r[4] for r in features], dtype=bool)
    return art, X, y, off, answerable


def cross_validate(features: list[Feature], n_articles: int,
                   extra: list[tuple[int, list[float]]] = ()) -> tuple[list[float], list[float], list[bool]]:
    """Leave-one-article-out probabilities and thresholds, aligned with ``features``,
    and whether each ``extra`` (article index, features) row is rejected by its
    article's model."""
    art, X, y, off, answerable = _feature_arrays(features)
    probs, thresholds = np.zeros(len(X)), np.zeros(len(X))
    extra_art = np.array([a for a, _ in extra], dtype=np.int64)
    extra_X = np.array([f for _, f in extra], dtype=np.float64)
    rejected = np.zeros(len(extra), dtype=bool)
    for held in range(n_articles):
        train, test = art != held, art == held
        if not test.any():
            continue
        model = fit_model(X[train], y[train], off[train], answerable[train])
        probs[test] = model.probabilities(X[test])
        thresholds[test] = model.threshold
        mine = extra_art == held
        if mine.any():
            rejected[mine] = model.probabilities(extra_X[mine]) < model.threshold
    return probs.tolist(), thresholds.tolist(), rejected.tolist()


def summarise_squad(result: dict) -> dict:
    rows = result["rows"]
    answerable = [r for r in rows if r["answerable"]]
    table = {}
    for method in REPORTED:
        ranks = [r[f"{method}_rank"] for r in answerable]
        table[method] = {
            "hit@1": m.hit_at(ranks, 1), "hit@3": m.hit_at(ranks, 3), "hit@5": m.hit_at(ranks, 5),
            "mrr@10": m.mrr(ranks), "ndcg@10": m.ndcg([[int(i == r) for i in range(10)] if r is not None else [0] for r in ranks]),
            "latency_median_ms": m.median([r[f"{method}_ms"] for r in rows]),
            "latency_p95_ms": m.percentile([r[f"{method}_ms"] for r in rows], 95),
        }
    table["hybrid"]["quote_hit@1"] = m.hit_at([r["quote_rank"] for r in answerable], 1)
    table["hybrid"]["median_quote_chars"] = m.median([r["quote_chars"] for r in rows])
    feats = result["features"]
    unseen = result.get("unseen_off", [])
    probs, thresholds, unseen_rejected = cross_validate(feats, len(result["articles"]), unseen)
    own = [(p, t, f) for p, t, f in zip(probs, thresholds, feats) if not f[3]]
    off = [(p, t) for p, t, f in zip(probs, thresholds, feats) if f[3]]
    ans_flags = [r["answerable"] for r in rows]
    abst = {
        "auroc_answerable_vs_unanswerable": m.auroc([p for p, _, _ in own], [int(a) for a in ans_flags]),
        "auroc_raw_top_cosine": m.auroc([f[1][0] for f in feats if not f[3]], [int(a) for a in ans_flags]),
        "found_rate_own_answerable": float(np.mean([p >= t for (p, t, _), a in zip(own, ans_flags) if a])),
        "not_found_rate_own_unanswerable": float(np.mean([p < t for (p, t, _), a in zip(own, ans_flags) if not a])),
        "off_article_rejection": float(np.mean([p < t for p, t in off])) if off else float("nan"),
        "off_article_rejection_unanswerable_probes": float(np.mean(unseen_rejected)) if unseen else float("nan"),
    }
    predicted = [p >= t for p, t, _ in own]
    correct = [bool(f[2]) for _, _, f in own]
    abst["found_precision"], abst["found_recall"], abst["found_f1"] = m.precision_recall_f1(predicted, correct)
    verbatim = [r[f"{method}_verbatim"] for r in rows for method in REPORTED]
    return {"methods": table, "abstention": abst, "questions": len(rows), "answerable": len(answerable),
            "verbatim_rate": float(np.mean(verbatim)) if verbatim else float("nan"),
            "accuracy_coverage": accuracy_coverage([p for p, _, _ in own], correct)}


def _article_ids(bot: Assistant, case: SeedCase, number: int) -> list[str] | None:
    """The article a case names (by id, file name or title), or None for all."""
    if not case.article:
        return None
    for a in bot.articles:
        if case.article in (a.id, a.title) or (a.source_path and Path(a.source_path).name == case.article):
            return [a.id]
    raise DatasetError(f"{case.where}: field 'article': no indexed article has the id, file name "
                       f"or title {case.article!r}.")


def _check_gold(bot: Assistant, case: SeedCase, ids: list[str] | None) -> None:
    """Each gold text must be verbatim text of the named article (or of some article):
    a typo would otherwise just score as a miss."""
    texts = [bot.article(i).text for i in ids] if ids else [a.text for a in bot.articles]
    for k, gold in enumerate(case.gold):
        if not gold.strip() or not any(gold in text for text in texts):
            where = f"article {case.article!r}" if ids else "any indexed article"
            raise DatasetError(f"{case.where}: field 'gold[{k}]': {gold[:80]!r} is not verbatim text of {where}; "
                               "copy it exactly from the article (same quotes, dashes and spaces).")


def _verbatim(bot: Assistant, answer) -> bool:
    return all(bot.article(q.article_id).text[q.start : q.end] == q.text for q in answer.quotes)


def _case_row(bot: Assistant, case: SeedCase, number: int) -> dict:
    ids = _article_ids(bot, case, number)
    _check_gold(bot, case, ids)
    started = time.perf_counter()
    answer = bot.ask(case.question, top_k=5, article_ids=ids)
    ms = (time.perf_counter() - started) * 1000
    quote_rank = next((i for i, q in enumerate(answer.quotes) if any(g in q.text for g in case.gold)), None)
    sentence_rank = next((i for i, q in enumerate(answer.quotes)
                          if any(g in q.highlight_text or q.highlight_text in g for g in case.gold)), None)
    return {"id": case.id or str(number), "question": case.question, "answerable": case.answerable,
            "found": answer.found, "confidence": answer.confidence, "rank": quote_rank,
            "sentence_rank": sentence_rank, "ms": ms, "verbatim": _verbatim(bot, answer),
            "top_quote": answer.quotes[0].text if answer.quotes else None}


def run_seed(path: str, bot: Assistant) -> dict:
    """Labelled questions over the indexed corpus (the seed suite, or a user's
    ``cases`` file): the top quote should contain a gold text; unanswerable
    questions should come back not found."""
    cases = load_jsonl(path, SeedCase)
    rows = [_case_row(bot, case, n) for n, case in enumerate(cases, 1)]
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    correct = [r["answerable"] and r["rank"] == 0 for r in rows]
    p, r_, f1 = m.precision_recall_f1([r["found"] for r in rows], correct)
    return {"rows": rows, "summary": {
        "questions": len(rows), "answerable": len(ans), "unanswerable": len(una),
        "quote_hit@1": m.hit_at([r["rank"] for r in ans], 1), "quote_hit@3": m.hit_at([r["rank"] for r in ans], 3),
        "sentence_hit@1": m.hit_at([r["sentence_rank"] for r in ans], 1),
        "found_rate_answerable": float(np.mean([r["found"] for r in ans])) if ans else float("nan"),
        "not_found_rate_unanswerable": float(np.mean([not r["found"] for r in una])) if una else float("nan"),
        "auroc_answerable_vs_unanswerable": m.auroc([r["confidence"] for r in rows], [int(r["answerable"]) for r in rows]),
        "found_precision": p, "found_recall": r_, "found_f1": f1,
        "verbatim_rate": float(np.mean([r["verbatim"] for r in rows])) if rows else float("nan"),
        "latency_median_ms": m.median([r["ms"] for r in rows]),
        "latency_p95_ms": m.percentile([r["ms"] for r in rows], 95),
        "accuracy_coverage": accuracy_coverage([r["confidence"] for r in rows], correct),
    }}


def _read_case_file(case: AttributionCase, roots: list[Path]):
    for root in roots:
        path = root / case.file
        if path.is_file():
            if path.suffix == ".txt" and path.with_suffix(".json").is_file():
                return read_article(path)
            return article_from_text(decode_bytes(path.read_bytes(), str(path)), source_path=str(path))
    return None


def run_attribution(path: str, roots: list[Path]) -> dict:
    """Speaker and kind accuracy on labelled sentences."""
    cases = load_jsonl(path, AttributionCase)
    cache: dict[str, object] = {}
    rows = []
    for case in cases:
        if case.file not in cache:
            cache[case.file] = _read_case_file(case, roots)
        article = cache[case.file]
        if article is None:
            rows.append({"file": case.file, "sentence": case.sentence, "error": "file not found"})
            continue
        at = article.text.find(case.sentence)
        sentence = next((s for s in article.sentences if s.start <= at < s.end), None) if at >= 0 else None
        a = sentence.attribution if sentence else None
        predicted = a.speaker if a else None
        speaker_ok = (predicted is None) if case.speaker is None else bool(
            predicted and any(form in predicted or predicted in form for form in case.speaker))
        rows.append({"file": case.file, "sentence": case.sentence, "pattern": case.pattern,
                     "expected_kind": case.kind, "kind": a.kind if a else None,
                     "expected_speaker": case.speaker, "speaker": predicted,
                     "kind_ok": bool(a and a.kind == case.kind), "speaker_ok": speaker_ok})
    ok = [r for r in rows if "error" not in r]
    attributed = [r for r in ok if r["expected_speaker"]]
    unattributed = [r for r in ok if r["expected_kind"] == "narration"]
    seed = [r for r in ok if r["file"].startswith("corpus/")]
    return {"rows": rows, "summary": {
        "sentences": len(rows), "missing_files": len(rows) - len(ok),
        "speaker_accuracy_attributed": float(np.mean([r["speaker_ok"] for r in attributed])) if attributed else float("nan"),
        "narration_without_speaker": float(np.mean([r["speaker_ok"] for r in unattributed])) if unattributed else float("nan"),
        "kind_accuracy": float(np.mean([r["kind_ok"] for r in ok])) if ok else float("nan"),
        "seed_all_correct": all(r["kind_ok"] and r["speaker_ok"] for r in seed),
    }}


def write_shipped_models(raw: dict, folder: Path | None = None) -> list[Path]:
    """Fit the ranker and the answerability model on every article and write
    the JSON files that ship with the package, and the adapter when the run
    fitted one."""
    folder = folder or Path(__file__).resolve().parent.parent / "data"
    ranker = fit_ranker([x for part in raw["ranker_lists"] for x in part])
    _, X, y, off, answerable = _feature_arrays(raw["features"])
    model = fit_model(X, y, off, answerable)
    paths = [folder / "ranker.json", folder / "answerability.json"]
    for path, text in zip(paths, (ranker.to_json(), model.to_json())):
        path.write_text(text + "\n", encoding="utf-8")
    if raw.get("adapter") is not None:
        paths.append(folder / "adapter.npz")
        raw["adapter"].save(paths[-1])
    return paths
