"""The ``seed`` and ``cases`` suites: labelled questions over an indexed corpus.

Each case's top quote should contain one of its gold texts; unanswerable cases
should come back not found. Gold texts must be verbatim text of the article
the case names (a typo would otherwise just score as a miss).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from assistant.api import Assistant
from assistant.errors import DatasetError
from assistant.evaluation import metrics as m
from assistant.evaluation.datasets import SeedCase, load_jsonl
from assistant.evaluation.plots import accuracy_coverage, reliability


def _names(case_article: str, article) -> bool:
    """Whether ``case_article`` names ``article``: its id, its title, its file name, or the
    end of its path ("bbc/tech/012.txt", for corpora whose file names repeat across folders)."""
    if case_article in (article.id, article.title):
        return True
    if not article.source_path:
        return False
    path, wanted = Path(article.source_path), Path(case_article)
    return path.name == case_article or (len(wanted.parts) > 1 and path.parts[-len(wanted.parts):] == wanted.parts)


def _article_ids(bot: Assistant, case: SeedCase, number: int) -> list[str] | None:
    """The article a case names (by id, title, file name or the end of its path), or None for all."""
    if not case.article:
        return None
    matches = [a.id for a in bot.articles if _names(case.article, a)]
    if len(matches) == 1:
        return matches
    if matches:
        raise DatasetError(f"{case.where}: field 'article': {case.article!r} names {len(matches)} indexed articles; "
                           "name it by its id or by more of its path (e.g. bbc/tech/012.txt).")
    raise DatasetError(f"{case.where}: field 'article': no indexed article has the id, file name, path "
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


def verbatim(bot: Assistant, answer) -> bool:
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
            "sentence_rank": sentence_rank, "ms": ms, "verbatim": verbatim(bot, answer),
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
        # the headline: found, and the right quote first
        "found_right_first": float(np.mean([r["found"] and r["rank"] == 0 for r in ans])) if ans else float("nan"),
        "not_found_rate_unanswerable": float(np.mean([not r["found"] for r in una])) if una else float("nan"),
        "auroc_answerable_vs_unanswerable": m.auroc([r["confidence"] for r in rows],
                                                    [int(r["answerable"]) for r in rows]),
        "found_precision": p, "found_recall": r_, "found_f1": f1,
        "verbatim_rate": float(np.mean([r["verbatim"] for r in rows])) if rows else float("nan"),
        "latency_median_ms": m.median([r["ms"] for r in rows]),
        "latency_p95_ms": m.percentile([r["ms"] for r in rows], 95),
        "accuracy_coverage": accuracy_coverage([r["confidence"] for r in rows], correct),
        "reliability": reliability([r["confidence"] for r in rows], correct),
    }}
