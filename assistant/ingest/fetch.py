"""Download one web page for ``Assistant.add(url)``: http(s) only, bounded, and never
towards the machine's own network unless a setting allows it.

Scope: a single GET of an article page. Each hop (redirects included) checks the
scheme, resolves the host once and refuses loopback, private, link-local and
other non-public addresses (``Settings.allow_private_urls`` lifts that, for
tests and intranets), then connects to exactly the address it checked, so a
DNS answer cannot change between the check and the connection. The download
stops at ``fetch_max_bytes`` and at the ``fetch_timeout`` deadline, and only
HTML or plain text is accepted. No proxies from the environment are used.

Example:
    >>> check_url("ftp://example.com/story")
    Traceback (most recent call last):
    ...
    assistant.errors.FetchError: Cannot fetch ftp://example.com/story: only http:// and https:// addresses can be added.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from assistant.errors import FetchError

ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
USER_AGENT = "quote-assistant/0.1 (+fetches one article page on request)"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Page:
    """A downloaded page: the final URL (after redirects), its media type, charset and bytes."""

    url: str
    content_type: str
    charset: str | None
    body: bytes


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or ``FetchError``."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(url, "only http:// and https:// addresses can be added.")
    if not parts.hostname:
        raise FetchError(url, "the address has no host name; paste the full address, e.g. https://example.com/story.")
    if parts.username or parts.password:
        raise FetchError(url, "addresses with a user name or password are not fetched; remove the 'user:pass@' part.")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise FetchError(url, "the port number is not valid.") from None
    return parts.scheme.lower(), parts.hostname, port


def public_address(url: str, host: str, port: int, allow_private: bool) -> str:
    """The first address ``host`` resolves to, refusing non-public ones unless allowed.

    Every resolved address is checked (a name that resolves to both a public and a
    private address is refused), because the connection could use either.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(url, f"the host {host!r} could not be resolved ({exc.strerror}). Check the address.") from None
    addresses = [info[4][0] for info in infos]
    for raw in addresses:
        ip = ipaddress.ip_address(raw.split("%")[0])
        if getattr(ip, "ipv4_mapped", None):
            ip = ip.ipv4_mapped
        if not allow_private and (not ip.is_global or ip.is_multicast):
            raise FetchError(url, f"{host} is a local or private address ({ip}); such addresses are refused "
                                  "(set ASSISTANT_ALLOW_PRIVATE_URLS=1 to allow them on a trusted network).")
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to an already-checked address (the Host header keeps the name)."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to an already-checked address; the certificate is checked against the name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, settings) -> Page:
    """GET ``url`` following up to ``settings.fetch_max_redirects`` redirects, each hop checked."""
    deadline = time.monotonic() + settings.fetch_timeout
    current = url.strip()
    for _ in range(settings.fetch_max_redirects + 1):
        response, conn = _request(current, settings, deadline)
        try:
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                current = urljoin(current, response.getheader("Location"))
                continue
            if response.status != 200:
                raise FetchError(url, f"the server answered HTTP {response.status} {response.reason}. "
                                      "Check the address in a browser.")
            return _read_page(url, current, response, settings, deadline)
        finally:
            conn.close()
    raise FetchError(url, f"more than {settings.fetch_max_redirects} redirects. Paste the final address instead.")


def _request(url: str, settings, deadline: float):
    scheme, host, port = check_url(url)
    address = public_address(url, host, port, settings.allow_private_urls)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    conn = kind(host, port, address, timeout=max(0.1, deadline - time.monotonic()))
    try:
        conn.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "text/html, text/plain;q=0.8",
                                           "Accept-Encoding": "identity"})
        return conn.getresponse(), conn
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        raise FetchError(url, _network_reason(exc)) from None


def _network_reason(exc: Exception) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "the server did not answer in time. Try again later, or save the page and upload it."
    if isinstance(exc, ssl.SSLError):
        return f"the secure connection failed ({exc.reason or exc}). Check the address."
    if isinstance(exc, ConnectionRefusedError):
        return "the server refused the connection (is the address right and the site up?)."
    return f"the server could not be reached ({exc}). Check the address and your connection."


def _read_page(url: str, final: str, response, settings, deadline: float) -> Page:
    media, charset = _content_type(response.getheader("Content-Type", ""))
    if media not in ACCEPTED_TYPES:
        raise FetchError(url, f"it is {media or 'of unknown type'}, not a web page (HTML or plain text). "
                              "Only article pages can be added.")
    limit = settings.fetch_max_bytes
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise FetchError(url, f"the page is {int(declared):,} bytes, over the {limit:,}-byte limit "
                              "(raise ASSISTANT_FETCH_MAX_BYTES to allow it).")
    body = bytearray()
    try:
        while chunk := response.read(_CHUNK):
            body += chunk
            if len(body) > limit:
                raise FetchError(url, f"the page is over the {limit:,}-byte limit "
                                      "(raise ASSISTANT_FETCH_MAX_BYTES to allow it).")
            if time.monotonic() > deadline:
                raise FetchError(url, f"the download took longer than {settings.fetch_timeout:g} s. "
                                      "Try again, or save the page and upload it.")
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(url, _network_reason(exc)) from None
    return Page(final, media, charset, bytes(body))


def _content_type(header: str) -> tuple[str, str | None]:
    """('text/html', 'utf-8') from 'text/html; charset=UTF-8'."""
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset
