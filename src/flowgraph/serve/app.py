"""`create_app(settings, ...)`: the endpoint, built around one published snapshot or an external store."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from flowgraph import __version__
from flowgraph.query.library import load_library
from flowgraph.serve import (
    changes,
    compliance,
    docs,
    entity_page,
    errors,
    explore,
    names,
    pages,
    sparql,
)
from flowgraph.serve.access_log import AccessLog
from flowgraph.serve.api import build_router
from flowgraph.serve.deps import Live, Runtime
from flowgraph.serve.executor import ProcessExecutor
from flowgraph.serve.headers import SecurityHeaders
from flowgraph.serve.http_cache import snapshot_id
from flowgraph.serve.page_cache import PageCache
from flowgraph.settings import Settings
from flowgraph.store import backend_choice
from flowgraph.store import snapshot as snapshots
from flowgraph.store.base import open_store

log = logging.getLogger("flowgraph.serve")


def open_runtime(settings: Settings, library: dict, snapshot: Path | None) -> Runtime:
    """Everything one snapshot is served with; the snapshot is held so no build prunes it."""
    hold = None
    if not settings.remote_store:
        hold = snapshots.hold(snapshot) if snapshot else snapshots.hold_current(settings.output_dir)
        snapshot = hold.snapshot
    executors: list[ProcessExecutor] = []
    try:
        # workers first: they load their copies while this process loads its own
        executor = ProcessExecutor(
            settings, snapshot, settings.query_workers, settings.query_timeout, settings.max_results
        )
        executors.append(executor)
        page_executor = ProcessExecutor(  # API queries, traces, maps, checks: a lane of their own
            settings,
            snapshot,
            settings.page_workers,
            settings.page_timeout,
            settings.max_results,
            queue_size=settings.page_threads,
            warm="flowgraph.serve.explore:warm",
        )
        executors.append(page_executor)
        started = time.monotonic()
        store = open_store(settings, snapshot)
        prefix = f"{settings.base_iri}graph/"
        graphs = [g for g in store.named_graphs() if g.startswith(prefix)]
        executor.wait_ready()  # page workers warm up meanwhile: a page waits for one, not the server
        log.info(
            "%s store opened by this process and the query workers in %.1f s",
            settings.store,
            time.monotonic() - started,
        )
    except BaseException:
        for opened in executors:
            opened.close()
        if hold is not None:
            hold.release()
        raise
    return Runtime(
        settings,
        executor,
        store,
        library,
        graphs,
        snapshot=snapshot,
        page_executor=page_executor,
        hold=hold,
        snapshot_id=snapshot_id(settings, snapshot),
        results=PageCache(max_entries=100_000, max_bytes=int(settings.result_cache_mb * 1e6)),
    )


def choose_store(settings: Settings, snapshot: Path | None) -> Settings:
    """`auto` made concrete for the snapshot served first (kept for the builds that follow),
    and the choice logged with its reason."""
    if settings.remote_store:
        return settings
    processes = 1 + settings.query_workers + settings.page_workers  # each opens its own store
    target = snapshot or snapshots.current(settings.output_dir)
    chosen, choice = backend_choice.resolve(settings, target, processes)
    log.info("store: %s (%s)", choice.backend, choice.reason)
    return chosen


def create_app(settings: Settings, snapshot: Path | None = None) -> FastAPI:
    """The endpoint over `snapshot` (default: the current build, followed as builds publish new
    ones) or the external store the settings name; nothing global is shared."""
    settings = choose_store(settings, snapshot)
    library = load_library(settings.queries_dir)
    waivers = []
    if settings.check_waivers is not None:  # read once, so a malformed file stops the start
        from flowgraph.report.waivers import load_waivers

        requirement_names = {q.name for q in library.values() if q.kind == "requirement"}
        waivers = load_waivers(settings.check_waivers, requirement_names)
    follow = snapshot is None and not settings.remote_store
    live = Live(settings, lambda target: open_runtime(settings, library, target or snapshot))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with anyio.create_task_group() as tasks:
            if follow:
                tasks.start_soon(live.watch)
            yield
            tasks.cancel_scope.cancel()
        live.close()

    app = FastAPI(
        title="flowgraph",
        version=__version__,
        description="Read-only SPARQL 1.1 endpoint and linked data over personal-data flows stated in UK council privacy notices.",
        lifespan=lifespan,
        docs_url=None,  # served by serve.docs from local assets
        redoc_url=None,
    )
    app.state.live = live
    app.state.check_waivers = waivers
    errors.install(app)
    docs.install(app)
    app.add_middleware(AccessLog)  # inside CORS, so even its 500s carry CORS headers
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
        allow_credentials=False,
    )
    app.add_middleware(SecurityHeaders)  # outside CORS: its answers get the headers too
    app.include_router(sparql.router)
    app.include_router(build_router(library))
    app.include_router(explore.router)
    app.include_router(compliance.router)
    app.include_router(changes.router)  # /changes, /api/changes, /changes.atom
    app.include_router(pages.router)
    app.include_router(entity_page.router)  # /notice/{file}: a notice's text, a span marked
    names.install(app)  # a name that matches nothing: 404 with suggestions
    return app
