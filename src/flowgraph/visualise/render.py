"""A view of the flow network -> one self-contained HTML page (pyvis, vis-network inlined).

All notice text reaches the page only as JSON data (escaped by the template's `tojson`) and is
put on screen with `textContent`, never as HTML. pyvis's template links Bootstrap from a CDN;
those tags are removed so the page makes no network request at all.
"""

from __future__ import annotations

import json
import math
import re

import networkx as nx
from pyvis.network import Network

from flowgraph.visualise.select import View

STYLE = {
    "controller": {"color": "#1f3a5f", "shape": "box"},
    "service": {"color": "#4f81bd", "shape": "box"},
    "organisation": {"color": "#e08a2e", "shape": "dot"},
    "category": {"color": "#7a9a5a", "shape": "diamond"},
    "internal": {"color": "#9b8bb4", "shape": "triangle"},
    "unresolved": {"color": "#c0504d", "shape": "star"},
}
EDGE_COLOUR = {"stated": "#6b7a90", "onward": "#c0504d", "internal": "#9b8bb4"}

PANEL = """
<div id="fg-panel" style="position:fixed;top:0;right:0;width:360px;height:100%;overflow:auto;background:#f7f8fa;border-left:1px solid #ccd;padding:10px;font:13px system-ui,sans-serif;box-sizing:border-box">
  <h2 id="fg-title" style="font-size:16px;margin:0 0 6px"></h2>
  <p id="fg-notes" style="color:#555"></p>
  <input id="fg-search" placeholder="Find an organisation…" style="width:100%;box-sizing:border-box;margin-bottom:6px">
  <div id="fg-kinds"></div>
  <div id="fg-legend" style="margin:6px 0"></div>
  <div id="fg-details" style="border-top:1px solid #ccd;padding-top:6px"><em>Click a node to highlight its chains, or an edge for its evidence.</em></div>
</div>
"""

SCRIPT = """
<script type="application/json" id="fg-meta">__META__</script>
<script>
(function () {
  const meta = JSON.parse(document.getElementById('fg-meta').textContent);
  document.getElementById('fg-title').textContent = meta.title;
  document.getElementById('fg-notes').textContent = meta.notes.join('; ');
  const legend = document.getElementById('fg-legend');
  for (const [kind, style] of Object.entries(meta.styles)) {
    const item = document.createElement('div');
    const swatch = document.createElement('span');
    swatch.style.cssText = 'display:inline-block;width:10px;height:10px;margin-right:6px;background:' + style.color;
    item.appendChild(swatch); item.appendChild(document.createTextNode(kind + ' (' + style.shape + ')'));
    legend.appendChild(item);
  }
  const kinds = document.getElementById('fg-kinds');
  for (const kind of Object.keys(meta.styles)) {
    const label = document.createElement('label'); label.style.marginRight = '8px';
    const box = document.createElement('input'); box.type = 'checkbox'; box.checked = true; box.dataset.kind = kind;
    box.addEventListener('change', () => {
      nodes.update(nodes.get({filter: n => n.kind === kind}).map(n => ({id: n.id, hidden: !box.checked})));
    });
    label.appendChild(box); label.appendChild(document.createTextNode(kind)); kinds.appendChild(label);
  }
  document.getElementById('fg-search').addEventListener('input', (event) => {
    const text = event.target.value.toLowerCase();
    if (!text) return;
    const found = nodes.get({filter: n => n.label.toLowerCase().includes(text)});
    if (found.length) { network.selectNodes([found[0].id]); network.focus(found[0].id, {scale: 1.2}); }
  });
  const details = document.getElementById('fg-details');
  function line(name, value) {
    const p = document.createElement('p'); p.style.margin = '3px 0';
    const b = document.createElement('strong'); b.textContent = name + ': ';
    p.appendChild(b); p.appendChild(document.createTextNode(value || '—')); details.appendChild(p);
  }
  const original = {};
  nodes.forEach(n => { original[n.id] = n.color; });
  function downstream(start) {
    const seen = new Set([start]); const queue = [start];
    while (queue.length) {
      const node = queue.shift();
      for (const e of edges.get({filter: e => e.from === node && e.how !== 'part of'})) if (!seen.has(e.to)) { seen.add(e.to); queue.push(e.to); }
    }
    return seen;
  }
  network.on('click', (params) => {
    details.textContent = '';
    if (params.nodes.length) {
      const node = nodes.get(params.nodes[0]);
      const reach = downstream(node.id);
      nodes.update(nodes.get().map(n => ({id: n.id, color: reach.has(n.id) ? original[n.id] : '#dddddd'})));
      const h = document.createElement('h3'); h.textContent = node.label; details.appendChild(h);
      line('kind', node.kind); line('receives from', String(edges.get({filter: e => e.to === node.id}).length) + ' flows');
      line('shares with', String(edges.get({filter: e => e.from === node.id}).length) + ' flows');
      line('chains reach', String(reach.size - 1) + ' nodes');
      if (node.page) { const a = document.createElement('a'); a.href = node.page; a.textContent = 'open its page'; details.appendChild(a); }
    } else if (params.edges.length) {
      const edge = edges.get(params.edges[0]);
      const h = document.createElement('h3'); h.textContent = edge.fromLabel + ' → ' + edge.toLabel; details.appendChild(h);
      line('how', edge.how); line('service', edge.service); line('stated by', edge.controllerLabel);
      line('purposes', edge.purposes); line('lawful bases', edge.bases);
      const q = document.createElement('blockquote'); q.textContent = edge.quote; q.style.cssText = 'margin:4px 0;padding:4px;border-left:3px solid #999;background:#fff';
      details.appendChild(q); line('notice', edge.notice + ', characters ' + edge.start + '–' + edge.end);
    } else {
      nodes.update(nodes.get().map(n => ({id: n.id, color: original[n.id]})));
      details.textContent = 'Click a node to highlight its chains, or an edge for its evidence.';
    }
  });
  document.body.dataset.fgReady = 'true';
})();
</script>
"""


def render_view(
    view: View, title: str, page_base: str | None = None, base_iri: str | None = None
) -> str:
    graph: nx.MultiDiGraph = view.graph
    net = Network(
        height="100vh", width="calc(100% - 360px)", directed=True, cdn_resources="in_line"
    )
    reach = {n: len({d["controller"] for _, _, d in graph.in_edges(n, data=True)}) for n in graph}
    for node, data in graph.nodes(data=True):
        kind = data.get("kind", "organisation")
        style = STYLE.get(kind, STYLE["organisation"])
        label = data.get("label", node) + (
            f" (+{data['collapsed']})" if data.get("collapsed") else ""
        )
        page = (
            f"{page_base}{node[len(base_iri) :]}"
            if page_base and base_iri and node.startswith(base_iri)
            else None
        )
        net.add_node(
            node, label=label, title=f"{label}\n{kind}", color=style["color"], shape=style["shape"],
            size=12 + 6 * math.log1p(reach[node]), kind=kind, page=page,
            font={"color": "#ffffff"} if style["shape"] == "box" else {"color": "#1d2330"},
        )  # fmt: skip
    for u, v, key, data in graph.edges(keys=True, data=True):
        net.add_edge(
            u, v, id=key, arrows="to", color=EDGE_COLOUR.get(data["how"], "#6b7a90"), dashes=data["how"] == "onward",
            title=f"{data['how']}: {graph.nodes[u].get('label', u)} → {graph.nodes[v].get('label', v)}",
            how=data["how"], service=data.get("service"), controllerLabel=data["controller_label"],
            fromLabel=graph.nodes[u].get("label", u), toLabel=graph.nodes[v].get("label", v),
            purposes=" | ".join(data["purposes"]), bases=" | ".join(data["bases"]), quote=data["quote"],
            notice=data["notice"], start=data["start"], end=data["end"],
        )  # fmt: skip
    for node, data in graph.nodes(data=True):  # controllers on the left of their service areas
        if data.get("kind") == "service" and data.get("unit_of") in graph:
            unit = data["unit_of"]
            net.add_edge(
                unit, node, id=f"{node}#unit", arrows="to", color="#c8ced8", dashes=True, how="part of",
                title=f"{graph.nodes[node].get('label')} is a service area of {graph.nodes[unit].get('label')}",
                fromLabel=graph.nodes[unit].get("label", unit), toLabel=data.get("label", node), quote="", notice="",
            )  # fmt: skip
    small = graph.number_of_nodes() <= 60
    options = (
        {
            "layout": {
                "hierarchical": {
                    "enabled": True,
                    "direction": "LR",
                    "sortMethod": "directed",
                    "levelSeparation": 260,
                    "nodeSpacing": 40,
                }
            },
            "physics": {"enabled": False},
            "interaction": {"hover": True},
        }
        if small
        else {
            "physics": {"solver": "barnesHut", "stabilization": {"iterations": 250}},
            "interaction": {"hover": True},
        }
    )
    net.set_options(json.dumps(options))
    page = net.generate_html()
    page = re.sub(r"<link\s+href=\"https://cdn\.jsdelivr\.net[^>]*/>", "", page)
    page = re.sub(r"<script\s+src=\"https://cdn\.jsdelivr\.net[^>]*>\s*</script>", "", page)
    page = re.sub(r"<center>\s*<h1>.*?</h1>\s*</center>", "", page, flags=re.S)
    page = page.replace("<head>", f"<head><title>{_text(title)}</title>", 1)
    meta = json.dumps({"title": title, "notes": view.notes, "styles": STYLE})
    meta = meta.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return page.replace("</body>", PANEL + SCRIPT.replace("__META__", meta) + "</body>")


def _text(value: str) -> str:
    from html import escape

    return escape(value)
