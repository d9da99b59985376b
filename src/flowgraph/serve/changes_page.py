"""What changed, in HTML: the /changes timeline (by date, then council), an entry's changes for
the Atom feed's content, and the short "Changes" section of a council's or notice's page.

Everything that comes from a notice or the log is HTML-escaped; the page has no script.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any
from urllib.parse import urlencode

from flowgraph.history.diff import KINDS
from flowgraph.ingest.archive import parse_time
from flowgraph.serve.change_log import Filters

STYLE = """<style>
.intro{max-width:60rem}.feed{font-weight:600}
form.filters{display:flex;gap:.8rem;flex-wrap:wrap;align-items:end;background:#fff;border:1px solid #d5d9e0;
border-radius:4px;padding:.6rem .8rem;margin:.6rem 0 1rem}
form.filters label{display:flex;flex-direction:column;font-size:.85rem;color:#5b6578;gap:.15rem}
form.filters input,form.filters select{font:inherit;font-size:.95rem;padding:.25rem .4rem;min-width:11rem}
form.filters button{font:inherit;padding:.3rem .9rem}
section.day>h2{border-bottom:2px solid #1f3a5f;padding-bottom:.2rem;margin:1.4rem 0 .4rem}
section.council>h3{margin:.8rem 0 .3rem}
article.entry{background:#fff;border:1px solid #d5d9e0;border-radius:4px;padding:.5rem .9rem;margin:.4rem 0 .8rem}
article.entry p.meta{margin:.1rem 0 .4rem;font-size:.88rem;color:#5b6578}
article.entry h4{margin:.5rem 0 .2rem;font-size:.95rem}
ul.changes{list-style:none;margin:0;padding:0}
li.change{border-top:1px solid #eef1f5;padding:.45rem 0}
.badge{display:inline-block;min-width:4.6rem;text-align:center;border-radius:3px;padding:.05rem .4rem;
font-size:.78rem;font-weight:700;text-transform:uppercase;letter-spacing:.03em;margin-right:.4rem}
.badge.added{background:#dafbe1;color:#116329;border:1px solid #4ac26b}
.badge.removed{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}
.badge.changed{background:#fff8c5;color:#7d4e00;border:1px solid #d4a72c}
.review{display:inline-block;margin-left:.5rem;font-size:.78rem;font-weight:700;color:#9a3412;
background:#ffedd5;border:1px solid #fb923c;border-radius:3px;padding:.05rem .4rem}
.quotes{display:grid;grid-template-columns:1fr 1fr;gap:.6rem;margin:.35rem 0 .1rem}
.quotes>div{background:#f7f8fa;border-radius:3px;padding:.3rem .6rem;font-size:.9rem;min-width:0}
.quotes>div.old{border-left:4px solid #ff8182}.quotes>div.new{border-left:4px solid #4ac26b}
.quotes .side{display:block;font-size:.75rem;font-weight:700;color:#5b6578;text-transform:uppercase}
.quotes .q{overflow-wrap:anywhere}.quotes .none{color:#8a93a3;font-style:italic}
.quotes .where{display:block;font-size:.78rem;color:#5b6578;margin-top:.15rem}
.q{font-style:italic}.q::before{content:'“'}.q::after{content:'”'}
.empty{background:#fff;border:1px dashed #9aa8bd;border-radius:4px;padding:.8rem 1rem;max-width:60rem}
@media (max-width:700px){.quotes{grid-template-columns:1fr}}
</style>"""

KIND_NAMES = {
    "recipient": "recipients",
    "legal_basis": "lawful bases",
    "law": "laws",
    "transfer": "transfers abroad",
    "retention": "retention",
}
EXPLANATION = (
    "A change is recorded when <code>flowgraph build</code> reads a notice whose text differs "
    "from the text it built before: after a notice file is edited in the notices folder, or "
    "once <code>flowgraph fetch</code> has retrieved a new version of a council's page. Each "
    "version is kept in the archive (<code>build/archive/</code>), and what changed between "
    "the two (recipients added or removed, lawful bases and laws, transfers abroad, retention) "
    "is added to <code>build/archive/changes.jsonl</code>, which this page reads. "
    "<code>flowgraph diff</code> compares any two versions on the command line."
)


def _day(retrieved: str) -> str:
    try:
        return parse_time(retrieved).strftime("%-d %B %Y")
    except ValueError:
        return "Unknown date"


def _time(meta: dict[str, Any] | None) -> str:
    if not meta:
        return ""
    try:
        return parse_time(meta.get("retrieved", "")).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(meta.get("retrieved", ""))


def _href(runtime_base: str, iri: str | None) -> str | None:
    if not iri:
        return None
    return "/id/" + iri[len(runtime_base) :] if iri.startswith(runtime_base) else iri


def _a(href: str | None, text: str) -> str:
    if not href:
        return escape(text)
    return f"<a href='{escape(href, quote=True)}'>{escape(text)}</a>"


def _quotes(side: str, quotes: list[dict[str, Any]], meta: dict[str, Any] | None) -> str:
    from flowgraph.serve.entity_page import clean

    title = "Before" if side == "old" else "After"
    if not quotes:
        none = "not stated" if meta else "no earlier version"
        return f"<div class='{side}'><span class='side'>{title}</span><span class='none'>{none}</span></div>"  # fmt: skip
    parts = []
    for q in quotes:
        where = f"characters {q['start']}–{q['end']}" + (
            f", line {q['line']}" if q.get("line") else ""
        )
        if q["page_shows_this_version"]:
            where = _a(q["href"], f"{where} — in the notice ↗")
        else:
            version = (q.get("sha256") or "")[:12]
            where = escape(f"{where} of version {version}") + (
                " (" + _a(q["href"], "the notice page shows the current text") + ")"
                if q["href"]
                else ""
            )
        parts.append(
            f"<span class='q'>{escape(clean(q['text']))}</span><span class='where'>{where}</span>"
        )
    return f"<div class='{side}'><span class='side'>{title}</span>{''.join(parts)}</div>"


def entry_html(entry: dict[str, Any], base_iri: str) -> str:
    """One notice's changes at one build: per service, each change with its quotes."""
    notice = _a(_href(base_iri, entry["notice_iri"]), entry["notice"])
    old, new = entry.get("old"), entry.get("new")
    span = (
        f"version {escape((old or {}).get('sha256', '')[:12])} ({escape(_time(old))}) → "
        if old
        else "a new notice → "
    ) + f"version {escape((new or {}).get('sha256', '')[:12])} ({escape(_time(new))})"
    links = []
    if entry.get("notice_page"):
        links.append(_a(entry["notice_page"], "read it"))
    url = (new or {}).get("url", "")
    if url.startswith(("http://", "https://")):
        links.append(f"<a href='{escape(url, quote=True)}' rel='external'>source page</a>")
    meta = f"<p class='meta'>{notice} · {span}" + "".join(f" · {link}" for link in links) + "</p>"
    if not entry["services"]:
        return meta + (
            "<p class='muted'>The text changed; no recipient, lawful basis, law, transfer "
            "or retention did.</p>"
        )
    blocks = []
    for service in entry["services"]:
        items = []
        for c in service["changes"]:
            review = "<span class='review'>⚑ needs review</span>" if c["needs_review"] else ""
            label = _a(_href(base_iri, c.get("iri")), c["label"])
            items.append(
                f"<li class='change {escape(c['kind'])}'><span class='badge {escape(c['change'])}'>"
                f"{escape(c['change'])}</span><strong>{escape(c['words'])}</strong>: {label}{review}"
                f"<div class='quotes'>{_quotes('old', c['old'], old)}{_quotes('new', c['new'], new)}</div></li>"
            )
        blocks.append(
            f"<h4>{escape(service['label'][:1].upper() + service['label'][1:])}</h4>"
            f"<ul class='changes'>{''.join(items)}</ul>"
        )
    return meta + "".join(blocks)


def summary_text(entry: dict[str, Any]) -> str:
    """The changes in one line of plain text (the feed's summary)."""
    parts = [
        f"{c['words']}: {c['label']}" + (" (needs review)" if c["needs_review"] else "")
        for s in entry["services"]
        for c in s["changes"]
    ]
    return (
        "; ".join(parts) or "the text changed; no recipient, basis, law, transfer or retention did"
    )


def _form(chosen: Filters, controllers: list[str]) -> str:
    options = "".join(
        f"<option{' selected' if chosen.controller == name else ''}>{escape(name)}</option>"
        for name in controllers
    )
    if chosen.controller and chosen.controller not in controllers:
        options += f"<option selected>{escape(chosen.controller)}</option>"
    kinds = "".join(
        f"<option value='{k}'{' selected' if chosen.kind == k else ''}>{escape(KIND_NAMES[k])}</option>"
        for k in KINDS
    )
    return (
        "<form class='filters' method='get' action='/changes'>"
        f"<label>Since <input name='since' value='{escape(chosen.since or '', quote=True)}' "
        "placeholder='YYYY-MM-DD'></label>"
        f"<label>Council <select name='controller'><option value=''>all councils</option>{options}</select></label>"
        f"<label>What <select name='kind'><option value=''>every kind</option>{kinds}</select></label>"
        "<button>Show</button> <a href='/changes'>clear</a></form>"
    )


def page_body(
    entries: list[dict[str, Any]],
    chosen: Filters,
    controllers: list[str],
    base_iri: str,
    total: int,
) -> str:
    """The timeline: newest day first, each day's councils in order, each entry a card."""
    query = urlencode(chosen.query())
    feed = "/changes.atom" + (f"?{query}" if query else "")
    api = "/api/changes" + (f"?{query}" if query else "")
    head = (
        STYLE + "<h1>What changed in the notices</h1>"
        "<p class='intro'>Recipients added and removed, lawful bases and laws changed, transfers "
        "abroad started or stopped and retention changed, each with the words of the notice "
        "before and after. Changes marked <span class='review'>⚑ needs review</span> should be "
        "looked at before a DPIA or ROPA entry is relied on again.</p>"
        f"<p><a class='feed' href='{escape(feed, quote=True)}'>Subscribe: Atom feed of these changes</a>"
        f" · <a href='{escape(api, quote=True)}'>as JSON</a></p>" + _form(chosen, controllers)
    )
    if not entries:
        if total:
            return head + (
                "<div class='empty'><p><strong>No change matches these filters.</strong> "
                f"The log holds {total} recorded change{'s' if total != 1 else ''}: "
                "<a href='/changes'>see them all</a>.</p></div>"
            )
        return head + (
            "<div class='empty'><p><strong>No changes recorded yet.</strong></p>"
            f"<p>{EXPLANATION}</p></div>"
        )
    days: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:  # newest first already
        day = _day((entry.get("new") or {}).get("retrieved", ""))
        days[day][entry["controller"]].append(entry)
    sections = []
    for day, councils in days.items():
        blocks = []
        for council, group in sorted(councils.items()):
            iri = group[0].get("controller_iri")
            cards = "".join(
                f"<article class='entry' id='{escape(e['anchor'], quote=True)}'>{entry_html(e, base_iri)}</article>"
                for e in group
            )
            blocks.append(
                f"<section class='council'><h3>{_a(_href(base_iri, iri), council)}</h3>{cards}</section>"
            )
        sections.append(f"<section class='day'><h2>{escape(day)}</h2>{''.join(blocks)}</section>")
    return head + "".join(sections)


def entity_section(entries: list[dict[str, Any]], more: str, what: str) -> str:
    """A few of the latest changes on a council's or notice's page, with a link to all."""
    if not entries:
        return (
            f"<h2>Changes</h2><p class='muted'>No change to {escape(what)} recorded "
            f"(<a href='{escape(more, quote=True)}'>what changed in every notice</a>).</p>"
        )
    items = []
    for e in entries:
        when = _time(e.get("new"))
        words = (
            "; ".join(
                f"{c['words']}: {c['label']}" + (" (needs review)" if c["needs_review"] else "")
                for s in e["services"]
                for c in s["changes"]
            )
            or "the text changed; no recipient, basis, law, transfer or retention did"
        )
        href = f"/changes?{urlencode({'controller': e['controller']})}#{e['anchor']}"
        items.append(
            f"<li><a href='{escape(href, quote=True)}'>{escape(when)}</a> · "
            f"{escape(e['notice'])}: {escape(words)}</li>"
        )
    return (
        f"<h2>Changes</h2><ul class='lines'>{''.join(items)}</ul>"
        f"<p><a href='{escape(more, quote=True)}'>Every change, with the quotes before and after</a></p>"
    )
