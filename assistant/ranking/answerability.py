"""A calibrated probability that the best quote answers the question.

Features come from retrieval only: the top sentence's cosine similarity, how
much of the question's rare vocabulary (IDF-weighted stemmed terms) the top
sentence and its paragraph neighbours contain, and the margin to the runner-up.
A logistic regression over them, fitted on SQuAD 2.0 with leave-one-article-out
cross-validation (``assistant eval --suite squad2 --fit``), gives the
probability; its coefficients and the operating threshold ship as JSON.

Example:
    >>> model = AnswerabilityModel(weights=[1.0, 0.0, 0.0, 0.0, 0.0], bias=0.0, threshold=0.5)
    >>> round(model.probability([0.0, 0, 0, 0, 0]), 2)
    0.5
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

FEATURES = ("top_cosine", "coverage_context", "coverage_sentence", "margin", "idf_mass")


@dataclass(frozen=True)
class AnswerabilityModel:
    weights: list[float]
    bias: float
    threshold: float
    mean: list[float] | None = None
    scale: list[float] | None = None

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """One probability per row of ``FEATURES`` values (standardised first when
        the model carries a mean and scale)."""
        x = np.asarray(rows, dtype=np.float64).reshape(-1, len(self.weights))
        if self.mean and self.scale:
            x = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        # Row-wise sums, not a matrix product: BLAS may round a batch and a single
        # row differently, and fitted and asked probabilities must agree exactly.
        z = self.bias + (x * np.asarray(self.weights, dtype=np.float64)).sum(axis=1)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))

    def probability(self, features: list[float]) -> float:
        """``probabilities`` of one row: answering and fitting share one computation,
        so a threshold set on fitted probabilities holds for asked ones."""
        return float(self.probabilities(np.asarray([features]))[0])

    def to_json(self) -> str:
        return json.dumps({"features": list(FEATURES), "weights": self.weights, "bias": self.bias,
                           "threshold": self.threshold, "mean": self.mean, "scale": self.scale}, indent=2)

    @classmethod
    def from_json(cls, raw: str) -> "AnswerabilityModel":
        data = json.loads(raw)
        if data.get("features") != list(FEATURES):
            raise ValueError(f"answerability model features {data.get('features')} != {list(FEATURES)}")
        return cls(data["weights"], data["bias"], data["threshold"], data.get("mean"), data.get("scale"))


def shipped_model() -> AnswerabilityModel:
    """The fitted model that ships in ``assistant/data/answerability.json``."""
    raw = resources.files("assistant").joinpath("data/answerability.json").read_text(encoding="utf-8")
    return AnswerabilityModel.from_json(raw)


def features(top_cosine: float, cov_context: float, cov_sentence: float, margin: float, idf_mass: float) -> list[float]:
    return [top_cosine, cov_context, cov_sentence, margin, math.log1p(idf_mass)]
