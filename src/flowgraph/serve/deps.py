"""What request handlers share: settings, the query executor, the library and the page store.

Built once by `create_app` and reached through a dependency, never as a module global.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from flowgraph.query.library import LibraryQuery
from flowgraph.serve.executor import ProcessExecutor
from flowgraph.settings import Settings
from flowgraph.store.base import GraphStore

SERVICE_TEMPLATE = Path(__file__).with_name("service.ttl")


@dataclass
class Runtime:
    settings: Settings
    executor: ProcessExecutor
    store: GraphStore
    library: dict[str, LibraryQuery]
    named_graphs: list[str]
    service_template: Path = SERVICE_TEMPLATE
    network: Any = None  # the projected flow network, built on first use
    checks: Any = None  # the completeness reports, computed on first use

    def query_page(self) -> HTMLResponse:
        from flowgraph.serve.pages import query_page

        return query_page(self)


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime
