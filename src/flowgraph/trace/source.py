"""Where trace, viz and the endpoint's flow views read the flow network from.

The snapshot's network file when it has one (`trace/network_file.py`: no SPARQL, a trace reads
only what its chains reach); else the store, through the library's queries
(`trace/network.py`), with the same answers: an external endpoint, the rdflib backend, or a
snapshot built before the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from flowgraph.query.library import LibraryQuery
from flowgraph.settings import Settings
from flowgraph.store.base import GraphStore
from flowgraph.trace import network as queried
from flowgraph.trace.network_file import NetworkFile, open_network

Members = dict[str, list[tuple[str, str]]]


@dataclass
class FlowSource:
    store: GraphStore
    library: dict[str, LibraryQuery]
    file: NetworkFile | None = None

    def whole(self) -> nx.MultiDiGraph:
        """Every flow (only for a view that shows the whole network)."""
        if self.file is not None:
            return self.file.whole()
        return queried.flow_network(self.store, self.library)

    def reachable(
        self,
        start: str,
        max_hops: int,
        categories: Members | None = None,
        *,
        with_details: bool = True,
    ) -> nx.MultiDiGraph:
        if self.file is not None:
            return self.file.reachable(start, max_hops, categories, with_details=with_details)
        return queried.reachable_network(
            self.store, self.library, start, max_hops, categories, with_details=with_details
        )

    def category_members(self) -> Members:
        if self.file is not None:
            return self.file.category_members()
        return queried.category_members(self.store, self.library)

    def type_members(self) -> tuple[Members, dict[str, str]]:
        if self.file is not None:
            return self.file.type_members()
        return queried.type_members(self.store, self.library)


def flow_source(
    settings: Settings,
    store: GraphStore,
    library: dict[str, LibraryQuery],
    snapshot: Path | None,
) -> FlowSource:
    """The file of `snapshot` (the one `store` was opened on) if there is one, else the store."""
    return FlowSource(store, library, open_network(settings, snapshot))
