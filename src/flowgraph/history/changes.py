"""The log of what changed at each build (`changes.jsonl` in the archive): one line per notice
whose text changed since the build before, with the changes `history.diff` found between the
text built then and the text built now. The endpoint's /changes, /api/changes and Atom feed
read it; `flowgraph diff` compares any two versions on demand instead."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flowgraph.ingest.archive import Archive, Version

LOG_NAME = "changes.jsonl"


def log_path(archive: Archive) -> Path:
    return archive.directory / LOG_NAME


def version_meta(version: Version | None) -> dict[str, Any] | None:
    if version is None:
        return None
    return {"sha256": version.sha256, "retrieved": version.retrieved, "url": version.url}


def _key(entry: dict[str, Any]) -> tuple[str, str, str]:
    return (
        entry.get("notice", ""),
        (entry.get("old") or {}).get("sha256", ""),
        (entry.get("new") or {}).get("sha256", ""),
    )


def append(archive: Archive, entries: list[dict[str, Any]]) -> None:
    """Add entries (NoticeDiff.as_json() with both versions' metadata) at the end of the log;
    a change already logged (same notice, same two texts) is not logged twice."""
    if not entries:
        return
    seen = {_key(e) for e in read(archive)}
    fresh = [e for e in entries if _key(e) not in seen]
    if not fresh:
        return
    archive.directory.mkdir(parents=True, exist_ok=True)
    with log_path(archive).open("a", encoding="utf-8") as f:
        for entry in fresh:
            f.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")


def read(archive: Archive) -> list[dict[str, Any]]:
    """Every entry, oldest first (a torn last line, from a build killed mid-write, is skipped)."""
    path = log_path(archive)
    if not path.exists():
        return []
    return parse(path.read_text(encoding="utf-8"))


def parse(text: str) -> list[dict[str, Any]]:
    """The entries of the log's text (the server reads the bytes once and hashes them too)."""
    out = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            out.append(entry)
    return out
