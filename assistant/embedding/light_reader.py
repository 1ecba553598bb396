"""The reader (a BERT cross-encoder with one logit) without transformers or sentence-transformers.

Importing sentence-transformers costs about 5 s here and torch alone about
1.1 s, so the reader runs its own forward pass: in torch over packed tokens with
bfloat16 matrix products where the CPU computes them natively (``backend="torch"``,
the default; see ``packed_bert``: 10 pairs in about 48 ms on 2 cores), or in numpy
(``backend="numpy"``, float32: the reference the tests compare with, and what a
one-shot ``assistant ask`` uses, since importing torch would cost it more than it saves).
int8 dynamic quantisation was faster still (32 ms, against 40 ms for padded bf16 then)
but moved logits by up to 2.7
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

from assistant.embedding.light_encoder import LightEncoder, _chunks, _layer_norm

# Pairs per packed torch pass: bounds the memory of a long list (the evaluation's sweeps read 50);
# the chat's 10 go in one pass, which needs no padding (packed_bert).
TORCH_PAIRS = 64
# Token slots (pairs x longest) per numpy pass on one thread: a seed question's 10 pairs took a median
# 204 ms at 300 (214 at 200 and 600, 390 at 1,024, where the layer's intermediates outgrow the cache).
NUMPY_TOKENS = 300


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
    """BERT + pooler + classifier, in torch over packed tokens or in numpy: one relevance logit
    per (question, sentence). With the torch backend only ``scores`` works: the numpy weights
    the inherited encoder methods read are dropped."""

    def __init__(self, folder: Path | str, max_length: int = 96, backend: str = "torch", bf16: bool = True):
        from safetensors.numpy import load_file

        folder = Path(folder)
        raw = load_file(str(folder / "model.safetensors"))
        self._setup(folder, {k.removeprefix("bert."): v.astype(np.float32) if v.dtype != np.int64 else v
                             for k, v in raw.items()})
        # Longest first: the longer of question and sentence loses tokens first. For a question under
        # half of max_length this is "only the sentence" (what training saw); a longer question is cut
        # too, where "only_second" raised an error for any question over max_length tokens.
        self._tokenizer.enable_truncation(max_length, strategy="longest_first")
        self._w["classifier.weight"] = np.ascontiguousarray(self._w["classifier.weight"].T)
        self.backend = backend
        if backend == "torch":
            import torch

            from assistant.embedding.packed_bert import PackedBert

            self._bert = PackedBert(self._w, self._heads, self._layers, self._eps, bf16=bf16)
            head = ("pooler.", "classifier.")
            self._head = {k: torch.from_numpy(v) for k, v in self._w.items() if k.startswith(head)}
            self._w = {}  # the packed encoder holds its own copies; the numpy ones would double the memory

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
        encodings = self._tokenizer.encode_batch([(question, s) for s in sentences])  # once: chunks reuse them
        if self.backend == "torch":
            return np.concatenate([self._torch_logits(encodings[i : i + TORCH_PAIRS])
                                   for i in range(0, len(encodings), TORCH_PAIRS)])
        from threadpoolctl import threadpool_limits

        lengths = [len(e.ids) for e in encodings]
        order = sorted(range(len(sentences)), key=lengths.__getitem__)
        out = np.zeros(len(sentences), dtype=np.float32)
        with threadpool_limits(limits=1, user_api="blas"):  # see LightEncoder.encode
            for chunk in _chunks(order, lengths, NUMPY_TOKENS):
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

    def _torch_logits(self, encodings: list) -> np.ndarray:
        """``_logits`` over packed pairs (``packed_bert``); the pooler and classifier in float32."""
        import torch

        hidden, starts = self._bert.hidden([e.ids for e in encodings], [e.type_ids for e in encodings])
        h = self._head
        with torch.inference_mode():
            pooled = torch.tanh(hidden[starts[:-1]] @ h["pooler.dense.weight"] + h["pooler.dense.bias"])
            logits = pooled @ h["classifier.weight"] + h["classifier.bias"]
        return logits[:, 0].numpy()
