"""flowgraph: a knowledge graph of personal-data flows built from UK council privacy notices."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """`__version__`, read from the installed metadata only when asked (importlib.metadata
    costs every command some 40 ms of start-up)."""
    if name != "__version__":
        raise AttributeError(f"module 'flowgraph' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("flowgraph")
    except PackageNotFoundError:  # running from a source tree without an install
        found = "0.0.0"
    globals()["__version__"] = found
    return found
