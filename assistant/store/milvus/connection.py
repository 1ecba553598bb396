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
import threading

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


_LITE_USERS: dict[str, int] = {}  # Milvus Lite path -> open connections in this process
_LITE_LOCK = threading.Lock()


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
            if location.kind == "lite":  # Milvus Lite could not start: most often another process holds the folder
                raise StoreUnavailableError(self.where, f"Milvus Lite could not open {uri} ({_why(exc)}); one "
                                            "process at a time may open a Milvus Lite folder: stop the other, or "
                                            f"run `milvus-lite server --data-dir {uri}` and use http://127.0.0.1:19530"
                                            ) from None
            raise failure(self.where, exc) from None
        if location.kind == "lite":
            # The embedded engine scores in this process with numpy/FAISS BLAS; after each search their
            # worker threads spin for ~100 ms, and on 2 cores that halved the reader's speed right after
            # (rerank 37 -> 98 ms per question). One BLAS thread: searches no slower, no spinning.
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=1, user_api="blas")
            # The embedded engine's gRPC server logs each RPC it lacks (pymilvus probes AllocTimestamp on
            # upserts) at ERROR with a traceback; the call itself succeeds, so the noise is kept out.
            logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
            with _LITE_LOCK:
                _LITE_USERS[uri] = _LITE_USERS.get(uri, 0) + 1

    def call(self, method: str, *args, **kwargs):
        """``client.<method>(*args, **kwargs)`` with the timeout; a failure raises ``failure``'s error."""
        try:
            return getattr(self.client, method)(*args, timeout=self.timeout, **kwargs)
        except self._failure_types as exc:
            raise failure(self.where, exc) from None

    def close(self) -> None:
        """Close the client; the last one of a Milvus Lite folder in this process also stops its
        embedded engine, so another process can open the folder."""
        try:
            self.client.close()
        except self._failure_types as exc:  # closing a connection to a stopped server: nothing left to do
            log.debug("closing the Milvus client: %s", exc)
        if self.location.kind != "lite":
            return
        with _LITE_LOCK:
            _LITE_USERS[self.location.uri] = _LITE_USERS.get(self.location.uri, 1) - 1
            last = _LITE_USERS[self.location.uri] <= 0
        if last:
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(self.location.uri)


def fix_command(paths: list[str], location: StoreLocation) -> str:
    """The command that rebuilds the store at ``location``, quoted in every store error."""
    corpus = " ".join(f"--corpus {p}" for p in paths) or "--corpus corpus/"
    return f"assistant index build {corpus} --store {location} --force"


def connect(location: StoreLocation, settings: Settings) -> Connection:
    return Connection(location, settings)
