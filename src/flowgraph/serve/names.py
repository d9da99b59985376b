"""Typed names on the endpoint: resolved once-per-snapshot index, and the answer to a miss.

A parameter that names an organisation, category, service area or notice (`/api/trace?from=`,
`/explore?controller=`, `/api/queries/NAME?controller=`, `/check?notice=`) takes what the
command line takes (query/names.py). A name that matches nothing is answered 404, an ambiguous
or blank one 400: as JSON `{"detail", "name", "suggestions"}` on the API, as a page with the
suggestions as links on the HTML pages.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from flowgraph.query.names import NameProblem, Names
from flowgraph.query.names_cache import names_for
from flowgraph.serve.deps import Runtime
from flowgraph.serve.errors import error_page, wants_html

HTML_PAGES = ("/explore", "/trace", "/check", "/compare", "/changes")


def names_of(runtime: Runtime) -> Names:
    """The graph's names, read once per snapshot (call it off the event loop)."""
    return runtime.once(
        "names", lambda: names_for(runtime.store, runtime.library, runtime.settings)
    )


NO_STORE = {"Cache-Control": "no-store"}  # an error is never cached


def resolve(runtime: Runtime, name: str | None, kind: str, what: str) -> str | None:
    """The IRI `name` names (None for no name, or the empty field of a form); a NameProblem
    otherwise."""
    if not name:
        return None
    return names_of(runtime).resolve(name, kind, what).iri


async def name_problem(request: Request, exc: Exception) -> Response:
    """The one error mapping's page or JSON (serve/errors.py), with the suggestions added: as
    links to the same page with the name corrected, or as a `suggestions` list."""
    assert isinstance(exc, NameProblem)
    if not (
        request.url.path in HTML_PAGES
        and wants_html(request.url.path, request.headers.get("accept"))
    ):
        return JSONResponse(exc.as_json(), status_code=exc.status, headers=NO_STORE)
    links = "".join(
        f"<li><a href='{escape(_replaced(request, exc.name, s), quote=True)}'>{escape(s)}</a></li>"
        for s in exc.suggestions
    )
    extra = f"<p>Did you mean:</p><ul class='suggestions'>{links}</ul>" if links else ""
    page = error_page(exc.status, str(exc), request.url.path, extra)
    return HTMLResponse(page, status_code=exc.status, headers=NO_STORE)


def _replaced(request: Request, name: str, suggestion: str) -> str:
    """The same page, with the parameter that held `name` set to `suggestion`."""
    params = [
        (key, suggestion if " ".join(value.split()) == name else value)
        for key, value in request.query_params.multi_items()
    ]
    return request.url.path + "?" + urlencode(params)


def install(app: FastAPI) -> None:
    app.add_exception_handler(NameProblem, name_problem)
