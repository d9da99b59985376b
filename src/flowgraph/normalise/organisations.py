"""Load the organisation gazetteer: curated files first, then the rows generated from registers.

Curated rows (data/vocab/organisations.csv and data/vocab/organisations/*.csv) are written by
hand; generated rows (data/vocab/organisations/generated/*.csv, from `flowgraph vocab build`)
cover every UK council and central government body. A generated row describing a body a
curated row already describes is merged into it: the curated id, label, category and aliases
win, the register adds identifiers, type, parents and dates the curated row leaves blank. An
alias two bodies claim stays with the curated one.
"""

from __future__ import annotations

import re
from pathlib import Path

from flowgraph.errors import VocabularyError

ORG_COLUMNS = [
    "id",
    "label",
    "category",
    "dpv",
    "gss",
    "homepage",
    "aliases",
    "type",
    "identifiers",
    "part_of",
    "replaced_by",
    "start",
    "end",
    "region",
    "nation",
    "source",
]
REQUIRED = ("id", "label", "category", "dpv", "aliases")
_FILL = (
    "dpv",
    "gss",
    "homepage",
    "type",
    "part_of",
    "replaced_by",
    "start",
    "end",
    "region",
    "nation",
)
_LINKS = ("part_of", "replaced_by")


def org_files(directory: Path) -> tuple[list[Path], list[Path]]:
    """(curated, generated) organisation files under a vocabulary folder, in a stable order."""
    folder = directory / "organisations"
    curated = [directory / "organisations.csv"]
    generated: list[Path] = []
    if folder.is_dir():
        curated += sorted(folder.glob("*.csv"))
        generated = sorted((folder / "generated").glob("*.csv"))
    return curated, generated


def alias_key(alias: str) -> str:
    text = alias.lstrip("=").lower().replace("’", "").replace("'", "").replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


def _keys(row: dict[str, str]) -> set[str]:
    return {alias_key(a) for a in [row["label"], *_split(row["aliases"])] if not a.startswith("@")}


def merge(
    curated: list[tuple[Path, int, dict[str, str]]],
    generated: list[tuple[Path, int, dict[str, str]]],
    reserved: frozenset[str] | set[str] = frozenset(),
) -> list[dict[str, str]]:
    """Curated rows, enriched by the generated rows that describe the same body, then the rest."""
    rows: dict[str, dict[str, str]] = {}
    where: dict[str, tuple[Path, int]] = {}
    by_identifier: dict[str, str] = {}
    by_label: dict[str, str] = {}
    by_alias: dict[str, str] = {}
    for path, line, row in curated:
        if row["id"] in rows:
            other = where[row["id"]]
            raise VocabularyError(
                path, f"duplicate id {row['id']!r} (also {other[0].name} line {other[1]})", line
            )
        rows[row["id"]] = dict(row)
        where[row["id"]] = (path, line)
        for identifier in _split(row.get("identifiers", "")) + (
            [f"gss:{row['gss']}"] if row.get("gss") else []
        ):
            by_identifier.setdefault(identifier, row["id"])
        by_label.setdefault(alias_key(row["label"]), row["id"])
        for key in _keys(row):
            by_alias.setdefault(key, row["id"])
    renamed: dict[str, str] = {}  # generated id -> the curated id it was merged into
    additions: list[dict[str, str]] = []
    merged_aliases: list[tuple[str, dict[str, str]]] = []
    for path, line, row in generated:
        identifiers = _split(row.get("identifiers", ""))
        target = next((by_identifier[i] for i in identifiers if i in by_identifier), None)
        label = alias_key(row["label"])
        if target is None:
            target = by_label.get(label)
        if target is None and not row.get("end") and label in by_alias:
            target = by_alias[label]
        if target is not None:
            _enrich(rows[target], row)
            renamed[row["id"]] = target
            merged_aliases.append((target, row))
            continue
        if row["id"] in rows:
            raise VocabularyError(path, f"generated id {row['id']!r} is also a curated id", line)
        additions.append(dict(row))
        where[row["id"]] = (path, line)
    taken = set(by_alias) | reserved  # recipient categories' aliases are curated too
    for target, row in merged_aliases:  # the register's spellings of a curated body, after its own
        extra = _unclaimed([row["label"], *_split(row["aliases"])], taken)
        if extra:
            rows[target]["aliases"] = "|".join([*_split(rows[target]["aliases"]), *extra])
    for row in additions:
        rows[row["id"]] = row
        # an alias a curated body claims (or an earlier generated one) is not this body's
        row["aliases"] = "|".join(_unclaimed(_split(row["aliases"]), taken))
        row["generated"] = "true"  # its label may name a curated body too: the curated one wins
        taken.add(alias_key(row["label"]))
    for row in rows.values():
        for column in _LINKS:
            ids = [renamed.get(i, i) for i in _split(row.get(column, ""))]
            for i in ids:
                if i not in rows:
                    path, line = where[row["id"]]
                    raise VocabularyError(path, f"{column} names unknown organisation {i!r}", line)
            row[column] = "|".join(dict.fromkeys(i for i in ids if i != row["id"]))
    return list(rows.values())


def _unclaimed(aliases: list[str], taken: set[str]) -> list[str]:
    """The aliases whose key no body has claimed yet; their keys are claimed now."""
    kept = []
    for alias in aliases:
        key = alias_key(alias)
        if key not in taken:
            kept.append(alias)
            taken.add(key)
    return kept


def _enrich(row: dict[str, str], extra: dict[str, str]) -> None:
    for column in _FILL:
        if not row.get(column) and extra.get(column):
            row[column] = extra[column]
    identifiers = _split(row.get("identifiers", "")) + _split(extra.get("identifiers", ""))
    row["identifiers"] = "|".join(dict.fromkeys(identifiers))
    row.setdefault("source", "")
    if extra.get("source") and extra["source"] not in row["source"]:
        row["source"] = "; ".join(s for s in (row["source"], extra["source"]) if s)
