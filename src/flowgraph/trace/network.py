"""Project the graph's flows into a NetworkX MultiDiGraph, keyed by IRI.

A service area that stands for an organisation (the LLEP, hosted by Leicester City Council) is
projected onto that organisation's node, so the LLEP is one node whether a notice names it as a
recipient or describes what it does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import networkx as nx

from flowgraph.query.library import LibraryQuery, run
from flowgraph.store.base import GraphStore


def flow_network(store: GraphStore, library: dict[str, LibraryQuery]) -> nx.MultiDiGraph:
    """Nodes: controllers, service areas, organisations, categories; edges: flows with evidence."""
    graph = nx.MultiDiGraph()
    rows = run(store, library["flow-edges"])[1]
    add_flows(graph, rows, _details(store, library))
    return finish_network(graph)


def reachable_network(
    store: GraphStore,
    library: dict[str, LibraryQuery],
    start: str,
    max_hops: int,
    categories: dict[str, list[tuple[str, str]]] | None = None,
    *,
    with_details: bool = True,
) -> nx.MultiDiGraph:
    """The part of the flow network within `max_hops` of `start`: what tracing from one council
    needs, read one hop at a time (all senders of a hop in one query) instead of every flow of
    every council. With `categories`, an organisation reached through its category is expanded
    too. Without `with_details` edges carry no purposes, bases, laws or data (a trace needs
    only the evidence)."""

    def edges_from(frontier: set[str]) -> list[dict]:
        rows = run(store, library["flow-edges-from"], {"node": sorted(frontier)})[1]
        rows.sort(key=lambda r: (r["notice"], r["start"], r["end"], r["to"], r["node"]))
        return rows

    return walk_reachable(
        start,
        max_hops,
        edges_from,
        lambda activities: _details(store, library, activities),
        categories,
        with_details,
    )


def walk_reachable(
    start: str,
    max_hops: int,
    edges_from: Callable[[set[str]], list[dict]],
    details_of: Callable[[list[str]], dict[str, dict[str, list[str]]]],
    categories: dict[str, list[tuple[str, str]]] | None,
    with_details: bool,
) -> nx.MultiDiGraph:
    """The hop-by-hop walk both sources share (the store's queries, the build's network file):
    `edges_from` gives the flow-edges rows sent by a frontier, `details_of` activities' details."""
    graph = nx.MultiDiGraph()
    expanded: set[str] = set()
    frontier = {start}
    for _ in range(max_hops):
        frontier -= expanded
        if not frontier:
            break
        expanded |= frontier
        rows = edges_from(frontier)
        activities = sorted({r["activity"] for r in rows})
        details = details_of(activities) if activities and with_details else {}
        add_flows(graph, rows, details)
        frontier = {r["to"] for r in rows}
        if categories:
            frontier |= {m for node in list(frontier) for m, _ in categories.get(node, [])}
    return finish_network(graph)


def _details(
    store: GraphStore, library: dict[str, LibraryQuery], activities: list[str] | None = None
) -> dict[str, dict[str, list[str]]]:
    details: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    params = {"activity": activities} if activities is not None else None
    for row in run(store, library["activity-details"], params)[1]:
        details[row["activity"]][row["kind"]].append(row["value"])
    return details


def add_flows(
    graph: nx.MultiDiGraph, rows: list[dict], details: dict[str, dict[str, list[str]]]
) -> None:
    empty: dict[str, list[str]] = defaultdict(list)
    for row in rows:
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
        activity = details.get(row["activity"], empty)
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


def finish_network(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
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


def type_members(
    store: GraphStore, library: dict[str, LibraryQuery]
) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str]]:
    """Organisations by their finer type (police force, district council...), and each type's
    label: the same shape as `category_members`, so a map or a tree can group by either."""
    members: dict[str, list[tuple[str, str]]] = defaultdict(list)
    labels: dict[str, str] = {}
    for row in run(store, library["organisation-types"])[1]:
        members[row["type"]].append((row["organisation"], row["organisationLabel"]))
        labels[row["type"]] = row["typeLabel"]
    return members, labels
