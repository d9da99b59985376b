"""The query page at `/`: a library of queries, an editor, and compact results.

SELECT results are a table of prefixed names (`fg:Flow`, `id:org/hmrc`; the full IRI in the
link's title, entity IRIs linked to their `/id/` page), long cells cut at `CELL_LIMIT` characters
with a "more" button, the table scrolling sideways in its own box. ASK shows true or false;
CONSTRUCT and DESCRIBE come back as Turtle (the page's Accept names it after SPARQL JSON) and
are shown in a `<pre>`. Downloads run the same query through `/sparql` with `format=`.

Everything from a result is put in the page as text (`textContent`), never as HTML; the script
and its data are inline (the Content-Security-Policy allows them by hash) and load nothing.
"""

from __future__ import annotations

import json
from html import escape
from importlib.resources import files

from fastapi.responses import HTMLResponse

from flowgraph.rdf.terms import PREFIXES
from flowgraph.serve.deps import Runtime
from flowgraph.serve.pages import layout

CELL_LIMIT = 160  # characters of a cell shown before "more"
INSTANCE_PREFIX = "id"  # the short prefix of the graph's own IRIs (the instance base)

STYLE = """
#results .fg-scroll{max-width:100%;overflow-x:auto;border:1px solid #d5d9e0;background:#fff}
#results table{width:auto;min-width:100%;border:0;font-size:.85rem}
#results th{white-space:nowrap;padding:.25rem .5rem}
#results td{white-space:nowrap;padding:.15rem .5rem;line-height:1.35}
#results .fg-cell{display:inline-block;vertical-align:top;max-width:20rem;overflow:hidden;text-overflow:ellipsis}
#results td.fg-open .fg-cell{white-space:pre-wrap;overflow-wrap:anywhere;width:36rem;max-width:none}
#results td.fg-open button.fg-more{vertical-align:baseline}
#results td a{text-decoration:none}#results td a:hover{text-decoration:underline}
#results .fg-tag{color:#5b6578;font-size:.75rem;margin-left:.25rem;vertical-align:top}
#results button.fg-more{font-size:.7rem;margin-left:.3rem;padding:0 .3rem;cursor:pointer;vertical-align:top}
#results pre{background:#fff;border:1px solid #d5d9e0;padding:.6rem;overflow:auto;max-height:36rem;
  font-size:.85rem;white-space:pre;margin:0}
#results .fg-answer{font-size:1.3rem;font-weight:600}
#prefixes{font-size:.8rem}#status.fg-error{color:#a1262d;white-space:pre-wrap}
#downloads a{margin-right:.6rem}
#query{height:10rem}
"""


def prefixes(runtime: Runtime) -> list[list[str]]:
    """The prefixes the page shortens IRIs with, longest namespace first (so the most specific
    wins): the project's own, and `id:` for the instance base."""
    known = {**PREFIXES, INSTANCE_PREFIX: runtime.settings.base_iri}
    return sorted(([p, ns] for p, ns in known.items()), key=lambda item: -len(item[1]))


def _script_data(value: object) -> str:
    """JSON that can sit inside a `<script>` element: no `<`, `>` or `&` as such."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def query_page(runtime: Runtime) -> HTMLResponse:
    examples = {
        name: {"title": q.title, "description": q.description, "text": q.text, "params": q.params}
        for name, q in runtime.library.items()
    }
    config = {
        "examples": examples,
        "prefixes": prefixes(runtime),
        "base": runtime.settings.base_iri,
        "cellLimit": CELL_LIMIT,
        "first": "flows" if "flows" in examples else next(iter(examples), ""),
    }
    first = runtime.library.get("flows")
    script = (files("flowgraph.serve") / "query_page.js").read_text(encoding="utf-8")
    text = first.text if first else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    body = f"""<style>{STYLE}</style>
<h1>SPARQL query</h1>
<p class='muted'>Read-only SPARQL 1.1. The default graph is the union of every notice's graph.
Pick a query from the library or write your own (Ctrl+Enter runs it). SELECT results show
prefixed names; CONSTRUCT and DESCRIBE results show as Turtle.</p>
<label>Library <select id='library'></select></label>
<p id='description' class='muted'></p>
<textarea id='query' spellcheck='false'>{escape(text)}</textarea>
<p><button id='run'>Run</button> <span id='status' class='muted' role='status'></span></p>
<p id='downloads'></p>
<div id='results'></div>
<p id='prefixes' class='muted'></p>
<script type='application/json' id='fg-config'>{_script_data(config)}</script>
<script>{script}</script>"""
    return layout("flowgraph SPARQL", body)
