"""The shipped sentence ranker: a linear model over the nine per-candidate
``FEATURES`` (see ``features``). The weights are fitted with a listwise softmax loss on SQuAD 2.0
(``assistant eval --suite squad2 --fit``, chosen and reported with
leave-one-article-out cross-validation) and ship as JSON.

Example:
    >>> Ranker(weights=[0.0] * len(FEATURES)).scores(np.ones((2, len(FEATURES)))).tolist()
    [0.0, 0.0]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from assistant.ranking.features import FEATURES


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
