"""One build at a time per build directory, and no trace left by a build that failed.

`hold(root)` takes an exclusive `flock` on `<root>/build.lock`; a second build waits for it
(saying which process holds it) up to a time limit, then gives up with `BuildLocked`. The kernel
releases the lock when the holder exits however it exits (`kill -9` included), so a lock is
never left stale; the file itself stays and only records the holder's pid.

A build marks its new snapshot directory `.building` until just before it is published. A
failed build removes its own directory and pool files at once (`discard`); a build killed
before it could do so leaves its marked directory, which the next build removes under the lock
(`sweep`), with the pool files no remaining snapshot lists.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from flowgraph.errors import FlowgraphError

LOCK_NAME = "build.lock"
BUILDING = ".building"
POLL_SECONDS = 0.2

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

# Lock file descriptors this process holds: a forked worker closes its inherited copies so the
# lock goes with the build process alone.
_held: set[int] = set()


class BuildLocked(FlowgraphError):
    """Another build held the build directory for longer than this one would wait."""


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip() or "unknown"
    except (OSError, UnicodeDecodeError):
        return "unknown"


@contextlib.contextmanager
def hold(root: Path, wait: float, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the build lock of `root` for the body; wait up to `wait` seconds for another build."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_NAME
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        started = time.monotonic()
        deadline = started + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    raise BuildLocked(
                        f"another build is running (pid {holder}) in {root}; gave up after "
                        f"waiting {wait:g} s (set --wait SECONDS or FLOWGRAPH_BUILD_LOCK_WAIT)"
                    ) from None
                # the holder writes its pid just after locking: give it a moment to appear
                if not told and (holder != "unknown" or time.monotonic() - started > 1):
                    message = f"another build is running (pid {holder}), waiting..."
                    (on_wait or _print)(message)
                    told = True
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held.add(fd)
        try:
            yield
        finally:
            _held.discard(fd)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _print(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


def forget_inherited() -> None:
    """In a forked child: close the inherited lock descriptors (never unlock: that would
    release the parent's lock), so a child outliving its parent cannot keep the lock."""
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


def mark_building(snapshot: Path) -> None:
    (snapshot / BUILDING).touch()


def unmark_building(snapshot: Path) -> None:
    (snapshot / BUILDING).unlink(missing_ok=True)


def discard(snapshot: Path, pool: Path, written: list[str]) -> None:
    """Remove a failed build's snapshot directory and the pool files written for it alone (and
    its half-written temporary ones)."""
    shutil.rmtree(snapshot, ignore_errors=True)
    for name in written:
        (pool / name).unlink(missing_ok=True)
    suffix = f".{os.getpid()}"
    with contextlib.suppress(OSError):
        for path in pool.iterdir():
            if path.name.startswith(".") and path.name.endswith(suffix):
                path.unlink(missing_ok=True)


def sweep(root: Path, current: Path | None) -> list[Path]:
    """Under the lock: remove snapshot directories left by builds that were killed (marked
    `.building`, or empty), then the pool files no remaining snapshot lists. Returns what went."""
    snapshots = root / "snapshots"
    if not snapshots.is_dir():
        return []
    removed = []
    for path in snapshots.iterdir():
        if current is not None and path.resolve() == current:
            continue
        if (path / BUILDING).exists() or (path.is_dir() and not any(path.iterdir())):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    pool = root / "graphs"
    if removed and pool.is_dir():
        listed: set[str] = set()
        for kept in snapshots.iterdir():
            with contextlib.suppress(OSError):
                listed.update((kept / "graphs.txt").read_text(encoding="utf-8").split())
        for path in pool.iterdir():
            if path.name not in listed:
                path.unlink(missing_ok=True)
    return removed
