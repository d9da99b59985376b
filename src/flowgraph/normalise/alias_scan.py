"""Find any of thousands of aliases in a text, compiling only the aliases the text can hold.

`re.compile(any_alias_regex(aliases))` over the gazetteer's ~3,000 aliases costs 0.5-0.8 s of
pure-Python regex compilation in every process that reads a notice: most of an incremental
rebuild of one notice. An alias's regex begins with its leading letters or digits written as
they are, so at a word start only the aliases whose leading run is a prefix of the word there
can match. `AliasScanner` looks those up in a table and compiles (once, cached) an alternation
of just them, in the big alternation's order. Its matches are those of the big regex's
`finditer`: same positions, same alias chosen at each, same skipping past a match (for texts
whose lowercase has the length of the text; others are read by the big regex).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property

from flowgraph.normalise.vocab import alias_body, any_alias_regex

_LEADING_RUN = re.compile(r"[^\W_]+")
# the big regex's WORD_START, with the word there (at a letter or digit; or anywhere)
_WORD_STARTS = re.compile(r"(?<![\w&])([^\W_]+)")
_ANY_START = re.compile(r"(?<![\w&])([^\W_]*)")
_UNSEEN = object()
_MEMO_WORDS = 200_000  # words remembered per scanner (a pattern or None each)

Entry = tuple[int, int, str]  # (group: 0 no letter first / 1 letter, rank, regex body)


class AliasScanner:
    """What `re.compile(any_alias_regex(aliases), re.I if ignore_case else 0).finditer` finds,
    as (start, end, text), without compiling every alias."""

    def __init__(self, aliases: list[str], ignore_case: bool) -> None:
        self.aliases = list(aliases)
        self.flags = re.I if ignore_case else 0
        self.by_run: dict[str, list[Entry]] = {}  # lowercased leading run -> its aliases
        self.other: list[Entry] = []  # aliases starting with no letter or digit: tried first
        self.longest_run = 0
        for rank, alias in enumerate(sorted(aliases, key=len, reverse=True)):
            stripped = alias.strip()
            run = _LEADING_RUN.match(stripped)
            if stripped[:1].isalnum() and run and run.group(0).isascii():
                key = run.group(0).lower()
                self.by_run.setdefault(key, []).append((1, rank, alias_body(alias)))
                self.longest_run = max(self.longest_run, len(key))
            elif stripped[:1].isalnum():
                self.other.append((1, rank, alias_body(alias)))  # non-ASCII start: always tried
            else:
                self.other.append((0, rank, alias_body(alias)))
        self._compiled: dict[tuple[int, ...], re.Pattern[str]] = {}
        self._by_word: dict[str, re.Pattern[str] | object | None] = {}

    @cached_property
    def _whole(self) -> re.Pattern[str]:
        return re.compile(any_alias_regex(self.aliases), self.flags)

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        if len(text.lower()) != len(text):  # a case mapping that changes lengths: the big regex
            for match in self._whole.finditer(text):
                yield match.start(), match.end(), match.group(0)
            return
        starts = _ANY_START if self.other else _WORD_STARTS
        memo = self._by_word
        after = 0  # the end of the last match: the next one starts at or after it
        for found in starts.finditer(text):
            position = found.start()
            if position < after:
                continue
            word = found.group(1)[: self.longest_run].lower()
            pattern = memo.get(word, _UNSEEN)
            if pattern is _UNSEEN:
                if len(memo) > _MEMO_WORDS:
                    memo.clear()
                pattern = memo[word] = self._pattern_for(word)
            if pattern is None:
                continue
            match = pattern.match(text, position)
            if match is not None and match.end() > position:
                yield position, match.end(), match.group(0)
                after = match.end()

    def _pattern_for(self, word: str) -> re.Pattern[str] | None:
        """The alternation of the aliases that can start where the text's word is `word`."""
        found = list(self.other)
        for length in range(1, len(word) + 1):
            found += self.by_run.get(word[:length], ())
        return self._pattern(tuple(found)) if found else None

    def _pattern(self, candidates: tuple[Entry, ...]) -> re.Pattern[str]:
        ordered = sorted(candidates)  # the no-letter group first, then by rank (longest first)
        key = tuple(rank for _, rank, _ in ordered)
        pattern = self._compiled.get(key)
        if pattern is None:
            bodies = "|".join(body for _, _, body in ordered)
            pattern = self._compiled[key] = re.compile(f"(?:{bodies})", self.flags)
        return pattern
