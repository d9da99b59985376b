"""Names people type, resolved to the IRIs of the built graph.

Every option and parameter that names an organisation, service area, recipient category or
notice goes through `Names.resolve`. A name may be

- an IRI of something in the graph;
- a label in the graph, in any case ("leicester city council");
- an alias or acronym the gazetteer knows (data/vocab/organisations.csv,
  recipient_categories.csv: "HMRC", "Her Majesty's Revenue and Customs", "the police");
- a service area's label, with its organisation in brackets when several have one of that
  name ("Housing (Leicester City Council)");
- a notice's file name or id ("leeds-city-council-general.txt").

Nothing is guessed: a name that matches nothing raises `NameNotFound` with the closest names
(rapidfuzz), one that matches several raises `AmbiguousName` listing them; both exit 2 on the
command line (404 / 400 on the endpoint).

At build time `vet_new_controller` refuses a blank controller, and a new one whose name is close
to a known organisation ("Leeds Council" beside "Leeds City Council") unless it is declared new.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from flowgraph.errors import FlowgraphError
from flowgraph.normalise.keys import ARTICLES, normalise_key, number_variants

IRI_PREFIXES = ("http://", "https://", "urn:")

# What a parameter may name -> the kinds of node (`names.rq`'s ?kind) that can answer it.
KINDS: dict[str, frozenset[str]] = {
    "controller": frozenset({"controller"}),
    "organisation": frozenset({"controller", "organisation", "internal"}),
    "category": frozenset({"category"}),
    "recipient": frozenset({"controller", "organisation", "internal", "category", "unresolved"}),
    "service": frozenset({"service"}),
    "notice": frozenset({"notice"}),
    "type": frozenset({"type"}),  # an organisation type: "police-force", "District council"
    "region": frozenset({"region"}),  # a council's region or nation: "East Midlands", "Wales"
    "entity": frozenset(
        {"controller", "organisation", "internal", "category", "unresolved", "service"}
    ),
}
NOUNS = {
    "controller": "controller",
    "organisation": "organisation",
    "category": "recipient category",
    "recipient": "organisation or category",
    "service": "service area",
    "notice": "notice",
    "type": "organisation type",
    "region": "region",
    "entity": "organisation, category or service area",
}
SUGGESTIONS = 5  # at most this many "did you mean" names
SUGGESTION_CUTOFF = 60.0  # similarity (0-100) below which a name is not worth suggesting
SUGGESTION_SPREAD = 25.0  # ... or this far below the best suggestion


# ---------------------------------------------------------------------------- errors
class NameProblem(FlowgraphError):
    """A typed name that cannot be used as given; `suggestions` are names that can.

    `status` is the HTTP status the endpoint answers with; the command line exits 2."""

    status = 400

    def __init__(self, message: str, name: str = "", suggestions: Iterable[str] = ()) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        super().__init__(message)

    def __str__(self) -> str:  # the message as given, also where a KeyError is a base
        return str(self.args[0]) if self.args else ""

    def as_json(self) -> dict[str, Any]:
        return {"detail": str(self), "name": self.name, "suggestions": self.suggestions}


class BlankName(NameProblem):
    """An option or parameter that should name something is empty or only spaces."""


class NameNotFound(NameProblem):
    """Nothing in the graph or the gazetteer answers to the name."""

    status = 404


class UnknownServiceArea(NameNotFound, KeyError):
    """`--service` names no service area of the organisation chosen (trace, viz, dpia); a
    KeyError too, as the network lookups that raise it always were."""


def unknown_service(owner: str, service: str, known: Iterable[str]) -> UnknownServiceArea:
    """The error for a service area `owner` does not have, with the closest of those it has."""
    labels = sorted(set(known))
    suggestions = suggest_among(service, labels)
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    return UnknownServiceArea(
        f"{owner} has no service area {service!r}{hint}; it has: {', '.join(labels) or 'none'}",
        service,
        suggestions,
    )


class AmbiguousName(NameProblem):
    """Several things answer to the name; `suggestions` lists them, each in a form that is not."""


class NearDuplicateController(NameProblem):
    """A build names a new controller close to one already known (probably a misspelling)."""


# ---------------------------------------------------------------------------- the index
@dataclass(frozen=True)
class Named:
    """One thing in the graph a user may name."""

    iri: str
    label: str
    kind: str  # controller | organisation | internal | category | unresolved | service | notice
    # | type | region (a region's "IRI" is the region itself: it is bound as a plain string)
    owner: str | None = None  # a service area's or notice's controller
    owner_label: str | None = None
    file: str | None = None  # a notice's file name

    @property
    def display(self) -> str:
        """The name to show (and suggest): unique where the bare label may not be."""
        if self.kind == "notice" and self.file:
            return self.file
        if self.kind == "service" and self.owner_label:
            return f"{self.label} ({self.owner_label})"
        return self.label


@dataclass
class Names:
    """The names of one graph: its labels and the gazetteer's aliases of what it holds."""

    entries: list[Named]
    aliases: Mapping[str, Iterable[str]] = field(default_factory=dict)  # key -> IRIs
    by_iri: dict[str, Named] = field(init=False)
    labels: dict[str, set[str]] = field(init=False)  # normalised name -> IRIs
    alias_keys: dict[str, set[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_iri = {}
        self.labels = {}
        for entry in self.entries:
            self.by_iri.setdefault(entry.iri, entry)
        for entry in self.by_iri.values():
            forms = [entry.label, entry.display]
            if entry.kind == "notice" and entry.file:
                forms += [entry.file, entry.file.rsplit(".", 1)[0], entry.iri.rsplit("/", 1)[-1]]
            if entry.kind == "type":  # its id as well as its label: "central-government"
                forms.append(entry.iri.rsplit("/", 1)[-1])
            for form in forms:
                key = normalise_key(form or "")
                if key:
                    self.labels.setdefault(key, set()).add(entry.iri)
        self.alias_keys = {}
        for key, iris in self.aliases.items():
            known = {iri for iri in iris if iri in self.by_iri}
            if known:
                self.alias_keys.setdefault(key, set()).update(known)

    # ------------------------------------------------------------------ kept on disk
    def state(self) -> dict[str, Any]:
        """The index as plain data (`query/names_cache.py` keeps it beside a snapshot)."""
        return {
            "entries": [
                (e.iri, e.label, e.kind, e.owner, e.owner_label, e.file)
                for e in self.by_iri.values()
            ],
            "labels": self.labels,
            "alias_keys": self.alias_keys,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Names:
        """The index `state` gave, without normalising every name again."""
        names = cls.__new__(cls)
        names.entries = [Named(*entry) for entry in state["entries"]]
        names.aliases = {}
        names.by_iri = {entry.iri: entry for entry in names.entries}
        names.labels = state["labels"]
        names.alias_keys = state["alias_keys"]
        return names

    # ------------------------------------------------------------------ resolving
    def resolve(self, name: str | None, kind: str = "entity", what: str | None = None) -> Named:
        """The one thing of `kind` (a key of KINDS) that `name` names, or a NameProblem."""
        allowed = KINDS[kind]
        noun = NOUNS[kind]
        what = what or noun
        text = " ".join((name or "").split())
        if not text:
            raise BlankName(f"{what} is blank: give a name, an alias or an IRI", name or "")
        if text.startswith(IRI_PREFIXES):
            found = self.by_iri.get(text)
            if found is not None:
                return found  # an IRI is explicit: taken whatever kind it is
            tail = text.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
            raise self._not_found(text, tail, allowed, noun)
        key = normalise_key(text)
        for index in (self.labels, self.alias_keys):
            for variant in _variants(key):
                found_all = sorted(
                    (
                        self.by_iri[i]
                        for i in index.get(variant, ())
                        if self.by_iri[i].kind in allowed
                    ),
                    key=lambda n: (n.display.lower(), n.iri),
                )
                if len(found_all) > 1:  # an organisation rather than a service area of its name
                    found_all = [n for n in found_all if n.kind != "service"] or found_all
                if len(found_all) == 1:
                    return found_all[0]
                if found_all:
                    choices = _unique(n.display for n in found_all)
                    raise AmbiguousName(
                        f"{what} {text!r} is ambiguous: it names {len(found_all)} things; "
                        f"choose one of: {', '.join(choices)}",
                        text,
                        choices,
                    )
        raise self._not_found(text, text, allowed, noun)

    def suggest(self, text: str, allowed: frozenset[str]) -> list[str]:
        """The names of `allowed` kinds closest to `text`, best first."""
        query = normalise_key(text)
        if not query:
            return []
        best: dict[str, float] = {}
        for index in (self.labels, self.alias_keys):
            keys = [
                k for k, iris in index.items() if any(self.by_iri[i].kind in allowed for i in iris)
            ]
            for key, score, _ in process.extract(
                query, keys, scorer=_similarity, score_cutoff=SUGGESTION_CUTOFF, limit=None
            ):
                for iri in index[key]:
                    if self.by_iri[iri].kind in allowed and score > best.get(iri, 0.0):
                        best[iri] = score
        top = max(best.values(), default=0.0)
        ranked = sorted(
            (iri for iri, score in best.items() if score >= top - SUGGESTION_SPREAD),
            key=lambda iri: (-round(best[iri], 1), self.by_iri[iri].display),
        )
        return _unique(self.by_iri[iri].display for iri in ranked)[:SUGGESTIONS]

    def _not_found(self, name: str, like: str, allowed: frozenset[str], noun: str) -> NameNotFound:
        suggestions = self.suggest(like, allowed)
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        return NameNotFound(
            f"no {noun} called {name!r} in this graph{hint}"
            if suggestions
            else f"no {noun} called {name!r} in this graph, and none with a similar name",
            name,
            suggestions,
        )

    def bind(
        self, kinds: Mapping[str, str], params: Mapping[str, Any], what: str = "parameter"
    ) -> dict[str, Any]:
        """Query parameters with every value of a parameter that names something (`kinds`:
        parameter -> kind) replaced by the IRI it names."""
        return {
            key: self.resolve(value, kinds[key], f"{what} {key}").iri
            if key in kinds and isinstance(value, str)
            else value
            for key, value in params.items()
        }


def suggest_among(text: str, candidates: Iterable[str]) -> list[str]:
    """The candidates closest to `text`, best first (the same measure as `Names.suggest`)."""
    query = normalise_key(text)
    by_key = {normalise_key(c): c for c in candidates}
    scored = process.extract(
        query, list(by_key), scorer=_similarity, score_cutoff=SUGGESTION_CUTOFF, limit=None
    )
    top = max((score for _, score, _ in scored), default=0.0)
    ranked = sorted(
        (
            (round(score, 1), by_key[key])
            for key, score, _ in scored
            if score >= top - SUGGESTION_SPREAD
        ),
        key=lambda item: (-item[0], item[1]),
    )
    return _unique(label for _, label in ranked)[:SUGGESTIONS]


def _similarity(a: str, b: str, **_: Any) -> float:
    """How alike two normalised names are: their words in any order, or the words that tell one
    council from another ("leeds council" and "leeds city council" are alike)."""
    score = fuzz.token_sort_ratio(a, b)
    da, db = _distinctive(a), _distinctive(b)
    if da and db:
        score = max(score, fuzz.ratio(da, db))
    return float(score)


def _variants(key: str) -> list[str]:
    """The key, without leading articles ("the police"), and with its last word's number changed."""
    out = [key]
    bare = ARTICLES.sub("", key)
    while bare not in out:
        out.append(bare)
        bare = ARTICLES.sub("", bare)
    return out + [v for k in list(out) for v in number_variants(k) if v not in out]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def gazetteer_aliases(vocab_dir: Any, base_iri: str) -> dict[str, set[str]]:
    """Every alias key of the gazetteer's organisations and categories -> the IRI it names."""
    from flowgraph.normalise.gazetteer import Gazetteer
    from flowgraph.normalise.vocab import Vocabulary
    from flowgraph.rdf.iris import Minter

    gazetteer = Gazetteer(Vocabulary(vocab_dir))
    minter = Minter(base_iri)
    aliases: dict[str, set[str]] = {}
    for key, entry_id in gazetteer.exact.items():
        entry = gazetteer.entries[entry_id]
        if entry.kind in ("organisation", "category"):
            aliases.setdefault(key, set()).add(minter.entity(gazetteer.ref(entry_id, "alias")))
    return aliases


def load_names(
    store: Any, library: Mapping[str, Any], settings: Any, *, aliases: bool = True
) -> Names:
    """The names of the graph in `store` (the `names` library query) with the gazetteer's aliases."""
    from flowgraph.query.library import run

    rows = run(store, library["names"])[1]
    entries = [
        Named(
            r["node"],
            r.get("label") or r["node"].rstrip("/").rsplit("/", 1)[-1],
            r["kind"],
            r.get("owner"),
            r.get("ownerLabel"),
            r.get("file"),
        )
        for r in rows
    ]
    known: dict[str, set[str]] = {}
    if aliases:
        # no vocabulary at hand: labels and IRIs still resolve
        with contextlib.suppress(FlowgraphError, OSError):
            known = gazetteer_aliases(settings.vocab_dir, settings.base_iri)
    return Names(entries, known)


def bind_query_names(
    query: Any, params: Mapping[str, Any], names: Callable[[], Names]
) -> dict[str, Any]:
    """A library query's parameters with names turned into IRIs, by the kinds its header gives
    (`# param: controller (controller) - ...`); the index is read only when one is needed."""
    kinds = {k: v for k, v in query.param_kinds.items() if k in params}
    if not kinds:
        return dict(params)
    return names().bind(kinds, params)


# ---------------------------------------------------------------------------- at build
_GENERIC = frozenset(
    {"the", "of", "and", "council", "city", "county", "borough", "district", "metropolitan"}
    | {"royal", "london"}
)


def _distinctive(key: str) -> str:
    """The words of a name that tell one council from another ("leeds" of "Leeds City Council")."""
    words = [w for w in key.split() if w not in _GENERIC]
    return " ".join(words)


def closeness(a: str, b: str) -> float:
    """How alike two organisation names are, 0-100: the whole names, or their distinctive words."""
    ka, kb = normalise_key(a), normalise_key(b)
    score = fuzz.ratio(ka, kb)
    da, db = _distinctive(ka), _distinctive(kb)
    if da and db:
        score = max(score, fuzz.ratio(da, db))
    return float(score)


def vet_new_controller(
    name: str | None,
    known: Mapping[str, str],
    threshold: float,
    *,
    allow_new: bool = False,
    what: str = "--controller",
) -> str:
    """The controller's name, tidied; refused when blank, or when it is new and close to a
    known organisation (`known`: every name or alias -> the organisation's label) unless
    `allow_new` says it really is another one."""
    text = " ".join((name or "").split())
    if not text:
        raise BlankName(
            f'{what} is blank: give the controller\'s name, e.g. --controller "Leeds City Council"',
            name or "",
        )
    key = normalise_key(text)
    if allow_new or any(normalise_key(k) == key for k in known):
        return text
    # against every name a body goes by ("Leeds Counsil" is close to its alias "Leeds Council")
    best: dict[str, float] = {}
    for form, label in known.items():
        score = closeness(text, form)
        if score > best.get(label, -1.0):
            best[label] = score
    close = [
        label
        for label, score in sorted(best.items(), key=lambda s: (-s[1], s[0]))
        if score >= threshold
    ]
    if close:
        raise NearDuplicateController(
            f"{what} {text!r} would be a new organisation, but it is close to "
            f"{', '.join(close)}: use that name, or pass --new-controller if {text!r} really is "
            "another organisation",
            text,
            close,
        )
    return text


def known_controllers(settings: Any) -> dict[str, str]:
    """Names a controller may already go by -> its label: the gazetteer's organisations (label
    and aliases), the controllers of the sample manifest and of the graph built last."""
    from flowgraph.ingest.manifest import read_manifest
    from flowgraph.normalise.gazetteer import Gazetteer
    from flowgraph.normalise.vocab import Vocabulary

    known: dict[str, str] = {}
    try:
        gazetteer = Gazetteer(Vocabulary(settings.vocab_dir))
        for key, entry_id in gazetteer.exact.items():
            entry = gazetteer.entries[entry_id]
            if entry.kind == "organisation":
                known[key] = entry.label
    except (FlowgraphError, OSError):
        pass
    manifest = settings.notices_dir / "manifest.csv"
    if manifest.exists():
        try:
            sources, _ = read_manifest(manifest)
        except (FlowgraphError, OSError):
            sources = []
        for source in sources:
            known.setdefault(source.controller, source.controller)
    try:
        from flowgraph.query.library import load_library
        from flowgraph.store.base import open_store
        from flowgraph.store.snapshot import current

        if not settings.remote_store:
            current(settings.output_dir)  # no graph yet: nothing to read
        names = load_names(
            open_store(settings), load_library(settings.queries_dir), settings, aliases=False
        )
        for entry in names.entries:
            if entry.kind == "controller":
                known.setdefault(entry.label, entry.label)
    except (FlowgraphError, OSError, KeyError):
        pass
    return known


_PARAM_KIND = re.compile(r"^([\w-]+)\s*(?:\((\w+)\))?$")


def parse_param_name(text: str) -> tuple[str, str | None]:
    """`controller (controller)` of a query header -> ("controller", "controller")."""
    m = _PARAM_KIND.match(text.strip())
    if not m:
        return text.strip(), None
    kind = m.group(2)
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown parameter kind {kind!r}: use one of {', '.join(KINDS)}")
    return m.group(1), kind
