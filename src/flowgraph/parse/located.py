"""Decoded text that remembers, for every character, where it came from in the notice.

Notices are normalised before matching (HTML entities decoded, whitespace folded, Markdown
emphasis dropped), but evidence must point at the exact source characters. A `Located` string
keeps a raw span for each decoded character so any substring maps back to source offsets.
"""

from __future__ import annotations

import html
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from flowgraph.model import Span

_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)|<(https?://[^>\s]+)>")
_MD_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")
_SPACES = re.compile(r"\s")
_RUNS = re.compile(r"\s+|(\S+)")


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


def join(parts: list[Located], sep: str = " ") -> Located:
    """`parts[0].concat(parts[1]).concat(...)` in one pass: linear in the total length, where
    concatenating a growing string piece by piece is quadratic."""
    nonempty = [part for part in parts if part.text]
    if len(nonempty) <= 1:
        return nonempty[0] if nonempty else parts[-1]
    starts = array("l", nonempty[0].starts)
    ends = array("l", nonempty[0].ends)
    for part in nonempty[1:]:
        at = ends[-1]
        starts.extend([at] * len(sep))
        ends.extend([at] * len(sep))
        starts.extend(part.starts)
        ends.extend(part.ends)
    return Located(sep.join(part.text for part in nonempty), starts, ends)


class _Builder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts = array("l")
        self.ends = array("l")

    def raw(self, text: str, offset: int) -> None:
        """`put` every character of `text` (at `offset`), a run at a time."""
        for m in _RUNS.finditer(text):
            a, b = m.span()
            if m.group(1) is None:  # a run of whitespace: one space, unless one was just put
                if self.chars and self.chars[-1] != " ":
                    self.put(" ", offset + a, offset + a + 1)
                continue
            self.chars.extend(m.group(1))
            self.starts.extend(range(offset + a, offset + b))
            self.ends.extend(range(offset + a + 1, offset + b + 1))

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


_LINK_TEXT_END = re.compile(r"[\]\n]")
_LINK_URL_END = re.compile(r"[)\n]")
_AUTOLINK_END = re.compile(r"[>\s]")


class _Stops:
    """The next match of a one-character pattern at or after a position, remembered: asked
    from increasing positions, the same stretch of text is never scanned twice."""

    def __init__(self, text: str, pattern: re.Pattern[str]) -> None:
        self.text, self.pattern = text, pattern
        self.asked: int | None = None  # from `asked` on, the next stop is at `found` (-1: none)
        self.found = -1

    def next(self, pos: int) -> int:
        if self.asked is None or pos < self.asked or (self.found != -1 and pos > self.found):
            m = self.pattern.search(self.text, pos)
            self.asked, self.found = pos, m.start() if m else -1
        return self.found


class _LinkFinder:
    """`_MD_LINK.search(fragment, pos)` without its quadratic cost on many `[` or `<` that open
    no link: a `[` fails exactly when the next `]`-or-newline after it is not `](...)`, the same
    for every `[` before that stop, so the search jumps from stop to stop; likewise `<http://`."""

    def __init__(self, fragment: str) -> None:
        self.text = fragment
        self.text_end = _Stops(fragment, _LINK_TEXT_END)
        self.url_end = _Stops(fragment, _LINK_URL_END)
        self.auto_end = _Stops(fragment, _AUTOLINK_END)
        self.bracket = self.angle = -2  # next start of each alternative (-2: not looked for)

    def _bracket(self, pos: int) -> int:
        text, i = self.text, self.text.find("[", pos)
        while i != -1:
            stop = self.text_end.next(i + 1)
            if stop == -1:
                return -1
            if text.startswith("](", stop):
                close = self.url_end.next(stop + 2)
                if close != -1 and text[close] == ")":
                    return i
            i = text.find("[", stop + 1)
        return -1

    def _angle(self, pos: int) -> int:
        text, i = self.text, self.text.find("<", pos)
        while i != -1:
            scheme = 9 if text.startswith("https://", i + 1) else 8
            if scheme == 9 or text.startswith("http://", i + 1):
                stop = self.auto_end.next(i + scheme)
                if stop == -1:
                    return -1
                if stop > i + scheme and text[stop] == ">":
                    return i
            i = text.find("<", i + 1)
        return -1

    def search(self, pos: int) -> re.Match[str] | None:
        if self.bracket == -2 or 0 <= self.bracket < pos:
            self.bracket = self._bracket(pos)
        if self.angle == -2 or 0 <= self.angle < pos:
            self.angle = self._angle(pos)
        starts = [i for i in (self.bracket, self.angle) if i >= 0]
        return _MD_LINK.match(self.text, min(starts)) if starts else None


def decode(source: str, start: int, end: int, *, markdown: bool = False) -> Located:
    """Decode `source[start:end]`: entities, folded whitespace and (optionally) Markdown marks."""
    out = _Builder()
    fragment = source[start:end]
    searches: list[Callable[[int], re.Match[str] | None]] = [partial(_ENTITY.search, fragment)]
    if markdown:
        searches += [_LinkFinder(fragment).search, partial(_MD_EMPHASIS.search, fragment)]
    pos = 0
    # Each pattern's next match, searched again only once the text before it is consumed: a
    # search from every position would be quadratic in a fragment of many marks.
    ahead = [search(0) for search in searches]
    while pos < len(fragment):
        match = None
        for k, search in enumerate(searches):
            m = ahead[k]
            if m is not None and m.start() < pos:
                m = ahead[k] = search(pos)
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
_BULLET_AT = re.compile(_BULLET.pattern[1:])  # the same, matched at a position
# The tail `(?:\s*[.,;:]+)?(?:\s*(?:;|,)?\s*\b(?:and|or)\b)?\s*[.,;:]*\s*$` as one search: a
# dangling joiner and punctuation runs. That pattern's adjacent `\s*` and `[.,;:]` runs backtrack
# cubically on a long run of commas; the same strings are matched here by possessive runs
# (whitespace and punctuation alternate, so each run has one reading), and the search tries only
# the starts of the few runs that can begin the tail (`_trailing`).
_TRAILING_AT = re.compile(
    r"\s*+[.,;:]*+\s*+[.,;:]*+\s*+$"
    r"|\s*+[.,;:]*+\s*+[;,]?+\s*+\b(?:and|or)\b\s*+[.,;:]*+\s*+$"
)
_PUNCT = ".,;:"


def _trailing(text: str) -> re.Match[str]:
    """The leftmost match of the tail pattern above. A tail holds only spaces, at most three
    punctuation runs and at most one "and"/"or", and can start only where such a run starts
    (any match starting inside a run also matches from the run's start), so walking back over
    those runs from the end gives the few starts to try, in order."""
    starts: list[int] = []
    i, puncts, words = len(text), 0, 0
    while i > 0:
        c = text[i - 1]
        if c.isspace():
            j = len(text[:i].rstrip())
        elif c in _PUNCT:
            puncts += 1
            j = len(text[:i].rstrip(_PUNCT))
        elif text.endswith(("and", "or"), 0, i) and words == 0:
            j = i - (3 if text.endswith("and", 0, i) else 2)
            if (j > 0 and (text[j - 1].isalnum() or text[j - 1] == "_")) or (
                i < len(text) and (text[i].isalnum() or text[i] == "_")
            ):
                break
            words += 1
        else:
            break
        if puncts > 3:
            break
        starts.append(j)
        i = j
    for start in reversed(starts):
        m = _TRAILING_AT.match(text, start)
        if m:
            return m
    return _TRAILING_AT.match(text, len(text))  # type: ignore[return-value]


def strip_bullet(text: Located) -> Located:
    """Drop a leading bullet or list number ("• ", "- ", "1. ", "a) ")."""
    text = text.strip()
    pos = 0  # past every bullet so far ("1. a) "), found without copying the text each time
    while m := _BULLET_AT.match(text.text, pos):
        pos = m.end()
    return text.sub(pos, len(text)).strip() if pos else text


def strip_trailing_punctuation(text: Located) -> Located:
    """Drop trailing list punctuation and a dangling "; and" / "; or" that joins list items."""
    m = _trailing(text.text)
    if m and m.start() > 0 and m.group(0).strip():
        tail = m.group(0)
        # Keep a closing "and"/"or" only when it is not a list joiner (i.e. not preceded by ; or ,).
        if re.search(r"\b(?:and|or)\s*[.,;:]*\s*$", tail) and not re.search(r"[;,]", tail):
            # the final punctuation run and the spaces after it (`[.,;:]+\s*$`)
            body = text.text.rstrip()
            if not body.endswith(tuple(_PUNCT)):
                return text
            return text.sub(0, len(body.rstrip(_PUNCT))).strip()
        return text.sub(0, m.start()).strip()
    return text


def clean_item(text: Located) -> Located:
    return strip_trailing_punctuation(strip_bullet(text))
