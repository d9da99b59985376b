"""The SPARQL 1.1 Protocol's finer points and real clients, against `flowgraph serve` (issue 13,
point 10): the query's own dataset, RDF/XML where clients expect it, relative IRIs, bad dataset
parameters, security headers, the Host header, and connections that never finish a request.
SPARQLWrapper (default settings), rdflib's SPARQLStore and roqet each run every query form."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from xml.dom.minidom import Document

import httpx
import pytest
import rdflib
from conftest import free_port

B = "https://w3id.org/flowgraph/id/"
OWBC = B + "graph/oadby-and-wigston-borough-council-general"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
HMRC = f"<{B}org/hmrc>"
COUNT = "SELECT (COUNT(*) AS ?n) {from_} WHERE {{ ?s ?p ?o }}"
QUERIES = {
    "select": f"SELECT ?l WHERE {{ {HMRC} {LABEL} ?l }}",
    "ask": f"ASK {{ {HMRC} {LABEL} ?l }}",
    "construct": f"CONSTRUCT {{ {HMRC} {LABEL} ?l }} WHERE {{ {HMRC} {LABEL} ?l }}",
    "describe": f"DESCRIBE {HMRC}",
}
HMRC_TRIPLE = (
    rdflib.URIRef(B + "org/hmrc"),
    rdflib.RDFS.label,
    rdflib.Literal("HM Revenue and Customs"),
)


def count(client: httpx.Client, query: str, **params: str) -> int:
    response = client.get("/sparql", params={"query": query, **params})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def endpoint(client: httpx.Client) -> str:
    return str(client.base_url).rstrip("/") + "/sparql"


# ---------------------------------------------------------------------------- (a) FROM
def test_the_querys_own_dataset_is_honoured(server):
    client, _ = server
    assert count(client, COUNT.format(from_="")) > 10_000
    assert count(client, COUNT.format(from_="FROM <urn:nothing>")) == 0
    only = count(client, COUNT.format(from_=f"FROM <{OWBC}>"))
    assert only == count(client, COUNT.format(from_=""), **{"default-graph-uri": OWBC}) > 0
    prefixed = f"PREFIX g: <{B}graph/> " + COUNT.format(
        from_="FROM g:oadby-and-wigston-borough-council-general"
    )
    assert count(client, prefixed) == only
    named = client.get(
        "/sparql",
        params={
            "query": f"SELECT DISTINCT ?g FROM NAMED <{OWBC}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
        },
    ).json()["results"]["bindings"]
    assert [b["g"]["value"] for b in named] == [OWBC]
    # FROM NAMED alone: the default graph is empty
    assert count(client, COUNT.format(from_=f"FROM NAMED <{OWBC}>")) == 0
    # `from` as a variable, prefix or language tag is not a dataset clause
    words = 'PREFIX from: <urn:x:> SELECT (COUNT(*) AS ?from) WHERE { ?s ?p ?o FILTER(?o != "x"@from || true) }'
    assert client.get("/sparql", params={"query": words}).json()["results"]["bindings"][0]["from"][
        "value"
    ] == str(count(client, COUNT.format(from_="")))


def test_protocol_dataset_overrides_the_querys_own(server):
    client, _ = server
    nothing = COUNT.format(from_="FROM <urn:nothing>")
    only = count(client, COUNT.format(from_=f"FROM <{OWBC}>"))
    assert count(client, nothing, **{"default-graph-uri": OWBC}) == only
    assert count(client, COUNT.format(from_=f"FROM <{OWBC}>"), **{"named-graph-uri": OWBC}) == 0


# ---------------------------------------------------------------------------- (b) formats
@pytest.mark.parametrize("form", ["construct", "describe"])
def test_format_xml_means_rdf_xml_for_graph_results(server, form):
    """SPARQLWrapper's default for CONSTRUCT/DESCRIBE: format=xml, Accept: application/rdf+xml."""
    client, _ = server
    response = client.get(
        "/sparql",
        params={"query": QUERIES[form], "format": "xml", "output": "xml", "results": "xml"},
        headers={"Accept": "application/rdf+xml"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/rdf+xml")
    assert HMRC_TRIPLE in rdflib.Graph().parse(data=response.content, format="xml")


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("application/sparql-results+xml", "application/rdf+xml", "xml"),
        ("application/sparql-results+json", "application/ld+json", "json-ld"),
        ("text/csv", "text/turtle", "turtle"),
    ],
)
def test_graph_result_falls_back_to_an_rdf_syntax(server, accept, media, fmt):
    """roqet asks for SPARQL XML results whatever the query form."""
    client, _ = server
    response = client.get(
        "/sparql", params={"query": QUERIES["construct"]}, headers={"Accept": accept}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)
    assert HMRC_TRIPLE in rdflib.Graph().parse(data=response.content, format=fmt)


def test_format_names_and_406(server):
    client, _ = server
    select = client.get("/sparql", params={"query": QUERIES["select"], "format": "xml"})
    assert select.headers["content-type"].startswith("application/sparql-results+xml")
    turtle = client.get("/sparql", params={"query": QUERIES["construct"], "format": "turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    jsonld = client.get("/sparql", params={"query": QUERIES["construct"], "format": "json"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    png = client.get(
        "/sparql", params={"query": QUERIES["construct"]}, headers={"Accept": "image/png"}
    )
    assert png.status_code == 406
    assert (
        client.get("/sparql", params={"query": QUERIES["select"], "format": "turtle"}).status_code
        == 406
    )


def test_entity_pages_as_rdf_xml(server):
    client, _ = server
    response = client.get("/id/org/hmrc", headers={"Accept": "application/rdf+xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rdf+xml")
    assert HMRC_TRIPLE in rdflib.Graph().parse(data=response.content, format="xml")
    refused = client.get("/id/org/hmrc", headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "application/rdf+xml" in refused.text


# ---------------------------------------------------------------------------- (c) no query
@pytest.mark.parametrize(
    "params",
    [{"default-graph-uri": OWBC}, {"named-graph-uri": OWBC}, {"format": "json"}, {"output": "xml"}],
)
def test_protocol_parameters_without_a_query_are_a_400(server, params):
    client, _ = server
    response = client.get("/sparql", params=params, headers={"Accept": "text/turtle"})
    assert response.status_code == 400
    assert "no query" in response.text and next(iter(params)) in response.text
    assert client.get("/sparql", headers={"Accept": "text/turtle"}).status_code == 200


# ---------------------------------------------------------------------------- (d) relative IRIs
def test_relative_iris_resolve_against_the_endpoint(server):
    client, _ = server
    here = endpoint(client)
    base = here.rsplit("/", 1)[0] + "/"
    response = client.get(
        "/sparql",
        params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
        headers={"Accept": "application/n-triples"},
    )
    assert response.status_code == 200, response.text
    assert response.text.strip() == (
        f'<{base}s> <{base}p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'
    )
    own_base = client.get(
        "/sparql",
        params={"query": "BASE <http://example.org/a/> CONSTRUCT { <s> <p> <> } WHERE {}"},
        headers={"Accept": "application/n-triples"},
    )
    assert own_base.text.strip() == (
        "<http://example.org/a/s> <http://example.org/a/p> <http://example.org/a/> ."
    )
    relative_base = client.get(
        "/sparql",
        params={"query": "BASE <sub/> SELECT ?x WHERE { BIND(<x> AS ?x) }"},
    ).json()["results"]["bindings"]
    assert relative_base == [{"x": {"type": "uri", "value": base + "sub/x"}}]
    # the guard still reads such queries: SERVICE to a relative IRI is refused
    service = client.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <x> { ?s ?p ?o } }"})
    assert service.status_code == 403 and "SERVICE" in service.text
    update = client.post("/sparql", data={"query": "INSERT DATA { <s> <p> <o> }"})
    assert update.status_code == 403
    # errors point into the client's query, not the BASE line put before it
    broken = client.get("/sparql", params={"query": "CONSTRUCT { <s> <p> 1 } WHERE { FILTER("})
    assert broken.status_code == 400 and "error at 1:" in broken.text, broken.text


# ---------------------------------------------------------------------------- (e) bad dataset
@pytest.mark.parametrize("name", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("value", ["turtle", "", "http://a b", "<urn:x>"])
def test_dataset_parameters_must_be_absolute_iris(server, name, value):
    client, _ = server
    response = client.get("/sparql", params={"query": "ASK {}", name: value})
    assert response.status_code == 400
    assert response.text.startswith(f"{name} {value!r} is not an absolute IRI")
    assert "Error" not in response.text and "scheme" not in response.text


# ---------------------------------------------------------------------------- (f) headers
def test_security_headers(server):
    client, _ = server
    responses = [
        client.get("/sparql", params={"query": QUERIES["select"]}),
        client.get("/sparql", headers={"Accept": "text/turtle"}),
        client.get("/id/org/hmrc", headers={"Accept": "text/turtle"}),
        client.get("/id/org/nobody"),
        client.get("/api/queries"),
        client.get("/", headers={"Accept": "text/html"}),
    ]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert "content-security-policy" not in responses[0].headers
    for path in ("/", "/sparql", "/explore", "/trace", "/id/org/hmrc", "/check", "/ontology"):
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200, path
        policy = page.headers["content-security-policy"]
        script_src = next(p for p in policy.split("; ") if p.startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    docs = client.get("/docs")
    assert "https:" not in docs.headers["content-security-policy"]  # nothing from elsewhere
    assert "/docs-assets/swagger-ui-bundle.js" in docs.text


# ---------------------------------------------------------------------------- (g) Host
def test_a_forged_host_is_never_echoed(server):
    client, _ = server
    for accept in ("text/turtle", "application/rdf+xml"):
        described = client.get("/sparql", headers={"Host": "evil.example", "Accept": accept})
        assert described.status_code == 200
        assert "evil.example" not in described.text
        assert endpoint(client) in described.text
    relative = client.get(
        "/sparql",
        params={"query": "SELECT ?x WHERE { BIND(<x> AS ?x) }"},
        headers={"Host": "evil.example"},
    )
    assert "evil.example" not in relative.text


# ---------------------------------------------------------------------------- (h) timeouts
@pytest.fixture(scope="module")
def strict_server(server, tmp_path_factory):
    """A second server over the same build: 2 s to send a request, a public URL configured."""
    _, log = server
    root = tmp_path_factory.mktemp("strict")
    port = free_port()
    env = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(log.parent / "build"),
           "FLOWGRAPH_REQUEST_READ_TIMEOUT": "2", "FLOWGRAPH_KEEP_ALIVE_TIMEOUT": "2",
           "FLOWGRAPH_QUERY_WORKERS": "1", "FLOWGRAPH_PUBLIC_URL": "https://flows.example.org/"}  # fmt: skip
    output = (root / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flowgraph", "serve", "--port", str(port)],
        env=env, stdout=output, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/sparql", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError((root / "serve.log").read_text())
    yield port
    process.terminate()
    process.wait(timeout=10)


def closed_within(sock: socket.socket, seconds: float) -> tuple[float, bytes]:
    """Seconds until the server closed the connection, and what it sent before."""
    started = time.monotonic()
    sock.settimeout(seconds)
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return time.monotonic() - started, received


def test_half_sent_requests_are_closed_and_idle_connections_block_nothing(strict_server):
    port = strict_server
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
    half_line = socket.create_connection(("127.0.0.1", port))
    half_line.sendall(b"GET /sparql?query=ASK%20%7B%7D HT")
    half_headers = socket.create_connection(("127.0.0.1", port))
    half_headers.sendall(b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/tu")
    short_body = socket.create_connection(("127.0.0.1", port))
    short_body.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 100\r\n\r\nASK"
    )
    try:
        started = time.monotonic()
        normal = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=5)
        assert normal.status_code == 200 and time.monotonic() - started < 2
        for sock in (half_line, half_headers, short_body):
            waited, received = closed_within(sock, 8)
            assert waited < 5
            assert received.startswith(b"HTTP/1.1 408"), received
        waited, received = closed_within(idle[0], 8)  # sent nothing: closed without a word
        assert waited < 5 and received == b""
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    finally:
        for sock in (*idle, half_line, half_headers, short_body):
            sock.close()


def test_public_url_names_the_endpoint(strict_server):
    port = strict_server
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    described = client.get("/sparql", headers={"Host": "evil.example", "Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=described.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert set(graph.objects(None, sd.endpoint)) == {
        rdflib.URIRef("https://flows.example.org/sparql")
    }
    relative = client.get("/sparql", params={"query": "SELECT ?x WHERE { BIND(<x> AS ?x) }"})
    assert relative.json()["results"]["bindings"][0]["x"]["value"] == "https://flows.example.org/x"


# ---------------------------------------------------------------------------- clients
def test_sparqlwrapper_default_settings_every_query_form(server):
    from SPARQLWrapper import SPARQLWrapper

    client, _ = server
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # SPARQLWrapper: unexpected format
        for form, query in QUERIES.items():
            wrapper = SPARQLWrapper(endpoint(client))
            wrapper.setQuery(query)
            results[form] = wrapper.query().convert()
    select, ask = results["select"], results["ask"]
    assert isinstance(select, Document) and isinstance(ask, Document)
    literals = [n.firstChild.data for n in select.getElementsByTagName("literal")]
    assert literals == ["HM Revenue and Customs"]
    assert ask.getElementsByTagName("boolean")[0].firstChild.data == "true"
    for form in ("construct", "describe"):
        assert isinstance(results[form], rdflib.Graph)
        assert HMRC_TRIPLE in results[form]
    assert len(results["describe"]) > len(results["construct"])


def test_sparqlwrapper_json_and_jsonld(server):
    from SPARQLWrapper import JSON, JSONLD, TURTLE, SPARQLWrapper

    client, _ = server
    wrapper = SPARQLWrapper(endpoint(client), returnFormat=JSON)
    wrapper.setQuery(QUERIES["select"])
    bindings = wrapper.query().convert()["results"]["bindings"]
    assert bindings[0]["l"]["value"] == "HM Revenue and Customs"
    for fmt in (JSONLD, TURTLE):
        wrapper = SPARQLWrapper(endpoint(client), returnFormat=fmt)
        wrapper.setQuery(QUERIES["construct"])
        converted = wrapper.query().convert()
        graph = (
            converted
            if isinstance(converted, rdflib.Graph)
            else rdflib.Graph().parse(data=converted, format="turtle")
        )
        assert HMRC_TRIPLE in graph


def test_rdflib_sparqlstore(server):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    client, _ = server
    graph = rdflib.Graph(store=SPARQLStore(endpoint(client)))
    assert [str(row[0]) for row in graph.query(QUERIES["select"])] == ["HM Revenue and Customs"]
    assert graph.query(QUERIES["ask"]).askAnswer is True
    assert HMRC_TRIPLE in graph.query(QUERIES["construct"]).graph
    assert HMRC_TRIPLE in set(graph.triples((HMRC_TRIPLE[0], rdflib.RDFS.label, None)))
    graph.close()


def roqet() -> str:
    found = shutil.which("roqet")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("roqet is missing: .ci/test installs Debian's rasqal-utils")
        pytest.skip("roqet not installed (apt-get install rasqal-utils)")
    return found


@pytest.mark.parametrize("form", ["select", "ask", "construct", "describe"])
def test_roqet(server, form):
    """roqet (Redland's rasqal) sends every query by GET with Accept: SPARQL XML results. Rasqal
    reads any answer as a table of bindings (so ASK and graph results show no rows there); what
    matters is that the server answers 200 in a format roqet reads, where it got 406 before."""
    client, log = server
    run = subprocess.run(
        [roqet(), "-p", endpoint(client), "-e", QUERIES[form]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "Error" not in run.stderr
    if form == "select":
        assert 'row: [l=string("HM Revenue and Customs")]' in run.stdout
    last = [line for line in log.read_text().splitlines() if "path=/sparql" in line][-1]
    assert "method=GET path=/sparql status=200" in last


def test_the_query_page_under_its_policy_needs_no_inline_handler(server):
    """The CSP allows the page's own scripts by hash: the hashes match what the page holds."""
    import base64
    import hashlib
    import re

    client, _ = server
    page = client.get("/", headers={"Accept": "text/html"})
    scripts = re.findall(r"<script[^>]*>(.*?)</script", page.text, re.S)
    policy = page.headers["content-security-policy"]
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert not re.search(r"\son[a-z]+=", page.text)
