"""Errors as HTTP answers: the status from `flowgraph.errors.http_status` (the same tree the
command line maps to exit codes), the body an HTML page in the site's layout for a person's
browser on a page route, JSON (`{"detail": ...}`, FastAPI's shape) for everything else.

| error | status |
| --- | --- |
| `BadInput`, any other `FlowgraphError` | 400 |
| `NotFound` | 404 |
| `Unprocessable` (too many chains), a parameter FastAPI refuses | 422 |
| `StoreError` | 503 |
| anything else (a fault of ours; answered by `access_log.AccessLog`) | 500 |

A page route is one a person opens in a browser (`/`, `/trace`, `/explore`, `/id/...`, `/check`,
`/compare`, `/ontology`); its error is HTML only when the request's Accept names text/html, so a
script or `curl` still gets JSON. `/api/*` and `/sparql` always answer in their own formats.
"""

from __future__ import annotations

from html import escape
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from flowgraph.errors import FlowgraphError, http_status, one_line

PAGE_ROUTES = ("/trace", "/explore", "/id/", "/check", "/compare", "/ontology", "/changes")


def is_page_route(path: str) -> bool:
    return path == "/" or any(
        path == route.rstrip("/") or path.startswith(route.rstrip("/") + "/")
        for route in PAGE_ROUTES
    )


def wants_html(path: str, accept: str | None) -> bool:
    """A browser asking for a page: a page route and text/html named in Accept."""
    return is_page_route(path) and "text/html" in (accept or "").lower()


def error_page(status: int, message: str, path: str, extra: str = "") -> str:
    """The body of an HTML error page: the site's header, what went wrong, where to go next."""
    from flowgraph.serve.pages import layout

    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    hint = {
        404: "Check the name or IRI, or find it from the <a href='/check'>list of notices</a>.",
        422: "Narrow the request (fewer hops, a --to organisation, no categories) and try again.",
        500: "This is a fault of flowgraph's, not of the request: the server log has the details.",
        503: "The server is busy or its store is unavailable: try again shortly.",
    }.get(status, "Change the request and try again.")
    body = (
        f"<h1>{status} {escape(reason)}</h1><p id='error-message'>{escape(message)}</p>{extra}"
        f"<p class='muted'>{hint}</p><p class='muted'>Request: {escape(path)}</p>"
    )
    return layout(f"{status} {reason} — flowgraph", body).body.decode()


def error_response(
    request: Request, status: int, detail: Any, headers: dict[str, str] | None = None
) -> Response:
    headers = {"Cache-Control": "no-store", **(headers or {})}  # errors are never cached
    if wants_html(request.url.path, request.headers.get("accept")):
        message = detail if isinstance(detail, str) else _validation_text(detail)
        return Response(
            error_page(status, message, request.url.path),
            status_code=status,
            media_type="text/html; charset=utf-8",
            headers=headers,
        )
    return JSONResponse({"detail": jsonable_encoder(detail)}, status_code=status, headers=headers)


def _validation_text(errors: Any) -> str:
    """FastAPI's list of refused parameters as one sentence a person reads."""
    try:
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p != 'query')}: {e['msg']}" for e in errors
        )
    except (TypeError, KeyError):
        return str(errors)


async def _flowgraph_error(request: Request, exc: Exception) -> Response:
    return error_response(request, http_status(exc), one_line(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return error_response(request, exc.status_code, exc.detail, exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(request, 422, exc.errors())


def install(app: FastAPI) -> None:
    """Route every error a handler raises through `error_response` (a 500 is AccessLog's)."""
    app.add_exception_handler(FlowgraphError, _flowgraph_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


def internal_error(
    method: str, path: str, accept: str | None, exc: BaseException
) -> tuple[bytes, bytes]:
    """The content type and body of a 500 (AccessLog's answer to an exception nothing mapped)."""
    message = (
        f"internal error while answering {method} {path}: {type(exc).__name__}; "
        "the server log has the details"
    )
    if wants_html(path, accept):
        return b"text/html; charset=utf-8", error_page(500, message, path).encode()
    return b"text/plain; charset=utf-8", (message + "\n").encode()
