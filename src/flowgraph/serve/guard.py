"""Read-only by design: refuse SPARQL Update (and LOAD) and federated SERVICE before anything runs.

The query text is scanned with IRIs, strings and comments blanked out, so a keyword inside a
literal ("SERVICE desk") or an IRI is not mistaken for the operation.
"""

from __future__ import annotations

import re

_UPDATE_START = re.compile(
    r"^\s*(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I
)
_PROLOGUE = re.compile(r"^\s*(?:(?:BASE\s*<>|PREFIX\s+[\w.-]*:\s*<>)\s*)*", re.I)
_SERVICE = re.compile(r"\bSERVICE\b", re.I)


class Refused(Exception):
    """The request asks for something this endpoint never does."""


def blank_out(query: str) -> str:
    """The query with IRIs, string literals and comments replaced by empty tokens."""
    out: list[str] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch == "#":
            end = query.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch == "<" and re.match(r"<[^<>\"{}|^`\\\s]*>", query[i:]):
            end = query.index(">", i)
            out.append("<>")
            i = end + 1
            continue
        if ch in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else ch
            j = i + len(quote)
            while j < n and not query.startswith(quote, j):
                j += 2 if query[j] == "\\" else 1
            out.append('""')
            i = j + len(quote)
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def check_read_only(query: str) -> None:
    text = blank_out(query)
    body = text[_PROLOGUE.match(text).end() :]
    if _UPDATE_START.match(body):
        raise Refused(
            "SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, ...) is not allowed: this endpoint is read-only"
        )
    if _SERVICE.search(text):
        raise Refused(
            "federated queries (SERVICE) are not allowed: this endpoint makes no outbound requests"
        )
