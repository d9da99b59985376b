"""The endpoint under load: `flowgraph serve` as a real process, driven over 127.0.0.1.

Throughput and latency percentiles at a fixed concurrency, a bounded number of requests (and a
time bound, so the slow baseline cannot stall the run), and the peak memory of the whole server
process tree (the app plus its query workers) read from /proc.
"""

from __future__ import annotations

import itertools
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base: str
    process: subprocess.Popen
    started_s: float

    def peak_rss_mb(self) -> float:
        """Peak resident memory (VmHWM) summed over the server and its child processes."""
        return sum(_peak_kb(pid) for pid in _tree(self.process.pid)) / 1024


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo += [int(c) for c in children]
    return pids


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@contextmanager
def serving(build_dir: Path, store: str | None, timeout_s: float, log: Path):
    """`flowgraph serve` over the build with the given store backend (None: serve's default,
    whatever FLOWGRAPH_STORE says in this environment being left out), until the block ends."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "FLOWGRAPH_STORE"},
        "FLOWGRAPH_BUILD_DIR": str(build_dir),
        "FLOWGRAPH_QUERY_TIMEOUT": str(timeout_s),
        "FLOWGRAPH_MAX_RESULTS": "1000000",
    }
    if store is not None:
        env["FLOWGRAPH_STORE"] = store
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flowgraph", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"serve ({store or 'default'}) exited:\n{log.read_text()[-2000:]}"
                )
            try:
                if httpx.get(base + "/sparql", timeout=5, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield Server(base, process, time.perf_counter() - started)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def load_test(
    server: Server, query: str, concurrency: int = 8, requests: int = 64, max_seconds: float = 60
) -> dict[str, Any]:
    """Send up to `requests` SPARQL queries, `concurrency` at a time, stopping new ones after
    `max_seconds`; every answer must be a 200 with the same row count. Each request's text
    opens with its own comment line, so every one is evaluated (none is a result-cache hit):
    this measures the store and the server, not the cache (the warm request measures that)."""
    deadline = time.monotonic() + max_seconds
    numbers = itertools.count()
    latencies: list[float] = []
    rows: set[int] = set()
    failures: list[str] = []

    def one(client: httpx.Client) -> None:
        if time.monotonic() > deadline:
            return
        started = time.perf_counter()
        try:
            answer = client.post(
                "/sparql",
                data={"query": f"# load {next(numbers)}\n{query}"},
                headers={"Accept": "application/sparql-results+json"},
            )
        except httpx.TimeoutException:
            failures.append("no answer in time")
            return
        except httpx.TransportError as exc:  # recorded, so one dropped connection keeps the run
            failures.append(f"{type(exc).__name__}: {exc}")
            return
        elapsed = time.perf_counter() - started
        if answer.status_code != 200:
            failures.append(f"{answer.status_code}: {answer.text[:200]}")
            return
        latencies.append(elapsed)
        rows.add(len(answer.json()["results"]["bindings"]))

    with httpx.Client(
        base_url=server.base,
        timeout=max_seconds * 3,
        trust_env=False,
        limits=httpx.Limits(max_connections=concurrency),
    ) as client:
        try:
            client.post("/sparql", data={"query": query})  # warm the workers once
        except httpx.TransportError as exc:
            return {
                "rps": 0.0,
                "completed": 0,
                "failures": 1,
                "error": [f"warm-up: {type(exc).__name__}: {exc}"],
            }
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda _: one(client), range(requests)))
        elapsed = time.perf_counter() - started
    if not latencies:
        return {"rps": 0.0, "completed": 0, "failures": len(failures), "error": failures[:1]}
    ordered = sorted(latencies)
    return {
        "rps": round(len(latencies) / elapsed, 3),
        "completed": len(latencies),
        "failures": len(failures),
        "p50_s": round(statistics.median(ordered), 4),
        "p99_s": round(ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))], 4),
        "rows": sorted(rows),
    }


def bare_store_rss_mb(files: list[Path]) -> float:
    """Peak memory of a process that only holds the same quads in a pyoxigraph in-memory store,
    bulk-loaded (the leanest way to fill one: `load` peaks higher)."""
    script = (
        "import resource, sys, pyoxigraph as ox\n"
        "from pathlib import Path\n"
        "from flowgraph.store.oxigraph import concatenated\n"
        "store = ox.Store()\n"
        "paths = [Path(p) for p in sys.stdin.read().splitlines()]\n"
        "store.bulk_load(concatenated(paths), format=ox.RdfFormat.N_QUADS)\n"
        "print(len(store), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    output = subprocess.run(  # the paths on stdin: tens of thousands exceed ARG_MAX
        [sys.executable, "-c", script],
        input="\n".join(map(str, files)),
        check=True,
        capture_output=True,
        text=True,
    )
    return int(output.stdout.split()[1]) / 1024
