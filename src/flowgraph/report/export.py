"""Deterministic exports of a built graph: the same quads give the same bytes in every process.

All IRIs are minted, so there are no blank nodes to relabel. The snapshot's files repeat the
lines of the shared entities graph once per notice stating them; the export states each quad
once. Named graphs, subjects, predicates and values are written in sorted order (rdflib would
otherwise order named graphs, and JSON-LD nodes, by hashes that change from process to process).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import rdflib
from rdflib.plugins.serializers.trig import TrigSerializer

from flowgraph.rdf.terms import PREFIXES

FORMATS = {"nquads": "nquads", "trig": "trig", "turtle": "turtle", "jsonld": "json-ld"}


def nquads_lines(files: list[Path]) -> list[str]:
    """Every quad of the files once, as sorted N-Quads lines."""
    return sorted(
        {
            line + "\n"
            for path in files
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        }
    )


def export_graph(files: list[Path], fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    lines = nquads_lines(files)
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
    if fmt == "trig":
        buffer = io.BytesIO()
        _SortedTrig(dataset).serialize(buffer, encoding="utf-8")
        return buffer.getvalue()
    data = json.loads(dataset.serialize(format="json-ld"))
    return (
        json.dumps(_canonical(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    ).encode("utf-8")


class _SortedTrig(TrigSerializer):
    """TriG with its named graphs in IRI order (the turtle writer already sorts inside a graph)."""

    def preprocess(self) -> None:
        self.contexts.sort(key=lambda graph: str(graph.identifier))
        super().preprocess()


def _canonical(value: Any, key: str = "") -> Any:
    """JSON-LD with every array in a fixed order (graphs and nodes by `@id`, values by their
    JSON text); `@list` arrays keep their order, which is part of their meaning."""
    if isinstance(value, dict):
        return {k: _canonical(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        if key == "@list":
            return items
        return sorted(items, key=_order)
    return value


def _order(value: Any) -> tuple[str, str]:
    node = value.get("@id", "") if isinstance(value, dict) else ""
    return node, json.dumps(value, sort_keys=True, ensure_ascii=False)
