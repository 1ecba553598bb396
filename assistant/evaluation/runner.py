"""Run an evaluation suite and return its rows and summary tables.

Suites: ``seed`` (questions over ``corpus/``), ``squad2`` (a SQuAD 2.0 file, each
article indexed on its own, every method compared in one run, answerability
cross-validated leave-one-article-out) and ``attribution`` (labelled speakers).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.api import Assistant
from assistant.evaluation import metrics as m
from assistant.evaluation.calibrate import fit_model
from assistant.evaluation.datasets import AttributionCase, SeedCase, load_jsonl, load_squad
from assistant.ingest import article_from_text, decode_bytes, read_article
from assistant.retrieve import METHODS
from assistant.settings import Settings


def _first_hit(quotes, spans: list[tuple[int, int]], use_quote: bool = False) -> int | None:
    for rank, q in enumerate(quotes):
        lo, hi = (q.start, q.end) if use_quote else q.highlight
        if any(lo <= s and e <= hi for s, e in spans):
            return rank
    return None


def run_squad(path: str, embedder, limit: int | None = None, off_per_article: int = 150,
              progress: bool = True, seed: int = 0) -> dict:
    """Per-article retrieval for every method, plus answerability features for
    own (answerable and unanswerable) and off-article questions."""
    articles = load_squad(path)
    settings = Settings(progress=False)
    rng = random.Random(seed)
    rows, feats = [], []
    total = sum(min(len(a.questions), limit or 10**9) for a in articles)
    bar = tqdm(total=total, desc="squad2", disable=not progress)
    for ai, art in enumerate(articles):
        bot = Assistant.from_articles([article_from_text(art.text)], embedder, settings)
        for q in art.questions[: limit or None]:
            row = {"article": art.title, "id": q.id, "question": q.question, "answerable": q.answerable}
            for method in METHODS:
                started = time.perf_counter()
                answer, f = bot.explain(q.question, 10, method)
                row[f"{method}_ms"] = (time.perf_counter() - started) * 1000
                if method == "hybrid":
                    row["features"], row["confidence"] = f, answer.confidence
                    row["quote_chars"] = len(answer.quotes[0].text) if answer.quotes else 0
                    row["quote_rank"] = _first_hit(answer.quotes[:1], q.answers, use_quote=True)
                row[f"{method}_rank"] = _first_hit(answer.quotes, q.answers) if q.answerable else None
            rows.append(row)
            feats.append((ai, row["features"], q.answerable and row["hybrid_rank"] == 0, False))
            bar.update(1)
        others = [q for j, o in enumerate(articles) if j != ai for q in o.questions[: limit or None] if q.answerable]
        for q in rng.sample(others, min(off_per_article, len(others))):
            _, f = bot.explain(q.question, 1)
            feats.append((ai, f, False, True))
    bar.close()
    return {"rows": rows, "features": feats, "articles": [a.title for a in articles]}


def _feature_arrays(features: list[tuple[int, list[float], bool, bool]]):
    """(article index, features, answered correctly, off-article) rows as arrays."""
    art = np.array([a for a, _, _, _ in features])
    X = np.array([f for _, f, _, _ in features])
    y = np.array([int(lab) for _, _, lab, _ in features])
    off = np.array([o for _, _, _, o in features])
    return art, X, y, off


def cross_validate(features: list[tuple[int, list[float], bool, bool]], n_articles: int) -> tuple[list[float], list[float]]:
    """Leave-one-article-out probabilities and thresholds, aligned with ``features``."""
    art, X, y, off = _feature_arrays(features)
    probs, thresholds = np.zeros(len(X)), np.zeros(len(X))
    for held in range(n_articles):
        train, test = art != held, art == held
        if not test.any():
            continue
        model = fit_model(X[train], y[train], off[train])
        probs[test] = [model.probability(r.tolist()) for r in X[test]]
        thresholds[test] = model.threshold
    return probs.tolist(), thresholds.tolist()


def summarise_squad(result: dict) -> dict:
    rows = result["rows"]
    answerable = [r for r in rows if r["answerable"]]
    table = {}
    for method in METHODS:
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
    probs, thresholds = cross_validate(feats, len(result["articles"]))
    own = [(p, t, f) for p, t, f in zip(probs, thresholds, feats) if not f[3]]
    off = [(p, t) for p, t, f in zip(probs, thresholds, feats) if f[3]]
    ans_flags = [r["answerable"] for r in rows]
    abst = {
        "auroc_answerable_vs_unanswerable": m.auroc([p for p, _, _ in own], [int(a) for a in ans_flags]),
        "auroc_raw_top_cosine": m.auroc([f[1][0] for f in feats if not f[3]], [int(a) for a in ans_flags]),
        "found_rate_own_answerable": float(np.mean([p >= t for (p, t, _), a in zip(own, ans_flags) if a])),
        "not_found_rate_own_unanswerable": float(np.mean([p < t for (p, t, _), a in zip(own, ans_flags) if not a])),
        "off_article_rejection": float(np.mean([p < t for p, t in off])) if off else float("nan"),
    }
    predicted = [p >= t for p, t, _ in own]
    correct = [bool(f[2]) for _, _, f in own]
    abst["found_precision"], abst["found_recall"], abst["found_f1"] = m.precision_recall_f1(predicted, correct)
    return {"methods": table, "abstention": abst, "questions": len(rows), "answerable": len(answerable)}


def run_seed(path: str, bot: Assistant) -> dict:
    """Seed questions: top quote contains a gold sentence; unanswerable -> not found."""
    cases = load_jsonl(path, SeedCase)
    rows = []
    for case in cases:
        started = time.perf_counter()
        answer = bot.ask(case.question, top_k=5)
        ms = (time.perf_counter() - started) * 1000
        rank = next((i for i, q in enumerate(answer.quotes) if any(g in q.text for g in case.gold)), None)
        rows.append({"id": case.id, "question": case.question, "answerable": case.answerable, "found": answer.found,
                     "confidence": answer.confidence, "rank": rank, "ms": ms,
                     "top_quote": answer.quotes[0].text if answer.quotes else None})
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    return {"rows": rows, "summary": {
        "questions": len(rows), "answerable": len(ans), "unanswerable": len(una),
        "hit@1": m.hit_at([r["rank"] for r in ans], 1), "hit@3": m.hit_at([r["rank"] for r in ans], 3),
        "found_rate_answerable": float(np.mean([r["found"] for r in ans])) if ans else float("nan"),
        "not_found_rate_unanswerable": float(np.mean([not r["found"] for r in una])) if una else float("nan"),
        "latency_median_ms": m.median([r["ms"] for r in rows]),
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


def write_shipped_model(raw: dict, path: Path | None = None) -> Path:
    """Fit on every article and write the model that ships with the package."""
    _, X, y, off = _feature_arrays(raw["features"])
    model = fit_model(X, y, off)
    path = path or Path(__file__).resolve().parent.parent / "data" / "answerability.json"
    path.write_text(model.to_json() + "\n", encoding="utf-8")
    return path
