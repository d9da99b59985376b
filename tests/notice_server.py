"""A council website on 127.0.0.1 for the fetch tests: pages with ETag/Last-Modified and 304
answers, and routes that fail in every way a real site can (404, 500, a slow answer, a huge
body, a redirect loop, a redirect to a private address, an image, a robots.txt disallow)."""

from __future__ import annotations

import gzip
import hashlib
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LAST_MODIFIED = "Mon, 02 Nov 2026 09:00:00 GMT"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


@dataclass
class Site:
    """What the site serves: path -> (content type, body); `modes` turns a path into a failure."""

    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    modes: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base: str = ""

    def seen(self, path: str) -> list[dict[str, str]]:
        """The headers of every request for `path`, in order."""
        return [headers for p, headers in self.requests if p == path]


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            mode = site.modes.get(self.path)
            if self.path == "/robots.txt":
                return self._send(200, "text/plain", ROBOTS)
            if mode == "404" or (mode is None and self.path not in site.pages):
                return self._send(404, "text/html", b"<h1>Page not found</h1>")
            if mode == "500":
                return self._send(500, "text/html", b"<h1>Server error</h1>")
            if mode == "slow":
                time.sleep(2.5)
                return self._send(200, "text/html", b"<p>too late</p>")
            if mode == "big":  # no Content-Length: the cap must hold while streaming
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for _ in range(64):  # 4 MB
                        self.wfile.write(b"<p>" + b"x" * 65_529 + b"</p>\n")
                except OSError:
                    pass
                return None
            if mode == "loop":
                return self._redirect("/loop-b" if self.path != "/loop-b" else "/notice")
            if mode and mode.startswith("redirect:"):
                return self._redirect(mode.removeprefix("redirect:"))
            if mode == "gzip-bomb":  # 5 kB on the wire, 5 MB once inflated
                body = gzip.compress(b"<p>" + b" " * 5_000_000 + b"</p>")
                return self._send(200, "text/html", body, {"Content-Encoding": "gzip"})
            if mode == "png":
                return self._send(200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
            content_type, body = site.pages[self.path]
            if mode == "gzip" and "gzip" in self.headers.get("Accept-Encoding", ""):
                wire = gzip.compress(body)
                return self._send(200, content_type, wire, {"Content-Encoding": "gzip"})
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            return self._send(200, content_type, body, {"ETag": etag, "Last-Modified": LAST_MODIFIED})  # fmt: skip

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _send(self, status: int, content_type: str, body: bytes,
                  headers: dict[str, str] | None = None) -> None:  # fmt: skip
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            with suppress(OSError):  # the client may have given up (a size cap, a timeout)
                self.wfile.write(body)

    return Handler


@contextmanager
def council_site(tls: tuple[Path, Path] | None = None) -> Iterator[Site]:
    """A threaded server on an ephemeral loopback port; `site.base` is its URL. With `tls`
    (certificate, key) it speaks HTTPS."""
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls else "http"
    site.base = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
