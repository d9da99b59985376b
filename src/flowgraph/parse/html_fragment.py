"""HTML (a table cell's `<ul><li>` lists, or a whole page) -> blocks, keeping source offsets.

A small tag scanner rather than a DOM parser: evidence offsets must point into the original
characters, and the notices' HTML is fragmentary (cells, unclosed tags), which a scanner that
only reacts to structural tags handles gracefully.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from flowgraph.parse.blocks import Block
from flowgraph.parse.located import Located, decode, join

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*?(/?)>|<!--.*?-->", re.S)
_TAG_ONLY = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*?(/?)>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_OPENS_HTML = re.compile(r"<(ul|ol|li|p|br|h[1-6]|table|tr|td|div|b|strong)\b[^>]*>", re.I)


def _tags(source: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """`_TAG.finditer(source, start, end)` in linear time. A tag needs a later `>` and a comment
    a later `-->`: searched only up to the last of them, every `<` that opens one is matched by
    the first `>` (or `-->`) after it, where an unbounded search scanned on to the end of the
    text from every `<` that opened nothing. Tags and comments are searched apart, and the next
    of each is kept until the text before it is consumed, so no stretch is scanned twice."""
    limits = (source.rfind(">", start, end) + 1, source.rfind("-->", start, end) + 3)
    searches = (_TAG_ONLY, _COMMENT)
    ahead: list[re.Match[str] | None] = [None, None]
    searched = [-1, -1]  # where each search last started; its next match is `ahead`
    pos = start
    while True:
        for k in (0, 1):
            if searched[k] < 0 or (ahead[k] is not None and ahead[k].start() < pos):  # type: ignore[union-attr]
                ahead[k] = searches[k].search(source, pos, limits[k]) if pos < limits[k] else None
                searched[k] = pos
        found = [m.start() for m in ahead if m is not None]
        if not found:
            return
        m = _TAG.match(source, min(found), end)
        yield m  # type: ignore[misc]
        pos = m.end()  # type: ignore[union-attr]


def looks_like_html(text: str) -> bool:
    return bool(_OPENS_HTML.search(text, 0, text.rfind(">") + 1))


_SKIP = {"script", "style", "head", "template", "noscript"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BREAKS = {
    "p",
    "div",
    "br",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "blockquote",
    "dd",
    "dt",
    "caption",
}


class _Scanner:
    def __init__(self, source: str) -> None:
        self.source = source
        self.blocks: list[Block] = []
        self.run_start: int | None = None  # start of pending text run
        self.pieces: list[tuple[int, int]] = []
        self.list_depth = 0
        self.item_depths: list[int] = []  # depth of each open <li>
        self.heading_level = 0
        self.cells: list[tuple[int, int, str]] = []  # in a table row: (start, end, tag)
        self.in_row = False

    # text runs -------------------------------------------------------------------------
    def text(self, start: int, end: int) -> None:
        if start < end:
            self.pieces.append((start, end))

    def _take(self) -> Located | None:
        parts = [decode(self.source, start, end) for start, end in self.pieces]
        self.pieces = []
        located = join(parts) if parts else None
        return located if located else None

    def flush(self) -> None:
        text = self._take()
        if text is None:
            return
        if self.heading_level:
            self.blocks.append(Block("heading", text, depth=self.heading_level))
        elif self.item_depths:
            self.blocks.append(Block("item", text, depth=self.item_depths[-1]))
        else:
            self.blocks.append(Block("para", text))

    # tags ------------------------------------------------------------------------------
    def tag(self, name: str, closing: bool) -> None:
        if name in ("ul", "ol"):
            self.flush()
            self.list_depth += -1 if closing else 1
            self.list_depth = max(self.list_depth, 0)
        elif name == "li":
            self.flush()
            if closing:
                if self.item_depths:
                    self.item_depths.pop()
            else:
                self.item_depths.append(max(self.list_depth - 1, 0))
        elif name in _HEADINGS:
            self.flush()
            self.heading_level = 0 if closing else int(name[1])
        elif name in ("td", "th"):
            if not closing:
                self.flush()
                self.cell_mark = len(self.blocks)
            else:
                self.flush()
                self.cells.append((self.cell_mark, len(self.blocks), name))
        elif name == "tr":
            self.flush()
            if closing:
                self._close_row()
            else:
                self.cells = []
        elif name in _BREAKS:
            self.flush()

    def _close_row(self) -> None:
        """A two-or-more-cell row reads as `label: content`: its first cell becomes a label."""
        if len(self.cells) >= 2:
            for column, (start, end, _) in enumerate(self.cells[1:], start=1):
                self.blocks[start:end] = [replace(b, column=column) for b in self.blocks[start:end]]
            first_start, first_end, _ = self.cells[0]
            label_blocks = self.blocks[first_start:first_end]
            if label_blocks:
                label = join([b.text for b in label_blocks])
                self.blocks[first_start:first_end] = [Block("label", label)]
        self.cells = []


def html_blocks(source: str, start: int, end: int) -> list[Block]:
    """Scan `source[start:end]` as HTML and return its blocks in document order."""
    scanner = _Scanner(source)
    pos = start
    skipping: str | None = None
    for m in _tags(source, start, end):
        if m.group(2) is None:  # a comment
            if not skipping:
                scanner.text(pos, m.start())
            pos = m.end()
            continue
        name = m.group(2).lower()
        closing = m.group(1) == "/"
        if skipping:
            if closing and name == skipping:
                skipping = None
            pos = m.end()
            continue
        scanner.text(pos, m.start())
        pos = m.end()
        if name in _SKIP and not closing and not m.group(3):
            skipping = name
            continue
        scanner.tag(name, closing)
    if not skipping:
        scanner.text(pos, end)
    scanner.flush()
    return scanner.blocks
