"""Every version of every notice, kept: the history `diff`, `--as-of` and `/changes` read.

A version is the notice file the build reads (for a fetched web page: its main content, as
written into the notices folder), stored once under `objects/` by its sha256 (content-addressed:
a page fetched a hundred times unchanged is one file); a fetched version also keeps the bytes
as retrieved (`original_sha256`: the whole page, PDF or .docx) so the extraction can be checked
against the source. `versions.csv` lists, in the order they were retrieved, each distinct
version of each notice: the notice id (the file stem the build knows it by), where it came from,
when it was retrieved and how the server described it. A version is only added when the notice
file's bytes differ from the notice's latest version. Versions of notices that are not fetched
(edited by hand in the notices folder) are recorded by the build.

Rows are appended to the log under a lock (a fetch and a build writing at once keep both) and
synced; a row torn by a crash mid-append is ignored and cut off by the next writer. Objects are
written through a temporary file and a rename before the log names them.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time
from functools import cached_property
from pathlib import Path

from flowgraph.atomic_write import write_atomically
from flowgraph.errors import FlowgraphError

LOG_NAME = "versions.csv"
OBJECTS = "objects"
VALIDATORS = "validators.json"
REMOVED = "removed"  # the status of a row marking a notice's removal  # per notice: the URL, ETag and Last-Modified last answered


class ArchiveError(FlowgraphError):
    """The archive's log cannot be read (a row names the line)."""


@dataclass(frozen=True)
class Version:
    """One distinct text of one notice, as retrieved."""

    notice: str  # the notice id: its file stem in the notices folder
    retrieved: str  # ISO 8601, UTC ("2026-12-02T14:05:00Z")
    sha256: str
    suffix: str  # of the notice file: ".html", ".pdf", ".docx", ".txt", ".md"
    controller: str = ""
    service: str = ""
    url: str = ""
    media_type: str = ""
    status: str = ""  # the HTTP status it came with ("200"); empty when added from a file
    etag: str = ""
    last_modified: str = ""
    original_sha256: str = ""  # the bytes as retrieved, when they differ from the notice file
    original_suffix: str = ""

    @property
    def removed(self) -> bool:
        """A row saying the notice left the workspace at `retrieved` (no text)."""
        return self.status == REMOVED

    @property
    def object_name(self) -> str:
        return f"{OBJECTS}/{self.sha256}{self.suffix}"

    @property
    def short(self) -> str:
        """The version's id in IRIs and on pages: the first 12 hex digits of its sha256."""
        return self.sha256[:12]

    @cached_property
    def retrieved_at(self) -> datetime:
        return parse_time(self.retrieved)  # once a version: logs are sorted by it


COLUMNS = tuple(f.name for f in fields(Version))


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (a bare date is its midnight;
    a date-time without an offset is read as UTC)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def end_of(text: str) -> datetime:
    """`--as-of 2026-03-01` means the whole of that day: a bare date (2026-03-01, 20260301) is
    read as its last instant; a date-time as itself."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return parse_time(text)
    return datetime.combine(day, time.max, tzinfo=UTC)


class Archive:
    """The versions kept under `directory` (created on the first `add`); the log is read once
    per Archive and kept in step with what it adds."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.log = directory / LOG_NAME
        self._versions: list[Version] | None = None
        self._read_stat: tuple[int, int] | None = None  # the log's size and time when read

    def _all(self) -> list[Version]:
        if self._versions is None:
            self._versions = self._read_log()
        return self._versions

    def _stat(self) -> tuple[int, int] | None:
        try:
            stat = self.log.stat()
        except OSError:
            return None
        return stat.st_size, stat.st_mtime_ns

    def _read_log(self) -> list[Version]:
        self._read_stat = self._stat()
        if self._read_stat is None:
            return []
        out: list[Version] = []
        text = self.log.read_text(encoding="utf-8")
        if not text.endswith("\n"):  # a row torn by a crash mid-append: never written
            text = text[: text.rfind("\n") + 1]
        with io.StringIO(text, newline="") as f:
            reader = csv.reader(f)
            header = [name.strip() for name in next(reader, [])]
            missing = [c for c in ("notice", "retrieved", "sha256") if c not in header]
            if missing:
                raise ArchiveError(f"{self.log}:1: missing column(s) {', '.join(missing)}")
            # positional, not a dict a row: 16,000 rows at 400 councils are read on every build
            where = [header.index(c) if c in header else None for c in COLUMNS]
            when = COLUMNS.index("retrieved")
            # each distinct time read once: a build writes thousands of rows with the same second
            instants: dict[str, datetime] = {}
            for line, row in enumerate(reader, start=2):
                try:
                    values = [
                        (row[i] if i < len(row) else "").strip() if i is not None else ""
                        for i in where
                    ]
                    if values[when] not in instants:
                        instants[values[when]] = parse_time(values[when])
                    out.append(Version(*values))
                except (TypeError, ValueError) as exc:
                    raise ArchiveError(f"{self.log}:{line}: {exc}") from None
        out.sort(key=lambda v: instants[v.retrieved])
        return out

    def versions(self, notice: str | None = None) -> list[Version]:
        """All versions (of one notice), oldest first."""
        return [v for v in self._all() if notice is None or v.notice == notice]

    def notices(self) -> list[str]:
        return sorted({v.notice for v in self._all()})

    def latest(self, notice: str) -> Version | None:
        found = self.versions(notice)
        return found[-1] if found else None

    def latest_by_notice(self) -> dict[str, Version]:
        return {v.notice: v for v in self._all()}

    def previous(self, version: Version) -> Version | None:
        """The version `version` revised, if any (by position in the log: two versions may
        carry the same second)."""
        versions = self.versions(version.notice)
        for index, candidate in enumerate(versions):
            if candidate == version:
                return versions[index - 1] if index else None
        return None

    def as_of(self, moment: datetime) -> dict[str, Version]:
        """Each notice's version that was current at `moment` (notices first seen later, or
        removed by then, are absent)."""
        current: dict[str, Version] = {}
        for version in self._all():
            if version.retrieved_at <= moment:
                current[version.notice] = version
        return {n: v for n, v in current.items() if not v.removed}

    def path(self, version: Version) -> Path:
        return self.directory / version.object_name

    def read(self, version: Version) -> bytes:
        return self.path(version).read_bytes()

    def put_object(self, data: bytes, suffix: str) -> str:
        """Store bytes under their sha256 (e.g. a page as retrieved); returns the sha256."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.directory / OBJECTS / f"{digest}{suffix}"
        if not target.exists():
            write_atomically(target, data)
        return digest

    def add(self, data: bytes, version: Version) -> tuple[Version, bool]:
        """Keep `data` as a version of `version.notice` (its sha256 is computed here); returns
        the version kept and whether it is new (False: the latest version has these bytes)."""
        digest = hashlib.sha256(data).hexdigest()
        version = Version(**{**asdict(version), "sha256": digest})
        latest = self.latest(version.notice)
        if latest is not None and latest.sha256 == digest:
            return latest, False
        target = self.path(version)
        if not target.exists():
            write_atomically(target, data)
        self._commit([version])
        return version, True

    def plan_files(self, files: list[tuple[Path, Version]]) -> list[tuple[Path, Version]]:
        """The files (each with its version, `sha256` the digest of the bytes that were read)
        whose text is not its notice's latest version: what a build will keep once it has
        published. Nothing is written."""
        return [
            (path, version)
            for path, version in files
            if (latest := self.latest(version.notice)) is None or latest.sha256 != version.sha256
        ]

    def commit_files(self, planned: list[tuple[Path, Version]]) -> list[Version]:
        """Keep the planned versions, each from its file if that still holds the bytes that
        were read (a file edited since is left to the next build); returns those kept."""
        kept = []
        for path, version in planned:
            if version.removed:
                kept.append(version)
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if hashlib.sha256(data).hexdigest() != version.sha256:
                continue
            target = self.path(version)
            if not target.exists():  # a copy: a hard link would change with an edit in place
                write_atomically(target, data)
            kept.append(version)
        self._commit(kept)
        return kept

    def _commit(self, new: list[Version]) -> None:
        """Add versions to the log under the archive's lock, merged with the log as it is on
        disk now: a fetch and a build writing at once both keep their rows."""
        if not new:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        with _locked(self.directory / ".lock"):
            # the log as read, unless another writer appended since (then read again)
            on_disk = self._all() if self._stat() == self._read_stat else self._read_log()
            seen = {(v.notice, v.sha256, v.retrieved) for v in on_disk}
            fresh = [v for v in new if (v.notice, v.sha256, v.retrieved) not in seen]
            if fresh:
                self._append_log(fresh)
            self._versions = sorted(on_disk + fresh, key=lambda v: v.retrieved_at)
            self._read_stat = self._stat()

    def validators(self, notice: str) -> dict[str, str]:
        """The URL, ETag and Last-Modified of the notice's last full answer (a page whose
        surroundings changed is no new version, but its new ETag is what to send next time)."""
        path = self.directory / VALIDATORS
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        found = known.get(notice) if isinstance(known, dict) else None
        return found if isinstance(found, dict) else {}

    def note_validators(self, notice: str, url: str, etag: str, last_modified: str) -> None:
        path = self.directory / VALIDATORS
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        known[notice] = {"url": url, "etag": etag, "last_modified": last_modified}
        write_atomically(path, json.dumps(known, indent=1, sort_keys=True).encode())

    def _append_log(self, versions: list[Version]) -> None:
        """Rows appended (a changed notice costs its rows, not the log's thousands), synced;
        a row torn by a crash mid-append is cut off first."""
        if self.log.exists() and self.log.stat().st_size:
            _cut_torn_tail(self.log)
            header = False
        else:
            header = True
        with self.log.open("a", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            if header:
                writer.writerow(COLUMNS)
            writer.writerows([getattr(v, c) for c in COLUMNS] for v in versions)
            f.flush()
            os.fsync(f.fileno())


def _cut_torn_tail(path: Path) -> None:
    """Truncate the file after its last newline (a line without one was never finished)."""
    with path.open("rb+") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - 65536))
        tail = f.read()
        if tail.endswith(b"\n"):
            return
        cut = tail.rfind(b"\n")
        f.truncate(size - len(tail) + cut + 1 if cut >= 0 else 0)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (created), held for the block: writers of one archive take
    turns."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
