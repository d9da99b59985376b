"""Atomic publication of a build: write a new snapshot directory, then swap one symlink.

A failed or interrupted build never touches `current`, so the previous graph stays usable.
A running server holds the snapshot it reads (a shared `flock` on the snapshot's `.hold` file,
released by the kernel when the process ends), and pruning never removes a held snapshot.
Notice graphs live in a pool beside the snapshots (`graphs/<notice>.<content key>.nq` and
`.shared.nq`), written once and never changed; a snapshot lists the pool files it is made of
in `graphs.txt`. A rebuild that changes one notice of thousands so writes one file pair
instead of linking every notice's files into a new directory, and pruning an old snapshot
removes only the pool files no kept snapshot lists.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from flowgraph.errors import StoreError

CURRENT = "current"
POOL = "graphs"
GRAPH_LIST = "graphs.txt"
HOLD = ".hold"


def new_snapshot(root: Path) -> Path:
    path = (
        root
        / "snapshots"
        / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    )
    path.mkdir(parents=True)
    (path / HOLD).touch()  # made now: creating it later would change the directory's age
    return path


def publish(root: Path, snapshot: Path, keep: int = 2) -> None:
    """Point `current` at the snapshot in one rename, then prune old snapshots."""
    link = root / CURRENT
    tmp = root / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(snapshot.relative_to(root))
    tmp.replace(link)
    snapshots = sorted((root / "snapshots").iterdir(), key=lambda p: p.stat().st_mtime)
    for old in snapshots[:-keep]:
        if old.resolve() != snapshot.resolve():
            _remove_unless_held(old)
    _prune_pool(root)


def _remove_unless_held(snapshot: Path) -> None:
    """Delete an old snapshot unless a server holds it (it is pruned by a later build)."""
    try:
        fd = os.open(snapshot / HOLD, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        shutil.rmtree(snapshot, ignore_errors=True)  # not a directory we can lock: half-written
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return
    try:
        shutil.rmtree(snapshot, ignore_errors=True)
    finally:
        os.close(fd)


class Hold:
    """A reader's claim on a snapshot: while it is open, no build prunes the snapshot."""

    def __init__(self, snapshot: Path, fd: int) -> None:
        self.snapshot = snapshot
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def hold(snapshot: Path) -> Hold:
    """Take a shared hold on `snapshot`; fails if a build removed it meanwhile."""
    try:
        fd = os.open(snapshot / HOLD, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"snapshot {snapshot} is gone: {exc}") from exc
    fcntl.flock(fd, fcntl.LOCK_SH)
    try:
        same = os.fstat(fd).st_ino == (snapshot / HOLD).stat().st_ino
    except OSError:
        same = False
    if not same:  # pruned between open and lock: the file we locked is unlinked
        os.close(fd)
        raise StoreError(f"snapshot {snapshot} was pruned while it was being opened")
    return Hold(snapshot, fd)


def hold_current(root: Path, attempts: int = 5) -> Hold:
    """Hold whatever `current` points at, retrying if a build publishes and prunes meanwhile."""
    for attempt in range(attempts):
        try:
            return hold(current(root))
        except StoreError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _prune_pool(root: Path) -> None:
    """Remove pool files that no remaining snapshot lists (old ones, or a failed build's)."""
    pool = root / POOL
    if not pool.is_dir():
        return
    listed: set[str] = set()
    for kept in (root / "snapshots").iterdir():
        try:
            listed.update((kept / GRAPH_LIST).read_text(encoding="utf-8").split())
        except FileNotFoundError:
            continue
    for path in pool.iterdir():
        if path.name not in listed:
            path.unlink(missing_ok=True)


def current(root: Path) -> Path:
    link = root / CURRENT
    if not link.exists():
        raise StoreError(f"no graph has been built yet in {root}: run `flowgraph build` first")
    return link.resolve()


def write_json(path: Path, data: Any) -> None:
    """One line: an indented dump goes through json's pure-Python encoder, seconds for the
    records of thousands of notices (`python -m json.tool` reads it)."""
    path.write_text(json.dumps(data, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def pool_dir(snapshot: Path) -> Path:
    """The graph pool of the build directory holding `snapshot` (`<root>/snapshots/<name>`)."""
    return snapshot.parent.parent / POOL


def graph_files(snapshot: Path) -> list[Path]:
    """The notice graph files (`.nq` and `.shared.nq`) of a snapshot, in a stable order."""
    listed = snapshot / GRAPH_LIST
    if listed.exists():
        pool = pool_dir(snapshot)
        return [pool / name for name in listed.read_text(encoding="utf-8").split()]
    return sorted((snapshot / "graphs").glob("*.nq"))  # a snapshot from before the pool


def shared_files(snapshot: Path) -> list[Path]:
    return [path for path in graph_files(snapshot) if path.name.endswith(".shared.nq")]


def nquads_files(snapshot: Path) -> list[Path]:
    versions = snapshot / "versions.nq"  # notice versions (history/provenance.py), if built
    return [snapshot / "vocabulary.nq", *([versions] if versions.exists() else []), *graph_files(snapshot)]  # fmt: skip
