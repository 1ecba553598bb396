"""``assistant train reader``: fine-tune the project's cross-encoder (the reader) on SQuAD v1.1
and on labelled questions (``--data FILE.jsonl``, e.g. ``eval/news-train.jsonl``); ``--data``
repeats to mix sources. Each source's examples are cached in ``--work`` (``reader_sources``),
so a machine sent the caches (a GPU one) trains without the data or the retrieval models.

A sentence-transformers ``CrossEncoder`` (the bundled all-MiniLM-L6-v2 weights with one logit,
or ``--init``, a reader to continue) reads each (question, sentence) pair. Each step takes a batch
of questions, each with its answer sentence and hard negatives (``reader_data``), and minimises
the listwise softmax loss: the answer sentence against its negatives and, with labelled
questions, a fixed "none of these" logit 0, the target of the unanswerable ones. Seeded; AdamW
with linear warm-up and decay; bf16 autocast on CUDA and where the CPU computes it natively; the
next batch tokenized while the model trains. ``--max-minutes`` stops cleanly with a checkpoint
and ``--resume`` continues it (model, optimizer, data position, random state, loss curve).
Checkpoints are safetensors and JSON: no pickle. ``--layers 3 --teacher R`` trains a smaller,
faster reader that keeps half the layers and learns R's scores (``reader_student``); ``--hard S``
trains on the share S of the examples the starting reader finds hardest (``reader_mining``).

Example:
    $ assistant train reader --max-minutes 60          # ~40 pairs/s on 2 cores
    $ assistant train reader --resume --max-minutes 30
    $ assistant train reader --data eval/news-train.jsonl --init assistant/data/reader --epochs 2 --lr 2e-5
    $ assistant train reader --init assistant/data/reader --layers 3 --teacher assistant/data/reader
    $ assistant train reader --prepare --data eval/squad-unanswerable-train.jsonl --negatives 7  # caches only
"""

from __future__ import annotations

import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from assistant.errors import TrainingOptionError
from assistant.training.reader_data import ReaderExample, candidate_texts
from assistant.training.reader_checkpoint import Progress, load_checkpoint, save_checkpoint
from assistant.training.reader_export import export
from assistant.training.reader_mining import hardest
from assistant.training.reader_sources import (data_record, examples_for, has_unanswerable, is_cases,
                                               source_examples, split)
from assistant.training.reader_student import MASKED, as_teacher, distil_loss, truncate

log = logging.getLogger(__name__)
DEFAULT_DATA = Path("../shared/data/squad1.1-train/train-v1.1.json")
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "reader"


@dataclass
class Plan:
    """The training run's settings (saved with every checkpoint; a resume must match them)."""

    # Training sources, each SQuAD v1.1 JSON or a labelled-questions .jsonl; several are mixed
    # (shuffled together), and a source named twice counts twice.
    data: list[str] = field(default_factory=lambda: [str(DEFAULT_DATA)])
    per_article: int = 60
    negatives: int = 4
    batch_questions: int = 16
    max_length: int = 96
    lr: float = 5e-5
    warmup: float = 0.05
    epochs: float = 1.0
    seed: int = 0
    init: str = ""  # a saved CrossEncoder to continue from ("": the bundled MiniLM with a fresh head)
    # With labelled questions (``data`` a .jsonl file, articles under ``data_root``) or a SQuAD 2.0 file:
    # every question also meets a "none of these" option, a fixed logit 0, the answer to the unanswerable ones.
    data_root: str = ""
    null: bool = False
    # A smaller student (``reader_student``): keep this many of the init reader's layers (0: all),
    # and learn to match ``teacher``'s scores with weight ``distill``.
    layers: int = 0
    teacher: str = ""
    distill: float = 0.0
    # Keep the word embeddings (half the weights) as the init reader has them: a run elsewhere then
    # sends back only the other half (the GPU machine returns 16 MiB a file).
    freeze_embeddings: bool = False
    # Train on the ``hard`` share of the first ``hard_pool`` examples (0: all) that the ``init`` reader
    # finds hardest (``reader_mining``); 0: on every example.
    hard: float = 0.0
    hard_pool: int = 0

    def __post_init__(self):
        if isinstance(self.data, str):  # one source, as older plans and provenance records name it
            self.data = [self.data]
        # Checked here, when the command is read, not after its examples are built (minutes).
        if self.hard and not self.init:
            raise TrainingOptionError("--hard scores the examples with the starting reader: give --init")
        if not 0.0 <= self.hard <= 1.0:
            raise TrainingOptionError(f"--hard is a share of the examples, from 0 (every example, no mining) "
                                      f"to 1, not {self.hard}")


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _autocast(device: str):
    """bf16 autocast on CUDA, and on the CPU where it computes bf16 natively (``bf16_autocast``)."""
    import torch

    if device == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    from assistant.embedding.runtime import bf16_autocast

    return bf16_autocast(True)


def new_model(plan: Plan, device: str):
    """The CrossEncoder to train: the bundled MiniLM with a fresh one-logit head, or the
    reader in ``plan.init`` (e.g. the shipped one, to train it further on other questions)."""
    from sentence_transformers import CrossEncoder

    if plan.init:
        model = CrossEncoder(plan.init, num_labels=1, max_length=plan.max_length, device=device)
        model[0].model.float()  # shipped weights are fp16; train in fp32 (bf16 autocast does the fast part)
    else:
        from assistant.embedding.runtime import bundled_model_dir

        model = CrossEncoder(str(bundled_model_dir()), num_labels=1, max_length=plan.max_length, device=device)
    if plan.layers:
        truncate(model, plan.layers)
    if plan.freeze_embeddings:
        model[0].model.bert.embeddings.word_embeddings.requires_grad_(False)
    return model


def _teacher(plan: Plan, device: str):
    """``plan.teacher`` loaded as any starting reader is, whole (none of the student's cuts or
    freezes), then frozen; None without one."""
    if not plan.teacher:
        return None
    return as_teacher(new_model(replace(plan, init=plan.teacher, layers=0, freeze_embeddings=False), device))


def encode(tokenizer, batch: list[ReaderExample], plan: Plan):
    """The tokenized (question, sentence) pairs of one batch, which of the ``1 + negatives``
    slots each question fills, and each question's target slot (``1 + negatives``: the
    "none of these" option). Pure, so the training loop tokenizes the next batch while the
    model works on this one."""
    import torch

    width = 1 + plan.negatives
    pairs, valid = [], torch.zeros(len(batch), width, dtype=torch.bool)
    targets = []
    for row, e in enumerate(batch):
        if not e.positive and not plan.null:
            raise ValueError("an unanswerable training question needs the null option (Plan.null)")
        texts = candidate_texts(e, plan.negatives)
        valid[row, : len(texts)] = True
        targets.append(0 if e.positive else width)
        pairs += [(e.question, t) for t in texts]
    inputs = tokenizer([q for q, _ in pairs], [t for _, t in pairs], padding=True, truncation="longest_first",
                       max_length=plan.max_length, return_tensors="pt")
    return inputs, valid, torch.tensor(targets, dtype=torch.long), len(pairs)


def batch_loss(model, batch: list[ReaderExample], plan: Plan, device: str):
    """Listwise softmax loss of one batch: every question's answer sentence (position 0)
    against its negatives; questions with fewer negatives are padded with -inf logits.
    With ``plan.null`` a last column holds the "none of these" logit 0, the target of a
    question with no answer sentence. Returns (loss, pairs read)."""
    return encoded_loss(model, encode(model.tokenizer, batch, plan), plan, device)


def encoded_loss(model, encoded, plan: Plan, device: str, teacher=None):
    """``batch_loss`` of a batch already tokenized by ``encode``; with a ``teacher`` reader,
    mixed with the divergence from its scores (``reader_student.distil_loss``)."""
    import torch

    inputs, valid, targets, pairs = _on_device(encoded, device)
    if teacher is None:
        return torch.nn.functional.cross_entropy(_score_rows(model, inputs, valid, plan, float("-inf")), targets), pairs
    with torch.no_grad():
        taught = _score_rows(teacher, inputs, valid, plan, MASKED)
    return distil_loss(_score_rows(model, inputs, valid, plan, MASKED), taught, targets, plan.distill), pairs


def _on_device(encoded, device: str):
    """``encode``'s inputs, candidate mask and targets moved to ``device``, and its pair count."""
    inputs, valid, targets, pairs = encoded
    return inputs.to(device), valid.to(device), targets.to(device), pairs


def _score_rows(model, inputs, valid, plan: Plan, masked: float):
    """The reader's logits as one row per question: its candidates in their slots, ``masked``
    in the slots it does not fill, and with ``plan.null`` a last column holding the logit 0."""
    import torch

    with _autocast(valid.device.type):
        logits = model[0].model(**inputs).logits.float().view(-1)
    width = 1 + plan.negatives
    scores = torch.full((len(valid), width + int(plan.null)), masked, device=valid.device)
    scores[:, :width][valid] = logits
    if plan.null:
        scores[:, width] = 0.0
    return scores


def _optimizer_step(model, optimizer, encoded, plan: Plan, device: str, lr: float, teacher=None) -> tuple[float, int]:
    """One AdamW step at learning rate ``lr`` on a batch ``encode`` tokenized, gradients
    clipped at norm 1; returns (loss, pairs read)."""
    import torch

    for group in optimizer.param_groups:
        group["lr"] = lr
    loss, pairs = encoded_loss(model, encoded, plan, device, teacher)
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model[0].model.parameters(), 1.0)
    optimizer.step()
    return float(loss.detach()), pairs


def _schedule(step: int, total: int, warmup: int) -> float:
    """Learning-rate factor: linear warm-up over ``warmup`` steps, then linear decay to 0 at ``total``."""
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (total - step) / max(1, total - warmup))


def validate(model, examples: list[ReaderExample], plan: Plan, device: str) -> dict:
    """Share of validation questions whose answer sentence the reader scores above every
    negative (hit@1 among 1 + negatives), and the mean listwise loss; with ``plan.null``
    also the share of unanswerable ones whose every candidate scores below 0 (the null option).
    One forward pass per batch gives all three, scored as training scores (bf16 where the
    CPU has it: its logits are within about 0.01 of float32's)."""
    import torch

    hits, rejected, losses = [], [], []
    width = 1 + plan.negatives
    model[0].model.eval()
    with torch.inference_mode():
        for start in range(0, len(examples), plan.batch_questions):
            batch = examples[start : start + plan.batch_questions]
            inputs, valid, targets, _ = _on_device(encode(model.tokenizer, batch, plan), device)
            scores = _score_rows(model, inputs, valid, plan, float("-inf"))
            losses.append(float(torch.nn.functional.cross_entropy(scores, targets)))
            answered = targets < width  # the answer sentence's slot (0); else the "none" option's
            hits += (scores[answered, :width].argmax(dim=1) == 0).tolist()
            rejected += (scores[~answered, :width].max(dim=1).values < 0).tolist()
    model[0].model.train()
    out = {"questions": len(examples), "hit@1_of_candidates": float(np.mean(hits)) if hits else float("nan"),
           "loss": float(np.mean(losses)) if losses else float("nan")}
    if plan.null:
        out["unanswerable_below_none"] = float(np.mean(rejected)) if rejected else float("nan")
    return out


def train(plan: Plan, work: Path, max_minutes: float, resume: bool, progress: bool = True,
          max_steps: int | None = None):
    """Train (or continue) until the planned steps are done, ``max_minutes`` pass or the
    run reaches step ``max_steps``; returns (model, progress, validation examples, planned steps)."""
    import torch
    from tqdm import tqdm

    random.seed(plan.seed)
    np.random.seed(plan.seed)
    torch.manual_seed(plan.seed)
    device = _device()
    work.mkdir(parents=True, exist_ok=True)
    training, validation = split(examples_for(plan, work, progress))
    training = hardest(training, plan, work, progress) if plan.hard else training
    model = new_model(plan, device)
    teacher = _teacher(plan, device)
    trained = [p for p in model[0].model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trained, lr=plan.lr, weight_decay=0.01)
    checkpoint = work / "checkpoint"
    done = load_checkpoint(checkpoint, model, optimizer, plan) if resume and checkpoint.is_dir() else Progress()
    total = int(len(training) * plan.epochs) // plan.batch_questions
    warmup = max(1, int(total * plan.warmup))
    started, last_save = time.monotonic(), time.monotonic()
    model[0].model.train()
    bar = tqdm(total=total, initial=done.step, desc="reader", unit="step", disable=not progress)
    stop = total if max_steps is None else min(total, max_steps)
    tokenizing = ThreadPoolExecutor(1)  # tokenizes the next batch while the model trains on this one

    def batch_at(step: int):
        at = (step * plan.batch_questions) % len(training)
        return at, tokenizing.submit(encode, model.tokenizer, training[at : at + plan.batch_questions], plan)

    upcoming = batch_at(done.step)
    while done.step < stop and (time.monotonic() - started) < max_minutes * 60:
        (at, encoded), upcoming = upcoming, batch_at(done.step + 1)
        lr = plan.lr * _schedule(done.step, total, warmup)
        loss, pairs = _optimizer_step(model, optimizer, encoded.result(), plan, device, lr, teacher)
        done.step, done.position, done.pairs = done.step + 1, at + plan.batch_questions, done.pairs + pairs
        done.losses.append(round(loss, 4))
        bar.update(1)
        bar.set_postfix(loss=f"{np.mean(done.losses[-50:]):.3f}")
        if time.monotonic() - last_save > 600:  # every 10 minutes
            done.seconds += time.monotonic() - last_save
            last_save = time.monotonic()
            save_checkpoint(checkpoint, model, optimizer, plan, done)
    bar.close()
    tokenizing.shutdown(cancel_futures=True)
    done.seconds += time.monotonic() - last_save
    save_checkpoint(checkpoint, model, optimizer, plan, done)
    return model, done, validation, total


def main(args) -> int:
    """``assistant train reader``: train, validate on held-out articles, export; with
    ``--prepare``, only build and cache every source's examples in ``--work``."""
    import torch

    data = args.data or [str(DEFAULT_DATA)]
    cases = any(is_cases(d) for d in data)
    plan = Plan(data=data, per_article=args.per_article, negatives=args.negatives,
                batch_questions=args.batch_questions, max_length=args.max_length, lr=args.lr, epochs=args.epochs,
                seed=args.seed, init=args.init or "", data_root=args.data_root if cases else "",
                layers=args.layers, teacher=args.teacher or "", distill=args.distill if args.teacher else 0.0,
                freeze_embeddings=args.freeze_embeddings, hard=args.hard, hard_pool=args.hard_pool)
    if args.threads:
        torch.set_num_threads(args.threads)
    work = Path(args.work)
    plan.null = any(has_unanswerable(plan, source, work) for source in dict.fromkeys(plan.data))
    if args.prepare:
        for source in dict.fromkeys(plan.data):
            header, _ = source_examples(plan, source, work, progress=not args.quiet)
            print(f"{source}: {header['examples']:,} examples cached in {work}")
        return 0
    work.mkdir(parents=True, exist_ok=True)
    model, done, validation, total = train(plan, work, args.max_minutes, args.resume, progress=not args.quiet,
                                           max_steps=args.max_steps)
    metrics = validate(model, validation[: args.validate], plan, _device())
    out = export(model, plan, done, total, metrics, Path(args.out), args.command_line,
                 data_record(plan, work))
    print(f"Reader written to {out}: {done.step}/{total} steps, {done.pairs:,} pairs; "
          f"validation hit@1 {metrics['hit@1_of_candidates']:.3f} over {metrics['questions']} held-out questions")
    return 0
