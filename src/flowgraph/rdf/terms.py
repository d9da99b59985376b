"""N-Quads term writers and the namespaces flowgraph's graphs use.

Quads are written as text and bulk-loaded: building term objects one by one costs as much as
the load itself (see ../shared/reference/triple-stores.md).
"""

from __future__ import annotations

import re
from functools import lru_cache

FG = "https://w3id.org/flowgraph/ns#"
PREFIXES = {
    "fg": FG,
    "dpv": "https://w3id.org/dpv#",
    "pd": "https://w3id.org/dpv/pd#",
    "loc": "https://w3id.org/dpv/loc#",
    "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
    "legal-gb": "https://w3id.org/dpv/legal/gb#",
    "sector-publicservices": "https://w3id.org/dpv/sector/publicservices#",
    "sector-law": "https://w3id.org/dpv/sector/law#",
    "sector-health": "https://w3id.org/dpv/sector/health#",
    "sector-education": "https://w3id.org/dpv/sector/education#",
    "sector-infra": "https://w3id.org/dpv/sector/infra#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def expand(curie: str) -> str:
    """`dpv:Consent` -> its full IRI; a full IRI is returned unchanged."""
    prefix, _, local = curie.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return curie


_NOT_IN_IRI = re.compile(r'[<>"{}|^`\\ \n]')


@lru_cache(maxsize=1 << 16)  # the same predicates, classes and entities recur in every notice
def iri(value: str) -> str:
    value = expand(value)
    if _NOT_IN_IRI.search(value):
        raise ValueError(f"not an IRI: {value!r}")
    return f"<{value}>"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


def lit(value: str | int | bool, datatype: str | None = None, lang: str | None = None) -> str:
    if isinstance(value, bool):
        return f'"{str(value).lower()}"^^<{PREFIXES["xsd"]}boolean>'
    if isinstance(value, int):
        return f'"{value}"^^<{PREFIXES["xsd"]}integer>'
    body = f'"{_escape(value)}"'
    if lang:
        return f"{body}@{lang}"
    if datatype:
        return f"{body}^^{iri(datatype)}"
    return body


class QuadWriter:
    """Collects the quads of one named graph as sorted, de-duplicated N-Quads lines."""

    def __init__(self, graph: str) -> None:
        self.graph = iri(graph)
        self.lines: set[str] = set()

    def add(self, subject: str, predicate: str, obj: str) -> None:
        """`subject` and `predicate` are IRIs (or CURIEs); `obj` is an already written term."""
        self.lines.add(f"{iri(subject)} {iri(predicate)} {obj} {self.graph} .\n")

    def link(self, subject: str, predicate: str, target: str) -> None:
        self.add(subject, predicate, iri(target))

    def text(self) -> str:
        return "".join(sorted(self.lines))
