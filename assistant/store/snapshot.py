"""An immutable view of one built local index, with the lookups every question needs.

``Assistant.add`` swaps in a new ``Snapshot`` instead of changing one, so a
question being answered keeps reading the snapshot it started with (no locks).
The pipeline reads a store only through the methods listed in ``store.view``;
``MilvusSnapshot`` (``store.milvus.view``) answers the same calls from Milvus.

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
from assistant.store.dense import dense_candidates
from assistant.store.lexical import top_rows
from assistant.store.neighbours import by_paragraph, with_neighbours
from assistant.store.view import rows_of
from assistant.types import Article, Sentence


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

    backend = "local"

    @property
    def n_rows(self) -> int:
        return len(self.data.units)

    @property
    def articles(self):
        """Every article, in index order (a lazily parsed sequence for a saved index)."""
        return self.data.articles

    def catalog(self) -> list[tuple[str, str, str | None]]:
        """(id, title, publisher) of every article."""
        return [(a.id, a.title, a.publisher) for a in self.data.articles]

    def article(self, article_id: str) -> Article:
        if article_id not in self.by_id:
            raise UnknownArticleError(article_id, list(self.by_id))
        return self.data.articles[self.by_id[article_id]]

    def sentence(self, row: int) -> tuple[Article, int]:
        """The article of sentence row ``row`` and the sentence's index in it."""
        a, s = self.data.units[row]
        return self.data.articles[a], int(s)

    def sentence_at(self, row: int) -> Sentence:
        """Sentence row ``row`` itself (its text, offsets and attribution)."""
        article, s = self.sentence(row)
        return article.sentences[s]

    def article_positions(self, rows: np.ndarray) -> np.ndarray:
        """The article position of each of ``rows``."""
        return np.asarray(self.data.units[rows, 0], dtype=np.int64)

    def adjacent(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """(row before, same paragraph?, row after, same paragraph?) for each of ``rows``."""
        return by_paragraph(self.paragraph_of_row, rows)

    def row_tokens(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.data.lexicon.row_tokens(rows)

    def window_tokens(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in ``rows``, token id) of each row and its same-paragraph neighbours."""
        before, same_before, after, same_after = self.adjacent(rows)
        owners, tokens = [], []
        for near, keep in ((rows, None), (before, same_before), (after, same_after)):
            owner, token = self.data.lexicon.row_tokens(np.asarray(near, dtype=np.int64))
            if keep is not None:
                owner, token = owner[keep[owner]], token[keep[owner]]
            owners.append(owner)
            tokens.append(token)
        return np.concatenate(owners), np.concatenate(tokens)

    def term_weights(self, tokens: list[str]) -> tuple[dict[int, float], float]:
        return self.data.lexicon.term_weights(tokens)

    def candidates(self, vector: np.ndarray, tokens: list[str], k: int, allowed: np.ndarray | None,
                   dense: bool = True, lexical: bool = True, neighbours: bool = True):
        """(rows, cosine, BM25) of the dense and BM25 top-``k`` rows (within ``allowed``),
        joined by their same-paragraph neighbours when ``neighbours``; scores align with rows."""
        data = self.data
        bm25_all = data.lexicon.scores(tokens)
        d_rows = dense_candidates(data.dense, vector, k, allowed, data.vectors) if dense else []
        b_rows = top_rows(bm25_all, k, allowed) if lexical else []
        rows = np.union1d(np.asarray(d_rows, dtype=np.int64), np.asarray(b_rows, dtype=np.int64))
        if neighbours:
            rows = with_neighbours(self, rows, allowed)
        cosine = np.asarray(data.vectors[rows], dtype=np.float32) @ vector.astype(np.float32)
        return rows, cosine, bm25_all[rows]

    def scores(self, vector: np.ndarray, tokens: list[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cosine, BM25) of ``rows`` against a query vector and its tokens."""
        data = self.data
        return (np.asarray(data.vectors[rows], dtype=np.float32) @ vector.astype(np.float32),
                data.lexicon.scores(tokens)[rows])

    def matching_articles(self, tokens: list[str], allowed: np.ndarray | None, rows: int) -> list[int]:
        """Positions of the articles holding the ``rows`` best BM25 rows for ``tokens``
        (within ``allowed``), best first; only rows holding a token count."""
        scores = self.data.lexicon.scores(tokens)
        if allowed is not None:
            kept = np.zeros_like(scores)
            kept[allowed] = scores[allowed]
            scores = kept
        k = min(rows, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)  # no full sort at 1M rows
        top = top[np.argsort(-scores[top], kind="stable")]
        return list(dict.fromkeys(int(self.data.units[r, 0]) for r in top if scores[r] > 0))

    def allowed(self, article_ids: list[str] | None) -> np.ndarray | None:
        """The sentence rows of ``article_ids`` (None: every row); an unknown id raises."""
        return rows_of(self, article_ids)
