"""`create_app(settings, ...)`: the endpoint, built around one published snapshot or an external store."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware

from flowgraph import __version__
from flowgraph.query.library import load_library
from flowgraph.serve import compliance, explore, pages, sparql
from flowgraph.serve.api import build_router
from flowgraph.serve.deps import Runtime
from flowgraph.serve.executor import ProcessExecutor
from flowgraph.serve.headers import SecurityHeaders
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.base import open_store

log = logging.getLogger("flowgraph.serve")


def create_app(settings: Settings, snapshot: Path | None = None) -> FastAPI:
    """The endpoint over `snapshot` (default: the current build) or the external store the
    settings name; nothing global is shared."""
    if not settings.remote_store:
        snapshot = snapshot or snapshots.current(settings.output_dir)
    library = load_library(settings.queries_dir)
    store = open_store(settings, snapshot)
    prefix = f"{settings.base_iri}graph/"
    graphs = [g for g in store.named_graphs() if g.startswith(prefix)]
    executor = ProcessExecutor(
        settings, snapshot, settings.query_workers, settings.query_timeout, settings.max_results
    )
    runtime = Runtime(settings, executor, store, library, graphs)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        executor.close()

    app = FastAPI(
        title="flowgraph",
        version=__version__,
        description="Read-only SPARQL 1.1 endpoint and linked data over personal-data flows stated in UK council privacy notices.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
        allow_credentials=False,
    )

    @app.middleware("http")
    async def access_log(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        log.info(
            "method=%s path=%s status=%d ms=%.1f",
            request.method, request.url.path, response.status_code, (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        return response

    app.add_middleware(SecurityHeaders)  # outside CORS: its answers get the headers too
    app.include_router(sparql.router)
    app.include_router(build_router(library))
    app.include_router(explore.router)
    app.include_router(compliance.router)
    app.include_router(pages.router)
    return app
