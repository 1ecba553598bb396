"""A calibrated probability that the best quote answers the question.

Two models ship as JSON (coefficients and operating threshold), each a logistic
regression. Without a reader (``answerability.json``) its features come from
retrieval only: the top sentence's cosine similarity, how much of the question's
rare vocabulary (IDF-weighted stemmed terms) the top sentence and its paragraph
neighbours contain, and the margin to the runner-up; it is fitted on SQuAD 2.0
(``assistant eval --suite squad2 --refit``, cross-validated leave-one-article-out).
With the reader (``answerability-reader.json``) the reader's logits join them, and
the probability is a product: that the question is about the article at all (the
``gate``, learned from questions asked of the wrong article) times that the first
quote answers it (learned from questions about their own article). The gate also reads
whether the names the question uses (its capitalised words) occur in the article: a
question about another article names people and places this one never mentions, while
one about this article may paraphrase every other word. Both are fitted
on BBC news questions written for training (``assistant train answerability``), so
SQuAD 2.0, the news suite and the seed all measure it held out.

Example:
    >>> model = AnswerabilityModel(weights=[1.0, 0.0, 0.0, 0.0, 0.0], bias=0.0, threshold=0.5)
    >>> round(model.probability([0.0, 0, 0, 0, 0]), 2)
    0.5
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

FEATURES = ("top_cosine", "coverage_context", "coverage_sentence", "margin", "idf_mass")
# With a reader: its logit for the top quote, the margin to the next read candidate, and
# whether the ranker's own first choice is the reader's too.
READER_FEATURES = ("reader_top", "reader_margin", "reader_agrees")
ALL_FEATURES = FEATURES + READER_FEATURES
# The gate's two more: the share of the question's names found in the article, and
# whether it names anything at all (a question without names has a share of 1).
NAME_FEATURES = ("name_share", "has_names")
NO_NAMES = (1.0, 0.0)  # the NAME_FEATURES of a question that names nothing
GATE_FEATURES = ALL_FEATURES + NAME_FEATURES
# A name: a word that starts with a capital letter, not the question's first word (always
# capitalised) nor "I". Letters and digits, hyphens inside; apostrophes end a word, so
# "Trump's" and "Trump’s" both name Trump.
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:-[^\W_]+)*")


@dataclass(frozen=True)
class AnswerabilityModel:
    """A logistic regression over a features row; with a ``gate`` (the reader's model), the
    probability is the gate's (that the question is about the article at all) times its own
    (that the first quote answers, for a question about the article)."""

    weights: list[float]
    bias: float
    threshold: float
    mean: list[float] | None = None
    scale: list[float] | None = None
    features: tuple[str, ...] = FEATURES
    fitted_on: dict | None = None  # what it was fitted on, recorded by `assistant train answerability`
    gate: "AnswerabilityModel | None" = None

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """One probability per row of ``GATE_FEATURES`` values (a model of fewer features,
        such as the retrieval ``FEATURES`` or the answer part's ``ALL_FEATURES``, reads the
        first ones), standardised first when the model carries a mean and scale."""
        rows = np.asarray(rows, dtype=np.float64)
        x = rows.reshape(-1, rows.shape[-1] if rows.size else len(self.weights))[:, : len(self.weights)]
        if self.mean and self.scale:
            x = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        # Row-wise sums, not a matrix product: BLAS may round a batch and a single
        # row differently, and fitted and asked probabilities must agree exactly.
        z = self.bias + (x * np.asarray(self.weights, dtype=np.float64)).sum(axis=1)
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))
        return p * self.gate.probabilities(rows) if self.gate is not None else p

    def probability(self, features: list[float]) -> float:
        """``probabilities`` of one row: answering and fitting share one computation,
        so a threshold set on fitted probabilities holds for asked ones."""
        return float(self.probabilities(np.asarray([features]))[0])

    def to_dict(self) -> dict:
        """A JSON-ready copy (changing it leaves the model as it is)."""
        extra = {"fitted_on": json.loads(json.dumps(self.fitted_on))} if self.fitted_on else {}
        if self.gate is not None:
            extra["gate"] = self.gate.to_dict()  # its threshold is unused: the product's threshold decides
        return {"features": list(self.features), "weights": list(self.weights), "bias": self.bias,
                "threshold": self.threshold, "mean": list(self.mean) if self.mean else self.mean,
                "scale": list(self.scale) if self.scale else self.scale, **extra}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: dict) -> "AnswerabilityModel":
        names = tuple(data.get("features") or ())
        if names not in (FEATURES, ALL_FEATURES, GATE_FEATURES) or len(data["weights"]) != len(names):
            raise ValueError(f"answerability model features {list(names)}: expected {list(FEATURES)}, "
                             f"{list(ALL_FEATURES)} or {list(GATE_FEATURES)}, one weight each")
        gate = cls.from_dict(data["gate"]) if data.get("gate") else None
        return cls(data["weights"], data["bias"], data["threshold"], data.get("mean"), data.get("scale"), names,
                   data.get("fitted_on"), gate)

    @classmethod
    def from_json(cls, raw: str) -> "AnswerabilityModel":
        return cls.from_dict(json.loads(raw))


SHIPPED = "data/answerability.json"  # retrieval features only: the path with ASSISTANT_READER=none
SHIPPED_WITH_READER = "data/answerability-reader.json"


def shipped_model(with_reader: bool = False) -> AnswerabilityModel:
    """The fitted model that ships in ``assistant/data/`` (the reader's, when asked for and fitted)."""
    path = resources.files("assistant").joinpath(SHIPPED_WITH_READER if with_reader else SHIPPED)
    if with_reader and not path.is_file():
        path = resources.files("assistant").joinpath(SHIPPED)
    return AnswerabilityModel.from_json(path.read_text(encoding="utf-8"))


def features(top_cosine: float, cov_context: float, cov_sentence: float, margin: float, idf_mass: float,
             reader: tuple[float, float, float] | None = None,
             names: tuple[float, float] = NO_NAMES) -> list[float]:
    """The ``FEATURES`` row; when the reader read the candidates, the ``GATE_FEATURES`` row
    (``READER_FEATURES`` and then ``names``, as ``name_features`` gives them)."""
    row = [top_cosine, cov_context, cov_sentence, margin, math.log1p(idf_mass)]
    return row + list(reader) + list(names) if reader is not None else row


def name_features(question: str, article_text: str) -> tuple[float, float]:
    """(the share of the question's names that are words of ``article_text``, whether it
    names anything): the ``NAME_FEATURES``. Case matters: "Guy" is not "guy".

    Example:
        >>> name_features("Why did Zuckerberg call Trump's team?", "Zuckerberg called Trump.")
        (1.0, 1.0)
        >>> name_features("Who was Guy's rival?", "The Yuan dynasty ruled China.")
        (0.0, 1.0)
        >>> name_features("When did the call take place?", "Any text.")
        (1.0, 0.0)
    """
    names = [w for i, w in enumerate(_WORD.findall(question)) if i and w[0].isupper() and w != "I"]
    if not names:
        return NO_NAMES
    words = _article_words(article_text)
    return sum(w in words for w in names) / len(names), 1.0


@lru_cache(maxsize=16)
def _article_words(article_text: str) -> frozenset[str]:
    # Cached: tokenising a 45 KB Wikipedia article takes 1.6 ms, and a corpus answers
    # from the same few articles again and again. Few entries: an article may be 20 MB.
    return frozenset(_WORD.findall(article_text))
