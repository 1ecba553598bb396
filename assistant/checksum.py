"""``file_sha256``: the checksum that manifests, provenance records and caches use.

A module of its own with no dependencies, so a training run on a bare machine
(a GPU one) can record checksums without the ask-time stack.

Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "f.txt"
    >>> _ = path.write_bytes(b"abc")
    >>> file_sha256(path)[:12]
    'ba7816bf8f01'
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
