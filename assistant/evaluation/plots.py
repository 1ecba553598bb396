"""PNG plots for evaluation reports: hit@k by method, accuracy vs coverage, and reliability.

matplotlib is imported inside the functions (with the non-interactive Agg
backend), so nothing but a report run pays for it.

Example:
    >>> accuracy_coverage([0.9, 0.2, 0.6], [True, False, True])
    [(0.333, 1.0), (0.667, 1.0), (1.0, 0.667)]
"""

from __future__ import annotations

from pathlib import Path


def accuracy_coverage(confidence: list[float], correct: list[bool], max_points: int = 201) -> list[tuple[float, float]]:
    """(coverage, accuracy) when answering only the most confident questions:
    for each cut-off, the share answered and the share of those answered right.
    Long curves keep ``max_points`` evenly spaced cut-offs, the last included, so a
    2,828-question summary stays readable; every kept point is exact."""
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2 (the first and the last cut-off), not {max_points}")
    order = sorted(range(len(confidence)), key=lambda i: -confidence[i])
    points, right = [], 0
    for n, i in enumerate(order, start=1):
        right += bool(correct[i])
        points.append((round(n / len(order), 3), round(right / n, 3)))
    if len(points) <= max_points:
        return points
    step = (len(points) - 1) / (max_points - 1)
    return [points[round(k * step)] for k in range(max_points)]


def reliability(confidence: list[float], correct: list[bool], bins: int = 10) -> list[tuple[float, float, int]]:
    """(mean predicted, observed share correct, count) per equal-width confidence bin
    with any question in it: a calibrated ``confidence`` keeps the two close.

    Example: ``reliability([0.05, 0.15, 0.95], [False, True, True], bins=2)`` -> [(0.1, 0.5, 2), (0.95, 1.0, 1)]
    """
    out = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [i for i, c in enumerate(confidence) if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if inside:
            out.append((round(sum(confidence[i] for i in inside) / len(inside), 3),
                        round(sum(bool(correct[i]) for i in inside) / len(inside), 3), len(inside)))
    return out


def plot_reliability(points: list[tuple[float, float, int]], path: Path, how: str = "as shipped") -> Path:
    """Observed against predicted probability per bin, with the diagonal of perfect calibration;
    ``how`` says how the confidences were obtained (the title shows it)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    ax.plot([p for p, _, _ in points], [o for _, o, _ in points], marker="o", label="shipped confidence")
    for p, o, n in points:
        ax.annotate(str(n), (p, o), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted probability that the top quote answers")
    ax.set_ylabel("observed share answered right")
    ax.set_title(f"Reliability ({how}; n per bin)")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_hits(table: dict[str, dict[str, float]], path: Path, ks: tuple[int, ...] = (1, 3, 5)) -> Path:
    """Grouped bars of hit@k for each method in ``table``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    width = 0.8 / len(ks)
    for j, k in enumerate(ks):
        xs = [i + j * width for i in range(len(table))]
        ax.bar(xs, [row[f"hit@{k}"] for row in table.values()], width, label=f"hit@{k}")
    ax.set_xticks([i + width * (len(ks) - 1) / 2 for i in range(len(table))], list(table))
    ax.set_ylim(0, 1.12)  # headroom for the legend above the bars
    ax.set_ylabel("share of answerable questions")
    ax.set_title("Sentence hit@k by method")
    ax.legend(loc="upper center", ncols=len(ks))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_coverage(curves: dict[str, list[tuple[float, float]]], path: Path) -> Path:
    """Accuracy against coverage, one line per curve."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for name, points in curves.items():
        ax.plot([c for c, _ in points], [a for _, a in points], label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("coverage (share of questions answered, most confident first)")
    ax.set_ylabel("accuracy of the answered")
    ax.set_title("Accuracy vs coverage")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
