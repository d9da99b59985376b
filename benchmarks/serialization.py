"""Result serialization, old path against new, on one store: what a query worker does between
evaluating a query and the server holding the response bytes.

Old: the result as plain terms (`evaluate`), pickled across the worker pipe, written by the
Python serializers (serve/results.py). New: Oxigraph writes the syntax itself under the same
row and byte caps (`serialize_results`), and only the bytes cross the pipe.

    python -m benchmarks serialization [--snapshot DIR] [--rows N] [--repeat K]

Without --snapshot, the current build of the workspace; the store is loaded in memory, as
`serve` does when it fits.
"""

from __future__ import annotations

import argparse
import pickle
import time
from collections.abc import Callable
from pathlib import Path

from flowgraph.serve.results import GRAPH_TYPES, SELECT_TYPES, serialize_graph, serialize_select
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.oxigraph import OxigraphStore

SELECT = "SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT {rows}"
CONSTRUCT = "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT {rows}"
SYNTAXES = ["json", "xml", "csv", "tsv"]
GRAPHS = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"]
MAX_BYTES = 500_000_000


def best(run: Callable[[], bytes], repeat: int) -> tuple[float, int]:
    """The fastest of `repeat` runs, in seconds, and the size of what it made."""
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(run())
        times.append(time.perf_counter() - start)
    return min(times), size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks serialization")
    parser.add_argument("--snapshot", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    snapshot = (args.snapshot or snapshots.current(Settings().output_dir)).resolve()
    store = OxigraphStore.open_in_memory(snapshot)
    cap = args.rows
    print(f"store: {snapshot} ({len(store.store):,} quads, in memory); {cap:,} rows or triples")
    print(f"{'query':<10} {'syntax':<32} {'old s':>8} {'new s':>8} {'x':>6} {'bytes':>12}")
    select, construct = SELECT.format(rows=cap), CONSTRUCT.format(rows=cap)
    for syntax in SYNTAXES:
        media = next(m for m, s in SELECT_TYPES.items() if s == syntax)

        def old(syntax: str = syntax) -> bytes:
            outcome = pickle.loads(pickle.dumps(store.evaluate(select, cap=cap)))
            return serialize_select(outcome, syntax)

        def new(syntax: str = syntax) -> bytes:
            outcome = store.serialize_results(select, cap=cap, native=("results", syntax),
                                              max_bytes=MAX_BYTES)  # fmt: skip
            return pickle.loads(pickle.dumps(outcome)).body

        _report("SELECT", media, best(old, args.repeat), best(new, args.repeat))
    for media in GRAPHS:
        assert media in GRAPH_TYPES

        def old_graph(media: str = media) -> bytes:
            outcome = pickle.loads(pickle.dumps(store.evaluate(construct, cap=cap)))
            return serialize_graph(outcome, media)

        def new_graph(media: str = media) -> bytes:
            outcome = store.serialize_results(construct, cap=cap, native=("graph", media),
                                              max_bytes=MAX_BYTES)  # fmt: skip
            return pickle.loads(pickle.dumps(outcome)).body

        _report("CONSTRUCT", media, best(old_graph, args.repeat), best(new_graph, args.repeat))
    return 0


def _report(form: str, media: str, old: tuple[float, int], new: tuple[float, int]) -> None:
    print(
        f"{form:<10} {media:<32} {old[0]:>8.3f} {new[0]:>8.3f} {old[0] / new[0]:>6.1f} {new[1]:>12,}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
