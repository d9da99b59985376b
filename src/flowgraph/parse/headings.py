"""Section headings and row labels -> the field they introduce.

Three steps, each a data file curators extend: `data/vocab/headings.csv` rows that must equal
the normalised heading (`exact`), then rows matched anywhere in it in file order (`contains`,
more specific phrases first), and last scored cues (`data/vocab/heading_cues.csv`): every cue
pattern that matches adds its weight to its field, and the best field wins when it scores at
least 3 and beats the next one. The cues are what let an unseen wording ("Who the data might be
shared with") land in the right field; a heading no step places starts an unknown section.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from flowgraph.errors import VocabularyError

FIELDS = {
    "service",
    "purposes",
    "legal_basis",
    "recipients",
    "transfers",
    "automated_decisions",
    "retention",
    "data_categories",
    "data_subjects",
    "sources",
    "rights",
    "contact",
    "complaints",
    "security",
    "cookies",
    "other",
}


MIN_SCORE = 3  # one strong cue, or two weak ones


def normalise_heading(text: str) -> str:
    text = text.lower().replace("&", " and ").replace("’", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Cue:
    field: str
    weight: int
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class FieldChoice:
    """The field a heading introduces (None: unknown) and why, for `extract --explain`."""

    field: str | None
    reason: str


def load_cues(path: Path) -> tuple[Cue, ...]:
    cues: list[Cue] = []
    if not path.exists():
        return ()
    with path.open(newline="", encoding="utf-8") as f:
        for line_no, row in enumerate(csv.DictReader(f), start=2):
            field, weight, pattern = row.get("field"), row.get("weight"), row.get("pattern")
            if field not in FIELDS or not (weight or "").strip().isdigit() or not pattern:
                raise VocabularyError(path, f"bad heading cue row {row!r}", line_no)
            try:
                compiled = re.compile(pattern, re.I)
            except re.error as exc:
                raise VocabularyError(path, f"bad pattern {pattern!r}: {exc}", line_no) from None
            cues.append(Cue(field, int(weight), compiled))
    return tuple(cues)


@dataclass(frozen=True)
class HeadingVocabulary:
    exact: dict[str, str]
    contains: tuple[tuple[str, str], ...]
    cues: tuple[Cue, ...] = ()

    @classmethod
    def load(cls, path: Path, cues_path: Path | None = None) -> HeadingVocabulary:
        exact: dict[str, str] = {}
        contains: list[tuple[str, str]] = []
        with path.open(newline="", encoding="utf-8") as f:
            for line_no, row in enumerate(csv.DictReader(f), start=2):
                field, match, phrase = row.get("field"), row.get("match"), row.get("phrase")
                if field not in FIELDS or match not in ("exact", "contains") or not phrase:
                    raise VocabularyError(path, f"bad heading row {row!r}", line_no)
                key = normalise_heading(phrase)
                if match == "exact":
                    exact[key] = field
                else:
                    contains.append((key, field))
        return cls(exact, tuple(contains), load_cues(cues_path) if cues_path else ())

    def field_of(self, heading: str) -> str | None:
        """The field a heading introduces, or None when the vocabulary does not know it."""
        return self.choose(heading).field

    def choose(self, heading: str, *, cues: bool = True) -> FieldChoice:
        key = normalise_heading(heading)
        if not key:
            return FieldChoice(None, "empty heading")
        if key in self.exact:
            return FieldChoice(self.exact[key], f"headings.csv exact {key!r}")
        if len(key.split()) > 16:  # a sentence, not a heading
            return FieldChoice(None, "too long for a heading")
        padded = f" {key} "
        for phrase, field in self.contains:
            if f" {phrase}" in padded:
                return FieldChoice(field, f"headings.csv contains {phrase!r}")
        if not cues or not self.cues:
            return FieldChoice(None, "no heading phrase matches")
        return self.score(key)

    def score(self, key: str) -> FieldChoice:
        scores: dict[str, int] = {}
        hits: dict[str, list[str]] = {}
        for cue in self.cues:
            m = cue.pattern.search(key)
            if m:
                scores[cue.field] = scores.get(cue.field, 0) + cue.weight
                hits.setdefault(cue.field, []).append(m.group(0))
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        if (
            not ranked
            or ranked[0][1] < MIN_SCORE
            or (len(ranked) > 1 and ranked[1][1] == ranked[0][1])
        ):
            detail = ", ".join(f"{f} {n}" for f, n in ranked) or "no cue"
            return FieldChoice(None, f"cues undecided ({detail})")
        field, points = ranked[0]
        if field == "service":
            return FieldChoice("other", f"cue: a title ({', '.join(hits[field])})")
        return FieldChoice(
            field, f"cues {field} {points} ({', '.join(repr(h) for h in hits[field])})"
        )
