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

from flowgraph.store.sparql_text import blank_out, strip_prologue

_UPDATE_START = re.compile(
    r"^\s*(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I
)
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
# Characters of a variable name or of a prefixed name's local part (PN_CHARS, roughly: any
# Unicode word character, the hyphen and the combining marks SPARQL allows). No dot: a local
# part that goes on after a dot is left unmasked, so it is checked.
_NAME = re.compile(r"(?:[\w\-\u00B7\u0300-\u036F\u203F\u2040:]|%[0-9A-Fa-f]{2}|\\.)+")
_SERVICE = re.compile(r"service", re.I)


class Refused(Exception):
    """The request asks for something this endpoint never does."""


def _string_end(query: str, start: int) -> int:
    """Index just past the string literal opening at `start` (or the end of the text)."""
    quote = query[start : start + 3] if query[start : start + 3] in ('"""', "'''") else query[start]
    i, n = start + len(quote), len(query)
    while i < n and not query.startswith(quote, i):
        i += 2 if query[i] == "\\" else 1
    return min(n, i + len(quote))


def executable_text(query: str) -> str:
    """The query with every token that cannot be a keyword replaced by a space."""
    out: list[str] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        end = i + 1
        if ch == "#":
            newline = query.find("\n", i)
            end = n if newline < 0 else newline
        elif ch == "<" and (iri := _IRI.match(query, i)):
            end = iri.end()
        elif ch in "\"'":
            end = _string_end(query, i)
        elif ch in "?$:" and (name := _NAME.match(query, i + 1)):
            end = name.end()
            if ch == ":":  # the prefix before the colon stays visible; only the local part hides
                out.append(":")
        elif ch == "\\":
            end = min(n, i + 2)
        else:
            out.append(ch)
            i = end
            continue
        out.append(" ")
        i = end
    return "".join(out)


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
