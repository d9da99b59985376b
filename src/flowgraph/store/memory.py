"""rdflib's in-memory store and SPARQL engine: the baseline, and a backend with no native code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import rdflib
from rdflib.term import Literal, URIRef, Variable

from flowgraph.errors import QueryError
from flowgraph.store import snapshot as snapshots


def to_python(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        return value if isinstance(value, bool | int | float | str) else str(term)
    return str(term)


class MemoryStore:
    name = "memory"

    def __init__(self, dataset: rdflib.Dataset) -> None:
        self.dataset = dataset

    @classmethod
    def open(cls, snapshot: Path) -> MemoryStore:
        dataset = rdflib.Dataset(default_union=True)
        for path in snapshots.nquads_files(snapshot):
            dataset.parse(path, format="nquads")
        return cls(dataset)

    def select(
        self, query: str, bindings: dict[str, Any] | None = None
    ) -> tuple[list[str], list[dict[str, Any]]]:
        init = {
            Variable(k): (
                URIRef(v)
                if isinstance(v, str) and v.startswith(("http://", "https://"))
                else Literal(v)
            )
            for k, v in (bindings or {}).items()
        }
        try:
            result = self.dataset.query(query, initBindings=init)
        except Exception as exc:
            raise QueryError(f"malformed query: {exc}") from exc
        names = [str(v) for v in result.vars or []]
        rows = [{name: to_python(row[name]) for name in names} for row in result]
        return names, rows

    def close(self) -> None:
        self.dataset.close()
