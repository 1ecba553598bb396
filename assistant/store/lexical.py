"""BM25 over sentences (bm25s tokenizer: Snowball-stemmed, English stopwords)
plus the per-sentence token ids that the coverage features read.

Scores follow bm25s's default ("lucene": k1=1.5, b=0.75,
``idf = log(1 + (N - df + 0.5) / (df + 0.5))``) but are computed here with
numpy from stored term frequencies, for two reasons: adding an article then
costs a vectorised recomputation instead of re-tokenizing every sentence
(tokenizing is the slow part), and the arrays are plain ``.npy`` files that
can be memory-mapped at a million sentences. A test checks the scores equal
bm25s's.

Example:
    >>> lex = Lexicon.build(["The cat sat.", "Dogs bark loudly."])
    >>> int(lex.scores(lex.tokenize("cats"))[0] > 0)
    1
    >>> lex.extend(["A cat again."]).scores(["cat"]).nonzero()[0].tolist()
    [0, 2]
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
_STEMMER = Stemmer.Stemmer("english")
STOPWORDS = "en"
K1, B = 1.5, 0.75


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stopword-free, stemmed tokens for each text."""
    return bm25s.tokenize(texts, stopwords=STOPWORDS, stemmer=_STEMMER, return_ids=False, show_progress=False)


def _postings(tokens: list[list[str]], vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR (indptr, sorted unique token ids, counts) of tokenized sentences; grows ``vocab``."""
    ids, counts, lengths = [], [], []
    for doc in tokens:
        uniq, tf = np.unique(np.array([vocab.setdefault(t, len(vocab)) for t in doc], dtype=np.int32),
                             return_counts=True)
        ids.append(uniq)
        counts.append(tf.astype(np.int32))
        lengths.append(len(uniq))
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    flat = np.concatenate(ids) if ids else np.zeros(0, np.int32)
    return indptr, flat.astype(np.int32), (np.concatenate(counts) if counts else np.zeros(0, np.int32))


def bm25_matrix(indptr: np.ndarray, token_ids: np.ndarray, tf: np.ndarray, n_vocab: int):
    """Column-major BM25 weights: (col_ptr over the vocabulary, row per entry, weight per entry)."""
    n = len(indptr) - 1
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
    doc_len = np.bincount(rows, weights=tf, minlength=n) if n else np.zeros(0)
    avg = float(doc_len.mean()) if n and doc_len.mean() > 0 else 1.0
    df = np.bincount(token_ids, minlength=n_vocab)
    idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    tf32 = tf.astype(np.float32)
    weight = idf[token_ids] * tf32 / (K1 * ((1 - B) + B * doc_len[rows] / avg) + tf32)
    order = np.argsort(token_ids, kind="stable")
    col_ptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
    return col_ptr, rows[order], weight[order].astype(np.float32)


@dataclass
class Lexicon:
    """Vocabulary, each sentence's unique token ids and counts (CSR), and the BM25
    weights by token (CSC). Row ``i`` is sentence ``i`` of the index."""

    vocab: dict[str, int]
    indptr: np.ndarray
    token_ids: np.ndarray
    tf: np.ndarray
    col_ptr: np.ndarray
    col_rows: np.ndarray
    col_weights: np.ndarray

    @property
    def df(self) -> np.ndarray:
        return np.diff(self.col_ptr)

    @classmethod
    def build(cls, texts: list[str]) -> "Lexicon":
        return cls._of({}, None, None, None, texts=texts)

    @classmethod
    def _of(cls, vocab: dict[str, int], indptr, token_ids, tf, texts: list[str] | None = None) -> "Lexicon":
        if texts is not None:
            indptr, token_ids, tf = _postings(tokenize(texts), vocab)
        return cls(vocab, indptr, token_ids, tf, *bm25_matrix(indptr, token_ids, tf, len(vocab)))

    def extend(self, texts: list[str]) -> "Lexicon":
        """A new lexicon with ``texts`` appended as rows; only they are tokenized.
        BM25 weights are recomputed for all rows because N and the mean length change."""
        vocab = dict(self.vocab)
        indptr, ids, tf = _postings(tokenize(texts), vocab)
        return self._of(vocab, np.concatenate([self.indptr, indptr[1:] + self.indptr[-1]]),
                        np.concatenate([self.token_ids, ids]), np.concatenate([self.tf, tf]))

    def tokenize(self, text: str) -> list[str]:
        return tokenize([text])[0]

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every sentence for the query tokens (zeros when none is known)."""
        out = np.zeros(len(self.indptr) - 1, dtype=np.float32)
        for t in tokens:  # a repeated query token counts again, as in bm25s
            i = self.vocab.get(t)
            if i is not None:
                lo, hi = self.col_ptr[i], self.col_ptr[i + 1]
                out[self.col_rows[lo:hi]] += self.col_weights[lo:hi]  # rows within one column are unique
        return out

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """Smoothed inverse document frequency per token; unknown tokens get the maximum."""
        n = len(self.indptr) - 1
        out = {}
        for t in tokens:
            df = int(self.col_ptr[self.vocab[t] + 1] - self.col_ptr[self.vocab[t]]) if t in self.vocab else 0
            out[t] = float(np.log((n + 1) / (df + 0.5)))
        return out

    def term_weights(self, tokens: list[str]) -> tuple[dict[int, float], float]:
        """The question's known terms as vocabulary id -> IDF, and the IDF mass of all of
        them (unknown ones included): what ``QuestionTerms`` is made of."""
        idf = self.idf(sorted(set(tokens)))
        return {self.vocab[t]: w for t, w in idf.items() if t in self.vocab}, sum(idf.values())

    def row_tokens(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in ``rows``, token id) for every token of those rows: their CSR
        slices gathered in one go, so the cost follows ``len(rows)``, not the corpus."""
        starts = self.indptr[rows]
        lengths = self.indptr[rows + 1] - starts
        offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        tokens = np.asarray(self.token_ids[offsets + np.arange(int(lengths.sum()))])
        return np.repeat(np.arange(len(rows)), lengths), tokens

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("indptr", "token_ids", "tf", "col_ptr", "col_rows", "col_weights"):
            np.save(folder / f"{name}.npy", getattr(self, name), allow_pickle=False)
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, mmap: bool = False) -> "Lexicon":
        """Read a saved lexicon; ``mmap`` maps the arrays instead of reading them
        (pages load on first use, so a large index does not sit in memory whole)."""
        mode = "r" if mmap else None
        arrays = [np.load(folder / f"{name}.npy", allow_pickle=False, mmap_mode=mode)
                  for name in ("indptr", "token_ids", "tf", "col_ptr", "col_rows", "col_weights")]
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        return cls(vocab, *arrays)


def top_rows(values: np.ndarray, k: int, allowed: np.ndarray | None) -> np.ndarray:
    """Indices of the ``k`` largest positive ``values`` (within ``allowed``)."""
    pool = np.arange(len(values)) if allowed is None else allowed
    scores = values[pool]
    keep = pool[scores > 0]
    scores = scores[scores > 0]
    if len(keep) > k:
        part = np.argpartition(-scores, k)[:k]
        keep = keep[part]
    return keep
