"""What the ask path reads from a store: the ``StoreView`` protocol.

Two stores answer it: the local index (``store.snapshot.Snapshot``: FAISS,
numpy BM25 and ``articles.jsonl`` on disk) and Milvus
(``store.milvus.view.MilvusSnapshot``: the same rows, vectors, BM25 weights and
articles in Milvus collections, for Milvus Lite or a server/cluster). The
pipeline, the people stage and the facade call only these members, so the
answers' shape and the verbatim checks do not depend on the store.

Rows are sentence numbers: an article's sentences have consecutive rows, in
article order, and ``first_row[p]`` is the first row of the article at position
``p`` (``first_row[-1] == n_rows``).

Example:
    >>> from assistant.store.snapshot import Snapshot
    >>> isinstance(Snapshot, type) and all(hasattr(Snapshot, name) for name in MEMBERS)
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from assistant.types import Article, Sentence

MEMBERS = ("n_rows", "articles", "catalog", "article", "sentence", "sentence_at", "article_positions", "adjacent",
           "row_tokens", "window_tokens", "term_weights", "candidates", "scores", "matching_articles", "allowed",
           "backend")


class StoreView(Protocol):
    """An immutable view of one version of a store (``Assistant.add`` swaps in a new one)."""

    backend: str                      # "local" or "milvus"
    by_id: Mapping[str, int]          # article id -> position
    first_row: np.ndarray             # per position, its first row; the last entry is n_rows

    @property
    def n_rows(self) -> int: ...

    @property
    def articles(self) -> Sequence[Article]: ...

    def catalog(self) -> list[tuple[str, str, str | None]]:
        """(id, title, publisher) of every article, in order, without opening them all."""

    def article(self, article_id: str) -> Article:
        """The article; an unknown id raises ``UnknownArticleError``."""

    def sentence(self, row: int) -> tuple[Article, int]:
        """The article of ``row`` and the sentence's index in it (for quoting)."""

    def sentence_at(self, row: int) -> Sentence:
        """The sentence of ``row`` alone (no need to open its article)."""

    def article_positions(self, rows: np.ndarray) -> np.ndarray: ...

    def adjacent(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(row before, same paragraph?, row after, same paragraph?) for each of ``rows``."""

    def row_tokens(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in ``rows``, term key) for every distinct term of those rows."""

    def window_tokens(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The same for each row together with its same-paragraph neighbours (repeats allowed)."""

    def term_weights(self, tokens: list[str]) -> tuple[dict[int, float], float]:
        """Term key -> IDF for the known ``tokens``, and the IDF mass of all of them."""

    def candidates(self, vector: np.ndarray, tokens: list[str], k: int, allowed: np.ndarray | None,
                   dense: bool = True, lexical: bool = True,
                   neighbours: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, cosine, BM25): dense and BM25 top-``k`` rows within ``allowed``, plus neighbours."""

    def scores(self, vector: np.ndarray, tokens: list[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cosine, BM25) of given ``rows``."""

    def matching_articles(self, tokens: list[str], allowed: np.ndarray | None, rows: int) -> list[int]:
        """Positions of the articles of the best ``rows`` BM25 rows, best first."""

    def allowed(self, article_ids: list[str] | None) -> np.ndarray | None:
        """The rows of ``article_ids`` (None: all); an unknown id raises."""


def rows_of(view, article_ids: list[str] | None) -> np.ndarray | None:
    """The rows of ``article_ids`` in ``view`` (None: every row), from ``by_id`` and
    ``first_row``, which both stores keep; an unknown id raises ``UnknownArticleError``."""
    from assistant.errors import UnknownArticleError

    if not article_ids:
        return None
    spans = []
    for article_id in article_ids:
        if article_id not in view.by_id:
            raise UnknownArticleError(article_id, list(view.by_id))
        i = view.by_id[article_id]
        spans.append(np.arange(view.first_row[i], view.first_row[i + 1]))
    return np.unique(np.concatenate(spans)).astype(np.int64)  # an id given twice must not count its rows twice
