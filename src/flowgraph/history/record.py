"""The build records each notice file whose bytes are new as a version in the archive, so a
notice edited by hand has a history as a fetched one does (fetch records its own versions,
with the page as retrieved and the HTTP validators; the build then finds them current).

The versions are planned while the build reads (their digests are those of the bytes read) and
kept only once it has published (`Archive.commit_files`): a build that fails leaves no version
and no logged change behind."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flowgraph.ingest.archive import REMOVED, Archive, Version, parse_time, utc_now
from flowgraph.model import NoticeSource


def plan_versions(
    archive: Archive, sources: list[NoticeSource], records: list[dict[str, Any]]
) -> list[tuple[Path, Version]]:
    """Versions for the notices just read whose bytes the archive does not have as their latest;
    `records` are the build's (only those read afresh need looking at: a reused notice's bytes
    are those of its last build, recorded then)."""
    by_id = {s.notice_id: s for s in sources}
    latest = archive.latest_by_notice()
    files: list[tuple[Path, Version]] = []
    now = utc_now()
    for record in records:
        source = by_id.get(record["id"])
        if source is None or "sha256" not in record:
            continue
        known = latest.get(record["id"])
        if known is not None and known.sha256 == record["sha256"]:
            continue
        files.append(
            (
                source.path,
                Version(
                    notice=record["id"],
                    retrieved=_retrieved(source.retrieved, known, _modified(source.path), now),
                    sha256=record["sha256"],
                    suffix=source.path.suffix.lower(),
                    controller=source.controller,
                    service=source.service or "",
                    url=source.url or "",
                ),
            )
        )
    built = {s.notice_id for s in sources} | {r["id"] for r in records}
    for notice, version in latest.items():  # gone from the workspace: its removal, once
        if notice not in built and not version.removed:
            files.append((Path(), Version(notice, _after(version, now), "", "", version.controller,
                                          version.service, version.url, status=REMOVED)))  # fmt: skip
    return archive.plan_files(files)


def _after(known: Version, now: str) -> str:
    if parse_time(now) <= known.retrieved_at:
        return (known.retrieved_at + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return now


def _modified(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
    except OSError:
        return None


def _retrieved(
    stated: str | None, known: Version | None, modified: datetime | None, now: str
) -> str:
    """When the text came to be: the manifest's retrieval time when it reads as one, else the
    file's modification time (a hand-edited notice: when it was saved; the same for two builds
    of one file, so their graphs are byte-identical), else now. Never before the notice's last
    version (a manifest left at an old date must not put a new text before the old one)."""
    candidates = []
    if stated:
        with contextlib.suppress(ValueError):
            candidates.append(parse_time(stated))
    if modified is not None:
        candidates.append(modified)
    for when in candidates:
        if known is None or when > known.retrieved_at:
            return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return now if known is None else _after(known, now)  # the same second: just after it
