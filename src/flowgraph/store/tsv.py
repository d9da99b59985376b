"""SELECT results read from Oxigraph's SPARQL TSV serialization into plain Python values.

Why not iterate the solutions: each term read from a `QuerySolution` is a Python object built in
native code (and its datatype another), which made flowgraph's in-process queries 1.3-1.7x the
bare engine's time on results of a few thousand rows. Oxigraph writes TSV in Rust at a fraction
of that cost, and one `str.split` per row plus a look at each term's first character is cheaper
than building the term objects. The values: IRIs and blank
nodes as their text, numbers and booleans as Python numbers and booleans, other literals as
their lexical form.
"""

from __future__ import annotations

import re
from typing import Any

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {XSD + t for t in ("integer", "int", "long")}
_DECIMALS = {XSD + t for t in ("decimal", "double", "float")}
_BOOLEAN = XSD + "boolean"
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_SIMPLE = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescaped(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    return chr(int(code, 16)) if code else _SIMPLE[match.group(3)]


def unescape(text: str) -> str:
    """A Turtle string literal's body with its escapes (`\\t`, `\\"`, `\\u00e9`...) read."""
    return _ESCAPE.sub(_unescaped, text) if "\\" in text else text


def term_value(term: str) -> Any:
    """One TSV cell (a term in Turtle syntax, empty when unbound) as a plain value."""
    if not term:
        return None
    first = term[0]
    if first == '"':
        end = term.rindex('"')
        text = unescape(term[1:end])
        if end + 1 == len(term) or term[end + 1] == "@":
            return text
        datatype = term[end + 4 : -1]  # after `"^^<`, before `>`
        if datatype in _INTEGERS:
            return int(text)
        if datatype == _BOOLEAN:
            return text == "true"
        if datatype in _DECIMALS:
            return float(text)
        return text
    if first == "<":
        return term[1:-1]
    if first == "_":
        return term[2:]
    if term == "true":
        return True
    if term == "false":
        return False
    if "." in term or "e" in term or "E" in term:
        return float(term)  # Turtle's short forms of xsd:decimal and xsd:double
    return int(term)


def read_select(tsv: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    """The variables and rows of SPARQL TSV results (every line ends with a newline)."""
    lines = tsv.decode("utf-8").split("\n")
    lines.pop()  # after the last newline
    header = lines[0]
    names = [name[1:] for name in header.split("\t")] if header else []
    if not names:
        return names, [{} for _ in lines[1:]]
    return names, [
        dict(zip(names, map(term_value, line.split("\t")), strict=True)) for line in lines[1:]
    ]
