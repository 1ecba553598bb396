"""A local web server for tests: a few article pages and misbehaving endpoints.

Runs Python's ``http.server`` on 127.0.0.1 with a free port, in a thread.
Fetching from it needs ``Settings(allow_private_urls=True)``: loopback is refused
by default, which is one of the things the tests check.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PARK_HTML = """<!doctype html><html><head><meta charset="utf-8">
<title>Council approves riverside park - Daily Example</title>
<meta property="og:site_name" content="Daily Example"><meta name="author" content="Jane Roe">
<script>window.__pwned = 1</script></head><body><nav>Home | News | Sport</nav><article>
<h1>Council approves riverside park</h1>
<p>The town council voted on Tuesday to build a new park beside the river, officials said.</p>
<p>“This is a great day for the town,” said Mayor Ann Smith, who backed the plan for years.</p>
<p>Construction of the riverside park will begin next spring and cost about two million dollars.</p>
<p>Some residents objected to the cost. “We need new roads first,” said resident Tom Brown.</p>
</article><footer>© 2019 Daily Example. All rights reserved.</footer></body></html>"""

DATED_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>Harbour reopens</title>
<meta property="article:published_time" content="2024-03-05T09:30:00Z"></head><body><article>
<p>The harbour reopened to fishing boats on Monday after a month of repairs, the port authority said.</p>
<p>Repairs to the harbour wall cost the port authority more than it had planned, its director said.</p>
</article><footer>© 2019 Harbour News</footer></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, bytes]] = {
        "/park.html": (200, "text/html; charset=utf-8", PARK_HTML.encode("utf-8")),
        "/dated.html": (200, "text/html", DATED_HTML.encode("utf-8")),
        "/notes.txt": (200, "text/plain; charset=utf-8",
                       b"Lighthouse notes\n\nThe lighthouse keeper retired in May after forty years, the town said.\n"),
        "/logo.png": (200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
        "/big.html": (200, "text/html", b"<p>" + b"x" * 300_000 + b"</p>"),
        "/missing": (404, "text/html", b"<h1>Not here</h1>"),
    }

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == "/moved":
            return self._send(302, "text/html", b"", {"Location": "/park.html"})
        if self.path == "/loop":
            return self._send(302, "text/html", b"", {"Location": "/loop"})
        if self.path == "/slow.html":
            time.sleep(3)
        missing = (200, "text/html", PARK_HTML.encode()) if self.path == "/slow.html" else (404, "text/plain", b"no")
        status, kind, body = self.routes.get(self.path, missing)
        self._send(status, kind, body)

    def _send(self, status: int, kind: str, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on purpose (size and time limits under test)

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


class LocalSite:
    """``with LocalSite() as site: site.url("/park.html")``."""

    def __enter__(self) -> "LocalSite":
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
