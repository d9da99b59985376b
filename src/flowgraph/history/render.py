"""Notice diffs as text, Markdown or JSON (`flowgraph diff`, `flowgraph check --changes-since`)."""

from __future__ import annotations

import json

from flowgraph.history.diff import Change, NoticeDiff, Quote

# The changes a reviewer must look at before a DPIA or ROPA entry is relied on again; the rest
# (a recipient removed, a law cited anew) are listed but do not fail `check`. Retention is
# compared by its wording (periods are not extracted as values yet): a rewording is flagged too,
# a false alarm being cheaper than a shortened period missed.
NEEDS_REVIEW = frozenset(
    {
        ("recipient", "added"),
        ("transfer", "added"),
        ("legal_basis", "added"),
        ("legal_basis", "removed"),
        ("retention", "changed"),
        ("retention", "removed"),
    }
)


def needs_review(change: Change) -> bool:
    return (change.kind, change.change) in NEEDS_REVIEW


def render(diffs: list[NoticeDiff], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([d.as_json() for d in diffs], indent=2, ensure_ascii=False) + "\n"
    markdown = fmt == "md"
    lines: list[str] = []
    for diff in diffs:
        lines += _heading(diff, markdown)
        if not diff.services:
            lines.append("  the text changed; no recipient, basis, law, transfer or retention did")
        for service in diff.services:
            name = service.service or "the whole notice"
            lines.append(f"\n#### {name}\n" if markdown else f"  [{name}]")
            for change in service.changes:
                lines += _change(change, markdown)
        lines.append("")
    if not diffs:
        lines.append("no changes")
    return "\n".join(lines) + "\n"


def _when(meta: dict | None) -> str:
    if meta is None:
        return "(none: a new notice)"
    if "file" in meta:
        return meta["file"]
    return f"{meta.get('retrieved', '?')} ({meta.get('sha256', '')[:12]})"


def _heading(diff: NoticeDiff, markdown: bool) -> list[str]:
    span = f"{_when(diff.old)} -> {_when(diff.new)}"
    if markdown:
        return [f"### {diff.controller}: {diff.notice}", "", f"{span}"]
    return [f"{diff.controller}: {diff.notice}  {span}"]


def _quote(quote: Quote, markdown: bool, side: str) -> str:
    text = " ".join(quote.text.split())
    if markdown:
        return f"  - {side} (line {quote.line}, {quote.start}-{quote.end}): “{text}”"
    return f'      {side} line {quote.line} ({quote.start}-{quote.end}): "{text}"'


def _change(change: Change, markdown: bool) -> list[str]:
    flag = " (needs review)" if needs_review(change) else ""
    head = f"- **{change.words}**: {change.label}{flag}" if markdown else f"    {change.words}: {change.label}{flag}"  # fmt: skip
    out = [head]
    out += [_quote(q, markdown, "was") for q in change.old]
    out += [_quote(q, markdown, "now") for q in change.new]
    return out
