"""Line-oriented notices (Markdown, plain text, portal text, tab-separated tables) -> blocks.

One mechanism serves every text layout: each line is classified as a heading, a table row
(`label<TAB>cell`, where the cell may hold HTML lists), a bullet, or prose; a row that starts
with a tab continues the previous row's cell; prose lines broken mid-sentence are re-joined.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace

from flowgraph.parse.blocks import Block
from flowgraph.parse.html_fragment import html_blocks, looks_like_html
from flowgraph.parse.located import Located, decode, join

# "## Title ##": the title runs to the closing hashes, found from the end of the line by
# `_heading_end` (the pattern `\s+(.*?)\s*#*\s*$` took cubic time on a long run of spaces).
_MD_HEADING = re.compile(r"^(#{1,6})\s+")
_BULLET = re.compile(r"^(\s*)(?:[•·▪◦●\-*+]|\d{1,2}[.)])\s+\S")
_RULE = re.compile(r"^[\s\-=_*|:]+$")
_MD_TABLE = re.compile(r"^\s*\|.*\|\s*$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(.+)\1\s*$")
_FUNCTION_WORDS = {
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the",
    "to", "with", "your", "our", "their", "its", "his", "her", "that", "which", "who", "is",
    "are", "be", "via", "including", "such", "e.g", "eg", "i.e",
}  # fmt: skip
_TERMINAL = (".", "!", "?", ":", ";", ")", '"', "”")
# "3. Who we share your data with", "2.1 Lawful basis", "a) Retention": short, no full stop.
_NUMBERED_HEADING = re.compile(
    r"^\s*((?:\d{1,2}(?:\.\d{1,2})*\.?|[a-z]\)|\([a-z0-9]{1,3}\))\s+)([A-Z][^.!;]{2,80}?[?:]?)\s*$"
)


def _heading_end(line: str, start: int) -> int:
    """Where a Markdown heading's title ends: before optional closing hashes and spaces."""
    end = len(line.rstrip())
    end = max(len(line[:end].rstrip("#")), start)
    return max(len(line[:end].rstrip()), start)


def _is_all_caps(text: str) -> bool:
    """A heading typed in capitals: "WHO WE SHARE YOUR INFORMATION WITH"."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and len(text.split()) <= 12 and all(c.isupper() for c in letters)


def iter_lines(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, line) for every line, without its line break."""
    pos = 0
    for m in re.finditer(r"\r\n|\n|\r", text):
        yield pos, m.start(), text[pos : m.start()]
        pos = m.end()
    if pos < len(text):
        yield pos, len(text), text[pos:]


def _ends_mid_sentence(text: str) -> bool:
    stripped = text.rstrip()
    if not stripped or stripped.endswith(_TERMINAL):
        return False
    last = stripped.rsplit(None, 1)[-1].lower().strip(",")  # the last word, found from the end
    return last in _FUNCTION_WORDS or stripped.endswith(",")


def _is_short_line(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= 10
        and len(text) <= 90
        and not text.rstrip().endswith((".", ",", ";", ":", "!"))
        and (text[0].isupper() or text[0].isdigit())
        and not _ends_mid_sentence(text)
    )


class LineParser:
    """Turns a whole notice into blocks; `known_heading` says if a line is a vocabulary heading."""

    def __init__(self, text: str, known_heading: Callable[[str], bool], *, markdown: bool) -> None:
        self.text = text
        self.known_heading = known_heading
        self.markdown = markdown
        self.blocks: list[Block] = []
        # Prose being accumulated, as its lines (joined once, when the paragraph ends: joining
        # line by line would be quadratic in a long paragraph); None when no paragraph is open.
        self.para: list[Located] | None = None
        # Lines carrying on the last block, a list item, joined when the next block comes.
        self.item_parts: list[Located] | None = None
        self.next_line = ""  # the next non-blank line, for look-ahead
        self.para_open = False  # True while the paragraph may continue on the next line

    def decode(self, start: int, end: int) -> Located:
        return decode(self.text, start, end, markdown=self.markdown)

    def add(self, *blocks: Block) -> None:
        if self.item_parts is not None:
            last = self.blocks[-1]
            self.blocks[-1] = Block("item", join(self.item_parts), depth=last.depth)
            self.item_parts = None
        self.blocks.extend(blocks)

    def end_para(self) -> None:
        if self.para:
            self.add(Block("para", join(self.para)))
        self.para = None
        self.para_open = False

    def parse(self) -> list[Block]:
        lines = list(iter_lines(self.text))
        # The next non-blank line after each line, found in one backward pass (a forward search
        # from every line would be quadratic in a notice of many blank lines).
        following = [""] * len(lines)
        nxt = ""
        for index in range(len(lines) - 1, -1, -1):
            following[index] = nxt
            if lines[index][2].strip():
                nxt = lines[index][2]
        for index, (start, end, line) in enumerate(lines):
            self.next_line = following[index]
            self.line(start, end, line)
        self.end_para()
        self.add()
        return self.blocks

    def _continues_item(self, text: Located) -> bool:
        """A bare line right after a list item that stopped mid-sentence carries that item on."""
        if not self.blocks or self.para is not None or self.blocks[-1].kind != "item":
            return False
        last = self.item_parts[-1].text if self.item_parts else self.blocks[-1].text.text
        return _ends_mid_sentence(last) or (text.text[:1].islower() and not last.endswith("."))

    def line(self, start: int, end: int, line: str) -> None:
        if not line.strip():
            # A blank line ends a paragraph unless the paragraph plainly stops mid-sentence.
            if self.para is None or not _ends_mid_sentence(self.para[-1].text):
                self.end_para()
            return
        if "\t" in line:
            self.table_row(start, end, line)
            return
        if self.markdown and _MD_TABLE.match(line):
            self.markdown_row(start, line)
            return
        if _RULE.match(line):
            self.end_para()
            return
        if m := _MD_HEADING.match(line):
            self.end_para()
            text = self.decode(start + m.end(), start + _heading_end(line, m.end()))
            if text:
                self.add(Block("heading", text, depth=len(m.group(1))))
            return
        if (m := _NUMBERED_HEADING.match(line)) and (
            self.known_heading(m.group(2))
            # numbered, short, no full stop, and followed by text rather than the next number
            or (
                len(m.group(2).split()) <= 12
                and self.next_line.strip() != ""
                and not _BULLET.match(self.next_line)
                and not _NUMBERED_HEADING.match(self.next_line)
            )
        ):
            self.end_para()
            text = self.decode(start + m.start(2), start + m.end(2))
            if text:
                self.add(Block("heading", text, depth=3))
            return
        if m := _BULLET.match(line):
            self.end_para()
            depth = len(m.group(1).expandtabs(4)) // 2
            text = self.decode(start, end)
            if text:
                self.add(Block("item", text, depth=depth))
            return
        if looks_like_html(line):
            self.end_para()
            self.add(*html_blocks(self.text, start, end))
            return
        self.prose_line(start, end, line)

    def prose_line(self, start: int, end: int, line: str) -> None:
        text = self.decode(start, end)
        if not text:
            return
        if self._continues_item(text):
            if self.item_parts is None:
                self.item_parts = [self.blocks[-1].text]
            self.item_parts.append(text)
            return
        if self.para is not None and (
            self.para_open or _ends_mid_sentence(self.para[-1].text) or text.text[:1].islower()
        ):
            self.para.append(text)
            self.para_open = _ends_mid_sentence(text.text)
            return
        bold = self.markdown and _BOLD_LINE.match(line)
        words = len(text.text.split())
        next_lower = self.next_line.lstrip()[:1].islower()
        # A short stand-alone line may end in "with" and still be a heading ("Who we share your
        # data with"); a long one that does is prose broken mid-sentence.
        open_end = _ends_mid_sentence(text.text)
        heading_shaped = (
            words <= 16
            and not text.text[:1].isdigit()  # "25 years from closure": content, not a title
            and not text.text.endswith((":", ",", ";", "."))
            and (
                not open_end
                or bool(_BULLET.match(self.next_line))
                or (words <= 10 and len(text.text) <= 60 and not text.text.endswith(","))
            )
            and not next_lower
        )
        is_question = heading_shaped and text.text.endswith("?")
        label = (
            words <= 6
            and text.text.endswith(":")
            and text.text[:1].isupper()
            and self.known_heading(text.text)
        )
        if (
            bold
            or is_question
            or label
            or _is_all_caps(text.text)
            or (heading_shaped and self.known_heading(text.text))
        ):
            self.end_para()
            self.add(Block("heading", text, depth=2 if bold else 3))
            return
        if _is_short_line(text.text) and not self.next_line.lstrip()[:1].islower():
            self.end_para()
            self.add(Block("heading", text, depth=4, hard=False))
            return
        if self.markdown and self.para is not None:
            self.para.append(text)
        else:
            self.end_para()
            self.para = [text]
        self.para_open = _ends_mid_sentence(text.text)

    def table_row(self, start: int, end: int, line: str) -> None:
        """`label<TAB>cell`: a row label, then the cell's blocks; no label continues the last cell."""
        self.end_para()
        tab = line.index("\t")
        label_raw = line[:tab]
        cells_start = start + tab + 1
        if _RULE.match(line.replace("\t", "")):
            return
        if label_raw.strip():
            label_blocks = html_blocks(self.text, start, start + tab)
            if label_blocks:
                self.add(Block("label", join([b.text for b in label_blocks])))
        # Further tabs separate further cells of the same row.
        cell_start, column = cells_start, 1
        for m in re.finditer(r"\t", self.text[cells_start:end]):
            self._cell(cell_start, cells_start + m.start(), column)
            cell_start, column = cells_start + m.end(), column + 1
        self._cell(cell_start, end, column)

    def _cell(self, start: int, end: int, column: int = 0) -> None:
        if start >= end or not self.text[start:end].strip():
            return
        if looks_like_html(self.text[start:end]):
            self.add(*(replace(b, column=column) for b in html_blocks(self.text, start, end)))
        else:
            text = self.decode(start, end)
            if text:
                self.add(Block("para", text, column=column))

    def markdown_row(self, start: int, line: str) -> None:
        self.end_para()
        if _RULE.match(line):
            return
        cells = [(m.start(1), m.end(1)) for m in re.finditer(r"\|?([^|]+)", line)]
        cells = [(s, e) for s, e in cells if line[s:e].strip()]
        if len(cells) < 2:
            for s, e in cells:
                self._cell(start + s, start + e)
            return
        label = self.decode(start + cells[0][0], start + cells[0][1])
        if label:
            self.add(Block("label", label))
        for column, (s, e) in enumerate(cells[1:], start=1):
            self._cell(start + s, start + e, column)
