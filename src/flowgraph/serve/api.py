"""`/api/queries/{name}`: every library query as a JSON API route, documented in /docs."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query

from flowgraph.errors import QueryError
from flowgraph.query.library import LibraryQuery, run
from flowgraph.serve.deps import Runtime, get_runtime


def _endpoint(query: LibraryQuery):
    async def handler(runtime: Runtime, **params: Any) -> dict[str, Any]:
        bound = {
            k: (int(v) if isinstance(v, str) and v.isdigit() else v)
            for k, v in params.items()
            if v is not None
        }
        try:
            names, rows = await anyio.to_thread.run_sync(lambda: run(runtime.store, query, bound))
        except QueryError as exc:
            raise HTTPException(400, str(exc)) from exc
        return {"query": query.name, "parameters": bound, "variables": names, "rows": rows}

    parameters = [
        inspect.Parameter(
            "runtime",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[Runtime, Depends(get_runtime)],
        )
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
            {"name": q.name, "title": q.title, "description": q.description, "parameters": q.params}
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
