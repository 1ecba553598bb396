"""Checkpoints of a reader run (``--max-minutes`` stops with one, ``--resume`` continues it): the
model's and the optimizer's tensors as safetensors, everything else (plan, progress, optimizer
scalars, random states) as JSON. No pickle.

Example:
    >>> _tupled([1, [2, 3]])
    (1, (2, 3))
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.training.reader import Plan


@dataclass
class Progress:
    """Where a run is: optimizer steps taken, examples consumed, pairs seen, loss per step."""

    step: int = 0
    position: int = 0
    pairs: int = 0
    seconds: float = 0.0
    losses: list[float] = field(default_factory=list)


def save_checkpoint(folder: Path, model, optimizer, plan: Plan, done: Progress) -> None:
    """Model and optimizer tensors as safetensors, everything else as JSON; written to a
    temporary folder and renamed, so a killed run leaves the previous checkpoint whole."""
    import shutil

    import torch
    from safetensors.torch import save_file

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model[0].model.state_dict().items()}
    save_file(state, str(tmp / "model.safetensors"))
    opt = optimizer.state_dict()
    tensors, steps = {}, {}
    for pid, entry in opt["state"].items():
        for name, value in entry.items():
            if torch.is_tensor(value) and value.dim() > 0:
                tensors[f"{pid}.{name}"] = value.detach().cpu().contiguous()
            else:
                steps[f"{pid}.{name}"] = float(value)
    save_file(tensors, str(tmp / "optimizer.safetensors"))
    save_file({"torch": torch.get_rng_state()}, str(tmp / "rng.safetensors"))
    meta = {"plan": asdict(plan), "progress": asdict(done), "optimizer_scalars": steps,
            "param_groups": opt["param_groups"], "python_random": _jsonable(random.getstate())}
    (tmp / "state.json").write_text(json.dumps(meta), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def _jsonable(value):
    return [_jsonable(v) for v in value] if isinstance(value, (tuple, list)) else value


def _tupled(value):
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value


def load_checkpoint(folder: Path, model, optimizer, plan: Plan) -> Progress:
    """Restore what ``save_checkpoint`` wrote; a checkpoint of another plan is refused."""
    import torch
    from safetensors.torch import load_file

    meta = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    if meta["plan"] != asdict(plan):
        from assistant.errors import AssistantError

        raise AssistantError(f"The checkpoint in {folder} was made with other settings ({meta['plan']}); "
                             "run without --resume to start over, or pass the same options.")
    model[0].model.load_state_dict(load_file(str(folder / "model.safetensors")))
    tensors = load_file(str(folder / "optimizer.safetensors"))
    state: dict[int, dict] = {}
    for key, value in tensors.items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = value
    for key, value in meta["optimizer_scalars"].items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = torch.tensor(value)
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    torch.set_rng_state(load_file(str(folder / "rng.safetensors"))["torch"])
    random.setstate(_tupled(meta["python_random"]))
    return Progress(**meta["progress"])
