"""The reader's training examples from its sources: each source's examples built once and
cached in the run's work folder, the sources mixed, and whole articles held out.

A source is SQuAD JSON (v1.1, or 2.0 with unanswerable questions) or a labelled-questions
``.jsonl`` file (``reader_data`` builds the examples). The cache (``examples-<key>.jsonl.xz``,
keyed by what builds it) records the source's sha256: a changed source is built again, and a
cache whose source file is absent serves alone, so a machine sent the caches (a GPU one) trains
without the data or the retrieval models that build them.

Example:
    >>> from assistant.training.reader import Plan
    >>> cache_path(Plan(data=["a.json"]), "a.json", Path("w")).name.startswith("examples-")
    True
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.checksum import file_sha256
from assistant.training.reader_data import (ReaderExample, build_case_examples, build_examples, load_examples,
                                            read_header, save_examples)

if TYPE_CHECKING:
    from assistant.training.reader import Plan

log = logging.getLogger(__name__)


def examples_for(plan: Plan, work: Path, progress: bool) -> list[ReaderExample]:
    """The run's examples: every source's in turn (``source_examples``, read once however often
    the source is named), shuffled together (seeded) when there are several."""
    loaded = {source: source_examples(plan, source, work, progress)[1] for source in dict.fromkeys(plan.data)}
    combined = [e for source in plan.data for e in loaded[source]]
    if len(plan.data) > 1:
        random.Random(plan.seed).shuffle(combined)
    return combined


def source_examples(plan: Plan, source: str, work: Path, progress: bool) -> tuple[dict, list[ReaderExample]]:
    """(header, examples) of one source, built once and cached in ``work`` under a key of what
    builds them. The cache records the source's sha256: it is rebuilt when the source file has
    changed, and used as it is when the file is absent (a run on another machine, e.g. a GPU one,
    that was sent the cache instead of the data and the models that build it)."""
    path, present = cache_path(plan, source, work), Path(source).is_file()
    if path.is_file():
        header, examples = load_examples(path)
        if not present or header.get("sha256") == file_sha256(Path(source)):
            return header, examples
        log.info("%s changed since %s was built; building its examples again", source, path)
    elif not present:
        from assistant.errors import DatasetError

        raise DatasetError(f"No training file at {source}; pass --data PATH/train-v1.1.json (SQuAD v1.1) "
                           "or --data FILE.jsonl (labelled questions, e.g. eval/news-train.jsonl).")
    if is_cases(source):
        examples = build_case_examples(Path(source), Path(plan.data_root), plan.negatives, plan.seed, progress)
    else:
        examples = build_examples(Path(source), plan.per_article, plan.negatives, plan.seed, progress)
    work.mkdir(parents=True, exist_ok=True)
    unanswered = sum(not e.positive for e in examples)  # read by ``has_unanswerable`` when the file is not sent
    header = {"source": source, "sha256": file_sha256(Path(source)), "unanswerable": unanswered}
    return save_examples(examples, path, header), examples


def has_unanswerable(plan: Plan, source: str, work: Path) -> bool:
    """Whether ``source`` holds questions its article does not answer, which train the reader's
    "none of these" option (``Plan.null``): every labelled-questions file, as always; a SQuAD file
    whose questions include one marked ``is_impossible`` (SQuAD 2.0); a file absent here (a run
    sent only the caches) when its cache counted some."""
    if is_cases(source):
        return True
    if Path(source).is_file():  # read as the examples are, so the two never disagree about the format
        from assistant.evaluation.datasets import load_squad

        return any(not q.answerable for article in load_squad(source) for q in article.questions)
    cache = cache_path(plan, source, work)
    return cache.is_file() and read_header(cache).get("unanswerable", 0) > 0


def cache_path(plan: Plan, source: str, work: Path) -> Path:
    """Where ``work`` caches a source's examples, keyed by what builds them."""
    key = hashlib.sha256(json.dumps([source, plan.per_article, plan.negatives, plan.seed]
                                    + ([plan.data_root] if is_cases(source) else [])).encode()).hexdigest()[:12]
    return work / f"examples-{key}.jsonl.xz"


def is_cases(data: str) -> bool:
    """Whether ``data`` is a labelled-questions JSONL file (else SQuAD v1.1 JSON)."""
    return data.endswith(".jsonl")


def split(examples: list[ReaderExample], every: int = 25) -> tuple[list[ReaderExample], list[ReaderExample]]:
    """(training, validation): validation holds whole articles (title hash bucket 0 of ``every``)."""
    def held(e: ReaderExample) -> bool:
        return int(hashlib.sha256(e.title.encode("utf-8")).hexdigest(), 16) % every == 0

    return [e for e in examples if not held(e)], [e for e in examples if held(e)]


def data_record(plan: Plan, work: Path) -> list[dict]:
    """Each training source's path, sha256 and number of examples, read from its cache's header."""
    headers = [read_header(cache_path(plan, source, work)) for source in plan.data]
    return [{"path": h["source"], "sha256": h["sha256"], "examples": h["examples"]} for h in headers]
