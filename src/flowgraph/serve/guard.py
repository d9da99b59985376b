"""Read-only by design: refuse SPARQL Update (and LOAD) and federated SERVICE before anything runs.

SERVICE is looked for in the query's tokens, read with SPARQL's own lexical rules: IRIs, string
literals (with their escapes), comments, variables and the local parts of prefixed names (with
their `\\x` and `%hh` escapes) are masked, and the word is then searched for anywhere in what is
left, without word boundaries. A general-purpose SPARQL parser was not used: rdflib's reads
`ex:a\\#` as the start of a comment and so disagrees with Oxigraph, which is exactly the gap an
attacker uses. Anything this masking could misread errs towards refusing (a prefix named
`service:` or a local name after a dot is refused), and the query workers cannot open network
connections at all (`flowgraph.serve.sandbox`), so a miss here still fetches nothing.
"""

from __future__ import annotations

import re

from flowgraph.store.sparql_text import blank_out, executable_text, strip_prologue

_UPDATE_START = re.compile(
    r"^\s*(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I
)
_SERVICE = re.compile(r"service", re.I)


class Refused(Exception):
    """The request asks for something this endpoint never does."""


__all__ = ["Refused", "check_read_only", "executable_text"]


def check_read_only(query: str) -> None:
    body = strip_prologue(blank_out(query))
    if _UPDATE_START.match(body):
        raise Refused(
            "SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, ...) is not allowed: this endpoint is read-only"
        )
    if _SERVICE.search(executable_text(query)):
        raise Refused(
            "federated queries (SERVICE) are not allowed: this endpoint makes no outbound requests"
        )
