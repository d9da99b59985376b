"""Decoded text that remembers, for every character, where it came from in the notice.

Notices are normalised before matching (HTML entities decoded, whitespace folded, Markdown
emphasis dropped), but evidence must point at the exact source characters. A `Located` string
keeps a raw span for each decoded character so any substring maps back to source offsets.
"""

from __future__ import annotations

import html
import re
from array import array
from dataclasses import dataclass

from flowgraph.model import Span

_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)|<(https?://[^>\s]+)>")
_MD_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")
_SPACES = re.compile(r"\s")


@dataclass(frozen=True)
class Located:
    """A decoded string plus, per character, the [start, end) of its source characters."""

    text: str
    starts: array
    ends: array

    def __len__(self) -> int:
        return len(self.text)

    def __bool__(self) -> bool:
        return bool(self.text)

    @property
    def span(self) -> Span:
        if not self.text:
            raise ValueError("an empty Located string has no span")
        return Span(self.starts[0], self.ends[-1])

    def sub(self, i: int, j: int) -> Located:
        return Located(self.text[i:j], self.starts[i:j], self.ends[i:j])

    def sub_span(self, i: int, j: int) -> Span:
        return Span(self.starts[i], self.ends[j - 1])

    def strip(self, chars: str | None = None) -> Located:
        stripped_left = len(self.text) - len(self.text.lstrip(chars))
        right = len(self.text.rstrip(chars))
        if right <= stripped_left:
            return self.sub(0, 0)
        return self.sub(stripped_left, right)

    def concat(self, other: Located, sep: str = " ") -> Located:
        """Join two pieces; the separator maps to the end of the first piece."""
        if not self.text:
            return other
        if not other.text:
            return self
        at = self.ends[-1]
        starts = array("l", self.starts)
        ends = array("l", self.ends)
        starts.extend([at] * len(sep))
        ends.extend([at] * len(sep))
        starts.extend(other.starts)
        ends.extend(other.ends)
        return Located(self.text + sep + other.text, starts, ends)


class _Builder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts = array("l")
        self.ends = array("l")

    def raw(self, text: str, offset: int) -> None:
        for k, ch in enumerate(text):
            self.put(ch, offset + k, offset + k + 1)

    def put(self, ch: str, start: int, end: int) -> None:
        if _SPACES.match(ch):
            if not self.chars or self.chars[-1] == " ":
                return
            ch = " "
        self.chars.append(ch)
        self.starts.append(start)
        self.ends.append(end)

    def build(self) -> Located:
        return Located("".join(self.chars), self.starts, self.ends).strip()


def decode(source: str, start: int, end: int, *, markdown: bool = False) -> Located:
    """Decode `source[start:end]`: entities, folded whitespace and (optionally) Markdown marks."""
    out = _Builder()
    fragment = source[start:end]
    patterns = [_ENTITY]
    if markdown:
        patterns += [_MD_LINK, _MD_EMPHASIS]
    pos = 0
    while pos < len(fragment):
        match = None
        for pattern in patterns:
            m = pattern.search(fragment, pos)
            if m and (match is None or m.start() < match.start()):
                match = m
        if match is None:
            out.raw(fragment[pos:], start + pos)
            break
        out.raw(fragment[pos : match.start()], start + pos)
        m_start, m_end = start + match.start(), start + match.end()
        token = match.group(0)
        if token.startswith("&"):
            for ch in html.unescape(token):
                out.put(ch, m_start, m_end)
        elif match.re is _MD_LINK:
            group = 1 if match.group(1) is not None else 2
            out.raw(match.group(group), start + match.start(group))
        # Markdown emphasis marks are dropped.
        pos = match.end()
    return out.build()


_BULLET = re.compile(r"^(?:[•·▪◦●\-*+–—]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")
_TRAILING = re.compile(r"(?:\s*[.,;:]+)?(?:\s*(?:;|,)?\s*\b(?:and|or)\b)?\s*[.,;:]*\s*$")


def strip_bullet(text: Located) -> Located:
    """Drop a leading bullet or list number ("• ", "- ", "1. ", "a) ")."""
    text = text.strip()
    while True:
        m = _BULLET.match(text.text)
        if not m:
            return text
        text = text.sub(m.end(), len(text)).strip()


def strip_trailing_punctuation(text: Located) -> Located:
    """Drop trailing list punctuation and a dangling "; and" / "; or" that joins list items."""
    m = _TRAILING.search(text.text)
    if m and m.start() > 0 and m.group(0).strip():
        tail = m.group(0)
        # Keep a closing "and"/"or" only when it is not a list joiner (i.e. not preceded by ; or ,).
        if re.search(r"\b(?:and|or)\s*[.,;:]*\s*$", tail) and not re.search(r"[;,]", tail):
            m2 = re.search(r"[.,;:]+\s*$", text.text)
            return text.sub(0, m2.start()).strip() if m2 else text
        return text.sub(0, m.start()).strip()
    return text


def clean_item(text: Located) -> Located:
    return strip_trailing_punctuation(strip_bullet(text))
