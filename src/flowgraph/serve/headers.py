"""Security headers on every response; a Content-Security-Policy on every HTML page.

Every response says `X-Content-Type-Options: nosniff` (a browser never runs a query result or a
Turtle file as script or HTML) and `Referrer-Policy: no-referrer` (links out of a page do not
carry its URL, which may hold a query). HTML pages get a Content-Security-Policy that lets them
load nothing from elsewhere and run only their own inline scripts: each inline `<script>` of the
page is allowed by its SHA-256 hash, so an injected `onerror=` attribute or `javascript:` URL
never runs (`'unsafe-inline'` is left to styles, which the flow map sets on its elements). The
API documentation pages (/docs, /redoc) load their viewer from this server (serve/docs.py) and
run its inline start-up script; they too load nothing from elsewhere (ReDoc's web worker is a
blob: URL).
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc\s*=)[^>]*>(.*?)</script", re.I | re.S)
_BASE_POLICY = (
    "default-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]


def page_policy(body: bytes) -> str:
    """The CSP of one HTML page: its own inline scripts, by hash, and nothing from elsewhere."""
    hashes = sorted(
        {
            "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
            for m in _SCRIPT.finditer(body)
        }
    )
    return f"{_BASE_POLICY}; script-src 'self' {' '.join(hashes)}; style-src 'self' 'unsafe-inline'"


class SecurityHeaders:
    """Pure ASGI middleware (HTML bodies are held until complete so their scripts can be hashed)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path", "").startswith(DOCS_PATHS)
        start: dict | None = None
        chunks: list[bytes] = []

        async def wrapped(message: dict) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS
                ] + ALWAYS
                content_type = next(
                    (v for k, v in headers if k.lower() == b"content-type"), b""
                ).lower()
                message = {**message, "headers": headers}
                if not content_type.startswith(b"text/html"):
                    await send(message)
                    return
                if docs:
                    headers.append((b"content-security-policy", DOCS_POLICY.encode()))
                    await send(message)
                    return
                start = message  # held until the body is complete
                return
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                start["headers"].append((b"content-security-policy", page_policy(body).encode()))
                await send(start)
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, wrapped)


_OURS = {b"x-content-type-options", b"referrer-policy", b"content-security-policy"}
