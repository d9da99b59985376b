"""Run SPARQL in worker processes, so a slow query can be stopped for real.

Oxigraph evaluates a query in native code that Python cannot interrupt; a worker process that
overruns the time limit is killed and replaced, and the request gets a clear error. Each
worker opens the same on-disk snapshot read-only. Results are capped in the worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from flowgraph.errors import QueryError

Term = tuple[str, str, str | None, str | None]  # (kind, value, datatype, language)


class QueryTimeout(QueryError):
    """The query ran past the time limit and was stopped."""


class ResultTooLarge(QueryError):
    """The result has more rows or triples than the cap allows."""


@dataclass(frozen=True)
class Outcome:
    kind: str  # select | ask | graph
    variables: list[str] | None = None
    rows: list[list[Term | None]] | None = None
    boolean: bool | None = None
    triples: list[tuple[Term, Term, Term]] | None = None


def _term(term: Any) -> Term | None:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value, None, None)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value, None, None)
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.datatype.value, term.language)
    return ("literal", str(term), None, None)  # quoted triples are shown as text


def _worker(snapshot: str, conn: Connection) -> None:
    import pyoxigraph as ox

    store = ox.Store.read_only(snapshot)
    while True:
        request = conn.recv()
        if request is None:
            return
        query, default_graphs, named_graphs, cap = request
        try:
            kwargs: dict[str, Any] = {}
            if default_graphs is None and named_graphs is None:
                kwargs["use_default_graph_as_union"] = True
            else:
                kwargs["default_graph"] = [
                    ox.NamedNode(g) for g in default_graphs or []
                ] or ox.DefaultGraph()
                if named_graphs is not None:
                    kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
            result = store.query(query, **kwargs)
            if isinstance(result, ox.QueryBoolean):
                conn.send(("ok", Outcome("ask", boolean=bool(result))))
            elif isinstance(result, ox.QuerySolutions):
                variables = [v.value for v in result.variables]
                rows = []
                for solution in result:
                    if len(rows) >= cap:
                        raise ResultTooLarge(
                            f"the result has more than {cap} rows; add a LIMIT or narrow the query"
                        )
                    rows.append([_term(solution[v]) for v in variables])
                conn.send(("ok", Outcome("select", variables=variables, rows=rows)))
            else:
                triples = []
                for triple in result:
                    if len(triples) >= cap:
                        raise ResultTooLarge(
                            f"the result has more than {cap} triples; add a LIMIT or narrow the query"
                        )
                    triples.append(
                        (_term(triple.subject), _term(triple.predicate), _term(triple.object))
                    )
                conn.send(("ok", Outcome("graph", triples=triples)))
        except ResultTooLarge as exc:
            conn.send(("too-large", str(exc)))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except Exception as exc:  # noqa: BLE001 - any evaluation error is reported to the client
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, snapshot: Path) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(str(snapshot), child), daemon=True)
        self.process.start()

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.process.join(timeout=5)


class ProcessExecutor:
    """A small pool of query worker processes over one Oxigraph snapshot."""

    def __init__(
        self, snapshot: Path, workers: int = 2, timeout: float = 10.0, max_results: int = 10_000
    ) -> None:
        self.snapshot = snapshot
        self.timeout = timeout
        self.max_results = max_results
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.lock = threading.Lock()
        for _ in range(workers):
            self.idle.put(_Worker(snapshot))

    def run(
        self,
        query: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Outcome:
        worker = self.idle.get()
        try:
            worker.conn.send((query, default_graphs, named_graphs, self.max_results))
            if not worker.conn.poll(self.timeout):
                worker.stop(kill=True)
                worker = _Worker(self.snapshot)
                raise QueryTimeout(
                    f"the query ran for more than {self.timeout:g} s and was stopped"
                )
            status, payload = worker.conn.recv()
        except (EOFError, OSError) as exc:
            worker.stop(kill=True)
            worker = _Worker(self.snapshot)
            raise QueryError(f"the query worker failed: {exc}") from exc
        finally:
            self.idle.put(worker)
        if status == "ok":
            return payload
        if status == "too-large":
            raise ResultTooLarge(payload)
        raise QueryError(f"malformed query: {payload}" if status == "syntax" else payload)

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get().stop()
