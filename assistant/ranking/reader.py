"""The reader at ask time: a cross-encoder that reads the question against each
of the best candidates, and the rerank that mixes its score with the ranker's.

``ASSISTANT_READER`` chooses it: ``bundled`` (the project's own, trained by
``assistant train reader`` and shipped in ``assistant/data/reader`` with a
provenance record checked at load), ``none`` (the ranker's order as it is), or
the path or name of any sentence-transformers ``CrossEncoder``. The bundled
reader runs in numpy (``embedding.light_reader``), loaded on the first
question, so a cold ``assistant ask`` never imports torch for it.

The rerank scores the ranker's top ``reader_top_n`` candidates in one batch;
their new score is ``RerankWeights``' mix of the ranker's score and the reader's
logit (fitted listwise on SQuAD, shipped in ``assistant/data/rerank.json``);
they stay above the candidates the reader did not read.

Example:
    >>> w = RerankWeights(ranker=1.0, reader=0.5)
    >>> w.mix(np.array([2.0, 1.0]), np.array([-4.0, 4.0])).tolist()
    [0.0, 3.0]
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.errors import ReaderError

BUNDLED = "bundled"
NONE = "none"
READER_DIR = Path(__file__).resolve().parents[1] / "data" / "reader"


@dataclass(frozen=True)
class RerankWeights:
    """final = ranker x ranker score + reader x reader logit, over the reader's top N."""

    ranker: float = 1.0
    reader: float = 1.0

    def mix(self, ranker_scores: np.ndarray, reader_logits: np.ndarray) -> np.ndarray:
        return self.ranker * np.asarray(ranker_scores, dtype=np.float64) + self.reader * reader_logits

    def to_json(self) -> str:
        return json.dumps({"features": ["ranker_score", "reader_logit"], "weights": [self.ranker, self.reader]},
                          indent=2)

    @classmethod
    def from_json(cls, raw: str) -> "RerankWeights":
        data = json.loads(raw)
        if data.get("features") != ["ranker_score", "reader_logit"]:
            raise ValueError(f"rerank weights name features {data.get('features')}")
        return cls(*[float(w) for w in data["weights"]])


def shipped_weights() -> RerankWeights:
    """The mix fitted on SQuAD (``assistant/data/rerank.json``), or equal weights before one is fitted."""
    path = resources.files("assistant").joinpath("data/rerank.json")
    return RerankWeights.from_json(path.read_text(encoding="utf-8")) if path.is_file() else RerankWeights()


class ScoreCache:
    """(question, sentence) -> the reader's logit, the least recently used forgotten past ``size``
    pairs (None: never). The logits are the reader's own, so a cached answer is the same answer.

    Example:
        >>> cache = ScoreCache(2)
        >>> cache.scores("q", ["a", "b", "a"], lambda q, s: np.array([float(len(x)) for x in s])).tolist()
        [1.0, 1.0, 1.0]
    """

    def __init__(self, size: int | None):
        self._size, self._seen, self._lock = size, OrderedDict(), threading.Lock()

    def scores(self, question: str, sentences: list[str], compute) -> np.ndarray:
        """The logits of ``sentences``, calling ``compute(question, missing)`` once for those not cached."""
        with self._lock:
            known = {s: self._seen[(question, s)] for s in sentences if (question, s) in self._seen}
            for s in known:
                self._seen.move_to_end((question, s))
        missing = [s for s in dict.fromkeys(sentences) if s not in known]
        if missing:
            fresh = dict(zip(missing, (float(v) for v in compute(question, missing))))
            known.update(fresh)
            with self._lock:
                self._seen.update({(question, s): v for s, v in fresh.items()})
                while self._size is not None and len(self._seen) > self._size:
                    self._seen.popitem(last=False)
        return np.array([known[s] for s in sentences], dtype=np.float32)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


class LazyReader:
    """Loads the reader behind a setting on first use (thread-safe) and scores pairs; the last
    ``cache_size`` (question, sentence) logits are kept, so a question asked again (a popular one
    in the chat) skips the reader, its costly part."""

    def __init__(self, setting: str, cache_size: int = 0, backend: str = "torch"):
        self.setting, self.backend = setting, backend
        self._model = None
        self._lock = threading.Lock()
        self._cache = ScoreCache(cache_size) if cache_size else None

    def scores(self, question: str, sentences: list[str]) -> np.ndarray:
        """One logit per sentence, higher when it answers ``question``."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _load(self.setting, self.backend)
        if self._cache is None:
            return np.asarray(self._model.scores(question, sentences), dtype=np.float32)
        return self._cache.scores(question, sentences, self._model.scores)

    def clear_cache(self) -> None:
        """Forget the cached logits (the benchmark times the reader itself, not the cache)."""
        if self._cache is not None:
            self._cache.clear()


class _CrossEncoderReader:
    """Any sentence-transformers CrossEncoder (a path or a hub name), raw logits."""

    def __init__(self, name: str):
        from sentence_transformers import CrossEncoder

        self._model = CrossEncoder(name)

    def scores(self, question: str, sentences: list[str]) -> np.ndarray:
        import torch

        if not sentences:
            return np.zeros(0, dtype=np.float32)
        return self._model.predict([(question, s) for s in sentences], activation_fn=torch.nn.Identity(),
                                   show_progress_bar=False, convert_to_numpy=True).reshape(-1)


def _load(setting: str, backend: str = "torch"):
    from assistant.embedding.light_reader import LightReader, supports

    folder = READER_DIR if setting == BUNDLED else Path(setting)
    if setting == BUNDLED:
        verify_bundled(folder)
    if folder.is_dir() and supports(folder):
        return LightReader(folder, backend=backend)
    try:
        return _CrossEncoderReader(str(folder) if folder.exists() else setting)
    except Exception as exc:  # any loading failure of a user's model becomes one clear error
        raise ReaderError(setting, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def verify_bundled(folder: Path = READER_DIR) -> dict:
    """The bundled reader's provenance record, after checking its weights' sha256 against it."""
    from assistant.checksum import file_sha256

    record = folder / "provenance.json"
    if not record.is_file():
        raise ReaderError(BUNDLED, f"{folder} has no provenance.json (train it with `assistant train reader`)")
    provenance = json.loads(record.read_text(encoding="utf-8"))
    actual = file_sha256(folder / "model.safetensors") if (folder / "model.safetensors").is_file() else "missing"
    if actual != provenance.get("weights_sha256"):
        raise ReaderError(BUNDLED, f"model.safetensors sha256 {actual[:12]} does not match its provenance record")
    return provenance


class CachedReader:
    """A reader that remembers every (question, sentence) logit it computed: the evaluation
    asks each question several times (methods, folds), and the reader is the costly part."""

    def __init__(self, reader):
        self._reader, self._cache = reader, ScoreCache(None)

    def scores(self, question: str, sentences: list[str]) -> np.ndarray:
        return self._cache.scores(question, sentences, self._reader.scores)


def reader_for(settings) -> LazyReader | None:
    """The reader ``settings.reader`` names, loaded lazily, with a cache of ``settings.reader_cache_size``
    logits, or None for ``none``."""
    return None if settings.reader == NONE else LazyReader(settings.reader, settings.reader_cache_size,
                                                           settings.reader_backend)
