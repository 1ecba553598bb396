"""The packed torch forward pass (``packed_bert``) against the numpy reference, with the
real weights: texts of different lengths in one pass must not see each other."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embedding.embedder import bundled_model_dir
from assistant.embedding.light_encoder import LightEncoder
from assistant.embedding.light_reader import LightReader
from assistant.embedding.runtime import native_bf16
from assistant.ranking.reader import READER_DIR

pytestmark = pytest.mark.slow
SENTENCES = [
    "Zuckerberg called Trump.",
    "It rained.",
    "Many CEOs and heads of large companies publicly congratulated Trump, but Zuckerberg privately called "
    "Trump to congratulate him, according to three anonymous sources familiar with the conversation.",
    "Gary Coby, the director of digital advertising and fundraising for the Trump campaign, told BuzzFeed News "
    "that Facebook's tools were central to the campaign's strategy.",
]


@pytest.mark.skipif(not (READER_DIR / "model.safetensors").is_file(), reason="no bundled reader trained yet")
def test_packed_reader_equals_the_numpy_reader_and_scoring_alone():
    question = "Who did Zuckerberg call after the election?"
    exact = LightReader(READER_DIR, backend="numpy").scores(question, SENTENCES)
    reader32 = LightReader(READER_DIR, bf16=False)
    packed32 = reader32.scores(question, SENTENCES)
    assert np.allclose(packed32, exact, atol=1e-4)  # the same function in float32: packing changes nothing
    alone32 = np.array([reader32.scores(question, [s])[0] for s in SENTENCES])
    assert np.allclose(packed32, alone32, atol=1e-4)  # no pair attends to another's tokens
    fast = LightReader(READER_DIR)
    together = fast.scores(question, SENTENCES)
    alone = np.array([fast.scores(question, [s])[0] for s in SENTENCES])
    # In bfloat16 a CPU with AMX tiles a batch and a single pair differently, so the rounding
    # (about 0.01 of a logit) may differ; only float32 above can show the attention is separate.
    assert np.allclose(together, alone, atol=0.05)
    assert np.allclose(together, exact, atol=0.1) and int(np.argmax(together)) == int(np.argmax(exact))


def test_packed_queries_equal_the_numpy_encoder():
    encoder = LightEncoder(bundled_model_dir())
    exact = encoder.encode(SENTENCES)  # padded batch, float32 numpy
    assert np.allclose(encoder.encode_packed(SENTENCES, bf16=False), exact, atol=1e-5)
    fast = encoder.encode_packed(SENTENCES)
    assert fast.dtype == np.float32 and np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(fast * exact, axis=1)) > (0.9999 if native_bf16() else 0.999999)
    assert encoder.encode_packed([]).shape == (0, encoder.dim)
