"""Hard examples for a reader run (``--hard``): of the first ``hard_pool`` training examples,
the share ``hard`` that the starting reader (``--init``) finds hardest.

On 2 cores a run reads about 28 pairs a second, a tenth of an epoch an hour; most questions
the starting reader already answers with a wide margin, and the listwise loss of those is
near 0, so they teach it little. Scoring is about six times cheaper than training (the
packed reader of ``embedding.light_reader``, no gradients), so the run scores a pool of
examples once, keeps the hardest ones (largest listwise loss against its answer sentence and
"none of these", as training scores them) in their shuffled order, and trains on those.

The choice is written to the work folder (``hard-<key>.json``, keyed by the plan and the
starting reader's weights), so ``--resume`` trains on the same examples without scoring again.

Example:
    >>> round(listwise_loss(np.array([2.0, 0.0]), answered=True, null=False), 3)
    0.127
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.checksum import file_sha256
from assistant.training.reader_data import ReaderExample, candidate_texts

if TYPE_CHECKING:
    from assistant.training.reader import Plan

log = logging.getLogger(__name__)


def listwise_loss(logits: np.ndarray, answered: bool, null: bool) -> float:
    """The training loss of one question: cross-entropy of its target (the first candidate, the
    answer sentence; or the "none of these" logit 0 when it has no answer) over its candidates'
    logits, plus that 0 when the run has the "none" option."""
    row = np.append(np.asarray(logits, dtype=np.float64), 0.0) if null else np.asarray(logits, dtype=np.float64)
    top = row.max()
    return float(top + np.log(np.exp(row - top).sum()) - (row[0] if answered else 0.0))


def hardest(examples: list[ReaderExample], plan: Plan, work: Path, progress: bool = True) -> list[ReaderExample]:
    """The ``plan.hard`` share of the first ``plan.hard_pool`` examples (0: all) with the largest
    listwise loss under the starting reader ``plan.init``, in their order; read from the work
    folder when this plan chose them before."""
    pool = examples[: plan.hard_pool or None]
    saved = work / f"hard-{_key(plan)}.json"
    if saved.is_file():
        chosen = json.loads(saved.read_text(encoding="utf-8"))["chosen"]
    else:
        losses = example_losses(pool, plan, progress)
        keep = max(1, round(len(pool) * plan.hard))
        chosen = sorted(np.argsort(-losses, kind="stable")[:keep].tolist())
        record = {"pool": len(pool), "kept": keep, "mean_loss_pool": float(losses.mean()),
                  "mean_loss_kept": float(losses[chosen].mean()), "chosen": chosen}
        saved.write_text(json.dumps(record), encoding="utf-8")
        log.info("kept the %d hardest of %d examples (mean loss %.3f of %.3f)", keep, len(pool),
                 record["mean_loss_kept"], record["mean_loss_pool"])
    return [pool[i] for i in chosen]


def example_losses(examples: list[ReaderExample], plan: Plan, progress: bool = True) -> np.ndarray:
    """Each example's listwise loss under the starting reader, scored by the packed reader."""
    from tqdm import tqdm

    from assistant.embedding.light_reader import LightReader

    reader = LightReader(Path(plan.init))
    losses = np.empty(len(examples))
    for i, e in enumerate(tqdm(examples, desc="scoring for --hard", unit="question", disable=not progress)):
        logits = reader.scores(e.question, candidate_texts(e, plan.negatives))
        losses[i] = listwise_loss(logits, bool(e.positive), plan.null)
    return losses


def _key(plan: Plan) -> str:
    """What decides the choice: the plan (less what only changes the training steps) and the
    starting reader's weights."""
    fields = {k: v for k, v in asdict(plan).items() if k not in ("lr", "warmup", "epochs", "batch_questions")}
    weights = Path(plan.init) / "model.safetensors"
    fields["init_sha256"] = file_sha256(weights) if weights.is_file() else plan.init
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:12]
