"""`python -m benchmarks history`: what keeping every notice version costs a rebuild (issue 18).

The same synthetic corpus is built twice, with the history kept (the default: every new text
archived, the versions graph, the changes found between the text built before and now) and
without it (`FLOWGRAPH_KEEP_HISTORY=false`, the build of before issue 18). Then one notice is
changed and each workspace rebuilt, alternately, `--repeat` times (each rebuild changes the
notice again, so every one records a version and a change): the medians, their ratio (target
<= 1.2x), both against `flowgraph --version` and against the full build.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from flowgraph.synth.corpus import write_corpus

TARGET_RATIO = 1.2


def _run(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flowgraph", *args], env=env, check=True, capture_output=True)  # fmt: skip
    return time.perf_counter() - started


def bench(councils: int, repeat: int, work: Path) -> dict[str, Any]:
    corpus = work / "corpus"
    write_corpus(corpus, councils, seed=1)
    changed = corpus / "c000-s00.txt"
    original = changed.read_text(encoding="utf-8")
    envs = {
        kept: {**os.environ, "FLOWGRAPH_BUILD_DIR": str(work / f"build-{kept}"),
               "FLOWGRAPH_KEEP_HISTORY": "true" if kept == "history" else "false"}
        for kept in ("history", "none")
    }  # fmt: skip
    full = {kept: _run(env, "build", str(corpus), "--full") for kept, env in envs.items()}
    times: dict[str, list[float]] = {"history": [], "none": []}
    for round_ in range(repeat):
        order = ("history", "none") if round_ % 2 == 0 else ("none", "history")
        for kept in order:
            # a new recipient each time: a new text, a new version, a change to log
            text = original.replace("Police", f"Police and Borough {round_} Trust", 1)
            changed.write_text(text, encoding="utf-8")
            times[kept].append(_run(envs[kept], "build", str(corpus)))
    changed.write_text(original, encoding="utf-8")
    startup = statistics.median(_run(envs["none"], "--version") for _ in range(5))
    kept, none = statistics.median(times["history"]), statistics.median(times["none"])
    log = work / "build-history" / "archive" / "changes.jsonl"
    return {
        "councils": councils,
        "repeat": repeat,
        "full_build_s": {k: round(v, 2) for k, v in full.items()},
        "incremental_s": {"history": round(kept, 3), "none": round(none, 3)},
        "ratio": round(kept / none, 3),
        "vs_version": {"history": round(kept / startup, 2), "none": round(none / startup, 2)},
        "version_s": round(startup, 3),
        "share_of_full": {"history": round(kept / full["history"], 4), "none": round(none / full["none"], 4)},
        "changes_logged": sum(1 for _ in log.open(encoding="utf-8")) if log.exists() else 0,
        "met": kept / none <= TARGET_RATIO,
    }  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks history", description=__doc__)
    parser.add_argument("--councils", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="Also write the figures here")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="flowgraph-bench-history-"))
    try:
        result = bench(args.councils, args.repeat, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"history at {result['councils']} councils ({result['repeat']} interleaved rebuilds of one changed notice)")  # fmt: skip
    print(f"  full build: {result['full_build_s']['history']} s with history, {result['full_build_s']['none']} s without")  # fmt: skip
    print(f"  incremental rebuild, median: {result['incremental_s']['history']} s with history, "
          f"{result['incremental_s']['none']} s without: ratio {result['ratio']}x (target <= {TARGET_RATIO}x): "
          f"{'met' if result['met'] else 'NOT met'}")  # fmt: skip
    print(f"  against flowgraph --version ({result['version_s']} s): {result['vs_version']['history']}x / {result['vs_version']['none']}x; "
          f"share of the full build: {result['share_of_full']['history']:.1%} / {result['share_of_full']['none']:.1%}")  # fmt: skip
    print(f"  changes logged: {result['changes_logged']} (one per rebuild with history)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if result["changes_logged"] == args.repeat else 1
