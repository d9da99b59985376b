"""The build's network file (trace/network_file.py, trace/network_write.py) holds exactly what
the store answers: the same flow network, sub-networks and chains as the query-based code, also
after an incremental rebuild, and the query-based code answers when there is no file."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import time
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from flowgraph.build import build
from flowgraph.cli import app
from flowgraph.query.library import load_library
from flowgraph.settings import PROJECT_ROOT, Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.base import open_store
from flowgraph.trace.chains import trace
from flowgraph.trace.network import (
    category_members,
    flow_network,
    reachable_network,
    type_members,
)
from flowgraph.trace.network_file import FILE, open_network
from flowgraph.trace.source import flow_source

B = "https://w3id.org/flowgraph/id/"
NOTICES = PROJECT_ROOT / "data" / "notices"
EDITED = "leicestershire-county-council-children-and-family-services.txt"
ANCHOR = "Sometimes we need to share your information with others."
runner = CliRunner()


def same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> bool:
    """Same nodes with the same attributes, same keyed edges with the same attributes."""
    edges = lambda g: sorted(g.edges(keys=True, data=True), key=repr)  # noqa: E731
    return dict(a.nodes(data=True)) == dict(b.nodes(data=True)) and edges(a) == edges(b)


@pytest.fixture(scope="module")
def store(built, settings):
    return open_store(settings)


@pytest.fixture(scope="module")
def library(settings):
    return load_library(settings.queries_dir)


@pytest.fixture(scope="module")
def file(built, settings):
    network = open_network(settings, snapshots.current(settings.output_dir))
    assert network is not None
    return network


@pytest.fixture(scope="module")
def queried(store, library):
    return flow_network(store, library)


def test_the_build_writes_the_file_beside_the_snapshot(built, settings):
    snapshot = snapshots.current(settings.output_dir)
    assert (snapshot / FILE).is_file()
    assert not list(snapshot.glob(f".{FILE}*"))  # written under a temporary name, then renamed


def test_whole_network_equals_the_projection_of_the_store(file, queried):
    whole = file.whole()
    assert same_graph(whole, queried)
    assert whole.number_of_edges() == queried.number_of_edges() > 300
    assert whole.out_degree(B + "org/llep") == 20  # a service area acting for the LLEP
    assert whole.nodes[B + "org/leicester-city-council/service/housing"]["kind"] == "service"


def _sorted(members: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
    """In the queries' order, ties (two organisations of one label) in one order."""
    return {k: sorted(v, key=lambda m: (m[1], m[0])) for k, v in members.items()}


def test_category_members_and_types_equal_the_store(file, store, library):
    assert file.category_members() == _sorted(category_members(store, library))
    types, labels = type_members(store, library)
    assert file.type_members() == ({k: sorted(v) for k, v in types.items()}, labels)
    police = file.category_members()[B + "category/police"]
    assert (B + "org/leicestershire-police", "Leicestershire Police") in police


def test_every_council_reaches_the_same_sub_network_and_chains(file, store, library, queried):
    councils = sorted(n for n, d in queried.nodes(data=True) if d["kind"] == "controller")
    assert len(councils) >= 4
    for council in councils:
        by_query = reachable_network(store, library, council, 4, with_details=False)
        by_file = file.reachable(council, 4, with_details=False)
        assert same_graph(by_file, by_query), council
        assert trace(by_file, council, max_hops=4) == trace(by_query, council, max_hops=4)
        assert trace(by_file, council, max_hops=4)  # every seed council shares with someone


def test_following_categories_reads_the_same_sub_network(file, store, library):
    members = category_members(store, library)
    start = B + "org/leicester-city-council"
    by_query = reachable_network(store, library, start, 3, members)
    assert same_graph(file.reachable(start, 3, members), by_query)


@given(data=st.data())
@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_node_and_hops_read_the_same_as_the_queries(data, file, store, library, queried):
    node = data.draw(st.sampled_from(sorted(queried.nodes)))
    hops = data.draw(st.integers(min_value=1, max_value=4))
    details = data.draw(st.booleans())
    by_query = reachable_network(store, library, node, hops, with_details=details)
    assert same_graph(file.reachable(node, hops, with_details=details), by_query)


def test_without_the_file_the_queries_answer(built, settings, tmp_path, store, library):
    """An old snapshot (no file), the rdflib backend and an external store read the store."""
    snapshot = snapshots.current(settings.output_dir)
    assert open_network(settings.model_copy(update={"store": "memory"}), snapshot) is None
    assert open_network(settings, None) is None
    remote = settings.model_copy(update={"store": "http://localhost:9/sparql"})
    assert open_network(remote, snapshot) is None
    copy = tmp_path / "build"
    shutil.copytree(settings.output_dir, copy, symlinks=True)
    old = snapshots.current(copy)
    (old / FILE).unlink()
    old_settings = settings.model_copy(update={"build_dir": copy})
    assert open_network(old_settings, old) is None
    source = flow_source(old_settings, open_store(old_settings), library, old)
    assert source.file is None
    assert same_graph(source.whole(), flow_network(store, library))


def test_trace_command_answers_the_same_with_and_without_the_file(built, settings, tmp_path):
    env = {"FLOWGRAPH_BUILD_DIR": str(settings.output_dir)}
    args = ["trace", "--from", "Leicester City Council", "--format", "json"]
    with_file = runner.invoke(app, args, env=env)
    copy = tmp_path / "build"
    shutil.copytree(settings.output_dir, copy, symlinks=True)
    (snapshots.current(copy) / FILE).unlink()
    without = runner.invoke(app, args, env={"FLOWGRAPH_BUILD_DIR": str(copy)})
    assert with_file.exit_code == 0 and without.exit_code == 0
    assert with_file.stdout == without.stdout
    assert '"iri": "https://w3id.org/flowgraph/id/org/leicester-city-council"' in with_file.stdout
    by_iri = runner.invoke(app, [*args[:2], B + "org/leicester-city-council", *args[3:]], env=env)
    assert by_iri.stdout == with_file.stdout  # an IRI is resolved from the file alone


# ---------------------------------------------------------------------------- incremental
def _rows(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, in a stable order."""
    db = sqlite3.connect(path)
    try:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        db.close()


def _edit(notices: Path, old: str, new: str) -> None:
    """Change one notice's text and its manifest checksum (else the notice is refused)."""
    path = notices / EDITED
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    after = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest = notices / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(before, after))
    past = time.time() - 60  # not "racy": its size and time vouch for its bytes
    os.utime(path, (past, past))


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """The seed notices built, one notice edited to add a recipient and rebuilt incrementally,
    then edited back (the recipient removed) and rebuilt again; each beside a full build."""
    root = tmp_path_factory.mktemp("incremental")
    notices = root / "notices"
    shutil.copytree(NOTICES, notices)
    for path in notices.iterdir():
        os.utime(path, (time.time() - 60, time.time() - 60))
    incremental = Settings(build_dir=root / "incremental")
    build(incremental, [notices])
    added = ANCHOR + " We share your information with HM Revenue and Customs."
    _edit(notices, ANCHOR, added)
    report = build(incremental, [notices])
    after_add = snapshots.current(incremental.output_dir) / FILE
    full = Settings(build_dir=root / "full")
    build(full, [notices], incremental=False)
    full_add = snapshots.current(full.output_dir) / FILE
    _edit(notices, added, ANCHOR)
    removed = build(incremental, [notices])
    after_remove = snapshots.current(incremental.output_dir) / FILE
    build(full, [notices], incremental=False)
    full_remove = snapshots.current(full.output_dir) / FILE
    return report, removed, after_add, full_add, after_remove, full_remove


def test_an_incremental_rebuild_that_adds_a_recipient_equals_a_full_build(rebuilt):
    report, _, after_add, full_add, _, _ = rebuilt
    assert report.reused == 4  # only the edited notice was read again
    assert _rows(after_add) == _rows(full_add)
    db = sqlite3.connect(after_add)
    found = db.execute(
        "SELECT dst, quote FROM edges WHERE notice = ? AND dst = ?", (EDITED, B + "org/hmrc")
    ).fetchall()
    assert found == [(B + "org/hmrc", "We share your information with HM Revenue and Customs.")]


def test_an_incremental_rebuild_that_removes_a_recipient_equals_a_full_build(rebuilt):
    _, removed, after_add, _, after_remove, full_remove = rebuilt
    assert removed.reused == 4
    assert _rows(after_remove) == _rows(full_remove)
    edges = lambda path: _rows(path)["edges"]  # noqa: E731
    assert len(edges(after_add)) == len(edges(after_remove)) + 1
    assert not any(B + "org/hmrc" in row and EDITED in row for row in edges(after_remove))


def test_the_endpoint_traces_from_the_file_as_the_queries_do(built, settings, store, library):
    """/api/trace's work (in a page worker) reads the file; the same chains as the queries."""
    from flowgraph.serve.executor import WorkerContext
    from flowgraph.serve.explore import trace_json

    snapshot = snapshots.current(settings.output_dir)
    context = WorkerContext(settings, store, snapshot)
    start = B + "org/leicester-city-council"
    chains = trace_json(context, "Leicester City Council", None, None, 4, False)
    assert context.cache["flow source"].file is not None and "network" not in context.cache
    expected = trace(reachable_network(store, library, start, 4, with_details=False), start)
    assert chains == [{"hops": [hop.as_json() for hop in chain]} for chain in expected]
    assert len(chains) == len(expected) > 10
