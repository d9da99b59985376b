"""`flowgraph extract --explain`: why each fact was read, and why a block gave none.

A curator who sees a recipient missing needs the block it sat in, the section that block fell
in (and which heading wording or cue put it there), and the rule that read it or passed it by.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from flowgraph.model import NoticeExtraction

_SHOWN = 110  # characters of a block's text shown on its line


def explanation_json(extraction: NoticeExtraction) -> list[dict]:
    return [
        {
            "line": t.line,
            "kind": t.kind,
            "text": t.text,
            "section": t.section,
            "section_why": t.section_why,
            "rules": t.rules,
            "facts": [{"field": f, "text": text} for f, text in t.facts],
            "no_fact": t.no_fact,
        }
        for t in extraction.trace or []
    ]


def print_explanation(extraction: NoticeExtraction, console: Console) -> None:
    notice = extraction.notice.source.path.name
    console.print(f"[bold]{escape(notice)}[/] — layout {extraction.layout}")
    section = object()
    for t in extraction.trace or []:
        if t.section != section:
            section = t.section
            why = f" — {escape(t.section_why)}" if t.section_why else ""
            console.print(f"\n[bold cyan]section: {t.section or 'none yet'}[/]{why}")
        text = t.text if len(t.text) <= _SHOWN else t.text[: _SHOWN - 1] + "…"
        console.print(f"  [dim]line {t.line:>4} {t.kind:<7}[/] {escape(text)}")
        for rule in t.rules:
            console.print(f"      [magenta]rule:[/] {escape(rule)}")
        for field, fact in t.facts:
            console.print(f"      [green]+ {field}:[/] {escape(fact)}")
        if t.no_fact:
            console.print(f"      [yellow]no fact:[/] {escape(t.no_fact)}")
    for problem in extraction.problems:
        console.print(f"[red]problem:[/] {escape(problem)}")
