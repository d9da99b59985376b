"""Completeness and comparison pages: every notice's score, each requirement met or missing,
and councils side by side.

The reports are computed once per server (the graph never changes under a running server) and
are the same objects `flowgraph check` renders.
"""

from __future__ import annotations

from dataclasses import asdict
from html import escape
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from flowgraph.errors import NotFound
from flowgraph.report.compare import ASPECTS, Comparison, compare
from flowgraph.report.completeness import MARKS, ActivityReport, check
from flowgraph.report.completeness_render import status_text
from flowgraph.report.waivers import apply_waivers
from flowgraph.serve.deps import Runtime, get_runtime
from flowgraph.serve.limits import page_work
from flowgraph.serve.names import names_of, resolve
from flowgraph.serve.pages import layout
from flowgraph.serve.work import call_in_worker

router = APIRouter()
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def reports_of(request: Request, runtime: Runtime) -> list[ActivityReport]:
    """Computed once per snapshot, in a page worker (every requirement query runs), then kept
    by the server."""
    if "checks" not in runtime.cache:
        reports = await call_in_worker(request, runtime, f"{__name__}:check_reports")
        runtime.cache.setdefault("checks", reports)
    return runtime.cache["checks"]


def check_reports(runtime: Runtime) -> list[ActivityReport]:
    return runtime.once("checks", lambda: check(runtime.store, runtime.library))


def compare_councils(runtime: Runtime, councils: list[str], service_like: str | None) -> Comparison:
    # a FlowgraphError is raised again in the server and answered by the one error mapping
    return compare(runtime.store, runtime.library, councils, service_like, check_reports(runtime))


async def waived_reports_of(request: Request, runtime: Runtime) -> list[ActivityReport]:
    """The reports with the waiver file (FLOWGRAPH_CHECK_WAIVERS) applied: per request, so a
    waiver that expires while the server runs counts as missing from that day on."""
    reports = await reports_of(request, runtime)
    waivers = getattr(request.app.state, "check_waivers", [])
    return apply_waivers(reports, waivers)[0] if waivers else reports


async def _named(
    runtime: Runtime, controller: str | None, notice: str | None
) -> tuple[str | None, str | None]:
    """The controller's IRI and the notice's file name that the parameters name."""
    if not controller and not notice:
        return None, None

    def work() -> tuple[str | None, str | None]:
        iri = resolve(runtime, controller, "controller", "controller")
        found = names_of(runtime).resolve(notice, "notice", "notice") if notice else None
        return iri, found.file if found else None

    return await page_work(runtime.lanes, work)


def _chosen(
    reports: list[ActivityReport], controller: str | None, notice: str | None
) -> list[ActivityReport]:
    chosen = [
        r
        for r in reports
        if (
            not controller
            or controller.lower() in (r.controller.lower(), r.controller_label.lower())
        )
        and (not notice or r.notice == notice)
    ]
    if (controller or notice) and not chosen:
        raise NotFound(f"no notice matches controller={controller!r} notice={notice!r}")
    return chosen


@router.get("/api/check", summary="Art. 13/14 completeness per notice and service area (JSON)")
async def api_check(
    request: Request, runtime: RuntimeDep, controller: str | None = None, notice: str | None = None
) -> list[dict[str, Any]]:
    controller, notice = await _named(runtime, controller, notice)
    reports = await waived_reports_of(request, runtime)
    return [r.as_dict() for r in _chosen(reports, controller, notice)]


def _index(reports: list[ActivityReport]) -> str:
    rows = []
    for r in reports:
        href = "/check?" + urlencode({"notice": r.notice})
        rows.append(
            f"<tr><td>{escape(r.controller_label)}</td><td><a href='{escape(href, quote=True)}'>{escape(r.notice)}</a></td>"
            f"<td>{escape(r.service or 'whole notice')}</td><td>{r.score:.0%}</td>"
            f"<td>{len(r.missing)}</td><td>{len(r.waived)}</td><td>{len(r.flags)}</td></tr>"
        )
    return (
        "<table><tr><th>controller</th><th>notice</th><th>service area</th><th>score</th>"
        f"<th>missing</th><th>waived</th><th>flags</th></tr>{''.join(rows)}</table>"
    )


def _detail(report: ActivityReport) -> str:
    rows = []
    for f in report.findings:
        quote = ""
        if f.evidence:
            quote = (
                f"<blockquote>{escape(f.evidence.quote)}</blockquote><span class='muted'>"
                f"{escape(f.evidence.notice)}, characters {f.evidence.start}–{f.evidence.end}</span>"
            )
        rows.append(
            f"<tr class='{escape(f.status.replace(' ', '-'))}'><td>{MARKS[f.status]}</td><td>{escape(f.title)}</td>"
            f"<td>{escape(f.article)}</td><td>{escape(status_text(f))}</td><td>{quote}</td></tr>"
        )
    flags = "".join(
        f"<li><strong>{escape(flag.title)}</strong>: {escape(flag.detail)}"
        f"<blockquote>{escape(flag.evidence.quote)}</blockquote><span class='muted'>{escape(flag.evidence.notice)}, "
        f"characters {flag.evidence.start}–{flag.evidence.end}</span></li>"
        for flag in report.flags
    )
    return (
        f"<h2>{escape(report.controller_label)} — {escape(report.service or 'whole notice')}</h2>"
        f"<p>{escape(report.notice)} · score {report.score:.0%} · {len(report.missing)} missing"
        f"{f' · {len(report.waived)} waived' if report.waived else ''}</p>"
        "<table><tr><th></th><th>requirement</th><th>article</th><th>status</th><th>evidence</th></tr>"
        f"{''.join(rows)}</table>" + (f"<h3>Flags</h3><ul>{flags}</ul>" if flags else "")
    )


@router.get("/check", response_class=HTMLResponse, summary="Completeness of notices (page)")
async def check_page(
    request: Request, runtime: RuntimeDep, controller: str | None = None, notice: str | None = None
) -> HTMLResponse:
    controller, notice = await _named(runtime, controller, notice)
    reports = _chosen(await waived_reports_of(request, runtime), controller, notice)
    title = "Notice completeness (UK GDPR Art. 13/14)"
    intro = (
        "<p class='muted'>Each requirement is a query in <code>queries/requirements/</code>, each flag one in "
        "<code>queries/flags/</code>. ↳ marks a requirement met by the controller's council-wide notice, "
        "~ a gap the council accepts (its waiver file, until the date given).</p>"
    )
    if not controller and not notice:
        return layout(title, f"<h1>{title}</h1>{intro}{_index(reports)}")
    body = "".join(_detail(r) for r in reports)
    return layout(title, f"<h1>{title}</h1>{intro}<p><a href='/check'>all notices</a></p>{body}")


async def comparison(
    request: Request, runtime: Runtime, councils: list[str], service_like: str | None
) -> Comparison:
    councils = await page_work(
        runtime.lanes, lambda: [resolve(runtime, c, "controller", "council") or c for c in councils]
    )
    return await call_in_worker(
        request, runtime, f"{__name__}:compare_councils", councils, service_like or None
    )


@router.get("/api/compare", summary="Councils side by side (JSON)")
async def api_compare(
    request: Request,
    runtime: RuntimeDep,
    council: Annotated[list[str], Query(description="Two or more council names or IRIs")],
    service_like: str | None = None,
) -> dict[str, Any]:
    return asdict(await comparison(request, runtime, council, service_like))


def _list(values: list[str]) -> str:
    return "<br>".join(escape(v) for v in values) or "<span class='muted'>—</span>"


@router.get("/compare", response_class=HTMLResponse, summary="Councils side by side (page)")
async def compare_page(
    request: Request,
    runtime: RuntimeDep,
    council: Annotated[list[str] | None, Query()] = None,
    service_like: str | None = None,
) -> HTMLResponse:
    names = sorted({r.controller_label for r in await reports_of(request, runtime)})
    chosen = council or []
    options = "".join(
        f"<option{' selected' if n in chosen else ''}>{escape(n)}</option>" for n in names
    )
    form = (
        f"<form><label>Councils <select name='council' multiple size='{min(len(names), 8)}'>{options}</select></label> "
        f"<label>Service areas like <input name='service_like' value='{escape(service_like or '', quote=True)}' placeholder='Housing'></label> "
        "<button>Compare</button></form>"
    )
    title = "Councils side by side"
    if len(chosen) < 2:
        return layout(title, f"<h1>{title}</h1><p>Choose two or more councils.</p>{form}")
    c = await comparison(request, runtime, chosen, service_like)
    head = "".join(f"<th>{escape(s.label)}</th>" for s in c.councils)
    rows = [
        "<tr><th>service areas</th>"
        + "".join(
            f"<td>{escape(', '.join(s.services)) or 'council-wide notice: ' + escape(', '.join(s.notices))}</td>"
            for s in c.councils
        )
        + "</tr>",
        "<tr><th>completeness</th>"
        + "".join(f"<td>{'—' if s.score is None else f'{s.score:.0%}'}</td>" for s in c.councils)
        + "</tr>",
    ]
    for aspect, label in ASPECTS.items():
        rows.append(
            f"<tr><th>{escape(label)}</th>"
            + "".join(f"<td>{_list(s.stated[aspect])}</td>" for s in c.councils)
            + "</tr>"
        )
        rows.append(
            "<tr><th>… stated by this council only</th>"
            + "".join(f"<td>{_list(s.only_here[aspect])}</td>" for s in c.councils)
            + "</tr>"
        )
    ranked = "".join(
        f"<tr><td>{escape(r['recipientLabel'])}</td><td>{r['controllers']}</td><td>{r['activities']}</td></tr>"
        for r in c.most_common
    )
    rare = "".join(
        f"<tr><td>{escape(r['recipientLabel'])}</td><td>{r['controllers']}</td><td>{r['activities']}</td></tr>"
        for r in c.rarest
    )
    body = (
        f"<h1>{title}</h1>{form}<table id='comparison'><tr><th></th>{head}</tr>{''.join(rows)}</table>"
        "<h2>Most common recipients</h2><table><tr><th>recipient</th><th>controllers</th><th>activities</th></tr>"
        f"{ranked}</table><h2>Rarest recipients (outliers)</h2><table><tr><th>recipient</th><th>controllers</th>"
        f"<th>activities</th></tr>{rare}</table>"
    )
    return layout(title, body)
