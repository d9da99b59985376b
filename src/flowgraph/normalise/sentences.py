"""Split prose into sentences, keeping source offsets (abbreviations such as "e.g." do not end one)."""

from __future__ import annotations

import re

from flowgraph.parse.located import Located

_ABBREVIATIONS = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|inc|no|st|dr|mr|mrs|ms|vs|approx|cf|ltd)\.|\b[A-Z]\.)$", re.I
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(‘]?[A-Z0-9])")


def sentences(text: Located) -> list[Located]:
    out: list[Located] = []
    start = 0
    for m in _BOUNDARY.finditer(text.text):
        before = text.text[start : m.start()]
        if _ABBREVIATIONS.search(before):
            continue
        piece = text.sub(start, m.start()).strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = text.sub(start, len(text)).strip()
    if tail:
        out.append(tail)
    return out
