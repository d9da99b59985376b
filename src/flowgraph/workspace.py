"""Workspaces: a council's own notices, kept with their manifest and their graph in one folder.

    my-council/
      notices/            the notice files, byte for byte, and manifest.csv listing them
      build/              the built graph (snapshots; `flowgraph build` keeps it up to date)
      build-scratch/      graphs of `flowgraph build FILE --scratch`, apart from the real one
      queries/ vocab/ ontology/   optional: when present, used instead of the bundled ones

`flowgraph init DIR` makes one, `flowgraph add FILE... --controller C` copies notices in and
lists them in the manifest, `flowgraph build` builds it (incrementally). The workspace is
selected with `--workspace DIR` or FLOWGRAPH_HOME; with neither, the sample notices of the
source tree (data/notices/, built into data/build/) are the workspace.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from flowgraph.errors import FlowgraphError
from flowgraph.ingest.manifest import COLUMNS, MANIFEST_NAME
from flowgraph.parse.layout import LAYOUTS
from flowgraph.settings import RESOURCES, Settings, source_or_bundled

CUSTOMISABLE = ("queries", "vocab", "ontology")

GITIGNORE = "build/\nbuild-scratch/\n"
README = """# flowgraph workspace

- `notices/` holds the notice files, byte for byte as published, and `manifest.csv` listing
  them (file, controller, service, title, url, retrieved, format, sha256). Add notices with
  `flowgraph add FILE --controller "Name of Council"`: it copies the file and writes the row.
  A PDF or Word .docx notice gets the text extracted from it beside it as `FILE.md` (written
  by each build; quote offsets count into it): do not list or edit it.
- `build/` is the graph `flowgraph build` makes from them (safe to delete: it is rebuilt).
- `queries/`, `vocab/`, `ontology/`, when present, replace the ones installed with flowgraph
  (`flowgraph init DIR --customise queries` copies the installed ones here to start from).

Select this workspace with `flowgraph --workspace DIR ...` or `export FLOWGRAPH_HOME=DIR`.
"""


class WorkspaceError(FlowgraphError):
    """A workspace cannot be made, or a notice cannot be added to it."""


def manifest_path(settings: Settings) -> Path:
    return settings.notices_dir / MANIFEST_NAME


def require_manifest(settings: Settings) -> Path:
    """The selected workspace's manifest, or an error saying how to make one."""
    manifest = manifest_path(settings)
    if not manifest.is_file():
        fix = (
            f"create the workspace with `flowgraph init {settings.home}`"
            if settings.home is not None
            else "restore data/notices/ or select a workspace (--workspace DIR, FLOWGRAPH_HOME)"
        )
        raise WorkspaceError(f"workspace {settings.workspace_label} has no {manifest}: {fix}")
    return manifest


# ---------------------------------------------------------------------------- init
def init(directory: Path, *, sample: bool = False, customise: tuple[str, ...] = ()) -> list[Path]:
    """Make `directory` a workspace; the paths created come back. An existing workspace is refused."""
    directory = directory.expanduser().absolute()
    unknown = [name for name in customise if name not in CUSTOMISABLE]
    if unknown:
        raise WorkspaceError(
            f"--customise {', '.join(unknown)}: choose from {', '.join(CUSTOMISABLE)}"
        )
    if directory.exists() and not directory.is_dir():
        raise WorkspaceError(f"{directory} is a file, not a folder")
    manifest = directory / "notices" / MANIFEST_NAME
    if manifest.exists():
        raise WorkspaceError(
            f"{directory} is already a workspace ({manifest} exists); add notices with `flowgraph add`"
        )
    for name in customise:
        if (directory / name).exists():
            raise WorkspaceError(f"{directory / name} exists already; not overwritten")
    created: list[Path] = []
    notices = directory / "notices"
    notices.mkdir(parents=True, exist_ok=True)
    if sample:
        source = source_or_bundled("notices")
        if source is None or not (source / MANIFEST_NAME).is_file():
            raise WorkspaceError("the sample notices are not installed with this flowgraph")
        for path in sorted(source.iterdir()):
            if path.is_file() and (path.name == MANIFEST_NAME or path.suffix != ".md"):
                shutil.copyfile(path, notices / path.name)
                created.append(notices / path.name)
    else:
        manifest.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
        created.append(manifest)
    for name, text in ((".gitignore", GITIGNORE), ("README.md", README)):
        if not (directory / name).exists():
            (directory / name).write_text(text, encoding="utf-8")
            created.append(directory / name)
    for name in customise:
        source = source_or_bundled(name)
        if source is None:
            raise WorkspaceError(f"no installed {RESOURCES[name]} to copy")
        shutil.copytree(source, directory / name)
        created.append(directory / name)
    return created


# ---------------------------------------------------------------------------- add
@dataclass(frozen=True)
class Added:
    file: str
    controller: str
    format: str
    sha256: str
    copied: bool  # False when the file was in the notices folder already and only listed
    replaced: bool = False  # a new version of a notice the workspace listed (--replace)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _listed(manifest: Path) -> tuple[list[str], list[dict[str, str]]]:
    with manifest.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    missing = [c for c in ("file", "controller") if c not in header]
    if missing:
        raise WorkspaceError(f"{manifest}:1: missing column(s) {', '.join(missing)}")
    return header, rows


def guess_format(path: Path, settings: Settings) -> str:
    """The layout the build would detect (html, tabular, markdown or plain), for the manifest."""
    from flowgraph.ingest.documents import document_kind
    from flowgraph.normalise.vocab import Vocabulary
    from flowgraph.parse.layout import detect_layout

    if path.suffix.lower() in (".html", ".htm"):
        return "html"
    data = path.read_bytes()
    if document_kind(data) is not None:
        return "markdown"  # a PDF or .docx is read as the Markdown text extracted from it
    text = data[:200_000].decode("utf-8", errors="replace")
    return detect_layout(text, Vocabulary(settings.vocab_dir).headings)


def add(
    settings: Settings,
    files: list[Path],
    controller: str,
    *,
    service: str | None = None,
    title: str | None = None,
    url: str | None = None,
    retrieved: str | None = None,
    layout: str | None = None,
    replace: bool = False,
) -> list[Added]:
    """Copy notices into the workspace and list them in its manifest, all or none: a file whose
    name (or name without extension) or content is there already is refused, naming the other.
    With `replace`, a file of a listed name is a new version of that notice: its bytes and its
    row (sha256, format and the fields given) are replaced."""
    manifest = require_manifest(settings)
    notices = settings.notices_dir
    controller = " ".join(controller.split())
    if not controller:
        raise WorkspaceError("--controller is blank: give the organisation whose notice it is")
    if layout is not None and layout not in LAYOUTS:
        raise WorkspaceError(f"--format {layout!r}: choose {', '.join(LAYOUTS)} (or leave it out)")
    if not files:
        raise WorkspaceError("name at least one notice file to add")
    header, rows = _listed(manifest)
    names = {row["file"]: row for row in rows if row.get("file")}
    stems = {Path(name).stem: name for name in names}
    contents: dict[str, str] = {}
    for name, row in names.items():
        path = notices / name
        if path.is_file():
            contents.setdefault(row.get("sha256") or _sha256(path), name)
    planned: list[tuple[Path, Path, Added]] = []
    planned_names: set[str] = set()
    for file in files:
        if not file.is_file():
            raise WorkspaceError(f"{file}: no such file")
        source = file.resolve()
        target = notices / file.name
        inside = source == target.resolve() and source.parent == notices.resolve()
        if file.name == MANIFEST_NAME or file.name.startswith("."):
            raise WorkspaceError(f"{file}: not a notice file name")
        replacing = replace and file.name in names and file.name not in planned_names
        if file.name in names and not replacing:
            raise WorkspaceError(
                f"{file.name} is already in the workspace ({manifest}, controller "
                f"{names[file.name].get('controller')!r}); rename the file to add it as another "
                "notice, or give --replace if it is a new version of that notice"
            )
        if replacing:
            contents = {k: v for k, v in contents.items() if v != file.name}
        elif Path(file.name).stem in stems:
            raise WorkspaceError(
                f"{file.name}: the workspace lists {stems[Path(file.name).stem]!r}, whose name differs "
                "only in its extension (a notice's graph is named by the file name without it); rename one"
            )
        if target.exists() and not inside and not replacing:
            raise WorkspaceError(
                f"{target} exists but is not in the manifest: move it away, or list it with "
                f"`flowgraph add {target} --controller ...`"
            )
        digest = _sha256(source)
        if digest in contents:
            raise WorkspaceError(
                f"{file}: the same content is already in the workspace as {contents[digest]!r} "
                f"(sha256 {digest[:12]}...); not added twice"
            )
        entry = Added(file.name, controller, layout or guess_format(source, settings), digest,
                      not inside, replacing)  # fmt: skip
        planned.append((source, target, entry))
        planned_names.add(file.name)
        names[file.name] = {"controller": controller}
        stems[Path(file.name).stem] = file.name
        contents[digest] = file.name
    given = {"service": service, "title": title, "url": url, "retrieved": retrieved}
    copied: list[Path] = []
    previous: dict[Path, bytes] = {}  # replaced notices' old bytes, put back if writing fails
    try:
        for source, target, entry in planned:
            if entry.copied:
                if entry.replaced:
                    previous[target] = target.read_bytes()
                # bytes as they are: evidence offsets point into them
                partial = target.with_name(f".{target.name}.{os.getpid()}")
                shutil.copyfile(source, partial)
                partial.replace(target)
                copied.append(target)
        fresh = []
        for _, _, e in planned:
            row = {
                "file": e.file,
                "controller": e.controller,
                "format": e.format,
                "sha256": e.sha256,
            }
            if e.replaced:
                old = next(r for r in rows if r.get("file") == e.file)
                old.update(row, **{k: v for k, v in given.items() if v is not None})
            else:
                fresh.append({**row, **{k: v or "" for k, v in given.items()}})
        if any(e.replaced for _, _, e in planned):
            _write_rows(manifest, header, rows + fresh)
        else:
            _append_rows(manifest, header, fresh)
    except BaseException:
        for target in copied:
            if target in previous:
                target.write_bytes(previous[target])
            else:
                target.unlink(missing_ok=True)
        raise
    return [entry for _, _, entry in planned]


def put_row(manifest: Path, row: dict[str, str]) -> str | None:
    """Add `row` to the manifest, or replace the row of the same notice (same file name without
    extension); returns the file name the replaced row listed, if any. Written atomically."""
    header, rows = _listed(manifest)
    header += [c for c in COLUMNS if c not in header]
    stem = Path(row["file"]).stem
    for i, old in enumerate(rows):
        if Path(old.get("file", "")).stem == stem:
            rows[i] = {**old, **row}
            _write_rows(manifest, header, rows)
            return old.get("file")
    _write_rows(manifest, header, [*rows, row])
    return None


def listed_file(manifest: Path, stem: str) -> str | None:
    """The file the manifest lists for notice `stem` (its file name without extension)."""
    _, rows = _listed(manifest)
    return next((r["file"] for r in rows if Path(r.get("file", "")).stem == stem), None)


def _write_rows(manifest: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """Write the whole manifest again (a row changed), through a temporary file and a rename."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    partial = manifest.with_name(f".{manifest.name}.{os.getpid()}")
    partial.write_text(buffer.getvalue(), encoding="utf-8")
    partial.replace(manifest)


def _append_rows(manifest: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """Append rows in the manifest's own column order, through a temporary file and a rename."""
    text = manifest.read_text(encoding="utf-8")
    if text and not text.endswith(("\n", "\r")):
        text += "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writerows(rows)
    partial = manifest.with_name(f".{manifest.name}.{os.getpid()}")
    partial.write_text(text + buffer.getvalue(), encoding="utf-8")
    partial.replace(manifest)
