"""Read-only by design: refuse SPARQL Update (and LOAD) and federated SERVICE before anything runs.

The query text is scanned with IRIs, strings and comments blanked out, so a keyword inside a
literal ("SERVICE desk") or an IRI is not mistaken for the operation.
"""

from __future__ import annotations

import re

from flowgraph.store.sparql_text import blank_out, strip_prologue

_UPDATE_START = re.compile(
    r"^\s*(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I
)
_SERVICE = re.compile(r"(?<![?$:\w])SERVICE\b", re.I)  # not ?service or fg:service


class Refused(Exception):
    """The request asks for something this endpoint never does."""


def check_read_only(query: str) -> None:
    text = blank_out(query)
    body = strip_prologue(text)
    if _UPDATE_START.match(body):
        raise Refused(
            "SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, ...) is not allowed: this endpoint is read-only"
        )
    if _SERVICE.search(text):
        raise Refused(
            "federated queries (SERVICE) are not allowed: this endpoint makes no outbound requests"
        )
