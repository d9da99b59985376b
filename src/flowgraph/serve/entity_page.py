"""Linked-data pages in words (issue 16): what an entity is, who shares with it (grouped by
council and service, with counts), whom it shares with, its onward chains and a small flow
diagram; for a council its services with their recipients by category, its completeness and
its notices. Quotes are clean text (tags stripped, entities decoded) linking to the exact span
of the notice (`/notice/{file}?start=&end=#q`); the raw statements sit in a collapsed section.

The questions are `queries/pages/*.rq`; everything from a notice or the graph is HTML-escaped.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from collections import defaultdict
from functools import partial
from html import escape
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote as quote_iri

import anyio.from_thread
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from flowgraph.errors import FlowgraphError, NotFound
from flowgraph.serve.deps import Runtime, get_runtime
from flowgraph.serve.limits import page_work
from flowgraph.serve.pages import ENTITY_TYPES, _description, _organisation_box, _rows, layout, link
from flowgraph.serve.results import negotiate

router = APIRouter()
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]

STYLE = """<style>
main{max-width:1360px}.top{display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap}
.top table.identity{margin:0;max-width:600px}.top table.identity td{overflow-wrap:anywhere}
.facts p{margin:.3rem 0}
.summary{font-size:1.05rem;margin:.6rem 0}
details.group{background:#fff;border:1px solid #d5d9e0;border-radius:4px;margin:.35rem 0;padding:.3rem .7rem}
details.group>summary{cursor:pointer;font-weight:600}details.group>summary .muted{font-weight:400}
ul.lines{margin:.3rem 0 .2rem;padding-left:1.1rem}ul.lines>li{margin:.35rem 0}
.purposes{font-size:.85rem;color:#5b6578}.q{font-style:italic}.q::before{content:'“'}.q::after{content:'”'}
a.src{font-size:.8rem;white-space:nowrap}
.cats{columns:2 28rem;column-gap:1.5rem}.cat{break-inside:avoid;margin:.2rem 0 .5rem}
.cat h4{margin:.3rem 0 .1rem;font-size:.92rem}.cat ul{margin:0;padding-left:1.1rem;font-size:.9rem}
svg.flows text{font:12px system-ui,sans-serif;fill:#1d2330}svg.flows path{fill:none;stroke:#7d93b5;stroke-opacity:.7}
svg.flows rect{fill:#eef1f5;stroke:#9aa8bd}svg.flows rect.me{fill:#1f3a5f}svg.flows text.me{fill:#fff;font-weight:600}
.score{font-size:1.15rem;font-weight:700}
pre.notice{white-space:pre-wrap;background:#fff;border:1px solid #d5d9e0;padding:.8rem;font-size:.85rem}
details#statements>summary h2{display:inline}
mark{background:#ffe58a;outline:2px solid #e0b000;scroll-margin-top:35vh}.tag{color:#9aa3b2}
</style>"""

_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.S)  # no nested repetition: linear
_SPACE = re.compile(r"\s+")


def clean(text: str | None) -> str:
    """A quote as a reader sees it: tags stripped first (so an escaped `&lt;img&gt;` stays
    text), then entities decoded, whitespace runs made one space."""
    if not text:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text))).strip()


def notice_href(file: str, start: Any, end: Any) -> str:
    return f"/notice/{quote_iri(str(file))}?start={int(start)}&end={int(end)}#q"


def quoted(row: dict[str, Any], file_key: str = "notice") -> str:
    """A clean quote and a link to its exact place in the notice."""
    href = notice_href(row[file_key], row["start"], row["end"])
    return (
        f"<span class='q'>{escape(clean(row['quote']))}</span> "
        f"<a class='src' href='{escape(href, quote=True)}'>in the notice ↗</a>"
    )


def _name(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").capitalize()


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"1 {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


# ---------------------------------------------------------------------------- the route
async def respond(request: Request, runtime: Runtime, path: str, accept: str | None) -> Response:
    """The page (or RDF) for `/id/{path}`, in the page lane under the page time limit."""
    return await page_work(runtime.lanes, entity_page, runtime, path, accept, request)


def entity_page(runtime: Runtime, path: str, accept: str | None, request: Request) -> Response:
    iri = runtime.settings.base_iri + path
    outgoing = _rows(runtime, "entity-outgoing", entity=iri)
    if not outgoing and not _rows(runtime, "entity-exists", entity=iri):
        raise NotFound(f"no entity {iri} in this graph")
    media = negotiate(accept, list(ENTITY_TYPES))
    if media is None:
        return Response(
            f"available as {', '.join(ENTITY_TYPES)}\n",
            status_code=406,
            media_type="text/plain; charset=utf-8",
        )
    if media != "text/html":
        graph = _description(runtime, iri)
        return Response(graph.serialize(format=ENTITY_TYPES[media]), media_type=media)
    labels = [r["o"] for r in outgoing if r["p"].endswith(("#label", "#prefLabel"))]
    label = str(labels[0]) if labels else iri
    types = [
        link(runtime, r["o"], r["oLabel"] or r["o"].rsplit("#", 1)[-1].rsplit("/", 1)[-1])
        for r in outgoing
        if r["p"].endswith("#type")
    ]
    body = STYLE + f"<h1>{escape(label)}</h1><p class='muted'>{escape(iri)} · {' '.join(types)}</p>"
    if path.startswith("notice/") and "/" not in path[len("notice/") :]:
        body += _notice_section(runtime, iri, outgoing)
    else:
        body += _flows_section(runtime, path, iri, label, request)
    body += _all_statements(runtime, outgoing)
    return layout(label, body)


def _all_statements(runtime: Runtime, outgoing: list[dict[str, Any]]) -> str:
    facts = "".join(
        f"<tr><td>{escape(r['p'].rsplit('#', 1)[-1].rsplit('/', 1)[-1])}</td><td>"
        + (
            link(runtime, r["o"], r["oLabel"])
            if isinstance(r["o"], str) and r["o"].startswith(("http://", "https://"))
            else escape(str(r["o"]))
        )
        + "</td></tr>"
        for r in outgoing
        if not r["p"].endswith("#type")
    )
    return (
        f"<details id='statements'><summary><h2>All statements ({len(outgoing)})</h2></summary>"
        f"<p class='muted'>Every triple with this entity as subject, as stored; also as Turtle, "
        f"JSON-LD, N-Triples or RDF/XML (Accept header).</p><table>{facts}</table></details>"
    )


# ---------------------------------------------------------------------------- organisations
def _flows_section(runtime: Runtime, path: str, iri: str, label: str, request: Request) -> str:
    identity = ""
    if path.startswith("org/") and "/" not in path[len("org/") :]:
        identity = _organisation_box(runtime, _rows(runtime, "organisation-facts", entity=iri))
        identity = identity.removesuffix("<h2>All statements</h2>")
    notices = _rows(runtime, "council-notices", entity=iri)
    flows = _rows(runtime, "entity-flows", entity=iri)
    incoming = [f for f in flows if f["direction"] == "in"]
    outgoing = [f for f in flows if f["direction"] == "out"]
    senders = _by_council(incoming)
    if notices:  # a controller: its own services, completeness and notices
        services = _rows(runtime, "council-services", entity=iri)
        right = _category_counts(services)
        summary = (
            f"Its notices state {_plural(len({r['recipient'] for r in services}), 'recipient')} "
            f"for {_plural(len({r['service'] or r['notice'] for r in services}), 'service area')}."
        )
        reports = _reports(runtime, request, iri)
        main = "<div class='facts'>" + _completeness_section(iri, reports)
        main += _notices_section(runtime, notices, reports) + "</div>"
        main += _services_section(runtime, services)
        main += _changes_section(runtime, controller_iri=iri, what=label)
        if incoming:
            main += "<h2>Who shares with it</h2>" + _senders_html(runtime, senders)
    else:
        right = _recipient_counts(outgoing)
        summary = (
            f"{_plural(len(senders), 'council')} share with it "
            f"({_plural(sum(len(s) for s in senders.values()), 'service area')}, "
            f"{_plural(len(incoming), 'statement')})"
            + (f"; it shares with {_plural(len(right), 'recipient')}." if outgoing else ".")
        )
        main = "<h2>Who shares with it</h2>" + _senders_html(runtime, senders)
        main += "<h2>Whom it shares with</h2>" + _recipients_html(runtime, outgoing)
    left = [
        (name, sum(len(v) for v in services.values()))
        for name, services in senders.items()
        if name != label  # what it says it receives from itself is not a sender
    ]
    diagram = _diagram(left, label, right)
    trace = "/trace?from=" + quote_iri(iri)
    chains = (
        "<h2>Onward chains</h2><p>Where its data can go next, step by step: "
        f"<a href='{escape(trace, quote=True)}'>trace its sharing chains</a>; "
        f"<a href='/explore?entity={escape(quote_iri(iri), quote=True)}'>see it on the flow map</a>.</p>"
    )
    return (
        f"<div class='top'>{identity}{diagram}</div><p class='summary'>{escape(summary)}</p>"
        + main
        + chains
    )


def _by_council(flows: list[dict[str, Any]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """council label -> service label ("" for a council-wide notice) -> its flows, in order."""
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for f in sorted(flows, key=lambda f: (f["controllerLabel"], f["serviceLabel"] or "")):
        grouped[f["controllerLabel"]][f["serviceLabel"] or ""].append(f)
    return grouped


def _split(values: str | None) -> list[str]:
    return sorted({clean(v) for v in (values or "").split(" | ") if v.strip()})


def _senders_html(runtime: Runtime, senders: dict[str, dict[str, list[dict[str, Any]]]]) -> str:
    if not senders:
        return "<p class='muted'>No notice states that anyone shares with it.</p>"
    groups = []
    for council, services in senders.items():
        statements = sum(len(v) for v in services.values())
        lines = []
        for service, flows in services.items():
            first = flows[0]
            name = service or "the whole council (council-wide notice)"
            purposes = sorted({p for f in flows for p in _split(f["purposes"])})
            bases = sorted({b for f in flows for b in _split(f["bases"])})
            onward = sorted({f["otherLabel"] or f["other"] for f in flows if f["how"] == "onward"})
            quotes = "<br>".join(quoted(f) for f in flows)
            lines.append(
                f"<li>{link(runtime, first['other'], name)} "
                f"<span class='muted'>({_plural(len(flows), 'statement')})</span>"
                + (f" — onward, from {escape(', '.join(onward))}" if onward else "")
                + (f" · <span class='bases'>{escape(' · '.join(bases))}</span>" if bases else "")
                + f"<br>{quotes}"
                + (
                    f"<div class='purposes'>Purposes: {escape(' · '.join(purposes))}</div>"
                    if purposes
                    else ""
                )
                + "</li>"
            )
        open_ = " open" if len(senders) <= 3 else ""
        groups.append(
            f"<details class='group'{open_}><summary>{escape(council)} "
            f"<span class='muted'>— {_plural(len(services), 'service area')}, {_plural(statements, 'statement')}</span>"
            f"</summary><ul class='lines'>{''.join(lines)}</ul></details>"
        )
    return "".join(groups)


def _recipients_html(runtime: Runtime, flows: list[dict[str, Any]]) -> str:
    if not flows:
        return "<p class='muted'>No notice states whom it shares with.</p>"
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in flows:
        by[f["other"]].append(f)
    lines = []
    for other, group in sorted(
        by.items(), key=lambda kv: (kv[1][0]["otherLabel"] or kv[0]).lower()
    ):
        first = group[0]
        stated = sorted(
            {
                f"{f['controllerLabel']}{' – ' + f['serviceLabel'] if f['serviceLabel'] else ''}"
                for f in group
            }
        )
        how = sorted({f["how"] for f in group})
        lines.append(
            f"<li>{link(runtime, other, first['otherLabel'] or _name(other))} "
            f"<span class='muted'>({escape(', '.join(how))}; stated by {escape('; '.join(stated))})</span>"
            f"<br>{quoted(first)}</li>"
        )
    return f"<ul class='lines'>{''.join(lines)}</ul>"


def _recipient_counts(flows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    counts: dict[str, int] = defaultdict(int)
    for f in flows:
        counts[f["otherLabel"] or _name(f["other"])] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


# ---------------------------------------------------------------------------- councils
def _category(row: dict[str, Any]) -> str:
    if row["categoryLabel"]:
        return str(row["categoryLabel"])
    if row["category"]:
        return _name(row["category"])
    return "Not matched to a category"


def _category_counts(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    recipients: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        recipients[_category(r)].add(r["recipient"])
    return sorted(((c, len(v)) for c, v in recipients.items()), key=lambda kv: (-kv[1], kv[0]))


def _services_section(runtime: Runtime, rows: list[dict[str, Any]]) -> str:
    services: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        name = r["serviceLabel"] or f"Whole council ({r['notice']})"
        services[(name, r["service"] or "")].append(r)
    parts = []
    for index, ((name, service), found) in enumerate(sorted(services.items())):
        cats: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        for r in found:
            cats[_category(r)][r["recipient"]].append(r)
        blocks = []
        for cat, recipients in sorted(cats.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            items = "".join(
                f"<li>{link(runtime, rec, group[0]['recipientLabel'] or _name(rec))}"
                + (
                    " <span class='muted'>(within the council)</span>"
                    if group[0]["how"] == "internal"
                    else ""
                )
                + f" — {quoted(group[0])}</li>"
                for rec, group in sorted(
                    recipients.items(), key=lambda kv: (kv[1][0]["recipientLabel"] or kv[0]).lower()
                )
            )
            blocks.append(
                f"<div class='cat'><h4>{escape(cat)} ({len(recipients)})</h4><ul>{items}</ul></div>"
            )
        total = len({r["recipient"] for r in found})
        title = link(runtime, service, name) if service else escape(name)
        parts.append(
            f"<details class='group'{' open' if index < 2 else ''}><summary>{title} "
            f"<span class='muted'>— {_plural(total, 'recipient')} in {_plural(len(cats), 'category')}"
            f"</span></summary><div class='cats'>{''.join(blocks)}</div></details>"
        )
    if not parts:
        return "<h2>Its services and whom they share with</h2><p class='muted'>None stated.</p>"
    return "<h2>Its services and whom they share with</h2>" + "".join(parts)


def _reports(runtime: Runtime, request: Request, iri: str) -> list[Any] | None:
    """The council's completeness reports (as `/check` computes them, once per snapshot), or
    None when they cannot be had within the page's time."""
    from flowgraph.serve.compliance import reports_of

    try:
        reports = anyio.from_thread.run(reports_of, request, runtime)
    except (HTTPException, FlowgraphError, RuntimeError):  # extra: the page stands without it
        return None
    return [r for r in reports if r.controller == iri]


def _completeness_section(iri: str, reports: list[Any] | None) -> str:
    href = "/check?" + "controller=" + quote_iri(iri)
    if not reports:
        return f"<p><strong>Completeness:</strong> <span class='muted'>not available; see <a href='{escape(href, quote=True)}'>the checks</a>.</span></p>"
    score = sum(r.score for r in reports) / len(reports)
    lowest = min(reports, key=lambda r: r.score)
    return (
        f"<p><strong>Completeness:</strong> <span class='score'>{score:.0%}</span> of the UK GDPR Art. 13/14 "
        f"requirements met, on average over {_plural(len(reports), 'notice section')} "
        f"(lowest: {escape(lowest.service or 'whole notice')}, {lowest.score:.0%}). "
        f"<a href='{escape(href, quote=True)}'>Each requirement, met or missing</a>.</p>"
    )


def _notices_section(
    runtime: Runtime, notices: list[dict[str, Any]], reports: list[Any] | None
) -> str:
    scores: dict[str, list[float]] = defaultdict(list)
    for r in reports or []:
        scores[r.notice].append(r.score)
    items = []
    for n in notices:
        file = str(n["file"])
        mean = scores.get(file)
        check = "/check?notice=" + quote_iri(file)
        items.append(
            f"<li>{link(runtime, n['notice'], str(n['title'] or file))} <span class='muted'>({escape(file)}; "
            f"{_plural(int(n['activities']), 'service area')}, {_plural(int(n['flows']), 'flow')})</span> · "
            f"<a href='{escape('/notice/' + quote_iri(file), quote=True)}'>read it</a> · "
            f"<a href='{escape(check, quote=True)}'>completeness"
            + (f" {sum(mean) / len(mean):.0%}" if mean else "")
            + "</a></li>"
        )
    return f"<p><strong>Its notices ({len(notices)}):</strong></p><ul class='lines'>{''.join(items)}</ul>"


# ---------------------------------------------------------------------------- the diagram
def _diagram(left: list[tuple[str, int]], me: str, right: list[tuple[str, int]]) -> str:
    """Senders -> this organisation -> its recipients, as a compact inline SVG (no script)."""
    if not left and not right:
        return ""
    cap = 8

    def trim(items: list[tuple[str, int]]) -> list[tuple[str, int]]:
        if len(items) <= cap:
            return items
        rest = items[cap - 1 :]
        return [*items[: cap - 1], (f"{len(rest)} more", sum(n for _, n in rest))]

    left, right = trim(left), trim(right)
    row, box, middle = 22, 210, 160
    width = (box + 70) * (2 if right else 1) + middle + (0 if left else -box - 70) + 2
    rows = max(len(left), len(right), 1)
    height = rows * row + 8
    mid_y = height / 2
    mid_x = (box + 70 if left else 0) + middle / 2
    top = max(n for _, n in left + right)
    parts = [
        f"<svg class='flows' role='img' aria-label='Who shares with {escape(me, quote=True)} and whom it shares with' "
        f"width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"
    ]

    def short(text: str, room: int = 34) -> str:
        return text if len(text) <= room else text[: room - 1] + "…"

    def column(items: list[tuple[str, int]], x: float, to_middle: bool) -> None:
        offset = (height - len(items) * row) / 2
        for i, (name, n) in enumerate(items):
            y = offset + i * row + row / 2
            stroke = 1 + 5 * math.log1p(n) / math.log1p(top)
            if to_middle:
                d = f"M{x + box},{y} C{x + box + 45},{y} {mid_x - middle / 2 - 25},{mid_y} {mid_x - middle / 2},{mid_y}"
            else:
                d = f"M{mid_x + middle / 2},{mid_y} C{mid_x + middle / 2 + 25},{mid_y} {x - 45},{y} {x},{y}"
            parts.append(f"<path d='{d}' stroke-width='{stroke:.1f}'/>")
            parts.append(
                f"<rect x='{x}' y='{y - 9}' width='{box}' height='18' rx='3'/>"
                f"<text x='{x + 5}' y='{y + 4}'><title>{escape(name)} ({n})</title>{escape(short(name, 27 - len(str(n))))} ({n})</text>"
            )

    column(left, 0, True)
    column(right, mid_x + middle / 2 + 70, False)
    parts.append(
        f"<rect class='me' x='{mid_x - middle / 2}' y='{mid_y - 14}' width='{middle}' height='28' rx='4'/>"
        f"<text class='me' x='{mid_x}' y='{mid_y + 4}' text-anchor='middle'><title>{escape(me)}</title>"
        f"{escape(short(me, 18))}</text></svg>"
    )
    return "".join(parts)


# ---------------------------------------------------------------------------- notices
def _notice_section(runtime: Runtime, iri: str, outgoing: list[dict[str, Any]]) -> str:
    extracted = _rows(runtime, "notice-flows", notice=iri)
    files = [str(r["o"]) for r in outgoing if r["p"].endswith("#file")]
    file = files[0] if files else ""
    rows = "".join(
        f"<tr><td>{escape(r['activityLabel'])}</td><td>{escape(r['recipientText'])}</td>"
        f"<td>{link(runtime, r['recipient'], r['recipientLabel'])}</td><td>{escape(r['role'])}</td>"
        f"<td>{quoted({**r, 'notice': file})}<br><span class='muted'>line {r['line']}</span></td></tr>"
        for r in extracted
    )
    body = ""
    if file:
        check = "/check?notice=" + quote_iri(file)
        body += (
            f"<p><a href='{escape('/notice/' + quote_iri(file), quote=True)}'>Read the notice</a> · "
            f"<a href='{escape(check, quote=True)}'>Completeness of this notice (UK GDPR Art. 13/14)</a></p>"
        )
    return (
        body
        + (
            f"<h2>Flows extracted ({len(extracted)})</h2><table><tr><th>Activity</th><th>As written</th>"
            f"<th>Resolved to</th><th>Role</th><th>Evidence</th></tr>{rows}</table>"
        )
        + _changes_section(runtime, notice_iri=iri, what=file or "this notice")
    )


def _changes_section(
    runtime: Runtime, *, what: str, controller_iri: str | None = None, notice_iri: str | None = None
) -> str:
    """The latest changes of this council or notice (serve/changes.py has them all); the page
    stands without them if the log cannot be read."""
    from flowgraph.serve import change_log, changes_page

    try:
        entries = change_log.for_entity(runtime, controller_iri, notice_iri)
    except (OSError, FlowgraphError, ValueError):
        return ""
    council = what if controller_iri else (entries[0]["controller"] if entries else None)
    more = "/changes" + (f"?controller={quote_iri(council)}" if council and entries else "")
    return changes_page.entity_section(entries, more, what)


def _notice_sources(runtime: Runtime) -> dict[str, dict[str, Any]]:
    """file name -> its build record (path, sha256), from the snapshot's build.json."""

    def read() -> dict[str, dict[str, Any]]:
        records: dict[str, dict[str, Any]] = {}
        if runtime.snapshot is not None and (runtime.snapshot / "build.json").exists():
            data = json.loads((runtime.snapshot / "build.json").read_text(encoding="utf-8"))
            records = {r["file"]: r for r in data.get("notices_list", [])}
        return records

    return runtime.once("notice sources", read)


def notice_text(runtime: Runtime, file: str) -> tuple[str, str]:
    """The text of a notice file as the build read it (decoded, or extracted from a PDF or
    .docx: offsets count into it), and its notice IRI; NotFound when the graph holds no such
    notice or the file changed since."""
    from flowgraph.ingest.documents import document_kind
    from flowgraph.ingest.reader import notice_text as read_text

    found = _rows(runtime, "notice-by-file", file=file)
    if not found:
        raise NotFound(f"no notice file {file!r} in this graph")
    notice, sha = found[0]["notice"], found[0]["sha256"]
    record = _notice_sources(runtime).get(file, {})
    candidates = [Path(record["path"])] if record.get("path") else []
    candidates.append(runtime.settings.notices_dir / file)
    for candidate in candidates:
        try:
            data = candidate.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == sha:
            if document_kind(data) is None:
                return read_text(data, candidate)[0], notice
            # a PDF or .docx: its text re-extracted by the build's own code, once per version
            # (the offsets count into that text, as kept in its FILE.md, not the file's bytes)
            return runtime.once(f"notice text {sha}", partial(read_text, data, candidate))[
                0
            ], notice
    raise NotFound(
        f"the text of {file!r} is not where it was built from, or has changed since the build"
    )


@router.get(
    "/notice/{file}",
    response_class=HTMLResponse,
    summary="A notice's text, a quoted span highlighted",
)
async def notice_page(
    request: Request,
    runtime: RuntimeDep,
    file: str,
    start: Annotated[int | None, Query(ge=0)] = None,
    end: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    key = ("notice text", file, str(start), str(end))
    cached = runtime.pages.get(key)
    if cached is None:
        response = await page_work(runtime.lanes, _notice_text_page, runtime, file, start, end)
        cached = (bytes(response.body), response.media_type or "", response.status_code)
        runtime.pages.put(key, *cached)
    body, media_type, status = cached
    return Response(body, status_code=status, media_type=media_type)


def _dim_tags(text: str) -> str:
    """The text escaped, its markup (where a notice is HTML) greyed so the words stand out;
    every character is kept, so offsets still count into what is shown."""
    out, at = [], 0
    for m in _TAG.finditer(text):
        out.append(escape(text[at : m.start()]))
        out.append(f"<span class='tag'>{escape(m.group())}</span>")
        at = m.end()
    out.append(escape(text[at:]))
    return "".join(out)


def _notice_text_page(
    runtime: Runtime, file: str, start: int | None, end: int | None
) -> HTMLResponse:
    text, notice = notice_text(runtime, file)
    head = f"<h1>{escape(file)}</h1><p class='muted'>{link(runtime, notice, 'What was extracted from it')}"
    if start is None or end is None or not start < end <= len(text):
        body = STYLE + head + "</p>" + f"<pre class='notice'>{_dim_tags(text)}</pre>"
        return layout(file, body)
    line = text.count("\n", 0, start) + 1
    head += (
        f" · the quoted span: characters {start}–{end}, line {line} (<a href='#q'>go to it</a>)</p>"
    )
    body = (
        STYLE
        + head
        + f"<pre class='notice'>{_dim_tags(text[:start])}<mark id='q'>{_dim_tags(text[start:end])}</mark>"
        + f"{_dim_tags(text[end:])}</pre>"
    )
    return layout(file, body)
