"""SPARQL results in the W3C formats (JSON, XML, CSV, TSV) and graph results in RDF syntaxes."""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from flowgraph.serve.executor import Outcome, Term
from flowgraph.store.results import GRAPH_PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

SELECT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}


def _json_term(term: Term) -> dict[str, str]:
    kind, value, datatype, language = term
    out = {"type": kind, "value": value}
    if language:
        out["xml:lang"] = language
    elif datatype and datatype not in (XSD_STRING, LANG_STRING):
        out["datatype"] = datatype
    return out


def _xml_term(term: Term) -> str:
    kind, value, datatype, language = term
    if kind == "uri":
        return f"<uri>{escape(value)}</uri>"
    if kind == "bnode":
        return f"<bnode>{escape(value)}</bnode>"
    if language:
        return f"<literal xml:lang={quoteattr(language)}>{escape(value)}</literal>"
    if datatype and datatype not in (XSD_STRING, LANG_STRING):
        return f"<literal datatype={quoteattr(datatype)}>{escape(value)}</literal>"
    return f"<literal>{escape(value)}</literal>"


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    kind, value, datatype, language = term
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    body = (
        '"'
        + value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        + '"'
    )
    if language:
        return f"{body}@{language}"
    if datatype and datatype not in (XSD_STRING, LANG_STRING):
        return f"{body}^^<{datatype}>"
    return body


def serialize_select(outcome: Outcome, fmt: str) -> bytes:
    if outcome.kind == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": outcome.boolean}).encode()
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
            f"<boolean>{str(outcome.boolean).lower()}</boolean></sparql>\n"
        ).encode()
    variables, rows = outcome.variables or [], outcome.rows or []
    if fmt == "json":
        bindings = [
            {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
            for row in rows
        ]
        return json.dumps(
            {"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False
        ).encode()
    if fmt == "xml":
        out = [
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>'
        ]
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head>\n<results>")
        for row in rows:
            cells = "".join(
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row, strict=True)
                if t is not None
            )
            out.append(f"<result>{cells}</result>")
        out.append("</results>\n</sparql>\n")
        return "\n".join(out).encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        for row in rows:
            writer.writerow(
                ["" if t is None else (f"_:{t[1]}" if t[0] == "bnode" else t[1]) for t in row]
            )
        return buffer.getvalue().encode()
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _ox_term(term: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    kind, value, datatype, language = term
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value)
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=ox.NamedNode(datatype or XSD_STRING))


def serialize_graph(outcome: Outcome, media_type: str) -> bytes:
    fmt = GRAPH_TYPES[media_type]
    if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        items = [
            ox.Quad(_ox_term(s), _ox_term(p), _ox_term(o), ox.DefaultGraph())
            for s, p, o in outcome.triples or []
        ]
    else:
        items = [
            ox.Triple(_ox_term(s), _ox_term(p), _ox_term(o)) for s, p, o in outcome.triples or []
        ]
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        return ox.serialize(items, format=fmt, prefixes=GRAPH_PREFIXES)
    return ox.serialize(items, format=fmt)


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the Accept header prefers (q-values honoured), or None (-> 406)."""
    if not accept:
        return offered[0]
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        choices.append((q, -position, media))
    for q, _, media in sorted(choices, reverse=True):
        if q <= 0:
            continue
        if media in ("*/*", ""):
            return offered[0]
        if media.endswith("/*"):
            prefix = media[:-1]
            match = next((o for o in offered if o.startswith(prefix)), None)
            if match:
                return match
        if media in offered:
            return media
    return None
