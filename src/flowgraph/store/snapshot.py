"""Atomic publication of a build: write a new snapshot directory, then swap one symlink.

A failed or interrupted build never touches `current`, so the previous graph stays usable.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from flowgraph.errors import StoreError

CURRENT = "current"


def new_snapshot(root: Path) -> Path:
    path = (
        root
        / "snapshots"
        / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    )
    path.mkdir(parents=True)
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
            shutil.rmtree(old, ignore_errors=True)


def current(root: Path) -> Path:
    link = root / CURRENT
    if not link.exists():
        raise StoreError(f"no graph has been built yet in {root}: run `flowgraph build` first")
    return link.resolve()


def write_json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def nquads_files(snapshot: Path) -> list[Path]:
    return [snapshot / "vocabulary.nq", *sorted((snapshot / "graphs").glob("*.nq"))]
