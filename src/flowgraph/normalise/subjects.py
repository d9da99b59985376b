"""Whose data it is: the categories of data subjects a notice names (Art. 30(1)(c)).

Names of people ("children", "tenants", "staff") appear everywhere in notices, mostly not as data
subjects ("To employ staff", "The Landlord and Tenant Act"). So outside a section about data
subjects a name counts only where the wording says the data is about them: after a cue such as
"information about" (`subject_intro` in data/vocab/cues.csv), in a list that continues one
("children, young people and their families"), or as a possessive followed by data ("a child's
name", `subject_possessive`). Inside a "Whose information we hold" section every name counts.
The names are data/vocab/data_subjects.csv.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flowgraph.model import DataSubject, Notice
from flowgraph.normalise.evidence import evidence
from flowgraph.normalise.laws import find_laws
from flowgraph.normalise.spans import Spans
from flowgraph.normalise.vocab import Concept, any_alias_regex, split_aliases
from flowgraph.parse.located import Located

# Words that may sit between a cue and a name, or between two names of one list.
_JOINER = r"(?:\s|,|&|/|\b(?:and|or|a|an|the|our|your|their|its|any|all|other|local|current|former|prospective|potential|you|including|such\s+as|individual)\b)"
_JOINERS_ONLY = re.compile(rf"^{_JOINER}*$", re.I)
_JOINERS_TAIL = re.compile(rf"{_JOINER}+$", re.I)
_LOOK_BACK = 160  # characters before a name searched for its cue
_LOOK_AHEAD = 160  # characters after a name searched for a possessive ("'s details")


@lru_cache(maxsize=8)  # a reader is made per notice; the vocabulary is the same for all
def _scanner(aliases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(any_alias_regex(list(aliases)), re.I)


class SubjectReader:
    def __init__(
        self,
        subjects: list[Concept],
        intros: list[re.Pattern[str]],
        possessives: list[re.Pattern[str]],
        notice: Notice,
    ) -> None:
        self.subjects = [s for s in subjects if s.pattern is not None]
        aliases = [a for s in self.subjects for a in split_aliases(s.extra.get("aliases", ""))]
        self.scanner = _scanner(tuple(aliases)) if aliases else None
        self.intros = intros
        self.possessives = possessives
        self.notice = notice

    def read(self, sentence: Located, *, section: bool) -> list[DataSubject]:
        """The data subjects one sentence or list item names; `section` when it sits under a
        heading about data subjects, where no cue is needed."""
        text = sentence.text
        accepted: list[DataSubject] = []
        previous_end: int | None = None
        names = self._names(text)
        if names:  # "Information About Individual Pupils" inside a law's title names no one
            titles = [(m.start, m.end) for m in find_laws(text) + find_laws(text, prose=True)]
            inside = Spans(titles)
            names = [n for n in names if not inside.contains(n[0], n[1])]
        for start, end, concept in names:
            chained = previous_end is not None and _JOINERS_ONLY.match(text[previous_end:start])
            if section or chained or self._cued(text, start, end):
                accepted.append(
                    DataSubject(text[start:end], concept.id, evidence(self.notice, sentence))
                )
                previous_end = end
            else:
                previous_end = None
        return accepted

    def _names(self, text: str) -> list[tuple[int, int, Concept]]:
        """Every name, the longest where two start together ("foster carers" over "carers")."""
        if self.scanner is None:
            return []
        return [
            (m.start(), m.end(), concept)
            for m in self.scanner.finditer(text)
            for concept in [next(s for s in self.subjects if s.pattern.fullmatch(m.group(0)))]
        ]

    def _cued(self, text: str, start: int, end: int) -> bool:
        before = _JOINERS_TAIL.sub("", text[max(0, start - _LOOK_BACK) : start]) + " "
        if any(p.search(before) for p in self.intros):
            return True
        after = text[end : end + _LOOK_AHEAD]  # not the whole rest: one copy per name
        return any(p.match(after) for p in self.possessives)
