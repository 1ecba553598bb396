"""BERT's encoder in torch over packed tokens: no padding, bfloat16 matrix products.

The reader reads ten (question, sentence) pairs of 30 to 96 tokens per question. Padded
to the longest, a batch spends a third of its matrix products on padding, and autocast
converts every float32 weight to bfloat16 again on every call. Here the texts are packed
into one ``(tokens, width)`` matrix, so every dense layer runs once over real tokens only,
with weights converted once at load (query, key and value fused into one product);
attention runs text by text, in float32 (at this size a plain softmax is faster than
``scaled_dot_product_attention``, whose bfloat16 path fell back to a slow kernel here).
On the seed's reader batches this took a warm question's reader time from about 63 to
about 49 ms on 2 cores, with logits as close to float32's (median difference 0.008 against
0.012). Layer norms and residual sums stay float32. Without native bfloat16 (no
AVX512-BF16 or AMX) the products run in float32.

Scope: the post-norm BERT encoder of ``BertModel`` (embeddings, layers), from the
weights ``LightEncoder._setup`` keeps ((in, out) Linear weights, float32 numpy).

Example:
    >>> bert = PackedBert(weights, heads=12, layers=6, eps=1e-12)   # doctest: +SKIP
    >>> hidden, starts = bert.hidden([[101, 2040, 102], [101, 102]], [[0, 0, 0], [0, 0]])  # doctest: +SKIP
    >>> hidden.shape, starts                                         # doctest: +SKIP
    (torch.Size([5, 384]), [0, 3, 5])
"""

from __future__ import annotations

import numpy as np

from assistant.embedding.runtime import native_bf16


class PackedBert:
    """The encoder layers of one BERT, run over the tokens of several texts at once."""

    def __init__(self, w: dict[str, np.ndarray], heads: int, layers: int, eps: float, bf16: bool = True):
        import torch

        self.heads, self.eps, self.bf16 = heads, eps, bf16
        self.dim = int(w["embeddings.LayerNorm.weight"].shape[0])
        self.scale = (self.dim // heads) ** -0.5
        self.dtype = torch.bfloat16 if bf16 and native_bf16() else torch.float32
        self._f32 = {k: torch.from_numpy(w[k]) for k in w if k.startswith("embeddings.")}
        self._layers = [self._layer_weights(w, f"encoder.layer.{i}") for i in range(layers)]

    def _layer_weights(self, w: dict[str, np.ndarray], p: str) -> dict:
        import torch

        def product(*names: str):  # (out, in) for F.linear, converted once
            return torch.from_numpy(np.concatenate([w[f"{p}.{n}.weight"] for n in names], axis=1).T.copy()).to(
                self.dtype)

        def vector(*names: str, dtype=torch.float32):
            return torch.from_numpy(np.concatenate([w[f"{p}.{n}"] for n in names])).to(dtype)

        qkv = ("attention.self.query", "attention.self.key", "attention.self.value")
        return {
            "qkv": product(*qkv), "qkv_bias": vector(*(f"{n}.bias" for n in qkv), dtype=self.dtype),
            "out": product("attention.output.dense"),
            "out_bias": vector("attention.output.dense.bias", dtype=self.dtype),
            "norm1": (vector("attention.output.LayerNorm.weight"), vector("attention.output.LayerNorm.bias")),
            "up": product("intermediate.dense"), "up_bias": vector("intermediate.dense.bias", dtype=self.dtype),
            "down": product("output.dense"), "down_bias": vector("output.dense.bias", dtype=self.dtype),
            "norm2": (vector("output.LayerNorm.weight"), vector("output.LayerNorm.bias")),
        }

    def hidden(self, ids: list[list[int]], types: list[list[int]]):
        """The last layer's float32 states of every token of every text, stacked
        (``(tokens, dim)``), and where each text starts (``starts[i]:starts[i+1]``)."""
        import torch
        import torch.nn.functional as F

        lengths = [len(x) for x in ids]
        starts = np.concatenate([[0], np.cumsum(lengths)]).tolist()
        e = self._f32
        flat_ids = torch.tensor([i for x in ids for i in x], dtype=torch.long)
        flat_types = torch.tensor([i for x in types for i in x], dtype=torch.long)
        positions = torch.cat([torch.arange(n) for n in lengths])
        with torch.inference_mode():
            x = (e["embeddings.word_embeddings.weight"][flat_ids]
                 + e["embeddings.position_embeddings.weight"][positions]
                 + e["embeddings.token_type_embeddings.weight"][flat_types])
            x = F.layer_norm(x, (self.dim,), e["embeddings.LayerNorm.weight"], e["embeddings.LayerNorm.bias"], self.eps)
            for layer in self._layers:
                x = self._layer(x, starts, layer)
        return x, starts

    def _layer(self, x, starts: list[int], w: dict):
        import torch.nn.functional as F

        low = self.dtype  # products with their bias in one call; residual sums and layer norms in float32
        qkv = F.linear(x.to(low), w["qkv"], w["qkv_bias"]).float()
        attended = F.linear(self._attend(qkv, starts).to(low), w["out"], w["out_bias"]).float()
        x = F.layer_norm(attended + x, (self.dim,), *w["norm1"], self.eps)
        hidden = F.linear(F.gelu(F.linear(x.to(low), w["up"], w["up_bias"])), w["down"], w["down_bias"]).float()
        return F.layer_norm(hidden + x, (self.dim,), *w["norm2"], self.eps)

    def _attend(self, qkv, starts: list[int]):
        """Each text's tokens attend to that text's tokens only (no mask: nothing is padded)."""
        import torch

        out = []
        for a, b in zip(starts[:-1], starts[1:]):
            q, k, v = qkv[a:b].view(b - a, 3, self.heads, -1).permute(1, 2, 0, 3)
            weights = torch.softmax((q @ k.transpose(-1, -2)) * self.scale, dim=-1)
            out.append((weights @ v).transpose(0, 1).reshape(b - a, self.dim))
        return torch.cat(out)
