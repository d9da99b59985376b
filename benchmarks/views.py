"""The flow views of one council at scale: `flowgraph viz` as a whole command and `/explore`
over HTTP, on the synthetic corpus (issue 16: both under 2 s at 400 councils).

    python -m benchmarks views [--councils 50,400] [--repeat 3]

For each size: `flowgraph synth` (seed 1), `flowgraph build`, then `viz --controller <first
council>` run `--repeat` times as a whole process (interpreter start-up included, as a user
waits for it), and `/explore?controller=...` fetched `--repeat` times from a `flowgraph serve`
on 127.0.0.1 after one untimed request (the server projects the flow network once per
snapshot, before it answers). Prints medians and the page sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.run import flowgraph
from tests.ports import free_port

TARGET_S = 2.0


def _serve(env: dict[str, str], log: Path, wait: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flowgraph", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait  # page workers project the network before answering
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/sparql", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    process.wait(timeout=20)
    raise TimeoutError(f"flowgraph serve did not answer within {wait:.0f} s")


def bench(councils: int, work: Path, repeat: int, wait: float) -> dict[str, Any]:
    corpus, build = work / f"corpus-{councils}", work / f"build-{councils}"
    env = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(build), "FLOWGRAPH_PAGE_TIMEOUT": "60"}
    flowgraph("synth", "--councils", str(councils), "-o", str(corpus), env=env)
    build_s = flowgraph("build", str(corpus), env=env)[0]
    manifest = (corpus / "manifest.csv").read_text(encoding="utf-8").splitlines()
    controller = manifest[1].split(",")[1]
    page = work / "viz.html"
    viz = [
        flowgraph("viz", "--controller", controller, "-o", str(page), env=env)[0]
        for _ in range(repeat)
    ]
    result: dict[str, Any] = {
        "councils": councils,
        "build_s": round(build_s, 1),
        "viz_s": round(statistics.median(viz), 2),
        "viz_mb": round(page.stat().st_size / 1e6, 2),
    }
    try:
        process, base = _serve(env, work / f"serve-{councils}.log", wait)
    except TimeoutError as exc:  # reported, not fatal: the viz figures still stand
        return result | {
            "explore_first_s": f"not started ({exc})",
            "explore_s": None,
            "explore_mb": None,
        }
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            params = {"controller": controller}
            first = time.perf_counter()
            client.get("/explore", params=params).raise_for_status()
            cold = time.perf_counter() - first
            explore = []
            for _ in range(repeat):
                started = time.perf_counter()
                answer = client.get("/explore", params=params)
                answer.raise_for_status()
                explore.append(time.perf_counter() - started)
    finally:
        process.terminate()
        process.wait(timeout=20)
    return result | {
        "explore_first_s": round(cold, 2),
        "explore_s": round(statistics.median(explore), 3),
        "explore_mb": round(len(answer.content) / 1e6, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks views", description=__doc__)
    parser.add_argument("--councils", default="50,400", help="comma-separated corpus sizes")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each")
    parser.add_argument("--serve-wait", type=float, default=600, help="seconds to wait for serve")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="flowgraph-views-") as work:
        for size in (int(s) for s in args.councils.split(",")):
            print(f"{size} councils ...", file=sys.stderr, flush=True)
            rows.append(bench(size, Path(work), args.repeat, args.serve_wait))
    print(
        "| councils | build s | viz s (median) | viz MB | /explore first s | /explore s (median) | /explore MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['councils']} | {r['build_s']} | {r['viz_s']} | {r['viz_mb']} | "
              f"{r['explore_first_s']} | {r['explore_s']} | {r['explore_mb']} |")  # fmt: skip
    for r in rows:
        ok = r["viz_s"] < TARGET_S and r["explore_s"] is not None and r["explore_s"] < TARGET_S
        print(f"{r['councils']} councils: viz {r['viz_s']} s, /explore {r['explore_s']} s "
              f"(target < {TARGET_S} s each: {'met' if ok else 'NOT met'})")  # fmt: skip
    return 0
