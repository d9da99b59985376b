"""Generate the gazetteer's register rows (every UK council, every central government body).

The registers kept under data/registers/ are public data files (mySociety's local authority
list, the GOV.UK government-organisation register) plus two small hand files: text repairs for
mis-decoded names and the machinery-of-government changes since the register was frozen.
`flowgraph vocab build` turns them into data/vocab/organisations/generated/*.csv; the loader
merges those with the curated files, curated rows winning. Running it twice gives the same
bytes, so a test can tell when the generated files are stale.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from flowgraph.errors import VocabularyError
from flowgraph.normalise.organisations import ORG_COLUMNS

LA_FILE = "uk-local-authorities.csv"
GOV_FILE = "government-organisations.tsv"
ABBREVIATIONS_FILE = "government-organisation-abbreviations.tsv"
REPAIRS_FILE = "repairs.csv"
LA_TYPES_FILE = "local-authority-types.csv"
GOV_TYPES_FILE = "government-types.csv"
CHANGES_FILE = "government-changes.csv"
PARENTS_FILE = "government-parents.csv"
ABBREVIATION_STOPLIST = "abbreviation-stoplist.txt"

LA_SOURCE = "mySociety uk_local_authority_names_and_codes (MIT)"
GOV_SOURCE = "GOV.UK government-organisation register, 2017 (OGL 3.0)"

# A name worth looking for in running text: it says what it is ("... Council", "Borough of
# ...", "... Agency"); bare place names ("Leicester") are resolved only as a whole phrase.
_SCANNABLE_LA = re.compile(r"\b(?:council|borough of|corporation|authority|comhairle)\b", re.I)


@dataclass(frozen=True)
class GeneratedFile:
    name: str
    rows: list[dict[str, str]]

    def text(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=ORG_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in sorted(self.rows, key=lambda r: r["id"]):
            writer.writerow({c: row.get(c, "") for c in ORG_COLUMNS})
        return out.getvalue()


def slug(text: str) -> str:
    text = text.lower().replace("&", " and ").replace("’", "").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    if not path.exists():
        raise VocabularyError(path, "register file is missing")
    with path.open(newline="", encoding="utf-8") as f:
        return [
            {k: (v or "").strip() for k, v in row.items() if k}
            for row in csv.DictReader(f, delimiter=delimiter)
        ]


class Repairs:
    """Known mis-decodings in the registers (Welsh names) and their repaired text."""

    def __init__(self, path: Path) -> None:
        self.pairs = [(r["bad"], r["good"]) for r in _rows(path)]

    def __call__(self, text: str) -> str:
        for bad, good in self.pairs:
            text = text.replace(bad, good)
        if "\ufffd" in text or "ï¿½" in text or "ï¾" in text:
            raise VocabularyError(Path(REPAIRS_FILE), f"unrepaired mis-decoded text: {text!r}")
        return text


def _unique_aliases(
    candidates: dict[str, list[str]], current: set[str], own: dict[str, set[str]] | None = None
) -> dict[str, list[str]]:
    """Drop an alias that names two bodies, unless exactly one of them still exists or exactly
    one of the live ones bears it as its own name (`own`: the keys of each body's names)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for entity_id, aliases in candidates.items():
        for alias in aliases:
            owners[_key(alias)].add(entity_id)
    own = own or {}
    kept: dict[str, list[str]] = {}
    for entity_id, aliases in candidates.items():
        out = []
        for alias in aliases:
            key = _key(alias)
            who = owners[key]
            live = who & current
            named = {w for w in live if key in own.get(w, set())}
            if (
                len(who) == 1
                or (len(live) == 1 and entity_id in live)
                or (len(named) == 1 and entity_id in named)
            ):
                out.append(alias)
        kept[entity_id] = out
    return kept


def _key(alias: str) -> str:
    text = alias.lstrip("=").lower().replace("&", " and ").replace("’", "").replace("'", "")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _dedupe(aliases: list[str]) -> list[str]:
    """One spelling per key; a scannable form wins over a phrase-only one."""
    by_key: dict[str, str] = {}
    for alias in aliases:
        key = _key(alias)
        if not key:
            continue
        if key not in by_key or (by_key[key].startswith("=") and not alias.startswith("=")):
            by_key[key] = alias
    return list(by_key.values())


_TIER = re.compile(r"\b(?:Metropolitan )?(Borough|City|District|County|County Borough) Council$")


def _council_forms(official: str, short: str) -> list[str]:
    """How councils and their neighbours write a council's name besides the official form:
    "Calderdale Council" and "Rochdale Borough Council" for "... Metropolitan Borough Council"."""
    if not short or short.lower().endswith(("council", "authority", "region")):
        return []
    forms = [f"{short} Council"]
    tier = _TIER.search(official)
    if tier:
        forms.append(f"{short} {tier.group(1)} Council")
    return forms


def local_authorities(folder: Path, repair: Repairs) -> list[dict[str, str]]:
    rows = _rows(folder / LA_FILE)
    types = {r["register_type"]: r for r in _rows(folder / LA_TYPES_FILE)}
    ids: dict[str, str] = {}
    names = Counter(slug(repair(r["official-name"])) for r in rows)
    for r in rows:
        base = slug(repair(r["official-name"]))
        ids[r["local-authority-code"]] = (
            base if names[base] == 1 else f"{base}-{r['local-authority-code'].lower()}"
        )
    current = {ids[r["local-authority-code"]] for r in rows if r["current-authority"] == "True"}
    candidates: dict[str, list[str]] = {}
    own: dict[str, set[str]] = {}
    out: dict[str, dict[str, str]] = {}
    for r in rows:
        code = r["local-authority-code"]
        entity_id = ids[code]
        label = repair(r["official-name"])
        kind = types.get(r["local-authority-type-name"])
        if kind is None:
            raise VocabularyError(
                folder / LA_TYPES_FILE,
                f"no organisation type for register type {r['local-authority-type-name']!r}",
            )
        spellings = [label, repair(r["nice-name"])]
        # alt-names are joined by bare commas; a comma and a space is inside a name
        # ("Bristol, City of"; "Armagh City, Banbridge and Craigavon")
        spellings += [repair(a) for a in re.split(r",(?! )", r["alt-names"])]
        spellings += _council_forms(label, repair(r["nice-name"]))
        own[entity_id] = {_key(label), _key(repair(r["nice-name"]))}
        aliases = [
            a if _SCANNABLE_LA.search(a) and " " in a.strip() else "=" + a
            for a in spellings
            if a.strip()
        ]
        candidates[entity_id] = _dedupe(aliases)
        identifiers = [f"lacode:{code}"]
        if r["gss-code"]:
            identifiers.insert(0, f"gss:{r['gss-code']}")
        if r["gov-uk-slug"]:
            identifiers.append(f"govuk-council:{r['gov-uk-slug']}")
        part_of = [ids[c] for c in (r["county-la"], r["combined-authority"]) if c and c in ids]
        replaced = [ids[c] for c in r["replaced-by"].split(",") if c and c in ids]
        out[entity_id] = {
            "id": entity_id,
            "label": label,
            "category": kind["category"],
            "dpv": kind["dpv"],
            "gss": r["gss-code"],
            "type": kind["type"],
            "identifiers": "|".join(identifiers),
            "part_of": "|".join(part_of),
            "replaced_by": "|".join(replaced),
            "start": r["start-date"],
            "end": r["end-date"],
            "region": r["region"],
            "nation": r["nation"],
            "source": LA_SOURCE,
        }
    for entity_id, aliases in _unique_aliases(candidates, current, own).items():
        label_key = _key(out[entity_id]["label"])
        out[entity_id]["aliases"] = "|".join(a for a in aliases if _key(a) != label_key)
    return list(out.values())


def government(folder: Path) -> list[dict[str, str]]:
    rows = _rows(folder / GOV_FILE, "\t")
    types = {r["prefix"]: r for r in _rows(folder / GOV_TYPES_FILE)}
    stop = {
        line.strip().lower()
        for line in (folder / ABBREVIATION_STOPLIST).read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    abbreviations: dict[str, list[str]] = defaultdict(list)
    for r in _rows(folder / ABBREVIATIONS_FILE, "\t"):
        abbreviation = r["abbreviation"]
        if len(abbreviation) >= 3 and abbreviation.lower() not in stop:
            abbreviations[r["government-organisation"]].append(abbreviation.upper())
    changes = _rows(folder / CHANGES_FILE)
    ended = {c["predecessor"].removeprefix("govreg:"): c for c in changes}
    # the department that sponsors an agency or public body (the register does not say)
    parents = {p["body"].removeprefix("govreg:"): p["parent"] for p in _rows(folder / PARENTS_FILE)}
    names = Counter(slug(r["name"]) for r in rows)
    ids = {
        r["government-organisation"]: slug(r["name"])
        if names[slug(r["name"])] == 1
        else f"{slug(r['name'])}-{r['government-organisation'].lower()}"
        for r in rows
    }
    current = {
        ids[r["government-organisation"]]
        for r in rows
        if not r["end-date"] and r["government-organisation"] not in ended
    }
    candidates: dict[str, list[str]] = {}
    out: dict[str, dict[str, str]] = {}
    for r in rows:
        reg = r["government-organisation"]
        prefix = re.match(r"[A-Z]+", reg)
        kind = types.get(prefix.group(0) if prefix else "") or types["*"]
        entity_id = ids[reg]
        identifiers = [f"govreg:{reg}"]
        website = r["website"]
        govuk = re.search(r"gov\.uk/government/organisations/([\w-]+)", website)
        if govuk:
            identifiers.append(f"govuk:{govuk.group(1)}")
        change = ended.get(reg)
        successors = [
            ids.get(s.removeprefix("govreg:"), "") if s.startswith("govreg:") else s
            for s in (change["successor"].split("|") if change else [])
        ]
        candidates[entity_id] = _dedupe(["=" + a for a in abbreviations.get(reg, [])])
        out[entity_id] = {
            "id": entity_id,
            "label": r["name"],
            "category": kind["category"],
            "dpv": kind["dpv"],
            "homepage": website,
            "type": kind["type"],
            "identifiers": "|".join(identifiers),
            "replaced_by": "|".join(s for s in successors if s),
            "part_of": _ref(parents.get(reg, ""), ids),
            "start": r["start-date"],
            "end": r["end-date"] or (change["date"] if change else ""),
            "nation": "",
            "source": GOV_SOURCE,
        }
    # Several bodies once shared an abbreviation: it stays with the one that still exists.
    for entity_id, aliases in _unique_aliases(candidates, current).items():
        out[entity_id]["aliases"] = "|".join(aliases)
    return list(out.values())


def _ref(value: str, ids: dict[str, str]) -> str:
    """An organisation named as `govreg:ID` (a register row) or by its gazetteer id."""
    return ids.get(value.removeprefix("govreg:"), "") if value.startswith("govreg:") else value


def generate(folder: Path) -> list[GeneratedFile]:
    repair = Repairs(folder / REPAIRS_FILE)
    return [
        GeneratedFile("local-authorities.csv", local_authorities(folder, repair)),
        GeneratedFile("government.csv", government(folder)),
    ]


def write(files: list[GeneratedFile], target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for f in files:
        path = target / f.name
        path.write_text(f.text(), encoding="utf-8")
        written.append(path)
    return written


def stale(files: list[GeneratedFile], target: Path) -> list[Path]:
    """Generated files whose bytes differ from what the registers give now."""
    out = []
    for f in files:
        path = target / f.name
        if not path.exists() or path.read_text(encoding="utf-8") != f.text():
            out.append(path)
    return out
