"""``--hard``: the examples the starting reader finds hardest, chosen by the training loss,
remembered for ``--resume``, and trained on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.ranking.reader import READER_DIR as SHIPPED
from assistant.training.reader_data import ReaderExample
from assistant.training.reader_mining import hardest, listwise_loss


@pytest.mark.parametrize("answered,null", [(True, True), (True, False), (False, True)])
def test_the_loss_of_one_question_is_the_training_loss_of_its_row(answered, null):
    torch = pytest.importorskip("torch")
    from assistant.training.reader import Plan, _score_rows

    logits = torch.tensor([1.5, -0.3, 2.2, 0.1])
    plan = Plan(negatives=3, null=null)
    row = _score_rows(_fixed(logits), {}, torch.ones(1, 4, dtype=torch.bool), plan, float("-inf"))
    target = torch.tensor([0 if answered else 4])
    expected = float(torch.nn.functional.cross_entropy(row, target))
    assert listwise_loss(logits.numpy(), answered, null) == pytest.approx(expected, rel=1e-6)


def _fixed(logits):
    """A stand-in reader whose forward pass returns ``logits`` (for ``_score_rows``)."""
    class Net:
        def __call__(self, **_):
            return type("Out", (), {"logits": logits.view(-1, 1)})

    return type("Scorer", (), {"__getitem__": lambda self, _: type("M", (), {"model": Net()})()})()


def _examples() -> list[ReaderExample]:
    facts = [("Who ruled the land?", "The king ruled the land for forty years.", "Rain fell on the hills."),
             ("When did the war end?", "The war ended in 1945.", "The king ruled the land for forty years."),
             ("What did the bird do?", "Rain fell on the hills.", "A bird sang in the tree."),  # wrong positive
             ("Where is the castle?", "", "The war ended in 1945."),
             ("How tall is the tower?", "", "The tower is 300 metres tall."),  # "unanswerable" that is answered
             ("Who sang?", "A bird sang in the tree.", "The war ended in 1945.")]
    return [ReaderExample(q, pos, (neg, "Nobody knows.")) for q, pos, neg in facts]


@pytest.mark.slow
def test_the_hardest_share_is_the_largest_losses_in_order_and_is_remembered(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from assistant.embedding.light_reader import LightReader
    from assistant.training import reader_mining
    from assistant.training.reader import Plan
    from assistant.training.reader_data import candidate_texts

    plan = Plan(negatives=2, null=True, init=str(SHIPPED), hard=0.5, hard_pool=6)
    examples = _examples() + [ReaderExample("Beyond the pool?", "", ("x",))]
    chosen = hardest(examples, plan, tmp_path)
    reader = LightReader(SHIPPED, backend="numpy", bf16=False)  # brute force, float32
    losses = [listwise_loss(reader.scores(e.question, candidate_texts(e, plan.negatives)), bool(e.positive), True)
              for e in examples[:6]]
    expected = [examples[i] for i in sorted(np.argsort(losses)[::-1][:3])]
    assert chosen == expected
    assert examples[2] in chosen and examples[4] in chosen  # the mislabelled ones are the hard ones
    saved = list(tmp_path.glob("hard-*.json"))
    assert len(saved) == 1 and json.loads(saved[0].read_text())["kept"] == 3

    def no_scoring(*_):
        raise AssertionError("scored again")

    monkeypatch.setattr(reader_mining, "example_losses", no_scoring)
    assert hardest(examples, plan, tmp_path) == chosen  # --resume trains on the same examples
    with pytest.raises(AssertionError, match="scored again"):  # another share is another choice
        hardest(examples, Plan(**{**plan.__dict__, "hard": 0.2}), tmp_path)


def test_hard_needs_a_starting_reader_and_a_share_when_the_command_is_read():
    """Refused by the plan itself, before any example is built (that can take minutes), with an
    error the CLI prints as a message (an ``AssistantError``), not a traceback."""
    from assistant.errors import TrainingOptionError
    from assistant.training.reader import Plan

    with pytest.raises(TrainingOptionError, match="--init"):
        Plan(hard=0.5)
    with pytest.raises(TrainingOptionError, match="share"):
        Plan(hard=1.5, init=str(SHIPPED))
    with pytest.raises(TrainingOptionError, match="share"):
        Plan(hard=-0.1, init=str(SHIPPED))
    assert Plan().hard == 0.0 and Plan(hard=1.0, init=str(SHIPPED)).hard == 1.0


@pytest.mark.slow
def test_a_run_with_hard_trains_on_the_chosen_examples(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from assistant.training import reader as trainer

    examples = _examples() * 4
    monkeypatch.setattr(trainer, "examples_for", lambda *_: examples)
    monkeypatch.setattr(trainer, "split", lambda e: (e, []))
    plan = trainer.Plan(negatives=2, null=True, init=str(SHIPPED), hard=0.25, hard_pool=16, batch_questions=2,
                        max_length=48)
    _, done, _, total = trainer.train(plan, tmp_path, 5, resume=False, progress=False, max_steps=1)
    assert total == 2 and done.step == 1  # 4 of the 16 scored, in batches of 2
