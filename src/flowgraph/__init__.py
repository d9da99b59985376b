"""flowgraph: a knowledge graph of personal-data flows built from UK council privacy notices."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("flowgraph")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

__all__ = ["__version__"]
