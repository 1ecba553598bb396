"""Same-paragraph neighbours of sentence rows, for any store.

Both stores number an article's sentences with consecutive rows, so the
sentences around row ``r`` are ``r - 1`` and ``r + 1``; they are neighbours
when they sit in the same paragraph. A store answers ``adjacent(rows)``: the
local index from its array of global paragraph ids (``by_paragraph``), Milvus
from two flags stored on each sentence row.

Example:
    >>> class Rows:  # three sentences: the first two share a paragraph
    ...     def adjacent(self, rows): return by_paragraph(np.array([1, 1, 2]), rows)
    >>> neighbour_rows(Rows(), np.array([0, 1, 2]))
    [[1], [0], []]
"""

from __future__ import annotations

import numpy as np


def by_paragraph(paragraph_of_row: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """(row before, whether it is in the same paragraph, row after, whether it is) for each
    of ``rows``, from a global paragraph id per row (rows of two articles never share one)."""
    rows = np.asarray(rows, dtype=np.int64)
    last = len(paragraph_of_row) - 1
    before, after = np.maximum(rows - 1, 0), np.minimum(rows + 1, max(last, 0))
    own = paragraph_of_row[rows]
    same_before = (rows > 0) & (paragraph_of_row[before] == own)
    return before, same_before, after, (rows < last) & (paragraph_of_row[after] == own)


def neighbour_rows(view, rows: np.ndarray) -> list[list[int]]:
    """For each row, the adjacent rows in the same paragraph (see ``adjacent``)."""
    before, same_before, after, same_after = view.adjacent(rows)
    return [[b] * sb + [a] * sa for b, sb, a, sa in
            zip(before.tolist(), same_before.tolist(), after.tolist(), same_after.tolist())]


def with_neighbours(view, rows: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    """``rows`` joined by their same-paragraph neighbours (only ``allowed`` ones), sorted."""
    if not len(rows):
        return rows
    near = {n for group in neighbour_rows(view, rows) for n in group}
    if allowed is not None:
        near &= set(allowed.tolist())
    return np.union1d(rows, np.fromiter(near, dtype=np.int64, count=len(near)))
