"""What sentences, articles and terms become in Milvus. Pure functions, no I/O.

BM25 is split as an inner product: each sentence stores the length-normalised
term frequency of every term it holds, ``tf / (k1 * (1 - b + b * len / avg_len) + tf)``
(the local index's formula, same tokenizer), and a question's sparse vector holds
``idf(term) * count`` with the IDF from the terms collection. Their inner product
is the local BM25 score (with the average length of the build). Terms are keyed
by a 32-bit hash of the stemmed token, so no vocabulary has to be shared.

Example:
    >>> weights, lengths = sentence_weights([["cat", "sat"], ["cat", "cat"]])
    >>> round(weights[0][term_key("cat")], 3), lengths.tolist()
    (0.4, [2, 2])
    >>> bm25_idf(df=1, n=2) > bm25_idf(df=2, n=2)
    True
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter

import numpy as np

from assistant.store.lexical import B, K1
from assistant.store.milvus.schema import PIECE_CHARS, PIECES, PLACEHOLDER, VARCHAR_BYTES
from assistant.types import Article

TERM_SPACE = 2**32 - 2  # term keys: 0 .. 2**32 - 3 (Milvus sparse dimensions run to 2**32 - 2)
NO_TERMS = 2**32 - 2    # the one dimension of a sentence with no term (all stopwords): Milvus refuses an
NO_TERMS_WEIGHT = 1e-6  # empty sparse vector, and no question ever holds this key


def term_key(token: str) -> int:
    """A stable 32-bit key for a stemmed token (the same in every process and version)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little") % TERM_SPACE


def sentence_weights(tokens: list[list[str]], avg_length: float | None = None) -> tuple[list[dict], np.ndarray]:
    """Each sentence's sparse BM25 document vector (term key -> weight) and its length in
    tokens; ``avg_length`` defaults to these sentences' mean (a build), an append passes the build's."""
    lengths = np.array([len(t) for t in tokens], dtype=np.int64)
    avg = avg_length if avg_length else (float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0)
    out = []
    for doc, length in zip(tokens, lengths.tolist()):
        counts = Counter(term_key(t) for t in doc)
        norm = K1 * ((1 - B) + B * length / avg)
        out.append({k: tf / (norm + tf) for k, tf in counts.items()} or {NO_TERMS: NO_TERMS_WEIGHT})
    return out, lengths


def document_frequencies(weights: list[dict]) -> Counter:
    """Term key -> number of sentences holding it."""
    return Counter(k for w in weights for k in w if k != NO_TERMS)


def bm25_idf(df: int, n: int) -> float:
    """The local index's BM25 IDF (bm25s 'lucene')."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def coverage_idf(df: int, n: int) -> float:
    """The IDF of the coverage features (``Lexicon.idf``)."""
    return math.log((n + 1) / (df + 0.5))


def _clip(text: str, limit: int = VARCHAR_BYTES) -> str:
    """``text`` when it fits a VARCHAR, else '' (the reader then opens the article instead)."""
    return text if len(text.encode("utf-8")) <= limit else ""


def window_keys(articles: list[Article], weights: list[dict]) -> tuple[list[bool], list[bool], list[str]]:
    """Per sentence: does the one before / after share its paragraph, and the term keys of the
    sentence with those neighbours (space-separated), so coverage needs no neighbour fetched."""
    before, after, windows, row = [], [], [], 0
    for article in articles:
        sentences = article.sentences
        for s, sentence in enumerate(sentences):
            prev_same = s > 0 and sentences[s - 1].paragraph == sentence.paragraph
            next_same = s + 1 < len(sentences) and sentences[s + 1].paragraph == sentence.paragraph
            keys = set(weights[row]) | (set(weights[row - 1]) if prev_same else set()) \
                | (set(weights[row + 1]) if next_same else set())
            keys.discard(NO_TERMS)
            before.append(prev_same)
            after.append(next_same)
            windows.append(_clip(" ".join(map(str, sorted(keys)))))
            row += 1
    return before, after, windows


def sentence_rows(articles: list[Article], first_position: int, first_row: int, vectors: np.ndarray,
                  weights: list[dict]) -> list[dict]:
    """One Milvus row per sentence of ``articles`` (rows numbered from ``first_row``)."""
    before, after, windows = window_keys(articles, weights)
    out, row = [], first_row
    for offset, article in enumerate(articles):
        for s, sentence in enumerate(article.sentences):
            a = sentence.attribution
            i = row - first_row
            out.append({"id": row, "article": first_position + offset, "sentence": s, "para": sentence.paragraph,
                        "prev_same": before[i], "next_same": after[i], "window": windows[i],
                        "span_start": sentence.start, "span_end": sentence.end, "text": _clip(sentence.text),
                        "speaker": (a.speaker or "")[:256] if a else "", "kind": a.kind if a else "",
                        "attribution": _clip(a.model_dump_json()) if a else "",
                        "vector": vectors[i].tolist(), "sparse": weights[i]})
            row += 1
    return out


def article_rows(articles: list[Article], first_position: int, first_row: int, added: set[str]) -> list[dict]:
    """Each article's JSON in pieces of ``PIECE_CHARS``; every piece repeats the directory entry."""
    out, row = [], first_row
    for offset, article in enumerate(articles):
        body = article.model_dump_json()
        pieces = [body[i : i + PIECE_CHARS] for i in range(0, len(body), PIECE_CHARS)] or [""]
        if len(pieces) > PIECES:
            raise ValueError(f"article {article.id} is too large for the Milvus store ({len(body):,} characters)")
        position = first_position + offset
        entry = directory_entry(article, row, article.id in added)
        for j, piece in enumerate(pieces):
            out.append({"id": position * PIECES + j, "position": position, "piece": j, "pieces": len(pieces),
                        **entry, "body": piece, "_v": PLACEHOLDER})
        row += len(article.sentences)
    return out


def directory_entry(article: Article, first_row: int, added: bool) -> dict:
    """What the store's directory knows of an article without opening it."""
    return {"article_id": article.id, "first_row": first_row, "n_rows": len(article.sentences),
            "source_path": article.source_path or "", "fingerprint": article.fingerprint or "", "added": added,
            "title": (article.title or "")[:250], "publisher": (article.publisher or "")[:120]}


def term_rows(df: dict[int, int]) -> list[dict]:
    return [{"id": int(k), "df": int(v), "_v": PLACEHOLDER} for k, v in df.items()]


def meta_row(manifest: dict) -> dict:
    text = json.dumps(manifest, ensure_ascii=False, sort_keys=True)
    if len(text.encode("utf-8")) > VARCHAR_BYTES:
        raise ValueError("the store manifest is larger than one Milvus text value")
    return {"id": 0, "manifest": text, "_v": PLACEHOLDER}
