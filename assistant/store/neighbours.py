"""Same-paragraph neighbours of sentence rows, for any store.

Both stores number an article's sentences with consecutive rows, so the
sentences around row ``r`` are ``r - 1`` and ``r + 1``; they are neighbours
when the store gives them the same global paragraph id. A store only has to
answer ``paragraphs(rows)`` (and know ``n_rows``): the local index reads an
array, Milvus the rows it fetched with the candidates.

Example:
    >>> class Rows:  # three sentences: the first two share a paragraph
    ...     n_rows = 3
    ...     def paragraphs(self, rows): return np.array([1, 1, 2])[rows]
    >>> neighbour_rows(Rows(), np.array([0, 1, 2]))
    [[1], [0], []]
"""

from __future__ import annotations

import numpy as np


def adjacent(view, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(row before, whether it is in the same paragraph, row after, whether it is) for
    each of ``rows`` of ``view`` (rows of another article never share a paragraph id)."""
    rows = np.asarray(rows, dtype=np.int64)
    last = view.n_rows - 1
    before, after = np.maximum(rows - 1, 0), np.minimum(rows + 1, max(last, 0))
    paragraphs = view.paragraphs(np.concatenate([rows, before, after]))  # one call: one fetch for Milvus
    own, p_before, p_after = np.split(paragraphs, 3)
    return before, (rows > 0) & (p_before == own), after, (rows < last) & (p_after == own)


def neighbour_rows(view, rows: np.ndarray) -> list[list[int]]:
    """For each row, the adjacent rows in the same paragraph (see ``adjacent``)."""
    before, same_before, after, same_after = adjacent(view, rows)
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
