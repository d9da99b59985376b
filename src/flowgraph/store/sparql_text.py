"""Reading SPARQL text without a full parser: which form a query has, with literals blanked out.

Needed below the serve step too: a remote store must know whether to ask for a result table or
an RDF graph before it sends the query.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PROLOGUE = re.compile(r"^\s*(?:(?:BASE\s*<>|PREFIX\s+[\w.-]*:\s*<>)\s*)*", re.I)
_FORM = re.compile(r"^\s*(SELECT|CONSTRUCT|DESCRIBE|ASK)\b", re.I)


def blank_out(query: str, keep_length: bool = False) -> str:
    """The query with IRIs, string literals and comments replaced by empty tokens.

    With `keep_length`, their insides become spaces instead, so positions still match the query.
    """
    out: list[str] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch == "#":
            end = query.find("\n", i)
            end = n if end < 0 else end
            if keep_length:
                out.append(" " * (end - i))
            i = end
            continue
        if ch == "<" and _IRI.match(query, i):
            end = query.index(">", i)
            out.append("<" + " " * (end - i - 1) + ">" if keep_length else "<>")
            i = end + 1
            continue
        if ch in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else ch
            j = i + len(quote)
            while j < n and not query.startswith(quote, j):
                j += 2 if query[j] == "\\" else 1
            j = min(j, n)
            inside = max(0, j - i - len(quote))
            out.append(quote + " " * inside + quote if keep_length else '""')
            i = j + len(quote)
            continue
        out.append(ch)
        i += 1
    text = "".join(out)
    return text[:n] if keep_length else text


_IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_WHERE = re.compile(r"\bWHERE\s*\{", re.I)


def sparql_term(value: Any) -> str:
    """A parameter value as a SPARQL term: an IRI for http(s)/urn values, else a literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text.startswith(("http://", "https://", "urn:")):
        if any(ch in text for ch in '<>"{}|^`\\ \n'):
            raise ValueError(f"not a valid IRI: {text!r}")
        return f"<{text}>"
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid SPARQL string literal


def bind_in_where(query: str, bindings: dict[str, Any]) -> str:
    """The query with `VALUES (?a ?b) { (...) }` opening its WHERE group.

    Each parameter is bound before the group is evaluated, as an engine's own substitution would
    be (a trailing VALUES clause is joined after grouping, and stores differ on it). Oxigraph's
    own substitutions are not pushed into property paths: binding this way made a 4-step path
    query 100x faster.
    """
    masked = blank_out(query, keep_length=True)
    match = _WHERE.search(masked)
    brace = match.end() if match else masked.find("{") + 1
    if brace <= 0:
        raise ValueError("the query has no WHERE group to bind parameters in")
    names = " ".join(f"?{name}" for name in bindings)
    many = [name for name, value in bindings.items() if isinstance(value, list | tuple | set)]
    if many and len(bindings) > 1:
        raise ValueError(
            f"a list of values binds one parameter alone, not with {', '.join(bindings)}"
        )
    if many:
        rows = " ".join(f"({sparql_term(v)})" for v in sorted(bindings[many[0]], key=str))
    else:
        rows = "(" + " ".join(sparql_term(value) for value in bindings.values()) + ")"
    return f"{query[:brace]}\n  VALUES ({names}) {{ {rows} }}\n{query[brace:]}"


def strip_prologue(blanked: str) -> str:
    """The blanked query after its PREFIX and BASE declarations."""
    match = _PROLOGUE.match(blanked)
    return blanked[match.end() if match else 0 :]


def query_form(query: str) -> str:
    """select, construct, describe or ask; "" when the text is not a query."""
    match = _FORM.match(strip_prologue(blank_out(query)))
    return match.group(1).lower() if match else ""


# The lexer the read-only guard reads queries with (see flowgraph.serve.guard).
_IRI_TOKEN = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
# Characters of a variable name or of a prefixed name's local part (PN_CHARS, roughly: any
# Unicode word character, the hyphen and the combining marks SPARQL allows). No dot: a local
# part that goes on after a dot is left unmasked, so it is checked.
_NAME = re.compile(r"(?:[\w\-\u00B7\u0300-\u036F\u203F\u2040:]|%[0-9A-Fa-f]{2}|\\.)+")


def _string_end(query: str, start: int) -> int:
    """Index just past the string literal opening at `start` (or the end of the text)."""
    quote = query[start : start + 3] if query[start : start + 3] in ('"""', "'''") else query[start]
    i, n = start + len(quote), len(query)
    while i < n and not query.startswith(quote, i):
        i += 2 if query[i] == "\\" else 1
    return min(n, i + len(quote))


def executable_text(query: str, iris: list[str] | None = None) -> str:
    """The query with every token that cannot be a keyword replaced by a space (the IRIs written
    between angle brackets are appended to `iris` when a list is given)."""
    out: list[str] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        end = i + 1
        if ch == "#":
            newline = query.find("\n", i)
            end = n if newline < 0 else newline
        elif ch == "<" and (iri := _IRI_TOKEN.match(query, i)):
            end = iri.end()
            if iris is not None:
                iris.append(iri.group()[1:-1])
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


# FROM as a keyword: not a variable, language tag, prefix (`from:`) or part of a longer name.
_FROM = re.compile(r"(?<![\w@.\-:?$])FROM(?=\s|$)", re.I)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def has_dataset_clause(query: str) -> bool:
    """True when the query names its own dataset (`FROM <g>` or `FROM NAMED <g>`)."""
    return bool(_FROM.search(executable_text(query)))


def has_relative_iri(query: str) -> bool:
    """True when an IRI written in the query has no scheme (`<s>`, `<>`, `<../x>`)."""
    iris: list[str] = []
    executable_text(query, iris)
    return any(not _SCHEME.match(iri) for iri in iris)


def is_absolute_iri(text: str) -> bool:
    """An IRI with a scheme and none of the characters an IRI can never hold."""
    return bool(_SCHEME.match(text)) and _IRI_TOKEN.fullmatch(f"<{text}>") is not None
