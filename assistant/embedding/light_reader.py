"""The reader (a BERT cross-encoder with one logit) without transformers or sentence-transformers.

Importing sentence-transformers costs about 5 s here and torch alone about
1.1 s, so the reader runs its own forward pass: in torch with bfloat16 matrix
products where the CPU computes them natively (``backend="torch"``, the default:
10 pairs in about 40 ms on 2 cores, against 200 ms for float32 numpy on one), or
in numpy (``backend="numpy"``, the float32 reference the tests compare with).
int8 dynamic quantisation was faster still (32 ms) but moved logits by up to 2.7
and changed the top candidate, so it is not used (per-channel int8 weights: up to
1.4, a median 0.2 against bf16's 0.012, the first of 10 changed for 2 of 36 seed questions). It loads the folder's own
``model.safetensors`` (fp16 or fp32) and
``tokenizer.json`` and computes what ``BertForSequenceClassification`` does:
BERT over ``[CLS] question [SEP] sentence [SEP]`` (segment ids 0 and 1), the
pooler (tanh of a dense layer over ``[CLS]``), then the classifier. Its logits
match sentence-transformers' ``CrossEncoder.predict`` (activation off) to
float32 rounding (tested).

Scope: BERT folders whose ``config.json`` names ``BertForSequenceClassification``
with one label; ``supports`` tells.

Example:
    >>> reader = LightReader("assistant/data/reader")     # doctest: +SKIP
    >>> reader.scores("Who called?", ["Zuckerberg called Trump.", "It rained."])  # doctest: +SKIP
    array([ 6.1, -4.3], dtype=float32)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.embedding.runtime import bf16_autocast
from assistant.embedding.light_encoder import SINGLE_THREAD_TOKENS, LightEncoder, _chunks, _layer_norm

# Token slots (pairs x longest) per torch batch: batching pairs of similar length wastes less on
# padding (seed warm ask median 63.8 ms in one batch, 52.5 ms at 400, 53.7 at 200, 54.5 at 700).
TORCH_TOKENS = 400


def supports(folder: Path) -> bool:
    """True when ``folder`` holds a one-logit BERT sequence classifier and its tokenizer."""
    try:
        config = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
            and config.get("architectures") == ["BertForSequenceClassification"]
            and len(config.get("id2label", {"0": 0})) == 1
            and (Path(folder) / "model.safetensors").is_file() and (Path(folder) / "tokenizer.json").is_file())


class LightReader(LightEncoder):
    """BERT + pooler + classifier in numpy: one relevance logit per (question, sentence)."""

    def __init__(self, folder: Path | str, max_length: int = 96, backend: str = "torch"):
        from safetensors.numpy import load_file

        folder = Path(folder)
        raw = load_file(str(folder / "model.safetensors"))
        self._setup(folder, {k.removeprefix("bert."): v.astype(np.float32) if v.dtype != np.int64 else v
                             for k, v in raw.items()})
        self._tokenizer.enable_truncation(max_length, strategy="only_second")
        self._w["classifier.weight"] = np.ascontiguousarray(self._w["classifier.weight"].T)
        self.backend = backend
        if backend == "torch":
            import torch

            self._t = {k: torch.from_numpy(v) for k, v in self._w.items()}

    @staticmethod
    def _pairs(encodings: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Padded token ids, segment ids and the attention mask of tokenized pairs."""
        longest = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), longest), dtype=np.int64)
        types = np.zeros((len(encodings), longest), dtype=np.int64)
        keep = np.zeros((len(encodings), longest), dtype=np.float32)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)], types[row, : len(e.ids)], keep[row, : len(e.ids)] = e.ids, e.type_ids, 1.0
        return ids, types, keep

    def scores(self, question: str, sentences: list[str]) -> np.ndarray:
        """One logit per sentence (higher: more likely to answer ``question``)."""
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        from threadpoolctl import threadpool_limits

        encodings = self._tokenizer.encode_batch([(question, s) for s in sentences])  # once: chunks reuse them
        lengths = [len(e.ids) for e in encodings]
        order = sorted(range(len(sentences)), key=lengths.__getitem__)
        out = np.zeros(len(sentences), dtype=np.float32)
        if self.backend == "torch":  # batches of similar length: padding is wasted work
            for chunk in _chunks(order, lengths, TORCH_TOKENS):
                out[chunk] = self._torch_logits(*self._pairs([encodings[i] for i in chunk]))
            return out
        with threadpool_limits(limits=1, user_api="blas"):  # see LightEncoder.encode
            for chunk in _chunks(order, lengths, SINGLE_THREAD_TOKENS * 2):
                out[chunk] = self._logits(*self._pairs([encodings[i] for i in chunk]))
        return out

    def _logits(self, ids: np.ndarray, types: np.ndarray, keep: np.ndarray) -> np.ndarray:
        w = self._w
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: ids.shape[1]]
             + w["embeddings.token_type_embeddings.weight"][types])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self._eps)
        mask = (1.0 - keep) * np.float32(-1e9)
        for i in range(self._layers):
            x = self._layer(x, mask, i)
        pooled = np.tanh(x[:, 0] @ w["pooler.dense.weight"] + w["pooler.dense.bias"])
        return (pooled @ w["classifier.weight"] + w["classifier.bias"])[:, 0]

    def _torch_logits(self, ids: np.ndarray, types: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """``_logits`` in torch, under bfloat16 autocast where the CPU has it (layer norms stay float32)."""
        import torch
        import torch.nn.functional as F

        t, eps, heads = self._t, self._eps, self._heads
        ids_t, types_t = torch.from_numpy(ids), torch.from_numpy(types)
        mask = torch.from_numpy((1.0 - keep) * np.float32(-1e9))[:, None, None, :]
        with torch.inference_mode(), bf16_autocast(True):
            x = (t["embeddings.word_embeddings.weight"][ids_t]
                 + t["embeddings.position_embeddings.weight"][: ids.shape[1]]
                 + t["embeddings.token_type_embeddings.weight"][types_t])
            x = F.layer_norm(x, (self.dim,), t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"], eps)
            batch, seq = ids.shape
            for i in range(self._layers):
                p = f"encoder.layer.{i}"

                def lin(v, name):
                    return v @ t[f"{name}.weight"] + t[f"{name}.bias"]

                def split(v):
                    return v.reshape(batch, seq, heads, -1).transpose(1, 2)

                q, k, v = (split(lin(x, f"{p}.attention.self.{n}")) for n in ("query", "key", "value"))
                context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask.to(q.dtype))
                attended = lin(context.transpose(1, 2).reshape(batch, seq, -1), f"{p}.attention.output.dense")
                x = F.layer_norm(attended + x, (self.dim,), t[f"{p}.attention.output.LayerNorm.weight"],
                                 t[f"{p}.attention.output.LayerNorm.bias"], eps)
                hidden = lin(F.gelu(lin(x, f"{p}.intermediate.dense")), f"{p}.output.dense")
                x = F.layer_norm(hidden + x, (self.dim,), t[f"{p}.output.LayerNorm.weight"],
                                 t[f"{p}.output.LayerNorm.bias"], eps)
            pooled = torch.tanh(x[:, 0] @ t["pooler.dense.weight"] + t["pooler.dense.bias"])
            logits = pooled @ t["classifier.weight"] + t["classifier.bias"]
        return logits[:, 0].float().numpy()

