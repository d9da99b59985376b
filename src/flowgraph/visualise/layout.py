"""A stable left-to-right layout of the flow network: a level (column) and an order (row) for
every node, and clusters of named organisations by category in crowded columns.

A force layout gives another picture on every load and piles labels on each other. Here the
column is the node's distance from where the flows start (council, service area, recipient,
onward recipient) and the row comes from its senders' rows (a barycentre sweep, which keeps
bands from crossing), ties broken by name: the same graph always gives the same picture. The
page turns rows into positions with a fixed row height, so labels never overlap at any zoom.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

import networkx as nx

from flowgraph.visualise.sankey import category_of

CROWDED = 18  # a column with more nodes than this gets its named organisations clustered
LABEL_CHARS = 30  # longer labels are abbreviated on the map (the full one is in the tooltip)


def abbreviate(label: str, limit: int = LABEL_CHARS) -> str:
    """A label short enough for its box: cut at a word boundary, with an ellipsis."""
    if len(label) <= limit:
        return label
    cut = label[: limit - 1].rsplit(" ", 1)[0] if " " in label[: limit - 1] else label[: limit - 1]
    return cut.rstrip(" ,;:-(") + "…"


def levels(graph: nx.MultiDiGraph, root: str | None = None) -> dict[str, int]:
    """Each node's column: breadth-first distance from `root` (or from the nodes nothing flows
    into), a service area one column right of its council. Flows form cycles (a partnership
    sends back to its council), so what is still unreached starts again from the controller or
    busiest sender among it."""
    children: dict[str, set[str]] = defaultdict(set)
    has_parent: set[str] = set()
    for node, data in graph.nodes(data=True):
        if data.get("unit_of") in graph:
            children[data["unit_of"]].add(node)
            has_parent.add(node)
    for u, v in graph.edges():
        if u != v:
            children[u].add(v)
            has_parent.add(v)
    level: dict[str, int] = {}
    starts = [root] if root in graph else sorted(n for n in graph if n not in has_parent)
    while len(level) < graph.number_of_nodes():
        if not starts:
            left = [n for n in graph if n not in level]
            starts = [min(left, key=lambda n: (graph.nodes[n].get("kind") != "controller",
                                                -len(children[n]), n))]  # fmt: skip
        queue = deque()
        for start in starts:
            level[start] = 0
            queue.append(start)
        starts = []
        while queue:
            node = queue.popleft()
            for child in sorted(children[node]):
                if child not in level:
                    level[child] = level[node] + 1
                    queue.append(child)
    return level


def layout(
    graph: nx.MultiDiGraph,
    members: dict[str, list[tuple[str, str]]] | None = None,
    root: str | None = None,
) -> dict[str, Any]:
    """Nodes with level, order and cluster; the clusters of crowded columns."""
    level = levels(graph, root)
    by_level: dict[int, list[str]] = defaultdict(list)
    for node, lvl in level.items():
        by_level[lvl].append(node)
    order: dict[str, float] = {}
    senders: dict[str, set[str]] = defaultdict(set)
    for u, v in graph.edges():
        senders[v].add(u)
    for node, data in graph.nodes(data=True):
        if data.get("unit_of") in graph:
            senders[node].add(data["unit_of"])
    grouping = category_of(members or {})
    clusters: dict[str, dict[str, Any]] = {}
    cluster_of: dict[str, str] = {}
    for lvl in sorted(by_level):
        column = by_level[lvl]
        crowded = len(column) > CROWDED

        def key(node: str, column_crowded: bool = crowded) -> tuple:
            before = [order[s] for s in senders[node] if s in order and level[s] < level[node]]
            centre = sum(before) / len(before) if before else 0.0
            group = grouping.get(node, "") if column_crowded else ""
            return (centre, group, graph.nodes[node].get("label", node).lower(), node)

        column.sort(key=key)
        for row, node in enumerate(column):
            order[node] = row
        if crowded:
            _cluster_column(graph, column, lvl, grouping, clusters, cluster_of)
    nodes = [
        {"id": n, "level": level[n], "order": order[n], "cluster": cluster_of.get(n)}
        for n in sorted(graph, key=lambda n: (level[n], order[n]))
    ]
    return {"nodes": nodes, "clusters": sorted(clusters.values(), key=lambda c: c["id"])}


def _cluster_column(
    graph: nx.MultiDiGraph,
    column: list[str],
    lvl: int,
    grouping: dict[str, str],
    clusters: dict[str, dict[str, Any]],
    cluster_of: dict[str, str],
) -> None:
    """Named organisations of one category in a crowded column: one cluster (two or more)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for node in column:
        if graph.nodes[node].get("kind") == "organisation" and node in grouping:
            groups[grouping[node]].append(node)
    for category, nodes in sorted(groups.items()):
        if len(nodes) < 2:
            continue
        cid = f"cluster:{lvl}:{category}"
        label = graph.nodes[category]["label"] if category in graph else _name(category)
        clusters[cid] = {
            "id": cid,
            "label": f"{abbreviate(label, LABEL_CHARS - 5)} ({len(nodes)})",
            "full": f"{label}: {len(nodes)} named organisations (click to expand)",
            "level": lvl,
            "members": nodes,
        }
        for node in nodes:
            cluster_of[node] = cid


def _name(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").capitalize()
