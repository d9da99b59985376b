"""Every sharing chain from an organisation, hop by hop, with the evidence for each hop.

A hop is `stated` (the sender's notice names the recipient), `onward` (a notice states what the
recipient does next) or `category` (only a category such as "Other local authorities" links
them: a possible flow to each organisation of that category, shown only when asked for).
Cycles are cut: a chain never visits a node twice.

Chains hold only what the notices state: an `onward` hop follows a hop only when the same
controller's notices state both (Leicestershire's notice saying what the DfE does with
Leicestershire's data says nothing about Leicester's), and a chain ends at a category unless
categories are followed (a category is not an organisation that sends anything itself).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from flowgraph.errors import NotFound, QueryError, Unprocessable
from flowgraph.store.results import QueryTimeout


@dataclass(frozen=True)
class Hop:
    from_iri: str
    from_label: str
    to_iri: str
    to_label: str
    service: str | None
    how: str
    quote: str
    notice: str
    start: int
    end: int
    controller: str = field(default="", compare=False)  # whose notice states it (not in JSON)

    def as_json(self) -> dict[str, Any]:
        return {
            "from": {"iri": self.from_iri, "label": self.from_label},
            "to": {"iri": self.to_iri, "label": self.to_label},
            "service": self.service,
            "how": self.how,
            "evidence": {
                "quote": self.quote,
                "notice": self.notice,
                "start": self.start,
                "end": self.end,
            },
        }


def _senders(graph: nx.MultiDiGraph, node: str, service: str | None) -> list[str]:
    """The node itself and its service areas (or just the one service asked for)."""
    units = _units_of(graph).get(node, [])
    if service is not None:
        chosen = [
            u for u in units if graph.nodes[u]["label"].lower() == service.lower() or u == service
        ]
        if not chosen:  # a service area that acts for an organisation is that organisation's node
            chosen = [n for n in graph if _acts_for(graph, n, node, service)]
        if not chosen:
            from flowgraph.query.names import unknown_service

            labels = [graph.nodes[u]["label"] for u in units]
            raise unknown_service(graph.nodes[node]["label"], service, labels)
        return chosen
    return [node, *units]


def _units_of(graph: nx.MultiDiGraph) -> dict[str, list[str]]:
    """Service areas by council, computed once per graph."""
    cached = graph.graph.get("units_of")
    if cached is None:
        cached = {}
        for node, data in graph.nodes(data=True):
            if data.get("unit_of"):
                cached.setdefault(data["unit_of"], []).append(node)
        graph.graph["units_of"] = cached
    return cached


def _acts_for(graph: nx.MultiDiGraph, candidate: str, controller: str, service: str) -> bool:
    return any(
        (data.get("service") or "").lower() == service.lower() and data["controller"] == controller
        for _, _, data in graph.out_edges(candidate, data=True)
    )


def next_hops(graph: nx.MultiDiGraph, node: str, service: str | None = None) -> list[Hop]:
    """One hop per distinct (recipient, service area, how), with its first evidence."""
    if node not in graph:
        return []  # an organisation named only through a category sends nothing we know of
    best: dict[tuple[str, str | None, str], Hop] = {}
    label = graph.nodes[node]["label"]
    for sender in _senders(graph, node, service):
        for _, target, data in graph.out_edges(sender, data=True):
            if target == node or graph.nodes[target].get("kind") == "service":
                continue
            how = "stated" if data["how"] == "internal" else data["how"]
            hop = Hop(node, label, target, graph.nodes[target]["label"], data["service"], how,
                      data["quote"], data["notice"], data["start"], data["end"], data["controller"])  # fmt: skip
            key = (target, data["service"], how)
            if key not in best or (hop.notice, hop.start) < (best[key].notice, best[key].start):
                best[key] = hop
    return sorted(best.values(), key=lambda h: (h.service or "", h.to_label, h.notice, h.start))


def trace(
    graph: nx.MultiDiGraph,
    start: str,
    *,
    service: str | None = None,
    to: str | None = None,
    max_hops: int = 4,
    categories: dict[str, list[tuple[str, str]]] | None = None,
    limit: int | None = None,
    deadline: float | None = None,
) -> list[list[Hop]]:
    """Maximal chains from `start` (or those reaching `to`), at most `max_hops` long.

    With `limit`, more than that many chains raise `TooManyChains` as soon as they are found;
    past `deadline` (a `time.monotonic()` value) the walk stops with `TraceTimeout`: a server
    answering many users must not build an answer of hundreds of megabytes.
    """
    if start not in graph:
        raise NotFound(f"{start} sends nothing in this graph")
    chains = _BoundedList(limit, deadline)
    memo: dict[tuple[str, str | None, bool], list[Hop]] = {}

    def hops_from(node: str, chosen_service: str | None, first: bool) -> list[Hop]:
        """From the start, one hop per (recipient, service area); further on, one per recipient
        (its first evidence), or chains multiply by every service area of every council passed."""
        key = (node, chosen_service, first)
        if key not in memo:
            hops = next_hops(graph, node, chosen_service)
            if not first:
                by_target: dict[tuple[str, str, str], Hop] = {}
                for hop in hops:  # an onward hop is kept per controller stating it
                    by_target.setdefault(
                        (hop.to_iri, hop.how, hop.controller if hop.how == "onward" else ""), hop
                    )
                hops = list(by_target.values())
            memo[key] = hops
        return memo[key]

    def extend(node: str, path: list[Hop], seen: set[str], first: bool) -> None:
        chains.tick()
        if to is not None and node == to and path:
            chains.append(list(path))
            return
        at_category = node in graph and graph.nodes[node].get("kind") == "category"
        follow = len(path) < max_hops and (categories is not None or not at_category or not path)
        options = (
            [
                hop
                for hop in hops_from(node, service if first else None, first)
                if not path or hop.how != "onward" or hop.controller == path[-1].controller
            ]
            if follow
            else []
        )
        if (
            categories is not None
            and at_category
            and path
            and path[-1].how != "category"
            and len(path) < max_hops
        ):
            reached = path[-1]  # the category's own flow is the only evidence for a possible flow
            options += [
                Hop(
                    node,
                    graph.nodes[node]["label"],
                    member,
                    label,
                    None,
                    "category",
                    reached.quote,
                    reached.notice,
                    reached.start,
                    reached.end,
                    reached.controller,
                )
                for member, label in categories.get(node, [])
            ]
        options = [hop for hop in options if hop.to_iri not in seen]
        if not options:
            if path and to is None:
                chains.append(list(path))
            return
        for hop in options:
            path.append(hop)
            seen.add(hop.to_iri)
            extend(hop.to_iri, path, seen, False)
            seen.discard(hop.to_iri)
            path.pop()

    extend(start, [], {start}, True)
    return list(chains)


class TooManyChains(QueryError, Unprocessable):
    """More chains than the caller allows."""


class TraceTimeout(QueryTimeout):
    """The walk ran past its deadline (answered like a query out of time: 503, Retry-After)."""


class _BoundedList(list):
    """The chains found so far, refusing to grow past a limit or a deadline."""

    def __init__(self, limit: int | None, deadline: float | None) -> None:
        super().__init__()
        self.limit = limit
        self.deadline = deadline

    def append(self, chain: list[Hop]) -> None:
        if self.limit is not None and len(self) >= self.limit:
            raise TooManyChains(
                f"more than {self.limit:,} chains; narrow the trace (fewer hops, a service, a destination)"
            )
        self.tick()
        super().append(chain)

    def tick(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TraceTimeout(
                "the trace took too long; narrow it (fewer hops, a service, a destination)"
            )


def find_node(graph: nx.MultiDiGraph, name: str) -> str:
    """An IRI, or a node whose label is `name` (case-insensitive)."""
    if name in graph:
        return name
    matches = [
        n
        for n, d in graph.nodes(data=True)
        if d.get("label", "").lower() == name.lower() and d.get("kind") != "service"
    ]
    if not matches:
        raise NotFound(f"no organisation called {name!r} sends or receives data in this graph")
    return matches[0]
