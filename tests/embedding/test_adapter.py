"""The low-rank adapter: file round trip, merging (numpy and torch paths agree),
model identity and bad files. Fitting is in tests/training/, the evaluation's
choice of an adapter that never saw an article in tests/evaluation/."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.embedding.adapter import Adapter, load_adapter
from assistant.embedding.embedder import make_embedder
from assistant.errors import AdapterError
from tests.conftest import ADAPTER_LAYER as LAYER
from tests.conftest import CORPUS, random_adapter


def test_file_round_trip_is_exact_and_deterministic(tmp_path):
    import zipfile

    adapter = random_adapter(["f" * 64])
    first, second = adapter.save(tmp_path / "a.npz"), adapter.save(tmp_path / "b.npz")
    assert first == second  # same adapter, same bytes, same sha256 (so the same model id)
    # No entry carries the time of writing (np.savez would stamp it), so a later save matches too.
    with zipfile.ZipFile(tmp_path / "a.npz") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    loaded, sha = load_adapter(str(tmp_path / "a.npz"))
    assert sha == first and loaded.trained_on == ("f" * 64,) and loaded.meta == {"rank": 4}
    assert np.array_equal(loaded.delta(LAYER), adapter.delta(LAYER))
    a, b = adapter.layers[LAYER]
    np.testing.assert_allclose(adapter.delta(LAYER), 2.0 * b @ a, rtol=1e-4, atol=1e-9)


def test_merge_adds_the_delta_to_exactly_its_layer():
    adapter = random_adapter()
    weights = {f"{LAYER}.weight": np.zeros((384, 1536), np.float32), "other.weight": np.ones((2, 2), np.float32)}
    adapter.merge_into(weights)
    assert np.array_equal(weights[f"{LAYER}.weight"], adapter.delta(LAYER))
    assert np.array_equal(weights["other.weight"], np.ones((2, 2)))


@pytest.mark.parametrize("raw", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_unreadable_adapter_file_is_a_clear_error(tmp_path, raw):
    path = tmp_path / "bad.npz"
    path.write_bytes(raw)
    with pytest.raises(AdapterError, match="bad.npz"):
        load_adapter(str(path))


def test_missing_or_misshapen_adapter_is_a_clear_error(tmp_path):
    with pytest.raises(AdapterError, match="no such file"):
        load_adapter(str(tmp_path / "nothing.npz"))
    wrong = Adapter({LAYER: (np.ones((4, 7), np.float32), np.ones((384, 4), np.float32))}, 1.0, ())
    with pytest.raises(AdapterError, match="does not fit"):
        wrong.merge_into({f"{LAYER}.weight": np.zeros((384, 1536), np.float32)})
    pair = Adapter({LAYER: (np.ones((4, 1536), np.float32), np.ones((384, 3), np.float32))}, 1.0, ())
    with pytest.raises(AdapterError, match="low-rank pair"):
        Adapter.from_bytes(pair.to_bytes(), "pair.npz")
    for scale in (float("nan"), np.array([1.0, 2.0])):  # not finite; not a number at all
        with pytest.raises(AdapterError, match="scale.npz"):
            Adapter.from_bytes(Adapter({LAYER: (np.ones((4, 1536), np.float32), np.ones((384, 4), np.float32))},
                                       scale, ()).to_bytes(), "scale.npz")


@pytest.mark.slow
def test_adapter_joins_the_model_id():
    plain = make_embedder(adapter="none")
    shipped = make_embedder()
    assert plain.model_id == "bundled:all-MiniLM-L6-v2"
    assert shipped.model_id.startswith("bundled:all-MiniLM-L6-v2+adapter:")
    assert shipped.weights_sha256 == plain.weights_sha256
    assert make_embedder(adapter=(random_adapter(), "ab" * 32)).model_id.endswith("+adapter:" + "ab" * 8)


@pytest.mark.slow
def test_numpy_and_torch_paths_merge_the_same_adapter(tmp_path):
    """The numpy query encoder and sentence-transformers give the same vectors with
    the shipped adapter merged, and both differ from the plain model's."""
    texts = ["Who did Zuckerberg call?",
             "Facebook considered the Trump campaign an “innovator” for its online marketing."]
    adapted = make_embedder()
    light = adapted.encode(texts)  # small batch: numpy path
    torch_rows = adapted.encode(texts * 70)[:2]  # above LIGHT_MAX_TEXTS: sentence-transformers path
    assert np.all((light * torch_rows).sum(1) >= 0.999)
    plain = make_embedder(adapter="none").encode(texts)
    assert np.all((light * plain).sum(1) < 0.999)


@pytest.mark.slow
def test_index_built_without_the_adapter_is_rebuilt_with_it(tmp_path):
    settings = Settings(progress=False)
    plain = make_embedder(adapter="none")
    Assistant.from_paths([CORPUS], index_dir=tmp_path / "idx", settings=settings, embedder=plain)
    bot = Assistant.from_paths([CORPUS], index_dir=tmp_path / "idx", settings=settings, embedder=make_embedder())
    assert bot.snapshot.data.model_id == make_embedder().model_id
    answer = bot.ask("Who did Zuckerberg call?")
    quote = answer.quotes[0]
    assert bot.article(quote.article_id).text[quote.start : quote.end] == quote.text
