"""`flowgraph dpia`: the ICO DPIA template's "describe the processing" step, pre-filled from the
notices, every statement footnoted with its quote and notice, plus what the notices do not say."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from typing import Any

import networkx as nx

from flowgraph.query.library import LibraryQuery, run
from flowgraph.store.base import GraphStore
from flowgraph.trace.chains import Hop, trace

SECTIONS = [
    (
        "subject",
        "Whose data it is",
        "Context: relationship with the individuals; whether children or vulnerable groups are involved",
    ),
    ("source", "Where the data comes from", "Nature: the source of the data"),
    ("recipient", "Who it is shared with", "Nature: whether data will be shared, and with whom"),
    (
        "onward",
        "What recipients do next (onward sharing)",
        "Nature: onward sharing stated in the notices",
    ),
    (
        "data",
        "Categories of personal data",
        "Scope: nature of the data, special category and criminal offence data",
    ),
    ("retention", "How long it is kept", "Scope: retention period"),
    (
        "transfer",
        "Transfers outside the UK",
        "Scope: geographical area; Necessity: safeguards for international transfers",
    ),
    ("denial", "What the notices say does not happen", "Context"),
    ("automated decision", "Automated decisions", "Context: automated decision-making"),
    ("purpose", "Purposes", "Purposes"),
    ("basis", "Lawful basis", "Necessity and proportionality: lawful basis"),
    ("law", "Laws relied on", "Necessity and proportionality: lawful basis (statutory gateways)"),
]
GAPS = {
    "source": "no source of the data is stated (Art. 14 requires it when data is not collected from the person)",
    "retention": "no retention period or criteria is stated",
    "transfer": "nothing is said about transfers outside the UK (neither a transfer nor a denial)",
    "automated decision": "nothing is said about automated decision-making",
    "basis": "no lawful basis is stated",
    "data": "no categories of personal data are stated",
    "subject": "no categories of individuals (data subjects) are stated",
    "purpose": "no purposes are stated",
    "recipient": "no recipients are stated",
}


@dataclass
class Statement:
    kind: str
    text: str
    detail: str | None
    flag: str | None
    service: str | None
    footnote: int


@dataclass
class Report:
    controller: str
    service: str | None
    statements: dict[str, list[Statement]] = field(default_factory=lambda: defaultdict(list))
    footnotes: list[dict[str, Any]] = field(default_factory=list)
    chains: list[list[Hop]] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


FLAGGED = ("data", "transfer", "subject")  # sections whose flags are warnings
DPIA_HOPS = 4  # how far the report's sharing chains go


def build_report(
    store: GraphStore,
    library: dict[str, LibraryQuery],
    network: nx.MultiDiGraph,
    controller: str,
    service: str | None,
) -> Report:
    label = network.nodes[controller]["label"] if controller in network else controller
    report = Report(label, service)
    rows = run(store, library["dpia-facts"], {"controller": controller})[1]
    if service and not any((r["serviceLabel"] or "").lower() == service.lower() for r in rows):
        from flowgraph.query.names import unknown_service

        raise unknown_service(
            label, service, [r["serviceLabel"] for r in rows if r["serviceLabel"]]
        )
    footnote_of: dict[tuple[str, int, int], int] = {}
    seen: set[tuple[str, str, str | None]] = set()
    for r in rows:
        if service and r["serviceLabel"] and r["serviceLabel"].lower() != service.lower():
            continue
        key = (r["notice"], r["start"], r["end"])
        if key not in footnote_of:
            report.footnotes.append(
                {"quote": r["quote"], "notice": r["notice"], "start": r["start"], "end": r["end"]}
            )
            footnote_of[key] = len(report.footnotes)
        if (r["kind"], r["text"], r["detail"]) in seen:
            if r["kind"] == "data" and r["flag"]:  # one statement may be several categories
                for earlier in report.statements["data"]:
                    if earlier.text == r["text"] and r["flag"] not in (earlier.flag or ""):
                        earlier.flag = ", ".join(filter(None, [earlier.flag, r["flag"]]))
            continue
        seen.add((r["kind"], r["text"], r["detail"]))
        scope = r["serviceLabel"] or "council-wide notice"
        report.statements[r["kind"]].append(
            Statement(r["kind"], r["text"], r["detail"], r["flag"] or None, scope, footnote_of[key])
        )
    if controller in network:
        report.chains = trace(network, controller, service=service, max_hops=DPIA_HOPS)
    for kind, gap in GAPS.items():
        if (
            not report.statements.get(kind)
            and not (kind == "transfer" and _denies(report, "Transfers abroad"))
            and not (kind == "automated decision" and _denies(report, "Automated decision-making"))
        ):
            report.gaps.append(gap)
    if report.statements.get("retention") and not any(
        s.detail for s in report.statements["retention"]
    ):
        report.gaps.append("retention is described only by criteria; no period is stated")
    return report


def _denies(report: Report, topic: str) -> bool:
    return any(s.detail == topic for s in report.statements.get("denial", []))


DENIAL_FOR = {"transfer": ("Transfers abroad", "No transfers outside the UK"),
              "automated decision": ("Automated decision-making", "No automated decision-making")}  # fmt: skip


def section_items(report: Report, kind: str) -> list[Statement]:
    """A section's statements; where the notices deny the thing, the denial stands in for it."""
    items = list(report.statements.get(kind, []))
    if not items and kind in DENIAL_FOR:
        topic, said = DENIAL_FOR[kind]
        items = [
            Statement(kind, f"{said}: “{d.text}”", None, None, d.service, d.footnote)
            for d in report.statements.get("denial", [])
            if d.detail == topic
        ]
    return items


def _line(s: Statement) -> str:
    extra = (
        f" — {s.detail}"
        if s.detail
        and s.kind in ("recipient", "basis", "law", "source", "retention", "denial", "subject")
        else ""
    )
    if s.kind == "onward" and s.flag:
        return f"{s.flag} → {s.detail} (“{s.text}”)"
    if s.kind in ("recipient", "basis") and s.detail:  # a basis: "Public task — Art. 6(1)(e)"
        return f"{s.detail} (as written: “{s.text}”)"
    return f"{s.text}{extra}"


# ---------------------------------------------------------------------------- chain diagram
def chain_svg(chains: list[list[Hop]]) -> str:
    """The chains as an inline SVG, sources on the left (no script, no external resources)."""
    layer: dict[str, int] = {}
    labels: dict[str, str] = {}
    edges: dict[tuple[str, str], str] = {}
    for chain in chains:
        if not chain:
            continue
        layer.setdefault(chain[0].from_iri, 0)
        labels[chain[0].from_iri] = chain[0].from_label
        for depth, hop in enumerate(chain, 1):
            layer[hop.to_iri] = min(layer.get(hop.to_iri, depth), depth)
            labels[hop.to_iri] = hop.to_label
            edges[(hop.from_iri, hop.to_iri)] = hop.how
    columns: dict[int, list[str]] = defaultdict(list)
    for node, depth in sorted(layer.items(), key=lambda item: (item[1], labels[item[0]])):
        columns[depth].append(node)
    width, row = 250, 26
    pos = {
        node: (20 + depth * width, 20 + index * row)
        for depth, nodes in columns.items()
        for index, node in enumerate(nodes)
    }
    height = 40 + row * max((len(v) for v in columns.values()), default=1)
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{40 + width * (max(columns, default=0) + 1)}' height='{height}' font-family='sans-serif' font-size='11'>",
             "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='6' markerHeight='6' orient='auto'><path d='M0,0L10,5L0,10z' fill='#6b7a90'/></marker></defs>"]  # fmt: skip
    for (a, b), how in sorted(edges.items()):
        if a in pos and b in pos:
            (x1, y1), (x2, y2) = pos[a], pos[b]
            dash = (
                " stroke-dasharray='4 3' stroke='#c0504d'"
                if how == "onward"
                else " stroke='#9aa8bd'"
            )
            parts.append(
                f"<line x1='{x1 + 200}' y1='{y1 + 8}' x2='{x2}' y2='{y2 + 8}'{dash} marker-end='url(#arrow)'/>"
            )
    for node, (x, y) in pos.items():
        parts.append(
            f"<rect x='{x}' y='{y}' width='200' height='17' rx='3' fill='#eef1f5' stroke='#9aa8bd'/>"
        )
        parts.append(f"<text x='{x + 4}' y='{y + 12}'>{escape(labels[node][:38])}</text>")
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------------------- renderers
def render_markdown(report: Report) -> str:
    title = f"DPIA pre-fill: {report.controller}" + (
        f" – {report.service}" if report.service else ""
    )
    out = [f"# {title}", "", "Step 2 of the ICO DPIA template (describe the processing), filled from the published privacy notices. "
           "Every statement cites the notice text it comes from; check each against current practice.", ""]  # fmt: skip
    for kind, heading, ico in SECTIONS:
        out += [f"## {heading}", f"*{ico}*", ""]
        items = section_items(report, kind)
        out += [
            f"- {_line(s)} [{s.footnote}]"
            + (f" **⚠ {s.flag}**" if s.flag and kind in FLAGGED else "")
            + f" _({s.service})_"
            for s in items
        ] or ["- (not stated)"]
        out.append("")
    out += ["## Sharing chains", ""]
    for number, chain in enumerate(report.chains, 1):
        out.append(
            f"{number}. "
            + " → ".join(
                [chain[0].from_label + (f" ({chain[0].service})" if chain[0].service else "")]
                + [f"{h.to_label} *({h.how})*" for h in chain]
            )
        )
    out += (
        ["", "## What the notices do not say", ""]
        + [f"- {gap}" for gap in report.gaps]
        + ["", "## Sources", ""]
    )
    out += [
        f"[{i}] “{' '.join(f['quote'].split())}” — {f['notice']}, characters {f['start']}–{f['end']}"
        for i, f in enumerate(report.footnotes, 1)
    ]
    return "\n".join(out) + "\n"


def render_html(report: Report) -> str:
    title = f"DPIA pre-fill: {report.controller}" + (
        f" – {report.service}" if report.service else ""
    )
    body = [f"<h1>{escape(title)}</h1><p>Step 2 of the ICO DPIA template (describe the processing), filled from the published privacy notices. "
            "Every statement cites the notice text it comes from; check each against current practice.</p>"]  # fmt: skip
    for kind, heading, ico in SECTIONS:
        items = section_items(report, kind)
        rows = (
            "".join(
                f"<li>{escape(_line(s))} <sup><a href='#fn{s.footnote}'>[{s.footnote}]</a></sup>"
                + (
                    f" <strong class='flag'>⚠ {escape(s.flag)}</strong>"
                    if s.flag and kind in FLAGGED
                    else ""
                )
                + f" <span class='scope'>({escape(s.service or '')})</span></li>"
                for s in items
            )
            or "<li class='scope'>(not stated)</li>"
        )
        body.append(
            f"<section><h2>{escape(heading)}</h2><p class='scope'>{escape(ico)}</p><ul>{rows}</ul></section>"
        )
    body.append(
        f"<section><h2>Sharing chains</h2><div class='diagram'>{chain_svg(report.chains)}</div><ol>"
    )
    for chain in report.chains:
        start = chain[0].from_label + (f" ({chain[0].service})" if chain[0].service else "")
        body.append(
            "<li>"
            + escape(" → ".join([start] + [f"{h.to_label} [{h.how}]" for h in chain]))
            + "</li>"
        )
    body.append("</ol></section><section><h2>What the notices do not say</h2><ul>")
    body += [f"<li>{escape(gap)}</li>" for gap in report.gaps] or [
        "<li>(nothing missing from the checked items)</li>"
    ]
    body.append("</ul></section><section><h2>Sources</h2><ol>")
    body += [
        f"<li id='fn{i}'><q>{escape(' '.join(f['quote'].split()))}</q> — {escape(f['notice'])}, characters {f['start']}–{f['end']}</li>"
        for i, f in enumerate(report.footnotes, 1)
    ]
    body.append("</ol></section>")
    style = ("body{font-family:Georgia,serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1d2330}"
             "h2{border-bottom:1px solid #ccd;margin-top:1.6rem}.scope{color:#5b6578;font-size:.9em}.flag{color:#a33}"
             ".diagram{overflow-x:auto}@media print{.diagram{overflow:visible}section{break-inside:avoid-page}a{color:inherit}}")  # fmt: skip
    return f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title><style>{style}</style></head><body>{''.join(body)}</body></html>\n"
