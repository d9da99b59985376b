"""The watch list (`watch.csv`): which published notices `flowgraph fetch` keeps up to date.

Columns: url, controller, service, selector (optional CSS selector of the notice's main
content), notice (optional id: the file stem of the notice in the workspace; default a slug
of controller and service). Lines whose url starts with `#` are comments. A bad row stops
the fetch before any request, with the file and line (exit 2).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flowgraph.errors import FlowgraphError
from flowgraph.normalise.gazetteer import slugify

COLUMNS = ("url", "controller", "service", "selector", "notice")
_NOTICE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class WatchError(FlowgraphError):
    """The watch list is missing or malformed; names the file and line."""

    def __init__(self, path: Path, reason: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class WatchEntry:
    url: str
    controller: str
    service: str
    selector: str
    notice: str  # the notice id (file stem in the notices folder)
    line: int


def notice_id(controller: str, service: str) -> str:
    return slugify(f"{controller} {service}".strip())


def read_watch(path: Path) -> list[WatchEntry]:
    """Every entry of the watch list at `path`, checked (http(s) URL, controller, unique ids)."""
    if not path.is_file():
        raise WatchError(
            path, "no watch list: create it with the header url,controller,service,selector,notice"
        )
    entries: list[WatchEntry] = []
    seen: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [c for c in ("url", "controller") if c not in header]
        if missing:
            raise WatchError(path, f"missing column(s) {', '.join(missing)}", 1)
        unknown = [c for c in header if c not in COLUMNS]
        if unknown:
            raise WatchError(path, f"unknown column(s) {', '.join(unknown)} (use {', '.join(COLUMNS)})", 1)  # fmt: skip
        reader.fieldnames = header
        for row in reader:
            line = reader.line_num
            values = {k: " ".join((v or "").split()) for k, v in row.items() if k}
            url = values.get("url", "")
            if url.startswith("#") or not any(values.values()):
                continue
            entries.append(_entry(path, line, values, seen))
    return entries


def _entry(path: Path, line: int, values: dict[str, str], seen: dict[str, int]) -> WatchEntry:
    url, controller = values.get("url", ""), values.get("controller", "")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise WatchError(path, f"url {url!r} is not an http:// or https:// URL", line)
    if not controller:
        raise WatchError(path, "controller is blank: name the organisation whose notice it is", line)  # fmt: skip
    service = values.get("service", "")
    notice = values.get("notice") or notice_id(controller, service)
    if not _NOTICE_ID.match(notice):
        raise WatchError(path, f"notice {notice!r}: use lower-case letters, digits, '-', '_' or '.'", line)  # fmt: skip
    if notice in seen:
        raise WatchError(path, f"notice {notice!r} is watched twice (line {seen[notice]} too); give one a notice id of its own", line)  # fmt: skip
    seen[notice] = line
    return WatchEntry(url, controller, service, values.get("selector", ""), notice, line)
