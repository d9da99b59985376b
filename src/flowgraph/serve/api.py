"""`/api/queries/{name}`: every library query as a JSON API route, documented in /docs."""

from __future__ import annotations

import inspect
import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from flowgraph.errors import QueryError
from flowgraph.query.library import LibraryQuery, run
from flowgraph.query.names import bind_query_names
from flowgraph.serve.deps import Runtime, get_runtime
from flowgraph.serve.http_cache import cached
from flowgraph.serve.limits import page_work
from flowgraph.serve.names import names_of
from flowgraph.serve.work import call_in_worker

_INTEGER = re.compile(r"[0-9]{1,18}")


def _value(text: str) -> int | str:
    """A parameter as typed in a URL: ASCII digits (not '²', not 5,000 of them) are a number."""
    return int(text) if _INTEGER.fullmatch(text) else text


def library_json(runtime: Runtime, name: str, bound: dict[str, Any]) -> bytes:
    """A library query's rows as the API's JSON, run and encoded in a page worker."""
    try:
        names, rows = run(runtime.store, runtime.library[name], bound)
    except (QueryError, ValueError) as exc:
        raise HTTPException(400, str(exc)) from exc
    cap = runtime.settings.max_results
    if len(rows) > cap:
        raise HTTPException(
            422, f"the result has more than {cap} rows; narrow it with the query's parameters"
        )
    document = {"query": name, "parameters": bound, "variables": names, "rows": rows}
    return json.dumps(document, ensure_ascii=False, default=str).encode()


def _endpoint(query: LibraryQuery):
    async def handler(request: Request, runtime: Runtime, **params: Any) -> Response:
        bound = {k: _value(v) for k, v in params.items() if v is not None}

        async def produce() -> bytes:
            named = bound
            if any(k in query.param_kinds and isinstance(v, str) for k, v in bound.items()):
                named = await page_work(  # names (labels, aliases) to IRIs: NameProblem on a miss
                    runtime.lanes, bind_query_names, query, bound, lambda: names_of(runtime)
                )
            return await call_in_worker(
                request, runtime, f"{__name__}:library_json", query.name, named
            )

        key = ("api", query.name, sorted(bound.items()))
        return await cached(request, runtime, key, "application/json", produce)

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
