"""rdflib's in-memory store and SPARQL engine: the baseline, and a backend with no native code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import rdflib
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import BNode, Literal, URIRef

from flowgraph.errors import QueryError
from flowgraph.store import snapshot as snapshots
from flowgraph.store.results import Outcome, Term, capped
from flowgraph.store.sparql_text import bind_in_where


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
        try:
            if bindings:
                query = bind_in_where(query, bindings)
            result = self.dataset.query(query)
        except Exception as exc:
            raise QueryError(f"malformed query: {exc}") from exc
        names = [str(v) for v in result.vars or []]
        rows = [{name: to_python(row[name]) for name in names} for row in result]
        return names, rows

    def evaluate(
        self,
        query: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        cap: int = 10_000,
    ) -> Outcome:
        """Any query form over the protocol's dataset, else the query's own `FROM`/`FROM NAMED`
        (never fetched from the web: only graphs of this store), else the union of all graphs.
        A chosen dataset is honoured by copying its graphs (slow, exact)."""
        try:
            prepared = prepareQuery(query)
        except Exception as exc:
            raise QueryError(f"malformed query: {exc}") from exc
        clause = prepared.algebra.get("datasetClause")
        if clause:
            if default_graphs is None and named_graphs is None:
                default_graphs = [str(d.default) for d in clause if d.get("default") is not None]
                named_graphs = [str(d.named) for d in clause if d.get("named") is not None]
            # evaluated over the copy below: rdflib would load a graph it lacks from the web
            prepared.algebra["datasetClause"] = None
        dataset = self.dataset
        if default_graphs is not None or named_graphs is not None:
            dataset = rdflib.Dataset()
            for name in default_graphs or []:
                for triple in self.dataset.graph(URIRef(name)):
                    dataset.default_context.add(triple)
            for name in named_graphs or []:
                target = dataset.graph(URIRef(name))
                for triple in self.dataset.graph(URIRef(name)):
                    target.add(triple)
        try:
            result = dataset.query(prepared)
        except Exception as exc:
            raise QueryError(f"{type(exc).__name__}: {exc}") from exc
        if result.type == "ASK":
            return Outcome("ask", boolean=bool(result.askAnswer))
        if result.type == "SELECT":
            variables = [str(v) for v in result.vars or []]
            rows = [[plain_term(row[v]) for v in variables] for row in capped(result, cap, "rows")]
            return Outcome("select", variables=variables, rows=rows)
        triples = [
            (plain_term(s), plain_term(p), plain_term(o))
            for s, p, o in capped(result, cap, "triples")
        ]
        return Outcome("graph", triples=triples)

    def named_graphs(self) -> list[str]:
        return sorted(
            str(g.identifier)
            for g in self.dataset.contexts()
            if isinstance(g.identifier, URIRef) and len(g)
        )

    def close(self) -> None:
        self.dataset.close()


def plain_term(term: Any) -> Term | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("uri", str(term), None, None)
    if isinstance(term, BNode):
        return ("bnode", str(term), None, None)
    if isinstance(term, Literal):
        datatype = str(term.datatype) if term.datatype else None
        if term.language:
            return ("literal", str(term), None, term.language)
        return ("literal", str(term), datatype or "http://www.w3.org/2001/XMLSchema#string", None)
    return ("literal", str(term), None, None)
