"""`/explore` (the flow map with filters as query parameters) and `/api/trace` / `/trace`."""

from __future__ import annotations

import json
import time
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from flowgraph.serve.deps import Runtime, get_runtime
from flowgraph.serve.names import resolve
from flowgraph.serve.pages import layout, link
from flowgraph.serve.work import call_in_worker
from flowgraph.trace.chains import TraceTimeout, find_node, trace
from flowgraph.trace.network import category_members, flow_network
from flowgraph.visualise.render import render_view
from flowgraph.visualise.select import Selection, collapse, select

router = APIRouter()
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def warm(runtime: Runtime) -> None:
    """A page worker's warm-up: the flow network projected before it takes requests."""
    _network(runtime)


def _network(runtime: Runtime) -> Any:
    """The flow network and category members, projected once per snapshot (it is read-only)."""
    return runtime.once(
        "network",
        lambda: (
            flow_network(runtime.store, runtime.library),
            category_members(runtime.store, runtime.library),
        ),
    )


@router.get(
    "/explore",
    response_class=HTMLResponse,
    summary="Interactive flow map (same filters as `flowgraph viz`)",
)
async def explore(
    request: Request,
    runtime: RuntimeDep,
    controller: str | None = None,
    service: str | None = None,
    recipient: str | None = None,
    category: str | None = None,
    purpose: str | None = None,
    entity: Annotated[
        str | None, Query(description="An entity (name or IRI): its flows in and out")
    ] = None,
    max_hops: Annotated[int, Query(ge=1, le=6)] = 2,
) -> HTMLResponse:
    body = await call_in_worker(
        request,
        runtime,
        f"{__name__}:explore_html",
        Selection(controller, service, recipient, category, purpose, max_hops),
        entity,
    )
    return HTMLResponse(body)


def explore_html(runtime: Runtime, selection: Selection, entity: str | None) -> bytes:
    """The flow map page (run in a page worker: the projection and the layout are Python-heavy)."""
    return _explore_page(runtime, selection, entity).body


def _explore_page(runtime: Runtime, selection: Selection, entity: str | None) -> HTMLResponse:
    graph, members = _network(runtime)
    controller = resolve(runtime, selection.controller, "recipient", "controller")
    recipient = resolve(runtime, selection.recipient, "recipient", "recipient")
    category = resolve(runtime, selection.category, "category", "category")
    entity = resolve(runtime, entity, "entity", "entity")
    if entity and entity in graph:
        kind = graph.nodes[entity].get("kind")
        controller = (
            entity
            if kind in ("controller", "organisation") and graph.out_degree(entity)
            else controller
        )
        recipient = entity if not controller else recipient
    view = collapse(
        select(
            graph,
            Selection(
                controller,
                selection.service,
                recipient,
                category,
                selection.purpose,
                selection.max_hops,
            ),
        ),
        members,
    )
    title = "flowgraph: " + ("; ".join(view.notes) or "all flows")
    return HTMLResponse(
        render_view(view, title, page_base="/id/", base_iri=runtime.settings.base_iri)
    )


@router.get(
    "/api/trace", summary="Sharing chains from an organisation, each hop with its evidence (JSON)"
)
async def api_trace(
    request: Request,
    runtime: RuntimeDep,
    origin: Annotated[str, Query(alias="from", description="Organisation name or IRI")],
    service: str | None = None,
    to: str | None = None,
    max_hops: Annotated[int, Query(ge=1, le=6)] = 4,
    include_categories: bool = False,
) -> list[dict[str, Any]]:
    body = await call_in_worker(
        request,
        runtime,
        f"{__name__}:trace_json_bytes",
        origin,
        service,
        to,
        max_hops,
        include_categories,
    )
    return Response(body, media_type="application/json")


def trace_json_bytes(runtime: Runtime, *args: Any) -> bytes:
    """The chains encoded in the page worker: the server only passes the bytes on."""
    return json.dumps(trace_json(runtime, *args), ensure_ascii=False).encode()


def trace_json(
    runtime: Runtime,
    origin: str,
    service: str | None,
    to: str | None,
    max_hops: int,
    include_categories: bool,
) -> list[dict[str, Any]]:
    """The chains as JSON, bounded in number and time (a hub at 6 hops has millions)."""
    deadline = getattr(runtime, "deadline", None) or (
        time.monotonic() + runtime.settings.page_timeout
    )
    graph, members = _network(runtime)
    start_iri = resolve(runtime, origin, "recipient", "from")
    target_iri = resolve(runtime, to, "recipient", "to")
    try:
        start = find_node(graph, start_iri or origin)
        target = find_node(graph, target_iri) if target_iri else None
        chains = trace(
            graph,
            start,
            service=service,
            to=target,
            max_hops=max_hops,
            categories=members if include_categories else None,
            limit=runtime.settings.max_chains,
            deadline=deadline,
        )
    except TraceTimeout as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": "10"}) from exc
    return [{"hops": [hop.as_json() for hop in chain]} for chain in chains]


@router.get("/trace", response_class=HTMLResponse, summary="Sharing chains as a page")
async def trace_page(
    request: Request,
    runtime: RuntimeDep,
    origin: Annotated[str, Query(alias="from")] = "",
    service: str | None = None,
    to: str | None = None,
    max_hops: Annotated[int, Query(ge=1, le=6)] = 4,
    include_categories: bool = False,
) -> HTMLResponse:
    form = (
        "<form><label>From <input name='from' value='" + escape(origin, quote=True) + "'></label> "
        "<label>Service <input name='service' value='"
        + escape(service or "", quote=True)
        + "'></label> "
        "<label>To <input name='to' value='" + escape(to or "", quote=True) + "'></label> "
        f"<label>Hops <input name='max_hops' type='number' min='1' max='6' value='{max_hops}'></label> "
        f"<label><input type='checkbox' name='include_categories' value='true'{' checked' if include_categories else ''}> through categories</label> "
        "<button>Trace</button></form>"
    )
    if not origin:
        return layout("Trace sharing chains", "<h1>Trace sharing chains</h1>" + form)
    count, items = await call_in_worker(
        request,
        runtime,
        f"{__name__}:trace_items_html",
        origin,
        service,
        to,
        max_hops,
        include_categories,
    )
    return layout(
        "Trace sharing chains",
        f"<h1>Trace sharing chains</h1>{form}<p>{count} chain(s)</p>{items}",
    )


def trace_items_html(runtime: Runtime, *args: Any) -> tuple[int, str]:
    """The chains as HTML, rendered in the page worker."""
    chains = trace_json(runtime, *args)
    items = []
    for number, chain in enumerate(chains, 1):
        hops = "".join(
            f"<li>{link(runtime, h['from']['iri'], h['from']['label'])}{' (' + escape(h['service']) + ')' if h['service'] else ''} → "
            f"{link(runtime, h['to']['iri'], h['to']['label'])} <em>{escape(h['how'])}</em>"
            f"<blockquote>{escape(h['evidence']['quote'])}</blockquote><span class='muted'>{escape(h['evidence']['notice'])}, "
            f"characters {h['evidence']['start']}–{h['evidence']['end']}</span></li>"
            for h in chain["hops"]
        )
        items.append(f"<h3>Chain {number}</h3><ol>{hops}</ol>")
    return len(chains), "".join(items)
