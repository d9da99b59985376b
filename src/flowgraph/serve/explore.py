"""`/explore` (the flow map with filters as query parameters) and `/api/trace` / `/trace`."""

from __future__ import annotations

import time
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse

from flowgraph.serve.deps import Runtime, get_runtime
from flowgraph.serve.limits import page_work
from flowgraph.serve.pages import layout, link
from flowgraph.trace.chains import TraceTimeout, find_node, trace
from flowgraph.trace.network import category_members, flow_network
from flowgraph.visualise.render import render_view
from flowgraph.visualise.select import Selection, collapse, select

router = APIRouter()
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


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
    runtime: RuntimeDep,
    controller: str | None = None,
    service: str | None = None,
    recipient: str | None = None,
    category: str | None = None,
    purpose: str | None = None,
    entity: Annotated[str | None, Query(description="An entity IRI: its flows in and out")] = None,
    max_hops: Annotated[int, Query(ge=1, le=6)] = 2,
) -> HTMLResponse:
    return await page_work(
        runtime.lanes,
        _explore_page,
        runtime,
        Selection(controller, service, recipient, category, purpose, max_hops),
        entity,
        heavy=True,
    )


def _explore_page(runtime: Runtime, selection: Selection, entity: str | None) -> HTMLResponse:
    graph, members = _network(runtime)
    controller, recipient = selection.controller, selection.recipient
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
                selection.category,
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
    runtime: RuntimeDep,
    origin: Annotated[str, Query(alias="from", description="Organisation name or IRI")],
    service: str | None = None,
    to: str | None = None,
    max_hops: Annotated[int, Query(ge=1, le=6)] = 4,
    include_categories: bool = False,
) -> list[dict[str, Any]]:
    return await page_work(
        runtime.lanes,
        _trace,
        runtime,
        origin,
        service,
        to,
        max_hops,
        include_categories,
        heavy=True,
    )


def _trace(
    runtime: Runtime,
    origin: str,
    service: str | None,
    to: str | None,
    max_hops: int,
    include_categories: bool,
) -> list[dict[str, Any]]:
    """The chains as JSON, bounded in number and time (a hub at 6 hops has millions)."""
    deadline = time.monotonic() + runtime.settings.page_timeout
    graph, members = _network(runtime)
    try:
        start = find_node(graph, origin)
        target = find_node(graph, to) if to else None
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
    chains = await api_trace(runtime, origin, service, to, max_hops, include_categories)
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
    return layout(
        "Trace sharing chains",
        f"<h1>Trace sharing chains</h1>{form}<p>{len(chains)} chain(s)</p>{''.join(items)}",
    )
