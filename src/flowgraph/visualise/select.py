"""Choose the part of the flow network a view shows, and collapse it when it is too large."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx

from flowgraph.errors import NotFound
from flowgraph.trace.chains import find_node


@dataclass
class Selection:
    controller: str | None = None
    service: str | None = None
    recipient: str | None = None
    category: str | None = None
    purpose: str | None = None
    max_hops: int = 2


@dataclass
class View:
    graph: nx.MultiDiGraph
    notes: list[str] = field(default_factory=list)


def _units(graph: nx.MultiDiGraph, node: str) -> list[str]:
    return [n for n, d in graph.nodes(data=True) if d.get("unit_of") == node]


def select(graph: nx.MultiDiGraph, chosen: Selection) -> View:
    """The sub-network a user asked for: reach of a controller/service, senders of a recipient,
    edges to a category, or edges whose activity states a purpose."""
    keep = graph
    notes: list[str] = []
    if chosen.purpose:
        needle = chosen.purpose.lower()
        edges = [
            (u, v, k)
            for u, v, k, d in graph.edges(keys=True, data=True)
            if any(needle in p.lower() for p in d["purposes"])
        ]
        keep = graph.edge_subgraph(edges).copy()
        notes.append(f"flows of activities whose purposes mention {chosen.purpose!r}")
    if chosen.controller:
        start = find_node(keep, chosen.controller)
        sources = [start, *_units(keep, start)]
        if chosen.service:
            sources = [
                u
                for u in _units(keep, start)
                if keep.nodes[u]["label"].lower() == chosen.service.lower()
            ]
            if not sources:
                raise NotFound(
                    f"{keep.nodes[start]['label']} has no service area {chosen.service!r}"
                )
        reached = set(sources)
        frontier = set(sources)
        for _ in range(chosen.max_hops):
            nxt = set()
            for node in frontier:
                for target in keep.successors(node):
                    nxt.add(target)
                    nxt.update(_units(keep, target))
            frontier = nxt - reached
            reached |= nxt
        if not chosen.service:
            reached.add(start)
        keep = keep.subgraph(reached).copy()
        notes.append(
            f"up to {chosen.max_hops} hops from {graph.nodes[start]['label']}"
            + (f" ({chosen.service})" if chosen.service else "")
        )
    if chosen.recipient:
        target = find_node(keep, chosen.recipient)
        reached = {target}
        frontier = {target}
        for _ in range(chosen.max_hops):
            frontier = {s for node in frontier for s in keep.predecessors(node)} - reached
            reached |= frontier
        keep = keep.subgraph(reached).copy()
        notes.append(f"up to {chosen.max_hops} hops before {graph.nodes[target]['label']}")
    if chosen.category:
        category = find_node(keep, chosen.category)
        edges = [(u, v, k) for u, v, k in keep.edges(keys=True) if v == category]
        keep = keep.edge_subgraph(edges).copy()
        notes.append(f"flows to the category {graph.nodes[category]['label']}")
    return View(keep if keep is not graph else graph.copy(), notes)


def collapse(view: View, members: dict[str, list[tuple[str, str]]], limit: int = 1500) -> View:
    """Above `limit` nodes: service areas into their council, then organisations into a category."""
    graph = view.graph
    if graph.number_of_nodes() <= limit:
        return view
    notes = list(view.notes)
    mapping = {
        n: d["unit_of"]
        for n, d in graph.nodes(data=True)
        if d.get("kind") == "service" and d.get("unit_of") in graph
    }
    graph = _merge(graph, mapping)
    notes.append(
        f"collapsed {len(mapping)} service areas into {len(set(mapping.values()))} councils"
    )
    if graph.number_of_nodes() > limit:
        category_of: dict[str, str] = {}
        for category, orgs in sorted(members.items(), key=lambda item: len(item[1])):
            for org, _ in orgs:
                category_of.setdefault(org, category)
        mapping = {
            n: category_of[n]
            for n, d in graph.nodes(data=True)
            if d.get("kind") == "organisation" and n in category_of and graph.in_degree(n) > 0
        }
        graph = _merge(graph, mapping)
        notes.append(
            f"collapsed {len(mapping)} named recipients into {len(set(mapping.values()))} categories"
        )
    return View(graph, notes)


def _merge(graph: nx.MultiDiGraph, mapping: dict[str, str]) -> nx.MultiDiGraph:
    merged = nx.MultiDiGraph()
    counts: dict[str, int] = defaultdict(int)
    for node in graph.nodes:
        target = mapping.get(node, node)
        counts[target] += 1
        if target not in merged:
            merged.add_node(
                target,
                **(
                    graph.nodes[target]
                    if target in graph
                    else {"label": target.rsplit("/", 1)[-1], "kind": "category"}
                ),
            )
    for node, count in counts.items():
        if count > 1:
            merged.nodes[node]["collapsed"] = count - 1
    for u, v, k, data in graph.edges(keys=True, data=True):
        a, b = mapping.get(u, u), mapping.get(v, v)
        if a != b:
            merged.add_edge(a, b, key=k, **data)
    return merged
