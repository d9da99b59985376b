"""What a SPARQL evaluation hands back, whatever the store: plain tuples that pickle cheaply.

Query workers send these over a pipe; the serve step turns them into result documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from flowgraph.errors import QueryError

Term = tuple[
    str, str, str | None, str | None
]  # (kind: uri|bnode|literal, value, datatype, language)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
# Prefixes graph results are written with, in the syntaxes that have them.
GRAPH_PREFIXES = {
    "fg": "https://w3id.org/flowgraph/ns#",
    "dpv": "https://w3id.org/dpv#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


class QueryTimeout(QueryError):
    """The query ran past the time limit and was stopped."""


class ResultTooLarge(QueryError):
    """The result has more rows or triples than the cap allows."""


@dataclass(frozen=True)
class Outcome:
    kind: str  # select | ask | graph | body
    variables: list[str] | None = None
    rows: list[list[Term | None]] | None = None
    boolean: bool | None = None
    triples: list[tuple[Term, Term, Term]] | None = None
    body: bytes | None = None  # kind "body": the result in the syntax asked, written by the store


def too_many(cap: int, unit: str) -> ResultTooLarge:
    return ResultTooLarge(f"the result has more than {cap} {unit}; add a LIMIT or narrow the query")


T = TypeVar("T")


def capped(items: Iterable[T], cap: int, unit: str) -> Iterator[T]:
    """The items, failing as soon as there are more than `cap` (a result is never half sent)."""
    for count, item in enumerate(items):
        if count >= cap:
            raise too_many(cap, unit)
        yield item
