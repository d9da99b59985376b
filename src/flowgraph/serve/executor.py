"""Run SPARQL in worker processes, so a slow query can be stopped for real.

Oxigraph evaluates a query in native code that Python cannot interrupt; a worker process that
overruns the time limit is killed and replaced, and the request gets a clear error. Each worker
opens the store the settings choose (the on-disk snapshot read-only, rdflib's memory store, or an
external endpoint) and evaluates through the store's own `evaluate`. Results are capped there.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import threading
from multiprocessing.connection import Connection
from pathlib import Path

from flowgraph.errors import QueryError
from flowgraph.serve.sandbox import forbid_network
from flowgraph.settings import Settings
from flowgraph.store.results import Outcome, QueryTimeout, ResultTooLarge, Term

__all__ = ["Outcome", "ProcessExecutor", "QueryTimeout", "ResultTooLarge", "Term"]


def _worker(settings: Settings, snapshot: str | None, conn: Connection) -> None:
    from flowgraph.store.base import open_store

    if not settings.store.startswith(("http://", "https://")):
        forbid_network()  # a local store needs no network: SERVICE can fetch nothing
    try:
        store = open_store(settings, Path(snapshot) if snapshot else None)
    except Exception as exc:  # noqa: BLE001 - reported to the request instead of hanging it
        conn.send(("failed", f"the query worker could not open the store: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        request = conn.recv()
        if request is None:
            store.close()
            return
        query, default_graphs, named_graphs, cap, native_json = request
        try:
            if native_json and hasattr(store, "select_json"):
                body = store.select_json(query, default_graphs, named_graphs, cap)
                conn.send(("ok", Outcome("json", body=body)))
            else:
                conn.send(("ok", store.evaluate(query, default_graphs, named_graphs, cap)))
        except ResultTooLarge as exc:
            conn.send(("too-large", str(exc)))
        except QueryError as exc:
            conn.send(("error", str(exc)))
        except Exception as exc:  # noqa: BLE001 - any evaluation error is reported to the client
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    OPEN_TIMEOUT = 900.0  # seconds; an rdflib memory store of many councils loads slowly

    def __init__(self, settings: Settings, snapshot: Path | None) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker, args=(settings, str(snapshot) if snapshot else None, child), daemon=True
        )
        self.process.start()
        self.ready = False

    def wait_ready(self) -> None:
        """Block until the worker has opened its store; the query time limit starts after."""
        if self.ready:
            return
        if not self.conn.poll(self.OPEN_TIMEOUT):
            raise QueryError("the query worker did not open the store in time")
        status, message = self.conn.recv()
        if status != "ready":
            raise QueryError(message)
        self.ready = True

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.process.join(timeout=5)


class ProcessExecutor:
    """A small pool of query worker processes over one store."""

    def __init__(
        self,
        settings: Settings,
        snapshot: Path | None,
        workers: int = 2,
        timeout: float = 10.0,
        max_results: int = 10_000,
    ) -> None:
        self.settings = settings
        self.snapshot = snapshot
        self.timeout = timeout
        self.max_results = max_results
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.lock = threading.Lock()
        for _ in range(workers):
            self.idle.put(_Worker(settings, snapshot))

    def _replace(self, worker: _Worker) -> _Worker:
        worker.stop(kill=True)
        return _Worker(self.settings, self.snapshot)

    def run(
        self,
        query: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        native_json: bool = False,
    ) -> Outcome:
        """Evaluate in a worker; with `native_json` (a SELECT whose client wants SPARQL JSON) a
        store that can serialize results itself returns them as bytes (Outcome kind "json")."""
        worker = self.idle.get()
        try:
            worker.wait_ready()
        except (QueryError, EOFError, OSError) as exc:
            self.idle.put(self._replace(worker))
            raise QueryError(str(exc)) from exc
        try:
            worker.conn.send((query, default_graphs, named_graphs, self.max_results, native_json))
            if not worker.conn.poll(self.timeout):
                worker = self._replace(worker)
                raise QueryTimeout(
                    f"the query ran for more than {self.timeout:g} s and was stopped"
                )
            status, payload = worker.conn.recv()
        except (EOFError, OSError) as exc:
            worker = self._replace(worker)
            raise QueryError(f"the query worker failed: {exc}") from exc
        finally:
            self.idle.put(worker)
        if status == "ok":
            return payload
        if status == "too-large":
            raise ResultTooLarge(payload)
        raise QueryError(payload)

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get().stop()
