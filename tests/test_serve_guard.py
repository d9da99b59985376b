"""SERVICE never leaves the endpoint: the guard refuses it however it is disguised, and the query
workers cannot open a connection even when a query gets past the guard."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time

import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from listener import Listener

from flowgraph.errors import QueryError
from flowgraph.query.library import load_library
from flowgraph.serve.executor import ProcessExecutor
from flowgraph.serve.guard import Refused, check_read_only
from flowgraph.settings import PROJECT_ROOT

# Each of these, handed to Oxigraph, runs the SERVICE clause (the first two were the reported
# bypass: an escaped character in a prefixed name hid the rest of the query from the guard).
DISGUISED = [
    r"PREFIX ex: <http://e/> SELECT * WHERE {{ BIND(ex:a\# AS ?q) SERVICE <http://127.0.0.1:{port}/x> {{?x ?y ?z}} }}",
    r"PREFIX ex: <http://e/> SELECT * WHERE {{ BIND(ex:a\' AS ?q) SERVICE <http://127.0.0.1:{port}/x> {{?x ?y ?z}} }}",
    "PREFIX : <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE:x{{?x ?y ?z}} }}",
    "SELECT * WHERE {{ ?s ?p 1SERVICE <http://127.0.0.1:{port}/x> {{?x ?y ?z}} }}",
    "SELECT * WHERE {{ service silent <http://127.0.0.1:{port}/x> {{?x ?y ?z}} }}",
    "SELECT * WHERE {{ SERVICE#comment\n<http://127.0.0.1:{port}/x> {{?x ?y ?z}} }}",
    'SELECT * WHERE {{ BIND("\\"" AS ?q) SERVICE <http://127.0.0.1:{port}/x> {{?x ?y ?z}} }}',
]


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def test_oxigraph_itself_would_call_out(listener):
    """The control: without the walls, the disguised query does reach the listener."""
    code = (
        "import pyoxigraph\n"
        "try:\n"
        f"    list(pyoxigraph.Store().query({DISGUISED[0].format(port=listener.port)!r}))\n"
        "except Exception:\n"
        "    pass\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    time.sleep(0.3)
    assert listener.connections >= 1


@pytest.mark.parametrize("template", DISGUISED)
def test_disguised_service_is_refused_over_http_and_nothing_is_contacted(
    server, listener, template
):
    client, _ = server
    response = client.post("/sparql", data={"query": template.format(port=listener.port)})
    assert response.status_code == 403, response.text
    assert "SERVICE" in response.text
    time.sleep(0.2)
    assert listener.connections == 0


def test_query_worker_cannot_call_out_even_past_the_guard(built, settings, listener):
    """The second wall: the worker's process has no network, so SERVICE fails inside it."""
    executor = ProcessExecutor(settings, built.snapshot, workers=1, timeout=30)
    try:
        for template in DISGUISED[:3]:
            with pytest.raises(QueryError):
                executor.run(template.format(port=listener.port))
        # the worker still answers ordinary queries afterwards
        outcome = executor.run("ASK { GRAPH ?g { ?s ?p ?o } }")
        assert outcome.boolean is True
    finally:
        executor.close()
    time.sleep(0.2)
    assert listener.connections == 0


CONFUSERS = [
    r"ex:a\#",
    r"ex:a\'",
    "ex:a.",
    "1",
    "1.5e3",
    "true",
    '"x"',
    "'y'",
    '"""a"b"""',
    "<http://e/#>",
    "?v",
    "$w",
    "_:b",
    "# note\n",
    "@en",
    "(",
    ")",
    ".",
    ";",
    ",",
    "\\",
    "<",
    ">",
]


@pytest.fixture(scope="module")
def oracle():
    """Oxigraph with the network, in this process: does a query call out?"""
    server = Listener()
    yield server, pyoxigraph.Store()
    server.close()


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(st.sampled_from(CONFUSERS), max_size=8),
    spaces=st.lists(st.sampled_from(["", " ", "\n", "\t"]), min_size=9, max_size=9),
    keyword=st.sampled_from(["SERVICE", "service", "Service", "sErViCe"]),
)
def test_every_query_oxigraph_would_federate_is_refused(oracle, before, spaces, keyword):
    """Differential: whatever precedes SERVICE, if Oxigraph would open a connection for the
    query, the guard refuses it (Oxigraph itself is the judge of what SERVICE means)."""
    listener, store = oracle
    prefix = "".join(token + space for token, space in zip(before, spaces, strict=False))
    query = (
        f"PREFIX ex: <http://e/> SELECT * WHERE {{ {prefix}{keyword} "
        f"<http://127.0.0.1:{listener.port}/x> {{ ?a ?b ?c }} }}"
    )
    try:
        check_read_only(query)
    except Refused:
        return
    before_count = listener.connections
    with contextlib.suppress(SyntaxError, OSError, ValueError):
        list(store.query(query))
    time.sleep(0.05)
    assert listener.connections == before_count, query


@pytest.mark.parametrize("name", sorted(load_library(PROJECT_ROOT / "queries")))
def test_library_queries_pass_the_guard(name):
    """`?service`, `fg:serviceArea` and "service" in literals or IRIs are not the keyword."""
    check_read_only(load_library(PROJECT_ROOT / "queries")[name].text)
