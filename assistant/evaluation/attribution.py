"""The ``attribution`` suite: speaker and kind accuracy on labelled sentences."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.attribution.roster import strip_title, word_pattern
from assistant.evaluation.datasets import AttributionCase, load_jsonl
from assistant.ingest.files import article_from_text, decode_bytes, read_article


def read_labelled_file(file: str, roots: list[Path]):
    """The ``Article`` of a labelled row's ``file`` (relative to the first root holding it), or None."""
    for root in roots:
        path = root / file
        if path.is_file():
            if path.suffix == ".txt" and path.with_suffix(".json").is_file():
                return read_article(path)
            return article_from_text(decode_bytes(path.read_bytes(), str(path)), source_path=str(path))
    return None


_PRONOUNS = {"he", "she", "they", "it", "him", "her", "we", "i"}


def same_speaker(predicted: str | None, forms: list[str] | None) -> bool:
    """Whether ``predicted`` names the labelled speaker: one of ``forms`` inside it, or it
    inside a form, at word boundaries ('Mr Brown' ~ 'Gordon Brown' via the form 'Brown').
    An unresolved pronoun never counts, and None is right only for narration.

    >>> same_speaker("Gordon Brown, the chancellor", ["Gordon Brown", "Brown"]), same_speaker("he", ["the chairman"])
    (True, False)
    >>> same_speaker("Mr Verwaayen", ["Ben Verwaayen"]), same_speaker("Mr Brown", ["Ben Verwaayen"])
    (True, False)
    """
    if forms is None or predicted is None:
        return forms is None and predicted is None
    if predicted.lower() in _PRONOUNS:
        return any(f.lower() == predicted.lower() for f in forms)
    if any(word_pattern(f).search(predicted) or word_pattern(predicted).search(f) for f in forms):
        return True
    bare = strip_title(predicted).split()  # "Mr Verwaayen" names "Ben Verwaayen"
    return len(bare) == 1 and any(strip_title(f).split()[-1:] == bare for f in forms)


def labelled_sentence(article, text: str):
    """The article's sentence a labelled ``text`` stands for: the one holding its first
    character (a label may span what the segmenter keeps as one sentence), or None."""
    at = article.text.find(text)
    return next((s for s in article.sentences if s.start <= at < s.end), None) if at >= 0 else None


def _accuracy(rows: list[dict]) -> float:
    return float(np.mean([r["speaker_ok"] for r in rows])) if rows else float("nan")


def _by_pattern(rows: list[dict], patterns: list[str]) -> dict:
    out = {}
    for p in patterns:
        mine = [r for r in rows if r["pattern"] == p]
        if mine:
            out[p] = {"n": len(mine), "accuracy": _accuracy(mine)}
    return out


def run_attribution(path: str, roots: list[Path]) -> dict:
    """Speaker and kind accuracy on labelled sentences, overall, per pattern and per batch."""
    cases = load_jsonl(path, AttributionCase)
    cache: dict[str, object] = {}
    rows = []
    for case in cases:
        if case.file not in cache:
            cache[case.file] = read_labelled_file(case.file, roots)
        article = cache[case.file]
        if article is None:
            rows.append({"file": case.file, "sentence": case.sentence, "error": "file not found"})
            continue
        sentence = labelled_sentence(article, case.sentence)
        a = sentence.attribution if sentence else None
        predicted = a.speaker if a else None
        speaker_ok = same_speaker(predicted, case.speaker)
        rows.append({"file": case.file, "sentence": case.sentence, "pattern": case.pattern, "batch": case.batch,
                     "expected_kind": case.kind, "kind": a.kind if a else None,
                     "expected_speaker": case.speaker, "speaker": predicted,
                     "kind_ok": bool(a and a.kind == case.kind), "speaker_ok": speaker_ok})
    ok = [r for r in rows if "error" not in r]
    attributed = [r for r in ok if r["expected_speaker"]]
    unattributed = [r for r in ok if r["expected_kind"] == "narration"]
    seed = [r for r in ok if r["file"].startswith("corpus/")]
    patterns = sorted({r["pattern"] for r in ok})
    batches = sorted({r["batch"] for r in ok})
    return {"rows": rows, "summary": {
        "sentences": len(rows), "missing_files": len(rows) - len(ok),
        "speaker_accuracy": _accuracy(ok),
        "speaker_accuracy_attributed": _accuracy(attributed),
        "narration_without_speaker": _accuracy(unattributed),
        "speaker_accuracy_by_batch": {b or "first": _accuracy([r for r in ok if r["batch"] == b]) for b in batches},
        "speaker_accuracy_new": _accuracy([r for r in ok if r["batch"]]),
        "speaker_accuracy_by_pattern": _by_pattern(ok, patterns),
        # Batches never tuned on ("...-test"): how the rules do on articles they were not written against.
        **{f"speaker_accuracy_by_pattern_{b}": _by_pattern([r for r in ok if r["batch"] == b], patterns)
           for b in batches if b.endswith("-test")},
        "kind_accuracy": float(np.mean([r["kind_ok"] for r in ok])) if ok else float("nan"),
        "seed_all_correct": all(r["kind_ok"] and r["speaker_ok"] for r in seed),
    }}
