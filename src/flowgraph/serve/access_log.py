"""One log line per request, and a clear 500 for a fault of ours, as plain ASGI middleware.

An exception is answered here, not re-raised: re-raised, the server drops the keep-alive
connection after the 500 (and the client sees a connection error on its next request).

Not Starlette's `BaseHTTPMiddleware`: that wraps the request's `receive`, and a handler behind it
never sees the client go away, so an abandoned query would run to its time limit.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flowgraph.serve.errors import internal_error

log = logging.getLogger("flowgraph.serve")


class AccessLog:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [0]

        async def send_and_note(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception as exc:
            log.exception("internal error on %s %s", scope["method"], scope["path"])
            if status[0]:
                raise  # half sent: nothing clean can follow
            status[0] = 500
            accept = next(
                (v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"accept"), None
            )
            content_type, body = internal_error(scope["method"], scope["path"], accept, exc)
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", content_type),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
        finally:
            log.info(
                "method=%s path=%s status=%d ms=%.1f",
                scope["method"], scope["path"], status[0], (time.perf_counter() - started) * 1000,
            )  # fmt: skip
