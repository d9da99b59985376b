"""Worker processes end with the process that started them, even one killed with `kill -9`
(lifeline.py): serve's query and page workers as build's parse workers already did."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil

from flowgraph.settings import PROJECT_ROOT

SERVER = """
import sys, time
from pathlib import Path
from flowgraph.serve.executor import ProcessExecutor
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots

settings = Settings(build_dir=Path(sys.argv[1]))
executor = ProcessExecutor(settings, snapshots.current(settings.output_dir), workers=2,
                           warm="flowgraph.serve.explore:warm")
executor.wait_ready()
print("ready", flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_serve_workers_end_with_a_server_killed_with_kill_9(built, settings):
    path = os.pathsep.join(
        p for p in (str(PROJECT_ROOT / "src"), os.environ.get("PYTHONPATH")) if p
    )
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(settings.output_dir)],
        env={**os.environ, "PYTHONPATH": path},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout.readline().strip() == "ready"
        workers = [c.pid for c in psutil.Process(server.pid).children(recursive=True)]
        assert len([pid for pid in workers if _alive(pid)]) >= 2  # spawn's tracker may be one more
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [pid for pid in workers if _alive(pid)]
    for pid in survivors:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert not survivors, "workers outlived the killed server"
