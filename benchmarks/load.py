"""`python -m benchmarks load`: the endpoint under mixed load and a burst of slow queries.

A real `flowgraph serve` with its default limits (2 query workers, 10 s, queue of 8) over a
synthetic corpus. 3,000 requests at concurrency 32 mix cheap pages (query page, linked-data
pages, ontology, service description), cheap SPARQL, heavy library queries, API answers, flow
maps and traces; halfway through, 64 queries that can never finish arrive at once. Every answer
is classified; the run passes when no request got a 5xx other than a 503 carrying Retry-After,
no connection failed, cheap pages kept p99 < 1 s during the burst, the server's memory stayed
bounded, and it still answers afterwards.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.endpoint import Server, _tree, free_port
from flowgraph.synth.corpus import write_corpus

B = "https://w3id.org/flowgraph/id/"
NEVER_ENDS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = {"Accept": "application/sparql-results+json"}


@dataclass
class Outcome:
    kind: str
    status: int  # 0: the connection failed
    seconds: float
    started: float
    retry_after: bool


@dataclass
class Mix:
    """The requests of each kind, as (method, path, params, headers)."""

    kinds: dict[str, list[tuple[str, dict[str, Any], dict[str, str]]]] = field(default_factory=dict)
    weights: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, weight: int, *requests: tuple[str, dict[str, Any], dict[str, str]]):
        self.kinds[kind] = list(requests)
        self.weights[kind] = weight


def request_mix(council: str, council_iri: str) -> Mix:
    mix = Mix()
    mix.add(
        "cheap page",
        40,
        ("/", {}, {}),
        ("/id/org/hmrc", {}, {}),
        ("/ontology", {}, {}),
        ("/sparql", {}, {"Accept": "text/turtle"}),
        ("/id/org/hmrc", {}, {"Accept": "text/turtle"}),
    )
    mix.add(
        "cheap sparql",
        25,
        ("/sparql", {"query": "ASK { ?s ?p ?o }"}, JSON),
        (
            "/sparql",
            {
                "query": f"SELECT ?l WHERE {{ <{B}org/hmrc> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
            },
            JSON,
        ),
    )
    mix.add(
        "heavy sparql",
        10,
        ("/sparql", {"query": "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"}, JSON),
        (
            "/sparql",
            {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5000"},
            {"Accept": "text/csv"},
        ),
    )
    mix.add(
        "api",
        10,
        ("/api/queries/recipients-ranked", {}, {}),
        ("/api/queries/flows", {"controller": council_iri}, {}),
    )
    mix.add(
        "trace and map",
        15,
        ("/api/trace", {"from": council, "max_hops": 2}, {}),
        ("/trace", {"from": council, "max_hops": 3}, {}),
        ("/explore", {"controller": council}, {}),
        ("/check", {}, {}),
    )
    return mix


def start_server(build_dir: Path, log: Path) -> Server:
    port = free_port()
    env = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(build_dir)}
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flowgraph", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/sparql", timeout=5, trust_env=False).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    return Server(base, process, time.perf_counter() - started)


def rss_mb(pid: int) -> float:
    total = 0
    for each in _tree(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def send(client: httpx.Client, kind: str, path: str, params: dict, headers: dict) -> Outcome:
    started = time.monotonic()
    try:
        response = client.get(path, params=params, headers=headers)
        status, retry = response.status_code, "retry-after" in response.headers
    except httpx.HTTPError:
        status, retry = 0, False
    return Outcome(kind, status, time.monotonic() - started, started, retry)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="flowgraph-load-"))
    corpus = work / "corpus"
    notices = write_corpus(corpus, args.councils, seed=1)
    with (corpus / "manifest.csv").open(encoding="utf-8") as f:
        council = next(csv.DictReader(f))["controller"]
    build_dir = work / "build"
    subprocess.run(
        [sys.executable, "-m", "flowgraph", "build", str(corpus)],
        env={**os.environ, "FLOWGRAPH_BUILD_DIR": str(build_dir)},
        check=True,
        capture_output=True,
    )
    server = start_server(build_dir, work / "server.log")
    probe = httpx.get(
        server.base + "/api/trace", params={"from": council, "max_hops": 1}, timeout=60
    )
    council_iri = probe.json()[0]["hops"][0]["from"]["iri"] if probe.status_code == 200 else ""
    mix = request_mix(council, council_iri)
    rng = random.Random(7)
    plan = rng.choices(list(mix.weights), weights=list(mix.weights.values()), k=args.requests)
    local = threading.local()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=server.base, timeout=120, trust_env=False)
        return local.client

    def one(index: int) -> Outcome:
        kind = plan[index]
        path, params, headers = mix.kinds[kind][index % len(mix.kinds[kind])]
        return send(client(), kind, path, params, headers)

    memory: list[float] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            memory.append(rss_mb(server.process.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    outcomes: list[Outcome] = []
    burst: list[Outcome] = []
    window: list[float] = []
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(args.concurrency) as pool:
            first = list(pool.map(one, range(args.requests // 2)))

            def slow(_: int) -> Outcome:
                with httpx.Client(base_url=server.base, timeout=600, trust_env=False) as own:
                    return send(own, "burst", "/sparql", {"query": NEVER_ENDS}, JSON)

            with ThreadPoolExecutor(args.burst) as burst_pool:
                window.append(time.monotonic())
                pending = burst_pool.map(slow, range(args.burst))
                second = list(pool.map(one, range(args.requests // 2, args.requests)))
                burst = list(pending)
                window.append(time.monotonic())
            outcomes = first + second
        after = send(client(), "after", "/sparql", {"query": "ASK { ?s ?p ?o }"}, JSON)
        after_heavy = send(client(), "after", "/api/queries/recipients-ranked", {}, {})
    finally:
        sampling.set()
        sampler.join()
        peak = (
            sum(
                int(line.split()[1])
                for pid in _tree(server.process.pid)
                for line in _status_lines(pid)
                if line.startswith("VmHWM:")
            )
            / 1024
        )
        server.process.terminate()
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
    elapsed = time.monotonic() - started
    everything = outcomes + burst
    bad = [
        o
        for o in everything
        if o.status == 0 or (o.status >= 500 and not (o.status == 503 and o.retry_after))
    ]
    during = [o for o in outcomes if window and window[0] <= o.started <= window[1]]
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in [*mix.weights, "burst"]:
        chosen = [o for o in everything if o.kind == kind]
        in_burst = [o.seconds for o in during if o.kind == kind]
        statuses: dict[str, int] = {}
        for o in chosen:
            statuses[str(o.status)] = statuses.get(str(o.status), 0) + 1
        by_kind[kind] = {
            "requests": len(chosen),
            "statuses": dict(sorted(statuses.items())),
            "p50_s": round(statistics.median([o.seconds for o in chosen]), 3) if chosen else None,
            "p99_s": round(p99([o.seconds for o in chosen]), 3),
            "p99_during_burst_s": round(p99(in_burst), 3) if in_burst else None,
        }
    cheap_burst = by_kind["cheap page"]["p99_during_burst_s"] or 0.0
    steady = statistics.median(memory[: max(1, len(memory) // 4)]) if memory else 0.0
    targets = [
        {"name": "5xx other than 503 + Retry-After, and failed connections", "value": len(bad), "target": "0", "met": not bad},
        {"name": "cheap pages p99 during the burst (s)", "value": cheap_burst, "target": "< 1", "met": cheap_burst < 1.0},
        {"name": "server peak RSS / RSS before the burst", "value": round(max(memory) / steady, 2) if steady else None,
         "target": "<= 2", "met": bool(steady) and max(memory) / steady <= 2},
        {"name": "still answering after (SPARQL, API)", "value": [after.status, after_heavy.status], "target": "[200, 200]",
         "met": after.status == 200 and after_heavy.status == 200},
    ]  # fmt: skip
    return {
        "councils": args.councils,
        "notices": notices,
        "requests": len(outcomes),
        "burst": len(burst),
        "concurrency": args.concurrency,
        "seconds": round(elapsed, 1),
        "burst_window_s": round(window[1] - window[0], 1) if len(window) == 2 else None,
        "by_kind": by_kind,
        "memory_mb": {
            "before_burst_median": round(steady, 1),
            "max_sampled": round(max(memory), 1) if memory else None,
            "peak_vmhwm_sum": round(peak, 1),
        },
        "targets": targets,
    }


def _status_lines(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return []


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--councils", type=int, default=10, help="synthetic councils (40 notices each)"
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--burst", type=int, default=64, help="queries that never end, sent at once halfway"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    result = run(args)
    print(f"{result['councils']} councils, {result['notices']} notices; {result['requests']} requests at concurrency "
          f"{result['concurrency']} + a burst of {result['burst']} in {result['seconds']} s (burst window {result['burst_window_s']} s)")  # fmt: skip
    print(f"{'kind':<16}{'n':>6}  {'p50 s':>7}{'p99 s':>8}{'p99 in burst':>14}  statuses")
    for kind, row in result["by_kind"].items():
        during = row["p99_during_burst_s"]
        print(f"{kind:<16}{row['requests']:>6}  {row['p50_s'] or 0:>7.3f}{row['p99_s']:>8.3f}"
              f"{'' if during is None else f'{during:.3f}':>14}  {row['statuses']}")  # fmt: skip
    print(f"memory (MB): {result['memory_mb']}")
    for target in result["targets"]:
        print(
            f"{target['name']}: {target['value']} (target {target['target']}: {'met' if target['met'] else 'NOT met'})"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if all(t["met"] for t in result["targets"]) else 1
