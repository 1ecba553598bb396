"""Per-candidate features for the ranker, and the question's IDF-weighted terms.

For one question, every candidate sentence gets the nine ``FEATURES``: its
cosine similarity (raw and min-max normalised over the candidates), its BM25
score over the best candidate's, the best same-paragraph neighbour's fused
score and cosine (answers often sit next to the sentence that shares the
question's words), whether it holds what the question type asks for (a number
for "how many", a year or month for "when", a name for "who"), how much of the
question's IDF-weighted vocabulary it contains, alone and together with its
same-paragraph neighbours, and its log length.

Example:
    >>> question_type("How many people confirmed the call?")
    'number'
    >>> type_match("number", "It was confirmed by three people.")
    True
    >>> minmax(np.array([1.0, 3.0])).tolist()
    [0.0, 1.0]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np


FEATURES = ("cosine", "cosine_minmax", "bm25_share", "neighbour_fused", "type_match", "coverage",
            "neighbour_cosine", "log_length", "window_coverage")




_TYPES = (
    ("number", re.compile(r"\bhow (many|much|long|far|old|large|big|often)\b"
                          r"|\bwhat (percentage|number|amount|proportion)\b")),
    ("time", re.compile(r"\bwhen\b|\bwhat (year|century|decade|date|time|period|month|day)\b"
                        r"|\bin which (year|century)\b")),
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
class QuestionTerms:
    """The question's stemmed terms as vocabulary ids weighted by IDF, for the
    coverage features of the ranker and of this model. ``total`` is the IDF mass
    of all the terms, those the index has never seen included.

    Example: ``terms = QuestionTerms.of(lexicon, lexicon.tokenize("Who called?"))``, then
    ``terms.shares(terms.hits(lexicon, np.array([0])))`` is sentence 0's coverage.
    """

    weights: dict[int, float]
    total: float

    @classmethod
    def of(cls, source, tokens: list[str]) -> "QuestionTerms":
        """The terms of ``tokens`` weighted by ``source`` (a store view or a ``Lexicon``)."""
        return cls(*source.term_weights(tokens))

    def hits(self, source, rows: np.ndarray, window: bool = False) -> np.ndarray:
        """(terms x rows) booleans: does row ``rows[j]`` (with its same-paragraph neighbours
        when ``window``) hold term ``i`` (in ``weights`` order). ``source.row_tokens`` /
        ``window_tokens`` read only these rows' tokens."""
        out = np.zeros((len(self.weights), len(rows)), dtype=bool)
        if not len(rows) or not self.weights:
            return out
        rows = np.asarray(rows, dtype=np.int64)
        owner, tokens = source.window_tokens(rows) if window else source.row_tokens(rows)
        for i, t in enumerate(self.weights):
            out[i, owner[tokens == t]] = True
        return out

    def shares(self, hits: np.ndarray) -> np.ndarray:
        """Per column of a ``hits`` matrix, the IDF-weighted share of the question's terms
        it holds (unseen terms count in ``total`` but are never held)."""
        if self.total <= 0:
            return np.zeros(hits.shape[1])
        return np.fromiter(self.weights.values(), dtype=np.float64, count=len(self.weights)) @ hits / self.total


def coverage(view, terms: QuestionTerms, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the share of the question's IDF mass it contains, alone and together
    with its same-paragraph neighbours (a ranker feature each, and two answerability
    features of the top row)."""
    return terms.shares(terms.hits(view, rows)), terms.shares(terms.hits(view, rows, window=True))


def candidate_features(snapshot, terms: QuestionTerms, kind: str | None, rows: np.ndarray, dense: np.ndarray,
                       bm25: np.ndarray, neighbours: list[list[int]]) -> np.ndarray:
    """The ``FEATURES`` matrix of candidate ``rows`` of a ``Snapshot`` for a question
    of type ``kind`` with ``terms``; ``dense`` and ``bm25`` are aligned with ``rows``
    and ``neighbours`` holds each row's same-paragraph neighbours as positions."""
    matches, lengths = np.zeros(len(rows)), np.zeros(len(rows))
    for i, row in enumerate(rows.tolist()):
        sentence = snapshot.sentence_at(row)
        matches[i] = kind is not None and type_match(kind, sentence.text)
        lengths[i] = sentence.end - sentence.start
    own, window = coverage(snapshot, terms, rows)
    return feature_matrix(dense, bm25, neighbours, matches, own, lengths, window)
