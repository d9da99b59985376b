"""Load the curated vocabularies under data/vocab into typed, validated lookup tables."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from flowgraph.errors import VocabularyError
from flowgraph.normalise.organisations import ORG_COLUMNS, REQUIRED, alias_key, merge, org_files
from flowgraph.parse.headings import HeadingVocabulary


def read_rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with their line numbers; a missing column is an error naming the file."""
    if not path.exists():
        raise VocabularyError(path, "vocabulary file is missing")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise VocabularyError(path, f"missing column(s) {', '.join(missing)}", 1)
        rows = []
        for line_no, row in enumerate(reader, start=2):
            if None in row:
                raise VocabularyError(
                    path, "row has more fields than the header (quote commas)", line_no
                )
            rows.append((line_no, {k: (v or "").strip() for k, v in row.items()}))
        return rows


def split_aliases(value: str) -> list[str]:
    return [a.strip() for a in value.split("|") if a.strip()]


def compile_patterns(path: Path, line: int, value: str) -> re.Pattern[str]:
    try:
        return re.compile(value, re.I)
    except re.error as exc:
        raise VocabularyError(path, f"bad regular expression {value!r}: {exc}", line) from exc


@dataclass(frozen=True)
class Concept:
    """A row of a concept vocabulary (purposes, legal bases, locations, safeguards, data categories)."""

    id: str
    label: str
    iri: str
    definition: str
    pattern: re.Pattern[str] | None
    extra: dict[str, str]


@dataclass(frozen=True)
class Law:
    id: str
    title: str
    year: int | None
    type: str
    homepage: str
    aliases: tuple[str, ...]


class Vocabulary:
    """Every curated vocabulary, loaded lazily from one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        return self.directory / name

    @cached_property
    def headings(self) -> HeadingVocabulary:
        return HeadingVocabulary.load(self.path("headings.csv"), self.path("heading_cues.csv"))

    @cached_property
    def categories(self) -> list[dict[str, str]]:
        rows = read_rows(
            self.path("recipient_categories.csv"),
            ("id", "label", "kind", "broader", "dpv", "definition", "aliases"),
        )
        ids = {row["id"] for _, row in rows}
        for line, row in rows:
            if row["kind"] not in ("category", "internal"):
                raise VocabularyError(
                    self.path("recipient_categories.csv"),
                    f"kind must be category or internal, not {row['kind']!r}",
                    line,
                )
            if row["broader"] and row["broader"] not in ids:
                raise VocabularyError(
                    self.path("recipient_categories.csv"),
                    f"unknown broader category {row['broader']!r}",
                    line,
                )
        return [row for _, row in rows]

    @cached_property
    def organisations(self) -> list[dict[str, str]]:
        """Curated and generated organisation rows, merged (see normalise.organisations)."""
        curated_files, generated_files = org_files(self.directory)
        categories = {c["id"] for c in self.categories}
        types = {t["id"] for t in self.organisation_types}
        schemes = {s["scheme"] for s in self.identifier_schemes}
        loaded: dict[bool, list[tuple[Path, int, dict[str, str]]]] = {True: [], False: []}
        for is_curated, files in ((True, curated_files), (False, generated_files)):
            for path in files:
                for line, row in read_rows(path, REQUIRED):
                    for column in ORG_COLUMNS:
                        row.setdefault(column, "")
                    if row["category"] and row["category"] not in categories:
                        raise VocabularyError(path, f"unknown category {row['category']!r}", line)
                    if row["type"] and row["type"] not in types:
                        raise VocabularyError(
                            path, f"unknown organisation type {row['type']!r}", line
                        )
                    for identifier in split_aliases(row["identifiers"]):
                        scheme, _, value = identifier.partition(":")
                        if scheme not in schemes or not value:
                            raise VocabularyError(
                                path, f"identifier {identifier!r}: unknown scheme or no value", line
                            )
                    loaded[is_curated].append((path, line, row))
        reserved = {
            alias_key(a)
            for c in self.categories
            for a in [c["label"], *split_aliases(c["aliases"])]
            if not a.startswith("@")
        }
        return merge(loaded[True], loaded[False], reserved)

    @cached_property
    def organisation_types(self) -> list[dict[str, str]]:
        path = self.path("organisation_types.csv")
        rows = [row for _, row in read_rows(path, ("id", "label", "dpv", "broader"))]
        ids = {r["id"] for r in rows}
        for line, row in enumerate(rows, start=2):
            if row["broader"] and row["broader"] not in ids:
                raise VocabularyError(path, f"unknown broader type {row['broader']!r}", line)
        return rows

    @cached_property
    def identifier_schemes(self) -> list[dict[str, str]]:
        path = self.path("identifier_schemes.csv")
        return [row for _, row in read_rows(path, ("scheme", "label", "template", "relation"))]

    @cached_property
    def entity_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        path = self.path("entity_patterns.csv")
        out = []
        for line, row in read_rows(path, ("category", "pattern")):
            out.append((row["category"], re.compile(row["pattern"])))
            if row["category"] not in {c["id"] for c in self.categories}:
                raise VocabularyError(path, f"unknown category {row['category']!r}", line)
        return out

    def _concepts(self, name: str, iri_column: str, pattern_column: str | None) -> list[Concept]:
        path = self.path(name)
        required = ("id" if name != "legal_bases.csv" else "code", "label", iri_column)
        out = []
        for line, row in read_rows(path, required):
            key = row.get("id") or row.get("code") or ""
            raw = row.get(pattern_column, "") if pattern_column else ""
            if pattern_column == "aliases":  # longest first: the regex takes the first that fits
                alts = [alias_regex(a) for a in sorted(split_aliases(raw), key=len, reverse=True)]
                raw = "|".join(alts)
            pattern = compile_patterns(path, line, raw) if raw else None
            out.append(
                Concept(key, row["label"], row[iri_column], row.get("definition", ""), pattern, row)
            )
        return out

    @cached_property
    def purposes(self) -> list[Concept]:
        return self._concepts("purposes.csv", "dpv", "patterns")

    @cached_property
    def legal_bases(self) -> list[Concept]:
        return self._concepts("legal_bases.csv", "iri", "patterns")

    @cached_property
    def locations(self) -> list[Concept]:
        return self._concepts("locations.csv", "iri", "aliases")

    @cached_property
    def safeguards(self) -> list[Concept]:
        return self._concepts("safeguards.csv", "iri", "aliases")

    @cached_property
    def disclosures(self) -> list[Concept]:
        concepts = self._concepts("disclosures.csv", "article", "patterns")
        for line, concept in enumerate(concepts, start=2):  # the words naming a right in a list
            if concept.extra.get("in_lists"):
                compile_patterns(self.path("disclosures.csv"), line, concept.extra["in_lists"])
        return concepts

    @cached_property
    def data_categories(self) -> list[Concept]:
        return self._concepts("data_categories.csv", "pd", "aliases")

    @cached_property
    def data_subjects(self) -> list[Concept]:
        return self._concepts("data_subjects.csv", "dpv", "aliases")

    @cached_property
    def cues(self) -> dict[str, list[re.Pattern[str]]]:
        path = self.path("cues.csv")
        out: dict[str, list[re.Pattern[str]]] = {}
        for line, row in read_rows(path, ("kind", "pattern")):
            out.setdefault(row["kind"], []).append(compile_patterns(path, line, row["pattern"]))
        return out

    @cached_property
    def laws(self) -> list[Law]:
        path = self.path("legislation.csv")
        out = []
        for line, row in read_rows(path, ("id", "title", "year", "type", "homepage", "aliases")):
            if row["year"] and not row["year"].isdigit():
                raise VocabularyError(path, f"year must be a number, not {row['year']!r}", line)
            out.append(
                Law(
                    row["id"],
                    row["title"],
                    int(row["year"]) if row["year"] else None,
                    row["type"],
                    row["homepage"],
                    tuple(split_aliases(row["aliases"])),
                )
            )
        return out


WORD_START = r"(?<![\w&])"


def alias_regex(alias: str) -> str:
    """A case-insensitive regex for an alias that tolerates &/and, quotes, hyphens and spacing."""
    return WORD_START + alias_body(alias)


def any_alias_regex(aliases: list[str]) -> str:
    """One regex for many aliases, longest first (an alternation takes the first that fits), the
    word-start check done once per position rather than once per alias.

    Aliases are grouped by their first letter behind a one-character lookahead, so that at each
    position only the aliases that can start there are tried: with thousands of register names
    a flat alternation would try every one of them at every word."""
    groups: dict[str, list[str]] = {}
    for alias in sorted(aliases, key=len, reverse=True):
        first = alias.strip()[:1]
        key = first.lower() if first.isalnum() else ""
        groups.setdefault(key, []).append(alias_body(alias))
    branches = []
    for first, bodies in sorted(groups.items()):
        alternation = "(?:" + "|".join(bodies) + ")"
        if not first:
            branches.append(alternation)
            continue
        look = "".join(sorted({re.escape(first), re.escape(first.upper())}))
        branches.append(f"(?=[{look}]){alternation}")
    return WORD_START + "(?:" + "|".join(branches) + ")"


def alias_body(alias: str) -> str:
    """`alias_regex` without its word-start check."""
    out = []
    for token in re.split(r"(\s+|&|\band\b|['’]|-|/)", alias.strip()):
        if not token:
            continue
        if token.isspace():
            out.append(r"\s+")
        elif token in ("&", "and"):
            out.append(r"(?:&|and)")
        elif token in ("'", "’"):
            out.append(r"['’]?")
        elif token == "-":
            out.append(r"[\s\-–]?")
        elif token == "/":
            out.append(r"\s*/\s*")
        else:
            out.append(re.escape(token))
    body = "".join(out)
    # Tolerate singular/plural on the last word of a phrase ("registered provider" ~ "registered
    # providers"); single words stay exact ("schools" is a recipient, "school" usually is not).
    if " " in alias.strip() and re.search(r"[a-z]ies$", alias):
        body = body[: -len("ies")] + "(?:y|ies)"
    elif " " in alias.strip() and re.search(r"[a-z]{3}s$", alias) and not alias.endswith("ss"):
        body += "?"
    elif " " in alias.strip() and re.search(r"[a-z]{3}$", alias) and alias[-1] not in "sy":
        body += "s?"
    return rf"{body}(?![\w])"
