"""A view of the flow network -> one self-contained HTML page with two views: a Sankey of one
council's flows (d3-sankey's layout, drawn as SVG) and a left-to-right network (vis-network,
positions from `layout.py`, physics off).

Every script is inlined (the vendored libraries, `views.js`, the data), so the page works
offline and loads nothing from elsewhere. All notice text reaches the page only as JSON (with
`<`, `>` and `&` escaped) and is put on screen with `textContent`, never as HTML.
"""

from __future__ import annotations

import json
import re
from functools import cache
from html import escape
from importlib.resources import files
from typing import Any

import networkx as nx

from flowgraph.visualise.layout import abbreviate, layout
from flowgraph.visualise.sankey import sankey_data
from flowgraph.visualise.select import View

STYLE = {  # node kind -> colours and border (categories dashed: a kind of recipient, not one)
    "controller": {"color": "#1f3a5f", "font": "#ffffff", "border": "#10233d", "dashes": False},
    "service": {"color": "#4f81bd", "font": "#ffffff", "border": "#2d5a8e", "dashes": False},
    "organisation": {"color": "#f6c68f", "font": "#1d2330", "border": "#c77a23", "dashes": False},
    "category": {"color": "#d7e6c8", "font": "#1d2330", "border": "#5e7f3f", "dashes": True},
    "internal": {"color": "#ddd4ec", "font": "#1d2330", "border": "#7b68a0", "dashes": False},
    "unresolved": {"color": "#f2c9c8", "font": "#1d2330", "border": "#c0504d", "dashes": True},
    "cluster": {"color": "#ffffff", "font": "#1d2330", "border": "#c77a23", "dashes": False},
}
EDGES = {  # edge kind -> how it is drawn (shown in the legend as drawn)
    "stated": {"color": "#6b7a90", "dashes": False, "width": 1.2, "text": "stated by the notice"},
    "onward": {"color": "#c0504d", "dashes": [8, 4], "width": 2, "text": "onward (what the recipient does next)"},
    "internal": {"color": "#7b68a0", "dashes": [2, 4], "width": 1.5, "text": "within the council"},
    "part of": {"color": "#c8ced8", "dashes": [4, 4], "width": 1, "text": "service area of"},
}  # fmt: skip
PAGE = files("flowgraph.visualise")


@cache
def _asset(name: str) -> str:
    return (PAGE / name).read_text(encoding="utf-8")


@cache
def _vis_network() -> str:
    return (files("pyvis") / "lib" / "vis-9.1.2" / "vis-network.min.js").read_text(encoding="utf-8")


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_data(
    view: View,
    title: str,
    *,
    page_base: str | None = None,
    base_iri: str | None = None,
    members: dict[str, list[tuple[str, str]]] | None = None,
    root: str | None = None,
    initial: str | None = None,
    grouped_by: str = "category",
) -> dict[str, Any]:
    """Everything the page draws, as plain data (what the tests read too). `members` groups
    named organisations (bands, clusters): by recipient category, or by organisation type."""
    graph: nx.MultiDiGraph = view.graph
    placed = layout(graph, members, root)

    def page(node: str) -> str | None:
        if page_base and base_iri and node.startswith(base_iri):
            return f"{page_base}{node[len(base_iri) :]}"
        return None

    nodes = []
    for entry in placed["nodes"]:
        data = graph.nodes[entry["id"]]
        full = data.get("label", entry["id"]) + (
            f" (+{data['collapsed']})" if data.get("collapsed") else ""
        )
        nodes.append({**entry, "label": abbreviate(full), "full": full,
                      "kind": data.get("kind", "organisation"), "page": page(entry["id"])})  # fmt: skip
    edges = []
    for u, v, key, data in sorted(
        graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])
    ):
        edges.append({
            "id": key, "from": u, "to": v, "how": data["how"], "service": data.get("service"),
            "controllerLabel": data["controller_label"], "fromLabel": graph.nodes[u].get("label", u),
            "toLabel": graph.nodes[v].get("label", v), "purposes": " | ".join(data["purposes"]),
            "bases": " | ".join(data["bases"]), "quote": data["quote"], "notice": data["notice"],
            "start": data["start"], "end": data["end"],
        })  # fmt: skip
    for node, data in sorted(graph.nodes(data=True)):  # a service area and its council
        if data.get("kind") == "service" and data.get("unit_of") in graph:
            unit = data["unit_of"]
            edges.append({"id": f"{node}#unit", "from": unit, "to": node, "how": "part of",
                          "fromLabel": graph.nodes[unit].get("label", unit),
                          "toLabel": data.get("label", node)})  # fmt: skip
    sankey = sankey_data(graph, root, members or {}) if root and root in graph else None
    return {
        "title": title,
        "notes": view.notes,
        "nodes": nodes,
        "clusters": placed["clusters"],
        "edges": edges,
        "sankey": sankey,
        "initial": initial if initial in ("sankey", "network") and (sankey or initial == "network")
        else ("sankey" if sankey else "network"),
        "styles": STYLE,
        "edgeStyles": EDGES,
        "groupedBy": "organisation type" if grouped_by == "type" else "recipient category",
    }  # fmt: skip


def render_view(
    view: View,
    title: str,
    page_base: str | None = None,
    base_iri: str | None = None,
    *,
    members: dict[str, list[tuple[str, str]]] | None = None,
    root: str | None = None,
    initial: str | None = None,
    grouped_by: str = "category",
) -> str:
    """The page: the shell (`views.html`), the vendored scripts and `views.js`, all inline."""
    data = page_data(view, title, page_base=page_base, base_iri=base_iri, members=members,
                     root=root, initial=initial, grouped_by=grouped_by)  # fmt: skip
    scripts = "".join(
        f"<script>{source}</script>"
        for source in (
            _vis_network(),
            _asset("vendor/d3-array.min.js"),
            _asset("vendor/d3-sankey.min.js"),
        )
    )
    parts = {"TITLE": escape(title), "SCRIPTS": scripts, "DATA": _json(data),
             "VIEWS": _asset("views.js")}  # fmt: skip
    # one pass over the shell only: text from a notice is never searched for placeholders
    return re.sub(
        r"__(TITLE|SCRIPTS|DATA|VIEWS)__", lambda m: parts[m.group(1)], _asset("views.html")
    )
