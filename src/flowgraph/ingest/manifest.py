"""The notice manifest (data/notices/manifest.csv): which file is whose notice, from where.

Columns: file, controller, service, title, url, retrieved, format, sha256 (see data/notices/README.md).

A manifest names files inside its own folder only: a row with an absolute path, a `..` that
leaves the folder, or a symlink (of the file or of a directory on the way) that resolves outside
it is refused as a problem naming the manifest, line and reason, and the file is never read.
Symlinks that stay inside the folder are followed. A file named directly on the command line
(`flowgraph build FILE --controller C --scratch`, `flowgraph add FILE`) is the user's explicit choice and is not confined.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from flowgraph.errors import ManifestError
from flowgraph.model import NoticeSource
from flowgraph.parse.layout import LAYOUTS

MANIFEST_NAME = "manifest.csv"
COLUMNS = ("file", "controller", "service", "title", "url", "retrieved", "format", "sha256")


def read_manifest(path: Path) -> tuple[list[NoticeSource], list[str]]:
    """The notices a manifest lists, and the problems with rows it had to leave out."""
    sources: list[NoticeSource] = []
    problems: list[str] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("file", "controller") if c not in (reader.fieldnames or [])]
        if missing:
            raise ManifestError(path, f"missing column(s) {', '.join(missing)}", 1)
        seen: set[str] = set()
        # Resolved once: resolving every row's path costs a syscall per path component.
        base = path.parent.resolve()
        resolved: dict[str, str] = {str(base): str(base)}  # directory -> its real path, once each
        listings: dict[str, dict[str, os.DirEntry[str]] | None] = {}  # directory -> its entries
        for line, row in enumerate(reader, start=2):
            row = {k: (v or "").strip() for k, v in row.items() if k}
            name, controller = row.get("file", ""), row.get("controller", "")
            if not name or not controller:
                problems.append(
                    str(ManifestError(path, "row needs both file and controller", line))
                )
                continue
            file_path, refused = _confined(base, name, resolved, listings)
            if refused:
                problems.append(str(ManifestError(path, f"names {name!r}: {refused}", line)))
                continue
            if not _is_file(file_path, listings):
                problems.append(
                    str(ManifestError(path, f"names {name!r}, which does not exist", line))
                )
                continue
            stem = file_path.stem
            if stem in seen:
                problems.append(str(ManifestError(path, f"lists {name!r} twice", line)))
                continue
            layout = row.get("format") or None
            if layout and layout not in LAYOUTS:
                problems.append(
                    str(
                        ManifestError(
                            path,
                            f"unknown format {layout!r} (use {', '.join(LAYOUTS)} or leave empty)",
                            line,
                        )
                    )
                )
                layout = None
            seen.add(stem)
            sources.append(
                NoticeSource(
                    file_path,
                    controller,
                    row.get("service") or None,
                    row.get("title") or None,
                    row.get("url") or None,
                    row.get("retrieved") or None,
                    layout,
                    row.get("sha256") or None,
                )
            )
    return sources, problems


def _inside(path: str, base: str) -> bool:
    """`path` is `base` or under it (both normalised, absolute)."""
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


def _entry(
    file_path: str | Path, listings: dict[str, dict[str, os.DirEntry[str]] | None]
) -> os.DirEntry[str] | bool | None:
    """The file's entry in its folder's listing (each folder listed once: the listing says
    whether an entry is a symlink or a file without a stat per row); False when the folder
    cannot be listed (then the caller asks the file system)."""
    folder, name = os.path.split(file_path)
    if folder not in listings:
        try:
            with os.scandir(folder) as entries:
                listings[folder] = {entry.name: entry for entry in entries}
        except OSError:
            listings[folder] = None
    listing = listings[folder]
    return False if listing is None else listing.get(name)


def _ask_the_file_system(entry: os.DirEntry[str] | bool | None) -> bool:
    """A symlink, or a file in a folder that could not be listed: the listing cannot say."""
    return entry is False or (entry is not None and entry.is_symlink())  # type: ignore[union-attr]


def _is_file(file_path: Path, listings: dict[str, dict[str, os.DirEntry[str]] | None]) -> bool:
    entry = _entry(file_path, listings)
    if _ask_the_file_system(entry):
        return os.path.isfile(file_path)  # noqa: PTH113
    return entry is not None and entry.is_file()


def _confined(
    base: Path,
    name: str,
    resolved: dict[str, str],
    listings: dict[str, dict[str, os.DirEntry[str]] | None],
) -> tuple[Path, str | None]:
    """The row's file as a path under `base`, or the reason it is refused: the file must stay
    inside the manifest's folder lexically and once its symlinks (file or directories) resolve.
    Directories are resolved and listed once each, so thousands of rows in a few folders cost
    no syscall each (os.path on strings: pathlib objects cost more than the syscalls)."""
    if os.path.isabs(name) or os.path.splitdrive(name)[0]:  # noqa: PTH117
        return base, "an absolute path; a manifest names files inside its own folder only"
    root = str(base)
    file_path = os.path.normpath(os.path.join(root, name))  # noqa: PTH118
    if not _inside(file_path, root):
        return base, "a path leaving the manifest's folder ('..'); files must be inside it"
    folder = os.path.dirname(file_path)  # noqa: PTH120
    real_folder = resolved.get(folder)
    if real_folder is None:
        real_folder = resolved[folder] = os.path.realpath(folder)
    if not _inside(real_folder, root):
        return base, f"a symlinked folder resolving outside the manifest's folder ({real_folder})"
    entry = _entry(file_path, listings)
    if _ask_the_file_system(entry):
        target = os.path.realpath(file_path)
        if not _inside(target, root):
            return base, f"a symlink resolving outside the manifest's folder ({target})"
    return Path(file_path), None


def discover(
    paths: list[Path], controller: str | None = None, service: str | None = None
) -> tuple[list[NoticeSource], list[str]]:
    """Notices named on the command line: manifests, directories holding one, or single files."""
    sources: list[NoticeSource] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            manifest = path / MANIFEST_NAME
            if not manifest.exists():
                problems.append(f"{path}: no {MANIFEST_NAME} in this directory")
                continue
            found, issues = read_manifest(manifest)
        elif path.name.endswith(".csv"):
            found, issues = read_manifest(path)
        elif not path.exists():
            found, issues = [], [f"{path}: file not found"]
        else:
            if not controller:
                found, issues = (
                    [],
                    [f"{path}: a single notice needs --controller NAME (or list it in a manifest)"],
                )
            else:
                found, issues = [NoticeSource(path.resolve(), controller, service)], []
        sources += found
        problems += issues
    return sources, problems
