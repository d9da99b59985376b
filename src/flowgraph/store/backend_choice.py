"""The `auto` store: in memory when every copy fits in the free memory, else on disk.

`oxigraph-memory` answers queries 3-7x faster than the on-disk store, but each process that
opens it (the server and every query and page worker) loads a copy of its own, and while a
newly published build is loaded the old runtime's copies are still held: twice as many. So
`serve` picks it only when quads × bytes per quad × processes × 2 fits in `memory_fraction` of
MemAvailable; otherwise (or when the free memory cannot be read) the on-disk store. One-shot
commands open the store once for one query: loading a copy would cost more than it gains, so
for them `auto` is the on-disk store (`open_store`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots

MEMINFO = Path("/proc/meminfo")


@dataclass(frozen=True)
class Choice:
    backend: str
    reason: str


def mem_available(meminfo: Path = MEMINFO) -> int | None:
    """MemAvailable in bytes, or None where the kernel does not say (not Linux)."""
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def count_quads(snapshot: Path) -> int:
    """Lines of the build's N-Quads files (one quad each), read in 1 MB blocks (~1 s per GB)."""
    total = 0
    for path in snapshots.nquads_files(snapshot):
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                total += block.count(b"\n")
    return total


def choose(
    quads: int, processes: int, available: int | None, bytes_per_quad: int, fraction: float
) -> Choice:
    """The backend for `quads` held by `processes` processes, given `available` free bytes."""
    needed = quads * bytes_per_quad * processes * 2
    mb = 1_000_000
    if available is None:
        return Choice("oxigraph", "free memory unknown (no /proc/meminfo): the on-disk store")
    budget = int(available * fraction)
    sizes = (
        f"{quads:,} quads x {bytes_per_quad} B x {processes} processes x 2 (a new build loads "
        f"beside the old) = {needed // mb:,} MB; {fraction:.0%} of {available // mb:,} MB "
        f"available = {budget // mb:,} MB"
    )
    if needed <= budget:
        return Choice("oxigraph-memory", f"in memory, it fits: {sizes}")
    return Choice("oxigraph", f"on disk, in memory would not fit: {sizes}")


def resolve(settings: Settings, snapshot: Path, processes: int) -> tuple[Settings, Choice]:
    """Settings whose `store` is concrete: `auto` decided for `snapshot`, anything else kept."""
    if settings.store != "auto":
        return settings, Choice(settings.store, "chosen by --store or FLOWGRAPH_STORE")
    choice = choose(
        count_quads(snapshot),
        processes,
        mem_available(),
        settings.memory_bytes_per_quad,
        settings.memory_fraction,
    )
    return settings.model_copy(update={"store": choice.backend}), choice
