"""BM25 over sentences (bm25s, Snowball-stemmed, English stopwords) plus the
per-sentence token lists that answerability features need.

Example:
    >>> lex = Lexicon.build(["The cat sat.", "Dogs bark loudly."])
    >>> int(lex.scores(lex.tokenize("cats"))[0] > 0)
    1
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


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stopword-free, stemmed tokens for each text."""
    return bm25s.tokenize(texts, stopwords=STOPWORDS, stemmer=_STEMMER, return_ids=False, show_progress=False)


@dataclass
class Lexicon:
    """A bm25s retriever and the token ids of every sentence (CSR arrays)."""

    bm25: bm25s.BM25
    vocab: dict[str, int]
    indptr: np.ndarray
    token_ids: np.ndarray
    df: np.ndarray

    @classmethod
    def build(cls, texts: list[str]) -> "Lexicon":
        tokens = tokenize(texts)
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in tokens]
        bm25 = bm25s.BM25()
        # bm25s fails on an empty vocabulary (every sentence all stopwords, e.g. "It is."):
        # give it one placeholder token that no query can contain; our own arrays stay empty.
        placeholder = not vocab
        bm25.index(bm25s.tokenization.Tokenized(ids=[[0] for _ in ids] if placeholder else ids, vocab=vocab or {"": 0}),
                   show_progress=False)
        indptr = np.cumsum([0] + [len(set(doc)) for doc in ids]).astype(np.int64)
        flat = np.array([t for doc in ids for t in sorted(set(doc))], dtype=np.int32)
        return cls(bm25, vocab, indptr, flat, _df(flat, len(vocab)))

    def tokenize(self, text: str) -> list[str]:
        return tokenize([text])[0]

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every sentence for the query tokens (zeros when none is known)."""
        known = [t for t in tokens if t in self.vocab]
        if not known:
            return np.zeros(len(self.indptr) - 1, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """Smoothed inverse document frequency per token; unknown tokens get the maximum."""
        n = len(self.indptr) - 1
        out = {}
        for t in tokens:
            df = self.df[self.vocab[t]] if t in self.vocab else 0
            out[t] = float(np.log((n + 1) / (df + 0.5)))
        return out

    def sentence_tokens(self, row: int) -> set[int]:
        return set(self.token_ids[self.indptr[row] : self.indptr[row + 1]].tolist())

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.bm25.save(str(folder / "bm25"), show_progress=False)
        np.save(folder / "tokens_indptr.npy", self.indptr, allow_pickle=False)
        np.save(folder / "tokens_ids.npy", self.token_ids, allow_pickle=False)
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "Lexicon":
        bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False, verbosity=0)
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        indptr = np.load(folder / "tokens_indptr.npy", allow_pickle=False)
        ids = np.load(folder / "tokens_ids.npy", allow_pickle=False)
        return cls(bm25, vocab, indptr, ids, _df(ids, len(vocab)))


def _df(ids: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(ids, minlength=size) if size else np.zeros(0, dtype=np.int64)
