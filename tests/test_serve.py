"""The endpoint, run for real: `flowgraph serve` as a subprocess on 127.0.0.1 and a free port."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import rdflib
from conftest import free_port
from rdflib.query import Result

from flowgraph.query.library import load_library
from flowgraph.settings import PROJECT_ROOT

B = "https://w3id.org/flowgraph/id/"
PREFIXES = "PREFIX fg: <https://w3id.org/flowgraph/ns#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
HMRC_LABEL = PREFIXES + f"SELECT ?label WHERE {{ <{B}org/hmrc> rdfs:label ?label }}"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def rows_of(response: httpx.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    data = response.json()
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def test_three_protocol_forms_answer_alike(server):
    client, _ = server
    get = client.get("/sparql", params={"query": HMRC_LABEL})
    form = client.post("/sparql", data={"query": HMRC_LABEL})
    direct = client.post(
        "/sparql", content=HMRC_LABEL, headers={"Content-Type": "application/sparql-query"}
    )
    for response in (get, form, direct):
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        assert rows_of(response) == [{"label": "HM Revenue and Customs"}]


@pytest.mark.parametrize(
    ("accept", "parse"),
    [
        (
            "application/sparql-results+json",
            lambda body: Result.parse(io.BytesIO(body), format="json"),
        ),
        (
            "application/sparql-results+xml",
            lambda body: Result.parse(io.BytesIO(body), format="xml"),
        ),
        ("text/tab-separated-values", lambda body: Result.parse(io.BytesIO(body), format="tsv")),
        ("text/csv", lambda body: Result.parse(io.BytesIO(body), format="csv")),
    ],
)
def test_select_result_formats_parse_and_hold_the_rows(server, accept, parse):
    client, _ = server
    query = (
        PREFIXES
        + f"SELECT ?recipient ?label WHERE {{ VALUES ?recipient {{ <{B}org/hmrc> <{B}category/police> }} ?recipient rdfs:label ?label }} ORDER BY ?label"
    )
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    result = parse(response.content)
    assert [(str(r[0]), str(r[1])) for r in result] == [
        (B + "org/hmrc", "HM Revenue and Customs"),
        (B + "category/police", "Police"),
    ]
    if accept == "text/csv":
        assert next(iter(csv.reader(io.StringIO(response.text)))) == ["recipient", "label"]


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
     ("application/rdf+xml", "xml"), ("application/n-quads", "nquads"), ("application/trig", "trig")],
)  # fmt: skip
def test_construct_result_formats(server, accept, fmt):
    client, _ = server
    query = (
        PREFIXES
        + f"CONSTRUCT {{ <{B}org/hmrc> rdfs:label ?l }} WHERE {{ <{B}org/hmrc> rdfs:label ?l }}"
    )
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    graph = rdflib.Dataset() if fmt in ("nquads", "trig") else rdflib.Graph()
    graph.parse(data=response.content, format=fmt)
    assert (
        rdflib.URIRef(B + "org/hmrc"),
        rdflib.RDFS.label,
        rdflib.Literal("HM Revenue and Customs"),
    ) in set(
        (s, p, o)
        for s, p, o, *_ in (
            graph.quads() if fmt in ("nquads", "trig") else ((s, p, o) for s, p, o in graph)
        )
    )


def test_ask_and_negotiation_failures(server):
    client, _ = server
    ask = "ASK { ?s a <https://w3id.org/flowgraph/ns#Flow> }"
    assert client.get("/sparql", params={"query": ask}).json() == {"head": {}, "boolean": True}
    assert (
        "<boolean>true</boolean>"
        in client.get(
            "/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+xml"}
        ).text
    )
    assert (
        client.get("/sparql", params={"query": ask}, headers={"Accept": "text/csv"}).status_code
        == 406
    )
    assert (
        client.get(
            "/sparql", params={"query": HMRC_LABEL}, headers={"Accept": "image/png"}
        ).status_code
        == 406
    )


def test_service_description(server):
    client, _ = server
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoints = set(graph.objects(None, sd.endpoint))
    assert endpoints == {rdflib.URIRef(str(client.base_url) + "/sparql")}
    names = {str(o) for o in graph.objects(None, sd.name)}
    assert B + "graph/oadby-and-wigston-borough-council-general" in names


def test_dataset_parameters_restrict_the_query(server):
    client, _ = server
    flows = "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a <https://w3id.org/flowgraph/ns#Flow> }"
    everything = int(rows_of(client.get("/sparql", params={"query": flows}))[0]["n"])
    owbc = B + "graph/oadby-and-wigston-borough-council-general"
    only = int(
        rows_of(client.get("/sparql", params={"query": flows, "default-graph-uri": owbc}))[0]["n"]
    )
    assert 0 < only < everything
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    named = rows_of(client.get("/sparql", params={"query": graphs, "named-graph-uri": owbc}))
    assert named == [{"g": owbc}]


@pytest.mark.parametrize(
    "request_args",
    [
        {"data": {"update": f"INSERT DATA {{ <{B}x> <{B}y> <{B}z> }}"}},
        {"data": {"query": f"INSERT DATA {{ <{B}x> <{B}y> <{B}z> }}"}},
        {"data": {"query": "LOAD <http://127.0.0.1:9/evil.ttl>"}},
        {"data": {"query": "DROP ALL"}},
        {"data": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}},
        {"content": "CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
    ],
)
def test_updates_load_and_service_are_refused_and_change_nothing(server, request_args):
    client, _ = server
    before = rows_of(client.get("/sparql", params={"query": COUNT}))
    response = client.post("/sparql", **request_args)
    assert response.status_code == 403, response.text
    assert "not allowed" in response.text
    assert rows_of(client.get("/sparql", params={"query": COUNT})) == before


@pytest.mark.parametrize("name", ["notice-summary", "recipients-ranked", "flows"])
def test_library_queries_naming_a_service_variable_are_not_mistaken_for_federation(server, name):
    """`?service` and `fg:serviceArea` are not the SERVICE keyword."""
    client, _ = server
    text = load_library(PROJECT_ROOT / "queries")[name].text
    response = client.post(
        "/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"]


def test_bad_requests_get_readable_errors(server):
    client, _ = server
    malformed = client.get("/sparql", params={"query": "SELEKT * WHERE { ?s ?p ?o }"})
    assert malformed.status_code == 400 and "malformed query" in malformed.text
    assert client.post("/sparql", data={}).status_code == 400
    assert (
        client.get("/sparql", params=[("query", HMRC_LABEL), ("query", HMRC_LABEL)]).status_code
        == 400
    )
    big = client.post(
        "/sparql",
        content="SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert big.status_code == 413
    latin = client.post(
        "/sparql",
        content="SELECT ?é WHERE {}".encode("latin-1"),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert latin.status_code == 400 and "UTF-8" in latin.text


def test_slow_query_is_stopped_and_the_server_carries_on(server):
    client, _ = server
    started = time.monotonic()
    slow = client.get(
        "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"},
    )
    assert slow.status_code == 503
    assert "time limit" in slow.text or "was stopped" in slow.text
    assert time.monotonic() - started < 20
    assert rows_of(client.get("/sparql", params={"query": HMRC_LABEL})) == [
        {"label": "HM Revenue and Customs"}
    ]


def test_result_cap(server):
    client, _ = server
    capped = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert capped.status_code == 422 and "more than 5000 rows" in capped.text


def test_cors_and_request_log(server):
    client, log = server
    response = client.get(
        "/sparql", params={"query": HMRC_LABEL}, headers={"Origin": "https://example.org"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    assert "method=GET path=/sparql status=200" in Path(log).read_text()


def test_linked_data_pages(server):
    client, _ = server
    police = client.get("/id/category/police", headers={"Accept": "text/html"})
    assert police.status_code == 200
    assert (
        "Who shares with it" in police.text
        and "Leeds City Council" in police.text
        and "Leicester City Council" in police.text
    )
    assert "the Police" in police.text  # Leeds's fraud-sharing sentence, quoted
    hmrc = client.get("/id/org/hmrc", headers={"Accept": "text/html"}).text
    assert "Government Departments e.g. HMRC, DWP, DLHUC, Home Office" in hmrc
    llep = client.get("/id/org/llep", headers={"Accept": "text/html"}).text
    assert (
        "Whom it shares with" in llep
        and "Leicestershire County Council" in llep
        and "Planning &amp; Transport" in llep
    )
    notice = client.get(
        "/id/notice/leicestershire-county-council-children-and-family-services",
        headers={"Accept": "text/html"},
    ).text
    assert (
        "Flows extracted (7)" in notice and "DfE may share individual level personal data" in notice
    )
    turtle = client.get("/id/org/hmrc", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    assert (
        rdflib.URIRef(B + "org/hmrc"),
        rdflib.RDFS.label,
        rdflib.Literal("HM Revenue and Customs"),
    ) in graph
    jsonld = client.get("/id/org/hmrc", headers={"Accept": "application/ld+json"})
    assert rdflib.Graph().parse(data=jsonld.text, format="json-ld")
    assert client.get("/id/org/no-such-organisation").status_code == 404


def test_notice_text_never_runs_as_script(server):
    client, _ = server
    page = client.get("/id/unresolved/img-src-x-onerror-alert-1", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    notice = client.get("/id/notice/northbrook-council-tax", headers={"Accept": "text/html"}).text
    assert "<img src=x" not in notice and "&lt;img src=x onerror=alert(1)&gt;" in notice
    home = client.get("/", headers={"Accept": "text/html"}).text
    assert (
        "<script type='application/json' id='fg-config'>" in home
        and "</script><" not in home.split("id='fg-config'>")[1].split("</script>")[0]
    )


def test_query_api_and_openapi(server):
    client, _ = server
    response = client.get(
        "/api/queries/senders-to-recipient", params={"recipient": B + "org/cabinet-office"}
    )
    assert response.status_code == 200
    labels = {r["controllerLabel"] for r in response.json()["rows"]}
    assert labels == {"Leicester City Council", "Leeds City Council", "Northbrook District Council"}
    spec = client.get("/openapi.json").json()
    route = spec["paths"]["/api/queries/senders-to-recipient"]["get"]
    assert route["summary"] == "Who sends to a recipient"
    assert [p["name"] for p in route["parameters"]] == ["recipient"]
    assert client.get("/api/queries").json()[0]["name"]


def test_ontology_is_served(server):
    client, _ = server
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert len(rdflib.Graph().parse(data=turtle.text, format="turtle")) > 400
    html = client.get("/ontology", headers={"Accept": "text/html"}).text
    assert "fg:Flow" in html and "Personal data passing from" in html


def test_serve_builds_the_graph_first_when_none_exists(tmp_path):
    env = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(tmp_path / "empty-build")}
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "flowgraph", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/sparql", params={"query": HMRC_LABEL}, timeout=2
                )
                if response.status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        assert rows_of(response) == [{"label": "HM Revenue and Customs"}]
        assert (tmp_path / "empty-build" / "current" / "oxigraph").exists()
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "no graph built yet" in output


def test_trace_api_and_page(server):
    client, _ = server
    chains = client.get("/api/trace", params={"from": "Leicestershire County Council"}).json()
    hops = {(h["from"]["label"], h["to"]["label"], h["how"]) for c in chains for h in c["hops"]}
    assert ("Department for Education", "Third parties (unspecified)", "onward") in hops
    assert client.get("/api/trace", params={"from": "Atlantis"}).status_code == 404
    page = client.get("/trace", params={"from": "Leicestershire County Council"}).text
    assert "DfE may share individual level personal data" in page and "first hops" in page
    explore = client.get("/explore", params={"controller": "Leeds City Council", "max_hops": 1})
    assert explore.status_code == 200 and "vis.DataSet" in explore.text


@pytest.mark.parametrize("backend", ["memory", "oxigraph-memory"])
def test_the_same_endpoint_over_another_store_answers_alike(built, settings, tmp_path, backend):
    """`serve --store memory`: rdflib's store and engine behind the same protocol (the baseline
    the benchmarks compare against); `--store oxigraph-memory`: the build loaded into Oxigraph in
    memory (the fast option). Both give the on-disk store's answers."""
    port = free_port()
    env = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(settings.output_dir), "FLOWGRAPH_STORE": backend,
           "FLOWGRAPH_QUERY_WORKERS": "1"}  # fmt: skip
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flowgraph", "serve", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/sparql", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise AssertionError((tmp_path / "serve.log").read_text())
        memory = httpx.Client(base_url=base, timeout=120)
        from flowgraph.store.base import open_store

        oxigraph = open_store(settings)
        graph = "https://w3id.org/flowgraph/id/graph/leeds-city-council-general"
        expected = oxigraph.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        )[1]
        one_graph = rows_of(
            memory.get(
                "/sparql",
                params={
                    "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                    "default-graph-uri": graph,
                },
            )
        )
        assert int(one_graph[0]["n"]) == expected[0]["n"]
        from_graph = rows_of(memory.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"}))  # fmt: skip
        assert int(from_graph[0]["n"]) == expected[0]["n"]
        nothing = rows_of(memory.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) FROM <urn:nothing> WHERE { ?s ?p ?o }"}))  # fmt: skip
        assert int(nothing[0]["n"]) == 0
        assert (
            int(rows_of(memory.get("/sparql", params={"query": COUNT}))[0]["n"])
            == oxigraph.select(COUNT)[1][0]["n"]
        )
        ask = memory.get("/sparql", params={"query": "ASK { ?s a <https://w3id.org/flowgraph/ns#OnwardFlow> }"},
                         headers={"Accept": "application/sparql-results+json"})  # fmt: skip
        assert ask.json()["boolean"] is True
        nt = memory.get("/sparql", params={"query": "CONSTRUCT { ?f a <https://w3id.org/flowgraph/ns#OnwardFlow> } WHERE { ?f a <https://w3id.org/flowgraph/ns#OnwardFlow> }"},
                        headers={"Accept": "application/n-triples"})  # fmt: skip
        onward = oxigraph.select(
            "SELECT (COUNT(?f) AS ?n) WHERE { ?f a <https://w3id.org/flowgraph/ns#OnwardFlow> }"
        )[1][0]["n"]
        assert len(nt.text.strip().splitlines()) == onward > 0
    finally:
        process.terminate()
        process.wait(timeout=10)
