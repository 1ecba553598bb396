"""The ``squad2`` suite: a SQuAD 2.0 file, each article indexed on its own, every
method compared in one run, everything learned from these articles cross-validated
leave-one-article-out (the reader's answerability model, fitted on news questions,
is scored as it ships).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.api import Assistant
from assistant.embedding.adapter import NONE, Adapter, adapter_sha256, load_adapter
from assistant.embedding.embedder import embedder_for, resolve_adapter
from assistant.errors import DatasetError
from assistant.evaluation import metrics as m
from assistant.evaluation.datasets import gold_mask, load_squad
from assistant.evaluation.plots import accuracy_coverage, reliability
from assistant.evaluation.seed import verbatim
from assistant.ingest.files import article_from_text
from assistant.ranking import pipeline as p
from assistant.ranking.answerability import ALL_FEATURES, FEATURES, shipped_model
from assistant.ranking.candidates import METHODS
from assistant.ranking.reader import CachedReader, RerankWeights, reader_for
from assistant.settings import BUNDLED_MODEL, Settings
from assistant.training.adapter import fit_adapters, fold_path, held_back
from assistant.training.calibration import Feature, feature_arrays, fit_model, fit_ranker
from assistant.types import Article

ADAPTERS = Path("eval/adapters")  # the cross-validation adapters that --fit writes
QUERY_CACHE = 20000  # query vectors kept per embedder: a SQuAD run asks each question of several methods
# dense_base: dense-only with the plain model, no adapter; with a reader, hybrid is ranker + reader,
# ranker_only the ranker alone (no reader) and reader_only the reader's order of the ranker's top N.
REPORTED = METHODS + ("dense_base", "ranker_only", "reader_only")


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
    row[f"{method}_verbatim"] = verbatim(bot, answer)
    return f


def _ranker_lists(bot: Assistant, questions) -> list[tuple[np.ndarray, np.ndarray]]:
    """(candidate features, gold mask) for every answerable question whose
    gold answer lies inside one candidate sentence."""
    out = []
    for q in questions:
        if not q.answerable:
            continue
        spans, ranked = bot.candidates(q.question, "hybrid")
        gold = gold_mask([(lo, hi) for _, lo, hi in spans], q.answers)
        if gold.any():
            out.append((ranked.candidates.features, gold))
    return out


def _reader_lists(bot: Assistant, questions, top_n: int | None = None,
                  keep_misses: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
    """((ranker score, reader logit) of the ranker's top N, gold mask) for every answerable
    question whose gold answer is inside one of those N (with ``keep_misses``, every
    answerable question): what the rerank mix is fitted on."""
    snapshot, engine, out = bot.snapshot, bot.engine, []
    params, top_n = engine.params_for("hybrid"), top_n or engine.top_n
    for q in questions:
        if not q.answerable:
            continue
        query = p.make_query(snapshot, bot.embedder, bot.clean(q.question))
        ranked = p.rank(snapshot, query, p.gather(snapshot, query, params), params, engine.ranker)
        read = p.rerank(snapshot, query, ranked, engine.reader, RerankWeights(1.0, 0.0), top_n)
        top = ranked.order[:top_n]
        bounds = []
        for row in ranked.candidates.rows[top].tolist():
            article, s = snapshot.sentence(row)
            bounds.append((article.sentences[s].start, article.sentences[s].end))
        gold = gold_mask(bounds, q.answers)
        if gold.any() or keep_misses:
            out.append((np.column_stack([ranked.final[top], read.read[top]]), gold))
    return out


def _reader_variants(bot: Assistant, q, row: dict) -> None:
    """The ``ranker_only`` and ``reader_only`` rows of ``q`` (the engine is restored after)."""
    engine = bot.engine
    reader, weights = engine.reader, engine.weights
    try:
        engine.reader = None
        _ask_row(bot, q, "hybrid", row, name="ranker_only")
        engine.reader, engine.weights = reader, RerankWeights(0.0, 1.0)
        _ask_row(bot, q, "hybrid", row, name="reader_only")
    finally:
        engine.reader, engine.weights = reader, weights


def _own_store(settings: Settings, name: str) -> Settings:
    """Each article's assistant in its own Milvus collections (a prefix per article) when the
    suite runs on Milvus: one index per article, as on the local store."""
    if settings.store == "local":
        return settings
    return settings.model_copy(update={"milvus_prefix": f"{settings.milvus_prefix}_{name}"})


def run_squad(path: str, settings: Settings, limit: int | None = None, off_per_article: int = 150,
              progress: bool = True, seed: int = 0, fit: bool = False, adapters: Path = ADAPTERS,
              sweep: tuple[int, ...] = ()) -> dict:
    """Per-article retrieval for every method, plus answerability features for
    own (answerable and unanswerable) and off-article questions. Everything the
    shipped method learns is cross-validated leave-one-article-out: each article
    is embedded with an adapter that never saw its questions (``fit`` trains
    them, else they are read from ``adapters``) and ranked with a ranker fitted
    on the other articles. ``dense_base`` is dense-only with no adapter."""
    if fit and (settings.model != BUNDLED_MODEL or settings.adapter == NONE):
        raise DatasetError("--fit trains the adapter of the bundled model: "
                           "unset ASSISTANT_MODEL and ASSISTANT_ADAPTER.")
    articles = load_squad(path)
    if fit and len(articles) < 2:
        raise DatasetError("--fit needs at least two articles: each is scored with an adapter fitted on the others.")
    built = [article_from_text(a.text) for a in articles]
    run_settings = settings.model_copy(update={"progress": False})
    rng = random.Random(seed)
    questions = [a.questions[: limit or None] for a in articles]
    base = embedder_for(settings, QUERY_CACHE, adapter=NONE)
    base_bots = [Assistant.from_articles([b], base, _own_store(run_settings, f"base{i}")) for i, b in enumerate(built)]
    fitted = fit_adapters(built, [a.questions for a in articles], base, adapters, progress) if fit else None
    shipped = (fitted, adapter_sha256(fitted.to_bytes())) if fitted is not None else None
    embedders = article_embedders(built, run_settings, adapters, shipped)
    # Two passes over the questions: the baselines, then the shipped ranker fitted without each article.
    bar = tqdm(total=2 * sum(map(len, questions)), desc="squad2 (2 passes)", unit="asks", disable=not progress)
    bots = [Assistant.from_articles([b], emb, _own_store(run_settings, f"art{i}"))
            for i, (b, emb) in enumerate(zip(built, embedders))]
    reader = reader_for(settings)
    shared = CachedReader(reader) if reader is not None else None
    for bot in bots:  # one cache: every fold and variant reads a (question, sentence) pair once
        bot.engine.reader = shared
    rows, lists = _baseline_pass(articles, bots, base_bots, questions, base, bar)
    feats, unseen_feats, reader_lists = _shipped_pass(bots, questions, rows, lists, rng, off_per_article, bar)
    bar.close()
    swept = None
    if sweep and shared is not None:  # every N scored with the same leave-one-article-out rankers
        from assistant.evaluation.rerank_sweep import sweep_top_n

        swept = sweep_top_n([_reader_lists(bot, qs, max(sweep), keep_misses=True)
                             for bot, qs in zip(bots, questions)], sweep)
    return {"rows": rows, "features": feats, "articles": [a.title for a in articles], "ranker_lists": lists,
            "reader_lists": reader_lists, "adapter": fitted, "unseen_off": unseen_feats, "rerank_sweep": swept}


def _baseline_pass(articles, bots, base_bots, questions, base, bar) -> tuple[list[dict], list]:
    """Every baseline method on every question (a row each), and each article's ranker lists."""
    rows, lists = [], []
    for art, bot, base_bot, qs in zip(articles, bots, base_bots, questions):
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
    return rows, lists


def _shipped_pass(bots, questions, rows, lists, rng, off_per_article: int, bar) -> tuple[list, list, list]:
    """The shipped method per article with a ranker (and, with a reader, a rerank mix)
    fitted on the other articles; the answerability features of its own questions, of
    other articles' answerable questions (off-article) and of held-back unanswerable
    ones (``held_back``); and each article's reader lists (to ship the mix)."""
    for ai, bot in enumerate(bots):
        train = [x for j, part in enumerate(lists) if j != ai for x in part]
        if train:  # a one-article run has nothing to cross-validate with: keep the shipped ranker
            bot.ranker = fit_ranker(train)
    reading = bots[0].engine.reader is not None
    reader_lists = [_reader_lists(bot, qs) for bot, qs in zip(bots, questions)] if reading else []
    feats, unseen_feats, at = [], [], 0
    for ai, (bot, qs) in enumerate(zip(bots, questions)):
        mix = [x for j, part in enumerate(reader_lists) if j != ai for x in part]
        if mix:
            bot.engine.weights = RerankWeights(*fit_ranker(mix).weights)
        for q in qs:
            f = _ask_row(bot, q, "hybrid", rows[at])
            if reading:
                _reader_variants(bot, q, rows[at])
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
    return feats, unseen_feats, reader_lists


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
            path = fold_path(folder, article.title)
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



def cross_validate(features: list[Feature], n_articles: int,
                   extra: list[tuple[int, list[float]]] = ()) -> tuple[list[float], list[float], list[bool]]:
    """Leave-one-article-out probabilities and thresholds, aligned with ``features``,
    and whether each ``extra`` (article index, features) row is rejected by its
    article's model."""
    art, X, y, off, answerable = feature_arrays(features)
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
    for method in [name for name in REPORTED if f"{name}_rank" in rows[0]]:
        ranks = [r[f"{method}_rank"] for r in answerable]
        table[method] = {
            "hit@1": m.hit_at(ranks, 1), "hit@3": m.hit_at(ranks, 3), "hit@5": m.hit_at(ranks, 5),
            "mrr@10": m.mrr(ranks),
            "ndcg@10": m.ndcg([[int(i == r) for i in range(10)] if r is not None else [0] for r in ranks]),
            "latency_median_ms": m.median([r[f"{method}_ms"] for r in rows]),
            "latency_p95_ms": m.percentile([r[f"{method}_ms"] for r in rows], 95),
        }
    table["hybrid"]["quote_hit@1"] = m.hit_at([r["quote_rank"] for r in answerable], 1)
    table["hybrid"]["median_quote_chars"] = m.median([r["quote_chars"] for r in rows])
    abst, own, correct = abstention(result)
    checks = [r[f"{method}_verbatim"] for r in rows for method in table]
    return {"methods": table, "abstention": abst, "questions": len(rows), "answerable": len(answerable),
            "verbatim_rate": float(np.mean(checks)) if checks else float("nan"),
            "accuracy_coverage": accuracy_coverage(own, correct),
            "reliability": reliability(own, correct),
            **({"rerank_sweep": result["rerank_sweep"]} if result.get("rerank_sweep") else {})}


def abstention(result: dict) -> tuple[dict, list[float], list[bool]]:
    """The abstention figures, the own questions' probabilities and whether each one's top
    quote answers. The reader's answerability model is fitted on news questions, never on
    these articles, so it is scored as it ships; the retrieval model is fitted on these
    articles, so it is scored leave-one-article-out. The reader's run also reports that
    method (fitted here, cross-validated) under ``squad_fitted``, for comparison."""
    feats, unseen = result["features"], result.get("unseen_off", [])
    shipped = bool(feats) and len(feats[0][1]) > len(FEATURES)
    if shipped:
        model = shipped_model(with_reader=True)
        probs = model.probabilities(np.array([f[1] for f in feats])).tolist()
        thresholds = [model.threshold] * len(feats)
        unseen_rejected = (model.probabilities(np.array([f for _, f in unseen])) < model.threshold).tolist() \
            if unseen else []
    else:
        probs, thresholds, unseen_rejected = cross_validate(feats, len(result["articles"]), unseen)
    abst = _abstention_figures(feats, probs, thresholds, unseen_rejected)
    if shipped:
        # One regression on the reader's features, as shipped until 2026-11-30 (no names).
        feats8 = [(a, f[: len(ALL_FEATURES)], *rest) for a, f, *rest in feats]
        unseen8 = [(a, f[: len(ALL_FEATURES)]) for a, f in unseen]
        abst["squad_fitted"] = {k: v for k, v in _abstention_figures(
            feats8, *cross_validate(feats8, len(result["articles"]), unseen8)).items()
            if not k.startswith(("found_precision", "found_recall", "found_f1", "auroc_raw"))}
    own = [(p, f) for p, f in zip(probs, feats) if not f[3]]
    return abst, [p for p, _ in own], [bool(f[2]) for _, f in own]


def _abstention_figures(feats: list, probs: list[float], thresholds: list[float], unseen_rejected: list[bool]) -> dict:
    own = [(p, t, f) for p, t, f in zip(probs, thresholds, feats) if not f[3]]
    off = [(p, t) for p, t, f in zip(probs, thresholds, feats) if f[3]]
    answerable = [bool(f[4]) for _, _, f in own]
    abst = {
        "auroc_answerable_vs_unanswerable": m.auroc([p for p, _, _ in own], [int(a) for a in answerable]),
        "auroc_raw_top_cosine": m.auroc([f[1][0] for _, _, f in own], [int(a) for a in answerable]),
        "auroc_raw_top_reader": m.auroc([f[1][5] for _, _, f in own], [int(a) for a in answerable])
        if own and len(own[0][2][1]) > 5 else float("nan"),
        "found_rate_own_answerable": float(np.mean([p >= t for (p, t, _), a in zip(own, answerable) if a])),
        "not_found_rate_own_unanswerable": float(np.mean([p < t for (p, t, _), a in zip(own, answerable) if not a])),
        "off_article_rejection": float(np.mean([p < t for p, t in off])) if off else float("nan"),
        "off_article_rejection_at_90_found": m.rejection_at_found([p for (p, _, _), a in zip(own, answerable) if a],
                                                                  [p for p, _ in off], 0.90),
        "off_article_rejection_unanswerable_probes":
            float(np.mean(unseen_rejected)) if unseen_rejected else float("nan"),
    }
    predicted = [p >= t for p, t, _ in own]
    abst["found_precision"], abst["found_recall"], abst["found_f1"] = m.precision_recall_f1(
        predicted, [bool(f[2]) for _, _, f in own])
    return abst
