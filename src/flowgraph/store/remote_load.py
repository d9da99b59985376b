"""Publish a built snapshot to an external store, one named graph at a time.

Each graph is replaced whole (Graph Store Protocol PUT, or DROP + INSERT DATA over SPARQL Update),
so a rebuilt notice never leaves stale triples behind. What the store holds is remembered in a
state file beside the builds: the next build sends only graphs whose content changed and deletes
graphs of notices that are gone. The state file is removed while the store is being changed, so
an interrupted sync is followed by a full one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox

from flowgraph.errors import StoreError
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.remote import Endpoint, RemoteStore

NTRIPLES = "application/n-triples"
GSP_CHUNK = 20_000  # triples per request: large graphs go as PUT + POSTs so no body is huge
UPDATE_CHUNK = 1_000  # triples per INSERT DATA: Virtuoso's SPARQL compiler runs out at ~5,000


@dataclass
class SyncReport:
    sent: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    triples: int = 0


@dataclass(frozen=True)
class _Graph:
    """A graph of the snapshot: its IRI, a content digest, and how to read its triples."""

    iri: str
    digest: str
    files: tuple[Path, ...]


def snapshot_graphs(snapshot: Path) -> Iterator[_Graph]:
    """Every named graph of the snapshot with a digest of the files it comes from.

    Notice files hold one graph each; the shared entities graph is the union of every notice's
    `.shared.nq`, and the vocabulary file may hold several graphs.
    """
    for path in snapshots.nquads_files(snapshot):
        if path.name.endswith(".shared.nq"):
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        for iri in _graph_names(path):
            yield _Graph(iri, f"{digest}:{iri}", (path,))
    shared = snapshots.shared_files(snapshot)
    if shared:
        digest = hashlib.sha256()
        for path in shared:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        for iri in _graph_names(*shared):
            yield _Graph(iri, digest.hexdigest(), tuple(shared))


def _graph_names(*paths: Path) -> list[str]:
    names: set[str] = set()
    for path in paths:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            if isinstance(quad.graph_name, ox.NamedNode):
                names.add(quad.graph_name.value)
    return sorted(names)


def _triples(graph: _Graph) -> list[str]:
    """The graph's triples as sorted, distinct N-Triples lines."""
    lines: set[str] = set()
    for path in graph.files:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value == graph.iri:
                lines.add(f"{quad.subject} {quad.predicate} {quad.object} .")
    return sorted(lines)


def _chunks(lines: list[str], size: int) -> Iterator[str]:
    for start in range(0, max(len(lines), 1), size):
        yield "\n".join(lines[start : start + size]) + "\n"


class _Writer:
    """Replace or delete one graph, through the Graph Store Protocol or SPARQL Update."""

    def __init__(self, endpoint: Endpoint) -> None:
        if not (endpoint.graph_store_url or endpoint.update_url):
            raise StoreError(
                "loading an external store needs FLOWGRAPH_STORE_GRAPH_STORE_URL (Graph Store "
                "Protocol) or FLOWGRAPH_STORE_UPDATE_URL (SPARQL Update)"
            )
        self.endpoint = endpoint
        self.http = endpoint.client()

    def _send(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the store at {url}: {exc}") from exc
        if response.status_code in (401, 403):
            raise StoreError(
                f"the store at {url} refused to be written ({response.status_code}): check "
                "FLOWGRAPH_STORE_USER, FLOWGRAPH_STORE_PASSWORD and FLOWGRAPH_STORE_AUTH"
            )
        return response

    def _check(self, response: httpx.Response, what: str) -> None:
        if response.status_code >= 400:
            raise StoreError(
                f"the store refused to {what} ({response.status_code}): {response.text.strip()[:300]}"
            )

    def replace(self, iri: str, lines: list[str]) -> None:
        gsp = self.endpoint.graph_store_url
        if gsp:
            method = "PUT"
            for body in _chunks(lines, GSP_CHUNK):
                response = self._send(
                    method, gsp, params={"graph": iri}, content=body.encode(),
                    headers={"Content-Type": NTRIPLES},
                )  # fmt: skip
                self._check(response, f"load graph <{iri}>")
                method = "POST"  # later chunks are added to the graph the PUT replaced
            return
        self.update(f"DROP SILENT GRAPH <{iri}>")
        for body in _chunks(lines, UPDATE_CHUNK):
            if body.strip():
                self.update(f"INSERT DATA {{ GRAPH <{iri}> {{\n{body}}} }}", f"load graph <{iri}>")

    def delete(self, iri: str) -> None:
        gsp = self.endpoint.graph_store_url
        if gsp:
            response = self._send("DELETE", gsp, params={"graph": iri})
            if response.status_code != 404:
                self._check(response, f"delete graph <{iri}>")
            return
        self.update(f"DROP SILENT GRAPH <{iri}>")

    def update(self, text: str, what: str = "run an update") -> None:
        url = self.endpoint.update_url
        if not url:
            raise StoreError("no SPARQL Update URL configured (FLOWGRAPH_STORE_UPDATE_URL)")
        response = self._send("POST", url, data={"update": text})
        self._check(response, what)

    def close(self) -> None:
        self.http.close()


def state_path(settings: Settings) -> Path:
    key = hashlib.sha256(settings.store.encode()).hexdigest()[:16]
    return settings.output_dir / "remote" / f"{key}.json"


def _remote_graphs(settings: Settings) -> set[str]:
    """Graphs under flowgraph's graph namespace that the store holds now."""
    store = RemoteStore.open(settings)
    try:
        graphs = store.named_graphs()
    finally:
        store.close()
    prefix = f"{settings.base_iri}graph/"
    return {g for g in graphs if g.startswith(prefix)}


def sync_snapshot(
    settings: Settings, snapshot: Path, on_graph: Callable[[str], None] | None = None
) -> SyncReport:
    """Make the external store hold exactly the snapshot's graphs under flowgraph's namespace."""
    endpoint = Endpoint.from_settings(settings)
    state_file = state_path(settings)
    try:
        state = snapshots.read_json(state_file)
        known: dict[str, str] | None = (
            state["graphs"] if state.get("endpoint") == settings.store else None
        )
    except (OSError, ValueError, KeyError):
        known = None
    stale = set(known) if known is not None else _remote_graphs(settings)
    state_file.unlink(missing_ok=True)
    report = SyncReport()
    writer = _Writer(endpoint)
    sent: dict[str, str] = {}
    try:
        for graph in snapshot_graphs(snapshot):
            stale.discard(graph.iri)
            if known is not None and known.get(graph.iri) == graph.digest:
                report.unchanged += 1
            else:
                lines = _triples(graph)
                writer.replace(graph.iri, lines)
                report.sent.append(graph.iri)
                report.triples += len(lines)
                if on_graph:
                    on_graph(graph.iri)
            sent[graph.iri] = graph.digest
        for iri in sorted(stale):
            writer.delete(iri)
            report.deleted.append(iri)
    finally:
        writer.close()
    state_file.parent.mkdir(parents=True, exist_ok=True)
    snapshots.write_json(state_file, {"endpoint": settings.store, "graphs": sent})
    return report
