"""`/changes` (a page), `/api/changes` (JSON) and `/changes.atom` (a feed): what changed in the
notices at each build, from the build's change log (serve/change_log.py).

Answers go through the one HTTP cache (serve/http_cache.py) with the log's digest in the key:
the log can grow without a new snapshot being served, and its ETag then changes with it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from flowgraph.history import feed
from flowgraph.serve import change_log, changes_page
from flowgraph.serve.change_log import Filters
from flowgraph.serve.deps import Runtime, get_runtime
from flowgraph.serve.http_cache import cached
from flowgraph.serve.limits import page_work
from flowgraph.serve.pages import layout

router = APIRouter(tags=["what changed"])
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]

Since = Annotated[
    str | None,
    Query(
        description="Only changes found in versions retrieved on or after this date "
        "(YYYY-MM-DD) or date-time (2026-12-02T14:05:00Z)",
        examples=["2026-12-01"],
    ),
]
Controller = Annotated[
    str | None,
    Query(
        description="Only this council's notices: a name, an alias or an organisation IRI",
        examples=["Leicester City Council"],
    ),
]
Kind = Annotated[
    str | None,
    Query(
        description="Only changes of this kind: recipient, legal_basis, law, transfer or retention",
        pattern="^(|recipient|legal_basis|law|transfer|retention)$",
    ),
]
Limit = Annotated[
    int | None,
    Query(description="At most this many entries (default 50, at most 1000)", ge=1, le=1000),
]


async def _selected(
    runtime: Runtime, chosen: Filters
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The entries `chosen` keeps, and every entry."""

    def work() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        _, entries = change_log.enriched(runtime)
        target = change_log.controller_target(runtime, chosen.controller)
        return change_log.select(entries, chosen, target), entries

    return await page_work(runtime.lanes, work)


def _key(route: str, runtime: Runtime, chosen: Filters) -> tuple[object, ...]:
    return (route, change_log.log_digest(runtime), sorted(chosen.as_json().items()))


@router.get(
    "/api/changes",
    summary="What changed in the notices at each build (JSON), newest first",
    description=(
        "One entry per notice whose text changed between two builds: the notice and its "
        "controller (with their IRIs), both versions (sha256, retrieved, url), and per service "
        "area each change (`recipient added`, `lawful basis removed`, ...) with its label, "
        "entity IRI, `needs_review`, and the quotes of both versions with their offsets. "
        "`href` links to the notice page with the span marked when that page shows the "
        "quote's version (`page_shows_this_version`); an older version's quote keeps its own "
        "offsets, which count into that version's text (kept in the archive)."
    ),
)
async def api_changes(
    request: Request,
    runtime: RuntimeDep,
    since: Since = None,
    controller: Controller = None,
    kind: Kind = None,
    limit: Limit = None,
) -> Response:
    chosen = change_log.filters(since, controller, kind, limit)

    async def produce() -> bytes:
        kept, everything = await _selected(runtime, chosen)
        document = {
            "filters": chosen.as_json(),
            "count": len(kept),
            "total": len(everything),
            "changes": kept,
        }
        return json.dumps(document, ensure_ascii=False).encode()

    return await cached(request, runtime, _key("api", runtime, chosen), "application/json", produce)


@router.get(
    "/changes",
    response_class=HTMLResponse,
    summary="What changed in the notices (page): a timeline by date and council",
)
async def changes_html(
    request: Request,
    runtime: RuntimeDep,
    since: Since = None,
    controller: Controller = None,
    kind: Kind = None,
    limit: Limit = None,
) -> Response:
    chosen = change_log.filters(since, controller, kind, limit)

    async def produce() -> bytes:
        kept, everything = await _selected(runtime, chosen)
        controllers = sorted({e["controller"] for e in everything if e["controller"]})
        shown = chosen
        if chosen.controller and chosen.controller not in controllers:  # an IRI or alias
            iri, _ = await page_work(runtime.lanes, change_log.controller_target, runtime, chosen.controller)  # fmt: skip
            named = [e["controller"] for e in everything if iri and e["controller_iri"] == iri]
            shown = replace(chosen, controller=named[0]) if named else chosen
        body = changes_page.page_body(
            kept, shown, controllers, runtime.settings.base_iri, len(everything)
        )
        query = urlencode(chosen.query())
        feed_href = "/changes.atom" + (f"?{query}" if query else "")
        return layout("What changed — flowgraph", body, feed=feed_href).body

    return await cached(
        request, runtime, _key("page", runtime, chosen), "text/html; charset=utf-8", produce
    )


@router.get(
    "/changes.atom",
    summary="What changed in the notices, as an Atom 1.0 feed to subscribe to",
    response_class=Response,
    responses={200: {"content": {feed.MEDIA_TYPE: {}}}},
)
async def changes_atom(
    request: Request,
    runtime: RuntimeDep,
    since: Since = None,
    controller: Controller = None,
    kind: Kind = None,
    limit: Limit = None,
) -> Response:
    chosen = change_log.filters(since, controller, kind, limit)

    async def produce() -> bytes:
        kept, _ = await _selected(runtime, chosen)
        return _atom(request, runtime, chosen, kept)

    # the feed's absolute links name the host it was asked of: part of the key
    key = (*_key("atom", runtime, chosen), str(request.base_url))
    return await cached(request, runtime, key, feed.MEDIA_TYPE, produce)


def _atom(request: Request, runtime: Runtime, chosen: Filters, kept: list[dict[str, Any]]) -> bytes:
    base = str(request.base_url).rstrip("/")
    query = urlencode(chosen.query())
    suffix = f"?{query}" if query else ""
    if kept:
        updated = max((e.get("new") or {}).get("retrieved", "") for e in kept)
    else:
        updated = _log_time(runtime)
    described = [f"{k}={v}" for k, v in chosen.query().items()]
    title = "flowgraph: what changed in council privacy notices" + (
        f" ({', '.join(described)})" if described else ""
    )

    def link_of(entry: dict[str, Any]) -> str:
        params = {"controller": entry["controller"]} if entry["controller"] else {}
        return f"{base}/changes?{urlencode(params)}#{entry['anchor']}"

    def notice_link_of(entry: dict[str, Any]) -> str | None:
        page = entry.get("notice_page")
        return f"{base}{page}" if page else None

    return feed.feed(
        kept,
        feed_id=f"{runtime.settings.base_iri}changes{suffix}",
        title=title,
        self_url=f"{base}/changes.atom{suffix}",
        page_url=f"{base}/changes{suffix}",
        updated=updated,
        link_of=link_of,
        notice_link_of=notice_link_of,
        html_of=lambda e: changes_page.entry_html(e, runtime.settings.base_iri),
        summary_of=changes_page.summary_text,
    )


def _log_time(runtime: Runtime) -> str:
    """When the log last changed (or the snapshot was built): an empty feed's `updated`."""
    from datetime import UTC, datetime

    for path in (change_log.change_log(runtime).path, runtime.snapshot and runtime.snapshot / "build.json"):  # fmt: skip
        if path and path.exists():
            stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return "1970-01-01T00:00:00Z"
