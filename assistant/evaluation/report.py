"""Write an evaluation report: Markdown tables plus the raw per-question JSON.

Example:
    >>> markdown_table({"dense": {"hit@1": 0.5}}, ["hit@1"])
    '| method | hit@1 |\\n|---|---|\\n| dense | 0.500 |'
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path


def finite(value):
    """``value`` with every NaN float replaced by None (a metric with nothing to
    measure, e.g. AUROC over one class), so the JSON written is valid JSON.

    Example:
        >>> finite({"a": float("nan"), "b": [1.0, float("nan")]})
        {'a': None, 'b': [1.0, None]}
    """
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def markdown_table(table: dict[str, dict[str, float]], columns: list[str]) -> str:
    lines = ["| method | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, row in table.items():
        cells = [f"{row[c]:.3f}" if isinstance(row.get(c), float) else str(row.get(c, "")) for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(root: Path, suite: str, command: str, summary: dict, rows: list, body: str, tag: str = "") -> Path:
    """``root/<suite>-<date>[-<tag>]/report.md`` and ``per_question.json``; returns the
    folder. A ``tag`` (e.g. ``limit5``) keeps a partial run from replacing a full one."""
    folder = root / (f"{suite}-{time.strftime('%Y-%m-%d')}" + (f"-{tag}" if tag else ""))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "per_question.json").write_text(json.dumps(finite(rows), indent=1, ensure_ascii=False, default=str),
                                              encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps(finite(summary), indent=2, default=str), encoding="utf-8")
    text = (f"# Evaluation: {suite}\n\nCommand: `{command}`\n\n"
            f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n{body}\n")
    (folder / "report.md").write_text(text, encoding="utf-8")
    return folder
