"""The build's side of the network file: each notice's rows, answered by the library's queries.

A notice's flows are projected where it is parsed: its quads (and its part of the shared
entities graph) are added to a small in-memory store holding the vocabulary, the library's
`flow-edges` and `activity-details` queries run there, and the quads are taken out again
(some milliseconds a notice). What a notice's flows need is stated in its own graph, its
entities and the vocabulary, so the rows equal what the whole store answers for them
(tests/trace/test_network_file.py checks it), and a rebuild copies the previous snapshot's file
and replaces only the rows of the notices it re-read. Category members and organisation types
are store-wide: read from the built store, again only when a rebuild changed the entities graph.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from flowgraph.query.library import LibraryQuery, load_library, run
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.oxigraph import OxigraphStore
from flowgraph.trace.network_schema import EDGE_COLUMNS, FILE, SCHEMA, VERSION

Part = tuple[list[tuple], list[tuple]]  # a notice's flow-edges rows, its activity-details rows
_EDGE_NAMES = list(EDGE_COLUMNS)
NQUADS = ox.RdfFormat.N_QUADS


class Projector:
    """A small store of the vocabulary, to which a few notices at a time are added and queried."""

    def __init__(self, vocabulary: bytes, library: dict[str, LibraryQuery]) -> None:
        self.store = ox.Store()
        self.store.load(vocabulary, format=ox.RdfFormat.N_QUADS)
        self.vocabulary = set(self.store.named_graphs())
        self.library = library

    def parts(self, graphs: list[tuple[str, str]]) -> dict[str, Part]:
        """Each notice's rows by its file name (a flow's evidence names its notice's file), as
        the whole store answers them; several notices at once, as the queries cost some
        milliseconds to plan whatever the data. Details are kept for activities with flows
        (the only ones the projection reads)."""
        text = "".join(nq + shared for nq, shared in graphs)
        edges, details = self.answer(text, ["flow-edges", "activity-details"])
        parts: dict[str, Part] = {}
        owner: dict[str, str] = {}
        for row in edges:
            parts.setdefault(row["notice"], ([], []))[0].append(tuple(row[n] for n in _EDGE_NAMES))
            owner[row["activity"]] = row["notice"]
        for row in details:
            if row["activity"] in owner:
                parts[owner[row["activity"]]][1].append(
                    (row["activity"], row["kind"], row["value"])
                )
        for rows, _ in parts.values():  # ties of the queries' order in one order, however read
            rows.sort(key=_edge_order)
        return parts

    def answer(self, nquads: str, queries: list[str]) -> list[list[dict[str, Any]]]:
        """The library queries' rows over the vocabulary and these quads (then taken out)."""
        self.store.load(nquads.encode(), format=NQUADS)
        try:
            store = OxigraphStore(self.store)
            return [run(store, self.library[name])[1] for name in queries]
        finally:  # the notices' graphs and their entities: every graph but the vocabulary's
            for graph in list(self.store.named_graphs()):
                if graph not in self.vocabulary:
                    self.store.remove_graph(graph)

    def part(self, file: str, nq: str, shared: str) -> Part:
        """One notice's rows (`file`: its file name)."""
        return self.parts([(nq, shared)]).get(file, ([], []))


_SORT = [_EDGE_NAMES.index(name) for name in ("notice", "start", "end", "to")]


def _edge_order(row: tuple) -> tuple:
    """flow-edges' ORDER BY (notice, start, end, recipient), then the whole row."""
    return (*(row[i] for i in _SORT), repr(row))


_worker: dict[str, Projector] = {}


def start_worker(settings: Settings, vocabulary: str) -> None:
    """In a parse worker: make the projector once (the vocabulary as the build writes it)."""
    _worker["projector"] = Projector(vocabulary.encode(), load_library(settings.queries_dir))


def project(records: list[dict[str, Any]]) -> None:
    """In a worker started for it, the part of each record read (its `network`), projected
    together; else the build projects them when it writes the file."""
    projector = _worker.get("projector")
    read = [r for r in records if "nq" in r]
    if projector is None or not read:
        return
    files = [r["file"] for r in read]
    if len(set(files)) < len(files):  # two notices of one file name: one at a time
        for record in read:
            record["network"] = projector.part(record["file"], record["nq"], record["shared"])
        return
    parts = projector.parts([(r["nq"], r["shared"]) for r in read])
    for record in read:
        record["network"] = parts.get(record["file"], ([], []))


def write_network(
    settings: Settings,
    snapshot: Path,
    previous: Path | None,
    records: list[dict[str, Any]],
    parts: dict[str, Part | None],
    counts: dict[str, int],
    pool_names: Callable[[dict[str, Any]], tuple[str, str]],
) -> None:
    """Write `snapshot/network.sqlite`: from the previous snapshot's file when there is one
    (rows of the notices read again replaced), else from every notice's part."""
    pool = snapshots.pool_dir(snapshot)
    library = load_library(settings.queries_dir)
    shared = {r["id"]: pool_names(r)[1] for r in records}
    files = {r["id"]: r["file"] for r in records}
    target = snapshot / FILE
    partial = snapshot / f".{FILE}.partial"
    partial.unlink(missing_ok=True)
    base = previous / FILE if previous is not None else None
    if base is not None and _readable(base):
        shutil.copyfile(base, partial)
        db = _connect(partial)
        old = dict(db.execute("SELECT id, shared FROM notices"))
        keep = {i for i in shared if i in old and parts.get(i, ()) == () and old[i] == shared[i]}
        gone = sorted(set(old) - keep)
        for table in ("edges", "details"):
            db.executemany(f"DELETE FROM {table} WHERE notice_id = ?", [(i,) for i in gone])
        db.executemany("DELETE FROM notices WHERE id = ?", [(i,) for i in gone])
        todo = sorted(set(shared) - keep)
        changed = _changed_lines(
            [pool / old[i] for i in gone], [pool / shared[i] for i in todo], counts
        )
    else:
        db = _connect(partial)
        db.executescript(SCHEMA)
        db.execute("INSERT INTO meta VALUES ('version', ?)", (VERSION,))
        todo, changed = sorted(shared), None
    projector = _Lazy(lambda: Projector((snapshot / "vocabulary.nq").read_bytes(), library))
    _insert_parts(db, projector, pool, shared, files, todo, parts)
    if changed is None or (changed and not _patch_store_tables(db, projector, changed, counts)):
        _write_store_tables(db, snapshot, library)
    db.commit()
    db.close()
    partial.replace(target)


def _readable(path: Path) -> bool:
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            found = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return found == (VERSION,)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = OFF")  # written under a temporary name, renamed when done
    db.execute("PRAGMA synchronous = OFF")
    return db


class _Lazy:
    """A projector made on first use (loading the vocabulary takes a fifth of a second)."""

    def __init__(self, make: Callable[[], Projector]) -> None:
        self.make = make
        self.made: Projector | None = None

    def __call__(self) -> Projector:
        if self.made is None:
            self.made = self.make()
        return self.made


def _insert_parts(
    db: sqlite3.Connection,
    projector: _Lazy,
    pool: Path,
    shared: dict[str, str],
    files: dict[str, str],
    todo: list[str],
    parts: dict[str, Part | None],
) -> None:
    """Insert the parts of `todo`; those not projected by a parse worker are projected here."""
    columns = ", ".join(["notice_id", "seq", *EDGE_COLUMNS.values()])
    marks = ", ".join("?" * (len(EDGE_COLUMNS) + 2))
    for notice_id in todo:
        part = parts.get(notice_id)
        if part is None:
            shared_file = pool / shared[notice_id]
            nq_file = shared_file.with_name(shared[notice_id].removesuffix(".shared.nq") + ".nq")
            part = projector().part(
                files[notice_id],
                nq_file.read_text(encoding="utf-8"),
                shared_file.read_text(encoding="utf-8"),
            )
        edges, details = part
        db.execute("INSERT INTO notices VALUES (?, ?)", (notice_id, shared[notice_id]))
        db.executemany(
            f"INSERT INTO edges ({columns}) VALUES ({marks})",
            [(notice_id, seq, *row) for seq, row in enumerate(edges)],
        )
        db.executemany(
            "INSERT INTO details VALUES (?, ?, ?, ?, ?)",
            [(notice_id, seq, *row) for seq, row in enumerate(details)],
        )


def _changed_lines(old: list[Path], new: list[Path], counts: dict[str, int]) -> set[str] | None:
    """The lines of the shared entities graph the rebuild added or removed (None: unknown).
    `counts` (after the rebuild) says how many notices state each line; the files are the
    entities of the notices read again, before and after."""
    try:
        old_sets = [_lines(path) for path in old]
        new_sets = [_lines(path) for path in new]
    except OSError:
        return None
    changed = set()
    for line in set().union(*old_sets, *new_sets):
        after = counts.get(line, 0)
        before = after - sum(line in s for s in new_sets) + sum(line in s for s in old_sets)
        if (before > 0) != (after > 0):
            changed.add(line)
    return changed


def _lines(path: Path) -> set[str]:
    return {line for line in path.read_text(encoding="utf-8").splitlines() if line}


def _patch_store_tables(
    db: sqlite3.Connection, projector: _Lazy, changed: set[str], counts: dict[str, int]
) -> bool:
    """Category members and types of the organisations whose entity lines changed, answered
    over the vocabulary and all their lines now: an organisation's rows depend on its own lines
    (categories, label, type) and the vocabulary, which a rebuild does not change. False when a
    changed subject is a category or a type (or a blank node): the store answers then."""
    subjects = {line.partition(" ")[0] for line in changed}
    iris = {s[1:-1] for s in subjects if s.startswith("<") and s.endswith(">")}
    groups = {c for (c,) in db.execute("SELECT DISTINCT category FROM categories")}
    groups |= {t for (t,) in db.execute("SELECT DISTINCT type FROM types")}
    if len(iris) < len(subjects) or iris & groups:
        return False
    lines = [line for line, n in counts.items() if n > 0 and line.partition(" ")[0] in subjects]
    categories, types = projector().answer(
        "\n".join(lines) + "\n", ["category-members", "organisation-types"]
    )
    kept_categories = [
        row
        for row in db.execute("SELECT category, organisation, label FROM categories")
        if row[1] not in iris
    ]
    kept_types = [
        row
        for row in db.execute("SELECT type, type_label, organisation, label FROM types")
        if row[2] not in iris
    ]
    _fill(
        db,
        kept_categories + [_category(r) for r in categories if r["organisation"] in iris],
        kept_types + [_type(r) for r in types if r["organisation"] in iris],
    )
    return True


def _write_store_tables(
    db: sqlite3.Connection, snapshot: Path, library: dict[str, LibraryQuery]
) -> None:
    """Category members and organisation types, as the built store answers them."""
    store = OxigraphStore.open(snapshot)
    try:
        categories = run(store, library["category-members"])[1]
        types = run(store, library["organisation-types"])[1]
    finally:
        store.close()
    _fill(db, [_category(r) for r in categories], [_type(r) for r in types])


def _category(row: dict[str, Any]) -> tuple:
    return (row["category"], row["organisation"], row["organisationLabel"])


def _type(row: dict[str, Any]) -> tuple:
    return (row["type"], row["typeLabel"], row["organisation"], row["organisationLabel"])


def _fill(db: sqlite3.Connection, categories: list[tuple], types: list[tuple]) -> None:
    """The tables in the queries' order (by category and label; by type and organisation),
    ties in one order however the rows were found."""
    db.execute("DELETE FROM categories")
    db.execute("DELETE FROM types")
    db.executemany(
        "INSERT INTO categories VALUES (?, ?, ?, ?)",
        _numbered(sorted(categories, key=lambda r: (r[0], r[2], r[1]))),
    )
    db.executemany(
        "INSERT INTO types VALUES (?, ?, ?, ?, ?)",
        _numbered(sorted(types, key=lambda r: (r[0], r[2], r[1], r[3]))),
    )


def _numbered(rows: Iterable[tuple]) -> list[tuple]:
    return [(seq, *row) for seq, row in enumerate(rows)]
