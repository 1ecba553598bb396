"""Fit a low-rank adapter (``assistant.embedding.adapter``) on labelled questions.

Scope: the bundled BERT model only (its folder holds ``config.json``,
``tokenizer.json`` and ``model.safetensors``). Each example is a question, the
sentence that answers it and a few hard negatives (the base model's most similar
other sentences of the same article); an unanswerable question has no sentence,
only its closest ones. Besides the sentences, every question may choose "none",
scored by a learned cosine threshold: an answerable question's sentence must
beat it, all of an unanswerable question's sentences must fall below it, so the
adapted cosine also learns when the article does not answer. Rank-8 LoRA on the
query and value projections and both feed-forward layers of every block, one
epoch, AdamW at 5e-4, batches of 16 with in-batch negatives, InfoNCE at scale
20; mean pooling and normalisation as in sentence-transformers. These settings were fixed before
measuring and not tuned on the evaluation data; the squad2 suite scores the
result leave-one-article-out. About 2.5 minutes per 1,000 questions on 2 cores.

Example:
    >>> Example("Who called?", "Zuckerberg called Trump.", ("It rained.",)).question
    'Who called?'
    >>> Example("Who rang back?", None, ("Zuckerberg called Trump.",)).answerable
    False
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.evaluation.datasets import gold_mask
from assistant.types import Article

from assistant.embedding.adapter import Adapter

RANK, LEARNING_RATE, BATCH, NEGATIVES, SCALE = 8, 5e-4, 16, 2, 20.0
NULL_NEGATIVES = 3  # an unanswerable question's closest sentences, pushed below the threshold
NULL_START = 0.5  # the threshold's starting cosine: about where the plain model's gold sentences sit
LORA_SCALE = 2.0  # alpha / rank, with alpha = 2 x rank
TARGETS = ("attention.self.query", "attention.self.value", "intermediate.dense", "output.dense")


@dataclass(frozen=True)
class Example:
    question: str
    positive: str | None  # None: the article does not answer the question
    negatives: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        return self.positive is not None


def _targets(batch: list[Example], none_column: int) -> list[int]:
    """Each question's right column: its positive (positives come first, in batch
    order) or, for an unanswerable question, the "none" column."""
    out, at = [], 0
    for e in batch:
        out.append(at if e.answerable else none_column)
        at += e.answerable
    return out


def hard_negatives(vectors: np.ndarray, question: np.ndarray, gold: np.ndarray, k: int = NEGATIVES) -> list[int]:
    """Positions of the ``k`` sentences most similar to ``question`` that are not gold."""
    order = np.argsort(-(vectors @ question), kind="stable")
    return [int(i) for i in order if not gold[i]][:k]


def _lora_layers(model, rank: int):
    """Wrap the target linear layers of every block with trainable low-rank deltas; (name, wrapper) pairs."""
    import torch

    class LoRA(torch.nn.Module):
        def __init__(self, base: torch.nn.Linear):
            super().__init__()
            self.base = base
            self.A = torch.nn.Parameter(torch.randn(rank, base.in_features) * 0.01)
            self.B = torch.nn.Parameter(torch.zeros(base.out_features, rank))

        def forward(self, x):
            return self.base(x) + (x @ self.A.T @ self.B.T) * LORA_SCALE

    wrapped = []
    for i, block in enumerate(model.encoder.layer):
        for target in TARGETS:
            parent_path, attr = target.rsplit(".", 1)
            parent = block
            for part in parent_path.split("."):
                parent = getattr(parent, part)
            layer = LoRA(getattr(parent, attr))
            setattr(parent, attr, layer)
            wrapped.append((f"encoder.layer.{i}.{target}", layer))
    return wrapped


def fit_adapter(examples: list[Example], model_dir: Path, trained_on: list[str], seed: int = 0,
                progress: bool = True, description: str = "adapter", titles: list[str] = ()) -> Adapter:
    """One epoch of LoRA training over ``examples``; the adapter records the ids
    (``trained_on``) and ``titles`` of the articles they came from."""
    import torch
    from tqdm import tqdm
    from transformers import AutoModel, AutoTokenizer

    if not examples:
        raise ValueError("no training examples: an adapter needs questions with a gold sentence or marked unanswerable")
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    for p in model.parameters():
        p.requires_grad = False
    wrapped = _lora_layers(model, RANK)
    threshold = torch.nn.Parameter(torch.tensor(NULL_START))
    optimiser = torch.optim.AdamW([p for _, w in wrapped for p in (w.A, w.B)] + [threshold],
                                  lr=LEARNING_RATE, weight_decay=0.0)

    def encode(texts: list[str]):
        batch = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)

    order = list(examples)
    rng.shuffle(order)
    model.train()
    for start in tqdm(range(0, len(order), BATCH), desc=description, unit="batch", disable=not progress):
        batch = order[start : start + BATCH]
        questions = encode([e.question for e in batch])
        # Every other question's positive and every hard negative are this question's negatives.
        sentences = encode([e.positive for e in batch if e.answerable] + [n for e in batch for n in e.negatives])
        logits = torch.cat([SCALE * questions @ sentences.T, (SCALE * threshold).expand(len(batch), 1)], dim=1)
        loss = torch.nn.functional.cross_entropy(logits, torch.tensor(_targets(batch, len(sentences))))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    layers = {name: (w.A.detach().numpy().copy(), w.B.detach().numpy().copy()) for name, w in wrapped}
    meta = {"rank": RANK, "learning_rate": LEARNING_RATE, "batch": BATCH, "negatives": NEGATIVES, "epochs": 1,
            "examples": len(examples), "unanswerable": sum(not e.answerable for e in examples),
            "null_negatives": NULL_NEGATIVES, "threshold": round(float(threshold.detach()), 6),
            "seed": seed, "titles": sorted(titles)}
    return Adapter(layers, LORA_SCALE, tuple(sorted(trained_on)), meta)


def fold_path(folder: Path, title: str) -> Path:
    """Named by title, so the other half of a split article finds it too."""
    return folder / f"without-{re.sub(r'[^A-Za-z0-9]+', '-', title).strip('-')[:80] or 'untitled'}.npz"


def held_back(questions) -> list:
    """Every second unanswerable question (odd positions among them, in file order):
    no adapter trains on these, so asked of other articles they check the
    off-article rejection with questions the model never saw."""
    return [q for q in questions if not q.answerable][1::2]


def adapter_examples(article: Article, questions, embedder) -> list[Example]:
    """(question, gold sentence, hard negatives) for every answerable question whose
    gold answer lies inside one sentence, and (question, none, closest sentences)
    for the unanswerable ones not ``held_back``; neighbours by the base model's cosine."""
    texts = [s.text for s in article.sentences]
    vectors = embedder.encode(texts)
    bounds = [(s.start, s.end) for s in article.sentences]
    kept_back = {q.id for q in held_back(questions)}
    out = []
    for q in questions:
        gold = gold_mask(bounds, q.answers if q.answerable else [])
        if gold.any():
            negatives = hard_negatives(vectors, embedder.encode_query(q.question), gold)
            out.append(Example(q.question, texts[int(np.argmax(gold))], tuple(texts[i] for i in negatives)))
        elif not q.answerable and q.id not in kept_back:
            closest = hard_negatives(vectors, embedder.encode_query(q.question), gold, NULL_NEGATIVES)
            out.append(Example(q.question, None, tuple(texts[i] for i in closest)))
    return out


def fit_adapters(articles: list[Article], questions: list, embedder, folder: Path, progress: bool) -> Adapter:
    """Train one adapter per held-out article (written to ``folder``) and one on
    every article (returned: ``write_shipped_models`` ships it)."""
    from assistant.embedding.embedder import bundled_model_dir

    examples = [adapter_examples(a, qs, embedder) for a, qs in zip(articles, questions)]
    folder.mkdir(parents=True, exist_ok=True)
    for held, article in enumerate(articles):
        train = [e for j, part in enumerate(examples) if j != held for e in part]
        others = [a for j, a in enumerate(articles) if j != held]
        fold = fit_adapter(train, bundled_model_dir(), [a.id for a in others], progress=progress,
                           description=f"adapter {held + 1}/{len(articles)} without {article.title[:20]}",
                           titles=[a.title for a in others])
        fold.save(fold_path(folder, article.title))
    return fit_adapter([e for part in examples for e in part], bundled_model_dir(), [a.id for a in articles],
                       progress=progress, description="adapter on every article", titles=[a.title for a in articles])
