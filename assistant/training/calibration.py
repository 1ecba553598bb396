"""Fit the shipped models: answerability (L2-regularised logistic regression) and the
sentence ranker (listwise softmax). Both go through one solver, scipy's L-BFGS-B
(``minimize_smooth``), and ``write_shipped_models`` writes them to ``assistant/data``.

Example:
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> w, b = fit_logistic(X, y, l2=0.1)
    >>> bool(w[0] > 0)
    True
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.ranking.answerability import ALL_FEATURES, FEATURES, GATE_FEATURES, SHIPPED, AnswerabilityModel
from assistant.ranking.ranker import Ranker


TIGHT = {"maxiter": 10_000, "ftol": 1e-15, "gtol": 1e-10}


def minimize_smooth(loss, d: int, options: dict | None = None) -> np.ndarray:
    """The minimiser of a smooth convex ``loss(theta) -> (value, gradient)`` over ``d``
    parameters from zeros, by scipy's L-BFGS-B (``options`` as scipy takes them)."""
    from scipy.optimize import minimize  # only fitting needs scipy

    return minimize(loss, np.zeros(d), jac=True, method="L-BFGS-B", options=options).x


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1.0) -> tuple[np.ndarray, float]:
    """Weights and bias minimising the summed log-loss + l2/2 * |w|^2 (bias unpenalised)."""
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    penalty = np.array([l2] * d + [0.0])

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = A @ theta
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
        value = float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * penalty @ theta**2)
        return value, A.T @ (p - y) + penalty * theta

    # Tight tolerances: the answerability model's fit then equals the exact optimum to 1e-8.
    theta = minimize_smooth(loss, d + 1, TIGHT)
    return theta[:d], float(theta[d])


# The score margin depends on how many sentences compete (13 in a short article,
# hundreds in SQuAD's), so it does not transfer across corpus sizes: left out.
USED = np.array([1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])  # one per GATE_FEATURES


Feature = tuple[int, list[float], bool, bool, bool]  # article, features, answered correctly, off-article,
# answerable (by the article it was asked of)

FOUND_TARGET, REJECT_TARGET = 0.90, 0.95  # the shipped operating point's two targets


def balanced_threshold(own: np.ndarray, off: np.ndarray,
                       targets: tuple[float, float] = (FOUND_TARGET, REJECT_TARGET)) -> float:
    """The threshold whose smaller slack to the two ``targets`` is largest: the share
    of ``own`` (answerable questions' probabilities) at or above it minus the first
    (0.90), and the share of ``off`` (other articles' questions) below it minus the second (0.95).
    Neither target is favoured, so a threshold set on some articles keeps a
    margin on both when it meets another (a fixed 96% off-article rejection sat
    at 90.0% found after the adapter moved the scores). Every threshold between
    the best score and the next lower one (or across tied best scores) does as
    well; the middle of that gap is taken, so no score sits on the edge.

    Example:
        >>> round(balanced_threshold(np.array([0.6, 0.7, 0.8, 0.9]), np.array([0.1, 0.2, 0.3, 0.65])), 3)
        0.675
    """
    candidates = np.unique(np.concatenate([own, off]))
    found = (own[None, :] >= candidates[:, None]).mean(axis=1) - targets[0]
    rejected = (off[None, :] < candidates[:, None]).mean(axis=1) - targets[1]
    slack = np.minimum(found, rejected)
    best = np.flatnonzero(slack == slack.max())
    # Below the lowest score nothing changes either, so the gap there is the score itself.
    low = candidates[best[0] - 1] if best[0] > 0 else candidates[best[0]]
    return float((low + candidates[best[-1]]) / 2)


def fit_probability(X: np.ndarray, y: np.ndarray) -> AnswerabilityModel:
    """Standardise and fit a logistic regression on ``y`` (threshold 0.5, for the caller to set).
    ``X`` has the retrieval ``FEATURES`` columns, ``ALL_FEATURES`` with a reader, or the gate's
    ``GATE_FEATURES``."""
    names = {len(n): n for n in (FEATURES, ALL_FEATURES, GATE_FEATURES)}.get(X.shape[1])
    if names is None:
        raise ValueError(f"{X.shape[1]} answerability features: expected {len(FEATURES)}, {len(ALL_FEATURES)} "
                         f"or {len(GATE_FEATURES)}")
    used = USED[: len(names)]
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    w, b = fit_logistic((X - mean) / scale * used, y)
    w = w * used
    return AnswerabilityModel(w.tolist(), b, 0.5, mean.tolist(), scale.tolist(), names)


def fit_model(X: np.ndarray, y: np.ndarray, off_article: np.ndarray, answerable: np.ndarray) -> AnswerabilityModel:
    """``fit_probability`` on ``y`` (the top quote answers), with the threshold set by
    ``balanced_threshold`` between the ``answerable`` rows, to be found, and the
    ``off_article`` rows, to be rejected."""
    model = fit_probability(X, y)
    if not (off_article.any() and answerable.any()):
        return model
    probability = model.probabilities(X)
    return replace(model, threshold=balanced_threshold(probability[answerable], probability[off_article]))


def fit_ranker(lists: list[tuple[np.ndarray, np.ndarray]], l2: float = 1e-2) -> Ranker:
    """Linear ranker weights maximising the softmax probability of the gold
    candidates of each question (``lists`` holds (features, gold mask) pairs).

    Example:
        >>> X = np.array([[1.0], [0.0]]); gold = np.array([True, False])
        >>> fit_ranker([(X, gold)]).weights[0] > 0
        True
    """
    lists = [(X, g / g.sum()) for X, g in lists if g.any()]
    if not lists:
        raise ValueError("no question has a gold candidate to fit the ranker on")
    d = lists[0][0].shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros(d)
        for X, target in lists:
            s = X @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            total -= float(target @ np.log(p + 1e-12))
            grad -= X.T @ (target - p)
        return total / len(lists) + l2 * float(w @ w), grad / len(lists) + 2 * l2 * w

    # scipy's default tolerances: the shipped weights and the reported figures were fitted with them.
    return Ranker([float(w) for w in minimize_smooth(loss, d)])


def feature_arrays(features: list[Feature]):
    """The rows' article indices, feature matrix, labels, off-article and answerable masks."""
    art = np.array([r[0] for r in features])
    X = np.array([r[1] for r in features])
    y = np.array([int(r[2]) for r in features])
    off = np.array([r[3] for r in features], dtype=bool)
    answerable = np.array([r[4] for r in features], dtype=bool)
    return art, X, y, off, answerable


def write_shipped_models(raw: dict, folder: Path | None = None) -> list[Path]:
    """Fit the ranker on every article and write the JSON files that ship with the package:
    with a reader, also the rerank mix (``rerank.json``), and without one the retrieval
    answerability model (``answerability.json``; the reader's, ``answerability-reader.json``,
    is fitted on news questions by ``assistant train answerability``); the adapter when the
    run fitted one."""
    from assistant.ranking.reader import RerankWeights

    folder = folder or Path(__file__).resolve().parent.parent / "data"
    ranker = fit_ranker([x for part in raw["ranker_lists"] for x in part])
    _, X, y, off, answerable = feature_arrays(raw["features"])
    texts = {folder / "ranker.json": ranker.to_json()}
    # The reader's answerability model is fitted on news questions by `assistant train
    # answerability` (training/answerability.py), after this mix and ranker: not here.
    if X.shape[1] == len(FEATURES):
        texts[folder / Path(SHIPPED).name] = fit_model(X, y, off, answerable).to_json()
    if raw.get("reader_lists"):
        mix = fit_ranker([x for part in raw["reader_lists"] for x in part])
        texts[folder / "rerank.json"] = RerankWeights(*mix.weights).to_json()
    for path, text in texts.items():
        path.write_text(text + "\n", encoding="utf-8")
    paths = list(texts)
    if raw.get("adapter") is not None:
        paths.append(folder / "adapter.npz")
        raw["adapter"].save(paths[-1])
    return paths
