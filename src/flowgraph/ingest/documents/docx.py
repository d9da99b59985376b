"""Word .docx -> Markdown with python-docx: headings from paragraph styles (Title, Heading n) and
short bold-only paragraphs, list styles and numbering as items, tables as tables. Page headers
and footers live outside the body and are never read."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

from flowgraph.ingest.documents import UnreadableDocument
from flowgraph.ingest.documents.markdown import (
    Block,
    Heading,
    Item,
    Paragraph,
    Table,
    one_line,
    render,
    strip_bullet,
    table_cell,
)

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_LIST_STYLE = re.compile(r"^list (?:bullet|number|continue)(?:\s*(\d))?$", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _style_name(paragraph: Any) -> str:
    try:
        return str(paragraph.style.name or "") if paragraph.style is not None else ""
    except (KeyError, ValueError, AttributeError):
        return ""


def _list_depth(paragraph: Any, style: str) -> int | None:
    """The item's depth when the paragraph is a list item (a list style or Word numbering)."""
    if m := _LIST_STYLE.match(style):
        return int(m.group(1)) - 1 if m.group(1) else 0
    ppr = paragraph._p.pPr
    numpr = ppr.find(f"{_W}numPr") if ppr is not None else None
    if numpr is not None:
        ilvl = numpr.find(f"{_W}ilvl")
        value = ilvl.get(f"{_W}val") if ilvl is not None else None
        return int(value) if value and value.isdigit() else 0
    if style.lower() == "list paragraph":
        return 0
    return None


def _bold_only(paragraph: Any) -> bool:
    """Every run with text is bold, by the run or its paragraph style."""
    runs = [run for run in paragraph.runs if run.text.strip()]
    if not runs:
        return False
    style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)
    return all(run.bold or (run.bold is None and style_bold) for run in runs)


def _paragraph(paragraph: Any, deepest: int) -> tuple[Block | None, int]:
    """The paragraph's block, and the deepest heading level seen so far."""
    text = one_line(paragraph.text)
    if not text:
        return None, deepest
    style = _style_name(paragraph)
    if style.lower() == "title":
        return Heading(1, text), max(deepest, 1)
    if m := _HEADING_STYLE.match(style):
        level = int(m.group(1))
        return Heading(level, text), max(deepest, level)
    depth = _list_depth(paragraph, style)
    if depth is not None:
        return Item(strip_bullet(text) or text, depth), deepest
    if (bullet := strip_bullet(text)) is not None and not text.startswith(("-", "–", "—")):
        return Item(bullet), deepest
    words = len(text.split())
    short = words <= 14 and not text.endswith((".", ",", ";"))
    if short and (not text.endswith(":") or words <= 4) and _bold_only(paragraph):
        return Heading(min(deepest + 1, 6), text), deepest
    return Paragraph(text), deepest


def _cell_text(cell: Any) -> str:
    """A cell's paragraphs, list items marked with a bullet so the cell keeps them as a list."""
    lines = []
    for paragraph in cell.paragraphs:
        text = one_line(paragraph.text)
        if text:
            listed = _list_depth(paragraph, _style_name(paragraph)) is not None
            lines.append(f"• {text}" if listed and strip_bullet(text) is None else text)
    return table_cell("\n".join(lines))


def _table(table: Any) -> Table:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is repeated for every column it spans
                continue
            seen.add(id(cell._tc))
            cells.append(_cell_text(cell))
        rows.append(tuple(cells))
    return Table(tuple(rows))


def _body(document: Any) -> Iterator[Any]:
    """The body's paragraphs and tables in order, including those inside content controls
    (`w:sdt`, which council templates wrap whole sections in and python-docx steps over)."""
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph

    parent = document._body

    def walk(element: Any) -> Iterator[Any]:
        for child in element.iterchildren():
            if child.tag == f"{_W}p":
                yield DocxParagraph(child, parent)
            elif child.tag == f"{_W}tbl":
                yield DocxTable(child, parent)
            elif child.tag == f"{_W}sdt" and (content := child.find(f"{_W}sdtContent")) is not None:
                yield from walk(content)

    yield from walk(document.element.body)


MAX_EXPANDED_BYTES = 200_000_000  # a notice's parts unpacked: far beyond any real one
MAX_RATIO = 200  # unpacked / packed: text compresses 5-20x, a zip bomb thousands of times


def _check_expansion(data: bytes) -> None:
    """Refuse a .docx that would unpack to far more than it holds (a zip bomb) before reading
    it: a fetched file is only capped in its packed size."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableDocument(f"not a readable Word document (damaged .docx: {exc})") from None
    if unpacked > MAX_EXPANDED_BYTES or unpacked > MAX_RATIO * max(len(data), 1) + 10_000_000:
        raise UnreadableDocument(
            f"unpacks to {unpacked:,} bytes from {len(data):,}: refused as a possible zip bomb"
        )


def docx_markdown(data: bytes) -> str:
    """The document's body as Markdown, or UnreadableDocument when it is not a readable .docx."""
    import docx

    _check_expansion(data)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[Block] = []
        deepest = 0
        for part in _body(document):
            if isinstance(part, docx.table.Table):
                blocks.append(_table(part))
            else:
                block, deepest = _paragraph(part, deepest)
                if block is not None:
                    blocks.append(block)
    except Exception as exc:  # noqa: BLE001 - a damaged package raises zipfile, lxml and KeyError alike
        raise UnreadableDocument(
            f"not a readable Word document (damaged .docx: {type(exc).__name__})"
        ) from None
    return render(blocks)
