"""Run SPARQL in worker processes, so a slow query can be stopped for real.

Oxigraph evaluates a query in native code that Python cannot interrupt; a worker process that
overruns the time limit (or whose client went away) is killed and replaced, and the request gets
a clear error. Each worker opens the store the settings choose (the on-disk snapshot read-only,
rdflib's memory store, or an external endpoint) and evaluates through the store's own
`evaluate`. Results are capped there, in rows and in bytes.

Admission is bounded: at most `workers + queue_size` requests are admitted at once (the rest are
refused at once with `Overloaded`, a 503 with Retry-After), and the time limit counts from the
request's arrival, so time spent waiting for a free worker is part of it.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing as mp
import os
import pickle
import queue
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from fastapi import HTTPException

from flowgraph.errors import FlowgraphError, QueryError
from flowgraph.lifeline import die_with_parent
from flowgraph.serve.sandbox import forbid_network
from flowgraph.settings import Settings
from flowgraph.store.results import Outcome, QueryTimeout, ResultTooLarge, Term

__all__ = [
    "Cancelled",
    "Outcome",
    "Overloaded",
    "ProcessExecutor",
    "QueryTimeout",
    "ResultTooLarge",
    "Term",
    "WorkerContext",
    "WorkerCrashed",
]

SLICE = 0.05  # seconds between checks of the deadline and of the client still being there


class Overloaded(QueryError):
    """Every worker is busy and the queue is full: try again later."""

    def __init__(self, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class Cancelled(QueryError):
    """The client went away; the query was stopped."""


class WorkerCrashed(QueryError):
    """The worker process died while evaluating (a fault of ours, not of the query's text)."""


def outcome_bytes(outcome: Outcome) -> int:
    """About how many bytes the outcome takes once serialized: every term's text counted."""
    if outcome.body is not None:
        return len(outcome.body)
    total = 0
    for row in outcome.rows or ():
        for term in row:
            if term is not None:
                total += len(term[1]) + len(term[2] or "") + 16
    for triple in outcome.triples or ():
        for term in triple:
            total += len(term[1]) + len(term[2] or "") + 16
    return total


class WorkerContext:
    """What work sent to a worker by name (`ProcessExecutor.call`) is given: the same
    attributes a handler's runtime has (settings, store, library, `once`)."""

    def __init__(self, settings: Settings, store: Any, snapshot: Path | None = None) -> None:
        from flowgraph.query.library import load_library

        self.settings = settings
        self.store = store
        self.snapshot = snapshot  # the snapshot the store was opened on (None: an external store)
        self.library = load_library(settings.queries_dir)
        self.cache: dict[str, Any] = {}
        self.deadline: float | None = None  # of the call being answered (time.monotonic())

    def once(self, name: str, compute: Callable[[], Any]) -> Any:
        if name not in self.cache:
            self.cache[name] = compute()
        return self.cache[name]


def _call(context: WorkerContext, target: str, args: tuple) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)(context, *args)


def _answer(
    conn: Connection,
    settings: Settings,
    store: Any,
    context: list[WorkerContext],
    request: tuple,
    snapshot: Path | None = None,
) -> None:
    """Answer one request; the context (library, cached projections) is made on first use."""
    kind, *rest = request
    if kind == "call":
        target, args, max_bytes, seconds_left = rest
        if not context:
            context.append(WorkerContext(settings, store, snapshot))
        # a little before the parent would kill us: work that checks it ends cleanly instead
        context[0].deadline = time.monotonic() + max(0.1, seconds_left * 0.9 - 0.2)
        try:
            value = _call(context[0], target, args)
        except HTTPException as exc:
            conn.send(("http", (exc.status_code, str(exc.detail), dict(exc.headers or {}))))
            return
        except FlowgraphError as exc:  # e.g. a name that names nothing: raised again as it is
            try:
                pickle.loads(pickle.dumps(exc))
            except Exception:  # noqa: BLE001 - an error that cannot cross: its message does
                conn.send(("error", str(exc)))
            else:
                conn.send(("raise", exc))
            return
        size = len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        if size > max_bytes:
            conn.send(("too-large", f"the answer is over the {max_bytes:,}-byte limit; narrow it"))
        else:
            conn.send(("ok", value))
        return
    query, default_graphs, named_graphs, cap, native, max_bytes = rest
    if native is not None and hasattr(store, "serialize_results"):
        outcome = store.serialize_results(
            query, default_graphs, named_graphs, cap, native, max_bytes
        )
    else:
        outcome = store.evaluate(query, default_graphs, named_graphs, cap)
    if outcome_bytes(outcome) > max_bytes:
        conn.send(
            (
                "too-large",
                f"the result is over the {max_bytes:,}-byte limit; add a LIMIT or narrow the query",
            )
        )
    else:
        conn.send(("ok", outcome))


def _worker(
    settings: Settings,
    snapshot: str | None,
    conn: Connection,
    warm: str | None = None,
    parent: int | None = None,
) -> None:
    from flowgraph.store.base import open_store

    if parent is not None:  # a server killed with kill -9 leaves no worker behind
        die_with_parent(parent, signal_from_kernel=False)  # started from passing threads

    if not settings.store.startswith(("http://", "https://")):
        forbid_network()  # a local store needs no network: SERVICE can fetch nothing
    try:
        store = open_store(settings, Path(snapshot) if snapshot else None)
    except Exception as exc:  # noqa: BLE001 - reported to the request instead of hanging it
        conn.send(("failed", f"the query worker could not open the store: {exc}"))
        return
    context: list[WorkerContext] = []
    if warm:  # e.g. project the flow network now, not in the first request's time
        try:
            context.append(WorkerContext(settings, store, _snapshot(settings, snapshot)))
            _call(context[0], warm, ())
        except Exception as exc:  # noqa: BLE001 - the first request will meet it again
            print(f"flowgraph: warning: worker warm-up {warm} failed: {exc}", file=sys.stderr)
    conn.send(("ready", None))
    while True:
        request = conn.recv()
        if request is None:
            store.close()
            return
        try:
            _answer(conn, settings, store, context, request, _snapshot(settings, snapshot))
        except ResultTooLarge as exc:
            conn.send(("too-large", str(exc)))
        except QueryError as exc:
            conn.send(("error", str(exc)))
        except Exception as exc:  # noqa: BLE001 - any evaluation error is reported to the client
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def _snapshot(settings: Settings, snapshot: str | None) -> Path | None:
    """The snapshot a worker's store reads (None: an external store, or `current` unresolved)."""
    return Path(snapshot) if snapshot and not settings.remote_store else None


class _Worker:
    def __init__(self, settings: Settings, snapshot: Path | None, warm: str | None = None) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker,
            args=(settings, str(snapshot) if snapshot else None, child, warm, os.getpid()),
            daemon=True,
        )
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, deadline: float, cancelled: threading.Event | None) -> None:
        """Wait until the worker has opened its store, within the request's own deadline."""
        while not self.ready:
            if self.conn.poll(SLICE):
                status, message = self.conn.recv()
                if status != "ready":
                    raise QueryError(message)
                self.ready = True
                return
            _check(deadline, cancelled, "while a query worker was starting")

    def stop(self, kill: bool = False) -> None:
        if not kill and not self.ready and not self.conn.poll(0):
            kill = True  # still starting or warming up (not awaited): it has nothing to finish
        if kill:
            self.process.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()


def _check(deadline: float, cancelled: threading.Event | None, doing: str) -> None:
    if cancelled is not None and cancelled.is_set():
        raise Cancelled("the client went away; the query was stopped")
    if time.monotonic() >= deadline:
        raise QueryTimeout(f"the time limit ran out {doing}; try again later or narrow the query")


class ProcessExecutor:
    """A small pool of query worker processes over one store."""

    def __init__(
        self,
        settings: Settings,
        snapshot: Path | None,
        workers: int = 2,
        timeout: float = 10.0,
        max_results: int = 10_000,
        queue_size: int | None = None,
        max_bytes: int | None = None,
        warm: str | None = None,
    ) -> None:
        self.settings = settings
        self.snapshot = snapshot
        self.timeout = timeout
        self.max_results = max_results
        self.workers = workers
        self.queue_size = settings.queue_size if queue_size is None else queue_size
        self.max_bytes = settings.max_response_bytes if max_bytes is None else max_bytes
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.lock = threading.Lock()
        self.admitted = 0
        self.closed = False
        self.warm = warm
        for _ in range(workers):
            self.idle.put(_Worker(settings, snapshot, warm))

    def wait_ready(self, timeout: float = 900.0) -> None:
        """Block until every worker has opened its store (before serving: a query's time limit
        should not pay for starting the workers)."""
        workers = [self.idle.get() for _ in range(self.workers)]
        try:
            deadline = time.monotonic() + timeout
            for worker in workers:
                worker.wait_ready(deadline, None)
        finally:
            for worker in workers:
                self.idle.put(worker)

    @property
    def capacity(self) -> int:
        return self.workers + self.queue_size

    def admit(self) -> None:
        """Count a request in, or refuse it at once when workers and queue are all taken."""
        with self.lock:
            if self.admitted >= self.capacity:
                raise Overloaded(
                    f"the server is busy ({self.workers} queries running, {self.queue_size} waiting); try again shortly",
                    retry_after=max(1, round(self.timeout)),
                )
            self.admitted += 1

    def leave(self) -> None:
        with self.lock:
            self.admitted -= 1

    def _replace(self, worker: _Worker) -> _Worker:
        worker.stop(kill=True)
        return _Worker(self.settings, self.snapshot, self.warm)

    def _take(self, deadline: float, cancelled: threading.Event | None) -> _Worker:
        while True:
            try:
                return self.idle.get(timeout=SLICE)
            except queue.Empty:
                _check(deadline, cancelled, "waiting for a free query worker")

    def run(
        self,
        query: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        native: tuple[str, str] | None = None,
        *,
        arrived: float | None = None,
        cancelled: threading.Event | None = None,
        admitted: bool = False,
    ) -> Outcome:
        """Evaluate in a worker within `timeout` seconds of `arrived` (a monotonic time; default
        now). With `native` (the syntax the client wants: ("results", "json"|"xml"|"csv"|"tsv") or
        ("graph", an RDF media type)) a store that can serialize results itself returns them as
        bytes (Outcome kind "body"). A caller that has
        not called `admit` itself is admitted here."""
        if not admitted:
            self.admit()
        try:
            deadline = (time.monotonic() if arrived is None else arrived) + self.timeout
            request = (
                "query",
                query,
                default_graphs,
                named_graphs,
                self.max_results,
                native,
                self.max_bytes,
            )
            return self._run(request, deadline, cancelled)
        finally:
            if not admitted:
                self.leave()

    def call(
        self,
        target: str,
        *args: Any,
        arrived: float | None = None,
        cancelled: threading.Event | None = None,
        admitted: bool = False,
    ) -> Any:
        """`module:function(context, *args)` in a worker, under the same limits as a query;
        the function gets a `WorkerContext` and its answer must pickle. An HTTPException it
        raises is raised here again."""
        if not admitted:
            self.admit()
        try:
            deadline = (time.monotonic() if arrived is None else arrived) + self.timeout
            request = ("call", target, args, self.max_bytes, deadline - time.monotonic())
            return self._run(request, deadline, cancelled)
        finally:
            if not admitted:
                self.leave()

    def _run(self, request: tuple, deadline: float, cancelled: threading.Event | None) -> Any:
        worker = self._take(deadline, cancelled)
        try:
            worker.wait_ready(deadline, cancelled)
        except (QueryTimeout, Cancelled):
            self.idle.put(worker)  # still starting: the next request may find it ready
            raise
        except (QueryError, EOFError, OSError) as exc:
            self.idle.put(self._replace(worker))
            raise QueryError(str(exc) or "the query worker could not start") from exc
        try:
            worker.conn.send(request)
            while not worker.conn.poll(SLICE):
                try:
                    _check(deadline, cancelled, "and the query was stopped")
                except QueryError:
                    worker = self._replace(worker)
                    raise
            status, payload = worker.conn.recv()
        except (EOFError, OSError) as exc:
            code = worker.process.exitcode
            worker = self._replace(worker)
            raise WorkerCrashed(
                f"the query worker stopped unexpectedly (exit code {code}) while evaluating this query; "
                f"it has been restarted ({type(exc).__name__})"
            ) from exc
        finally:
            if not self.closed:
                self.idle.put(worker)
            else:
                worker.stop(kill=True)
        if status == "ok":
            return payload
        if status == "too-large":
            raise ResultTooLarge(payload)
        if status == "raise":
            raise payload
        if status == "http":
            code, detail, headers = payload
            raise HTTPException(code, detail, headers=headers or None)
        raise QueryError(payload)

    def close(self) -> None:
        self.closed = True
        while not self.idle.empty():
            self.idle.get().stop()
