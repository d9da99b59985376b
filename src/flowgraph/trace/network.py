"""Project the graph's flows into a NetworkX MultiDiGraph, keyed by IRI.

A service area that stands for an organisation (the LLEP, hosted by Leicester City Council) is
projected onto that organisation's node, so the LLEP is one node whether a notice names it as a
recipient or describes what it does.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from flowgraph.query.library import LibraryQuery, run
from flowgraph.store.base import GraphStore


def flow_network(store: GraphStore, library: dict[str, LibraryQuery]) -> nx.MultiDiGraph:
    """Nodes: controllers, service areas, organisations, categories; edges: flows with evidence."""
    details: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in run(store, library["activity-details"])[1]:
        details[row["activity"]][row["kind"]].append(row["value"])
    graph = nx.MultiDiGraph()
    for row in run(store, library["flow-edges"])[1]:
        sender = row["represents"] or row["from"]
        if row["represents"]:
            graph.add_node(sender, label=row["representsLabel"], kind="organisation")
        elif row["unitOf"]:
            graph.add_node(
                sender,
                label=row["fromLabel"],
                kind="service",
                unit_of=row["unitOf"],
                controller_label=row["controllerLabel"],
            )
            graph.add_node(row["unitOf"], label=row["controllerLabel"], kind="controller")
        elif sender == row["controller"]:
            graph.add_node(sender, label=row["fromLabel"], kind="controller")
        elif sender not in graph:
            graph.add_node(sender, label=row["fromLabel"], kind="organisation")
        target_kind = row["toKind"]
        if row["to"] not in graph or (
            graph.nodes[row["to"]].get("kind") in ("organisation", None)
            and target_kind != "organisation"
        ):
            graph.add_node(row["to"], label=row["toLabel"], kind=target_kind)
        elif graph.nodes[row["to"]].get("kind") == "organisation" and target_kind == "organisation":
            graph.nodes[row["to"]].setdefault("label", row["toLabel"])
        activity = details[row["activity"]]
        graph.add_edge(
            sender,
            row["to"],
            key=row["flow"],
            how="internal" if target_kind == "internal" else row["how"],
            service=row["serviceLabel"] if row["unitOf"] or row["represents"] else None,
            service_iri=row["from"] if row["unitOf"] or row["represents"] else None,
            controller=row["controller"],
            controller_label=row["controllerLabel"],
            notice=row["notice"],
            quote=row["quote"],
            start=row["start"],
            end=row["end"],
            purposes=activity["purpose"],
            bases=activity["basis"],
            laws=activity["law"],
            data=activity["data"],
        )
    for node, data in graph.nodes(data=True):
        data.setdefault("label", node)
        data.setdefault("kind", "organisation")
    return graph


def category_members(
    store: GraphStore, library: dict[str, LibraryQuery]
) -> dict[str, list[tuple[str, str]]]:
    members: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in run(store, library["category-members"])[1]:
        members[row["category"]].append((row["organisation"], row["organisationLabel"]))
    return members
