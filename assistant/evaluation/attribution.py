"""The ``attribution`` suite: speaker and kind accuracy on labelled sentences."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.evaluation.datasets import AttributionCase, load_jsonl
from assistant.ingest.files import article_from_text, decode_bytes, read_article


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
        "speaker_accuracy_attributed": (float(np.mean([r["speaker_ok"] for r in attributed])) if attributed
                                        else float("nan")),
        "narration_without_speaker": (float(np.mean([r["speaker_ok"] for r in unattributed])) if unattributed
                                      else float("nan")),
        "kind_accuracy": float(np.mean([r["kind_ok"] for r in ok])) if ok else float("nan"),
        "seed_all_correct": all(r["kind_ok"] and r["speaker_ok"] for r in seed),
    }}
