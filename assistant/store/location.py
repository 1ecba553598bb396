"""Where an index lives: the ``store`` setting (``ASSISTANT_STORE``, ``--store``).

- ``local``: the index folder (FAISS, BM25 and articles as files); the default.
- ``milvus:///abs/path/index.db``: Milvus Lite, embedded in this process; the
  path is Milvus Lite's data folder (one process at a time may open it).
- ``http://host:19530`` or ``https://...``: a Milvus server or cluster (or a
  ``milvus-lite server``), with ``ASSISTANT_MILVUS_TOKEN``, the database and
  the collection prefix from the settings.

Parsing imports nothing from Milvus, so the local store never pays for it.

Example:
    >>> parse_store("milvus:///tmp/news/index.db")
    StoreLocation(kind='lite', uri='/tmp/news/index.db')
    >>> parse_store("http://milvus.internal:19530").kind
    'server'
    >>> parse_store("local").is_local
    True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlparse

from assistant.errors import StoreLocationError


@dataclass(frozen=True)
class StoreLocation:
    """``kind`` is 'local', 'lite' or 'server'; ``uri`` what pymilvus is given (a path for Lite)."""

    kind: str
    uri: str = ""

    @property
    def is_local(self) -> bool:
        return self.kind == "local"

    def __str__(self) -> str:
        return {"local": "local", "lite": f"milvus://{self.uri}"}.get(self.kind, self.uri)


def parse_store(value: str | None) -> StoreLocation:
    """The ``StoreLocation`` a ``store`` setting names; anything else raises ``StoreLocationError``."""
    value = (value or "local").strip()
    if value == "local":
        return StoreLocation("local")
    parsed = urlparse(value)
    if parsed.scheme == "milvus":
        if parsed.netloc:
            raise StoreLocationError(value, "a Milvus Lite path takes three slashes and an absolute path "
                                            f"(milvus:///{parsed.netloc}{parsed.path})")
        if not parsed.path.endswith(".db"):
            raise StoreLocationError(value, "a Milvus Lite path must end in .db")
        return StoreLocation("lite", os.path.normpath(parsed.path))
    if parsed.scheme in ("http", "https", "tcp", "grpc"):
        if not parsed.hostname:
            raise StoreLocationError(value, "the address has no host")
        return StoreLocation("server", value)
    raise StoreLocationError(value, "unknown kind of store")
