"""The flowgraph exception tree, and the one place it is mapped to exit codes and HTTP statuses.

Every message names the thing and the place it went wrong. Four kinds of outcome:

| kind | class | exit code | HTTP status |
| --- | --- | --- | --- |
| bad input (a wrong option, file or query) | `BadInput` (and every other `FlowgraphError`) | 2 | 400 |
| not found (a name, notice or entity the graph does not hold) | `NotFound` | 2 | 404 |
| understood but refused (too many chains asked for) | `Unprocessable` | 2 | 422 |
| findings (`check`, `validate`: something is missing or violated) | `Findings` | 1 | — |
| anything else: a fault of flowgraph's | any other exception | 3 | 500 |

`NotFound` keeps exit 2 (a not-found is a bad input to a command line: a CI script that treats
2 as "the job is misconfigured" needs no new case); it differs on HTTP, where 404 says so.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class FlowgraphError(Exception):
    """Base of every error flowgraph raises on purpose: a bad input unless a subclass says not."""

    exit_code = EXIT_BAD_INPUT
    http_status = 400


class BadInput(FlowgraphError):
    """An option, argument, parameter or file the user gave cannot be used."""


class NotFound(BadInput, KeyError):
    """A name, notice, query or entity that the graph (or the library) does not hold.

    Also a `KeyError`, so code written when lookups raised a bare `KeyError` still catches it.
    """

    http_status = 404

    def __str__(self) -> str:  # a KeyError's str() would quote the message
        return str(self.args[0]) if self.args else "not found"


class Unprocessable(BadInput):
    """Understood, but refused as asked: too large an answer, a limit reached."""

    http_status = 422


class Findings(FlowgraphError):
    """The command ran and found what it reports (a missing requirement, a SHACL violation)."""

    exit_code = EXIT_FINDINGS
    http_status = 200


def exit_code(exc: BaseException) -> int:
    """The process exit code for an exception that ended a command."""
    if isinstance(exc, FlowgraphError):
        return exc.exit_code
    return EXIT_INTERNAL


def http_status(exc: BaseException) -> int:
    """The HTTP status for an exception that ended a request."""
    if isinstance(exc, FlowgraphError):
        return exc.http_status
    return 500


def is_internal(exc: BaseException) -> bool:
    return not isinstance(exc, FlowgraphError)


def one_line(exc: BaseException) -> str:
    """The message a person sees: the error's own for ours, the type and first line otherwise."""
    text = str(exc).strip()
    if isinstance(exc, FlowgraphError):
        return text or type(exc).__name__
    first = text.splitlines()[0] if text else ""
    return f"internal error ({type(exc).__name__}{': ' + first if first else ''})"


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

    http_status = 503


class QueryError(FlowgraphError):
    """A SPARQL query is unknown, malformed or was given bad parameters."""
