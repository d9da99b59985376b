"""`flowgraph fetch`: bring each watched notice up to date, one entry at a time.

For each entry: address check, robots.txt, a conditional GET with the latest archived
version's ETag / Last-Modified, then, for a new version, the notice file the build reads
(`notices/<id>.html` holding the page's main content, or the PDF/Word/text as retrieved), its
manifest row, and last the archive entry: the notice file as the version, the whole page as
retrieved kept beside it. The archive is written
last so that a failure before it leaves the previous version current and the next run tries
again. A failing entry is reported and the others still run; nothing of it is written.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from flowgraph.errors import FlowgraphError
from flowgraph.ingest import address_guard
from flowgraph.ingest.archive import Archive, Version, utc_now
from flowgraph.ingest.fetch import Client, FetchError, Response
from flowgraph.ingest.main_content import decode, main_content
from flowgraph.ingest.watch import WatchEntry
from flowgraph.settings import Settings

# media type -> suffix of the archived original and of the notice file
MEDIA_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
}
NEW, NOT_MODIFIED, SAME, ERROR = "new version", "unchanged (304)", "unchanged (same content)", "error"  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    entry: WatchEntry
    result: str  # NEW, NOT_MODIFIED, SAME or ERROR
    detail: str = ""  # the error, or what was written
    version: Version | None = None
    wrote: bool = False  # the notice file and its manifest row were written

    @property
    def failed(self) -> bool:
        return self.result == ERROR


def fetch_all(
    settings: Settings,
    entries: list[WatchEntry],
    client: Client,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Fetch every entry in turn; an entry's failure is its outcome, never the others'."""
    from flowgraph.workspace import require_manifest

    require_manifest(settings)
    archive = Archive(settings.archive_dir)
    outcomes = []
    for entry in entries:
        try:
            outcome = fetch_one(settings, archive, client, entry)
        except FlowgraphError as exc:
            outcome = Outcome(entry, ERROR, str(exc))
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes


def fetch_one(settings: Settings, archive: Archive, client: Client, entry: WatchEntry) -> Outcome:
    address_guard.target(entry.url, allow_private=client.allow_private)
    latest = archive.latest(entry.notice)
    in_place = _check_in_place(settings, archive, entry, latest)
    if not client.allowed(entry.url):
        raise FetchError(f"{entry.url}: robots.txt of the site disallows fetching it; skipped")
    conditions: dict[str, str] = {}
    if latest is not None and in_place and latest.url == entry.url:
        answered = archive.validators(entry.notice)  # the last answer's, else the version's
        if answered.get("url") != entry.url:
            answered = {"etag": latest.etag, "last_modified": latest.last_modified}
        if answered.get("etag"):
            conditions["If-None-Match"] = answered["etag"]
        if answered.get("last_modified"):
            conditions["If-Modified-Since"] = answered["last_modified"]
    response = client.get(entry.url, conditions)
    if response.status == 304:
        if not conditions:
            raise FetchError(f"{entry.url}: HTTP 304 Not Modified to a request that asked for the page")  # fmt: skip
        return Outcome(entry, NOT_MODIFIED, f"version {latest.short} kept", latest)  # type: ignore[union-attr]
    if response.status != 200:
        raise FetchError(f"{entry.url}: HTTP {response.status}: expected 200 with the notice")
    media_type = _media_type(response)
    suffix = MEDIA_TYPES[media_type]
    if not response.body.strip():
        raise FetchError(f"{entry.url}: empty answer ({media_type})")
    title, notice_bytes = _notice_file(response, media_type, entry)
    # a version is the notice file the build reads: a page whose navigation or footer changed
    # but whose notice did not is the same version
    digest = hashlib.sha256(notice_bytes).hexdigest()
    etag, last_modified = response.headers.get("etag", ""), response.headers.get("last-modified", "")  # fmt: skip
    if latest is not None and latest.sha256 == digest and in_place:
        archive.note_validators(entry.notice, entry.url, etag, last_modified)
        return Outcome(entry, SAME, f"version {latest.short} kept", latest)
    version = Version(
        notice=entry.notice, retrieved=utc_now(), sha256=digest, suffix=suffix,
        controller=entry.controller, service=entry.service, url=entry.url, media_type=media_type,
        status=str(response.status), etag=etag, last_modified=last_modified,
    )  # fmt: skip
    written = _write_notice(settings, entry, version, title, notice_bytes)
    if notice_bytes != response.body:  # the whole page as retrieved, kept beside the notice
        original = archive.put_object(response.body, suffix)
        version = replace(version, original_sha256=original, original_suffix=suffix)
    kept, is_new = archive.add(notice_bytes, version)
    archive.note_validators(entry.notice, entry.url, etag, last_modified)
    if not is_new:  # the notice file was missing, unlisted or edited: put back from the same text
        return Outcome(entry, SAME, f"version {kept.short} kept; {written} again", kept, True)
    return Outcome(entry, NEW, f"version {kept.short}; {written}", kept, True)


def _media_type(response: Response) -> str:
    """The answer's media type if it is a notice format (a PDF or .docx sent as
    application/octet-stream is recognised by its first bytes); else an error naming it."""
    media_type = response.media_type
    if media_type in ("application/octet-stream", "binary/octet-stream", ""):
        path = response.url.split("?", 1)[0].lower()
        if response.body.startswith(b"%PDF-"):
            return "application/pdf"
        if response.body.startswith(b"PK\x03\x04") and path.endswith(".docx"):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if media_type not in MEDIA_TYPES:
        raise FetchError(
            f"{response.url}: content type {media_type or 'not given'} is not a notice format "
            "(HTML, PDF, Word .docx, plain text or Markdown); not kept"
        )
    return media_type


def _notice_file(response: Response, media_type: str, entry: WatchEntry) -> tuple[str, bytes]:
    """The title and bytes of the notice file the build reads: an HTML page's main content,
    anything else as retrieved."""
    if MEDIA_TYPES[media_type] != ".html":
        return "", response.body
    page = decode(response.body, response.charset)
    content = main_content(page, entry.selector or None, where=entry.url)
    return content.title, content.html.encode("utf-8")


_NOTICE_SUFFIXES = frozenset({".html", ".htm", ".txt", ".md", ".pdf", ".docx", ".pdf.md", ".docx.md"})  # fmt: skip


def _notice_file_of(path: Path, notice: str) -> bool:
    """`path` is the notice `notice`'s file (or its extracted text), not another's whose id
    starts the same ("council" and council.tax.html)."""
    return path.is_file() and path.name[len(notice) :] in _NOTICE_SUFFIXES


def _check_in_place(
    settings: Settings, archive: Archive, entry: WatchEntry, latest: Version | None
) -> bool:
    """Whether the notices folder holds the latest version (file, manifest row, same bytes);
    refuses to take over a notice added by hand (one never fetched) under the same id."""
    from flowgraph.workspace import listed_file, manifest_path

    listed = listed_file(manifest_path(settings), entry.notice)
    if not any(v.status and not v.removed for v in archive.versions(entry.notice)):  # never fetched
        candidates = settings.notices_dir.glob(f"{entry.notice}.*")
        found = (p.name for p in candidates if _notice_file_of(p, entry.notice))
        by_hand = listed or next(found, None)
        if by_hand:
            raise FetchError(
                f"{entry.url}: notice {entry.notice!r} is in the workspace already as {by_hand} "
                "but was never fetched; give the watch list row a notice id of its own (notice "
                "column) or remove that file"
            )
    if latest is None or listed is None or not (settings.notices_dir / listed).is_file():
        return False
    return hashlib.sha256((settings.notices_dir / listed).read_bytes()).hexdigest() == latest.sha256


def _write_notice(settings: Settings, entry: WatchEntry, version: Version, title: str,
                  data: bytes) -> str:  # fmt: skip
    """Write the notice file and its manifest row; on failure the previous file comes back."""
    from flowgraph.workspace import guess_format, manifest_path, put_row

    name = f"{entry.notice}{version.suffix}"
    target = settings.notices_dir / name
    previous = target.read_bytes() if target.is_file() else None
    partial = target.with_name(f".{name}.{os.getpid()}")
    partial.write_bytes(data)
    partial.replace(target)
    try:
        layout = guess_format(target, settings) if version.suffix in (".html", ".txt", ".md") else ""  # fmt: skip
        row = {
            "file": name, "controller": entry.controller, "service": entry.service,
            "url": entry.url, "retrieved": version.retrieved[:10],
            "format": layout, "sha256": hashlib.sha256(data).hexdigest(),
        }  # fmt: skip
        if title:  # a PDF's or text's row keeps a title given by hand
            row["title"] = title
        replaced = put_row(manifest_path(settings), row)
    except BaseException:
        if previous is None:
            target.unlink(missing_ok=True)
        else:
            target.write_bytes(previous)
        raise
    if replaced and replaced != name:  # the notice changed format (an HTML page became a PDF)
        (settings.notices_dir / replaced).unlink(missing_ok=True)
    return f"notices/{name} written"
