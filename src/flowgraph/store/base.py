"""The one storage interface the query, serve and trace steps use."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from flowgraph.errors import StoreError
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.results import Outcome


class GraphStore(Protocol):
    name: str

    def select(
        self, query: str, bindings: dict[str, Any] | None = None
    ) -> tuple[list[str], list[dict[str, Any]]]:
        """Run a SELECT; values come back as Python strings/ints/bools (None when unbound)."""
        ...

    def evaluate(
        self,
        query: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        cap: int = 10_000,
    ) -> Outcome:
        """Any query form over the protocol's dataset (none given: the union of all graphs)."""
        ...

    def named_graphs(self) -> list[str]:
        """IRIs of every named graph the store holds, sorted."""
        ...

    def close(self) -> None: ...


def open_store(settings: Settings, snapshot: Path | None = None) -> GraphStore:
    """Open the current build with the backend the settings choose (an external store needs no build)."""
    if settings.remote_store:
        from flowgraph.store.remote import RemoteStore

        return RemoteStore.open(settings)
    path = snapshot or snapshots.current(settings.output_dir)
    if settings.store in ("oxigraph", "auto"):  # auto: serve resolves it first (backend_choice)
        from flowgraph.store.oxigraph import OxigraphStore

        return OxigraphStore.open(path)
    if settings.store == "oxigraph-memory":
        from flowgraph.store.oxigraph import OxigraphStore

        return OxigraphStore.open_in_memory(path)
    if settings.store == "memory":
        from flowgraph.store.memory import MemoryStore

        return MemoryStore.open(path)
    raise StoreError(f"unknown store backend {settings.store!r}")
