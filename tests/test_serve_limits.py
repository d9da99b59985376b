"""Issue 13, points 2-5, on real servers: rebuilds under a running server, load shedding, bounded
work outside the workers, and bad input that must never be a 500."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from serving import run_build, serving

from flowgraph.settings import PROJECT_ROOT
from flowgraph.store import snapshot as snapshots

NOTICES = PROJECT_ROOT / "data" / "notices"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
NOTICE_GRAPHS = (
    "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
    "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/flowgraph/id/graph/') "
    "&& !STRENDS(STR(?g), '/entities') && !STRENDS(STR(?g), '/vocabulary') "
    "&& !STRENDS(STR(?g), '/versions')) }"
)
# A cross product of the whole graph with itself, three times: never finishes on any data.
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = {"Accept": "application/sparql-results+json"}


def count(client: httpx.Client, query: str = COUNT) -> int:
    response = client.get("/sparql", params={"query": query}, headers=JSON)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def notices_without(root: Path, dropped: int) -> Path:
    """The sample notices with the last `dropped` manifest rows left out."""
    folder = root / f"notices-{dropped}"
    shutil.copytree(NOTICES, folder)
    manifest = folder / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    manifest.write_text("\n".join(lines[: len(lines) - dropped]) + "\n", encoding="utf-8")
    return folder


def worker_pids(server: psutil.Process) -> list[int]:
    return [child.pid for child in server.children(recursive=True)]


# ----------------------------------------------------------------------------- point 2
def test_a_running_server_follows_rebuilds_and_survives_killed_workers(tmp_path: Path) -> None:
    env = {
        "FLOWGRAPH_BUILD_DIR": str(tmp_path / "build"),
        "FLOWGRAPH_QUERY_TIMEOUT": "5",
        "FLOWGRAPH_RELOAD_INTERVAL": "0.2",
    }
    run_build(env, NOTICES)
    with serving(env, tmp_path / "server.log") as (client, _):
        assert count(client, NOTICE_GRAPHS) == 5
        first = snapshots.current(tmp_path / "build")
        for dropped in (1, 2):  # two rebuilds: the first snapshot falls out of the kept two
            run_build(env, notices_without(tmp_path, dropped))
        newest = snapshots.current(tmp_path / "build")
        deadline = time.monotonic() + 20
        while count(client, NOTICE_GRAPHS) != 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert count(client, NOTICE_GRAPHS) == 3
        for _ in range(2):  # each kills and replaces a worker, which must open the new snapshot
            heavy = client.get("/sparql", params={"query": HEAVY}, headers=JSON)
            assert heavy.status_code == 503
            assert heavy.headers["retry-after"].isdigit()
        assert count(client, NOTICE_GRAPHS) == 3
        # the server held the first snapshot while it served it, then let it go: pruned by a
        # later build, never under the server
        run_build(env, NOTICES)
        deadline = time.monotonic() + 20
        while count(client, NOTICE_GRAPHS) != 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert count(client, NOTICE_GRAPHS) == 5
        assert not first.exists()
        assert snapshots.current(tmp_path / "build") != newest


def test_a_held_snapshot_is_not_pruned(tmp_path: Path) -> None:
    root = tmp_path / "build"
    made = []
    for _ in range(4):
        snapshot = snapshots.new_snapshot(root)
        (snapshot / "graphs.txt").write_text("", encoding="utf-8")
        made.append(snapshot)
        time.sleep(0.01)
    held = snapshots.hold(made[0])
    snapshots.publish(root, made[3])
    assert made[0].exists(), "held by a reader: kept"
    assert not made[1].exists()
    held.release()
    newer = snapshots.new_snapshot(root)
    snapshots.publish(root, newer)
    assert not made[0].exists()


# ----------------------------------------------------------------------------- point 3
@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory):
    tmp_path = tmp_path_factory.mktemp("small-server")
    env = {
        "FLOWGRAPH_BUILD_DIR": str(tmp_path / "build"),
        "FLOWGRAPH_QUERY_TIMEOUT": "8",
        "FLOWGRAPH_QUERY_WORKERS": "1",
        "FLOWGRAPH_QUEUE_SIZE": "2",
        "FLOWGRAPH_MAX_CHAINS": "3",
    }
    run_build(env, NOTICES)
    with serving(env, tmp_path / "server.log") as running:
        yield running


def test_a_burst_of_slow_queries_is_shed_and_cheap_pages_stay_fast(small_server) -> None:
    client, _ = small_server
    statuses: list[tuple[int, str | None, float]] = []

    def heavy() -> None:
        started = time.monotonic()
        with httpx.Client(base_url=str(client.base_url), timeout=60) as own:
            response = own.get("/sparql", params={"query": HEAVY}, headers=JSON)
        statuses.append(
            (response.status_code, response.headers.get("retry-after"), time.monotonic() - started)
        )

    burst = [threading.Thread(target=heavy) for _ in range(12)]
    for thread in burst:
        thread.start()
    time.sleep(0.5)
    page_times = []
    for path in ("/", "/id/org/hmrc", "/ontology", "/check"):
        started = time.monotonic()
        assert client.get(path).status_code == 200
        page_times.append(time.monotonic() - started)
    for thread in burst:
        thread.join()
    assert {status for status, _, _ in statuses} == {503}
    assert all(retry and retry.isdigit() for _, retry, _ in statuses)
    refused_at_once = [elapsed for _, _, elapsed in statuses if elapsed < 2]
    assert len(refused_at_once) >= 12 - 3  # one running, two queued, the rest refused at once
    assert max(elapsed for _, _, elapsed in statuses) < 8 + 4  # the limit counts from arrival
    assert max(page_times) < 5, page_times
    assert count(client) > 0  # still answering after


def test_a_query_whose_client_went_away_is_stopped(small_server) -> None:
    client, _ = small_server
    with pytest.raises(httpx.ReadTimeout):
        client.get("/sparql", params={"query": HEAVY}, headers=JSON, timeout=1.0)
    started = time.monotonic()
    assert count(client) > 0
    assert time.monotonic() - started < 6, "the abandoned query kept the only worker busy"


# ----------------------------------------------------------------------------- point 4
def test_trace_and_results_are_bounded(small_server) -> None:
    client, _ = small_server
    trace = client.get(
        "/api/trace",
        params={"from": "Leicester City Council", "max_hops": 6, "include_categories": "true"},
    )
    assert trace.status_code == 422
    assert "more than 3 chains" in trace.text
    page = client.get("/trace", params={"from": "Leicester City Council", "max_hops": 6})
    assert page.status_code == 422
    over = client.get(
        "/sparql", params={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"}, headers=JSON
    )
    assert over.status_code == 422
    assert "more than 10000 rows" in over.text


def test_select_json_stops_writing_at_the_cap() -> None:
    import pyoxigraph as ox

    from flowgraph.errors import QueryError
    from flowgraph.store.oxigraph import OxigraphStore

    store = ox.Store()
    store.bulk_load(
        "".join(f'<urn:s{i}> <urn:p> "{"x" * 100}" .\n' for i in range(20_000)).encode(),
        format=ox.RdfFormat.N_TRIPLES,
    )
    flowgraph_store = OxigraphStore(store)
    with pytest.raises(QueryError, match="more than 50 rows"):
        flowgraph_store.select_json("SELECT * WHERE { ?s ?p ?o }", cap=50)
    with pytest.raises(QueryError, match="over the 5,000-byte limit"):
        flowgraph_store.select_json("SELECT * WHERE { ?s ?p ?o }", cap=10**6, max_bytes=5_000)
    body = flowgraph_store.select_json("SELECT * WHERE { ?s ?p ?o } LIMIT 50", cap=50)
    assert body.count(b'"s":') == 50


def test_library_api_queries_run_in_killable_workers(tmp_path: Path) -> None:
    """A library query with no end is stopped at the page time limit, and the API still answers."""
    root = tmp_path / "root"
    root.mkdir()
    for part in ("ontology", "data"):
        (root / part).symlink_to(PROJECT_ROOT / part)
    shutil.copytree(PROJECT_ROOT / "queries", root / "queries")
    (root / "queries" / "endless.rq").write_text(
        "# title: Endless\n# description: a cross product that never ends\n" + HEAVY + "\n",
        encoding="utf-8",
    )
    env = {
        "FLOWGRAPH_ROOT": str(root),
        "FLOWGRAPH_BUILD_DIR": str(tmp_path / "build"),
        "FLOWGRAPH_PAGE_TIMEOUT": "2",
    }
    run_build(env, NOTICES)
    with serving(env, tmp_path / "server.log") as (client, _):
        started = time.monotonic()
        endless = client.get("/api/queries/endless")
        assert endless.status_code == 503, endless.text
        assert endless.headers["retry-after"].isdigit()
        assert time.monotonic() - started < 6
        flows = client.get("/api/queries/flows")
        assert flows.status_code == 200
        assert flows.json()["rows"]


# ----------------------------------------------------------------------------- point 5
BAD_PATHS = [
    "a%20b",
    "%FF%FE",
    *(f"org/x{c}y" for c in ["%3C", "%3E", "%22", "{", "}", "|", "^", "`", "%5C"]),
]


def test_bad_entity_paths_are_404_and_keep_the_connection(small_server) -> None:
    client, _ = small_server
    for path in BAD_PATHS:
        response = client.get("/id/" + path)
        assert response.status_code == 404, (path, response.status_code, response.text)
        assert "not an entity IRI" in response.text
    assert client.get("/id/org/hmrc").status_code == 200


def test_odd_api_parameters_are_answered(small_server) -> None:
    client, _ = small_server
    for value in ["\u00b2", "9" * 5000, "'; DROP", "\u0000"]:
        response = client.get("/api/queries/flows", params={"controller": value})
        assert response.status_code in (200, 400, 404), (value[:10], response.status_code)
        if response.status_code == 200:
            assert response.json()["rows"] == []
        if response.status_code == 404:  # names no controller (query/names.py)
            assert response.json()["detail"].startswith("no controller called")


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_no_entity_path_is_a_server_error(small_server, path: str) -> None:
    client, _ = small_server
    response = client.get("/id/" + quote(path, safe="/"))
    assert response.status_code < 500, (path, response.status_code)  # 404, or a redirect for "."


def test_a_crashed_worker_is_reported_clearly(small_server) -> None:
    client, process = small_server
    server = psutil.Process(process.pid)
    before = set(worker_pids(server))
    answer: list[httpx.Response] = []
    thread = threading.Thread(
        target=lambda: answer.append(client.get("/sparql", params={"query": HEAVY}, headers=JSON))
    )
    thread.start()
    time.sleep(1.0)
    busy = [pid for pid in before if psutil.Process(pid).cpu_percent(interval=0.3) > 10]
    assert busy, "the worker evaluating the query"
    psutil.Process(busy[0]).kill()
    thread.join()
    assert answer[0].status_code == 500
    assert "stopped unexpectedly" in answer[0].text
    assert count(client) > 0
