"""Labelled datasets: the seed questions, SQuAD 2.0 files and attribution rows.

Each loader validates as it reads and names the file, line and field of a bad
row. Example:

    >>> rows = load_jsonl_rows(["{\\"question\\": \\"Who?\\", \\"answerable\\": false, \\"gold\\": []}"],
    ...                        "x.jsonl", SeedCase)
    >>> rows[0].answerable
    False
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, PrivateAttr, StrictBool, ValidationError, field_validator

from assistant.errors import DatasetError


class SeedCase(BaseModel):
    """A question over a corpus: gold sentences or answer texts, or unanswerable.
    Unknown fields are refused (a misspelt ``artcle`` must not silently widen the search)."""

    model_config = ConfigDict(extra="forbid")
    id: str = ""
    question: str
    answerable: StrictBool
    gold: list[str] = []
    article: str | None = None
    _line: int = PrivateAttr(0)  # where it was read, for error messages

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        return value

    @property
    def where(self) -> str:
        return f"line {self._line}" + (f" (case {self.id})" if self.id else "")


class PeopleCase(BaseModel):
    """A seed question about a person: found (its top quote holding ``gold``, with at least
    ``min_confidence``) or not found."""

    model_config = ConfigDict(extra="forbid")
    question: str
    found: StrictBool
    gold: str = ""
    min_confidence: float = 0.0


class AttributionCase(BaseModel):
    model_config = ConfigDict(extra="ignore")
    file: str
    sentence: str
    speaker: list[str] | None
    kind: Literal["direct_quote", "reported", "narration", "commentary"]
    pattern: str = ""
    batch: str = ""  # "" for the first labelled set; "bbc-2" for sentences labelled later on unseen articles


def load_jsonl_rows(lines, name: str, model: type[BaseModel]) -> list:
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{name} line {number}: not valid JSON ({exc.msg}).") from None
        try:
            row = model(**raw) if isinstance(raw, dict) else None
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise DatasetError(f"{name} line {number}: field {field!r}: {err['msg']}.") from None
        if row is None:
            raise DatasetError(f"{name} line {number}: each line must be a JSON object.")
        if isinstance(row, SeedCase):
            _check_case(row, number, name, rows)
        rows.append(row)
    return rows


def _check_case(row: SeedCase, number: int, name: str, earlier: list) -> None:
    row._line = number
    if row.answerable and not row.gold:
        raise DatasetError(f"{name} line {number}: field 'gold': an answerable question needs at least one gold text.")
    if row.id and any(other.id == row.id for other in earlier):
        raise DatasetError(f"{name} line {number}: field 'id': {row.id!r} is used by an earlier line; "
                           "ids must be unique.")


def load_jsonl(path: str | Path, model: type[BaseModel]) -> list:
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"No dataset file {path}. Pass an existing .jsonl file with --path.")
    return load_jsonl_rows(path.read_text(encoding="utf-8").splitlines(), str(path), model)


def case_files(cases: list["SeedCase"], data_root: str | Path, source: str | Path) -> list[str]:
    """The article files the ``cases`` of ``source`` name, under ``data_root``; one missing (or
    none named) raises a ``DatasetError`` that says to pass --data-root."""
    files = sorted({str(Path(data_root) / c.article) for c in cases if c.article})
    missing = [f for f in files if not Path(f).is_file()]
    if missing or not files:
        raise DatasetError(f"{source}: {len(missing)} of the {len(files)} articles its questions name are missing "
                           f"(first: {(missing or ['none named'])[0]}); pass --data-root, the folder that holds bbc/.")
    return files


@dataclass
class SquadQuestion:
    id: str
    question: str
    answerable: bool
    answers: list[tuple[int, int]]  # absolute (start, end) in the article text


@dataclass
class SquadArticle:
    title: str
    text: str
    questions: list[SquadQuestion]


def load_squad(path: str | Path) -> list[SquadArticle]:
    """SQuAD 2.0 JSON -> one text per article (title line, then paragraphs), with
    every gold answer as an absolute span of that text."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DatasetError(f"Cannot read SQuAD file {path}: {exc}. Pass a SQuAD 2.0 JSON file with --path.") from None
    articles = []
    for a in raw.get("data", []):
        text, questions = a["title"].replace("_", " ") + "\n\n", []
        for p in a["paragraphs"]:
            base = len(text)
            text += p["context"].replace("\n", " ") + "\n\n"
            for q in p["qas"]:
                spans = [(base + x["answer_start"], base + x["answer_start"] + len(x["text"]))
                         for x in q.get("answers", [])]
                questions.append(SquadQuestion(q["id"], q["question"], not q.get("is_impossible", False), spans))
        articles.append(SquadArticle(a["title"], text, questions))
    if not articles:
        raise DatasetError(f"{path} has no 'data' articles; is it a SQuAD 2.0 file?")
    return articles


def gold_mask(bounds: list[tuple[int, int]], answers: list[tuple[int, int]]) -> np.ndarray:
    """Per (start, end) of a sentence, whether it contains one of the gold ``answers`` spans."""
    return np.array([any(lo <= s and e <= hi for s, e in answers) for lo, hi in bounds], dtype=bool)
