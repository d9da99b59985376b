"""SHACL validation of a built graph (the union of its named graphs) with ontology/shapes.ttl."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rdflib
from pyshacl import validate


@dataclass(frozen=True)
class ValidationResult:
    conforms: bool
    violations: int
    report: str


def validate_nquads(files: list[Path], shapes: Path) -> ValidationResult:
    data = rdflib.Graph()
    for path in files:
        dataset = rdflib.Dataset()
        dataset.parse(path, format="nquads")
        for s, p, o, _ in dataset.quads():
            data.add((s, p, o))
    conforms, report_graph, text = validate(
        data, shacl_graph=rdflib.Graph().parse(shapes), inference="none", allow_warnings=True
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    violations = len(set(report_graph.subjects(rdflib.RDF.type, sh.ValidationResult)))
    return ValidationResult(bool(conforms), violations, text)
