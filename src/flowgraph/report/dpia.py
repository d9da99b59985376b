"""`flowgraph dpia`: the ICO DPIA template's "describe the processing" step, pre-filled from the
notices, as a document (HTML with a print stylesheet, Markdown or PDF): a summary table at the top,
recipients grouped by category, one footnote per distinct quote numbered from 1 in the order the
document cites them, lawful bases in words, and what the notices do not say."""

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
GAPS = {  # section: (a few words for the summary, the gap in full)
    "source": (
        "source of the data",
        "no source of the data is stated (Art. 14 requires it when data is not collected from the person)",
    ),
    "retention": ("retention", "no retention period or criteria is stated"),
    "transfer": (
        "transfers abroad",
        "nothing is said about transfers outside the UK (neither a transfer nor a denial)",
    ),
    "automated decision": (
        "automated decisions",
        "nothing is said about automated decision-making",
    ),
    "basis": ("lawful basis", "no lawful basis is stated"),
    "data": ("data categories", "no categories of personal data are stated"),
    "subject": ("data subjects", "no categories of individuals (data subjects) are stated"),
    "purpose": ("purposes", "no purposes are stated"),
    "recipient": ("recipients", "no recipients are stated"),
}
CRITERIA_ONLY = (
    "a retention period (criteria only)",
    "retention is described only by criteria; no period is stated",
)
ANCHOR = {kind: "s-" + kind.replace(" ", "-") for kind, _, _ in SECTIONS}
WITHIN = "Within the council"
UNIDENTIFIED = "Named in the notice, not identified"
NO_CATEGORY = "Other named organisations"
COUNCIL_WIDE = "council-wide notice"


@dataclass
class Statement:
    """One thing the notices state, once however often they state it: a recipient with all its
    wordings, service areas and quotes; a lawful basis with every way it is written."""

    kind: str
    text: str
    detail: str | None
    flag: str | None
    service: str | None
    footnote: int = 0  # its first footnote
    footnotes: list[int] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # the wordings in the notices
    quotes: list[str] = field(default_factory=list)  # keys of Report.quotes, in order
    group: str | None = None  # a recipient's heading: its category
    recipient_kind: str = "organisation"  # organisation, category, internal or unresolved
    target: str | None = None  # a recipient's IRI


@dataclass
class Report:
    controller: str
    service: str | None
    statements: dict[str, list[Statement]] = field(default_factory=lambda: defaultdict(list))
    footnotes: list[dict[str, Any]] = field(default_factory=list)  # number - 1 -> the quote
    chains: list[list[Hop]] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    gap_names: list[str] = field(default_factory=list)  # the same, in a few words
    quotes: dict[str, dict[str, Any]] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)  # quote key -> footnote number

    def refs(self, statement: Statement) -> list[int]:
        return sorted({self.numbers[key] for key in statement.quotes if key in self.numbers})

    def hop_ref(self, hop: Hop) -> int | None:
        return self.numbers.get(_quote_key(hop.quote))

    def recipient_groups(self) -> list[tuple[str, list[Statement]]]:
        """Recipients under their category headings: categories A-Z, then organisations with no
        category, those not identified and the council's own departments; each A-Z."""
        groups: dict[str, list[Statement]] = defaultdict(list)
        for s in self.statements.get("recipient", []):
            groups[s.group or NO_CATEGORY].append(s)
        last = {NO_CATEGORY: 1, UNIDENTIFIED: 2, WITHIN: 3}
        return [
            (
                heading,
                sorted(
                    items,
                    key=lambda s: (s.recipient_kind != "category", (s.detail or s.text).lower()),
                ),
            )
            for heading, items in sorted(
                groups.items(), key=lambda g: (last.get(g[0], 0), g[0].lower())
            )
        ]


FLAGGED = ("data", "transfer", "subject")  # sections whose flags are warnings
DPIA_HOPS = 4  # how far the report's sharing chains go


def _quote_key(quote: str) -> str:
    return " ".join(quote.split())


def _merge_key(r: dict[str, Any]) -> tuple:
    kind = r["kind"]
    if kind == "recipient":
        return (kind, r["target"] or r["detail"])
    if kind == "onward":
        return (kind, r["flag"], r["target"] or r["detail"])
    if kind in ("basis", "law", "source", "subject"):
        return (kind, r["detail"])
    if kind in ("denial", "retention"):
        return (kind, r["text"], r["detail"])
    return (kind, r["text"])


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
    from flowgraph.trace.network import category_members
    from flowgraph.visualise.sankey import category_of

    most_specific = category_of(category_members(store, library))
    groups: dict[str, dict[str, str]] = defaultdict(dict)  # target -> its categories' labels
    merged: dict[tuple, Statement] = {}
    for r in rows:
        if service and r["serviceLabel"] and r["serviceLabel"].lower() != service.lower():
            continue
        if r["group"] and r["groupLabel"]:
            groups[r["target"]][r["group"]] = r["groupLabel"]
        key = _quote_key(r["quote"])
        entry = report.quotes.setdefault(key, {"quote": r["quote"], "locations": []})
        if (r["notice"], r["start"], r["end"]) not in entry["locations"]:
            entry["locations"].append((r["notice"], r["start"], r["end"]))
        scope = r["serviceLabel"] or COUNCIL_WIDE
        statement = merged.get(_merge_key(r))
        if statement is None:
            statement = merged[_merge_key(r)] = Statement(
                r["kind"], r["text"], r["detail"], r["flag"] or None, scope
            )
            if r["kind"] == "recipient":
                statement.target = r["target"]
                statement.recipient_kind = (
                    network.nodes[r["target"]].get("kind", "organisation")
                    if r["target"] in network
                    else "organisation"
                )
                if statement.recipient_kind not in ("category", "internal", "unresolved"):
                    statement.recipient_kind = "organisation"
            report.statements[r["kind"]].append(statement)
        elif r["kind"] == "data" and r["flag"] and r["flag"] not in (statement.flag or ""):
            statement.flag = ", ".join(filter(None, [statement.flag, r["flag"]]))
        if scope not in statement.services:
            statement.services.append(scope)
        if r["text"] and r["text"].lower() not in (w.lower() for w in statement.written):
            statement.written.append(r["text"])
        if key not in statement.quotes:
            statement.quotes.append(key)
    for s in report.statements.get("recipient", []):
        s.group = _recipient_group(s, groups.get(s.target or "", {}), most_specific)
    if controller in network:
        report.chains = trace(network, controller, service=service, max_hops=DPIA_HOPS)
    for kind, (short, gap) in GAPS.items():
        if (
            not report.statements.get(kind)
            and not (kind == "transfer" and _denies(report, "Transfers abroad"))
            and not (kind == "automated decision" and _denies(report, "Automated decision-making"))
        ):
            report.gaps.append(gap)
            report.gap_names.append(short)
    if report.statements.get("retention") and not any(
        s.detail for s in report.statements["retention"]
    ):
        report.gap_names.append(CRITERIA_ONLY[0])
        report.gaps.append(CRITERIA_ONLY[1])
    _number(report)
    return report


def _recipient_group(
    s: Statement, categories: dict[str, str], most_specific: dict[str, str]
) -> str:
    """A category is its own heading; an organisation goes under its most specific category
    (the one the flow map's Sankey uses)."""
    if s.recipient_kind == "category":
        return s.detail or s.text
    if s.recipient_kind == "internal":
        return WITHIN
    if s.recipient_kind == "unresolved":
        return UNIDENTIFIED
    if not categories:
        return NO_CATEGORY
    chosen = most_specific.get(s.target or "")
    return categories[chosen] if chosen in categories else min(categories.values())


def _number(report: Report) -> None:
    """Footnotes numbered from 1 in the order the document cites them: the sections top to
    bottom (recipients in their groups), then the sharing chains. One footnote per distinct quote."""

    def cite(keys: list[str]) -> None:
        for key in keys:
            report.numbers.setdefault(key, len(report.numbers) + 1)

    for kind, _, _ in SECTIONS:
        if kind == "recipient":
            for _, items in report.recipient_groups():
                for s in items:
                    cite(s.quotes)
        else:
            for s in section_items(report, kind):
                cite(s.quotes)
    for chain in report.chains:
        for hop in chain:
            key = _quote_key(hop.quote)
            entry = report.quotes.setdefault(key, {"quote": hop.quote, "locations": []})
            if (hop.notice, hop.start, hop.end) not in entry["locations"]:
                entry["locations"].append((hop.notice, hop.start, hop.end))
            cite([key])
    for key in sorted(report.numbers, key=report.numbers.__getitem__):
        entry = report.quotes[key]
        notice, start, end = entry["locations"][0]
        report.footnotes.append(
            {
                "quote": entry["quote"],
                "notice": notice,
                "start": start,
                "end": end,
                "locations": entry["locations"],
            }
        )
    for statements in report.statements.values():
        for s in statements:
            s.footnotes = report.refs(s)
            s.footnote = s.footnotes[0] if s.footnotes else 0


def _denies(report: Report, topic: str) -> bool:
    return any(s.detail == topic for s in report.statements.get("denial", []))


DENIAL_FOR = {"transfer": ("Transfers abroad", "No transfers outside the UK"),
              "automated decision": ("Automated decision-making", "No automated decision-making")}  # fmt: skip


def section_items(report: Report, kind: str) -> list[Statement]:
    """A section's statements; where the notices deny the thing, the denial stands in for it."""
    if kind == "recipient":
        return [s for _, items in report.recipient_groups() for s in items]
    items = list(report.statements.get(kind, []))
    if not items and kind in DENIAL_FOR:
        topic, said = DENIAL_FOR[kind]
        items = [
            Statement(
                kind,
                f"{said}: “{d.text}”",
                None,
                None,
                d.service,
                d.footnote,
                d.footnotes,
                d.services,
                [],
                d.quotes,
            )
            for d in report.statements.get("denial", [])
            if d.detail == topic
        ]
    return items


def _as_written(s: Statement, label: str) -> str:
    """The notices' own wordings, where they differ from the label."""
    others = [w for w in s.written if " ".join(w.split()).lower() != label.lower()]
    return "as written: " + ", ".join(f"“{' '.join(w.split())}”" for w in others) if others else ""


def _line(s: Statement) -> str:
    """A statement in words (a lawful basis as 'Public task — Art. 6(1)(e)', never its code)."""
    if s.kind in ("recipient", "basis", "source", "subject") and s.detail:
        written = _as_written(s, s.detail.split(" — ")[0])  # a basis: "Consent — Art. 6(1)(a)"
        return s.detail + (f" ({written})" if written else "")
    if s.kind == "onward" and s.flag:
        written = _as_written(s, s.detail or "")
        return f"{s.flag} → {s.detail}" + (f" ({written})" if written else "")
    if s.kind == "law" and s.detail:
        return s.detail
    if s.kind == "denial" and s.detail:
        return f"{s.detail}: “{s.text}”"
    if s.kind == "retention" and s.detail:
        return f"{s.text} — {s.detail}"
    return s.text


def _scope(s: Statement) -> str:
    return "; ".join(s.services or [s.service or COUNCIL_WIDE])


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _some(names: list[str], limit: int) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def summary(report: Report) -> list[tuple[str, str, str, str | None]]:
    """The table at the top: (row, what the notices say in a few words, section id, warning)."""
    rows: list[tuple[str, str, str, str | None]] = []
    subjects = report.statements.get("subject", [])
    vulnerable = [s.detail or s.text for s in subjects if s.flag]
    rows.append((
        "Whose data",
        _some([s.detail or s.text for s in subjects], 5) or "Not stated",
        ANCHOR["subject"],
        "children or a vulnerable group" if vulnerable else None,
    ))  # fmt: skip
    recipients = section_items(report, "recipient")
    named = [s.detail or s.text for s in recipients if s.recipient_kind == "organisation"]
    groups = len(report.recipient_groups())
    text = (
        f"{_count(len(recipients), 'recipient')} in {_count(groups, 'group')}; "
        f"{_count(len(named), 'named organisation')}" + (f": {_some(named, 6)}" if named else "")
        if recipients
        else "Not stated"
    )
    rows.append(("Recipients", text, ANCHOR["recipient"], None))
    sensitive = [s for s in report.statements.get("data", []) if s.flag]
    special = sorted({f.strip() for s in sensitive for f in (s.flag or "").split(",")})
    rows.append((
        "Special category / criminal offence data",
        f"Yes ({len(sensitive)}): {_some([_short(s.text, 40) for s in sensitive], 4)}" if sensitive else "None stated",
        ANCHOR["data"],
        ", ".join(special) if special else None,
    ))  # fmt: skip
    transfers = report.statements.get("transfer", [])
    invalid = sorted({s.flag for s in transfers if s.flag})
    if transfers:
        text = f"Yes ({len(transfers)}): {_short(transfers[0].text, 70)}"
    elif _denies(report, "Transfers abroad"):
        text = "None: the notices say data is not sent outside the UK"
    else:
        text = "Not stated"
    rows.append(("Transfers outside the UK", text, ANCHOR["transfer"], "; ".join(invalid) or None))
    retention = report.statements.get("retention", [])
    periods = list(dict.fromkeys(s.detail for s in retention if s.detail))
    if periods:
        text = _some(periods, 5) + (" (and criteria)" if len(periods) < len(retention) else "")
    else:
        text = "Criteria only, no period" if retention else "Not stated"
    rows.append(("Retention", text, ANCHOR["retention"], None))
    automated = report.statements.get("automated decision", [])
    if automated:
        text = f"Yes ({len(automated)}): {_short(automated[0].text, 70)}"
    elif _denies(report, "Automated decision-making"):
        text = "None: the notices say there is none"
    else:
        text = "Not stated"
    rows.append(("Automated decisions", text, ANCHOR["automated decision"], None))
    bases = [s.detail or s.text for s in report.statements.get("basis", [])]
    rows.append(("Lawful bases", "; ".join(bases) or "Not stated", ANCHOR["basis"], None))
    rows.append((
        "Gaps (what the notices do not say)",
        f"{len(report.gap_names)}: {', '.join(report.gap_names)}" if report.gap_names else "None of the checked items",
        "gaps",
        None,
    ))  # fmt: skip
    return rows


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
    full = 40 + width * (max(columns, default=0) + 1)
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{full}' height='{height}' viewBox='0 0 {full} {height}' font-family='sans-serif' font-size='11'>",
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
INTRO = (
    "Step 2 of the ICO DPIA template (describe the processing), filled from the published privacy "
    "notices. Every statement cites the notice text it comes from; check each against current practice."
)


def _title(report: Report) -> str:
    return f"DPIA pre-fill: {report.controller}" + (
        f" – {report.service}" if report.service else ""
    )


def _chain_parts(report: Report, chain: list[Hop]) -> tuple[str, list[tuple[str, str, int | None]]]:
    start = chain[0].from_label + (f" ({chain[0].service})" if chain[0].service else "")
    return start, [(h.to_label, h.how, report.hop_ref(h)) for h in chain]


def _locations(note: dict[str, Any]) -> str:
    return "; ".join(
        f"{notice}, characters {start}–{end}" for notice, start, end in note["locations"]
    )


def render_markdown(report: Report) -> str:
    def refs(s: Statement) -> str:
        return " ".join(f"[{n}]" for n in report.refs(s))

    def item(s: Statement, kind: str) -> str:
        flag = f" **⚠ {s.flag}**" if s.flag and kind in FLAGGED else ""
        if kind == "recipient":
            written = _as_written(s, s.detail or "")
            category = " (category)" if s.recipient_kind == "category" else ""
            return (f"- **{s.detail}**{category} {refs(s)} — {_scope(s)}"
                    + (f"; {written}" if written else ""))  # fmt: skip
        return f"- {_line(s)} {refs(s)}{flag} _({_scope(s)})_"

    out = [f"# {_title(report)}", "", INTRO, "", "| | |", "|---|---|"]
    for row, text, anchor, warning in summary(report):
        out.append(
            f"| **{row}** | {text}"
            + (f" **⚠ {warning}**" if warning else "")
            + f" ([↓](#{anchor})) |"
        )
    out.append("")
    for kind, heading, ico in SECTIONS:
        out += [f"## {heading}", f"*{ico}*", ""]
        if kind == "recipient" and report.statements.get("recipient"):
            for group, items in report.recipient_groups():
                out += [f"### {group}", ""]
                out += [item(s, kind) for s in items]
                out.append("")
            continue
        out += [item(s, kind) for s in section_items(report, kind)] or ["- (not stated)"]
        out.append("")
    out += ["## Sharing chains", ""]
    for number, chain in enumerate(report.chains, 1):
        start, hops = _chain_parts(report, chain)
        out.append(
            f"{number}. "
            + " → ".join(
                [start]
                + [f"{label} *({how})*" + (f" [{ref}]" if ref else "") for label, how, ref in hops]
            )
        )
    out += ["", "## What the notices do not say", ""]
    out += [f"- {gap}" for gap in report.gaps] or ["- (nothing missing from the checked items)"]
    out += ["", "## Sources", ""]
    out += [
        f"[{i}] “{_quote_key(f['quote'])}” — {_locations(f)}  "
        for i, f in enumerate(report.footnotes, 1)
    ]
    return "\n".join(out) + "\n"


STYLE = """
body{font-family:"Helvetica Neue",Helvetica,Arial,"Liberation Sans","DejaVu Sans",sans-serif;font-size:16px;
 line-height:1.5;max-width:48rem;margin:1.5rem auto;padding:0 1rem;color:#1d2330;background:#fff}
h1{font-size:1.55rem;line-height:1.25;margin:0 0 .4rem}
h2{font-size:1.2rem;border-bottom:1px solid #ccd3de;padding-bottom:.15rem;margin:1.8rem 0 .3rem}
h3{font-size:1rem;margin:1.1rem 0 .2rem;color:#2c3a52}
p.lead{margin:.2rem 0 .5rem;color:#3b4558}
nav{font-size:.85rem;margin:.3rem 0 .8rem;color:#5b6578}
nav a{margin-right:.6rem}
a{color:#1f5fa8}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #c4ccd8;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#eef1f5;width:14rem;font-weight:600}
td a.go{float:right;margin-left:.5rem;font-size:.85em;text-decoration:none}
ul{padding-left:1.3rem}
li{margin:.15rem 0}
.scope{color:#5b6578;font-size:.88em}
.ico{color:#5b6578;font-size:.88em;font-style:italic;margin:0 0 .4rem}
.flag{color:#a3302b;font-weight:600}
.kind{color:#5b6578;font-size:.85em}
sup.fn{font-size:.72em;line-height:0}
sup.fn a{text-decoration:none;margin-right:.12em}
.diagram{overflow-x:auto;margin:.5rem 0}
.chains{font-size:.9rem}
.footnotes ol{font-size:.82rem;color:#333;padding-left:2.2rem}
.footnotes li{margin:.25rem 0}
.where{color:#5b6578}
@media print{
 @page{size:A4;margin:18mm 16mm 20mm;@bottom-right{content:"Page " counter(page) " of " counter(pages);font-size:8pt;color:#666}}
 body{max-width:none;margin:0;padding:0;font-size:10pt;line-height:1.4}
 nav,a.go{display:none}
 a{color:inherit;text-decoration:none}
 a[href]:not([href^="#"])::after{content:" (" attr(href) ")";font-size:.85em}
 h2,h3{break-after:avoid}
 tr,li{break-inside:avoid}
 table{page-break-inside:auto}
 .diagram{overflow:visible}
 .diagram svg{max-width:100%;height:auto}
 .footnotes{break-before:page}
}
"""


def render_html(report: Report) -> str:
    title = _title(report)

    def refs(numbers: list[int]) -> str:
        return "".join(f"<sup class='fn'><a href='#fn{n}'>[{n}]</a></sup>" for n in numbers)

    def item(s: Statement, kind: str) -> str:
        if kind == "recipient":  # the organisation or category, then where and how it is named
            written = _as_written(s, s.detail or "")
            category = (
                " <span class='kind'>(category)</span>" if s.recipient_kind == "category" else ""
            )
            return (f"<li><strong>{escape(s.detail or s.text)}</strong>{category} {refs(report.refs(s))}"
                    f"<br><span class='scope'>{escape(_scope(s))}" + (f"; {escape(written)}" if written else "")
                    + "</span></li>")  # fmt: skip
        flag = (
            f" <strong class='flag'>⚠ {escape(s.flag)}</strong>"
            if s.flag and kind in FLAGGED
            else ""
        )
        return (f"<li>{escape(_line(s))} {refs(report.refs(s))}{flag}"
                f" <span class='scope'>({escape(_scope(s))})</span></li>")  # fmt: skip

    contents = [("summary", "Summary")] + [(ANCHOR[k], h) for k, h, _ in SECTIONS] + [
        ("chains", "Sharing chains"), ("gaps", "Gaps"), ("sources", "Sources")]  # fmt: skip
    body = [
        f"<header><h1>{escape(title)}</h1><p class='lead'>{escape(INTRO)}</p><nav>"
        + "".join(f"<a href='#{a}'>{escape(h)}</a>" for a, h in contents)
        + "</nav></header><section id='summary'><table class='summary'><caption hidden>Summary</caption>"
    ]
    for row, text, anchor, warning in summary(report):
        body.append(
            f"<tr><th scope='row'>{escape(row)}</th><td><a class='go' href='#{anchor}' title='Go to the section'>details ↓</a>{escape(text)}"
            + (f" <strong class='flag'>⚠ {escape(warning)}</strong>" if warning else "")
            + "</td></tr>"
        )
    body.append("</table></section>")
    for kind, heading, ico in SECTIONS:
        body.append(
            f"<section id='{ANCHOR[kind]}'><h2>{escape(heading)}</h2><p class='ico'>{escape(ico)}</p>"
        )
        if kind == "recipient" and report.statements.get("recipient"):
            for group, items in report.recipient_groups():
                body.append(
                    f"<h3>{escape(group)}</h3><ul>"
                    + "".join(item(s, kind) for s in items)
                    + "</ul>"
                )
        else:
            items = section_items(report, kind)
            body.append(
                "<ul>"
                + ("".join(item(s, kind) for s in items) or "<li class='scope'>(not stated)</li>")
                + "</ul>"
            )
        body.append("</section>")
    body.append(
        f"<section id='chains'><h2>Sharing chains</h2><div class='diagram'>{chain_svg(report.chains)}</div><ol class='chains'>"
    )
    for chain in report.chains:
        start, hops = _chain_parts(report, chain)
        body.append(
            "<li>"
            + escape(start)
            + "".join(
                f" → {escape(label)} <span class='scope'>({escape(how)})</span>"
                + (refs([ref]) if ref else "")
                for label, how, ref in hops
            )
            + "</li>"
        )
    body.append("</ol></section><section id='gaps'><h2>What the notices do not say</h2><ul>")
    body += [f"<li>{escape(gap)}</li>" for gap in report.gaps] or [
        "<li>(nothing missing from the checked items)</li>"
    ]
    body.append("</ul></section><section id='sources' class='footnotes'><h2>Sources</h2><ol>")
    body += [
        f"<li id='fn{i}' value='{i}'><q>{escape(_quote_key(f['quote']))}</q> <span class='where'>— {escape(_locations(f))}</span></li>"
        for i, f in enumerate(report.footnotes, 1)
    ]
    body.append("</ol></section>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )


def render_pdf(report: Report) -> bytes:
    """The HTML document printed to PDF by WeasyPrint (its print stylesheet: A4, page numbers).
    Raises ImportError or OSError when WeasyPrint or its Pango library is missing."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return HTML(string=render_html(report)).write_pdf()
