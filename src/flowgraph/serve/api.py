"""`/api/queries/{name}`: every library query as a JSON API route, documented in /docs."""

from __future__ import annotations

import inspect
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from flowgraph.query.library import LibraryQuery
from flowgraph.query.names import bind_query_names
from flowgraph.serve.deps import Runtime, get_runtime
from flowgraph.serve.limits import page_work
from flowgraph.serve.names import names_of
from flowgraph.serve.sparql import ProtocolError, run_in_worker
from flowgraph.store.results import plain_value
from flowgraph.store.sparql_text import bind_in_where

_INTEGER = re.compile(r"[0-9]{1,18}")


def _value(text: str) -> int | str:
    """A parameter as typed in a URL: ASCII digits (not '²', not 5,000 of them) are a number."""
    return int(text) if _INTEGER.fullmatch(text) else text


def _endpoint(query: LibraryQuery):
    async def handler(request: Request, runtime: Runtime, **params: Any) -> dict[str, Any]:
        bound = {k: _value(v) for k, v in params.items() if v is not None}
        if any(k in query.param_kinds and isinstance(v, str) for k, v in bound.items()):
            bound = await page_work(  # names (labels, aliases) to IRIs: NameProblem on a miss
                runtime.lanes, bind_query_names, query, bound, lambda: names_of(runtime)
            )
        try:
            text = bind_in_where(query.text, bound) if bound else query.text
        except ValueError as exc:
            raise HTTPException(400, f"parameter refused: {exc}") from exc
        executor = runtime.library_executor or runtime.executor
        try:
            outcome = await run_in_worker(request, runtime, executor, text)
        except ProtocolError as exc:
            raise HTTPException(exc.status, exc.message, headers=exc.headers) from exc
        names = outcome.variables or []
        rows = [
            {name: plain_value(term) for name, term in zip(names, row, strict=True)}
            for row in outcome.rows or []
        ]
        return {"query": query.name, "parameters": bound, "variables": names, "rows": rows}

    parameters = [
        inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        inspect.Parameter(
            "runtime",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[Runtime, Depends(get_runtime)],
        ),
    ] + [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[str | None, Query(description=description)],
        )
        for name, description in query.params.items()
    ]
    handler.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    handler.__name__ = "query_" + query.name.replace("-", "_")
    return handler


def build_router(library: dict[str, LibraryQuery]) -> APIRouter:
    router = APIRouter(prefix="/api/queries", tags=["query library"])

    @router.get("", summary="The query library: names, descriptions and parameters")
    async def listing() -> list[dict[str, Any]]:
        return [
            {
                "name": q.name,
                "title": q.title,
                "description": q.description,
                "parameters": q.params,
                "names": q.param_kinds,  # parameter -> what it names (takes a name or an IRI)
            }
            for q in library.values()
        ]

    for query in library.values():
        router.add_api_route(
            f"/{query.name}",
            _endpoint(query),
            methods=["GET"],
            summary=query.title,
            description=query.description,
        )
    return router
