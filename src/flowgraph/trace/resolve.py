"""Names to IRIs for trace, viz and dpia, asked of the store (no flow network needed)."""

from __future__ import annotations

from flowgraph.errors import NotFound
from flowgraph.query.library import LibraryQuery, run
from flowgraph.store.base import GraphStore


def resolve_node(store: GraphStore, library: dict[str, LibraryQuery], name: str) -> str:
    """An IRI as given, or the entity labelled `name` (exactly, else in any case), preferring an
    organisation, controller or category to a service area of the same name."""
    if name.startswith(("http://", "https://", "urn:")):
        return name
    for query in ("node-by-label", "node-by-label-any-case"):
        rows = run(store, library[query], {"name": name.strip()})[1]
        chosen = [r["node"] for r in rows if not r["service"]]
        if chosen:
            return chosen[0]
    raise NotFound(f"no organisation called {name!r} sends or receives data in this graph")
