"""What request handlers share: settings, the query executors, the library and the page store.

A `Runtime` belongs to one snapshot. `Live` holds the current one and moves to a new snapshot
when a build publishes it: new requests get the new runtime, requests in flight finish on the
old one, which is closed (and its hold on the snapshot released) once the last of them ends.
Handlers reach the runtime through the `get_runtime` dependency, never as a module global.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import HTMLResponse

from flowgraph.query.library import LibraryQuery
from flowgraph.serve.executor import ProcessExecutor
from flowgraph.serve.limits import Lanes
from flowgraph.serve.page_cache import PageCache
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.base import GraphStore

SERVICE_TEMPLATE = Path(__file__).with_name("service.ttl")
log = logging.getLogger("flowgraph.serve")


@dataclass
class Runtime:
    settings: Settings
    executor: ProcessExecutor
    store: GraphStore
    library: dict[str, LibraryQuery]
    named_graphs: list[str]
    service_template: Path = SERVICE_TEMPLATE
    cache: dict[str, Any] = field(default_factory=dict)  # see `once`
    pages: PageCache = field(default_factory=PageCache)  # rendered linked-data pages
    snapshot: Path | None = None
    page_executor: ProcessExecutor | None = None  # API queries, traces, maps, checks
    hold: snapshots.Hold | None = None
    inflight: int = 0
    retired: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    lanes: Lanes | None = None  # the app's thread lanes (set by `Live`)
    snapshot_id: str | None = None  # names the data in ETags (serve.http_cache); None: no caching
    results: PageCache = field(default_factory=lambda: PageCache(max_bytes=0))  # SPARQL/API answers

    def query_page(self) -> HTMLResponse:
        from flowgraph.serve.query_page import query_page

        return HTMLResponse(self.once("query page", lambda: query_page(self).body))

    def once(self, name: str, compute: Callable[[], Any]) -> Any:
        """A value computed once per runtime (the network, the checks, page parts), in the
        calling thread; a caller that gives up waiting leaves the result for the next one."""
        if name in self.cache:
            return self.cache[name]
        with self.lock:
            if name not in self.cache:
                self.cache[name] = compute()
            return self.cache[name]

    def close(self) -> None:
        past = self.cache.get("past graphs")  # serve.past: workers over graphs of other dates
        if past is not None:
            past.close()
        self.executor.close()
        if self.page_executor is not None:
            self.page_executor.close()
        self.store.close()
        if self.hold is not None:
            self.hold.release()


class Live:
    """The runtime of the snapshot being served, swapped atomically when a build publishes."""

    def __init__(self, settings: Settings, open_runtime: Callable[[Path | None], Runtime]) -> None:
        self.settings = settings
        self.lanes = Lanes(settings)
        self.open_runtime = open_runtime
        self.current = self._open(None)
        self._retired: list[Runtime] = []

    def _open(self, snapshot: Path | None) -> Runtime:
        runtime = self.open_runtime(snapshot)
        runtime.lanes = self.lanes
        return runtime

    def acquire(self) -> Runtime:
        runtime = self.current
        runtime.inflight += 1
        return runtime

    def release(self, runtime: Runtime) -> None:
        runtime.inflight -= 1
        if runtime.retired and runtime.inflight == 0 and runtime in self._retired:
            self._retired.remove(runtime)
            _close_in_background(runtime)

    def published(self) -> Path | None:
        """The snapshot a build published last, if it is not the one being served."""
        if self.settings.remote_store:
            return None
        try:
            target = snapshots.current(self.settings.output_dir)
        except Exception:  # noqa: BLE001 - no build (yet): keep serving what we have
            return None
        return None if target == self.current.snapshot else target

    def swap(self, runtime: Runtime) -> None:
        old, self.current = self.current, runtime
        old.retired = True
        self._retired.append(old)
        log.info("serving snapshot %s (was %s)", runtime.snapshot, old.snapshot)
        if old.inflight == 0:
            self._retired.remove(old)
            _close_in_background(old)

    async def watch(self) -> None:
        """Poll `current`; open a newly published snapshot off the event loop, then swap."""
        while True:
            await anyio.sleep(self.settings.reload_interval)
            target = self.published()
            if target is None:
                continue
            try:
                runtime = await anyio.to_thread.run_sync(self._open, target)
            except Exception as exc:  # noqa: BLE001 - a broken new build must not stop serving
                log.error("could not open the new snapshot %s: %s", target, exc)
                await anyio.sleep(5 * self.settings.reload_interval)
                continue
            self.swap(runtime)

    def close(self) -> None:
        for runtime in [self.current, *self._retired]:
            runtime.close()
        self._retired.clear()


def _close_in_background(runtime: Runtime) -> None:
    """Stopping workers takes a moment: never on the event loop."""
    threading.Thread(target=runtime.close, name="close-runtime", daemon=True).start()


async def get_runtime(request: Request) -> AsyncIterator[Runtime]:
    """The current runtime, held for the whole request (async: no thread taken for it)."""
    live: Live = request.app.state.live
    runtime = live.acquire()
    try:
        yield runtime
    finally:
        live.release(runtime)
