"""A low-rank adapter (LoRA) for the bundled model, fitted to question-to-sentence retrieval.

all-MiniLM-L6-v2 is a general sentence model; its cosine between a question
and the sentence that answers it is a weak signal (dense-only hit@1 0.58 on
SQuAD 2.0). An adapter adds ``scale * B @ A`` (rank 8) to the weight of some
of its linear layers; it is fitted by ``assistant eval --suite squad2 --fit``
(see ``evaluation/adapt.py``) and ships as ``assistant/data/adapter.npz``. The
base weights stay the package's own (their sha256 is still verified); the
adapter's sha256 becomes part of the model id, so an index built without it
(or with another) is rebuilt. The file is plain ``.npz`` read with
``allow_pickle=False``: A and B per layer, the scale, and the ids and titles
of the articles whose questions it was fitted on (the evaluation must not score
it on those).

Example:
    >>> a = Adapter({"encoder.layer.0.output.dense": (np.ones((1, 2)), np.ones((3, 1)))}, 0.5, ())
    >>> a.delta("encoder.layer.0.output.dense").shape
    (3, 2)
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.errors import AdapterError

SHIPPED = "bundled"  # the Settings value for assistant/data/adapter.npz
NONE = "none"


@dataclass(frozen=True)
class Adapter:
    """Low-rank deltas per linear layer: ``weight (out, in) += scale * B (out, r) @ A (r, in)``."""

    layers: dict[str, tuple[np.ndarray, np.ndarray]]
    scale: float
    trained_on: tuple[str, ...]  # article ids (sha256 of the text) of the articles it was fitted on
    meta: dict = field(default_factory=dict)

    def saw(self, article_id: str, title: str) -> bool:
        """Whether it was fitted on this article: the same text, or the same title (another
        part of the same article, such as the other half of a SQuAD split)."""
        return article_id in self.trained_on or title in self.meta.get("titles", ())

    def delta(self, name: str) -> np.ndarray:
        a, b = self.layers[name]
        return (self.scale * (b.astype(np.float64) @ a.astype(np.float64))).astype(np.float32)

    def _checked_delta(self, key: str, shape) -> np.ndarray:
        """The delta for the weight ``key`` (``None`` shape: the model has no such weight);
        a layer this adapter does not fit raises ``AdapterError``."""
        a, b = self.layers[key.removesuffix(".weight")]
        if shape is None or tuple(shape) != (b.shape[0], a.shape[1]):
            raise AdapterError(key, "the adapter does not fit this model (missing layer or other shape)")
        return self.delta(key.removesuffix(".weight"))

    def merge_into(self, weights: dict[str, np.ndarray]) -> None:
        """Add the deltas to a name -> (out, in) weight mapping (safetensors layout)."""
        for key in (f"{name}.weight" for name in self.layers):
            delta = self._checked_delta(key, weights[key].shape if key in weights else None)
            weights[key] = weights[key] + delta

    def merge_into_torch(self, module) -> None:
        """Add the deltas to a transformers ``BertModel``'s linear layers, in place."""
        import torch

        params = dict(module.named_parameters())
        with torch.no_grad():
            for key in (f"{name}.weight" for name in self.layers):
                weight = params.get(key)
                delta = self._checked_delta(key, None if weight is None else weight.shape)
                weight += torch.from_numpy(delta).to(weight.dtype)

    def to_bytes(self) -> bytes:
        arrays = {"scale": np.array(self.scale, dtype=np.float64),
                  "trained_on": np.array(self.trained_on, dtype="<U64"),
                  "meta": np.array(json.dumps(self.meta, sort_keys=True))}
        for name, (a, b) in sorted(self.layers.items()):
            arrays[f"{name}.A"], arrays[f"{name}.B"] = a.astype(np.float32), b.astype(np.float32)
        # Written entry by entry with a fixed timestamp (np.savez stamps the current
        # time), so the same adapter always has the same bytes and sha256.
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for name, array in arrays.items():
                with archive.open(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w") as entry:
                    np.lib.format.write_array(entry, array, allow_pickle=False)
        return buffer.getvalue()

    def save(self, path: str | Path) -> str:
        """Write the adapter; returns its sha256."""
        raw = self.to_bytes()
        Path(path).write_bytes(raw)
        return adapter_sha256(raw)

    @classmethod
    def from_bytes(cls, raw: bytes, where: str = "adapter") -> "Adapter":
        try:
            with np.load(io.BytesIO(raw), allow_pickle=False) as z:
                names = sorted({k.rsplit(".", 1)[0] for k in z.files if k.endswith((".A", ".B"))})
                layers = {n: (z[f"{n}.A"], z[f"{n}.B"]) for n in names}
                for n, (a, b) in layers.items():
                    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[1]:
                        raise ValueError(f"{n}: A {a.shape} and B {b.shape} are not a low-rank pair")
                    if a.dtype.kind != "f" or b.dtype.kind != "f" or not (np.isfinite(a).all()
                                                                          and np.isfinite(b).all()):
                        raise ValueError(f"{n}: A and B must hold finite floats")
                scale = float(z["scale"])
                if not np.isfinite(scale):
                    raise ValueError(f"scale {scale} is not finite")
                return cls(layers, scale, tuple(str(x) for x in z["trained_on"]), json.loads(str(z["meta"])))
        except (OSError, ValueError, TypeError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise AdapterError(where, f"it is not a readable adapter file ({exc})") from None


def adapter_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def load_adapter(setting: str) -> tuple[Adapter, str] | None:
    """The adapter a setting names and its sha256: ``'bundled'`` (the shipped one),
    ``'none'`` (no adapter) or a path to an ``.npz`` file."""
    if setting == NONE:
        return None
    if setting == SHIPPED:
        where = "assistant/data/adapter.npz"
        try:
            raw = resources.files("assistant").joinpath("data/adapter.npz").read_bytes()
        except OSError as exc:
            raise AdapterError(where, f"the shipped adapter cannot be read ({exc}); reinstall the package") from None
    else:
        path = Path(setting)
        if not path.is_file():
            raise AdapterError(setting, "no such file")
        raw, where = path.read_bytes(), setting
    return Adapter.from_bytes(raw, where), adapter_sha256(raw)
