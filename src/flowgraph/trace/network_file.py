"""The flow network as a file beside the snapshot (`network.sqlite`), read without SPARQL.

The build writes, per notice, the rows the library's `flow-edges` and `activity-details` queries
answer for it, and the store's `category-members` and `organisation-types` rows
(`trace/network_write.py`). Replaying those rows through the projection `flow_network` uses
gives the same graph; read by sender through an index, a trace reads only what its chains
reach, hop by hop, and needs neither the store nor the whole network (seconds at hundreds of
councils). A snapshot without the file (built before it, or an external or rdflib store) is
read with the queries instead: `open_network` answers None.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx

from flowgraph.query.names import IRI_PREFIXES
from flowgraph.settings import Settings
from flowgraph.trace.network import add_flows, finish_network, walk_reachable
from flowgraph.trace.network_schema import EDGE_COLUMNS, FILE, VERSION

FILE_STORES = ("oxigraph", "oxigraph-memory", "auto")  # backends of the snapshot's own quads
_EDGE_NAMES = list(EDGE_COLUMNS)
_EDGE_SELECT = ", ".join(EDGE_COLUMNS.values())
_ORDER = "notice, start_at, end_at, dst, notice_id, seq"  # the queries' ORDER BY, then as answered

CHUNK = 500  # IRIs bound per statement (well under SQLite's variable limit)


class NetworkFile:
    """A read-only view of one snapshot's network file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)

    def close(self) -> None:
        self.db.close()

    def whole(self) -> nx.MultiDiGraph:
        """Every flow: what `flow_network` projects from the store."""
        graph = nx.MultiDiGraph()
        rows = self._edges(f"SELECT {_EDGE_SELECT} FROM edges ORDER BY {_ORDER}", ())
        add_flows(graph, rows, self._details(None))
        return finish_network(graph)

    def reachable(
        self,
        start: str,
        max_hops: int,
        categories: dict[str, list[tuple[str, str]]] | None = None,
        *,
        with_details: bool = True,
    ) -> nx.MultiDiGraph:
        """What `reachable_network` reads from the store, read from the file hop by hop."""
        return walk_reachable(
            start, max_hops, self.edges_from, self._details, categories, with_details
        )

    def edges_from(self, nodes: Iterable[str]) -> list[dict[str, Any]]:
        """The flow-edges rows sent by these nodes, their service areas or the service areas
        acting for them (`flow-edges-from`), in the order the store answers them."""
        found: dict[int, tuple] = {}
        for chunk in _chunks(sorted(nodes)):
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT rowid, {_EDGE_SELECT}, notice_id, seq FROM edges WHERE src IN ({marks}) "
                f"OR unit_of IN ({marks}) OR represents IN ({marks})"
            )
            for row in self.db.execute(sql, chunk * 3):
                found[row[0]] = row[1:]
        ordered = sorted(found.values(), key=_edge_order)
        return [dict(zip(_EDGE_NAMES, row, strict=False)) for row in ordered]

    def has_node(self, iri: str) -> bool:
        """Is `iri` (exactly, as an IRI) a sender, recipient or service area's organisation?"""
        if not iri.startswith(IRI_PREFIXES) or iri != iri.strip():
            return False
        sql = "SELECT 1 FROM edges WHERE {} = ? LIMIT 1"
        return any(
            self.db.execute(sql.format(column), (iri,)).fetchone() is not None
            for column in ("src", "dst", "unit_of", "represents")
        )

    def receives(self, node: str) -> bool:
        return (
            self.db.execute("SELECT 1 FROM edges WHERE dst = ? LIMIT 1", (node,)).fetchone()
            is not None
        )

    def category_members(self) -> dict[str, list[tuple[str, str]]]:
        members: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for category, organisation, label in self.db.execute(
            "SELECT category, organisation, label FROM categories ORDER BY seq"
        ):
            members[category].append((organisation, label))
        return members

    def type_members(self) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str]]:
        members: dict[str, list[tuple[str, str]]] = defaultdict(list)
        labels: dict[str, str] = {}
        for kind, kind_label, organisation, label in self.db.execute(
            "SELECT type, type_label, organisation, label FROM types ORDER BY seq"
        ):
            members[kind].append((organisation, label))
            labels[kind] = kind_label
        return members, labels

    def _edges(self, sql: str, params: tuple) -> list[dict[str, Any]]:
        return [dict(zip(_EDGE_NAMES, row, strict=True)) for row in self.db.execute(sql, params)]

    def _details(self, activities: list[str] | None) -> dict[str, dict[str, list[str]]]:
        details: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for activity, kind, value in self._detail_rows(activities):
            details[activity][kind].append(value)
        return details

    def _detail_rows(self, activities: list[str] | None) -> Iterator[tuple[str, str, str]]:
        if activities is None:
            yield from self.db.execute(
                "SELECT activity, kind, value FROM details ORDER BY activity, kind, value"
            )
            return
        rows: list[tuple[str, str, str]] = []
        for chunk in _chunks(activities):
            marks = ",".join("?" * len(chunk))
            rows += self.db.execute(
                f"SELECT activity, kind, value FROM details WHERE activity IN ({marks})", chunk
            ).fetchall()
        yield from sorted(rows)


_SORT = [_EDGE_NAMES.index(name) for name in ("notice", "start", "end", "to")]


def _edge_order(row: tuple) -> tuple:
    return (*(row[i] for i in _SORT), row[-2], row[-1])  # then notice_id, seq


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def network_path(snapshot: Path) -> Path:
    return snapshot / FILE


def open_network(settings: Settings, snapshot: Path | None) -> NetworkFile | None:
    """The snapshot's network file, or None where the store is not the snapshot's own quads
    (an external endpoint, the rdflib backend) or the snapshot has no file (built before it)."""
    if settings.remote_store or settings.store not in FILE_STORES or snapshot is None:
        return None
    path = network_path(snapshot)
    if not path.is_file():
        return None
    try:
        network = NetworkFile(path)
        if network.db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone() != (
            VERSION,
        ):
            network.close()
            return None
    except sqlite3.Error:
        return None
    return network
