"""The SPARQL 1.1 Protocol's finer points: the endpoint's own URL, the dataset parameters, the
base IRI of a query, and which media type a client's `format=` and Accept header ask for.

Kept apart from the request handler (`flowgraph.serve.sparql`) so each rule is small and testable.
"""

from __future__ import annotations

import re

from fastapi import Request

from flowgraph.serve.results import GRAPH_TYPES, SELECT_TYPES, negotiate
from flowgraph.settings import Settings
from flowgraph.store.sparql_text import has_relative_iri, is_absolute_iri


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.message = message
        self.headers = headers  # e.g. Retry-After on a 503
        super().__init__(message)


DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")


def endpoint_url(request: Request, settings: Settings) -> str:
    """The query URL of this endpoint: the configured public URL, else the address the server
    is bound to. Never the request's Host header, which any client can set to anything."""
    if settings.public_url:
        return settings.public_url.rstrip("/") + "/sparql"
    server = request.scope.get("server")
    scheme = request.scope.get("scheme", "http")
    if not server:
        return f"{scheme}://{settings.host}:{settings.port}/sparql"
    host, port = server[0], server[1]
    if ":" in host:
        host = f"[{host}]"
    default = (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    return f"{scheme}://{host}{'' if default or port is None else f':{port}'}/sparql"


def dataset_parameters(params: dict[str, list[str]]) -> None:
    """Refuse a `default-graph-uri` / `named-graph-uri` value that is not an absolute IRI."""
    for name in DATASET_PARAMETERS:
        for value in params.get(name, []):
            if not is_absolute_iri(value):
                raise ProtocolError(
                    400,
                    f"{name} {value!r} is not an absolute IRI: name a graph by its full IRI, "
                    "e.g. https://w3id.org/flowgraph/id/graph/leeds-city-council-general",
                )


def missing_query(params: dict[str, list[str]]) -> None:
    """A GET with protocol parameters but no query is a mistake, not a service description request."""
    if params:
        given = ", ".join(sorted(params))
        raise ProtocolError(
            400,
            f"no query parameter: the request gives {given} but no query "
            "(send the query as ?query=, or no parameters at all for the service description)",
        )


def with_base(query: str, base: str) -> tuple[str, int]:
    """The query with relative IRIs resolved against `base` (RFC 3986: the IRI the query was sent
    to), by a BASE declaration put on a line of its own before it; and how many lines it added.
    A BASE of the query's own still applies after it. Queries with no relative IRI are unchanged."""
    if not has_relative_iri(query):
        return query, 0
    return f"BASE <{base}>\n{query}", 1


_OXIGRAPH_POSITION = re.compile(r"error at (\d+):(\d+)")
_RDFLIB_POSITION = re.compile(r"\(line:(\d+), col:(\d+)\)")


def unshift_positions(message: str, lines: int) -> str:
    """Error positions in the client's own query, not in the query with a BASE line added."""
    if not lines:
        return message
    message = _OXIGRAPH_POSITION.sub(
        lambda m: f"error at {max(1, int(m[1]) - lines)}:{m[2]}", message
    )
    return _RDFLIB_POSITION.sub(
        lambda m: f"(line:{max(1, int(m[1]) - lines)}, col:{m[2]})", message
    )


# Names a client may give as ?format= (Virtuoso's and Fuseki's spellings). For a graph result
# `xml` and `json` name RDF syntaxes, as on those servers: SPARQLWrapper sends `format=xml` with
# a CONSTRUCT and `Accept: application/rdf+xml`.
RESULT_FORMATS = {
    "json": "application/sparql-results+json",
    "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS = {
    "xml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "json": "application/ld+json",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "n3": "text/turtle",
    "ntriples": "application/n-triples",
    "nt": "application/n-triples",
    "n-triples": "application/n-triples",
    "nquads": "application/n-quads",
    "trig": "application/trig",
}


def requested_types(form: str, formats: list[str], accept: str | None) -> str | None:
    """What the client asks for, as an Accept value: the first `format=` value this endpoint
    knows (a name or a media type) wins over the Accept header."""
    graph = form in ("construct", "describe")
    names = GRAPH_FORMATS if graph else {**GRAPH_FORMATS, **RESULT_FORMATS}
    for value in formats:
        value = value.strip().lower()
        if "/" in value:
            return value
        if value in names:
            return names[value]
    return accept


def graph_media_type(accept: str | None) -> str | None:
    """The RDF syntax for a CONSTRUCT or DESCRIBE result. A client that offers only result-set
    types (roqet sends `Accept: application/sparql-results+xml` for every query form) gets the
    nearest RDF syntax, as Fuseki and Virtuoso do, instead of 406."""
    media = negotiate(accept, list(GRAPH_TYPES))
    if media is not None:
        return media
    asked = negotiate(accept, [*SELECT_TYPES, "text/xml"])
    if asked is None:
        return None
    if "xml" in asked:
        return "application/rdf+xml"
    if "json" in asked:
        return "application/ld+json"
    return "text/turtle"
