"""The endpoint against its physical floor, a warm request, and the CLI's own start-up (issue 17).

*Physical reference*: what pyoxigraph alone takes to run a query and serialize its results to
SPARQL JSON in Rust (`QuerySolutions.serialize`), in one process, on the same store the server
answers from: the build's on-disk store opened read-only for `serve --store oxigraph`, the
build's N-Quads bulk-loaded into an in-memory pyoxigraph store for `oxigraph-memory`. The
endpoint's latency at concurrency 1 (sequential POSTs to `/sparql` over 127.0.0.1) is set beside
it, query by query, interleaved with it so that a burst of load on the shared machine hits both.

Each of those requests must be *cold*: a result cache in the server would otherwise answer the
repeats from memory. Every request therefore starts with a comment line of its own
(`# bench-cold <run> <n>`), harmless to the query and to its answer, which makes the request's
text, and any cache key made from it, unique; the reference runs the text without the comment.
The first request of each query is kept apart as well (`first_s`): it is cold whatever the
server caches.

*Warm request*: one identical GET repeated; when the server answers with an `ETag`, the repeats
send `If-None-Match` and count a 304 as the answer (a conditional hit); otherwise each repeat is
a full 200 (served from the server's cache, if it has one).
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from flowgraph.store.oxigraph import DIRECTORY, concatenated

JSON_RESULTS = {"Accept": "application/sparql-results+json"}
MEMORY_WORDS = re.compile(r"oxigraph-memory|in memory|in RAM", re.IGNORECASE)


def served_backend(log_text: str, requested: str | None) -> str:
    """Which Oxigraph backend a `serve` answers from: the one asked for, else what its start-up
    log says (an `auto` default names its choice), else the settings' default."""
    if requested in ("oxigraph", "oxigraph-memory"):
        return requested
    if MEMORY_WORDS.search(log_text):
        return "oxigraph-memory"
    if requested is None:
        from flowgraph.settings import Settings

        default = Settings.model_fields["store"].default
        if default in ("oxigraph", "oxigraph-memory"):
            return default
    return "oxigraph"


def reference_store(snapshot: Path, files: list[Path], backend: str) -> ox.Store:
    """The store the server answers from, opened in this process."""
    if backend == "oxigraph-memory":
        store = ox.Store()
        store.bulk_load(concatenated(files), format=ox.RdfFormat.N_QUADS)
        return store
    return ox.Store.read_only(str(snapshot / DIRECTORY))


def run_and_serialize(store: ox.Store, text: str) -> bytes:
    """The physical reference of one query: run it and serialize its results in Rust."""
    result = store.query(text, use_default_graph_as_union=True)
    return result.serialize(format=ox.QueryResultsFormat.JSON)


class ColdRequests:
    """Sequential SPARQL POSTs, each made unique by a leading comment (see the module doc)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.run = uuid.uuid4().hex[:12]
        self.sent = 0
        self.failures: list[str] = []

    def __call__(self, text: str) -> int:
        self.sent += 1
        answer = self.client.post(
            "/sparql",
            data={"query": f"# bench-cold {self.run} {self.sent}\n{text}"},
            headers=JSON_RESULTS,
        )
        if answer.status_code != 200:
            self.failures.append(f"{answer.status_code}: {answer.text[:200]}")
        return len(answer.content)


def http_floor_s(
    base: str, repeat: int = 51, transport: httpx.BaseTransport | None = None
) -> float:
    """The endpoint's own cost per request: the median of cold `ASK {}` POSTs (each unique, so
    each goes the whole way: parsing, the guard, a query worker, serialization, headers). No
    query can come back faster than this over HTTP, whatever its in-process reference."""
    times = []
    with httpx.Client(base_url=base, timeout=60, trust_env=False, transport=transport) as client:
        cold = ColdRequests(client)
        for _ in range(repeat):
            started = time.perf_counter()
            cold("ASK {}")
            times.append(time.perf_counter() - started)
        if cold.failures:
            raise RuntimeError(f"ASK {{}} was not answered: {cold.failures[0]}")
    return statistics.median(times)


def compare_to_reference(
    base: str,
    store: ox.Store,
    texts: dict[str, str],
    repeat: int,
    interleaved: Any,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, dict[str, Any]]:
    """For each query: the reference's median, the endpoint's median at concurrency 1 (cold
    requests), its first request, the ratio, and any non-200 answer."""
    out: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=base, timeout=600, trust_env=False, transport=transport) as client:
        cold = ColdRequests(client)
        for name, text in texts.items():
            failed = len(cold.failures)
            http, floor = interleaved(
                lambda t=text: cold(t), lambda t=text: run_and_serialize(store, t), repeat, 30
            )
            row = {
                "reference_s": round(statistics.median(floor), 5),
                "http_c1_s": round(statistics.median(http), 5),
                "first_s": round(http[0], 5),
                "runs": len(http),
            }
            row["ratio"] = round(row["http_c1_s"] / max(row["reference_s"], 1e-6), 2)
            if len(cold.failures) > failed:
                row["errors"] = cold.failures[failed:][:2]
            out[name] = row
    return out


def warm_request(
    base: str, text: str, repeat: int = 21, transport: httpx.BaseTransport | None = None
) -> dict[str, Any]:
    """The same GET repeated over one keep-alive connection: p50 in ms of the repeats (the first,
    which fills any cache, kept apart). Conditional (If-None-Match) when the server gives an ETag."""
    url_safe = len(text) < 6000  # a long query goes as a POST body: URLs past ~8 KB are refused
    statuses: dict[str, int] = {}
    times: list[float] = []
    with httpx.Client(base_url=base, timeout=600, trust_env=False, transport=transport) as client:

        def send(headers: dict[str, str]) -> httpx.Response:
            if url_safe:
                return client.get("/sparql", params={"query": text}, headers=headers)
            return client.post("/sparql", data={"query": text}, headers=headers)

        started = time.perf_counter()
        first = send(JSON_RESULTS)
        first_s = time.perf_counter() - started
        etag = first.headers.get("etag")
        headers = {**JSON_RESULTS, **({"If-None-Match": etag} if etag else {})}
        for _ in range(repeat):
            started = time.perf_counter()
            answer = send(headers)
            times.append(time.perf_counter() - started)
            statuses[str(answer.status_code)] = statuses.get(str(answer.status_code), 0) + 1
    return {
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "first_ms": round(first_s * 1000, 2),
        "method": "GET" if url_safe else "POST",
        "etag": bool(etag),
        "statuses": statuses,
        "first_status": first.status_code,
    }


def cli_startup_s(env: dict[str, str], repeat: int = 5) -> float:
    """`flowgraph --version` as a whole command, median wall time."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "flowgraph", "--version"],
            env=env,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)
