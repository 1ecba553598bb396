"""The articles of a saved index, parsed from ``articles.jsonl`` only when used.

Parsing every article (sentences, attributions) on load was most of a fresh
``assistant ask`` over the 2,225 BBC articles, though one answer touches a few
dozen. ``ArticleStore`` maps the file, finds line starts with numpy, and
validates an article the first time it is asked for. Appending (``extended``)
shares the parsed cache and the file; ``raw_lines`` lets a save copy the stored
part byte for byte instead of re-serialising it.

Example:
    >>> import tempfile, pathlib
    >>> from assistant.ingest.files import article_from_text
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> a, b = article_from_text("A\\n\\nOne."), article_from_text("B\\n\\nTwo.")
    >>> _ = (folder / "articles.jsonl").write_text(a.model_dump_json() + "\\n" + b.model_dump_json() + "\\n")
    >>> store = ArticleStore.open(folder / "articles.jsonl", [a.id, b.id])
    >>> store[1].title, len(store), store.parsed
    ('B', 2, 1)
"""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.types import Article


class ArticleStore(Sequence):
    """A read-only sequence of ``Article``: stored lines, then appended objects."""

    def __init__(self, buffer, starts: np.ndarray, ids: list[str], extra: list[Article], cache: dict[int, Article]):
        self._buffer, self._starts, self.ids = buffer, starts, ids
        self._extra, self._cache = extra, cache

    @classmethod
    def open(cls, path: Path, ids: list[str]) -> "ArticleStore":
        """Map ``path`` (one JSON article per line, in the order of ``ids``)."""
        with open(path, "rb") as handle:
            buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if path.stat().st_size else b""
        newlines = np.flatnonzero(np.frombuffer(buffer, dtype=np.uint8) == 10) if len(buffer) else np.zeros(0, np.int64)
        starts = np.concatenate([[0], newlines + 1]).astype(np.int64)
        if len(starts) - 1 != len(ids):
            raise ValueError(f"articles.jsonl has {len(starts) - 1} lines, the manifest lists {len(ids)} articles")
        return cls(buffer, starts, list(ids), [], {})

    @property
    def stored(self) -> int:
        return len(self._starts) - 1

    @property
    def parsed(self) -> int:
        return len(self._cache)

    def __len__(self) -> int:
        return self.stored + len(self._extra)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = i + len(self) if i < 0 else i
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i >= self.stored:
            return self._extra[i - self.stored]
        article = self._cache.get(i)
        if article is None:  # parsing twice under a race is harmless: same text, same result
            article = Article.model_validate_json(self._buffer[self._starts[i] : self._starts[i + 1] - 1])
            self._cache[i] = article
        return article

    def __add__(self, other: list[Article]) -> "ArticleStore":
        return self.extended(list(other))

    def extended(self, new: list[Article]) -> "ArticleStore":
        """A store with ``new`` appended (this one is unchanged; the parse cache is shared)."""
        return ArticleStore(self._buffer, self._starts, self.ids + [a.id for a in new],
                            self._extra + list(new), self._cache)

    def raw_lines(self) -> bytes:
        """The stored articles' JSON lines exactly as read."""
        return bytes(self._buffer[: self._starts[-1]])

    def appended(self) -> list[Article]:
        return list(self._extra)


def article_ids(articles) -> list[str]:
    """Ids of a list of articles or of a store, without parsing the store."""
    return list(articles.ids) if isinstance(articles, ArticleStore) else [a.id for a in articles]
