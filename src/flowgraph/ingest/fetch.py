"""A small, polite HTTP client for privacy notices: one request at a time, a delay between
requests to the same host, robots.txt honoured, every redirect hop checked by the address
guard, a deadline per request and a size cap read as the body streams in.

Built on http.client rather than a client library because each hop must connect to the very
address the guard checked (see address_guard), and redirects are followed here for the same
reason.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from flowgraph.errors import FlowgraphError
from flowgraph.ingest import address_guard

PROJECT_URL = "https://w3id.org/flowgraph/"
MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 500_000  # what the big crawlers read of a robots.txt
REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(FlowgraphError):
    """A URL could not be fetched; the message names it and what happened."""


def user_agent() -> str:
    from flowgraph import __version__

    return f"flowgraph/{__version__} (privacy-notice watcher; +{PROJECT_URL})"


@dataclass(frozen=True)
class Response:
    url: str  # the final URL, after redirects
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes
    chain: tuple[str, ...] = ()  # every URL asked for, the first one first

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


@dataclass
class Client:
    """Fetches one URL at a time; keeps the robots.txt of each site and when it last asked it."""

    timeout: float = 30.0  # seconds for one request, connecting to the last byte
    max_bytes: int = 5_000_000
    delay: float = 1.0  # seconds between two requests to the same host
    allow_private: bool = False
    agent: str = field(default_factory=user_agent)
    sleep: Callable[[float], None] = time.sleep
    _last: dict[str, float] = field(default_factory=dict)
    _robots: dict[str, RobotFileParser] = field(default_factory=dict)

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET `url` (see `follow`); raises FetchError for anything but a 2xx or 304 answer."""
        response = self.follow(url, headers)
        if response.status == 304 or 200 <= response.status < 300:
            return response
        reason = http.client.responses.get(response.status, "")
        final = response.url
        where = f"{url} (redirected to {final})" if final != url else url
        raise FetchError(f"{where}: HTTP {response.status} {reason}".rstrip())

    def follow(
        self, url: str, headers: dict[str, str] | None = None, limit: int | None = None
    ) -> Response:
        """GET `url`, following up to MAX_REDIRECTS redirects, each hop checked by the address
        guard; the last answer whatever its status. A loop or one redirect too many is an error
        naming the chain."""
        chain = [url]
        current = url
        while True:
            try:
                response = self._request(current, headers or {}, limit or self.max_bytes)
            except FlowgraphError as exc:
                if current == url:
                    raise
                raise FetchError(f"{url}: redirected to {exc}") from None
            if response.status not in REDIRECTS:
                break
            location = response.headers.get("location", "").strip()
            if not location:
                raise FetchError(f"{current}: HTTP {response.status} redirect without a Location")
            following = _without_fragment(urljoin(current, location))
            if following in chain:
                raise FetchError(f"{url}: redirect loop: {' -> '.join([*chain, following])}")
            chain.append(following)
            if len(chain) > MAX_REDIRECTS + 1:
                raise FetchError(
                    f"{url}: more than {MAX_REDIRECTS} redirects: {' -> '.join(chain)}"
                )
            current = following
        return Response(current, response.status, response.headers, response.body, tuple(chain))

    def allowed(self, url: str) -> bool:
        """Whether the site's robots.txt lets flowgraph fetch `url` (read once per site: a
        missing robots.txt allows everything, a 401/403 nothing, a 5xx or failure is an error)."""
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}".lower()
        robots = self._robots.get(site)
        if robots is None:
            robots = RobotFileParser(site + "/robots.txt")
            try:
                answer = self.follow(site + "/robots.txt", limit=ROBOTS_MAX_BYTES)
            except FetchError as exc:
                raise FetchError(f"{url}: could not read {site}/robots.txt ({exc})") from None
            if 200 <= answer.status < 300:
                robots.parse(answer.body.decode("utf-8", errors="replace").splitlines())
            elif answer.status in (401, 403):
                robots.disallow_all = True
            elif 400 <= answer.status < 500:
                robots.allow_all = True
            else:
                raise FetchError(f"{url}: could not read {site}/robots.txt (HTTP {answer.status})")
            self._robots[site] = robots
        return robots.can_fetch("flowgraph", url)

    # ------------------------------------------------------------------ one hop
    def _request(self, url: str, headers: dict[str, str], limit: int) -> Response:
        host, port, address = address_guard.target(url, allow_private=self.allow_private)
        parts = urlsplit(url)
        self._wait_turn(host)
        deadline = time.monotonic() + self.timeout
        path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        if parts.scheme.lower() == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        # connect to the address the guard checked, not to a fresh lookup of the name
        conn._create_connection = lambda _addr, timeout, source=None: socket.create_connection(  # type: ignore[attr-defined]
            (address, port), timeout, source
        )
        try:
            conn.request("GET", path, headers={
                "User-Agent": self.agent,
                "Accept": "text/html,application/xhtml+xml,application/pdf,application/"
                "vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain,"
                "text/markdown;q=0.9,*/*;q=0.1",
                "Accept-Encoding": "gzip, identity",
                **headers,
            })  # fmt: skip
            answer = conn.getresponse()
            got = {k.lower(): v for k, v in answer.getheaders()}
            body = b""
            if answer.status not in REDIRECTS and answer.status != 304:
                body = self._read(url, answer, got, limit, deadline)
            return Response(url, answer.status, got, body, (url,))
        except TimeoutError:
            raise FetchError(f"{url}: no answer within {self.timeout:g} s (timed out)") from None
        except ssl.SSLError as exc:
            raise FetchError(f"{url}: TLS failed ({exc.reason or exc})") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc or 'connection failed'}") from None  # fmt: skip
        finally:
            conn.close()
            self._last[host] = time.monotonic()

    def _read(self, url: str, answer: http.client.HTTPResponse, headers: dict[str, str],
              limit: int, deadline: float) -> bytes:  # fmt: skip
        """The body, read in chunks: stops past `limit` bytes (decoded) or the deadline."""
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"{url}: body of {int(declared):,} bytes is over the limit of {limit:,} bytes (--max-bytes); not kept")  # fmt: skip
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip", "x-gzip", ""):
            raise FetchError(f"{url}: unsupported Content-Encoding {encoding}")
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if "gzip" in encoding else None
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError
            chunk = answer.read1(65536)
            if not chunk:
                if inflate is not None:
                    chunks.append(inflate.flush())
                break
            if inflate is not None:
                chunk = inflate.decompress(chunk, limit + 1 - size)
            size += len(chunk)
            if size > limit:
                raise FetchError(f"{url}: body is over the limit of {limit:,} bytes (--max-bytes); stopped reading")  # fmt: skip
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait_turn(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None and self.delay > 0:
            wait = last + self.delay - time.monotonic()
            if wait > 0:
                self.sleep(wait)


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
