"""Running the endpoint under uvicorn with limits on what a client can hold open.

Uvicorn times out only idle keep-alive connections: a client that connects and sends nothing,
or half a request line, or headers without their end, or a body shorter than its Content-Length,
holds its connection (and a file descriptor) forever. `ReadTimeoutProtocol` gives every request
`request_read_timeout` seconds, counted from the connection (or from the first byte of a later
request on it), to arrive whole: then the connection is closed, with a 408 if part of a request
had come. Uvicorn's own limits are set beside it: the keep-alive timeout, the largest request
head h11 will buffer, and a cap on open connections (`limit_concurrency`, 503 past it).
"""

from __future__ import annotations

from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from flowgraph.settings import Settings

_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 46\r\n\r\n"
    b"the request did not arrive in time: send again\n"
)


class ReadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for reading each request in full."""

    read_timeout = 10.0  # set per server by `protocol_class`

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._read_deadline: Any = None
        self._got_bytes = False
        self._arm()

    def data_received(self, data: bytes) -> None:
        self._got_bytes = True
        super().data_received(data)
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY):
            self._arm()  # a request has started and is not all here: the clock runs (once)
        else:
            self._disarm()

    def on_response_complete(self) -> None:
        self._got_bytes = False
        super().on_response_complete()  # arms uvicorn's keep-alive timeout for the idle wait
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and self._got_bytes:
            self._arm()  # a pipelined request was already partly read

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._read_deadline is None:
            self._read_deadline = self.loop.call_later(self.read_timeout, self._expired)

    def _disarm(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _expired(self) -> None:
        self._read_deadline = None
        if self.transport.is_closing():
            return
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY):
            partial = self._got_bytes or self.conn.their_state is h11.SEND_BODY
            if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE) and partial:
                self.transport.write(_REQUEST_TIMEOUT)
            self.transport.close()


def protocol_class(settings: Settings) -> type[ReadTimeoutProtocol]:
    return type(
        "ReadTimeoutProtocol",
        (ReadTimeoutProtocol,),
        {"read_timeout": settings.request_read_timeout},
    )


def server_config(app: Any, settings: Settings, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        http=protocol_class(settings),
        timeout_keep_alive=settings.keep_alive_timeout,
        limit_concurrency=settings.max_connections,
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )


def run(app: Any, settings: Settings, host: str, port: int) -> None:
    uvicorn.Server(server_config(app, settings, host, port)).run()
