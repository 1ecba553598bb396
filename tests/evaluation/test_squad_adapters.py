"""The squad2 suite's adapters: each article is embedded with one that never saw it."""

from __future__ import annotations

import pytest

from assistant import Settings
from assistant.embedding.adapter import Adapter
from assistant.embedding.embedder import make_embedder
from assistant.evaluation.datasets import DatasetError
from assistant.ingest.files import article_from_text
from tests.conftest import random_adapter


@pytest.mark.slow
def test_evaluation_uses_an_adapter_that_never_saw_the_article(tmp_path):
    from assistant.evaluation.squad import article_embedders
    from assistant.training.adapter import fold_path as _fold_path

    seen, unseen = article_from_text("Seen\n\nThe first text."), article_from_text("Unseen\n\nThe second text.")
    other_half = article_from_text("Seen\n\nAnother part of the same article.")  # same title, other text
    shipped = tmp_path / "shipped.npz"
    Adapter(random_adapter().layers, 2.0, (seen.id,), {"titles": ["Seen"]}).save(shipped)
    settings = Settings(adapter=str(shipped), progress=False)
    with pytest.raises(DatasetError, match="--fit"):  # no cross-validation adapter yet
        article_embedders([seen, unseen], settings, tmp_path / "folds")
    (tmp_path / "folds").mkdir()
    fold_sha = Adapter(random_adapter(seed=1).layers, 2.0, (unseen.id,), {"titles": ["Unseen"]}).save(
        _fold_path(tmp_path / "folds", "Seen"))
    for_seen, for_unseen, for_half = article_embedders([seen, unseen, other_half], settings, tmp_path / "folds")
    assert for_seen.model_id.endswith(fold_sha[:16]) and for_half.model_id == for_seen.model_id
    assert for_unseen.model_id == make_embedder(adapter=str(shipped)).model_id
    # A "cross-validation" adapter that saw the article (by text or by title) is refused.
    for ids, titles in (((seen.id,), []), ((), ["Seen"])):
        fold = Adapter(random_adapter(seed=2).layers, 2.0, ids, {"titles": titles})
        fold.save(_fold_path(tmp_path / "folds", "Seen"))
        with pytest.raises(DatasetError, match="itself"):
            article_embedders([seen, unseen], settings, tmp_path / "folds")


def test_fit_refuses_a_model_it_cannot_adapt():
    from assistant.evaluation.squad import run_squad
    from tests.conftest import SQUAD

    for settings in (Settings(model="fake", progress=False), Settings(adapter="none", progress=False)):
        with pytest.raises(DatasetError, match="bundled model"):
            run_squad(str(SQUAD), settings, fit=True, progress=False)
