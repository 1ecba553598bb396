"""An immutable view of one built index, with the lookups every question needs.

``Assistant.add`` swaps in a new ``Snapshot`` instead of changing one, so a
question being answered keeps reading the snapshot it started with (no locks).

Example:
    >>> from assistant.embedding.embedder import FakeEmbedder
    >>> from assistant.ingest.files import article_from_text
    >>> from assistant.store.build import build_index
    >>> a = article_from_text("T\\n\\nA cat sat. A dog ran.")
    >>> snap = Snapshot.of(build_index([a], FakeEmbedder(), progress=False))
    >>> snap.allowed([a.id]).tolist(), snap.sentence(1)[1]
    ([0, 1], 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.errors import UnknownArticleError
from assistant.store.articles import article_ids
from assistant.store.build import IndexData, paragraph_ids
from assistant.types import Article


@dataclass(frozen=True)
class Snapshot:
    """``data`` plus article id -> position, a paragraph id per row and each article's first row."""

    data: IndexData
    by_id: dict[str, int]
    paragraph_of_row: np.ndarray
    first_row: np.ndarray

    @classmethod
    def of(cls, data: IndexData) -> "Snapshot":
        n = len(data.articles)
        counts = np.bincount(data.units[:, 0], minlength=n) if len(data.units) else np.zeros(n)
        paragraphs = data.paragraphs if data.paragraphs is not None else paragraph_ids(list(data.articles))
        return cls(data, {a: i for i, a in enumerate(article_ids(data.articles))}, paragraphs,
                   np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))

    def extended(self, data: IndexData, new: list[Article]) -> "Snapshot":
        """The snapshot of ``data`` = this snapshot's index plus the ``new`` articles (appended)."""
        by_id = {**self.by_id, **{a.id: len(self.by_id) + i for i, a in enumerate(new)}}
        first = np.concatenate([self.first_row, self.first_row[-1] + np.cumsum([len(a.sentences) for a in new])])
        return Snapshot(data, by_id, data.paragraphs, first)

    def article(self, article_id: str) -> Article:
        if article_id not in self.by_id:
            raise UnknownArticleError(article_id, list(self.by_id))
        return self.data.articles[self.by_id[article_id]]

    def sentence(self, row: int) -> tuple[Article, int]:
        """The article of sentence row ``row`` and the sentence's index in it."""
        a, s = self.data.units[row]
        return self.data.articles[a], int(s)

    def allowed(self, article_ids: list[str] | None) -> np.ndarray | None:
        """The sentence rows of ``article_ids`` (None: every row); an unknown id raises."""
        if not article_ids:
            return None
        rows = []
        for article_id in article_ids:
            if article_id not in self.by_id:
                raise UnknownArticleError(article_id, list(self.by_id))
            i = self.by_id[article_id]
            rows.append(np.arange(self.first_row[i], self.first_row[i + 1]))
        return np.unique(np.concatenate(rows)).astype(np.int64)  # an id given twice must not count its rows twice
