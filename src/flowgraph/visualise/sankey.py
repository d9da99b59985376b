"""One council's flows as Sankey bands: council -> service area -> recipient category -> named
organisation.

A force-directed map of ~130 nodes cannot be read at a glance; four columns can. Each band
carries the flows behind it (their index into `flows`), so a click shows the evidence. Widths
are by number of flows, or by number of data categories the flows' activities state (a flow
stating none has no width in that mode and is counted in `unstated`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx

NO_CATEGORY = "category:none"
WHOLE_COUNCIL = "(whole council)"


def category_of(members: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    """Each named organisation's category: the smallest category that lists it (the most
    specific), ties broken by IRI, so the same organisation always lands in the same band."""
    chosen: dict[str, str] = {}
    for category, orgs in sorted(members.items(), key=lambda item: (len(item[1]), item[0])):
        for org, _ in orgs:
            chosen.setdefault(org, category)
    return chosen


def sankey_data(
    graph: nx.MultiDiGraph, controller: str, members: dict[str, list[tuple[str, str]]]
) -> dict[str, Any]:
    """Nodes (with their column), bands (flows and data-category counts) and the flows' evidence
    of the flows `controller` and its service areas state directly."""
    nodes: dict[str, dict[str, Any]] = {}
    bands: dict[tuple[str, str], dict[str, Any]] = {}
    flows: list[dict[str, Any]] = []
    grouping = category_of(members)

    def node(key: str, label: str, column: int, iri: str | None) -> str:
        nodes.setdefault(key, {"id": key, "label": label, "column": column, "iri": iri})
        return key

    def band(source: str, target: str, flow: int, data: int) -> None:
        entry = bands.setdefault(
            (source, target), {"source": source, "target": target, "flows": 0, "data": 0, "ids": []}
        )
        entry["flows"] += 1
        entry["data"] += data
        entry["ids"].append(flow)

    council = node("c:" + controller, graph.nodes[controller]["label"], 0, controller)
    units = sorted(n for n, d in graph.nodes(data=True) if d.get("unit_of") == controller)
    senders = [controller, *units]
    for sender in senders:
        for _, target, _key, data in sorted(graph.out_edges(sender, keys=True, data=True)):
            if graph.nodes[target].get("kind") == "service" or data["how"] == "onward":
                continue
            index = len(flows)
            flows.append(_evidence(graph, sender, target, data))
            width = len(set(data.get("data") or []))
            service_label = graph.nodes[sender]["label"] if sender != controller else WHOLE_COUNCIL
            service = node("s:" + sender, service_label, 1, sender)
            band(council, service, index, width)
            kind = graph.nodes[target].get("kind")
            if kind == "organisation":
                group = grouping.get(target)
                group_label = (
                    graph.nodes[group]["label"]
                    if group in graph
                    else _label_from_iri(group)
                    if group
                    else "Named, no category"
                )
                category = node("k:" + (group or NO_CATEGORY), group_label, 2, group)
                band(service, category, index, width)
                band(
                    category,
                    node("o:" + target, graph.nodes[target]["label"], 3, target),
                    index,
                    width,
                )
            else:
                band(service, node("k:" + target, graph.nodes[target]["label"], 2, target), index, width)  # fmt: skip
    unstated = sum(1 for f in flows if not f["data"])
    return {
        "nodes": sorted(nodes.values(), key=lambda n: (n["column"], n["label"].lower(), n["id"])),
        "bands": sorted(bands.values(), key=lambda b: (b["source"], b["target"])),
        "flows": flows,
        "unstated": unstated,
    }


def _label_from_iri(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").capitalize()


def _evidence(graph: nx.MultiDiGraph, sender: str, target: str, data: dict) -> dict[str, Any]:
    return {
        "from": graph.nodes[sender]["label"],
        "to": graph.nodes[target]["label"],
        "how": data["how"],
        "service": data.get("service"),
        "quote": data["quote"],
        "notice": data["notice"],
        "start": data["start"],
        "end": data["end"],
        "purposes": sorted(set(data.get("purposes") or [])),
        "bases": sorted(set(data.get("bases") or [])),
        "data": sorted(set(data.get("data") or [])),
    }


def band_totals(data: dict[str, Any], measure: str = "flows") -> dict[tuple[str, str], int]:
    """(source label, target label) -> width: what a test or a reader checks against the page."""
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for b in data["bands"]:
        totals[(labels[b["source"]], labels[b["target"]])] += b[measure]
    return dict(totals)
