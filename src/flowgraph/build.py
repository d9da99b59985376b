"""`flowgraph build`: notices -> extraction -> quads -> a new snapshot, published atomically.

Notices are parsed in parallel processes when there are many. A rebuild is incremental: a
notice whose bytes (and the vocabularies, ontology and controller list) are unchanged keeps its
named graph from the previous snapshot; the Oxigraph store is cloned by checkpoint (hard links)
and only the graphs of changed, new or removed notices are replaced. Its cost grows with the
changed notices, not the corpus: unchanged files are recognised by size and modification time
(hashed only when those differ), their graph files are shared with the previous snapshot, and
the shared entities graph is patched from a count of the notices stating each of its lines.

What decides a notice's graph besides its bytes is `context_hash`: the loader's code (the .py
files of LOADER_CODE, hashed once per process), the vocabularies, the ontology, the IRI base and
the controller list. A change to any of them rebuilds every notice.

One build at a time runs per build directory (`store/build_lock.py`): a second one waits for
the lock, up to `Settings.build_lock_wait` seconds. A build that fails removes the snapshot
directory and the pool files it wrote; parse workers die with the build process.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import shutil
import time
from collections import _count_elements  # type: ignore[attr-defined]
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from flowgraph import __version__, lifeline
from flowgraph.errors import FlowgraphError, NoticeError
from flowgraph.history import provenance
from flowgraph.history.record import plan_versions
from flowgraph.ingest.archive import Archive
from flowgraph.ingest.manifest import discover
from flowgraph.model import NoticeSource
from flowgraph.pipeline import Extractor
from flowgraph.rdf.build import NoticeGraphBuilder
from flowgraph.rdf.iris import Minter
from flowgraph.settings import Settings
from flowgraph.store import build_lock
from flowgraph.store import snapshot as snapshots
from flowgraph.store.oxigraph import DIRECTORY, concatenated, load_snapshot
from flowgraph.trace import network_write

PARALLEL_FROM = 24  # notices; below this, worker start-up costs more than it saves


class BuildFailed(FlowgraphError):
    """A strict build met problems; nothing was published."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "build failed; the previous graph is unchanged:\n  " + "\n  ".join(problems)
        )


@dataclass
class BuildReport:
    snapshot: Path | None = None
    notices: int = 0
    services: int = 0
    flows: int = 0
    reused: int = 0
    unresolved: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    remote: dict[str, int] = field(default_factory=dict)  # what was sent to an external store

    def summary(self) -> dict[str, object]:
        return {"notices": self.notices, "services": self.services, "flows": self.flows,
                "unresolved": len(self.unresolved), "problems": len(self.problems), "reused": self.reused}  # fmt: skip


# ---------------------------------------------------------------------------- one notice
_worker: dict[str, Any] = {}


def _start_worker(
    settings: Settings, sources: list[NoticeSource], built: dict[str, str] | None = None
) -> None:
    """`built`: notice id -> the archived text it was last built from, for the notices that
    changed since (their changes are found where they are read: `history.diff`)."""
    _worker["built"] = built or {}
    extractor = Extractor(settings)
    extractor.register_controllers(sources)
    _worker["extractor"] = extractor
    _worker["builder"] = NoticeGraphBuilder(
        Minter(settings.base_iri), extractor.vocabulary, extractor.gazetteer
    )


def _die_with_parent(parent: int) -> None:
    """In a parse worker: go when the build process goes, even by `kill -9` (which leaves no
    chance to stop the pool), without the build lock it inherited."""
    build_lock.forget_inherited()
    lifeline.die_with_parent(parent)


def _start_pool_worker(
    parent: int, settings: Settings, sources: list[NoticeSource], built: dict[str, str]
) -> None:
    _die_with_parent(parent)
    _start_worker(settings, sources, built)
    from flowgraph.rdf.vocabulary import vocabulary_quads

    extractor = _worker["extractor"]  # the flow network is projected where notices are parsed
    network_write.start_worker(settings, vocabulary_quads(
        Minter(settings.base_iri), extractor.vocabulary, extractor.gazetteer,
        settings.ontology_dir / "flowgraph.ttl",
    ))  # fmt: skip


def _process(source: NoticeSource) -> dict[str, Any]:
    """Read, extract and write one notice's quads; everything a build needs comes back as data."""
    record: dict[str, Any] = {
        "id": source.notice_id,
        "file": source.path.name,
        "path": str(source.path),  # absolute (discover): where the notice page reads the text
        "source": source_hash(source),
        "stat": _trusted_stat(source.path),
    }
    try:
        extraction = _worker["extractor"].extract(source)
    except NoticeError as exc:
        return {**record, "error": str(exc)}
    record["sha256"] = extraction.notice.sha256
    change = _change(source, extraction)
    if change is not None:
        record["change"] = change
    record["nq"], record["shared"] = _worker["builder"].build(extraction)
    record["problems"] = extraction.problems
    record["services"] = sum(1 for s in extraction.services if s.service) or 1
    record["flows"] = sum(len(s.recipients) + len(s.onward) for s in extraction.services)
    name = source.path.name
    record["unresolved"] = [
        f"{name}:{r.evidence.line}: {r.text}"
        for s in extraction.services
        for r in s.recipients + s.onward
        if r.entity.kind == "unresolved"
    ]
    record["unresolved"] += [
        f"{name}:{law.evidence.line}: {law.text}"
        for s in extraction.services
        for law in s.laws
        if not law.recognised
    ]
    return record


def _change(source: NoticeSource, extraction: Any) -> dict[str, Any] | None:
    """What changed since the text this notice was last built from, if it was built before."""
    old_path = _worker.get("built", {}).get(source.notice_id)
    if old_path is None:
        return None
    from flowgraph.history.diff import compare, labels_of

    try:
        old = _worker["extractor"].extract(replace(source, path=Path(old_path), sha256=None))
    except NoticeError as exc:  # the archived text no longer reads: said, not hidden
        extraction.problems.append(
            f"{source.path.name}: not compared with the text built before ({exc})"
        )
        return None
    if old.notice.sha256 == extraction.notice.sha256:
        return None
    if "labels" not in _worker:
        _worker["labels"] = labels_of(_worker["extractor"].vocabulary)
    return compare(old, extraction, source.notice_id, source.controller,
                   {"sha256": old.notice.sha256}, labels=_worker["labels"]).as_json()  # fmt: skip


def _process_all(
    settings: Settings,
    sources: list[NoticeSource],
    todo: list[NoticeSource],
    on_notice: Callable[[str], None] | None,
    built: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    if not todo:
        return []  # every notice unchanged: no extractor to load (its gazetteer costs 0.5 s)
    if len(todo) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        _start_worker(settings, sources, built)
        results = []
        for source in todo:
            results.append(_process(source))
            if on_notice:
                on_notice(source.path.name)
        return results
    workers = min(os.cpu_count() or 2, 8)
    with ProcessPoolExecutor(
        workers,
        initializer=_start_pool_worker,
        initargs=(os.getpid(), settings, sources, built or {}),
    ) as pool:
        results = []
        chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
        for chunk in pool.map(_process_chunk, chunks):
            for record in chunk:
                results.append(record)
                if on_notice:
                    on_notice(record["file"])
        return results


CHUNK = 32  # notices a parse worker reads, and projects into the flow network, at once


def _process_chunk(sources: list[NoticeSource]) -> list[dict[str, Any]]:
    records = [_process(source) for source in sources]
    network_write.project(records)
    return records


# ---------------------------------------------------------------------------- incremental
# The code that decides a notice's graph and its build record: reading (ingest), parsing,
# extraction (normalise, pipeline), the model, the RDF it becomes (rdf), the settings and
# messages it uses, and this module (record layout, graph keys). Not the server, queries,
# reports or exports: they read the graph but do not make it.
CODE_ROOT = Path(__file__).resolve().parent
LOADER_CODE = ("ingest", "parse", "normalise", "rdf", "pipeline.py", "model.py", "errors.py",
               "settings.py", "build.py", "history/provenance.py")  # fmt: skip
_code_hashes: dict[Path, str] = {}


def loader_code_hash(root: Path | None = None) -> str:
    """A hash of the loader's source files (LOADER_CODE under `root`), computed once per
    process: the running code is what was imported, which does not change under it."""
    root = root or CODE_ROOT
    known = _code_hashes.get(root)
    if known is not None:
        return known
    digest = hashlib.sha256()
    for entry in LOADER_CODE:
        path = root / entry
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
            try:
                digest.update(file.read_bytes())
            except OSError:
                digest.update(b"<missing>")
            digest.update(b"\0")
    _code_hashes[root] = digest.hexdigest()
    return _code_hashes[root]


def context_hash(settings: Settings, sources: list[NoticeSource]) -> str:
    """What, besides a notice's own bytes, decides its graph: code, vocabularies, ontology, controllers."""
    digest = hashlib.sha256(
        f"{__version__}|{loader_code_hash()}|{settings.base_iri}|{settings.fuzzy_threshold}".encode()
    )
    for path in [
        *sorted(settings.vocab_dir.glob("*.csv")),
        settings.ontology_dir / "flowgraph.ttl",
    ]:
        digest.update(path.name.encode() + path.read_bytes())
    for name in sorted({s.controller for s in sources}):
        digest.update(name.encode() + b"\x00")
    return digest.hexdigest()


def source_hash(source: NoticeSource) -> str:
    """The manifest's description of one notice; a change to it re-reads that notice."""
    described = f"{source.controller}|{source.service}|{source.title}|{source.url}|{source.retrieved}|{source.format_hint}"
    return hashlib.sha256(described.encode()).hexdigest()


def _previous(settings: Settings, context: str) -> tuple[Path | None, dict[str, dict[str, Any]]]:
    try:
        previous = snapshots.current(settings.output_dir)
        meta = snapshots.read_json(previous / "build.json")
    except (FlowgraphError, OSError, ValueError):
        return None, {}
    if meta.get("context") != context or not (previous / snapshots.GRAPH_LIST).exists():
        return None, {}  # other code or vocabularies, or a snapshot from before the graph pool
    return previous, {n["id"]: n for n in meta.get("notices_list", [])}


def _file_sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


RACY_NS = 2_000_000_000  # coarse file systems stamp times to 2 s


def _trusted_stat(path: Path) -> list[int] | None:
    """Size and modification time, if they can later vouch for the bytes being unchanged: a
    file modified within the last moments could change again without its time changing."""
    try:
        stat = path.stat()
    except OSError:
        return None
    if stat.st_mtime_ns > time.time_ns() - RACY_NS:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _unchanged(source: NoticeSource, record: dict[str, Any]) -> bool:
    """The notice's bytes are those the record was built from (as git's index decides)."""
    if record.get("source") != source_hash(source):
        return False
    stat = _trusted_stat(source.path)
    if stat is not None and stat == record.get("stat"):
        return True
    if record.get("sha256") != _file_sha(source.path):
        return False
    record["stat"] = stat
    return True


_encoded: dict[int, tuple[str, bytes]] = {}  # the texts `_graph_key` just encoded, by identity


def _utf8(text: str) -> bytes:
    """A pool text's bytes, encoded once: `_graph_key` keeps them for the `_write_pool` calls
    that follow it (hundreds of MB at 400 councils)."""
    known = _encoded.pop(id(text), None)
    if known is not None and known[0] is text:
        return known[1]
    return text.encode()


def _graph_key(nq: str, shared: str) -> str:
    data, shared_data = nq.encode(), shared.encode()
    _encoded.clear()
    _encoded[id(nq)], _encoded[id(shared)] = (nq, data), (shared, shared_data)
    digest = hashlib.sha256(data)
    digest.update(b"\0")
    digest.update(shared_data)
    return digest.hexdigest()[:16]


def _pool_names(record: dict[str, Any]) -> tuple[str, str]:
    stem = f"{record['id']}.{record['graph']}"
    return f"{stem}.nq", f"{stem}.shared.nq"


def _write_pool(pool: Path, name: str, text: str) -> bool:
    """Pool files are immutable and named by content: write under a temporary name, then rename,
    so an interrupted build never leaves a truncated file under a real name. True if written."""
    # os calls on strings, not pathlib: this runs twice per notice (32,000 times at 400 councils)
    directory = os.fspath(pool)
    target = f"{directory}{os.sep}{name}"
    if os.path.exists(target):  # noqa: PTH110
        _encoded.pop(id(text), None)
        return False
    partial = f"{directory}{os.sep}.{name}.{os.getpid()}"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(_utf8(text))
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    os.replace(partial, target)  # noqa: PTH105
    return True


ENTITY_COUNTS = "entities.counts"


def _count_lines(counts: dict[str, int], text: str, step: int) -> None:
    lines = set(text.splitlines())
    lines.discard("")
    if step == 1:  # a full build counts every notice's lines: the C loop, not a Python one
        _count_elements(counts, lines)
        return
    for line in lines:
        counts[line] = counts.get(line, 0) + step


def _read_counts(snapshot: Path) -> dict[str, int] | None:
    try:
        counts = marshal.loads((snapshot / ENTITY_COUNTS).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return counts if isinstance(counts, dict) else None


# ---------------------------------------------------------------------------- build
def build(
    settings: Settings,
    paths: list[Path] | None = None,
    *,
    controller: str | None = None,
    service: str | None = None,
    strict: bool = False,
    incremental: bool = True,
    on_notice: Callable[[str], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    on_stage: Callable[[str, int | None], None] | None = None,
) -> BuildReport:
    """Build and publish; one build at a time per build directory (a second one waits up to
    `settings.build_lock_wait` seconds, then raises `BuildLocked`).

    Progress: `on_stage(what, how_many)` as each stage starts (reading notices, loading graphs,
    sending graphs), then `on_notice(name)` once per notice read, graph loaded or graph sent."""
    with build_lock.hold(settings.output_dir, settings.build_lock_wait, on_wait):
        with contextlib.suppress(FlowgraphError, OSError):
            build_lock.sweep(settings.output_dir, snapshots.current(settings.output_dir))
        attempt = _Attempt()
        try:
            return _build(
                settings, paths, controller, service, strict, incremental, on_notice, attempt,
                on_stage or (lambda what, total: None),
            )  # fmt: skip
        except BaseException:  # an error, a strict failure, Ctrl-C: leave nothing behind
            attempt.discard(settings.output_dir)
            raise


@dataclass
class _Attempt:
    """What a build has written so far, so that a failed one can take it back."""

    snapshot: Path | None = None
    written: list[str] = field(default_factory=list)  # pool files this build created

    def discard(self, root: Path) -> None:
        if self.snapshot is None:
            return
        try:
            if snapshots.current(root) == self.snapshot.resolve():
                return  # failed after the swap (while pruning): this is the graph now
        except (FlowgraphError, OSError):
            pass
        build_lock.discard(self.snapshot, root / snapshots.POOL, self.written)


def _build(
    settings: Settings,
    paths: list[Path] | None,
    controller: str | None,
    service: str | None,
    strict: bool,
    incremental: bool,
    on_notice: Callable[[str], None] | None,
    attempt: _Attempt,
    on_stage: Callable[[str, int | None], None],
) -> BuildReport:
    sources, problems = discover(paths or [settings.notices_dir], controller, service)
    report = BuildReport(problems=list(problems))
    context = context_hash(settings, sources)
    previous, known = _previous(settings, context) if incremental else (None, {})
    counts = _read_counts(previous) if previous is not None else None
    if counts is None:
        previous, known = None, {}
    pool = settings.output_dir / snapshots.POOL
    pool.mkdir(parents=True, exist_ok=True)
    pooled = {path.name for path in pool.iterdir()} if previous is not None else set()
    reuse: list[dict[str, Any]] = []
    todo: list[NoticeSource] = []
    for source in sources:
        record = known.get(source.notice_id)
        if record and _pool_names(record)[1] in pooled and _unchanged(source, record):
            reuse.append({**record, "path": str(source.path)})
        else:
            todo.append(source)
    on_stage(f"reading notices ({len(reuse)} unchanged)" if reuse else "reading notices", len(todo))
    archive = Archive(settings.archive_dir) if settings.keep_history else None
    built = {}
    if archive is not None:
        # the texts last built, also across a change of code or vocabularies (a full rebuild)
        last_built = known if previous is not None else _last_built(settings)
        built = _built_texts(archive, last_built, todo)
    results = _process_all(settings, sources, todo, on_notice, built)
    records = reuse + [r for r in results if "error" not in r]
    report.problems += [r["error"] for r in results if "error" in r]
    for record in records:
        report.problems += record["problems"]
        report.unresolved += record["unresolved"]
        report.services += record["services"]
        report.flows += record["flows"]
    report.notices = len(records)
    report.reused = len(reuse)
    if not records:
        report.problems.append("no notice could be read; nothing to build")
    if (strict and report.problems) or not records:
        raise BuildFailed(report.problems)

    snapshot = snapshots.new_snapshot(settings.output_dir)
    build_lock.mark_building(snapshot)
    attempt.snapshot = snapshot
    new_shared: dict[str, str] = {}
    parts: dict[str, Any] = {}
    for record in results:
        if "nq" in record:
            parts[record["id"]] = record.pop("network", None)
            nq, shared = record.pop("nq"), record.pop("shared")
            record["graph"] = _graph_key(nq, shared)
            names = _pool_names(record)
            for name, text in zip(names, (nq, shared), strict=True):
                if _write_pool(pool, name, text):
                    attempt.written.append(name)
            new_shared[record["id"]] = shared
    history = None
    if archive is not None:
        history = _write_versions(
            settings, archive, snapshot, previous, set(known), sources, records, results
        )
    versions_changed = history is not None and history.changed
    listed = sorted(name for record in records for name in _pool_names(record))
    (snapshot / snapshots.GRAPH_LIST).write_text("\n".join(listed) + "\n", encoding="utf-8")
    if previous is not None:
        shutil.copy2(previous / "vocabulary.nq", snapshot / "vocabulary.nq")
    else:
        from flowgraph.rdf.vocabulary import vocabulary_quads  # rdflib: 0.6 s, full builds only

        extractor = Extractor(settings)
        extractor.register_controllers(sources)
        vocab = vocabulary_quads(
            Minter(settings.base_iri),
            extractor.vocabulary,
            extractor.gazetteer,
            settings.ontology_dir / "flowgraph.ttl",
        )
        (snapshot / "vocabulary.nq").write_text(vocab, encoding="utf-8")
    notices_list = sorted(
        ({k: v for k, v in r.items() if k != "nq"} for r in records), key=lambda r: r["id"]
    )
    snapshots.write_json(snapshot / "build.json", {**report.summary(), "context": context, "base_iri": settings.base_iri,
                                                   "problems_list": report.problems, "notices_list": notices_list})  # fmt: skip
    if previous is not None and reuse:
        on_stage("loading changed graphs", None)
        counts = _update_store(
            previous, snapshot, pool, settings, known, records, new_shared, counts,
            versions_changed,
        )  # fmt: skip
    else:
        counts = {}
        for shared in new_shared.values():
            _count_lines(counts, shared, 1)
        on_stage("loading graphs", len(snapshots.nquads_files(snapshot)))
        load_snapshot(snapshot, on_notice)
    on_stage("writing the flow network", None)
    network_write.write_network(settings, snapshot, previous if reuse else None, records, parts,
                                counts, _pool_names)  # fmt: skip
    (snapshot / ENTITY_COUNTS).write_bytes(marshal.dumps(counts))
    if settings.remote_store:
        from flowgraph.store.remote_load import state_path, sync_snapshot

        if not incremental:
            state_path(settings).unlink(missing_ok=True)
        on_stage("sending graphs to the external store", None)
        synced = sync_snapshot(settings, snapshot, on_graph=on_notice)
        report.remote = {"graphs sent": len(synced.sent), "graphs deleted": len(synced.deleted),
                         "graphs unchanged": synced.unchanged, "triples sent": synced.triples}  # fmt: skip
    build_lock.unmark_building(snapshot)
    snapshots.publish(settings.output_dir, snapshot)
    report.snapshot = snapshot
    if archive is not None and history is not None:
        _keep_history(archive, history)
    return report


def _last_built(settings: Settings) -> dict[str, dict[str, Any]]:
    """The current snapshot's notice records, whatever code built it."""
    with contextlib.suppress(FlowgraphError, OSError, ValueError):
        meta = snapshots.read_json(snapshots.current(settings.output_dir) / "build.json")
        return {n["id"]: n for n in meta.get("notices_list", [])}
    return {}


def _built_texts(
    archive: Archive, known: dict[str, dict[str, Any]], todo: list[NoticeSource]
) -> dict[str, str]:
    """For each notice to read that an earlier build read: the archived text it read then."""
    wanted = {
        s.notice_id for s in todo if s.notice_id in known and known[s.notice_id].get("sha256")
    }
    if not wanted:
        return {}
    out = {}
    for version in archive.versions():
        if version.notice in wanted and version.sha256 == known[version.notice]["sha256"]:
            out[version.notice] = str(archive.path(version))
    return out


@dataclass
class _History:
    """What a build adds to the archive, kept until it has published."""

    planned: list[tuple[Path, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    changed: bool = False  # the versions graph differs from the previous snapshot's


def _write_versions(
    settings: Settings,
    archive: Archive,
    snapshot: Path,
    previous: Path | None,
    previous_ids: set[str],
    sources: list[NoticeSource],
    records: list[dict[str, Any]],
    fresh: list[dict[str, Any]],
) -> _History:
    """Plan the versions of the notices read afresh whose bytes are new (all notices when the
    archive is new or the build full) and the changes found while reading them, and write the
    versions graph as it will be once they are kept."""
    first = previous is None or not archive.log.exists()
    history = _History(plan_versions(archive, sources, records if first else fresh))
    planned = [version for _, version in history.planned]
    history.entries = _changes(archive, planned, fresh)
    target = snapshot / provenance.VERSIONS_FILE
    old = previous / provenance.VERSIONS_FILE if previous is not None else None
    # the previous snapshot's notices (its build.json, read once by the build)
    same_notices = previous is not None and {r["id"] for r in records} == previous_ids
    if old is not None and old.exists() and not fresh and same_notices:
        shutil.copy2(old, target)  # nothing read again: no version can have changed
        return history
    versions = sorted([*archive.versions(), *planned], key=lambda v: v.retrieved_at)
    text = provenance.version_quads(Minter(settings.base_iri), versions, (r["id"] for r in records))
    target.write_text(text, encoding="utf-8")
    history.changed = old is None or not old.exists() or old.read_text(encoding="utf-8") != text
    return history


def _changes(archive: Archive, planned: list[Any], fresh: list[dict[str, Any]]) -> list[dict[str, Any]]:  # fmt: skip
    """The changes found while reading, each with the versions it is between."""
    from flowgraph.history import changes

    new_versions = {v.notice: v for v in planned}
    entries = []
    for record in fresh:
        change = record.pop("change", None)
        if change is None:
            continue
        shas = {v.sha256: v for v in archive.versions(record["id"])}
        new = new_versions.get(record["id"]) or shas.get(record.get("sha256", ""))
        old = shas.get((change.get("old") or {}).get("sha256", ""))
        change["new"], change["old"] = changes.version_meta(new), changes.version_meta(old)
        entries.append(change)
    return entries


def _keep_history(archive: Archive, history: _History) -> None:
    """After publishing: the planned versions and the changes found go into the archive."""
    from flowgraph.history import changes

    archive.commit_files(history.planned)
    changes.append(archive, history.entries)


def _update_store(
    previous: Path,
    snapshot: Path,
    pool: Path,
    settings: Settings,
    known: dict[str, Any],
    records: list[dict[str, Any]],
    new_shared: dict[str, str],
    counts: dict[str, int],
    versions_changed: bool = False,
) -> dict[str, int]:
    """Clone the previous store by checkpoint, then replace only the graphs that changed; the
    entity counts, updated, come back for the snapshot."""
    ox.Store.read_only(str(previous / DIRECTORY)).backup(str(snapshot / DIRECTORY))
    store = ox.Store(str(snapshot / DIRECTORY))
    minter = Minter(settings.base_iri)
    current = {r["id"] for r in records}
    touched = sorted((set(known) - current) | (set(new_shared) & set(known)))
    for notice_id in touched:
        store.remove_graph(ox.NamedNode(minter.graph(notice_id)))
    files = [pool / _pool_names(r)[0] for r in records if r["id"] in new_shared]
    if files:
        store.bulk_load(concatenated(sorted(files)), format=ox.RdfFormat.N_QUADS)
    old_shared = {i: (pool / _pool_names(known[i])[1]).read_text(encoding="utf-8") for i in touched}
    _patch_entities(store, counts, old_shared, new_shared)
    if not settings.keep_history and (previous / provenance.VERSIONS_FILE).exists():
        store.remove_graph(ox.NamedNode(provenance.versions_graph(minter)))  # history turned off
    if versions_changed:
        old_versions = previous / provenance.VERSIONS_FILE
        provenance.patch_store(
            store,
            old_versions.read_text(encoding="utf-8") if old_versions.exists() else "",
            (snapshot / provenance.VERSIONS_FILE).read_text(encoding="utf-8"),
        )
    store.flush()
    del store
    return counts


def _patch_entities(
    store: ox.Store, counts: dict[str, int], old: dict[str, str], new: dict[str, str]
) -> None:
    """The shared entities graph is the union of every notice's `.shared.nq`; `counts` says how
    many notices state each line. Lines no notice states any more are removed and lines first
    stated now are added, without reading the other notices (seconds at hundreds of councils)."""
    lines = {line for text in [*old.values(), *new.values()] for line in text.splitlines() if line}
    before = {line: counts.get(line, 0) for line in lines}
    for text in old.values():
        _count_lines(counts, text, -1)
    for text in new.values():
        _count_lines(counts, text, 1)
    added = sorted(line for line in lines if before[line] == 0 and counts.get(line, 0) > 0)
    removed = sorted(line for line in lines if before[line] > 0 and counts.get(line, 0) <= 0)
    for line in lines:
        if counts.get(line, 0) <= 0:
            counts.pop(line, None)
    if added:
        store.load(("\n".join(added) + "\n").encode(), format=ox.RdfFormat.N_QUADS)
    for line in removed:
        for quad in ox.parse(line.encode(), format=ox.RdfFormat.N_QUADS):
            store.remove(quad)
