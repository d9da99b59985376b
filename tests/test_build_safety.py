"""Issue 13.8 and 13.9: one build at a time, parse workers die with the build, failed builds
leave nothing behind, and a change to the loader's code invalidates the incremental cache."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import flowgraph.build as build_module
from flowgraph.build import BuildFailed, build, loader_code_hash
from flowgraph.settings import PROJECT_ROOT, Settings
from flowgraph.store import build_lock
from flowgraph.store import snapshot as snapshots
from flowgraph.store.base import open_store
from flowgraph.synth.corpus import write_corpus

psutil = pytest.importorskip("psutil")

NOTICES = PROJECT_ROOT / "data" / "notices"
SRC = Path(build_module.__file__).resolve().parents[1]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _env(build_dir: Path) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "FLOWGRAPH_BUILD_DIR": str(build_dir), "PYTHONPATH": path}


def _flowgraph(*args: str, build_dir: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flowgraph", *args],
        env=_env(build_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


HOLD = """
import sys, time
from pathlib import Path
from flowgraph.store.build_lock import hold
with hold(Path(sys.argv[1]), 0):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(build_dir: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the build lock (as a running build does) for `seconds`."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(build_dir), str(seconds)],
        env=_env(build_dir),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def _small_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "notices"
    write_corpus(corpus, councils=1, seed=2, services_per_council=4)
    return corpus


# ---------------------------------------------------------------------------- the lock
def test_a_second_build_gives_up_with_exit_2_while_another_holds_the_lock(tmp_path):
    build_dir = tmp_path / "build"
    holder = _holder(build_dir, 30)
    try:
        started = time.monotonic()
        second = _flowgraph(
            "build", str(_small_corpus(tmp_path)), "--wait", "1", build_dir=build_dir
        )
        _, stderr = second.communicate(timeout=60)
        assert second.returncode == 2, stderr
        assert 1 <= time.monotonic() - started < 30
        said = " ".join(stderr.split())
        assert f"another build is running (pid {holder.pid}), waiting..." in said
        assert f"another build is running (pid {holder.pid})" in said and "gave up after" in said
        assert not (build_dir / snapshots.CURRENT).exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_second_build_waits_for_the_first_and_then_builds(tmp_path):
    build_dir = tmp_path / "build"
    holder = _holder(build_dir, 8)  # long enough for the second to start, even on a loaded machine
    second = _flowgraph("build", str(_small_corpus(tmp_path)), build_dir=build_dir)
    stdout, stderr = second.communicate(timeout=120)
    holder.wait(timeout=10)
    assert second.returncode == 0, stderr
    assert f"another build is running (pid {holder.pid}), waiting..." in " ".join(stderr.split())
    assert "published" in stdout


def test_concurrent_incremental_builds_all_succeed(tmp_path):
    """The race of the issue: builds cloning a snapshot another had just pruned. Under the lock
    they run one after another and every one publishes."""
    build_dir = tmp_path / "build"
    corpus = _small_corpus(tmp_path)
    assert _flowgraph("build", str(corpus), build_dir=build_dir).wait(timeout=120) == 0
    builds = [_flowgraph("build", str(corpus), build_dir=build_dir) for _ in range(3)]
    outcomes = [b.communicate(timeout=300) for b in builds]
    assert [b.returncode for b in builds] == [0, 0, 0], [o[1] for o in outcomes]
    assert open_store(Settings(build_dir=build_dir)).select(COUNT)[1][0]["n"] > 0


# ---------------------------------------------------------------------------- workers
def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="parallel parsing needs 2 cores")
def test_kill_9_during_parallel_parsing_leaves_no_worker_processes(tmp_path):
    corpus = tmp_path / "notices"
    write_corpus(corpus, councils=4, seed=9, services_per_council=40)  # 160 > PARALLEL_FROM
    assert build_module.PARALLEL_FROM <= 160
    with (tmp_path / "build.log").open("w") as log:  # not a pipe: stray workers would hold it
        parent = subprocess.Popen(
            [sys.executable, "-m", "flowgraph", "build", str(corpus)],
            env=_env(tmp_path / "build"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline and parent.poll() is None:
        workers = [c.pid for c in psutil.Process(parent.pid).children()]
        time.sleep(0.02)
    assert workers, "the build finished before its workers could be seen"
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [pid for pid in workers if _alive(pid)]
    for pid in survivors:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert not survivors, "parse workers outlived the killed build"
    # and the lock died with them: the next build runs at once
    assert build(Settings(build_dir=tmp_path / "build", build_lock_wait=0), [corpus]).notices == 160


WATCHED = """
import os, sys, time
import flowgraph.build as build
import flowgraph.lifeline as lifeline
if os.fork() == 0:
    lifeline.USE_PDEATHSIG = False  # the watchdog alone
    build._die_with_parent(os.getppid())
    open(sys.argv[1], "w").write(str(os.getpid()))
    time.sleep(60)
    os._exit(0)
while not os.path.exists(sys.argv[1]) or not open(sys.argv[1]).read():
    time.sleep(0.01)
os._exit(0)
"""


def test_the_watchdog_alone_ends_a_worker_whose_parent_died(tmp_path):
    pid_file = tmp_path / "worker.pid"
    subprocess.run([sys.executable, "-c", WATCHED, str(pid_file)], env=_env(tmp_path), timeout=60)
    worker = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(worker):
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the worker outlived its parent")


# ---------------------------------------------------------------------------- failure
def _state(build_dir: Path) -> tuple[Path, set[str], set[str]]:
    return (
        snapshots.current(build_dir),
        {p.name for p in (build_dir / "snapshots").iterdir()},
        {p.name for p in (build_dir / snapshots.POOL).iterdir()},
    )


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_failed_build_leaves_no_partial_snapshot_and_the_previous_graph(
    tmp_path, monkeypatch, failure
):
    corpus = tmp_path / "notices"
    shutil.copytree(NOTICES, corpus)
    settings = Settings(build_dir=tmp_path / "build")
    build(settings, [corpus])
    before = _state(settings.output_dir)
    count = open_store(settings).select(COUNT)[1]
    changed = next(corpus.glob("*.txt"))
    changed.write_text(changed.read_text(encoding="utf-8") + "\nWe share with HMRC.\n")

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(build_module, "_update_store", fail)
    with pytest.raises(type(failure)):
        build(settings, [corpus])
    assert _state(settings.output_dir) == before  # no new snapshot, no new pool files
    assert not list((settings.output_dir / snapshots.POOL).glob(".*"))
    assert open_store(settings).select(COUNT)[1] == count
    monkeypatch.undo()
    assert build(settings, [corpus]).reused == 4


def test_a_strict_failure_writes_nothing(tmp_path):
    corpus = tmp_path / "notices"
    shutil.copytree(NOTICES, corpus)
    settings = Settings(build_dir=tmp_path / "build")
    build(settings, [corpus])
    before = _state(settings.output_dir)
    (corpus / "empty.txt").write_text("")
    with (corpus / "manifest.csv").open("a") as f:
        f.write("empty.txt,A Council\n")
    with pytest.raises(BuildFailed):
        build(settings, [corpus], strict=True)
    assert _state(settings.output_dir) == before


def test_a_killed_builds_leftovers_are_swept_by_the_next_build(tmp_path):
    corpus = _small_corpus(tmp_path)
    settings = Settings(build_dir=tmp_path / "build")
    build(settings, [corpus])
    before = _state(settings.output_dir)
    orphan = snapshots.new_snapshot(settings.output_dir)  # as a build killed mid-way leaves it
    build_lock.mark_building(orphan)
    (orphan / snapshots.GRAPH_LIST).write_text("x.0.nq\n")
    (settings.output_dir / snapshots.POOL / "x.0.nq").write_text("big\n")
    (settings.output_dir / snapshots.POOL / ".x.1.nq.12345").write_text("half\n")
    with build_lock.hold(settings.output_dir, 0):
        build_lock.sweep(settings.output_dir, snapshots.current(settings.output_dir))
    assert _state(settings.output_dir) == before


# ---------------------------------------------------------------------------- code changes
def test_a_loader_code_change_rebuilds_what_the_cache_would_reuse(tmp_path, monkeypatch):
    code = tmp_path / "code"
    shutil.copytree(SRC / "flowgraph", code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(build_module, "CODE_ROOT", code)
    monkeypatch.setattr(build_module, "_code_hashes", {})
    corpus = _small_corpus(tmp_path)
    settings = Settings(build_dir=tmp_path / "build")
    assert build(settings, [corpus]).reused == 0
    assert build(settings, [corpus]).reused == 4
    with (code / "normalise" / "recipients.py").open("a") as f:
        f.write("\n# a change to the loader\n")
    build_module._code_hashes.clear()  # a new process, running the changed code
    rebuilt = build(settings, [corpus])
    assert rebuilt.reused == 0 and rebuilt.notices == 4
    assert build(settings, [corpus]).reused == 4
    (code / "serve" / "app.py").write_text("# not the loader\n")
    build_module._code_hashes.clear()
    assert build(settings, [corpus]).reused == 4


def test_the_code_hash_is_computed_once_per_process(monkeypatch):
    monkeypatch.setattr(build_module, "_code_hashes", {})
    started = time.perf_counter()
    first = loader_code_hash()
    cold = time.perf_counter() - started
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"read {self}"))
    started = time.perf_counter()
    assert loader_code_hash() == first
    assert time.perf_counter() - started < 0.001 and cold < 1.0
