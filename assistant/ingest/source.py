"""One entry for any article source: a ``.txt``/``.md`` file, an ``.html`` file or an http(s) URL.

Example:
    >>> read_source("corpus/zuckerberg-trump-call-true-pundit.txt").title[:30]  # doctest: +SKIP
    'Facebook Offered To Help Trump'
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.ingest.files import Sidecar, article_from_text, decode_bytes, read_article
from assistant.types import Article

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def read_source(path_or_url: str | Path, settings=None) -> Article:
    """The ``Article`` behind a file path or URL; HTML goes through ``ingest.html``,
    URLs through ``ingest.fetch`` (with ``settings``' limits)."""
    if settings is None:
        from assistant.settings import Settings

        settings = Settings()
    text = str(path_or_url)
    max_bytes = settings.max_file_bytes
    if _URL.match(text):
        from assistant.ingest.fetch import fetch
        from assistant.ingest.html import article_from_html

        page = fetch(text, settings)
        if page.content_type == "text/plain":
            return article_from_text(decode_bytes(page.body, text), Sidecar(url=page.url))
        return article_from_html(page.body, url=page.url, charset=page.charset)
    if Path(text).suffix.lower() in (".html", ".htm"):
        from assistant.ingest.html import read_html_article

        return read_html_article(text, max_bytes)
    return read_article(path_or_url, max_bytes)
