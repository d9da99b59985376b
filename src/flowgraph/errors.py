"""The flowgraph exception tree: every message names the thing and the place it went wrong."""

from __future__ import annotations

from pathlib import Path


class FlowgraphError(Exception):
    """Base of every error flowgraph raises on purpose."""


class NoticeError(FlowgraphError):
    """A notice file cannot be read or understood; names the file and, where known, the line."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.line = line
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {reason}")


class ManifestError(FlowgraphError):
    """The notice manifest is malformed or names a file that is not there."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {reason}")


class VocabularyError(FlowgraphError):
    """A curated vocabulary file under data/vocab is malformed."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = Path(path)
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {reason}")


class StoreError(FlowgraphError):
    """The graph store is missing, unreadable or refused an operation."""


class QueryError(FlowgraphError):
    """A SPARQL query is unknown, malformed or was given bad parameters."""
