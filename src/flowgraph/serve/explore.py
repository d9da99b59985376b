"""`/explore` (the flow map with filters as query parameters) and `/api/trace` / `/trace`."""

from __future__ import annotations

import json
import time
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from flowgraph.serve.deps import Runtime, get_runtime
from flowgraph.serve.names import names_of, resolve
from flowgraph.serve.pages import layout, link
from flowgraph.serve.work import call_in_worker
from flowgraph.trace.chains import Hop, TraceTimeout, find_node, trace
from flowgraph.trace.source import FlowSource, flow_source
from flowgraph.trace.tree import KINDS, TREE_STYLE, grow, render_tree
from flowgraph.visualise.render import render_view
from flowgraph.visualise.select import Selection, collapse, select

router = APIRouter()
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def warm(runtime: Runtime) -> None:
    """A page worker's warm-up, before it takes requests: the names and category members; and
    without a network file, the whole flow network projected by the store's queries."""
    names_of(runtime)
    _members(runtime)
    if _source(runtime).file is None:
        _network(runtime)


def _source(runtime: Runtime) -> FlowSource:
    """The snapshot's network file if it has one, else the store's queries."""
    return runtime.once(
        "flow source",
        lambda: flow_source(
            runtime.settings, runtime.store, runtime.library, getattr(runtime, "snapshot", None)
        ),
    )


def _network(runtime: Runtime) -> Any:
    """The whole flow network and category members, projected once per snapshot (read-only):
    only for a view that needs every flow, or when there is no network file."""
    return runtime.once("network", lambda: (_source(runtime).whole(), _members(runtime)))


def _members(runtime: Runtime) -> Any:
    return runtime.once("members", lambda: _source(runtime).category_members())


def _around(runtime: Runtime, start: str, max_hops: int, **options: Any) -> Any:
    """The part of the network within `max_hops` of `start` (read from the network file), or
    the whole network when it is projected anyway: what one council's view or trace needs."""
    source = _source(runtime)
    if source.file is None:
        return _network(runtime)[0]
    return source.reachable(start, max_hops, **options)


def _receives(runtime: Runtime, node: str) -> bool:
    """Is `node` a recipient (asked of the file; without one, `_around` was the whole graph)?"""
    file = _source(runtime).file
    return file is not None and file.receives(node)


def _types(runtime: Runtime) -> Any:
    """Organisations by type (members, labels), read once per snapshot."""
    return runtime.once("types", lambda: _source(runtime).type_members())


GROUP = Query(
    pattern="^(category|type)$",
    description="Group organisations by recipient category (default) or by organisation type",
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
    view: Annotated[
        str | None,
        Query(pattern="^(sankey|network)$", description="First view shown (Sankey for a council)"),
    ] = None,
    group: Annotated[str, GROUP] = "category",
) -> HTMLResponse:
    body = await call_in_worker(
        request,
        runtime,
        f"{__name__}:explore_html",
        Selection(controller, service, recipient, category, purpose, max_hops),
        entity,
        view,
        group,
    )
    return HTMLResponse(body)


def explore_html(
    runtime: Runtime,
    selection: Selection,
    entity: str | None,
    view: str | None = None,
    group: str = "category",
) -> bytes:
    """The flow map page (run in a page worker: the projection and the layout are Python-heavy)."""
    return _explore_page(runtime, selection, entity, view, group).body


def _explore_page(
    runtime: Runtime,
    selection: Selection,
    entity: str | None,
    initial: str | None = None,
    group: str = "category",
) -> HTMLResponse:
    members = _members(runtime)
    controller = resolve(runtime, selection.controller, "recipient", "controller")
    recipient = resolve(runtime, selection.recipient, "recipient", "recipient")
    category = resolve(runtime, selection.category, "category", "category")
    entity = resolve(runtime, entity, "entity", "entity")
    graph = None
    if entity:  # an organisation that sends: its reach; else the flows into it
        near = _around(runtime, entity, selection.max_hops)
        kind = near.nodes[entity].get("kind") if entity in near else None
        if kind in ("controller", "organisation") and near.out_degree(entity):
            controller, graph = entity, near
        elif not controller and (entity in near or _receives(runtime, entity)):
            recipient = entity
    if controller and not recipient:  # one council's reach: read only that part
        if graph is None:
            graph = _around(runtime, controller, selection.max_hops)
    else:
        graph = _network(runtime)[0]
    shown = collapse(
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
    title = "flowgraph: " + ("; ".join(shown.notes) or "all flows")
    root = controller if controller and not recipient else None
    return HTMLResponse(
        render_view(
            shown,
            title,
            page_base="/id/",
            base_iri=runtime.settings.base_iri,
            members=_types(runtime)[0] if group == "type" else members,
            root=root,
            initial=initial,
            grouped_by=group,
        )
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
    chains = _chains(runtime, origin, service, to, max_hops, include_categories)[1]
    return [{"hops": [hop.as_json() for hop in chain]} for chain in chains]


def _chains(
    runtime: Runtime,
    origin: str,
    service: str | None,
    to: str | None,
    max_hops: int,
    include_categories: bool,
) -> tuple[Any, list[list[Hop]]]:
    """The network read around the start and the chains, bounded in number (`max_chains`) and
    time (the page timeout)."""
    deadline = getattr(runtime, "deadline", None) or (
        time.monotonic() + runtime.settings.page_timeout
    )
    members = _members(runtime)
    start_iri = resolve(runtime, origin, "recipient", "from")
    target_iri = resolve(runtime, to, "recipient", "to")
    if start_iri and _source(runtime).file is not None:
        options = {"categories": members if include_categories else None, "with_details": False}
        graph = _around(runtime, start_iri, max_hops, **options)
        start, target = start_iri, target_iri
    else:
        graph = _network(runtime)[0]
        start = find_node(graph, start_iri or origin)
        target = find_node(graph, target_iri) if target_iri else None
    try:
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
    return graph, chains


@router.get("/trace", response_class=HTMLResponse, summary="Sharing chains as a tree")
async def trace_page(
    request: Request,
    runtime: RuntimeDep,
    origin: Annotated[str, Query(alias="from")] = "",
    service: str | None = None,
    to: str | None = None,
    max_hops: Annotated[int, Query(ge=1, le=6)] = 4,
    include_categories: bool = False,
    how: Annotated[list[str] | None, Query(description="Hop kinds to follow")] = None,
    group: Annotated[str, GROUP] = "category",
) -> HTMLResponse:
    kinds = [k for k in KINDS if how is None or k in how]
    service = service or None
    to = to or None
    if not origin:
        return layout("Trace sharing chains", _trace_form(origin, service, to, max_hops,
                                                          include_categories, kinds, [], group))  # fmt: skip
    count, tree, services = await call_in_worker(
        request, runtime, f"{__name__}:trace_tree_html", origin, service, to, max_hops,
        include_categories, kinds, group,
    )  # fmt: skip
    form = _trace_form(origin, service, to, max_hops, include_categories, kinds, services, group)
    return layout("Trace sharing chains", f"{form}<p>{count}</p>{tree}")


def _trace_form(
    origin: str,
    service: str | None,
    to: str | None,
    max_hops: int,
    include_categories: bool,
    kinds: list[str],
    services: list[str],
    group: str = "category",
) -> str:
    """The trace's filters: a form that asks the server again (the page needs no script)."""

    def value(text: str | None) -> str:
        return escape(text or "", quote=True)

    options = "".join(f"<option value='{value(s)}'>" for s in services)
    boxes = "".join(
        f"<label><input type='checkbox' name='how' value='{k}'{' checked' if k in kinds else ''}> {k}</label>"
        for k in KINDS
    )
    return (
        f"<style>{TREE_STYLE}</style><h1>Trace sharing chains</h1>"
        f"<form class='fg-filters'><label>From <input name='from' value='{value(origin)}'></label>"
        f"<label>Service <input name='service' list='fg-services' value='{value(service)}'></label>"
        f"<datalist id='fg-services'>{options}</datalist>"
        f"<label>To <input name='to' value='{value(to)}'></label>"
        f"<label>Hops <input name='max_hops' type='number' min='1' max='6' value='{max_hops}'></label>"
        f"<span>Hop kinds: {boxes}</span>"
        f"<label><input type='checkbox' name='include_categories' value='true'{' checked' if include_categories else ''}> through categories</label>"
        f"<label><input type='checkbox' name='group' value='type'{' checked' if group == 'type' else ''}> group by organisation type</label>"
        "<button>Trace</button></form>"
        "<p class='muted'>Chains grouped by their first hop; open a branch for the evidence of its hop "
        "and its onward hops. Each hop is stated by a notice: onward sharing only as the notice of "
        "the council that sent the data states it.</p>"
    )


def trace_tree_html(
    runtime: Runtime,
    origin: str,
    service: str | None,
    to: str | None,
    max_hops: int,
    include_categories: bool,
    kinds: list[str],
    group: str = "category",
) -> tuple[str, str, list[str]]:
    """The chains as a tree, rendered in the page worker, with the start's service areas."""
    graph, chains = _chains(runtime, origin, service, to, max_hops, include_categories)
    root, count = grow(chains, kinds)
    start = find_node(graph, resolve(runtime, origin, "recipient", "from") or origin)
    services = sorted(
        graph.nodes[n]["label"] for n, d in graph.nodes(data=True) if d.get("unit_of") == start
    )
    if root is None:
        return "No chain.", "", services
    single = sum(1 for b in root.children.values() if not b.children)
    summary = (
        f"{count} chain(s) in {len(root.children)} first hops ({single} of them go no further)"
    )
    groups = None
    if group == "type":
        members, labels = _types(runtime)
        groups = {org: labels[t] for t, orgs in members.items() for org, _ in orgs}
    tree = render_tree(root, lambda iri, label: link(runtime, iri, label), groups)
    return summary, tree, services
