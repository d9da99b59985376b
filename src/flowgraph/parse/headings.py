"""Section headings and row labels -> the field they introduce, from data/vocab/headings.csv.

Curators add phrasings to the CSV; `exact` rows must equal the normalised heading, `contains`
rows match anywhere in it and are tried in file order (more specific phrases first).
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


def normalise_heading(text: str) -> str:
    text = text.lower().replace("&", " and ").replace("’", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class HeadingVocabulary:
    exact: dict[str, str]
    contains: tuple[tuple[str, str], ...]

    @classmethod
    def load(cls, path: Path) -> HeadingVocabulary:
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
        return cls(exact, tuple(contains))

    def field_of(self, heading: str) -> str | None:
        """The field a heading introduces, or None when the vocabulary does not know it."""
        key = normalise_heading(heading)
        if not key:
            return None
        if key in self.exact:
            return self.exact[key]
        if len(key.split()) > 16:  # a sentence, not a heading
            return None
        padded = f" {key} "
        for phrase, field in self.contains:
            if f" {phrase}" in padded:
                return field
        return None
