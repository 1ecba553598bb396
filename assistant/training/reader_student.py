"""A smaller, faster reader: some of the starting reader's layers kept (``--layers``), trained
on the same examples while it learns to match a teacher reader's scores (``--teacher``).

The reader is about 90% of the server's CPU per question, so a reader with half the layers
answers about twice as many questions a second. The student starts from evenly spaced layers
of the reader it starts from (the first and the last always among them) and is trained with
the listwise loss mixed with the teacher's: ``(1 - distill) x`` the loss against the labels
``+ distill x`` the KL divergence from the teacher's softmax over the same candidates and
"none of these" (temperature 1), so it learns the teacher's whole ranking, not only its top.

Example:
    >>> kept_layers(6, 3)
    [0, 2, 5]
    >>> kept_layers(6, 6)
    [0, 1, 2, 3, 4, 5]
"""

from __future__ import annotations

import numpy as np

# Slots a question does not fill get this logit instead of -inf, so the divergence between two
# masked score rows is 0 there rather than nan (exp(-1e4) is 0 in float32).
MASKED = -1e4


def kept_layers(total: int, keep: int) -> list[int]:
    """Which of ``total`` encoder layers a ``keep``-layer student takes: evenly spaced, the
    first and the last always kept."""
    if not 1 <= keep <= total:
        from assistant.errors import TrainingOptionError

        raise TrainingOptionError(f"--layers must be between 1 and {total} (the reader has {total} layers), "
                                  f"not {keep}")
    return sorted({int(i) for i in np.floor(np.linspace(0, total - 1, keep) + 1e-9)})


def truncate(model, keep: int) -> list[int]:
    """Keep ``keep`` of the CrossEncoder's BERT layers (``kept_layers``) in place; the config
    is updated, so the saved folder loads as a ``keep``-layer model. Returns the kept indices."""
    import torch

    bert = model[0].model.bert
    layers = bert.encoder.layer
    chosen = kept_layers(len(layers), keep)
    bert.encoder.layer = torch.nn.ModuleList([layers[i] for i in chosen])
    model[0].model.config.num_hidden_layers = len(chosen)
    return chosen


def as_teacher(model):
    """A reader loaded as ``reader.new_model`` loads one, made a teacher: frozen, in eval mode
    (no dropout)."""
    model[0].model.eval().requires_grad_(False)
    return model


def distil_loss(student, teacher, targets, distill: float):
    """``(1 - distill) x`` cross-entropy against ``targets`` ``+ distill x`` KL(teacher || student)
    over score rows (questions x candidates, masked slots at ``MASKED``)."""
    import torch.nn.functional as F

    hard = F.cross_entropy(student, targets)
    soft = F.kl_div(F.log_softmax(student, dim=1), F.log_softmax(teacher, dim=1), log_target=True,
                    reduction="batchmean")
    return (1.0 - distill) * hard + distill * soft
