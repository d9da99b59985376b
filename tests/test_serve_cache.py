"""Issue 17, parts 2 and 3: HTTP caching (ETag, 304 without a worker, a per-snapshot result
cache), results written by Oxigraph in every syntax, and the `auto` store choice."""

from __future__ import annotations

import csv
import io
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from serving import run_build, serving

from flowgraph.errors import QueryError
from flowgraph.serve.http_cache import cache_control, etag, matches, volatile
from flowgraph.serve.results import GRAPH_TYPES, SELECT_TYPES, serialize_graph, serialize_select
from flowgraph.settings import PROJECT_ROOT, Settings
from flowgraph.store import backend_choice
from flowgraph.store.backend_choice import choose, mem_available
from flowgraph.store.oxigraph import OxigraphStore

NOTICES = PROJECT_ROOT / "data" / "notices"
JSON = {"Accept": "application/sparql-results+json"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
NOTICE_GRAPHS = (
    "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
    "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/flowgraph/id/graph/') "
    "&& !STRENDS(STR(?g), '/entities') && !STRENDS(STR(?g), '/vocabulary') "
    "&& !STRENDS(STR(?g), '/versions')) }"
)


# ----------------------------------------------------------------------------- units
def test_etags_compare_weakly_and_name_every_part() -> None:
    tag = etag("snap-1", "sparql", COUNT, None, None, "application/sparql-results+json")
    assert tag.startswith('W/"') and tag == etag(
        "snap-1", "sparql", COUNT, None, None, "application/sparql-results+json"
    )
    others = [
        etag("snap-2", "sparql", COUNT, None, None, "application/sparql-results+json"),
        etag("snap-1", "sparql", COUNT + " ", None, None, "application/sparql-results+json"),
        etag("snap-1", "sparql", COUNT, ["urn:g"], None, "application/sparql-results+json"),
        etag("snap-1", "sparql", COUNT, None, ["urn:g"], "application/sparql-results+json"),
        etag("snap-1", "sparql", COUNT, None, None, "text/csv; charset=utf-8"),
    ]
    assert len({tag, *others}) == 6
    assert matches(tag, tag) and matches(tag.removeprefix("W/"), tag)
    assert matches(f'"x", {tag}', tag) and matches("*", tag)
    assert not matches(None, tag) and not matches('"x"', tag)
    assert volatile("SELECT (NOW() AS ?t) {}") and volatile("SELECT (rand () AS ?r) {}")
    assert not volatile(COUNT)


def test_cache_control_follows_the_setting() -> None:
    assert cache_control(Settings()) == "public, no-cache"
    assert cache_control(Settings(cache_max_age=60)) == "public, max-age=60, must-revalidate"


@pytest.mark.parametrize(
    ("quads", "processes", "available", "backend"),
    [
        (1_000_000, 5, 16_000_000_000, "oxigraph-memory"),  # 4 GB of 12.8 GB
        (3_900_000, 5, 16_000_000_000, "oxigraph"),  # 15.6 GB: over
        (3_900_000, 2, 16_000_000_000, "oxigraph-memory"),  # 6.2 GB
        (10, 5, None, "oxigraph"),  # free memory unknown
    ],
)
def test_auto_store_choice(quads: int, processes: int, available: int | None, backend: str):
    choice = choose(quads, processes, available, bytes_per_quad=400, fraction=0.8)
    assert choice.backend == backend
    assert ("MB" in choice.reason) or available is None


def test_auto_reads_meminfo(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 100 kB\nMemAvailable:    2048 kB\n", encoding="ascii")
    assert mem_available(meminfo) == 2048 * 1024
    assert mem_available(tmp_path / "missing") is None


def test_auto_resolves_only_auto(settings: Settings, built) -> None:
    from flowgraph.store import snapshot as snapshots

    current = snapshots.current(settings.output_dir)
    quads = backend_choice.count_quads(current)
    store = OxigraphStore.open(current)
    try:
        # every N-Quads line is a quad; a few are in two files: counted twice, a safe bound
        assert len(store.store) <= quads <= len(store.store) * 1.01
    finally:
        store.close()
    resolved, choice = backend_choice.resolve(settings, current, processes=5)
    assert settings.store == "auto" and resolved.store == choice.backend
    assert choice.backend in ("oxigraph", "oxigraph-memory")
    fixed = settings.model_copy(update={"store": "oxigraph"})
    assert backend_choice.resolve(fixed, current, 5)[0].store == "oxigraph"


# ------------------------------------------------------------------- native serialization
TRICKY = """
<urn:a> <urn:p> "comma, \\"quote\\"\\nnew line\\ttab" .
<urn:a> <urn:p> "chat"@fr .
<urn:a> <urn:q> _:b1 .
_:b1 <urn:p> "12"^^<http://www.w3.org/2001/XMLSchema#integer> .
_:b1 <urn:p> "x & <y>"^^<urn:type> .
<urn:c> <urn:p> "plain" .
"""
SELECT = "SELECT ?s ?o ?extra WHERE { ?s ?p ?o OPTIONAL { ?o ?r ?extra } }"


@pytest.fixture(scope="module")
def tricky() -> OxigraphStore:
    store = ox.Store()
    store.bulk_load(TRICKY.encode(), format=ox.RdfFormat.N_TRIPLES)
    return OxigraphStore(store)


def _solutions(body: bytes, syntax: str) -> set[tuple]:
    if syntax == "csv":
        rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
        return {tuple(row) for row in rows}
    fmt = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
           "tsv": ox.QueryResultsFormat.TSV}[syntax]  # fmt: skip
    parsed = ox.parse_query_results(body, format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return {(bool(parsed),)}
    names = [v.value for v in parsed.variables]
    return {tuple(str(s[n]) if s[n] is not None else None for n in names) for s in parsed}


@pytest.mark.parametrize("syntax", ["json", "xml", "csv", "tsv"])
def test_native_select_parses_to_the_same_solutions(tricky: OxigraphStore, syntax: str) -> None:
    native = tricky.serialize_results(SELECT, cap=100, native=("results", syntax))
    assert native.kind == "body"
    python = serialize_select(tricky.evaluate(SELECT, cap=100), syntax)
    assert _solutions(native.body, syntax) == _solutions(python, syntax)
    assert len(_solutions(native.body, syntax)) == 7 + (syntax == "csv")  # + the header row
    if syntax == "csv":
        assert native.body.startswith(b"s,o,extra\r\n")  # RFC 4180 line ends, as before
        assert b'"comma, ""quote""\nnew line\ttab"' in native.body


@pytest.mark.parametrize("syntax", ["json", "xml"])
def test_native_ask(tricky: OxigraphStore, syntax: str) -> None:
    for query, answer in (("ASK { <urn:a> ?p ?o }", True), ("ASK { <urn:z> ?p ?o }", False)):
        native = tricky.serialize_results(query, native=("results", syntax))
        python = serialize_select(tricky.evaluate(query), syntax)
        assert _solutions(native.body, syntax) == _solutions(python, syntax) == {(answer,)}


@pytest.mark.parametrize("media", list(GRAPH_TYPES))
def test_native_graph_results_are_the_same_graph(tricky: OxigraphStore, media: str) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    native = tricky.serialize_results(query, native=("graph", media))
    assert native.kind == "body"
    python = serialize_graph(tricky.evaluate(query), media)
    fmt = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json":
           "json-ld", "application/rdf+xml": "xml", "application/n-quads": "nquads",
           "application/trig": "trig"}[media]  # fmt: skip
    if fmt in ("nquads", "trig"):
        ours, theirs = rdflib.Dataset(), rdflib.Dataset()
        ours.parse(data=native.body, format=fmt)
        theirs.parse(data=python, format=fmt)
        assert len(ours) == len(theirs) == 6
        return
    ours = rdflib.Graph().parse(data=native.body, format=fmt)
    theirs = rdflib.Graph().parse(data=python, format=fmt)
    assert len(ours) == 6 and isomorphic(ours, theirs)
    if fmt in ("turtle", "xml"):
        assert b"rdfs" not in native.body or b"@prefix" in native.body or b"xmlns" in native.body


def test_native_results_keep_the_caps(tricky: OxigraphStore) -> None:
    for syntax in SELECT_TYPES.values():
        with pytest.raises(QueryError, match="more than 5 rows"):
            tricky.serialize_results(SELECT, cap=5, native=("results", syntax))
        with pytest.raises(QueryError, match="over the 100-byte limit"):
            tricky.serialize_results(SELECT, cap=100, native=("results", syntax), max_bytes=100)
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    for media in GRAPH_TYPES:
        with pytest.raises(QueryError, match="more than 5 triples"):
            tricky.serialize_results(construct, cap=5, native=("graph", media))
        with pytest.raises(QueryError, match="over the 200-byte limit"):
            tricky.serialize_results(construct, native=("graph", media), max_bytes=200)
    exact = tricky.serialize_results(construct, cap=6, native=("graph", "application/n-triples"))
    assert exact.body.count(b"\n") == 6  # exactly at the cap: sent whole


def test_a_result_of_another_form_comes_back_as_terms(tricky: OxigraphStore) -> None:
    outcome = tricky.serialize_results(SELECT, native=("graph", "text/turtle"))
    assert outcome.kind == "select" and len(outcome.rows) == 7


# ----------------------------------------------------------------------------- a real server
@pytest.fixture(scope="module")
def cache_server(tmp_path_factory: pytest.TempPathFactory):
    """One query worker and no queue (a second query while one runs is refused at once), and a
    result cache of 2,000 bytes (so no answer over 250 bytes is kept)."""
    tmp_path = tmp_path_factory.mktemp("cache-server")
    env = {
        "FLOWGRAPH_BUILD_DIR": str(tmp_path / "build"),
        "FLOWGRAPH_QUERY_TIMEOUT": "4",
        "FLOWGRAPH_QUERY_WORKERS": "1",
        "FLOWGRAPH_QUEUE_SIZE": "0",
        "FLOWGRAPH_RESULT_CACHE_MB": "0.002",
    }
    run_build(env, NOTICES)
    log = tmp_path / "server.log"
    with serving(env, log) as (client, _):
        yield client, log


def test_etag_cache_control_and_vary(cache_server) -> None:
    client, _ = cache_server
    first = client.get("/sparql", params={"query": COUNT}, headers=JSON)
    again = client.post("/sparql", data={"query": COUNT}, headers=JSON)
    assert first.status_code == again.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('W/"') and again.headers["etag"] == tag  # GET and POST alike
    assert first.headers["cache-control"] == "public, no-cache"
    assert "accept" in first.headers["vary"].lower()
    assert again.content == first.content
    csv_answer = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "text/csv"})
    other_query = client.get("/sparql", params={"query": COUNT + " LIMIT 1"}, headers=JSON)
    dataset = client.get(
        "/sparql",
        params={"query": COUNT, "named-graph-uri": "https://w3id.org/flowgraph/id/graph/x"},
        headers=JSON,
    )
    tags = {tag, csv_answer.headers["etag"], other_query.headers["etag"], dataset.headers["etag"]}
    assert len(tags) == 4
    described = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert (
        described.headers["etag"]
        and client.get(
            "/sparql", headers={"Accept": "text/turtle", "If-None-Match": described.headers["etag"]}
        ).status_code
        == 304
    )


def test_errors_are_never_cached(cache_server) -> None:
    client, _ = cache_server
    for _ in range(2):
        bad = client.get("/sparql", params={"query": "SELECT * WHERE {"}, headers=JSON)
        assert bad.status_code == 400
        assert bad.headers["cache-control"] == "no-store" and "etag" not in bad.headers
    slow = client.get("/sparql", params={"query": HEAVY}, headers=JSON)
    assert slow.status_code == 503 and slow.headers["cache-control"] == "no-store"
    assert "etag" not in slow.headers
    api_error = client.get(
        "/api/queries/recipients-of-controller", params={"controller": "nobody at all"}
    )
    assert api_error.status_code >= 400 and api_error.headers["cache-control"] == "no-store"


def test_304_and_cache_hits_take_no_worker(cache_server) -> None:
    """While the only worker is busy (a query that runs to its time limit) and the queue holds
    none, a new query is refused at once: a revalidation and a repeat are answered anyway."""
    client, _ = cache_server
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }"
    first = client.get("/sparql", params={"query": query}, headers=JSON)
    assert first.status_code == 200 and first.headers["x-cache"] == "miss"
    tag = first.headers["etag"]
    busy = threading.Thread(
        target=lambda: httpx.get(
            str(client.base_url) + "/sparql", params={"query": HEAVY}, headers=JSON, timeout=30
        )
    )
    busy.start()
    try:
        time.sleep(0.5)
        refused = client.get("/sparql", params={"query": query + " LIMIT 9"}, headers=JSON)
        assert refused.status_code == 503, "the worker is taken"
        unchanged = client.get(
            "/sparql", params={"query": query}, headers={**JSON, "If-None-Match": tag}
        )
        assert unchanged.status_code == 304 and unchanged.content == b""
        assert unchanged.headers["etag"] == tag
        assert unchanged.headers["cache-control"] == "public, no-cache"
        repeated = client.get("/sparql", params={"query": query}, headers=JSON)
        assert repeated.status_code == 200 and repeated.headers["x-cache"] == "hit"
        assert repeated.content == first.content and repeated.headers["etag"] == tag
    finally:
        busy.join()


def test_result_cache_is_bounded(cache_server) -> None:
    client, _ = cache_server

    def ask(n: int) -> httpx.Response:
        return client.get("/sparql", params={"query": f"SELECT ({n} AS ?n) {{}}"}, headers=JSON)

    assert ask(0).headers["x-cache"] == "miss" and ask(0).headers["x-cache"] == "hit"
    for n in range(1, 60):  # ~60 bytes each: past the 2,000-byte cache
        assert ask(n).status_code == 200
    assert ask(59).headers["x-cache"] == "hit"
    assert ask(0).headers["x-cache"] == "miss", "the least recently used was evicted"
    big = "SELECT ?s WHERE { ?s a ?t } LIMIT 20"  # over 250 bytes: never kept
    assert client.get("/sparql", params={"query": big}, headers=JSON).headers["x-cache"] == "miss"
    assert client.get("/sparql", params={"query": big}, headers=JSON).headers["x-cache"] == "miss"
    assert ask(59).headers["x-cache"] == "hit", "a large answer evicted nothing"


def test_api_routes_are_cached_too(cache_server) -> None:
    client, _ = cache_server
    first = client.get("/api/queries/graph-sizes")
    assert first.status_code == 200 and first.headers["etag"]
    unchanged = client.get(
        "/api/queries/graph-sizes", headers={"If-None-Match": first.headers["etag"]}
    )
    assert unchanged.status_code == 304


def test_serve_logs_the_store_it_chose(cache_server) -> None:
    _, log = cache_server
    assert "store: oxigraph-memory (in memory, it fits:" in log.read_text()


def test_a_new_snapshot_drops_the_cache_and_changes_the_etag(tmp_path: Path) -> None:
    import shutil

    env = {
        "FLOWGRAPH_BUILD_DIR": str(tmp_path / "build"),
        "FLOWGRAPH_RELOAD_INTERVAL": "0.2",
        "FLOWGRAPH_STORE": "oxigraph",
    }
    run_build(env, NOTICES)
    with serving(env, tmp_path / "server.log") as (client, _):
        first = client.get("/sparql", params={"query": NOTICE_GRAPHS}, headers=JSON)
        assert first.json()["results"]["bindings"][0]["n"]["value"] == "5"
        cached = client.get("/sparql", params={"query": NOTICE_GRAPHS}, headers=JSON)
        assert cached.headers["x-cache"] == "hit"
        tag = first.headers["etag"]
        changed = tmp_path / "notices"  # one notice fewer
        shutil.copytree(NOTICES, changed)
        manifest = changed / "manifest.csv"
        lines = manifest.read_text(encoding="utf-8").splitlines()
        manifest.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
        run_build(env, changed)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = client.get(
                "/sparql", params={"query": NOTICE_GRAPHS}, headers={**JSON, "If-None-Match": tag}
            )
            if now.status_code == 200:
                break
            time.sleep(0.2)
        assert now.status_code == 200, "the old ETag no longer matches"
        assert now.json()["results"]["bindings"][0]["n"]["value"] == "4"
        assert now.headers["etag"] != tag and now.headers["x-cache"] == "miss"
    assert (
        "store: oxigraph (chosen by --store or FLOWGRAPH_STORE)"
        in (tmp_path / "server.log").read_text()
    )


def test_a_repeated_query_is_lexed_once_with_the_same_verdict() -> None:
    from flowgraph.serve.sparql import prepared

    endpoint = "http://127.0.0.1:1/sparql"
    select = "SELECT ?s WHERE { ?s <rel> ?o }"
    first = prepared(select, endpoint)
    assert first == (f"BASE <{endpoint}>\n{select}", 1, None, "select", False)
    assert prepared(select, endpoint) is first  # remembered, not lexed again
    refused = prepared("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", endpoint)
    assert refused[2] is not None and "SERVICE" in refused[2]
    assert prepared("SELECT (NOW() AS ?t) WHERE {}", endpoint)[3:] == ("select", True)
    huge = "SELECT * WHERE { ?s ?p ?o }" + " " * 20_000
    assert prepared(huge, endpoint) == prepared(huge, endpoint)  # computed, not remembered
