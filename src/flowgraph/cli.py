"""The `flowgraph` command line.

Exit codes (mapped from flowgraph.errors in one place, `_Commands.invoke` and `_fail`): 0 ok,
1 findings (check, validate), 2 bad input or not found, 3 internal error (one line; the traceback
with --debug or FLOWGRAPH_DEBUG=1).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from typer.core import TyperGroup
from typer.exceptions import TyperException

from flowgraph.errors import (
    EXIT_FINDINGS,
    BadInput,
    FlowgraphError,
    NotFound,
    exit_code,
    is_internal,
    one_line,
)
from flowgraph.settings import Settings

err = Console(stderr=True)
out = Console()
_debug = [False]


def _debugging() -> bool:
    return _debug[0] or os.environ.get("FLOWGRAPH_DEBUG", "").lower() in ("1", "true", "yes")


def _fail(exc: BaseException, code: int | None = None) -> typer.Exit:
    """The one mapping of an error to what the user sees and the exit code (errors.exit_code)."""
    internal = is_internal(exc)
    message = escape(one_line(exc))  # a message may hold [brackets]: never read as markup
    err.print(
        f"[red]{message}[/red]" if internal else f"[red]error:[/red] {message}", highlight=False
    )
    if _debugging():
        err.print("".join(traceback.format_exception(exc)), markup=False, highlight=False)
    elif internal:
        err.print(
            "a fault of flowgraph's: run again with --debug for the traceback", highlight=False
        )
    return typer.Exit(exit_code(exc) if code is None else code)


class _Commands(TyperGroup):
    """Every exception a command lets out ends here: mapped by `_fail`, never a bare traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # an exit code chosen already, or a usage error (exit 2) typer reports
        except Exception as exc:
            raise _fail(exc) from exc


app = typer.Typer(
    cls=_Commands,
    help="Build and query a knowledge graph of data flows from UK council privacy notices.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


_selected: dict[str, Path | None] = {"workspace": None}  # --workspace, set by the callback


def _print_version(value: bool) -> None:
    if value:
        from flowgraph import __version__

        out.print(f"flowgraph {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace folder (made by `flowgraph init`): its notices/, build/ and any "
            "queries/, vocab/, ontology/ overrides (also FLOWGRAPH_HOME; default: the sample "
            "notices in data/notices/)",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit"
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Print the traceback of an error (also FLOWGRAPH_DEBUG=1)"),
    ] = False,
) -> None:
    """Exit codes: 0 ok, 1 findings (check, validate), 2 bad input or not found, 3 internal error."""
    _selected["workspace"] = workspace
    _debug[0] = debug


def _output_format(
    output: Path | None, fmt: Enum | None, suffixes: dict[str, str], default: str, command: str
) -> str:
    """The format to write: from -o's extension when there is one (a --format that disagrees,
    or an extension the command does not write, is refused), else --format, else `default`."""
    if output is None:
        return fmt.value if fmt is not None else default
    if output.is_dir():
        raise BadInput(f"-o {output}: is a folder; give a file name")
    if not output.parent.is_dir():
        raise BadInput(f"-o {output}: folder {output.parent} does not exist")
    extension = output.suffix.lower()
    if extension not in suffixes:
        firsts: dict[str, str] = {}  # one extension per format: .html, not also .htm
        for ext, kind in suffixes.items():
            firsts.setdefault(kind, ext)
        names = list(firsts.values())
        listed = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
        raise BadInput(
            f"-o {output}: {command} writes {listed} files, not {extension or 'no extension'}"
        )
    chosen = suffixes[extension]
    if fmt is not None and fmt.value != chosen:
        raise BadInput(f"--format {fmt.value} but -o {output} is a {extension} ({chosen}) file")
    return chosen


class ExtractFormat(StrEnum):
    json = "json"
    text = "text"


class RowsFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


class FlowsFormat(StrEnum):
    csv = "csv"
    json = "json"
    table = "table"


class ExportFormat(StrEnum):
    nquads = "nquads"
    trig = "trig"
    turtle = "turtle"
    jsonld = "jsonld"
    graphml = "graphml"
    gexf = "gexf"


class TraceFormat(StrEnum):
    text = "text"
    json = "json"
    md = "md"
    csv = "csv"


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    md = "md"


EXPORT_SUFFIXES = {".nq": "nquads", ".trig": "trig", ".ttl": "turtle", ".jsonld": "jsonld",
                   ".graphml": "graphml", ".gexf": "gexf", ".nquads": "nquads", ".turtle": "turtle"}  # fmt: skip
REPORT_SUFFIXES = {".txt": "text", ".json": "json", ".md": "md"}
DPIA_SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".pdf": "pdf"}

Paths = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Notice files, manifests or directories to build instead of the workspace "
        "(needs --scratch, or FLOWGRAPH_BUILD_DIR for folders and manifests)",
        show_default=False,
    ),
]
ControllerNotices = Annotated[
    str | None, typer.Option(help="Only this controller's notices (name or IRI)")
]
ReportFormatOption = Annotated[
    ReportFormat | None,
    typer.Option("--format", help="text (default), json or md; with -o, from its extension"),
]
ReportOutput = Annotated[
    Path | None,
    typer.Option("-o", "--output", help="File to write: .txt, .json or .md (default stdout)"),
]
Store = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="auto (default: serve loads the build into RAM when every process's copy fits in "
        "the free memory, else reads it on disk; other commands read it on disk), oxigraph (on "
        "disk), oxigraph-memory (loaded into RAM: faster, for serve), memory (rdflib), or the "
        "query URL of a SPARQL 1.1 endpoint (also FLOWGRAPH_STORE)",
    ),
]


def _settings(store: str | None = None, **overrides: Any) -> Settings:
    """Settings from FLOWGRAPH_* variables, with the options given on the command line on top."""
    from pydantic import ValidationError

    overrides.setdefault("home", _selected["workspace"])
    chosen = {k: v for k, v in {"store": store, **overrides}.items() if v is not None}
    try:
        return Settings(**chosen)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise _fail(FlowgraphError(f"bad setting: {problems}")) from exc


@contextmanager
def _build_progress() -> Iterator[dict[str, Any]]:
    """Progress bars on stderr for a build: notices read, graphs loaded (or sent), each counted
    against its total with the time taken; `on_stage`/`on_notice` are build()'s callbacks."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=err, transient=True) as progress:
        first = progress.add_task("finding notices", total=None)
        task = [first]

        def on_stage(what: str, total: int | None) -> None:
            if task[0] == first:
                progress.remove_task(first)
            else:  # the stage before is done: its bar full, its clock stopped
                done = next(t.completed for t in progress.tasks if t.id == task[0])
                progress.update(task[0], total=done, completed=done)
                progress.stop_task(task[0])
            task[0] = progress.add_task(what, total=total)

        def on_notice(name: str) -> None:
            progress.update(task[0], advance=1)

        yield {"on_stage": on_stage, "on_notice": on_notice}


@contextmanager
def _working(what: str) -> Iterator[None]:
    """A spinner with the time taken, on stderr, while a long query runs (gone when it ends)."""
    columns = (SpinnerColumn(), TextColumn(what), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        progress.add_task(what, total=None)
        yield


@dataclass
class _Graph:
    """What trace, viz and dpia all start from: the store, the query library, the flow network."""

    settings: Settings
    store: Any
    library: dict[str, Any]
    network: Any
    start: str | None = None  # the resolved IRI the network was read around
    names: Any = None  # query.names.Names of the graph, read when a name was resolved
    source: Any = None  # trace.source.FlowSource: the network file, or the store's queries

    def resolve(self, name: str | None, kind: str, what: str) -> str | None:
        """The IRI a typed name (label, alias, acronym or IRI) names; None for no name."""
        if name is None:
            return None
        if self.names is None:
            self.names = _names(self.store, self.library, self.settings)
        return self.names.resolve(name, kind, what).iri


def _names(store: Any, library: dict[str, Any], settings: Settings) -> Any:
    from flowgraph.query.names_cache import names_for

    return names_for(store, library, settings)


def _open_graph(
    store: str | None,
    around: str | None = None,
    hops: int = 4,
    categories: dict[str, list[tuple[str, str]]] | bool = False,
    *,
    with_details: bool = True,
    kind: str = "recipient",
    what: str = "--from",
) -> _Graph:
    """With `around`, only the part of the network within `hops` of it is read (hop by hop,
    from the build's network file or by one query per hop), which keeps one council's trace
    fast however many councils the graph holds."""
    from flowgraph.query.library import load_library
    from flowgraph.store import snapshot as snapshots
    from flowgraph.store.base import open_store
    from flowgraph.trace.source import flow_source

    settings = _settings(store)
    snapshot = None if settings.remote_store else snapshots.current(settings.output_dir)
    graph_store = open_store(settings, snapshot)
    library = load_library(settings.queries_dir)
    source = flow_source(settings, graph_store, library, snapshot)
    if around is None:
        return _Graph(settings, graph_store, library, source.whole(), source=source)
    names = None
    if source.file is not None and source.file.has_node(around):
        start = around  # an IRI of the network: explicit, needs no names (a second or more to read)
    else:
        names = _names(graph_store, library, settings)
        start = names.resolve(around, kind, what).iri
    members = source.category_members() if categories is True else None
    network = source.reachable(start, hops, members, with_details=with_details)
    return _Graph(settings, graph_store, library, network, start, names, source)


@app.command()
def build(
    paths: Paths = None,
    controller: Annotated[
        str | None,
        typer.Option(help="Controller of a single notice file built with --scratch"),
    ] = None,
    service: Annotated[
        str | None, typer.Option(help="Service area of a single notice file built with --scratch")
    ] = None,
    scratch: Annotated[
        bool,
        typer.Option(
            help="Build the notices named on the command line into a scratch graph beside the "
            "workspace's (<build>-scratch), leaving the workspace's graph as it is",
        ),
    ] = False,
    strict: Annotated[
        bool, typer.Option(help="Fail (exit 2) on any problem; nothing is published")
    ] = False,
    full: Annotated[
        bool, typer.Option(help="Re-read every notice instead of reusing unchanged ones")
    ] = False,
    wait: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Seconds to wait for another build of the same build directory to finish "
            "(default 600, FLOWGRAPH_BUILD_LOCK_WAIT); then exit 2",
        ),
    ] = None,
    new_controller: Annotated[
        bool,
        typer.Option(
            "--new-controller",
            help="--controller names an organisation not known yet, even if its name is close to "
            "a known one",
        ),
    ] = False,
    store: Store = None,
    update_url: Annotated[
        str | None,
        typer.Option(help="SPARQL Update URL of the external store (FLOWGRAPH_STORE_UPDATE_URL)"),
    ] = None,
    graph_store_url: Annotated[
        str | None,
        typer.Option(
            help="Graph Store Protocol URL of the external store (FLOWGRAPH_STORE_GRAPH_STORE_URL)"
        ),
    ] = None,
) -> None:
    """Build the workspace's graph from its notices (incremental; published atomically).

    A failed build leaves the previous graph as it was.

    Add notices with `flowgraph add`. A notice FILE named here is built only with --scratch,
    into a graph of its own that the workspace's graph never sees.

    With --store URL the notice graphs are also loaded into that external SPARQL store, each named
    graph replaced whole; credentials come from FLOWGRAPH_STORE_USER / FLOWGRAPH_STORE_PASSWORD.
    """
    from flowgraph.build import BuildFailed
    from flowgraph.build import build as run_build

    settings = _settings(store, store_update_url=update_url, store_graph_store_url=graph_store_url,
                         build_lock_wait=wait)  # fmt: skip
    try:
        if controller is not None:
            from flowgraph.query.names import BlankName, known_controllers, vet_new_controller

            controller = vet_new_controller(controller, known_controllers(settings),
                settings.fuzzy_threshold, allow_new=new_controller)  # fmt: skip
        if service is not None and not service.strip():
            raise BlankName("--service is blank: give the service area's name, or leave it out")
        paths, settings, where = _build_target(settings, paths, controller, service, scratch)
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    err.print(where, highlight=False)
    try:
        with _build_progress() as shown:
            report = run_build(settings, paths, controller=controller, service=service, strict=strict,
                incremental=not full, on_wait=lambda message: err.print(message, highlight=False),
                               **shown)  # fmt: skip
    except BuildFailed as exc:
        raise _fail(exc) from exc
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    table = Table(title="flowgraph build", show_header=False)
    for key, value in {**report.summary(), **report.remote}.items():
        table.add_row(key, str(value))
    out.print(table)
    for problem in report.problems:
        err.print(f"[yellow]problem:[/yellow] {problem}", highlight=False)
    for item in report.unresolved:
        err.print(f"[cyan]unresolved:[/cyan] {item}", highlight=False)
    out.print(f"published {report.snapshot}")
    if scratch:
        out.print(
            f"this is the scratch graph in {settings.output_dir}; query it with "
            f"FLOWGRAPH_BUILD_DIR={settings.output_dir} (the workspace's graph is unchanged)",
            highlight=False,
        )


def _build_target(
    settings: Settings,
    paths: list[Path] | None,
    controller: str | None,
    service: str | None,
    scratch: bool,
) -> tuple[list[Path] | None, Settings, str]:
    """What `flowgraph build` builds, into where, and a line saying so. Notices named on the
    command line replace the graph they are built into, so they never go into the workspace's
    graph: a file needs --scratch, a folder or manifest --scratch or its own FLOWGRAPH_BUILD_DIR."""
    from flowgraph.workspace import require_manifest

    if not paths:
        if scratch or controller or service:
            flag = "--scratch" if scratch else "--controller/--service"
            raise FlowgraphError(
                f"{flag} applies to notice files named on the command line; to add a notice to "
                "the workspace use `flowgraph add FILE --controller NAME`"
            )
        require_manifest(settings)
        return None, settings, f"building workspace {settings.workspace_label}"
    manifest = settings.notices_dir / "manifest.csv"
    if not scratch and all(
        p.absolute() in (settings.notices_dir, manifest) or p.resolve() in (settings.notices_dir.resolve(), manifest.resolve())
        for p in paths
    ):  # fmt: skip
        return None, settings, f"building workspace {settings.workspace_label}"
    if controller is not None and not controller.strip():
        raise FlowgraphError("--controller is blank: give the organisation whose notice it is")
    if scratch:
        scratch_settings = settings.model_copy(update={"build_dir": settings.scratch_dir})
        return paths, scratch_settings, f"building into the scratch graph {settings.scratch_dir}"
    files = [p for p in paths if not p.is_dir() and not p.name.endswith(".csv")]
    if files:
        raise FlowgraphError(
            f"{files[0]}: to add this notice to the workspace ({settings.workspace_label}) use "
            f"`flowgraph add {files[0]} --controller NAME`, then `flowgraph build`; to try it "
            "on its own without touching the workspace's graph, add --scratch"
        )
    if settings.build_dir is None:
        raise FlowgraphError(
            f"building {paths[0]} would replace the graph of workspace {settings.workspace_label} "
            "with those notices alone: add them with `flowgraph add`, select a workspace of their "
            "own with --workspace, give them a build directory (FLOWGRAPH_BUILD_DIR), or use --scratch"
        )
    return paths, settings, f"building {', '.join(map(str, paths))} into {settings.output_dir}"


@app.command()
def init(
    directory: Annotated[
        Path, typer.Argument(help="Folder to make a workspace (created if need be)")
    ],
    sample: Annotated[
        bool, typer.Option(help="Start with a copy of the sample notices instead of none")
    ] = False,
    customise: Annotated[
        list[str] | None,
        typer.Option(
            help="Copy the installed queries, vocab or ontology into the workspace, to edit "
            "(repeatable); the workspace's copy is then used instead",
        ),
    ] = None,
) -> None:
    """Make a workspace: a folder for your own notices (notices/ with manifest.csv) and their graph."""
    from flowgraph.workspace import init as run_init

    try:
        created = run_init(directory, sample=sample, customise=tuple(customise or ()))
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    where = directory.expanduser().absolute()
    out.print(
        f"workspace ready in {where} ({len(created)} files and folders made)", highlight=False
    )
    out.print(
        "next:\n"
        f"  export FLOWGRAPH_HOME={where}      # or: flowgraph --workspace {where} COMMAND\n"
        '  flowgraph add NOTICE.txt --controller "Name of Council" [--service "Housing"]\n'
        "  flowgraph build\n"
        "  flowgraph flows --format table     # or: flowgraph serve",
        highlight=False,
        markup=False,
    )


@app.command()
def add(
    files: Annotated[list[Path], typer.Argument(help="Notice files to add", show_default=False)],
    controller: Annotated[
        str, typer.Option(help="The organisation whose notice it is", show_default=False)
    ],
    service: Annotated[
        str | None, typer.Option(help="The service area, when the notice covers one")
    ] = None,
    title: Annotated[str | None, typer.Option(help="The notice's title")] = None,
    url: Annotated[str | None, typer.Option(help="Where the notice was published")] = None,
    retrieved: Annotated[str | None, typer.Option(help="When it was retrieved, YYYY-MM-DD")] = None,
    layout: Annotated[
        str | None,
        typer.Option(
            "--format", help="Layout: html, tabular, markdown or plain (default: guessed)"
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            help="A file of a name the workspace lists is a new version of that notice: replace "
            "its bytes and its manifest row"
        ),
    ] = False,
) -> None:
    """Copy notices into the workspace and list them in its manifest (then `flowgraph build`).

    The next build adds their graphs to the workspace's and keeps every other notice's.

    A file whose name or content is in the workspace already is refused (exit 2).
    """
    from flowgraph.workspace import add as run_add

    settings = _settings()
    try:
        added = run_add(settings, files, controller, service=service, title=title, url=url,
                        retrieved=retrieved, layout=layout, replace=replace)  # fmt: skip
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    for entry in added:
        verb = "replaced" if entry.replaced else "added" if entry.copied else "listed"
        out.print(
            f"{verb} {entry.file} (controller {entry.controller}, format {entry.format}, "
            f"sha256 {entry.sha256[:12]}...) in {settings.notices_dir}",
            highlight=False,
        )
    out.print("run `flowgraph build` to add it to the graph", highlight=False)


@app.command()
def fetch(
    watch: Annotated[
        Path | None,
        typer.Option(help="The watch list CSV (default: watch.csv of the workspace)"),
    ] = None,
    only: Annotated[
        str | None, typer.Option(help="Fetch only the entry of this URL or notice id")
    ] = None,
    delay: Annotated[
        float, typer.Option(min=0, help="Seconds between two requests to the same host")
    ] = 1.0,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds one request may take, connecting included")
    ] = 30.0,
    max_bytes: Annotated[
        int | None,
        typer.Option(min=1, help="Largest answer kept (default FLOWGRAPH_MAX_NOTICE_BYTES)"),
    ] = None,
    allow_private: Annotated[
        bool,
        typer.Option(help="Fetch from private, loopback and link-local addresses too"),
    ] = False,
    then_build: Annotated[
        bool, typer.Option("--build", help="Run `flowgraph build` afterwards if anything changed")
    ] = False,
) -> None:
    """Fetch the watched notices: a new version of each changed one into notices/ and the archive.

    Unchanged pages cost one conditional request (304). A failing entry is reported and the
    others still fetched; the exit code is then 2.
    """
    from flowgraph.ingest.fetch import Client
    from flowgraph.ingest.watch import read_watch
    from flowgraph.ingest.watcher import ERROR, NEW, fetch_all

    settings = _settings()
    entries = read_watch(watch or settings.watch_file)
    if only is not None:
        entries = [e for e in entries if only in (e.url, e.notice)]
        if not entries:
            raise NotFound(f"--only {only!r}: no watch list entry has that URL or notice id")
    client = Client(timeout=timeout, max_bytes=max_bytes or settings.max_notice_bytes,
                    delay=delay, allow_private=allow_private)  # fmt: skip
    table = Table(title="flowgraph fetch")
    table.add_column("notice", overflow="fold")
    table.add_column("result", no_wrap=True)
    table.add_column("detail", overflow="fold")

    def shown(outcome: Any) -> None:
        if outcome.failed:
            err.print(f"[red]error:[/red] {escape(outcome.detail)}", highlight=False)
        colour = {NEW: "green", ERROR: "red"}.get(outcome.result, "")
        result = f"[{colour}]{outcome.result}[/{colour}]" if colour else outcome.result
        table.add_row(outcome.entry.notice, result, escape(outcome.detail))

    outcomes = fetch_all(settings, entries, client, shown)
    out.print(table)
    failed = sum(o.failed for o in outcomes)
    new = sum(o.result == NEW for o in outcomes)
    out.print(f"{len(outcomes)} watched: {new} new, {len(outcomes) - new - failed} unchanged, "
              f"{failed} failed", highlight=False)  # fmt: skip
    if then_build and any(o.wrote for o in outcomes):
        build()
    if failed:
        raise typer.Exit(BadInput.exit_code)


@app.command()
def synth(
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="Directory to write notices and manifest.csv into"),
    ],
    councils: Annotated[int, typer.Option(min=1, help="How many councils")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same corpus)")] = 1,
    services: Annotated[int, typer.Option(min=1, help="Service notices per council")] = 40,
) -> None:
    """Write a deterministic synthetic corpus of council notices (for scale tests and benchmarks)."""
    from flowgraph.synth.corpus import write_corpus

    count = write_corpus(output, councils, seed, services)
    out.print(f"wrote {count} notices for {councils} councils to {output}")


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="A notice file")],
    controller: Annotated[
        str | None,
        typer.Option(help="The notice's controller (default: from the manifest beside it)"),
    ] = None,
    service: Annotated[
        str | None, typer.Option(help="Service area, when the notice covers one")
    ] = None,
    fmt: Annotated[
        ExtractFormat, typer.Option("--format", help="json or text (text with --explain)")
    ] = ExtractFormat.json,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Show, per block of the notice, the section it fell in and why, the rule that "
            "read it and the facts it gave, or why it gave none",
        ),
    ] = False,
) -> None:
    """Print what the loader extracts from one notice, one object per service area."""
    from flowgraph.ingest.manifest import read_manifest
    from flowgraph.pipeline import Extractor
    from flowgraph.rdf.iris import Minter
    from flowgraph.report.extraction import extraction_json

    settings = _settings()
    extractor = Extractor(settings)
    source = None
    manifest = file.parent / "manifest.csv"
    if manifest.exists():
        sources, _ = read_manifest(manifest)
        extractor.register_controllers(sources)
        source = next((s for s in sources if s.path == file.resolve()), None)
    if controller is not None:
        from flowgraph.model import NoticeSource
        from flowgraph.query.names import BlankName

        if not controller.strip():
            raise _fail(BlankName("--controller is blank: give the controller's name"))

        source = NoticeSource(file.resolve(), controller, service)
    if source is None:
        raise _fail(FlowgraphError(f"{file}: not in a manifest; give --controller NAME"))
    try:
        extraction = extractor.extract(source, explain=explain)
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    services = extraction_json(extraction, Minter(settings.base_iri))
    if explain and fmt is ExtractFormat.text:
        from flowgraph.report.explain import print_explanation

        print_explanation(extraction, out)
        return
    payload: object = services
    if explain:
        from flowgraph.report.explain import explanation_json

        payload = {"services": services, "explain": explanation_json(extraction)}
    json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _print_rows(names: list[str], rows: list[dict], fmt: str) -> None:
    if fmt == "json":
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=names, delimiter="," if fmt == "csv" else "\t", lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
        sys.stdout.write(buffer.getvalue())
    else:
        table = Table(*names)
        for row in rows:
            table.add_row(*("" if row[n] is None else str(row[n]) for n in names))
        out.print(table)


@app.command()
def flows(
    fmt: Annotated[
        FlowsFormat, typer.Option("--format", help="csv, json or table")
    ] = FlowsFormat.csv,
    controller: Annotated[
        str | None, typer.Option(help="Only flows of this controller (name or IRI)")
    ] = None,
    store: Store = None,
) -> None:
    """One row per flow: controller, service, recipient as written, recipient IRI, label, kind, notice, quote."""
    from flowgraph.query.library import load_library, run
    from flowgraph.store.base import open_store

    settings = _settings(store)
    try:
        graph = open_store(settings)
        library = load_library(settings.queries_dir)
        params = {}
        if controller is not None:
            params["controller"] = (
                _names(graph, library, settings)
                .resolve(controller, "controller", "--controller")
                .iri
            )
        names, rows = run(graph, library["flows"], params)
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    _print_rows(names, rows, fmt.value)


@app.command()
def query(
    name: Annotated[str | None, typer.Argument(help="A library query name, or a .rq file")] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="key=value; a parameter that names something takes a name, alias or IRI",
        ),
    ] = None,
    fmt: Annotated[
        RowsFormat, typer.Option("--format", help="table, csv, tsv or json")
    ] = RowsFormat.table,
    list_queries: Annotated[bool, typer.Option("--list", help="List the query library")] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Read the graph as it was on DATE (YYYY-MM-DD): the notice versions current then",
        ),
    ] = None,
    store: Store = None,
) -> None:
    """Run a query from queries/ (or a .rq file) with bound parameters."""
    from flowgraph.errors import QueryError
    from flowgraph.query.library import load_library, parse_query, run
    from flowgraph.query.names import bind_query_names
    from flowgraph.store.base import open_store

    settings = _settings(store)
    if as_of is not None:
        settings = _past(settings, as_of)
    try:
        library = load_library(settings.queries_dir)
        if not library:
            raise QueryError(
                f"no queries found in {settings.queries_dir}: is flowgraph installed with its "
                "queries, or does the workspace's queries/ folder hold any .rq files?"
            )
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    if list_queries or not name:
        table = Table("name", "title", "parameters")
        for q in library.values():
            table.add_row(
                q.name,
                f"{q.title}\n[dim]{q.description}[/dim]",
                "\n".join(
                    f"{k}{f' ({q.param_kinds[k]})' if k in q.param_kinds else ''}: {v}"
                    for k, v in q.params.items()
                ),
            )
        out.print(table)
        return
    try:
        if name.endswith(".rq"):
            if not Path(name).is_file():
                raise NotFound(f"no query file {name}")
            chosen = parse_query(Path(name))
        elif name in library:
            chosen = library[name]
        else:
            raise NotFound(
                f"no query {name!r}; run `flowgraph query --list` (known: {', '.join(library)})"
            )
        params = {}
        for item in param or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise QueryError(f"--param {item!r}: expected key=value")
            params[key] = int(value) if value.isdigit() else value
        graph = open_store(settings)
        params = bind_query_names(chosen, params, lambda: _names(graph, library, settings))
        with _working(f"running {chosen.name}"):
            names, rows = run(graph, chosen, params)
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    _print_rows(names, rows, fmt.value)


@app.command()
def export(
    fmt: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            help="nquads, trig (default), turtle, jsonld; graphml or gexf (the flow network); "
            "with -o, taken from its extension",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="File to write: .nq .trig .ttl .jsonld .graphml .gexf (default stdout)",
        ),
    ] = None,
) -> None:
    """Export the built graph; the output is byte-identical for the same notices."""
    from flowgraph.report.export import export_graph
    from flowgraph.store import snapshot as snapshots

    kind = _output_format(output, fmt, EXPORT_SUFFIXES, "trig", "export")
    settings = _settings()
    try:
        if kind in ("graphml", "gexf"):
            from flowgraph.query.library import load_library
            from flowgraph.report.network_export import export_network
            from flowgraph.store.base import open_store
            from flowgraph.trace.network import flow_network

            network = flow_network(open_store(settings), load_library(settings.queries_dir))
            data = export_network(network, kind)
        else:
            data = export_graph(
                snapshots.nquads_files(snapshots.current(settings.output_dir)), kind
            )
    except (FlowgraphError, ValueError) as exc:
        raise _fail(exc) from exc
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


@app.command()
def validate() -> None:
    """Run the SHACL shapes and the *-violation checks over the built graph (exit 1 on violations)."""
    from flowgraph.query.library import load_library, run
    from flowgraph.rdf.validate import validate_nquads
    from flowgraph.store import snapshot as snapshots
    from flowgraph.store.base import open_store

    settings = _settings()
    try:
        snapshot = snapshots.current(settings.output_dir)
        result = validate_nquads(
            snapshots.nquads_files(snapshot), settings.ontology_dir / "shapes.ttl"
        )
        graph = open_store(settings, snapshot)
        failed_checks = {}
        for query in load_library(settings.queries_dir).values():
            if query.is_check:
                _, rows = run(graph, query)
                if rows:
                    failed_checks[query.name] = rows
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    out.print(f"SHACL: {'conforms' if result.conforms else f'{result.violations} violation(s)'}")
    if not result.conforms:
        out.print(result.report, markup=False)
    for name, rows in failed_checks.items():
        out.print(f"check {name}: {len(rows)} violation(s)", markup=False)
        for row in rows[:20]:
            out.print(f"  {row}", markup=False)
    if not result.conforms or failed_checks:
        raise typer.Exit(EXIT_FINDINGS)
    out.print("all checks pass")


@app.command()
def trace(
    origin: Annotated[
        str, typer.Option("--from", help="Organisation the chains start from (name or IRI)")
    ],
    service: Annotated[str | None, typer.Option(help="Only this service area of it")] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", help="Only chains that reach this organisation (name or IRI)"),
    ] = None,
    max_hops: Annotated[int, typer.Option(min=1, max=10, help="Longest chain, in hops")] = 4,
    include_categories: Annotated[
        bool, typer.Option(help="Follow categories to their member organisations (possible flows)")
    ] = False,
    fmt: Annotated[
        TraceFormat, typer.Option("--format", help="text, json, md or csv")
    ] = TraceFormat.text,
    store: Store = None,
) -> None:
    """Every sharing chain from an organisation, each hop with its quote, notice and offsets."""
    from flowgraph.trace.chains import trace as run_trace
    from flowgraph.trace.render import render

    try:
        graph = _open_graph(store, origin, max_hops, include_categories, with_details=False)
        target = graph.resolve(to, "recipient", "--to")
        members = graph.source.category_members() if include_categories else None
        chains = run_trace(
            graph.network, graph.start, service=service, to=target, max_hops=max_hops,
            categories=members,
        )  # fmt: skip
    except KeyError as exc:
        raise _fail(exc if isinstance(exc, FlowgraphError) else NotFound(exc.args[0])) from exc
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    sys.stdout.write(render(chains, fmt.value))


@app.command()
def viz(
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write")] = Path(
        "flows.html"
    ),
    controller: Annotated[
        str | None, typer.Option(help="Flows reachable from this controller (name or IRI)")
    ] = None,
    service: Annotated[
        str | None, typer.Option(help="Only from this service area of the controller")
    ] = None,
    recipient: Annotated[
        str | None, typer.Option(help="Flows leading to this recipient (name or IRI)")
    ] = None,
    category: Annotated[
        str | None, typer.Option(help="Only flows to this recipient category (name or IRI)")
    ] = None,
    purpose: Annotated[
        str | None, typer.Option(help="Only flows of activities whose purposes mention this")
    ] = None,
    max_hops: Annotated[int, typer.Option(min=1, max=10, help="How far to follow chains")] = 2,
    view: Annotated[
        str | None,
        typer.Option(help="First view shown: sankey (default for one council) or network"),
    ] = None,
    group_by: Annotated[
        str,
        typer.Option(help="Group organisations by recipient category or by organisation type"),
    ] = "category",
    store: Store = None,
) -> None:
    """Write an interactive flow map (a Sankey of one council's flows and a left-to-right
    network): one self-contained HTML file that works offline."""
    _output_format(output, None, {".html": "html", ".htm": "html"}, "html", "viz")
    if view not in (None, "sankey", "network"):
        raise _fail(BadInput(f"--view must be sankey or network, not {view!r}"))
    if group_by not in ("category", "type"):
        raise _fail(BadInput(f"--group-by must be category or type, not {group_by!r}"))
    from flowgraph.visualise.render import render_view
    from flowgraph.visualise.select import Selection, collapse, select

    try:
        # Reach of one controller: read only that part of the network.
        graph = _open_graph(store, controller if controller is not None and recipient is None
                            else None, max_hops, what="--controller")  # fmt: skip
        chosen = Selection(
            graph.start or graph.resolve(controller, "recipient", "--controller"), service,
            graph.resolve(recipient, "recipient", "--recipient"),
            graph.resolve(category, "category", "--category"), purpose, max_hops,
        )  # fmt: skip
        members = graph.source.category_members()
        shown = collapse(select(graph.network, chosen), members)
        grouping = graph.source.type_members()[0] if group_by == "type" else members
    except KeyError as exc:
        raise _fail(exc if isinstance(exc, FlowgraphError) else NotFound(exc.args[0])) from exc
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    title = "flowgraph: " + ("; ".join(shown.notes) or "all flows")
    root = chosen.controller if chosen.controller and not chosen.recipient else None
    page = render_view(shown, title, members=grouping, root=root, initial=view, grouped_by=group_by)
    output.write_text(page, encoding="utf-8")
    out.print(
        f"wrote {output} ({shown.graph.number_of_nodes()} nodes, {shown.graph.number_of_edges()} flows, {output.stat().st_size // 1024} KB)"
    )


@app.command()
def dpia(
    origin: Annotated[str, typer.Option("--from", help="The controller (name or IRI)")],
    service: Annotated[str | None, typer.Option(help="One service area of it")] = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="report.html, report.md or report.pdf")
    ] = Path("dpia.html"),
    store: Store = None,
) -> None:
    """Pre-fill the ICO DPIA "describe the processing" step from the notices, with footnoted quotes:
    an HTML document (printable), Markdown, or a PDF (WeasyPrint)."""
    from flowgraph.report.dpia import (
        DPIA_HOPS,
        build_report,
        render_html,
        render_markdown,
        render_pdf,
    )

    kind = _output_format(output, None, DPIA_SUFFIXES, "html", "dpia")
    try:
        graph = _open_graph(store, origin, DPIA_HOPS, kind="controller")
        report = build_report(graph.store, graph.library, graph.network, graph.start, service)
    except KeyError as exc:
        raise _fail(exc if isinstance(exc, FlowgraphError) else NotFound(exc.args[0])) from exc
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    if kind == "pdf":
        try:
            pdf = render_pdf(report)
        except (ImportError, OSError) as exc:  # WeasyPrint or its Pango library missing
            raise _fail(
                BadInput(
                    f"-o {output}: writing PDF needs WeasyPrint and the Pango library ({exc}); "
                    "dpia also writes .html (print it from a browser) or .md files"
                )
            ) from exc
        output.write_bytes(pdf)
    else:
        text = render_markdown(report) if kind == "md" else render_html(report)
        output.write_text(text, encoding="utf-8")
    out.print(
        f"wrote {output}: {sum(len(v) for v in report.statements.values())} statements, {len(report.footnotes)} sources, {len(report.chains)} chains, {len(report.gaps)} gaps"
    )


def _select_controller(reports: list, controller: str | None, attr: str = "controller") -> list:
    """Reports of one controller, named by label (any case) or IRI; a clear error otherwise."""
    if not controller:
        return reports
    chosen = [
        r
        for r in reports
        if controller in (getattr(r, attr), "")
        or getattr(r, f"{attr}_label", "").lower() == controller.lower()
    ]
    if not chosen:
        known = sorted({getattr(r, f"{attr}_label") for r in reports})
        raise NotFound(f"no controller called {controller!r}; known: {', '.join(known)}")
    return chosen


@app.command()
def check(
    controller: ControllerNotices = None,
    notice: Annotated[
        str | None,
        typer.Option(
            help="Only this notice (file name, e.g. leeds-city-council-general.txt, or IRI)"
        ),
    ] = None,
    fmt: ReportFormatOption = None,
    output: ReportOutput = None,
    waivers: Annotated[
        Path | None,
        typer.Option(
            "--waivers",
            help="Waiver file of accepted gaps (default: flowgraph-check.toml in the current "
            "directory or the workspace, or FLOWGRAPH_CHECK_WAIVERS)",
        ),
    ] = None,
    changes_since: Annotated[
        str | None,
        typer.Option(
            "--changes-since",
            help="Instead: review what changed in the notices since DATE (YYYY-MM-DD); exit 1 "
            "on a recipient added, a transfer abroad started, a lawful basis or retention changed",
        ),
    ] = None,
    store: Store = None,
) -> None:
    """Art. 13/14 completeness per notice and service area, with flags; exit 1 when anything is missing.

    Requirements are the queries in queries/requirements/, flags those in queries/flags/: add a
    file there to add a check. A council-wide notice of the same controller can meet a
    requirement for its service areas; the report names the notice that did. A gap the council
    accepts is recorded in the waiver file (flowgraph-check.toml): it is reported as waived and
    does not fail the run until its date passes. A malformed waiver file exits 2.
    """
    from flowgraph.query.library import load_library
    from flowgraph.report.completeness import check as run_check
    from flowgraph.report.completeness_render import RENDERERS
    from flowgraph.report.waivers import apply_waivers, find_waiver_file, load_waivers
    from flowgraph.store.base import open_store

    kind = _output_format(output, fmt, REPORT_SUFFIXES, "text", "check")
    settings = _settings(store)
    if changes_since is not None:
        _review_changes(settings, changes_since, controller, kind, output)
        return
    try:
        graph, library = open_store(settings), load_library(settings.queries_dir)
        if controller is not None or notice is not None:
            names = _names(graph, library, settings)
            if controller is not None:
                controller = names.resolve(controller, "controller", "--controller").iri
            if notice is not None:
                notice = names.resolve(notice, "notice", "--notice").file
        waiver_file = find_waiver_file(
            waivers,
            settings.check_waivers,
            [p for p in (settings.home, settings.root) if p is not None],
        )
        accepted = []
        if waiver_file is not None:
            requirement_names = {q.name for q in library.values() if q.kind == "requirement"}
            accepted = load_waivers(waiver_file, requirement_names)
        reports = run_check(graph, library)
        reports, unused = apply_waivers(reports, accepted)
        for waiver in unused:
            err.print(
                f"note: {waiver.source} ({waiver.requirement}) matches no notice in the graph",
                highlight=False,
                markup=False,
            )
        reports = _select_controller(reports, controller)
        if notice:
            reports = [r for r in reports if r.notice == notice]
            if not reports:
                raise NotFound(f"no notice {notice!r} in the graph")
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    text = RENDERERS[kind](reports)
    if output:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {output}", highlight=False)
    else:
        sys.stdout.write(text)
    if any(r.missing for r in reports):
        raise typer.Exit(EXIT_FINDINGS)


def _past(settings: Settings, as_of: str) -> Settings:
    """Settings reading the graph of `as_of` (built from the archive the first time)."""
    from flowgraph.history.as_of import as_of_settings

    if settings.remote_store:
        raise _fail(BadInput("--as-of reads the archive's versions: not with an external store"))
    try:
        with _working(f"building the graph as of {as_of} from the archived versions"):
            return as_of_settings(settings, as_of)
    except FlowgraphError as exc:
        raise _fail(exc) from exc


def _diffs_since(settings: Settings, since: str, controller: str | None) -> list[Any]:
    from flowgraph.history.version_diff import VersionDiffer
    from flowgraph.ingest.archive import Archive, end_of

    try:
        moment = end_of(since)
    except ValueError:
        raise _fail(
            BadInput(f"--since {since!r} is not a date (YYYY-MM-DD) or date-time")
        ) from None
    return VersionDiffer(settings, Archive(settings.archive_dir)).since(moment, controller)


def _write_text(text: str, output: Path | None) -> None:
    if output:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {output}", highlight=False)
    else:
        sys.stdout.write(text)


def _review_changes(
    settings: Settings, since: str, controller: str | None, kind: str, output: Path | None
) -> None:
    """`check --changes-since`: the changes, and exit 1 when one needs review."""
    from flowgraph.history.render import needs_review, render

    try:
        diffs = _diffs_since(settings, since, controller)
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    _write_text(render(diffs, kind), output)
    flagged = [c for d in diffs for c in d.changes if needs_review(c)]
    if flagged:
        err.print(f"{len(flagged)} change(s) need review", highlight=False)
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def diff(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Two notice files to compare, OLD NEW (else: the archived versions)"),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Compare each notice's version current on DATE with its latest"),
    ] = None,
    controller: ControllerNotices = None,
    fmt: ReportFormatOption = None,
    output: ReportOutput = None,
) -> None:
    """What changed in the notices, per council and service: recipients added and removed, lawful
    bases and laws, transfers abroad started or stopped, retention; each with its quotes.

    Without files or --since: each notice's latest version against the one before it. Every
    version a build or `flowgraph fetch` saw is kept in the build's archive/ folder."""
    from flowgraph.history.render import render
    from flowgraph.history.version_diff import VersionDiffer
    from flowgraph.ingest.archive import Archive

    kind = _output_format(output, fmt, REPORT_SUFFIXES, "text", "diff")
    settings = _settings()
    if files and len(files) != 2:
        raise _fail(BadInput("give two files, OLD NEW (or none, with --since or without)"))
    if files and since:
        raise _fail(BadInput("give two files or --since, not both"))
    differ = VersionDiffer(settings, Archive(settings.archive_dir))
    try:
        if files:
            diffs = [differ.files(files[0], files[1], controller)]
        elif since is not None:
            diffs = _diffs_since(settings, since, controller)
        else:
            diffs = differ.latest_changes(controller)
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    _write_text(render(diffs, kind), output)


@app.command()
def ropa(
    output: Annotated[Path, typer.Option("-o", "--output", help="ropa.csv or ropa.xlsx")] = Path(
        "ropa.csv"
    ),
    controller: Annotated[
        str | None, typer.Option(help="Only this controller (name or IRI)")
    ] = None,
    store: Store = None,
) -> None:
    """Pre-fill a record of processing (UK GDPR Art. 30, ICO template columns) with evidence cells."""
    from flowgraph.query.library import load_library
    from flowgraph.report.ropa import ropa_rows, write_csv, write_xlsx
    from flowgraph.store.base import open_store

    _output_format(output, None, {".csv": "csv", ".xlsx": "xlsx"}, "csv", "ropa")
    settings = _settings(store)
    try:
        graph, library = open_store(settings), load_library(settings.queries_dir)
        if controller is not None:
            controller = (
                _names(graph, library, settings)
                .resolve(controller, "controller", "--controller")
                .label
            )
        rows = ropa_rows(graph, library)
        if controller:
            known = sorted({r.controller for r in rows})
            rows = [r for r in rows if r.controller.lower() == controller.lower()]
            if not rows:
                raise NotFound(f"no controller called {controller!r}; known: {', '.join(known)}")
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    if output.suffix.lower() == ".xlsx":
        write_xlsx(rows, output)
    else:
        output.write_text(write_csv(rows), encoding="utf-8")
    out.print(f"wrote {output}: {len(rows)} rows", highlight=False)


@app.command()
def compare(
    councils: Annotated[list[str], typer.Argument(help="Two or more councils (names or IRIs)")],
    service_like: Annotated[
        str | None, typer.Option(help='Compare service areas named like this ("Housing")')
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="text, json or md")
    ] = ReportFormat.text,
    store: Store = None,
) -> None:
    """Councils side by side: recipients, bases and transfers each states, what only one states,
    completeness scores, and the corpus's most common and rarest recipients."""
    from flowgraph.query.library import load_library
    from flowgraph.report.compare import compare as run_compare
    from flowgraph.report.compare_render import RENDERERS
    from flowgraph.report.completeness import check as run_check
    from flowgraph.store.base import open_store

    settings = _settings(store)
    try:
        graph = open_store(settings)
        library = load_library(settings.queries_dir)
        names = _names(graph, library, settings)
        councils = [names.resolve(c, "controller", "council").iri for c in councils]
        result = run_compare(graph, library, councils, service_like, run_check(graph, library))
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    sys.stdout.write(RENDERERS[fmt.value](result))


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default 127.0.0.1)")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port to listen on (default 8000)")
    ] = None,
    store: Store = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=32,
            help="Query worker processes, 1-32 (default 2; each holds the store in RAM with "
            "oxigraph-memory)",
        ),
    ] = None,
    result_cache_mb: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="MB of answers kept per build to answer repeated queries without a worker "
            "(default 64; 0: none; also FLOWGRAPH_RESULT_CACHE_MB)",
        ),
    ] = None,
) -> None:
    """Serve the SPARQL endpoint, query page and linked-data pages (builds the graph first if none exists)."""
    import logging

    from flowgraph.build import build as run_build
    from flowgraph.serve.app import create_app
    from flowgraph.serve.server import run as run_server
    from flowgraph.store import snapshot as snapshots

    settings = _settings(  # validated, as FLOWGRAPH_QUERY_WORKERS is
        store, query_workers=workers, result_cache_mb=result_cache_mb
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        if not settings.remote_store:
            snapshots.current(settings.output_dir)
    except FlowgraphError:
        from flowgraph.workspace import require_manifest

        try:
            require_manifest(settings)
            err.print(f"no graph built yet: building workspace {settings.workspace_label} first")
            with _build_progress() as shown:
                run_build(settings, **shown)
        except FlowgraphError as exc:
            raise _fail(exc) from exc
    try:
        application = create_app(settings)
    except FlowgraphError as exc:
        raise _fail(exc) from exc
    out.print(
        f"flowgraph endpoint on http://{host or settings.host}:{port or settings.port}/ (SPARQL at /sparql)"
    )
    try:
        run_server(application, settings, host or settings.host, port or settings.port)
    except SystemExit as exc:  # uvicorn's own exit when it cannot listen (port taken, bad host)
        if exc.code in (0, None):
            raise
        where = f"{host or settings.host}:{port or settings.port}"
        raise _fail(BadInput(f"cannot listen on {where} (the reason is above)")) from None


vocab_app = typer.Typer(
    cls=_Commands,
    help="The curated vocabularies: regenerate the organisation gazetteer from the registers.",
    no_args_is_help=True,
)
app.add_typer(vocab_app, name="vocab")


@vocab_app.command("build")
def vocab_build(
    registers: Annotated[
        Path | None,
        typer.Option(help="Folder of register files (default: data/registers beside data/vocab)"),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(help="Write nothing; exit 1 if the generated files differ from the registers"),
    ] = False,
) -> None:
    """Generate data/vocab/organisations/generated/*.csv from the UK registers (councils, government)."""
    from flowgraph.normalise.registers import generate, stale, write
    from flowgraph.normalise.vocab import Vocabulary

    settings = _settings()
    folder = registers or settings.vocab_dir.parent / "registers"
    target = settings.vocab_dir / "organisations" / "generated"
    try:
        if not folder.is_dir():
            raise NotFound(f"no register folder at {folder} (give one with --registers)")
        files = generate(folder)
        if check:
            outdated = stale(files, target)
            for path in outdated:
                err.print(f"out of date: {path} (run: flowgraph vocab build)", markup=False)
            if outdated:
                raise typer.Exit(EXIT_FINDINGS)
            out.print(f"generated files match the registers in {folder}", markup=False)
            return
        for path, f in zip(write(files, target), files, strict=True):
            out.print(f"{path}: {len(f.rows)} organisations", markup=False)
        merged = Vocabulary(settings.vocab_dir).organisations  # must still load, merged
        out.print(f"gazetteer: {len(merged)} organisations after merging curated rows")
    except FlowgraphError as exc:
        raise _fail(exc) from exc
