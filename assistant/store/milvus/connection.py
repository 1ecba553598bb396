"""One Milvus client with a timeout on every call and errors people can act on.

Every call goes through ``Connection.call``: a Milvus or network failure (server
stopped, unreachable, timed out) becomes ``StoreUnavailableError`` naming the
store and what to do, in the CLI, the API and the chat alike.

Example (needs the ``milvus`` extra):
    >>> import tempfile, os
    >>> from assistant.settings import Settings
    >>> from assistant.store.location import parse_store
    >>> path = os.path.join(tempfile.mkdtemp(), "index.db")
    >>> conn = connect(parse_store(f"milvus://{path}"), Settings())
    >>> conn.call("list_collections")
    []
    >>> conn.close()
"""

from __future__ import annotations

import logging
import os

import re

from assistant.errors import StoreLocationError, StoreRequestError, StoreUnavailableError
from assistant.settings import Settings
from assistant.store.location import StoreLocation

log = logging.getLogger(__name__)
# pymilvus logs every failed call at ERROR with a traceback before raising it; this package turns
# each failure into one named error with what to do, so pymilvus's own copy is kept out of the output.
logging.getLogger("pymilvus").setLevel(logging.CRITICAL)


def _failures() -> tuple[type[BaseException], ...]:
    import grpc
    from pymilvus.exceptions import MilvusException

    return MilvusException, grpc.RpcError, ConnectionError, TimeoutError, OSError


_OUTAGE = re.compile(r"unavailable|deadline|timed? ?out|connect|refused|closed channel|fail to connect|socket", re.I)


def failure(where: str, exc: BaseException) -> Exception:
    """The package error for a failed call: the server could not be reached (``StoreUnavailableError``)
    or it answered with a refusal (``StoreRequestError``)."""
    import grpc
    from pymilvus.exceptions import ConnectError, ConnectionNotExistException, MilvusUnavailableException

    down = isinstance(exc, (ConnectError, ConnectionNotExistException, MilvusUnavailableException, ConnectionError,
                            TimeoutError, OSError))
    if isinstance(exc, grpc.RpcError) and hasattr(exc, "code"):
        down = down or exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                                      grpc.StatusCode.CANCELLED)
    why = _why(exc)
    return StoreUnavailableError(where, why) if down or _OUTAGE.search(why) else StoreRequestError(where, why)


def _why(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:300]


class Connection:
    """A ``MilvusClient`` for ``location`` with the settings' database, token and timeout."""

    def __init__(self, location: StoreLocation, settings: Settings):
        try:
            from pymilvus import MilvusClient
        except ImportError:
            raise StoreLocationError(str(location), "pymilvus is not installed; install the extra with "
                                                    "pip install 'assistant[milvus]'") from None
        self.location, self.where = location, str(location)
        self.timeout, self.prefix = settings.milvus_timeout, settings.milvus_prefix
        self.nprobe = settings.milvus_nprobe
        uri = location.uri
        if location.kind == "lite":
            os.makedirs(os.path.dirname(uri) or ".", exist_ok=True)
        token = settings.milvus_token.get_secret_value()
        database = "" if location.kind == "lite" else settings.milvus_database
        self._failure_types = _failures()
        try:
            self.client = MilvusClient(uri=uri, token=token, db_name=database, timeout=self.timeout)
        except self._failure_types as exc:
            raise failure(self.where, exc) from None

    def call(self, method: str, *args, **kwargs):
        """``client.<method>(*args, **kwargs)`` with the timeout; a failure raises ``failure``'s error."""
        try:
            return getattr(self.client, method)(*args, timeout=self.timeout, **kwargs)
        except self._failure_types as exc:
            raise failure(self.where, exc) from None

    def close(self) -> None:
        try:
            self.client.close()
        except self._failure_types as exc:  # closing a connection to a stopped server: nothing left to do
            log.debug("closing the Milvus client: %s", exc)


def connect(location: StoreLocation, settings: Settings) -> Connection:
    return Connection(location, settings)
