"""The ``people`` suite: questions about people, checked against hand-labelled speakers.

Scope: the labelled attribution set (``eval/attribution.jsonl``) and a few seed
questions (``eval/people.jsonl``). Every labelled article is indexed once (the
real model) and each question is asked about its own article:

- "What did <name> say?" for every named person the labels give a speaker;
- "Who is <name>?" for the same people;
- "Who said '<six words of a quote>'?" for 100 labelled direct quotes.

A top quote is checked only against labels, never against the rules' own output:
it is "by X" when a labelled sentence inside it has X as its gold speaker, wrong
when its labelled sentences belong to someone else, and ``unverified`` when it
holds no labelled sentence (reported apart; those count as misses in the rates).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np

from assistant.api import Assistant
from assistant.attribution.mentions import is_person
from assistant.evaluation.attribution import labelled_sentence, read_labelled_file, same_speaker
from assistant.evaluation.datasets import AttributionCase, PeopleCase, load_jsonl
from assistant.types import Answer

QUOTE_MARKS = re.compile(r"[\"“](?P<inner>[^\"“”]+)[\"”]?")
SIX = 6


def _labelled_bot(cases: list[AttributionCase], roots: list[Path], settings) -> tuple[Assistant, dict[str, str]]:
    """One assistant over every labelled file; file -> article id."""
    articles, ids = [], {}
    for file in dict.fromkeys(c.file for c in cases):
        article = read_labelled_file(file, roots)
        if article is not None:
            articles.append(article)
            ids[file] = article.id
    return Assistant.from_articles(articles, settings=settings), ids


def _verdict(bot: Assistant, answer: Answer, forms: list[str], labels: dict[tuple[str, int], AttributionCase]) -> str:
    """'by' / 'other' / 'unverified' for the answer's top quote (see the module docstring);
    ``labels`` are keyed by (article id, start of the sentence the label stands for)."""
    if not answer.found or not answer.quotes:
        return "not_found"
    top = answer.quotes[0]
    article = bot.article(top.article_id)
    golds = [labels.get((article.id, s.start)) for s in article.sentences if top.start <= s.start < top.end]
    golds = [g for g in golds if g is not None]
    if not golds:
        return "unverified"
    return "by" if any(g.speaker and same_speaker(g.speaker[0], forms) for g in golds) else "other"


def _labels_by_sentence(bot: Assistant, cases: list[AttributionCase],
                        ids: dict[str, str]) -> dict[tuple[str, int], AttributionCase]:
    """Each label under (article id, start of its sentence), found as the attribution suite finds it."""
    out = {}
    for c in cases:
        sentence = labelled_sentence(bot.article(ids[c.file]), c.sentence) if c.file in ids else None
        if sentence is not None:
            out.setdefault((ids[c.file], sentence.start), c)
    return out


def named_people(cases: list[AttributionCase]) -> dict[tuple[str, str], list[str]]:
    """(file, full name) -> the name's labelled forms, for every person the labels name."""
    out: dict[tuple[str, str], list[str]] = {}
    for c in cases:
        if c.speaker and is_person(c.speaker[0]) and len(c.speaker[0].split()) >= 2:
            forms = out.setdefault((c.file, c.speaker[0]), [])
            forms += [f for f in c.speaker if f not in forms]
    return out


def _quote_words(sentence: str) -> str | None:
    """Six consecutive words from inside the sentence's quotation marks (the longest quoted part)."""
    parts = sorted((m.group("inner") for m in QUOTE_MARKS.finditer(sentence)), key=len, reverse=True)
    words = re.findall(r"[\w’'-]+", parts[0]) if parts else []
    return " ".join(words[:SIX]) if len(words) >= SIX else None


def run_people(path: str, seed_path: str, roots: list[Path], settings, seed_bot: Assistant | None) -> dict:
    """The suite: rows for every question and the rates the issue names."""
    cases = load_jsonl(path, AttributionCase)
    bot, ids = _labelled_bot(cases, roots, settings)
    labels = _labels_by_sentence(bot, cases, ids)
    rows = []
    for (file, name), forms in named_people(cases).items():
        if file not in ids:
            continue
        said = bot.ask(f"What did {name} say?", article_ids=[ids[file]])
        who = bot.ask(f"Who is {name}?", article_ids=[ids[file]])
        who_ok = who.found and bool(who.quotes) and (
            any(f in who.quotes[0].text for f in forms) or _verdict(bot, who, forms, labels) == "by")
        rows.append({"kind": "said", "file": file, "name": name, "found": said.found,
                     "verdict": _verdict(bot, said, forms, labels), "confidence": said.confidence})
        rows.append({"kind": "who", "file": file, "name": name, "found": who.found, "ok": who_ok,
                     "confidence": who.confidence})
    quoted = [c for c in cases if c.kind == "direct_quote" and c.speaker and _quote_words(c.sentence) and c.file in ids]
    for c in random.Random(16).sample(quoted, min(100, len(quoted))):
        words = _quote_words(c.sentence)
        answer = bot.ask(f"Who said '{words}'?", article_ids=[ids[c.file]])
        a = answer.quotes[0].attribution if answer.quotes else None
        rows.append({"kind": "who_said", "file": c.file, "words": words, "gold": c.speaker, "found": answer.found,
                     "speaker": a.speaker if a else None, "confidence": answer.confidence,
                     "ok": answer.found and same_speaker(a.speaker if a else None, c.speaker)})
    seed_rows = _seed_rows(seed_path, seed_bot) if seed_bot is not None else []
    return {"rows": rows + seed_rows, "summary": _summary(rows, seed_rows)}


def _seed_rows(path: str, bot: Assistant) -> list[dict]:
    rows = []
    for case in load_jsonl(path, PeopleCase):
        answer = bot.ask(case.question)
        top = answer.quotes[0].text if answer.quotes else ""
        ok = (answer.found and case.gold in top and answer.confidence >= case.min_confidence) if case.found \
            else not answer.found
        rows.append({"kind": "seed", "question": case.question, "expect_found": case.found, "found": answer.found,
                     "confidence": answer.confidence, "top_quote": top, "ok": ok})
    return rows


def _rate(values) -> float:
    values = list(values)
    return float(np.mean(values)) if values else float("nan")


def _summary(rows: list[dict], seed_rows: list[dict]) -> dict:
    said = [r for r in rows if r["kind"] == "said"]
    who = [r for r in rows if r["kind"] == "who"]
    who_said = [r for r in rows if r["kind"] == "who_said"]
    return {
        "people": len(said),
        "said_found_by_speaker": _rate(r["verdict"] == "by" for r in said),
        "said_unverified": sum(r["verdict"] == "unverified" for r in said),
        "said_other_speaker": sum(r["verdict"] == "other" for r in said),
        "said_not_found": sum(r["verdict"] == "not_found" for r in said),
        # Of the found answers that the labels can judge, the share right: what `confidence` should match.
        "said_found_precision_verified": _rate(r["verdict"] == "by" for r in said if r["verdict"] in ("by", "other")),
        "who_is_found": _rate(r["ok"] for r in who),
        "who_said_questions": len(who_said),
        "who_said_right_speaker": _rate(r["ok"] for r in who_said),
        "seed_questions": len(seed_rows),
        "seed_all_correct": all(r["ok"] for r in seed_rows),
        "seed_correct": sum(r["ok"] for r in seed_rows),
        "found_confidence_mean": _rate(r["confidence"] for r in rows if r["found"]),
    }
