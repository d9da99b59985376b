"""Grouping the flow map and the trace by organisation type (issue 15, part 3)."""

from __future__ import annotations

import pytest

from flowgraph.query.library import load_library
from flowgraph.store.base import open_store
from flowgraph.trace.chains import trace
from flowgraph.trace.network import flow_network, type_members
from flowgraph.trace.tree import grow, render_tree
from flowgraph.visualise.render import page_data
from flowgraph.visualise.select import Selection, collapse, select

B = "https://w3id.org/flowgraph/id/"
TYPE = B + "organisation-type/"
LEICESTER = B + "org/leicester-city-council"


@pytest.fixture(scope="module")
def graph_and_types(built, settings):
    store = open_store(settings)
    library = load_library(settings.queries_dir)
    return flow_network(store, library), type_members(store, library)


def test_types_come_from_the_registers(graph_and_types):
    _, (members, labels) = graph_and_types
    of = {org: t for t, orgs in members.items() for org, _ in orgs}
    assert of[B + "org/hmrc"] == TYPE + "government-department"
    assert of[B + "org/leicestershire-police"] == TYPE + "police-force"
    assert of[B + "org/blaby-district-council"] == TYPE + "non-metropolitan-district"
    assert labels[TYPE + "police-force"] == "Police force"


def test_the_sankey_groups_named_organisations_by_type(graph_and_types):
    graph, (members, _) = graph_and_types
    shown = collapse(select(graph, Selection(controller="Leicester City Council")), {})
    data = page_data(shown, "t", members=members, root=LEICESTER, grouped_by="type")
    assert data["groupedBy"] == "organisation type"
    sankey = data["sankey"]
    labels = {n["id"]: n["label"] for n in sankey["nodes"]}
    into_hmrc = {
        labels[b["source"]]
        for b in sankey["bands"]
        if labels.get(b["target"]) == "HM Revenue and Customs"
    }
    assert into_hmrc == {"Government department"}
    by_category = page_data(shown, "t", members={}, root=LEICESTER)
    assert by_category["groupedBy"] == "recipient category"


def test_the_trace_tree_groups_first_hops_by_type(graph_and_types):
    graph, (members, labels) = graph_and_types
    chains = trace(graph, LEICESTER, max_hops=2)
    root, _ = grow(chains)
    assert root is not None
    groups = {org: labels[t] for t, orgs in members.items() for org, _ in orgs}
    html = render_tree(root, lambda iri, label: label, groups)
    headings = html.split("<details class='fg-group' open><summary><strong>")[1:]
    names = [h.split("</strong>", 1)[0] for h in headings]
    assert "Government department" in names
    assert names[-1] == "Categories and other recipients"
    department = next(h for h in headings if h.startswith("Government department"))
    assert "HM Revenue and Customs" in department
    assert "Leicestershire Police" not in department


def test_the_pages_group_by_type_on_request(server):
    client, _ = server
    tree = client.get("/trace", params={"from": "Leicester City Council", "group": "type"})
    assert tree.status_code == 200
    assert "<strong>Government department</strong>" in tree.text
    assert "name='group' value='type' checked" in tree.text
    plain = client.get("/trace", params={"from": "Leicester City Council"})
    assert "<details class='fg-group'" not in plain.text
    page = client.get("/explore", params={"controller": "Leicester City Council", "group": "type"})
    assert page.status_code == 200
    assert (
        '"groupedBy": "organisation type"' in page.text
        or '"groupedBy":"organisation type"' in page.text
    )
    assert client.get("/explore", params={"group": "colour"}).status_code == 422
