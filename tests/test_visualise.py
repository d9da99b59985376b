"""Choosing and collapsing views of the flow network, and the page they render to."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest

from flowgraph.query.library import load_library
from flowgraph.store.base import open_store
from flowgraph.trace.network import flow_network
from flowgraph.visualise.render import render_view
from flowgraph.visualise.select import Selection, View, collapse, select

B = "https://w3id.org/flowgraph/id/"


@pytest.fixture(scope="module")
def network(built, settings):
    return flow_network(open_store(settings), load_library(settings.queries_dir))


def test_filters(network):
    to_police = select(network, Selection(category="Police")).graph
    assert {v for _, v in to_police.edges()} == {B + "category/police"}
    assert {network.nodes[u]["kind"] for u, _ in to_police.edges()} <= {"controller", "service"}
    before_dfe = select(network, Selection(recipient="Department for Education", max_hops=1)).graph
    assert (
        B + "org/leicestershire-county-council/service/children-and-family-services" in before_dfe
    )
    fraud = select(network, Selection(purpose="fraud")).graph
    assert fraud.number_of_edges() > 0
    assert all(
        any("fraud" in p.lower() for p in d["purposes"]) for _, _, d in fraud.edges(data=True)
    )
    with pytest.raises(KeyError):
        select(network, Selection(controller="Leicester City Council", service="Parking"))


def synthetic(councils: int, services: int, recipients: int) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for c in range(councils):
        council = f"{B}org/council-{c}"
        graph.add_node(council, label=f"Council {c}", kind="controller")
        for s in range(services):
            unit = f"{council}/service/s{s}"
            graph.add_node(unit, label=f"Service {s}", kind="service", unit_of=council)
            for r in range(recipients):
                target = f"{B}org/supplier-{(c * 7 + s * 3 + r) % 900}"
                graph.add_node(target, label=f"Supplier {target[-3:]}", kind="organisation")
                graph.add_edge(unit, target, key=f"{unit}/f{r}", how="stated", service=f"Service {s}", controller=council,
                               controller_label=f"Council {c}", notice="n.txt", quote="q", start=0, end=1,
                               purposes=[], bases=[], laws=[], data=[])  # fmt: skip
    return graph


def test_large_views_collapse_and_say_so():
    graph = synthetic(councils=60, services=30, recipients=3)
    assert graph.number_of_nodes() > 1500
    members = {f"{B}category/contractors": [(f"{B}org/supplier-{i}", "x") for i in range(900)]}
    view = collapse(View(graph, []), members)
    assert view.graph.number_of_nodes() <= 1500
    assert any(
        note.startswith("collapsed 1800 service areas into 60 councils") for note in view.notes
    )
    small = collapse(View(synthetic(2, 2, 2), []), members)
    assert small.notes == []


def test_page_is_self_contained_and_escapes_notice_text(network):
    view = select(network, Selection(controller="Leicestershire County Council", max_hops=3))
    page = render_view(view, "test <title>")
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=[\"']https?://", page)
    assert "<title>test &lt;title&gt;</title>" in page
    data = re.search(r'<script type="application/json" id="fg-data">(.*?)</script>', page).group(1)
    assert "</" not in data and "<" not in data  # notice text cannot close the script
    labels = {n["label"] for n in json.loads(data)["nodes"]}
    assert "Department for Education" in labels


def test_sankey_and_layout_of_one_council(network, built, settings):
    """Issue 16: Sankey bands add up (what leaves the council reaches a recipient), and the
    network layout puts a council left of its service areas, the same way every time."""
    from flowgraph.trace.network import category_members
    from flowgraph.visualise.layout import abbreviate, layout
    from flowgraph.visualise.sankey import sankey_data

    members = category_members(open_store(settings), load_library(settings.queries_dir))
    council = B + "org/leicester-city-council"
    view = select(network, Selection(controller=council)).graph
    data = sankey_data(view, council, members)
    out_of_council = sum(b["flows"] for b in data["bands"] if b["source"] == "c:" + council)
    into_services = sum(b["flows"] for b in data["bands"] if b["source"].startswith("s:"))
    assert out_of_council == into_services == len(data["flows"]) > 200
    placed = layout(view, members, council)
    assert placed == layout(view, members, council)
    level = {n["id"]: n["level"] for n in placed["nodes"]}
    assert level[council] == 0 and level[council + "/service/housing"] == 1
    assert any(len(c["members"]) >= 2 for c in placed["clusters"])
    assert (
        abbreviate("Leicester and Leicestershire Enterprise Partnership")
        == "Leicester and Leicestershire…"
    )
