"""The flow network as GraphML or GEXF for Gephi and yEd (list attributes joined with " | ")."""

from __future__ import annotations

import io

import networkx as nx


def export_network(graph: nx.MultiDiGraph, fmt: str) -> bytes:
    flat = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **{k: v for k, v in data.items() if v is not None})
    for source, target, key, data in graph.edges(keys=True, data=True):
        attributes = {
            k: (" | ".join(v) if isinstance(v, list) else v)
            for k, v in data.items()
            if v is not None
        }
        flat.add_edge(source, target, key=key, **attributes)
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(flat, buffer)
    elif fmt == "gexf":
        nx.write_gexf(flat, buffer)
    else:
        raise ValueError(f"unknown network format {fmt!r}")
    return buffer.getvalue()
