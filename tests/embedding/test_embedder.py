"""The fake embedder the unit tests use instead of the real model."""

import numpy as np

from assistant.embedding.embedder import FakeEmbedder


def test_fake_embedder_is_normalised():
    vectors = FakeEmbedder().encode(["a b c", "hello"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
