"""The flow network as GraphML or GEXF for Gephi and yEd (list attributes joined with " | ").

Deterministic: nodes, edges and attributes are written in sorted order, and the GEXF carries no
date (NetworkX would stamp today's), so two exports of the same graph are the same bytes.
"""

from __future__ import annotations

import io

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter


def export_network(graph: nx.MultiDiGraph, fmt: str) -> bytes:
    flat = nx.MultiDiGraph()
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        flat.add_node(node, **{k: data[k] for k in sorted(data) if data[k] is not None})
    for source, target, key, data in sorted(
        graph.edges(keys=True, data=True), key=lambda edge: (edge[0], edge[1], str(edge[2]))
    ):
        attributes = {
            k: (" | ".join(v) if isinstance(v, list) else v)
            for k, v in sorted(data.items())
            if v is not None
        }
        flat.add_edge(source, target, key=key, **attributes)
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(flat, buffer)
    elif fmt == "gexf":
        writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
        meta = writer.xml.find("meta")
        if meta is not None:
            meta.attrib.pop("lastmodifieddate", None)
        writer.add_graph(flat)
        writer.write(buffer)
    else:
        raise ValueError(f"unknown network format {fmt!r}")
    return buffer.getvalue()
