"""HTML for people: the query page, linked-data pages for every minted IRI, and the ontology.

Everything that comes from a notice or the graph is HTML-escaped; pages need no internet.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Annotated, Any

import pyoxigraph as ox
import rdflib
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from flowgraph.errors import NotFound
from flowgraph.query.library import run
from flowgraph.serve.deps import Runtime, get_runtime
from flowgraph.serve.results import negotiate

router = APIRouter()
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
header{background:#1f3a5f;color:#fff;padding:.6rem 1.2rem}header a{color:#fff;margin-right:1rem}
main{padding:1rem 1.2rem;max-width:1200px}table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
th,td{border:1px solid #d5d9e0;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#eef1f5}
blockquote{margin:.2rem 0;padding:.2rem .6rem;border-left:3px solid #9aa8bd;background:#fff;white-space:pre-wrap}
textarea{width:100%;height:14rem;font-family:ui-monospace,monospace}.muted{color:#5b6578}
table.identity{width:auto;margin-bottom:1rem}table.identity th{width:11rem}
@media print{header{display:none}}
"""


def layout(title: str, body: str, feed: str | None = None) -> HTMLResponse:
    """A page in the site's frame; `feed`: an Atom feed of the page's content (its <link>)."""
    alternate = (
        f"<link rel='alternate' type='application/atom+xml' title='What changed' href='{escape(feed, quote=True)}'>"
        if feed
        else ""
    )
    return HTMLResponse(
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>{alternate}"
        f"<style>{STYLE}</style></head><body><header><a href='/'>flowgraph</a><a href='/sparql'>SPARQL</a>"
        f"<a href='/explore'>flow map</a><a href='/trace'>trace</a><a href='/check'>completeness</a><a href='/compare'>compare</a><a href='/changes'>changes</a><a href='/ontology'>ontology</a><a href='/docs'>API</a></header><main>{body}</main></body></html>"
    )


def link(runtime: Runtime, iri: str, label: str | None = None) -> str:
    base = runtime.settings.base_iri
    href = "/id/" + iri[len(base) :] if iri.startswith(base) else iri
    return f"<a href='{escape(href, quote=True)}'>{escape(label or iri)}</a>"


# ---------------------------------------------------------------------------- query page
# the page itself: serve/query_page.py (cached per runtime by Runtime.query_page)
@router.get("/", response_class=HTMLResponse, summary="The query page")
async def home(runtime: RuntimeDep) -> HTMLResponse:
    return runtime.query_page()


# ---------------------------------------------------------------------------- linked data
def _rows(runtime: Runtime, name: str, **params: Any) -> list[dict[str, Any]]:
    return run(runtime.store, runtime.library[name], params)[1]


def _organisation_box(runtime: Runtime, rows: list[dict[str, Any]]) -> str:
    """An organisation's identity, at the top of its page: type, identifiers, links out,
    parents and parts, predecessors and successors with dates, region and nation."""
    if not rows:
        return ""
    by: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by.setdefault(row["fact"], []).append(row)

    def org(row: dict[str, Any]) -> str:
        date = f" ({escape(str(row['date']))})" if row.get("date") else ""
        return link(runtime, row["value"], row["valueLabel"]) + date

    lines: list[tuple[str, str]] = []
    if "type" in by:
        lines.append(("Type", ", ".join(escape(r["valueLabel"] or r["value"]) for r in by["type"])))
    if "identifier" in by:
        codes = sorted(by["identifier"], key=lambda r: (r["valueLabel"] or "", r["value"]))
        lines.append(
            (
                "Identifiers",
                " · ".join(
                    f"{escape(r['valueLabel'] or 'code')} <code>{escape(r['value'])}</code>"
                    for r in codes
                ),
            )
        )
    if "link" in by:
        hrefs = sorted({r["value"] for r in by["link"]})
        lines.append(
            (
                "Links out",
                " · ".join(
                    f"<a href='{escape(h, quote=True)}' rel='external'>{escape(h)}</a>"
                    for h in hrefs
                ),
            )
        )
    for fact, title in (
        ("partOf", "Part of"),
        ("hasPart", "Within it"),
        ("replaces", "Predecessor (ended)"),
        ("replacedBy", "Successor (from)"),
    ):
        if fact in by:
            lines.append((title, ", ".join(org(r) for r in by[fact])))
    place = [str(r["value"]) for f in ("region", "nation") for r in by.get(f, [])]
    if place:
        lines.append(("Region", escape(" · ".join(dict.fromkeys(place)))))
    dates = [
        f"{t} {r['date']}" for f, t in (("start", "from"), ("end", "until")) for r in by.get(f, [])
    ]
    if dates:
        lines.append(("Dates", escape(", ".join(dates))))
    cells = "".join(f"<tr><th>{title}</th><td>{html}</td></tr>" for title, html in lines)
    return f"<table class='identity'>{cells}</table><h2>All statements</h2>"


ENTITY_TYPES = {  # media type -> rdflib format ("html": the page)
    "text/html": "html",
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


def _description(runtime: Runtime, iri: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.bind("fg", "https://w3id.org/flowgraph/ns#")
    graph.bind("dpv", "https://w3id.org/dpv#")
    node = rdflib.URIRef(iri)
    for row in _rows(runtime, "entity-outgoing", entity=iri):
        obj = row["o"]
        value = (
            rdflib.URIRef(obj)
            if isinstance(obj, str) and obj.startswith(("http://", "https://", "urn:"))
            else rdflib.Literal(obj)
        )
        graph.add((node, rdflib.URIRef(row["p"]), value))
    for row in _rows(runtime, "entity-incoming", entity=iri):
        graph.add((rdflib.URIRef(row["s"]), rdflib.URIRef(row["p"]), node))
    return graph


@router.get(
    "/id/{path:path}",
    summary="Linked-data page of an entity (HTML, Turtle, JSON-LD, N-Triples or RDF/XML by content negotiation)",
)
async def entity(path: str, request: Request, runtime: RuntimeDep) -> Response:
    problem = _bad_iri_path(runtime.settings.base_iri, path)
    if problem:
        raise NotFound(f"/id/{path!r} is not an entity IRI of this graph: {problem}")
    media = negotiate(request.headers.get("accept"), list(ENTITY_TYPES)) or "none"
    key = ("entity", path, media)
    cached = runtime.pages.get(key)
    if cached is None:
        from flowgraph.serve import entity_page  # the page in words (issue 16)

        response = await entity_page.respond(request, runtime, path, request.headers.get("accept"))
        cached = (bytes(response.body), response.media_type or "", response.status_code)
        runtime.pages.put(key, *cached)
    body, media_type, status = cached
    return Response(body, status_code=status, media_type=media_type)


def _bad_iri_path(base: str, path: str) -> str | None:
    """Why `base + path` is not an IRI (RFC 3987, as the store's own parser reads it), or None."""
    if "\ufffd" in path:
        return "it holds bytes that are not UTF-8"
    try:
        ox.NamedNode(base + path)
    except ValueError as exc:
        return str(exc)
    return None


@router.get("/ontology", summary="The flowgraph ontology (Turtle, or readable HTML)")
async def ontology(request: Request, runtime: RuntimeDep) -> Response:
    path = runtime.settings.ontology_dir / "flowgraph.ttl"
    media = negotiate(request.headers.get("accept"), ["text/turtle", "text/html"])
    if media == "text/turtle" or request.query_params.get("format") == "ttl":
        return Response(path.read_bytes(), media_type="text/turtle")
    # the body is cached, never the response: middleware adds headers to a response's own list
    return HTMLResponse(runtime.once("ontology page", lambda: _ontology_page(path).body))


def _ontology_page(path: Path) -> HTMLResponse:
    graph = rdflib.Graph().parse(path)
    rdfs, skos, owl = rdflib.RDFS, rdflib.SKOS, rdflib.OWL
    sections = []
    for kind, title in (
        (owl.Class, "Classes"),
        (owl.ObjectProperty, "Object properties"),
        (owl.DatatypeProperty, "Datatype properties"),
    ):
        rows = "".join(
            f"<tr><td id='{escape(str(t).split('#')[-1], quote=True)}'>fg:{escape(str(t).split('#')[-1])}</td><td>{escape(str(graph.value(t, rdfs.label) or ''))}</td>"
            f"<td>{escape(str(graph.value(t, skos.definition) or ''))}</td></tr>"
            for t in sorted(graph.subjects(rdflib.RDF.type, kind))
        )
        sections.append(
            f"<h2>{title}</h2><table><tr><th>Term</th><th>Label</th><th>Definition</th></tr>{rows}</table>"
        )
    return layout(
        "flowgraph ontology",
        "<h1>flowgraph ontology</h1><p><a href='/ontology?format=ttl'>Turtle</a></p>"
        + "".join(sections),
    )
