"""PDF -> Markdown with pdfplumber: headings from font size and weight, bullets as items, ruled
tables as tables, running headers, footers and page numbers dropped, lines re-flowed."""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise
from statistics import median
from typing import Any

from flowgraph.ingest.documents import UnreadableDocument
from flowgraph.ingest.documents.markdown import (
    Block,
    Heading,
    Item,
    Paragraph,
    Table,
    one_line,
    reflow,
    render,
    strip_bullet,
    table_cell,
)

_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st"})
_PAGE_NUMBER = re.compile(r"^[-–(\[]?\s*(?:page\s*)?#(?:\s*(?:of|/)\s*#)?\s*[-–)\]]?$")
_TERMINAL = (".", "!", "?", ":", ";")
MARGIN = 0.12  # running headers and footers sit within this share of the page's height


@dataclass
class Line:
    text: str
    page: int
    top: float
    bottom: float
    x0: float
    size: float
    bold: bool
    height: float = field(init=False)

    def __post_init__(self) -> None:
        self.height = self.bottom - self.top


@dataclass
class PageTable:
    page: int
    top: float
    rows: tuple[tuple[str, ...], ...]


def _line(raw: dict[str, Any], page: int) -> Line | None:
    chars = [c for c in raw.get("chars", []) if str(c.get("text", "")).strip()]
    text = one_line(str(raw.get("text", "")).translate(_LIGATURES))
    if not chars or not text:
        return None
    size = Counter(round(float(c.get("size", 0)), 1) for c in chars).most_common(1)[0][0]
    bold = sum(bool(_BOLD.search(str(c.get("fontname", "")))) for c in chars) >= 0.8 * len(chars)
    return Line(text, page, float(raw["top"]), float(raw["bottom"]), float(raw["x0"]), size, bold)


def _outside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    """Whether a page object is not a character inside a table (read as the table instead)."""
    if obj.get("object_type") != "char":
        return True
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _read_pages(data: bytes) -> tuple[list[list[Line | PageTable]], list[float], bool]:
    """Per page, its lines and tables from top to bottom; the page heights; any images."""
    import pdfplumber

    pages: list[list[Line | PageTable]] = []
    heights: list[float] = []
    images = False
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for number, page in enumerate(pdf.pages):
                images = images or bool(page.images)
                tables = []
                for found in page.find_tables():
                    rows = found.extract()
                    if len(rows) >= 2 and max(len(row) for row in rows) >= 2:
                        tables.append((found.bbox, rows))
                boxes = [bbox for bbox, _ in tables]
                body = page.filter(partial(_outside, boxes=boxes)) if boxes else page
                items: list[Line | PageTable] = [
                    line
                    for raw in body.extract_text_lines(return_chars=True)
                    if (line := _line(raw, number))
                ]
                items += [
                    PageTable(
                        number, bbox[1], tuple(tuple(table_cell(c or "") for c in r) for r in rows)
                    )
                    for bbox, rows in tables
                ]
                items.sort(key=lambda item: item.top)
                pages.append(items)
                heights.append(float(page.height))
    except UnreadableDocument:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on a damaged or encrypted file
        reason = f"{exc!r} {exc}".lower()
        if "password" in reason or "encrypt" in reason:
            raise UnreadableDocument(
                "PDF is encrypted (password-protected): save an unprotected copy first"
            ) from None
        detail = str(exc).strip()[:120] or type(exc).__name__
        raise UnreadableDocument(f"PDF cannot be read: damaged or truncated ({detail})") from None
    return pages, heights, images


def _furniture(pages: list[list[Line | PageTable]], heights: list[float]) -> set[int]:
    """ids of the running headers, footers and page numbers: lines in a page's top or bottom
    margin that repeat (digits aside) on most pages, or are a bare page number."""

    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.lower())

    def in_margin(line: Line) -> bool:
        height = heights[line.page]
        return line.top < MARGIN * height or line.bottom > (1 - MARGIN) * height

    margins = [[i for i in page if isinstance(i, Line) and in_margin(i)] for page in pages]
    seen = Counter(k for page in margins for k in {key(line) for line in page})
    repeated = max(2, (len(pages) + 1) // 2)
    return {
        id(line)
        for page in margins
        for line in page
        if _PAGE_NUMBER.match(key(line)) or (len(pages) > 1 and seen[key(line)] >= repeated)
    }


def pdf_markdown(data: bytes) -> str:
    """The PDF's text as Markdown, or UnreadableDocument (encrypted, damaged, image only)."""
    pages, heights, images = _read_pages(data)
    if not any(isinstance(i, Line) for page in pages for i in page):
        if images or pages:
            raise UnreadableDocument(
                "no text layer: a scanned image; OCR it first (e.g. ocrmypdf) or save the "
                "notice as text"
            )
        raise UnreadableDocument("PDF has no pages")
    dropped = _furniture(pages, heights)
    items = [i for page in pages for i in page if id(i) not in dropped]
    lines = [i for i in items if isinstance(i, Line)]
    body = Counter()
    for line in lines:
        body[line.size] += len(line.text)
    body_size = body.most_common(1)[0][0]
    return render(_blocks(items, body_size))


def _is_heading(line: Line, body_size: float) -> bool:
    words = len(line.text.split())
    if line.size >= body_size * 1.12:
        return words <= 25
    if not line.bold or words > 14 or line.text.endswith((".", ",", ";")):
        return False
    return not line.text.endswith(":") or words <= 4


def _blocks(items: list[Line | PageTable], body_size: float) -> list[Block]:
    """Lines grouped into headings, list items and paragraphs; tables kept as they are."""
    lines = [i for i in items if isinstance(i, Line)]
    sizes = sorted({ln.size for ln in lines if ln.size >= body_size * 1.12 and _is_heading(ln, body_size)},
                   reverse=True)  # fmt: skip
    level = {size: min(rank + 1, 6) for rank, size in enumerate(sizes)}
    bold_level = min(len(sizes) + 1, 6)
    gaps = [
        b.top - a.bottom
        for a, b in pairwise(lines)
        if a.page == b.page and a.size == b.size and 0 <= b.top - a.bottom < a.height
    ]
    usual_gap = median(gaps) if gaps else 2.0
    bullet_x = sorted({round(ln.x0) for ln in lines if strip_bullet(ln.text) is not None})
    depths: dict[int, int] = {}
    for x in bullet_x:  # indents within 6pt of one another are one depth
        depths[x] = next(
            (d for px, d in depths.items() if abs(px - x) <= 6), len(set(depths.values()))
        )

    blocks: list[Block] = []
    kind = ""  # what `parts` holds: "heading", "item" or "para"
    parts: list[str] = []
    depth = 0
    item_x = 0.0  # where the bullet of the open item stands
    last: Line | None = None

    def flush() -> None:
        nonlocal kind, parts
        if parts and kind == "heading" and last is not None:
            text = reflow(parts)
            heading_level = level.get(last.size, bold_level)
            blocks.append(Heading(heading_level, text))
        elif parts and kind == "item":
            blocks.append(Item(reflow(parts), depth))
        elif parts:
            blocks.append(Paragraph(reflow(parts)))
        kind, parts = "", []

    for item in items:
        if isinstance(item, PageTable):
            flush()
            blocks.append(Table(item.rows))
            last = None
            continue
        line = item
        same_page = last is not None and last.page == line.page
        gap = line.top - last.bottom if last is not None and same_page else 0.0
        apart = last is None or (
            (gap > usual_gap + 0.4 * line.size)
            if same_page
            else last.text.endswith(_TERMINAL)  # a sentence running on over the page goes on
        )
        if _is_heading(line, body_size):
            continuing = (
                kind == "heading" and not apart and last is not None
                and (last.size, last.bold) == (line.size, line.bold)
            )  # fmt: skip
            if not continuing:
                flush()
                kind = "heading"
            parts.append(line.text)
        elif (bullet := strip_bullet(line.text)) is not None:
            flush()
            kind, parts, depth = "item", [bullet], depths.get(round(line.x0), 0)
            item_x = line.x0
        elif kind == "item" and not apart and line.x0 > item_x + 3:
            parts.append(line.text)  # a wrapped item's next line, indented under its text
        elif kind == "para" and not apart:
            parts.append(line.text)
        else:
            flush()
            kind, parts = "para", [line.text]
        last = line
    flush()
    return blocks
