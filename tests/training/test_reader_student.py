"""``assistant train reader --layers K --teacher R``: a smaller reader that keeps K of the
starting reader's layers and learns R's scores; it exports a folder both loaders read alike."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.training.reader_student import kept_layers
from tests.training.test_reader_training import TRAIN, _tiny_squad


def test_a_student_keeps_evenly_spaced_layers_with_the_first_and_the_last():
    assert kept_layers(6, 3) == [0, 2, 5]
    assert kept_layers(6, 2) == [0, 5] and kept_layers(6, 1) == [0] and kept_layers(6, 6) == list(range(6))
    for keep in range(2, 7):
        chosen = kept_layers(6, keep)
        assert len(chosen) == keep and chosen[0] == 0 and chosen[-1] == 5
    with pytest.raises(ValueError, match="between 1 and 6"):
        kept_layers(6, 7)
    with pytest.raises(ValueError, match="between 1 and 6"):
        kept_layers(6, 0)


def test_the_distillation_loss_is_the_label_loss_where_the_student_already_matches_its_teacher():
    """KL(teacher || student) is 0 for equal score rows, also across masked slots (no nan), and
    grows as the student's ranking departs from the teacher's."""
    torch = pytest.importorskip("torch")
    from assistant.training.reader_student import MASKED, distil_loss

    rows = torch.tensor([[2.0, 0.5, MASKED, 0.0], [-1.0, 1.0, 0.3, 0.0]])
    targets = torch.tensor([0, 3])
    hard = torch.nn.functional.cross_entropy(rows, targets)
    assert float(distil_loss(rows, rows, targets, 0.0)) == pytest.approx(float(hard))
    assert float(distil_loss(rows, rows, targets, 0.5)) == pytest.approx(0.5 * float(hard), abs=1e-6)
    assert float(distil_loss(rows, rows, targets, 1.0)) == pytest.approx(0.0, abs=1e-6)
    swapped = rows[:, [1, 0, 2, 3]]
    assert float(distil_loss(swapped, rows, targets, 1.0)) > 0.1


@pytest.mark.slow
def test_a_student_trains_from_a_teacher_and_exports_a_smaller_reader(tmp_path):
    pytest.importorskip("torch")
    if not TRAIN.is_file():
        pytest.skip("the SQuAD v1.1 training file is in ../shared/data")
    import torch
    from sentence_transformers import CrossEncoder

    from assistant.embedding.light_reader import LightReader
    from assistant.training.reader import Plan, export, new_model, train
    from assistant.training.reader_sources import data_record

    torch.set_num_threads(1)
    _tiny_squad(tmp_path / "tiny.json")
    teacher = tmp_path / "teacher"
    new_model(Plan(max_length=48), "cpu").save_pretrained(str(teacher))
    plan = Plan(data=str(tmp_path / "tiny.json"), per_article=5, negatives=2, batch_questions=2, max_length=48,
                init=str(teacher), layers=2, teacher=str(teacher), distill=0.5, freeze_embeddings=True)
    student, done, _, total = train(plan, tmp_path / "w", 5, resume=False, progress=False, max_steps=2)
    assert done.step == 2 and all(np.isfinite(done.losses))
    full = new_model(Plan(init=str(teacher), max_length=48), "cpu")[0].model.state_dict()
    kept = student[0].model.state_dict()
    assert not any(k.startswith("bert.encoder.layer.2.") for k in kept)
    words = "bert.embeddings.word_embeddings.weight"  # frozen: exactly the starting reader's
    assert torch.equal(kept[words], full[words])
    kept_1, full_5 = kept["bert.encoder.layer.1.output.dense.weight"], full["bert.encoder.layer.5.output.dense.weight"]
    assert torch.allclose(kept_1, full_5, atol=1e-3) and not torch.equal(kept_1, full_5)  # layer 5, trained 2 steps
    out = export(student, plan, done, total, {"questions": 0}, tmp_path / "student", "assistant train reader",
                 data_record(plan, tmp_path / "w"))
    assert json.loads((out / "config.json").read_text())["num_hidden_layers"] == 2
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["plan"]["layers"] == 2 and provenance["teacher"]["path"] == str(teacher)
    assert "2 of its layers kept" in provenance["model"]
    pairs = ("Who ruled?", ["The king ruled the land.", "Rain fell on the hills."])
    light = LightReader(out, backend="numpy").scores(*pairs)
    heavy = CrossEncoder(str(out)).predict([(pairs[0], s) for s in pairs[1]], activation_fn=torch.nn.Identity())
    assert np.allclose(light, heavy, atol=1e-4)


BLOCKED = '''
import importlib.abc, sys
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {"pydantic", "faiss", "bm25s", "gradio", "pymilvus"}:
            raise ImportError("not installed here: " + name)
sys.meta_path.insert(0, Blocked())
from assistant.cli import main
sys.exit(main(sys.argv[1:]))
'''


@pytest.mark.slow
def test_training_from_cached_examples_needs_no_pydantic_faiss_bm25_or_gradio(tmp_path):
    """A machine sent the example caches (a GPU one) has torch and sentence-transformers but not
    the ask-time stack: ``assistant train reader`` runs there, the source file absent too."""
    pytest.importorskip("torch")
    if not TRAIN.is_file():
        pytest.skip("the SQuAD v1.1 training file is in ../shared/data")
    import subprocess
    import sys

    from assistant.training.reader import Plan
    from assistant.training.reader_sources import source_examples
    from tests.conftest import ROOT

    _tiny_squad(tmp_path / "tiny.json")
    plan = Plan(data=str(tmp_path / "tiny.json"), per_article=5, negatives=2)
    header, _ = source_examples(plan, plan.data[0], tmp_path / "w", progress=False)  # built here, with retrieval
    (tmp_path / "tiny.json").unlink()
    args = ["train", "reader", "--data", plan.data[0], "--per-article", "5", "--negatives", "2", "--max-length", "48",
            "--batch-questions", "2", "--max-steps", "2", "--threads", "1", "--validate", "4", "--quiet",
            "--layers", "3", "--freeze-embeddings", "--work", str(tmp_path / "w"), "--out", str(tmp_path / "out")]
    done = subprocess.run([sys.executable, "-c", BLOCKED, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    provenance = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert provenance["steps"] == 2 and provenance["data"][0]["sha256"] == header["sha256"]
    blocked = subprocess.run([sys.executable, "-c", BLOCKED, "ask", "Who?"], cwd=ROOT, capture_output=True,
                             text=True, timeout=600)
    assert blocked.returncode != 0 and "not installed here" in blocked.stderr  # the block is real
