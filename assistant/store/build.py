"""Build the in-memory index: embed every sentence, index it (FAISS + BM25).

``IndexData`` is everything retrieval needs; ``build_index`` makes one from
articles, ``append_articles`` adds articles to one without touching it, and
``embedding_cache`` lets a rebuild reuse vectors it already has.

Example:
    >>> from assistant.embedding.embedder import FakeEmbedder
    >>> from assistant.ingest.files import article_from_text
    >>> data = build_index([article_from_text("T\\n\\nA cat sat.")], FakeEmbedder(), progress=False)
    >>> data.dense.ntotal
    1
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

import faiss
import numpy as np

from assistant.embedding.embedder import Embedder
from assistant.store.dense import extend_dense, make_dense
from assistant.store.lexical import Lexicon
from assistant.types import Article

log = logging.getLogger(__name__)
APPROXIMATE_ABOVE = 200_000  # sentences; the Settings default, see dense.py



@dataclass
class IndexData:
    """Everything retrieval needs, in memory. Row ``i`` of ``dense`` and of the
    lexicon is sentence ``units[i] = (article index, sentence index)``."""

    articles: list[Article]
    units: np.ndarray
    vectors: np.ndarray
    dense: faiss.Index
    lexicon: Lexicon
    model_id: str
    weights_sha256: str
    manifest: dict = field(default_factory=dict)
    # Source files not indexed because their text duplicates an indexed article's
    # (path -> fingerprint), so that they do not make the index look stale.
    aliases: dict[str, str] = field(default_factory=dict)
    # Ids of articles added with ``Assistant.add`` (uploads, URLs): the index is their
    # only copy, so rebuilds carry them over; corpus files are read again instead.
    added: list[str] = field(default_factory=list)
    # A global paragraph id per row (see ``paragraph_ids``), saved so loading needs no article parsed.
    paragraphs: np.ndarray | None = None


def sentence_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def paragraph_ids(articles: list[Article], first: int = 0) -> np.ndarray:
    """A paragraph id per sentence row, unique across articles (ids start at ``first``).

        >>> from assistant.ingest.files import article_from_text
        >>> two = [article_from_text("T\\n\\nThe cat sat. The dog ran.\\n\\nBirds flew."),
        ...        article_from_text("U\\n\\nFish swam.")]
        >>> paragraph_ids(two).tolist()
        [1, 1, 2, 4]
    """
    offsets = np.cumsum([first] + [len(a.paragraphs) + 1 for a in articles])
    return np.array([offsets[i] + s.paragraph for i, a in enumerate(articles) for s in a.sentences], dtype=np.int64)


def embed_texts(texts: list[str], embedder: Embedder, cache: dict[str, np.ndarray] | None = None,
                progress: bool = True) -> np.ndarray:
    """float32 vectors of ``texts`` in order, embedding only those whose sha256 is not in ``cache``
    (each distinct text once). Both stores' builds call it.

        >>> from assistant.embedding.embedder import FakeEmbedder
        >>> embed_texts(["A cat.", "A cat."], FakeEmbedder(), progress=False).shape
        (2, 64)
    """
    cache = cache or {}
    missing = sorted({t for t in texts if sentence_key(t) not in cache})
    if missing:
        log.info("embedding %d new sentences (%d reused)", len(missing), len(texts) - len(missing))
        fresh = embedder.encode(missing, progress=progress)
        cache = {**cache, **{sentence_key(t): v for t, v in zip(missing, fresh)}}
    if not texts:
        return np.zeros((0, embedder.dim), np.float32)
    return np.stack([cache[sentence_key(t)] for t in texts]).astype(np.float32)


def _units(articles: list[Article]) -> np.ndarray:
    rows = [(a, s) for a, art in enumerate(articles) for s in range(len(art.sentences))]
    return np.array(rows, dtype=np.int32).reshape(-1, 2)


def build_index(
    articles: list[Article], embedder: Embedder, cache: dict[str, np.ndarray] | None = None, progress: bool = True,
    approximate_above: int = APPROXIMATE_ABOVE,
) -> IndexData:
    """Embed every sentence (reusing ``cache`` by sentence hash) and index it; above
    ``approximate_above`` sentences the dense index is approximate (see ``dense``)."""
    units = _units(articles)
    texts = [articles[a].sentences[s].text for a, s in units]
    vectors = embed_texts(texts, embedder, cache, progress)
    dense = make_dense(vectors, approximate_above)
    return IndexData(articles, units, vectors, dense, Lexicon.build(texts), embedder.model_id, embedder.weights_sha256,
                     paragraphs=paragraph_ids(articles))


def append_articles(data: IndexData, new: list[Article], embedder: Embedder) -> IndexData:
    """``data`` plus ``new`` articles, embedding and tokenizing only their sentences.

    Existing vectors are reused as they are (no re-embedding, no hashing) and the
    dense index is copied and appended to; ``data`` itself is not modified, so a
    reader still searching it is safe. Example:

        >>> from assistant.embedding.embedder import FakeEmbedder
        >>> from assistant.ingest.files import article_from_text
        >>> old = build_index([article_from_text("T\\n\\nA cat sat.")], FakeEmbedder(), progress=False)
        >>> append_articles(old, [article_from_text("U\\n\\nA dog ran. It barked.")], FakeEmbedder()).dense.ntotal
        3
    """
    texts = [s.text for a in new for s in a.sentences]
    fresh = embedder.encode(texts) if texts else np.zeros((0, data.vectors.shape[1]), np.float32)
    first = len(data.articles)
    rows = np.array([(first + i, s) for i, a in enumerate(new) for s in range(len(a.sentences))], dtype=np.int32)
    units = np.concatenate([data.units, rows.reshape(-1, 2)])
    vectors = np.concatenate([np.asarray(data.vectors, dtype=np.float32), fresh.astype(np.float32)])
    old_paragraphs = data.paragraphs if data.paragraphs is not None else paragraph_ids(list(data.articles))
    first_paragraph = int(old_paragraphs.max()) + 2 if len(old_paragraphs) else 0
    return IndexData(data.articles + list(new), units, vectors, extend_dense(data.dense, fresh),
                     data.lexicon.extend(texts), data.model_id, data.weights_sha256, aliases=dict(data.aliases),
                     added=data.added + [a.id for a in new],
                     paragraphs=np.concatenate([old_paragraphs, paragraph_ids(new, first_paragraph)]))


def embedding_cache(data: IndexData) -> dict[str, np.ndarray]:
    """Sentence hash -> vector of a built index, to rebuild without re-embedding."""
    return {
        sentence_key(data.articles[a].sentences[s].text): data.vectors[i] for i, (a, s) in enumerate(data.units)
    }
