"""The shipped sentence ranker: a linear model over per-candidate retrieval features.

For one question, every candidate sentence gets nine features: its cosine
similarity (raw and min-max normalised over the candidates), its BM25 score
over the best candidate's, the best same-paragraph neighbour's fused score and
cosine (answers often sit next to the sentence that shares the question's
words), whether it holds what the question type asks for (a number for "how
many", a year or month for "when", a name for "who"), how much of the
question's IDF-weighted vocabulary it contains, alone and together with its
same-paragraph neighbours, and its log length. The
weights are fitted with a listwise softmax loss on SQuAD 2.0
(``assistant eval --suite squad2 --fit``, chosen and reported with
leave-one-article-out cross-validation) and ship as JSON.

Example:
    >>> question_type("How many people confirmed the call?")
    'number'
    >>> type_match("number", "It was confirmed by three people.")
    True
    >>> Ranker(weights=[0.0] * len(FEATURES)).scores(np.ones((2, len(FEATURES)))).tolist()
    [0.0, 0.0]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

import numpy as np

FEATURES = ("cosine", "cosine_minmax", "bm25_share", "neighbour_fused", "type_match", "coverage",
            "neighbour_cosine", "log_length", "window_coverage")

_TYPES = (
    ("number", re.compile(r"\bhow (many|much|long|far|old|large|big|often)\b|\bwhat (percentage|number|amount|proportion)\b")),
    ("time", re.compile(r"\bwhen\b|\bwhat (year|century|decade|date|time|period|month|day)\b|\bin which (year|century)\b")),
    ("person", re.compile(r"\bwho(m|se)?\b")),
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundreds?|thousands?|millions?|billions?|dozens?|half|percent|per cent)\b", re.I)
_TIME = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})s?\b|\b(January|February|March|April|May|June|July|August|September|"
                   r"October|November|December|century|decade)\b")
_NAME = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+")


def question_type(question: str) -> str | None:
    """'number', 'time', 'person' or None, from the question's wh-phrase."""
    lowered = question.lower()
    return next((name for name, pattern in _TYPES if pattern.search(lowered)), None)


def type_match(kind: str | None, sentence: str) -> bool:
    """Whether ``sentence`` holds the kind of thing the question asks for.
    Names are looked for after the first character, so a capitalised first
    word plus the next one is not taken for a name."""
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "time":
        return bool(_TIME.search(sentence))
    if kind == "person":
        return bool(_NAME.search(sentence[1:]))
    return False


def minmax(x: np.ndarray) -> np.ndarray:
    """``x`` scaled to [0, 1] (all ones when it is flat)."""
    span = float(x.max() - x.min()) if len(x) else 0.0
    return (x - x.min()) / span if span > 1e-9 else np.ones_like(x)


def best_neighbour(values: np.ndarray, neighbours: list[list[int]]) -> np.ndarray:
    """Per position, the largest ``values`` among its ``neighbours`` (positions), or 0."""
    return np.array([max((values[j] for j in near), default=0.0) for near in neighbours], dtype=np.float64)


def feature_matrix(dense: np.ndarray, bm25: np.ndarray, neighbours: list[list[int]], matches: np.ndarray,
                   coverage: np.ndarray, lengths: np.ndarray, window_coverage: np.ndarray) -> np.ndarray:
    """One row of ``FEATURES`` per candidate; ``neighbours`` holds positions
    into the candidate arrays."""
    dense = dense.astype(np.float64)
    best = float(bm25.max()) if len(bm25) else 0.0
    share = bm25 / best if best > 0 else np.zeros(len(bm25))
    dn = minmax(dense)
    fused = 0.5 * dn + 0.5 * share
    return np.column_stack([dense, dn, share, best_neighbour(fused, neighbours), matches.astype(np.float64),
                            coverage, best_neighbour(dense, neighbours), np.log(np.maximum(lengths, 1)),
                            window_coverage])


@dataclass(frozen=True)
class Ranker:
    """Linear scores over ``FEATURES``; the weights come from ``assistant/data/ranker.json``."""

    weights: list[float]

    def scores(self, features: np.ndarray) -> np.ndarray:
        return features @ np.asarray(self.weights, dtype=np.float64)

    def to_json(self) -> str:
        return json.dumps({"features": list(FEATURES), "weights": [round(w, 6) for w in self.weights]}, indent=2)

    @classmethod
    def from_json(cls, raw: str) -> "Ranker":
        data = json.loads(raw)
        if data.get("features") != list(FEATURES):
            raise ValueError(f"ranker features {data.get('features')} != {list(FEATURES)}; refit with "
                             "`assistant eval --suite squad2 --path FILE --fit`")
        return cls([float(w) for w in data["weights"]])


def shipped_ranker() -> Ranker:
    """The fitted ranker that ships in ``assistant/data/ranker.json``."""
    raw = resources.files("assistant").joinpath("data/ranker.json").read_text(encoding="utf-8")
    return Ranker.from_json(raw)
