"""Layout detection and the registry of layout parsers: notice text -> blocks."""

from __future__ import annotations

import re
from collections.abc import Callable

from flowgraph.parse.blocks import Block
from flowgraph.parse.headings import HeadingVocabulary
from flowgraph.parse.html_fragment import html_blocks
from flowgraph.parse.lines import LineParser

LAYOUTS = ("html", "tabular", "markdown", "plain")


_MD_MARK = re.compile(r"^#{1,6}\s|^\s*\|.*\|\s*$")


def _has_md_link(line: str) -> bool:
    r"""Whether the line holds `[text](url)` (what `.*\[[^\]]+\]\([^)]*\)` matched, in
    quadratic time on a line of many `[`): some `](` has a `)` after it and a `[` before it,
    with at least one character between, that no other `]` closes first."""
    last_close = line.rfind(")")
    j = line.find("](")
    while j != -1 and j + 2 <= last_close:
        opens = line.rfind("]", 0, j) + 1
        if opens < j - 1 and line.find("[", opens, j - 1) != -1:
            return True
        j = line.find("](", j + 1)
    return False


def detect_layout(text: str, vocabulary: HeadingVocabulary | None = None) -> str:
    """Guess the layout from the text's shape (a manifest format hint overrides this)."""
    head = text[:4000].lstrip().lower()
    if head.startswith(("<!doctype", "<html")) or re.search(r"<(body|h[1-6]|table)\b", head):
        return "html"
    lines = text.splitlines()
    labels = [m.group(1) for line in lines if (m := re.match(r"^([^\t]{2,200})\t\S", line))]
    known = [
        label
        for label in labels
        if vocabulary is None or vocabulary.field_of(re.sub(r"<[^>]+>", " ", label))
    ]
    if len(labels) >= 3 and len(known) >= 2:
        return "tabular"
    md_marks = sum(1 for line in lines if _MD_MARK.match(line) or _has_md_link(line))
    if md_marks >= 2:
        return "markdown"
    return "plain"


def _line_parser(markdown: bool) -> Callable[[str, HeadingVocabulary], list[Block]]:
    def parse(text: str, vocabulary: HeadingVocabulary) -> list[Block]:
        return LineParser(
            text, lambda h: vocabulary.field_of(h) is not None, markdown=markdown
        ).parse()

    return parse


def _html(text: str, vocabulary: HeadingVocabulary) -> list[Block]:
    return html_blocks(text, 0, len(text))


PARSERS: dict[str, Callable[[str, HeadingVocabulary], list[Block]]] = {
    "html": _html,
    "tabular": _line_parser(markdown=True),
    "markdown": _line_parser(markdown=True),
    "plain": _line_parser(markdown=False),
}


def parse_blocks(
    text: str, vocabulary: HeadingVocabulary, layout: str | None = None
) -> tuple[str, list[Block]]:
    layout = layout or detect_layout(text, vocabulary)
    if layout not in PARSERS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    return layout, PARSERS[layout](text, vocabulary)
