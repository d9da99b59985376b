"""Start `flowgraph serve` for real on 127.0.0.1 with its own environment, for tests that need
a server of their own (rebuilds under it, small limits, killed workers)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from ports import free_port


def run_build(env: dict[str, str], *paths: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "flowgraph", "build", *map(str, paths)],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[tuple[httpx.Client, subprocess.Popen]]:
    """A server with `env` added to the environment; yields a client and the process."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flowgraph", "serve", "--port", str(port)],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/sparql", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
        if process.poll() is not None:
            break
    else:
        process.kill()
        raise RuntimeError(log.read_text())
    if process.poll() is not None:
        raise RuntimeError(log.read_text())
    client = httpx.Client(base_url=base, timeout=60)
    try:
        yield client, process
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
