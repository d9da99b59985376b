"""The flow network and the sharing-chain tracer on the seed graph."""

from __future__ import annotations

import itertools
import json

import networkx as nx
import pytest
from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.query.library import load_library
from flowgraph.report.network_export import export_network
from flowgraph.store.base import open_store
from flowgraph.trace.chains import find_node, trace
from flowgraph.trace.network import category_members, flow_network

B = "https://w3id.org/flowgraph/id/"
runner = CliRunner()


@pytest.fixture(scope="module")
def network(built, settings):
    return flow_network(open_store(settings), load_library(settings.queries_dir))


@pytest.fixture(scope="module")
def members(built, settings):
    return category_members(open_store(settings), load_library(settings.queries_dir))


def test_one_node_per_organisation_across_roles(network):
    llep = [n for n, d in network.nodes(data=True) if "Enterprise Partnership" in d["label"]]
    assert llep == [B + "org/llep"]
    lcc = [n for n, d in network.nodes(data=True) if d["label"] == "Leicestershire County Council"]
    assert lcc == [B + "org/leicestershire-county-council"]
    assert network.in_degree(B + "org/llep") >= 1 and network.out_degree(B + "org/llep") == 20
    assert network.nodes[B + "org/leicester-city-council/service/housing"]["kind"] == "service"


def test_trace_from_leicester_reaches_third_parties_through_the_llep_and_dfe(network, settings):
    chains = trace(network, find_node(network, "Leicester City Council"))
    wanted = [
        c for c in chains
        if [h.to_label for h in c] == ["Leicester and Leicestershire Enterprise Partnership", "Leicestershire County Council",
                                        "Department for Education", "Third parties (unspecified)"]
        and c[0].service == "Planning & Transport"
    ]  # fmt: skip
    assert len(wanted) == 1
    chain = wanted[0]
    assert [h.how for h in chain] == ["stated", "stated", "stated", "onward"]
    assert chain[0].from_label == "Leicester City Council"
    for hop in chain:
        text = (settings.notices_dir / hop.notice).read_text(encoding="utf-8")
        assert text[hop.start : hop.end] == hop.quote
    assert all(len(c) <= 4 for c in chains)
    for c in chains:  # cycles are cut
        nodes = [c[0].from_iri] + [h.to_iri for h in c]
        assert len(nodes) == len(set(nodes))


def test_trace_from_leicestershire_marks_the_dfe_onward_sharing(network):
    chains = trace(network, find_node(network, "Leicestershire County Council"))
    hops = {(h.from_label, h.to_label, h.how) for c in chains for h in c}
    assert ("Department for Education", "Third parties (unspecified)", "onward") in hops
    assert ("Leicestershire County Council", "Department for Education", "stated") in hops


def test_trace_to_a_target_and_through_categories(network, members):
    start = find_node(network, "Oadby and Wigston Borough Council")
    assert trace(network, start, to=find_node(network, "HM Revenue and Customs")) == []
    via_categories = trace(
        network, find_node(network, "Leeds City Council"), categories=members, max_hops=2
    )
    category_hops = {
        (h.from_label, h.to_label) for c in via_categories for h in c if h.how == "category"
    }
    assert ("Local authorities", "Leicester City Council") in category_hops
    assert all(
        h.how != "category"
        for c in trace(network, find_node(network, "Leeds City Council"), max_hops=2)
        for h in c
    )


def test_service_filter_and_unknown_names(network):
    start = find_node(network, "Leicester City Council")
    housing = trace(network, start, service="Housing", max_hops=1)
    assert {c[0].service for c in housing} == {"Housing"}
    assert (
        len(housing) == 16
    )  # one per distinct recipient of the Housing table (12 items, 4 e.g. examples)
    with pytest.raises(KeyError, match="no service area 'Parking'"):
        trace(network, start, service="Parking")
    with pytest.raises(KeyError, match="no organisation called"):
        find_node(network, "Atlantis Council")


def test_trace_cli_json_and_network_exports(built, settings, monkeypatch, tmp_path, network):
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(settings.output_dir))
    result = runner.invoke(
        app, ["trace", "--from", "Leicestershire County Council", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    chains = json.loads(result.stdout)
    assert set(chains[0]["hops"][0]) == {"from", "to", "service", "how", "evidence"}
    assert set(chains[0]["hops"][0]["evidence"]) == {"quote", "notice", "start", "end"}
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        path = tmp_path / f"flows.{fmt}"
        path.write_bytes(export_network(network, fmt))
        loaded = reader(path)
        assert loaded.number_of_nodes() == network.number_of_nodes()
        assert loaded.number_of_edges() == network.number_of_edges()
    unknown = runner.invoke(app, ["trace", "--from", "Atlantis Council"])
    assert unknown.exit_code == 2


def test_reading_only_the_reachable_network_gives_the_same_chains(built, settings):
    """`trace`, `viz --controller` and `dpia` read the network hop by hop around the start; the
    chains must be exactly those of the whole network, with and without category hops."""
    from flowgraph.query.library import load_library
    from flowgraph.store.base import open_store
    from flowgraph.trace.chains import trace as run_trace
    from flowgraph.trace.network import category_members, flow_network, reachable_network
    from flowgraph.trace.resolve import resolve_node

    store, library = open_store(settings), load_library(settings.queries_dir)
    whole, members = flow_network(store, library), category_members(store, library)
    controllers = sorted(n for n, d in whole.nodes(data=True) if d["kind"] == "controller")
    assert len(controllers) == 4
    for controller in controllers:
        for categories in (None, members):
            part = reachable_network(store, library, controller, 4, categories)
            assert run_trace(part, controller, max_hops=4, categories=categories) == run_trace(
                whole, controller, max_hops=4, categories=categories
            )
    small = reachable_network(store, library, B + "org/leicestershire-county-council", 4)
    assert small.number_of_nodes() < whole.number_of_nodes() / 10
    assert (
        resolve_node(store, library, "leicester city council") == B + "org/leicester-city-council"
    )
    with pytest.raises(KeyError, match="no organisation called 'Atlantis'"):
        resolve_node(store, library, "Atlantis")


def test_chains_hold_only_what_the_notices_state(network, members):
    """Issue 16: no chain passes through a category unless categories are followed, and an
    onward hop follows only a hop stated by the same controller (Leicestershire's notice on what
    the DfE does next says nothing about the data Leicester sends it)."""
    start = find_node(network, "Leicester City Council")
    for chain in trace(network, start):
        for before, after in itertools.pairwise(chain):
            assert network.nodes[before.to_iri]["kind"] != "category", chain
            if after.how == "onward":
                assert after.controller == before.controller, chain
    direct = {
        tuple(h.to_label for h in c)
        for c in trace(network, start)
        if c[0].to_label == "Department for Education"
    }
    assert direct == {("Department for Education",)}
    through = trace(network, start, categories=members, max_hops=2)
    assert any(c[0].how == "stated" and c[-1].how == "category" for c in through)
    assert all(
        h.controller == chain[i - 1].controller
        for chain in through
        for i, h in enumerate(chain)
        if i and h.how == "onward"
    )
