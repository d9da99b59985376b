"""Deterministic exports of a built graph (all IRIs are minted, so no blank nodes reorder)."""

from __future__ import annotations

from pathlib import Path

import rdflib

from flowgraph.rdf.terms import PREFIXES

FORMATS = {"nquads": "nquads", "trig": "trig", "turtle": "turtle", "jsonld": "json-ld"}


def export_graph(files: list[Path], fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    lines = sorted(
        line
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
    )
    if fmt == "nquads":
        return "".join(lines).encode("utf-8")
    dataset = rdflib.Dataset()
    dataset.parse(data="".join(lines), format="nquads")
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace)
    if fmt == "turtle":
        union = rdflib.Graph()
        for prefix, namespace in PREFIXES.items():
            union.bind(prefix, namespace)
        for s, p, o, _ in dataset.quads():
            union.add((s, p, o))
        return union.serialize(format="longturtle").encode("utf-8")
    data = dataset.serialize(format=FORMATS[fmt])
    return data.encode("utf-8") if isinstance(data, str) else data
