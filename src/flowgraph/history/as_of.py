"""The graph as it was on a date (`--as-of`, the endpoint's `as_of`): the notice versions that
were current then, built into a graph of their own beside the current one.

The current graph holds only the current versions' facts (so its union default graph never
mixes old and new); a past graph is built on demand from the archive, once per set of versions
(its directory is named by them: a second question about the same date, or any date with the
same versions, reads the graph already built). The few most recently used are kept.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from flowgraph.errors import BadInput, FlowgraphError
from flowgraph.ingest.archive import Archive, Version, end_of
from flowgraph.ingest.manifest import discover
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots

AS_OF_DIR = "as-of"
KEEP = 4  # past graphs kept; the least recently used beyond these are removed


def versions_on(settings: Settings, date: str) -> dict[str, Version]:
    """Each notice's version current at the end of `date` (a date or ISO date-time)."""
    try:
        moment = end_of(date)
    except ValueError:
        raise BadInput(f"{date!r} is not a date (YYYY-MM-DD) or ISO date-time") from None
    chosen = Archive(settings.archive_dir).as_of(moment)
    if not chosen:
        raise BadInput(
            f"no notice version was recorded by {date}: the archive "
            f"({settings.archive_dir}) starts later, or no build has recorded versions yet"
        )
    return chosen


def past_settings(settings: Settings, chosen: dict[str, Version]) -> Settings:
    """Where the graph of `chosen` is (or will be) built: named by the versions and by what else
    decides a graph (code, vocabularies, ontology), so an upgrade builds past graphs anew."""
    from flowgraph.build import context_hash

    digest = hashlib.sha256(context_hash(settings, []).encode())
    for notice, version in sorted(chosen.items()):
        digest.update(f"{notice} {version.sha256}\n".encode())
    return settings.model_copy(update={"build_dir": settings.output_dir / AS_OF_DIR / digest.hexdigest()[:16]})  # fmt: skip


def is_built(past: Settings) -> bool:
    try:
        snapshots.current(past.output_dir)
    except (FlowgraphError, OSError):
        return False
    return True


def build_past(settings: Settings, past: Settings, chosen: dict[str, Version]) -> None:
    """Build the graph of `chosen` unless it is built; then mark it used and prune the least
    recently used beyond KEEP."""
    if not is_built(past):
        _build_past(settings, past, chosen)
    past.output_dir.touch()  # used now: kept over older ones
    _prune(past.output_dir.parent, keep=past.output_dir)


def as_of_settings(settings: Settings, date: str) -> Settings:
    """Settings reading the graph as it was on `date` (built now if it is not yet)."""
    chosen = versions_on(settings, date)
    past = past_settings(settings, chosen)
    build_past(settings, past, chosen)
    return past


def _build_past(settings: Settings, past: Settings, chosen: dict[str, Version]) -> None:
    from flowgraph.build import build

    archive = Archive(settings.archive_dir)
    listed = {}
    with contextlib.suppress(FlowgraphError, OSError):
        listed = {s.notice_id: s for s in discover([settings.notices_dir])[0]}
    with tempfile.TemporaryDirectory(prefix="flowgraph-as-of-") as folder:
        notices = Path(folder)
        rows = []
        for notice, version in sorted(chosen.items()):
            name = f"{notice}{version.suffix}"
            shutil.copyfile(archive.path(version), notices / name)
            source = listed.get(notice)
            rows.append({
                "file": name,
                "controller": version.controller or (source.controller if source else notice),
                "service": version.service or (source.service if source else "") or "",
                "url": version.url,
                "retrieved": version.retrieved,
                "format": (source.format_hint if source else "") or "",
            })  # fmt: skip
        with (notices / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        build(past, [notices], incremental=False)


def _prune(root: Path, keep: Path) -> None:
    """Remove the least recently used past graphs beyond KEEP; never one a server holds open
    (a shared lock on its snapshot: `snapshots.hold`) nor one still being built (no published
    graph yet, and younger than a day)."""
    built = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in built[:-KEEP]:
        if old == keep or not _removable(old):
            continue
        shutil.rmtree(old, ignore_errors=True)


def _removable(past: Path) -> bool:
    try:
        snapshot = snapshots.current(past)
    except (FlowgraphError, OSError):
        return time.time() - past.stat().st_mtime > 86_400  # a build in progress, or one killed
    try:
        fd = os.open(snapshot / snapshots.HOLD, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # held open by a server
    finally:
        os.close(fd)
    return True
