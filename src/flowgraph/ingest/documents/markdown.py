"""Document structure -> the Markdown the loader already reads (`#` headings, `- ` items, pipe
tables), so PDFs and Word files need no parser of their own and offsets count into this text."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# Bullet glyphs documents draw in front of list items ("o" is Word's second-level bullet; the
# U+F0xx private-use characters are Word's Symbol and Wingdings bullets as PDFs keep them).
BULLET = re.compile(r"^\s*(?:[•●▪◦‣∙·■□➢➤✓\uf0b7\uf0a7\uf076\uf0d8\uf0fc\-–—*]|o(?=\s))\s*(?=\S)")
_SPACE = re.compile(r"\s+")
_SOFT_HYPHEN = "\u00ad"


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Item:
    text: str
    depth: int = 0


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Paragraph | Item | Table


def one_line(text: str) -> str:
    """Whitespace folded to single spaces: a tab or line break inside a block would be read
    as a table row or a new block."""
    return _SPACE.sub(" ", text.replace(_SOFT_HYPHEN, "")).strip()


def reflow(lines: list[str]) -> str:
    """A paragraph's lines joined into one; a word hyphenated at a line end is re-joined
    ("manage-" + "ment" -> "management"; a capital or digit after it keeps the hyphen)."""
    out = ""
    soft = False  # the previous line ended in a soft hyphen: the word goes on
    for raw in lines:
        line = one_line(raw)
        if not line:
            continue
        if not out:
            out = line
        elif soft:
            out += line
        elif re.search(r"[a-z]-$", out) and line[:1].islower():
            out = out[:-1] + line
        elif out.endswith("-") and re.search(r"\w-$", out):
            out += line  # "COVID-" + "19", "Anglo-" + "Saxon": a real hyphen, no space
        else:
            out += " " + line
        soft = raw.rstrip().endswith(_SOFT_HYPHEN)
    return out


def strip_bullet(text: str) -> str | None:
    """The item's text without its bullet glyph, or None when the line has no bullet."""
    m = BULLET.match(text)
    return text[m.end() :] if m else None


def _cell(lines: list[str]) -> str:
    """A table cell on one line; a cell holding a bulleted list keeps it as an HTML list, which
    the loader reads as list items inside the row."""
    lines = [line for line in lines if line.strip()]
    items = [strip_bullet(line) for line in lines]
    if sum(item is not None for item in items) >= 2:
        grouped: list[list[str]] = []
        for line, item in zip(lines, items, strict=True):
            if item is not None or not grouped:
                grouped.append([item if item is not None else line])
            else:
                grouped[-1].append(line)  # a wrapped item's next line
        lis = "".join(f"<li>{html.escape(reflow(g), quote=False)}</li>" for g in grouped)
        return f"<ul>{lis}</ul>"
    return reflow(lines)


def _plain_list(cell: str) -> str:
    """A row's first cell is read as its label, where the loader reads no HTML: a list there is
    written "HMRC; DWP"."""
    if not cell.startswith("<ul>"):
        return cell
    return "; ".join(html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", cell))


def table_cell(text: str) -> str:
    """A cell's text (lines separated by newlines) as one Markdown table cell."""
    return _cell(text.splitlines())


def render(blocks: list[Block]) -> str:
    """The Markdown text: blocks apart by a blank line, list items of one list line by line."""
    out: list[str] = []
    previous: Block | None = None
    for block in blocks:
        if isinstance(block, Item):
            text = one_line(block.text)
            if not text:
                continue
            if not isinstance(previous, Item) and out:
                out.append("")
            out.append("  " * block.depth + "- " + text)
        elif isinstance(block, Heading):
            text = one_line(block.text)
            if not text:
                continue
            line = "#" * max(1, min(block.level, 6)) + " " + text
            out += ["", line] if out else [line]
        elif isinstance(block, Paragraph):
            text = one_line(block.text)
            if not text:
                continue
            out += ["", text] if out else [text]
        else:
            rows = [row for row in block.rows if any(cell.strip() for cell in row)]
            if not rows:
                continue
            width = max(len(row) for row in rows)
            lines = []
            for index, row in enumerate(rows):
                # a "|" inside a cell would split it: shown as "/"
                cells = [one_line(c).replace("|", "/") or " " for c in row]
                cells[0] = _plain_list(cells[0])
                cells += [" "] * (width - len(row))
                lines.append("| " + " | ".join(cells) + " |")
                if index == 0:
                    lines.append("|" + " --- |" * width)
            out += ["", *lines] if out else lines
        previous = block
    return "\n".join(out).strip("\n") + "\n"
