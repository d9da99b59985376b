"""The query library: queries/*.rq files with a comment header (title, description, params).

Values are bound as parameters: the store writes each as one escaped term in a VALUES block.
A parameter that names something says what in brackets (`# param: controller (controller) - ...`):
the command line and the endpoint then accept a name or alias for it as well as an IRI (see
query/names.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowgraph.errors import QueryError
from flowgraph.query.names import parse_param_name
from flowgraph.store.base import GraphStore

_HEADER = re.compile(r"^#\s*(title|description|param|article|flag):\s*(.*)$")


@dataclass(frozen=True)
class LibraryQuery:
    name: str
    path: Path
    text: str
    title: str
    description: str
    params: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)  # other header lines: article, flag
    param_kinds: dict[str, str] = field(default_factory=dict)  # parameter -> what it names

    @property
    def is_check(self) -> bool:
        return self.name.endswith("-violation")

    @property
    def kind(self) -> str:
        """requirement (a file in requirements/), flag (in flags/), or query."""
        return {"requirements": "requirement", "flags": "flag"}.get(self.path.parent.name, "query")


def parse_query(path: Path) -> LibraryQuery:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if not m:
            continue
        key, value = m.groups()
        if key == "param":
            head, _, description = value.partition(" - ")
            try:
                name, kind = parse_param_name(head)
            except ValueError as exc:
                raise QueryError(f"{path}: param {head.strip()!r}: {exc}") from exc
            params[name] = description.strip()
            if kind:
                kinds[name] = kind
        else:
            meta[key] = value.strip()
    return LibraryQuery(
        path.stem,
        path,
        text,
        meta.pop("title", path.stem),
        meta.pop("description", ""),
        params,
        meta,
        kinds,
    )


def load_library(directory: Path) -> dict[str, LibraryQuery]:
    """Every query under `directory`, by file name; two files with one name are an error."""
    library: dict[str, LibraryQuery] = {}
    for path in sorted(directory.rglob("*.rq")):
        query = parse_query(path)
        if query.name in library:
            raise QueryError(
                f"{path}: a query named {query.name!r} already exists ({library[query.name].path}); rename one"
            )
        library[query.name] = query
    return dict(sorted(library.items()))


def run(
    store: GraphStore, query: LibraryQuery, params: dict[str, Any] | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    unknown = set(params or {}) - set(query.params)
    if unknown:
        raise QueryError(
            f"query {query.name!r} has no parameter(s) {', '.join(sorted(unknown))}; it takes: {', '.join(query.params) or 'none'}"
        )
    return store.select(query.text, params or {})
