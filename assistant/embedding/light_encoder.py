"""A light query encoder: the same BERT sentence model run with numpy alone.

Importing sentence-transformers (and with it torch and transformers) takes
several seconds on a small machine, which is most of a fresh ``assistant ask``.
A query is one short sentence, so the forward pass of a 6-layer, 384-wide
MiniLM in numpy costs a few milliseconds. This module loads the model's own
``model.safetensors`` and ``tokenizer.json`` (nothing is converted or
downloaded) and computes what sentence-transformers computes for it: BERT,
mean pooling over the attention mask, L2 normalisation. Its vectors match
sentence-transformers' to float32 rounding (tests check cosine >= 0.999 on
the seed's sentences with the real model).

Scope: BERT-architecture folders whose ``modules.json`` is Transformer ->
mean Pooling -> Normalize (all-MiniLM-L6-v2 and its kind). ``supports``
tells whether a folder qualifies; others use sentence-transformers.

Example:
    >>> from assistant.embedding.embedder import bundled_model_dir
    >>> enc = LightEncoder(bundled_model_dir())          # doctest: +SKIP
    >>> enc.encode(["Who did Zuckerberg call?"]).shape   # doctest: +SKIP
    (1, 384)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

SINGLE_THREAD_TOKENS = 512  # token slots (texts x longest) per forward pass
_POOLING = ("sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
            "sentence_transformers.models.Normalize")


def supports(folder: Path) -> bool:
    """True when ``folder`` is a BERT model with mean pooling and normalisation."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
        and tuple(m.get("type") for m in modules) == _POOLING
        and pooling.get("pooling_mode_mean_tokens") is True
        and (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    )


def _erf(x: np.ndarray) -> np.ndarray:
    """erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf,
    and scipy.special would cost the import time this module exists to avoid."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _chunks(order: list[int], lengths: list[int], budget: int) -> list[list[int]]:
    """Consecutive runs of ``order`` whose padded size (count x longest) stays within ``budget``."""
    chunks: list[list[int]] = []
    for i in order:
        if chunks and (len(chunks[-1]) + 1) * lengths[i] <= budget:
            chunks[-1].append(i)
        else:
            chunks.append([i])
    return chunks


class LightEncoder:
    """BERT + mean pooling + normalisation in numpy, for one folder's weights."""

    def __init__(self, folder: Path, weights: bytes | None = None, max_length: int = 256, adapter=None):
        from safetensors.numpy import load

        folder = Path(folder)
        raw = weights if weights is not None else (folder / "model.safetensors").read_bytes()
        tensors = {k: v.astype(np.float32) if v.dtype != np.int64 else v for k, v in load(raw).items()}
        if adapter is not None:  # an ``adapter.Adapter``: its deltas join the weights before anything else
            adapter.merge_into(tensors)
        self._setup(folder, tensors)
        self._tokenizer.enable_truncation(max_length)
        self._packed = None

    def _setup(self, folder: Path, tensors: dict[str, np.ndarray]) -> None:
        """Weights (float32, Linear weights transposed), shapes from ``config.json``, the tokenizer."""
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self._w = tensors
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self.dim = int(config["hidden_size"])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._transpose_weights()

    def _transpose_weights(self) -> None:
        # Stored as (out, in) like torch.nn.Linear; keep (in, out) copies so x @ W needs no transpose per call.
        for key in [k for k in self._w
                    if k.endswith("dense.weight") or k.endswith(("query.weight", "key.weight", "value.weight"))]:
            self._w[key] = np.ascontiguousarray(self._w[key].T)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        # One 2-D GEMM: numpy's batched 3-D matmul does not reach BLAS as efficiently.
        out = x.reshape(-1, x.shape[-1]) @ self._w[f"{name}.weight"] + self._w[f"{name}.bias"]
        return out.reshape(*x.shape[:-1], out.shape[-1])

    def _attention(self, x: np.ndarray, mask: np.ndarray, prefix: str) -> np.ndarray:
        batch, seq, dim = x.shape
        size = dim // self._heads

        def heads(name: str) -> np.ndarray:
            return (self._linear(x, f"{prefix}.attention.self.{name}").reshape(batch, seq, self._heads, size)
                    .transpose(0, 2, 1, 3))

        q, k, v = heads("query"), heads("key"), heads("value")
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + mask[:, None, None, :]
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = (scores / scores.sum(-1, keepdims=True)) @ v
        return context.transpose(0, 2, 1, 3).reshape(batch, seq, dim)

    def _layer(self, x: np.ndarray, mask: np.ndarray, i: int) -> np.ndarray:
        p = f"encoder.layer.{i}"
        attended = self._linear(self._attention(x, mask, p), f"{p}.attention.output.dense")
        x = _layer_norm(attended + x, self._w[f"{p}.attention.output.LayerNorm.weight"],
                        self._w[f"{p}.attention.output.LayerNorm.bias"], self._eps)
        hidden = self._linear(_gelu(self._linear(x, f"{p}.intermediate.dense")), f"{p}.output.dense")
        return _layer_norm(hidden + x, self._w[f"{p}.output.LayerNorm.weight"],
                           self._w[f"{p}.output.LayerNorm.bias"], self._eps)

    def _tokens(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        encodings = self._tokenizer.encode_batch(texts)
        longest = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), longest), dtype=np.int64)
        keep = np.zeros((len(texts), longest), dtype=np.float32)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            keep[row, : len(e.ids)] = 1.0
        return ids, keep

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 rows, one per text. Texts go through in chunks of
        similar length (sorted by token count) so that padding costs little."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        from threadpoolctl import threadpool_limits

        lengths = [len(e.ids) for e in self._tokenizer.encode_batch(texts)]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # For a few hundred tokens, waking BLAS worker threads costs more than the
        # arithmetic (5x slower when the cores are busy), so run on one thread.
        with threadpool_limits(limits=1, user_api="blas"):
            for chunk in _chunks(order, lengths, SINGLE_THREAD_TOKENS):
                out[chunk] = self._forward(*self._tokens([texts[i] for i in chunk]))
        return out

    def encode_packed(self, texts: list[str], bf16: bool = True) -> np.ndarray:
        """``encode`` in torch over packed tokens, bfloat16 products where native (``packed_bert``):
        a seed question in 4.4 ms on 2 cores against 11.7 ms here in numpy, cosine >= 0.9999 to
        it. Worth it only where torch is imported anyway (the reader); it imports torch."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        from assistant.embedding.packed_bert import PackedBert

        if self._packed is None or self._packed.bf16 != bf16:
            self._packed = PackedBert(self._w, self._heads, self._layers, self._eps, bf16=bf16)
        ids = [e.ids for e in self._tokenizer.encode_batch(texts)]
        hidden, starts = self._packed.hidden(ids, [[0] * len(x) for x in ids])
        with torch.inference_mode():
            pooled = torch.stack([hidden[a:b].mean(0) for a, b in zip(starts[:-1], starts[1:])])
            pooled = pooled / pooled.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return np.ascontiguousarray(pooled.numpy(), dtype=np.float32)

    def _forward(self, ids: np.ndarray, keep: np.ndarray) -> np.ndarray:
        w = self._w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: ids.shape[1]]
        x = _layer_norm(x + w["embeddings.token_type_embeddings.weight"][0], w["embeddings.LayerNorm.weight"],
                        w["embeddings.LayerNorm.bias"], self._eps)
        mask = (1.0 - keep) * np.float32(-1e9)  # padded keys get no attention
        for i in range(self._layers):
            x = self._layer(x, mask, i)
        pooled = (x * keep[:, :, None]).sum(1) / np.maximum(keep.sum(1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(pooled / norms, dtype=np.float32)
