"""Resolve mentions of organisations and recipient categories to shared entities.

Exact aliases first, then alias variants, acronym typos (DLHUC -> DLUHC, HRMC -> HMRC) and
rapidfuzz similarity above a threshold; named councils, police forces, NHS trusts and
companies that the gazetteer does not list are recognised by the patterns in
data/vocab/entity_patterns.csv and minted as organisations of the matching category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from flowgraph.errors import VocabularyError
from flowgraph.model import EntityRef
from flowgraph.normalise.alias_scan import AliasScanner
from flowgraph.normalise.keys import ARTICLES, normalise_key, number_variants
from flowgraph.normalise.vocab import Vocabulary, split_aliases
from flowgraph.parse.located import Located

_LEADING_WORDS = re.compile(
    r"^(?:(?:also|and|or|the|other|with|from|to|by|for|in|including|our|your|any|all|some|such|as|we|both|e\.g\.?|eg|via|then)\s+)+",
    re.I,
)
# a company's legal form after its name: "Civica UK Ltd", "Pera Consulting (UK) Limited"
_LEGAL_FORM = re.compile(r"(?:\s+(?:\(?uk\)?|group|holdings))*\s+(?:ltd|limited|plc|llp)$")
_LITTLE_WORDS = frozenset({"of", "for", "the", "and", "in", "on", "at", "to"})


def _loose_key(key: str) -> str:
    return " ".join(w for w in key.split() if w not in _LITTLE_WORDS)


def slugify(text: str) -> str:
    text = text.lower().replace("&", " and ").replace("’", "").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


@dataclass(frozen=True)
class Entry:
    id: str
    label: str
    kind: str  # organisation | category | internal
    category: str | None
    dpv: str
    definition: str = ""
    broader: str | None = None
    gss: str = ""
    homepage: str = ""
    minted: bool = False
    vague: bool = False  # a category that names no one ("other third parties")
    type: str = ""  # a finer SKOS type (data/vocab/organisation_types.csv)
    identifiers: tuple[str, ...] = ()  # "scheme:value" (data/vocab/identifier_schemes.csv)
    part_of: tuple[str, ...] = ()
    replaced_by: tuple[str, ...] = ()
    start: str = ""
    end: str = ""
    region: str = ""
    nation: str = ""
    generated: bool = False  # from a register, not written by hand: curated aliases win


@dataclass(frozen=True)
class Mention:
    start: int  # offsets into the Located text being scanned
    end: int
    text: str
    entity: EntityRef


class Gazetteer:
    """Every organisation and recipient category the resolver knows, with an alias index."""

    def __init__(self, vocabulary: Vocabulary, fuzzy_threshold: float = 90.0) -> None:
        self.vocabulary = vocabulary
        self.threshold = fuzzy_threshold
        self.entries: dict[str, Entry] = {}
        self.exact: dict[str, str] = {}
        self.context: dict[tuple[str, str], str] = {}
        self.scan_aliases: dict[str, str] = {}
        self.register_aliases: dict[str, str] = {}  # scanned case-sensitively
        self._resolved: dict[tuple[str, str | None, bool], EntityRef | None] = {}
        self._mentions: dict[str, list[Mention]] = {}
        # one-word aliases by (length, first letter), for acronyms; rebuilt when aliases are added
        self._by_shape: dict[tuple[int, str], list[tuple[str, str]]] = {}
        self._by_shape_size = -1
        self._loose_index: dict[str, str] = {}
        self._loose_size = -1
        for row in vocabulary.categories:
            self._add(
                Entry(
                    row["id"],
                    row["label"],
                    row["kind"],
                    row["id"],
                    row["dpv"],
                    row["definition"],
                    row["broader"] or None,
                    vague=row.get("vague") == "true",
                ),
                row["aliases"],
            )
        for row in vocabulary.organisations:
            self._add(
                Entry(
                    row["id"],
                    row["label"],
                    "organisation",
                    row["category"] or None,
                    row["dpv"],
                    gss=row["gss"],
                    homepage=row["homepage"],
                    type=row["type"],
                    identifiers=tuple(split_aliases(row["identifiers"])),
                    part_of=tuple(split_aliases(row["part_of"])),
                    replaced_by=tuple(split_aliases(row["replaced_by"])),
                    start=row["start"],
                    end=row["end"],
                    region=row["region"],
                    nation=row["nation"],
                    generated=row.get("generated") == "true",
                ),
                row["aliases"],
            )

    def _add(self, entry: Entry, aliases: str, *, scannable: bool = True) -> None:
        self.entries[entry.id] = entry
        for alias in [entry.label, *split_aliases(aliases)]:
            scan = scannable
            if alias.startswith("="):
                alias, scan = alias[1:], False
            if alias.startswith("@") and ":" in alias:
                context, alias = alias[1:].split(":", 1)
                self.context[(context, normalise_key(alias))] = entry.id
                continue
            key = normalise_key(alias)
            if key in self.exact and self.exact[key] != entry.id:
                if entry.minted or entry.generated:
                    continue  # a register's spelling of a body a curated row already names
                raise VocabularyError(
                    self.vocabulary.path("organisations.csv"),
                    f"alias {alias!r} of {entry.id!r} already names {self.exact[key]!r}",
                )
            self.exact.setdefault(key, entry.id)
            if entry.generated:
                if scan and " " in alias.strip():
                    # proper names as written: "Animal Health" the agency, not animal health
                    self.register_aliases.setdefault(alias, entry.id)
            elif scan and (alias != entry.label or entry.kind == "organisation"):
                self.scan_aliases.setdefault(alias.lower(), entry.id)
        if scannable:  # a new scannable alias means the scanners must be rebuilt
            self.__dict__.pop("_scanner", None)
            self.__dict__.pop("_register_scanner", None)
        self._resolved.clear()  # a new alias may change how a phrase resolves
        self._mentions.clear()

    # ---------------------------------------------------------------- controllers
    def add_controller(self, name: str) -> EntityRef:
        """The entity for a controller named by the manifest; unknown ones are added so that
        other notices naming them as a recipient resolve to the same entity."""
        found = self.resolve_phrase(name, fuzzy=False)
        if found and found.kind == "organisation":
            return found
        category = next(
            (c for c, p in self.vocabulary.entity_patterns if p.fullmatch(name.strip())), None
        )
        entry = Entry(
            slugify(name),
            name.strip(),
            "organisation",
            category,
            "fg:LocalAuthority" if category == "local-authorities" else "dpv:Organisation",
            minted=True,
        )
        self._add(entry, "")
        return self.ref(entry.id, "controller")

    def ref(self, entry_id: str, method: str, score: float = 100.0) -> EntityRef:
        entry = self.entries[entry_id]
        return EntityRef(entry.id, entry.label, entry.kind, method, score)

    PROCESSOR_CATEGORIES = frozenset(
        {"contractors", "it-suppliers", "businesses", "security-companies", "transport-providers"}
    )

    def is_processor(self, ref: EntityRef) -> bool:
        """Could this organisation host or process data for a controller (a platform or supplier)?"""
        entry = self.entries.get(ref.key)
        if entry is None or entry.category is None:
            return True  # an organisation nobody classified may well be a supplier
        category: str | None = entry.category
        while category:
            if category in self.PROCESSOR_CATEGORIES:
                return True
            category = self.entries[category].broader if category in self.entries else None
        return False

    # ---------------------------------------------------------------- whole phrases
    def resolve_phrase(
        self, text: str, *, context: str | None = None, fuzzy: bool = True
    ) -> EntityRef | None:
        """Resolve a whole phrase ("HMRC", "Other local authorities"), or None.

        Remembered per phrase until an alias is added: the loader asks about the same short
        phrases many times (list classification, item heads, prose objects)."""
        cache_key = (text, context, fuzzy)
        if cache_key in self._resolved:
            return self._resolved[cache_key]
        found = self._resolve_phrase(text, context=context, fuzzy=fuzzy)
        if len(self._resolved) > 200_000:
            self._resolved.clear()
        self._resolved[cache_key] = found
        return found

    def _resolve_phrase(
        self, text: str, *, context: str | None = None, fuzzy: bool = True
    ) -> EntityRef | None:
        key = normalise_key(text)
        if not key:
            return None
        if context and (context, key) in self.context:
            return self.ref(self.context[(context, key)], "alias")
        if key in self.exact:
            entry = self.entries[self.exact[key]]
            return self.ref(entry.id, "exact" if key == normalise_key(entry.label) else "alias")
        for variant in number_variants(key):
            if variant in self.exact:
                return self.ref(self.exact[variant], "alias")
        bare = ARTICLES.sub("", key)
        while bare != key:
            if bare in self.exact:
                return self.ref(self.exact[bare], "alias")
            key, bare = bare, ARTICLES.sub("", bare)
        loose = self._loose().get(_loose_key(key))
        if loose is not None:
            return self.ref(loose, "alias", 95.0)
        company = _LEGAL_FORM.sub("", key)
        if company != key and company in self.exact:
            entry = self.entries[self.exact[company]]
            if entry.kind == "organisation":  # "Civica UK Ltd" is Civica
                return self.ref(entry.id, "alias", 95.0)
        acronym = self._acronym(text.strip())
        if acronym:
            return acronym
        minted = self._pattern_entity(text.strip())
        if minted:
            return minted
        if fuzzy and len(key) >= 5:
            # Long phrases share many words by chance: only near-identical ones count as typos.
            cutoff = self.threshold if len(key.split()) <= 3 else max(self.threshold, 96.0)
            best = process.extractOne(
                key, self.exact.keys(), scorer=fuzz.ratio, score_cutoff=cutoff
            )
            if best:
                return self.ref(self.exact[best[0]], "fuzzy", round(best[1], 1))
        return None

    def _loose(self) -> dict[str, str]:
        """Organisation names without their little words, kept only where one body has that
        shape: "Department of Work & Pensions" is DWP, but a shape two bodies share is no one's."""
        if self._loose_size != len(self.exact):  # aliases are only ever added
            owners: dict[str, set[str]] = {}
            for key, entry_id in self.exact.items():
                if self.entries[entry_id].kind == "organisation" and " " in key:
                    owners.setdefault(_loose_key(key), set()).add(entry_id)
            self._loose_index = {k: next(iter(v)) for k, v in owners.items() if len(v) == 1 and k}
            self._loose_size = len(self.exact)
        return self._loose_index

    def _acronym(self, token: str) -> EntityRef | None:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{3,5}", token) or not token.isupper():
            return None
        exact = self.exact.get(token.lower())
        if exact is not None and self.entries[exact].kind == "organisation":
            return self.ref(exact, "alias")
        if self._by_shape_size != len(self.exact):  # aliases are only ever added
            self._by_shape = {}
            for alias, entry_id in self.exact.items():
                # typos are forgiven only for the curated acronyms: the registers hold hundreds
                # of rarely written ones that a misspelt common acronym would land on
                if alias and " " not in alias and not self.entries[entry_id].generated:
                    self._by_shape.setdefault((len(alias), alias[0]), []).append((alias, entry_id))
            self._by_shape_size = len(self.exact)
        candidates = self._by_shape.get((len(token), token[0].lower()), [])
        matches = {
            entry_id
            for alias, entry_id in candidates
            if DamerauLevenshtein.distance(alias, token.lower()) <= 1
        }
        if len(matches) == 1:
            return self.ref(matches.pop(), "acronym", 90.0)
        return None

    def _pattern_entity(self, text: str) -> EntityRef | None:
        text = _LEADING_WORDS.sub("", text)
        for category, pattern in self.vocabulary.entity_patterns:
            if pattern.fullmatch(text):
                return self.mint(text, category)
        return None

    def mint(self, name: str, category: str) -> EntityRef:
        """An organisation the gazetteer does not list, recognised by its shape."""
        key = slugify(name)
        if key not in self.entries:
            dpv = "fg:LocalAuthority" if category == "local-authorities" else "dpv:Organisation"
            # Only remembered, never looked up: it is found again by its pattern. Were it added to
            # the aliases, how a later mention resolves (exact or pattern, what a typo matches)
            # would depend on which notices a worker process happened to read first.
            self.entries[key] = Entry(key, name, "organisation", category, dpv, minted=True)
        return self.ref(key, "pattern", 95.0)

    # ---------------------------------------------------------------- mentions in text
    @cached_property
    def _scanner(self) -> AliasScanner:
        return AliasScanner(list(self.scan_aliases), ignore_case=True)

    @cached_property
    def _register_scanner(self) -> AliasScanner | None:
        if not self.register_aliases:
            return None
        return AliasScanner(list(self.register_aliases), ignore_case=False)

    def find_mentions(self, text: Located | str) -> list[Mention]:
        """Every gazetteer mention in a text, longest first, without overlaps."""
        raw = text.text if isinstance(text, Located) else text
        if raw in self._mentions:
            return self._mentions[raw]
        kept = self._find_mentions(raw)
        if len(self._mentions) > 100_000:
            self._mentions.clear()
        self._mentions[raw] = kept
        return kept

    def _find_mentions(self, raw: str) -> list[Mention]:
        found: list[Mention] = []
        scanners = [self._scanner, self._register_scanner]
        for scanner in scanners:
            for start, end, phrase in scanner.finditer(raw) if scanner else ():
                ref = self.resolve_phrase(phrase, fuzzy=False)
                if ref:
                    found.append(Mention(start, end, phrase, ref))
        for category, pattern in self.vocabulary.entity_patterns:
            for m in pattern.finditer(raw):
                name = _LEADING_WORDS.sub("", m.group(0)).strip()
                if not pattern.fullmatch(name):
                    continue
                start = m.start() + m.group(0).index(name)
                known = self.resolve_phrase(name, fuzzy=False)
                found.append(
                    Mention(start, start + len(name), name, known or self.mint(name, category))
                )
        for m in re.finditer(r"\b[A-Z][A-Z0-9]{3,5}\b", raw):
            ref = self._acronym(m.group(0))
            if ref:
                found.append(Mention(m.start(), m.end(), m.group(0), ref))
        found.sort(key=lambda x: (x.start, -(x.end - x.start)))
        kept: list[Mention] = []
        for mention in found:
            if kept and mention.start < kept[-1].end:
                continue
            kept.append(mention)
        return kept
