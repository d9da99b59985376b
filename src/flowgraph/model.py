"""Plain records passed between pipeline steps (parse -> normalise -> rdf).

They carry no behaviour beyond small conveniences, so every step can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Span:
    """Character offsets [start, end) into the decoded notice text (Unicode code points)."""

    start: int
    end: int


@dataclass(frozen=True)
class NoticeSource:
    """One notice as described by the manifest (or the command line), before it is read."""

    path: Path
    controller: str
    service: str | None = None
    title: str | None = None
    url: str | None = None
    retrieved: str | None = None
    format_hint: str | None = None
    sha256: str | None = None

    @property
    def notice_id(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class Notice:
    """A notice that has been read: its exact text plus where it came from."""

    source: NoticeSource
    text: str
    sha256: str
    line_starts: tuple[int, ...]
    encoding: str = "utf-8"  # as read: utf-8, utf-8-sig, utf-16(-le/-be) or cp1252
    # "pdf" or "docx" when the text was extracted from such a file (kept beside it as FILE.md)
    extracted_from: str | None = None

    @property
    def notice_id(self) -> str:
        return self.source.notice_id

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        from bisect import bisect_right

        return bisect_right(self.line_starts, offset)

    def quote(self, span: Span) -> str:
        return self.text[span.start : span.end]


@dataclass(frozen=True)
class Evidence:
    """Where a fact is stated: the verbatim quote is `notice.text[span.start:span.end]`."""

    span: Span
    line: int
    quote: str


@dataclass(frozen=True)
class EntityRef:
    """A resolved (or unresolved) reference to an organisation, category or internal unit."""

    key: str  # gazetteer id, or a slug minted from the text when unresolved
    label: str
    kind: str  # organisation | category | internal | unresolved
    method: str  # exact | alias | fuzzy | acronym | controller | unresolved
    score: float = 100.0


@dataclass(frozen=True)
class Recipient:
    text: str  # as written, bullets and trailing punctuation stripped, entities decoded
    entity: EntityRef
    evidence: Evidence
    mention: Span
    role: str = "stated"  # stated | example | mentioned
    sender: EntityRef | None = None  # set for onward flows: who passes the data on


@dataclass(frozen=True)
class Law:
    text: str
    title: str
    year: int | None
    kind: (
        str  # act | regulations | order | code | rules | directive | guidance | area_of_law | other
    )
    key: str
    provision: str | None
    recognised: bool
    evidence: Evidence
    written: str | None = None  # the citation as the notice writes it ("Children’s Act 1989")


@dataclass(frozen=True)
class LegalBasis:
    code: str  # consent | contract | ... | art9_* | art10
    text: str
    scope: str | None
    evidence: Evidence


@dataclass(frozen=True)
class Purpose:
    text: str
    concepts: tuple[str, ...]
    evidence: Evidence


@dataclass(frozen=True)
class Transfer:
    text: str
    destinations: tuple[str, ...]  # location keys from data/vocab/locations.csv
    via: tuple[EntityRef, ...]
    safeguards: tuple[str, ...]  # safeguard keys from data/vocab/safeguards.csv
    evidence: Evidence


@dataclass(frozen=True)
class Statement:
    """A free-text fact: an automated decision, a denial, a retention rule, a sharing condition."""

    text: str
    evidence: Evidence
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DataCategory:
    text: str
    concept: str | None  # data/vocab/data_categories.csv key
    special: bool
    criminal: bool
    evidence: Evidence


@dataclass(frozen=True)
class DataSubject:
    text: str  # the name as written ("young people")
    concept: str  # data/vocab/data_subjects.csv key
    evidence: Evidence  # the sentence or item that names them


@dataclass(frozen=True)
class Source:
    text: str
    entity: EntityRef
    evidence: Evidence


@dataclass
class ServiceExtraction:
    """Everything one processing activity (a service area, or a whole notice) declares."""

    controller: EntityRef
    service: str | None
    service_evidence: Evidence | None = None
    service_entity: EntityRef | None = None  # set when the service is itself a known organisation
    purposes: list[Purpose] = field(default_factory=list)
    legal_bases: list[LegalBasis] = field(default_factory=list)
    laws: list[Law] = field(default_factory=list)
    recipients: list[Recipient] = field(default_factory=list)
    onward: list[Recipient] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    automated_decisions: list[Statement] = field(default_factory=list)
    denials: list[Statement] = field(default_factory=list)
    retention: list[Statement] = field(default_factory=list)
    data_categories: list[DataCategory] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    data_subjects: list[DataSubject] = field(default_factory=list)
    sharing_conditions: list[Statement] = field(default_factory=list)


@dataclass
class BlockTrace:
    """How one block was read, for `flowgraph extract --explain`: the section it fell in and
    why, the rule that read it, and the facts it gave (or why it gave none)."""

    line: int
    kind: str
    text: str
    section: str | None
    section_why: str
    rules: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # (field, text)
    no_fact: str | None = None


@dataclass
class NoticeExtraction:
    notice: Notice
    layout: str
    controller: EntityRef
    services: list[ServiceExtraction]
    problems: list[str] = field(default_factory=list)
    disclosures: list[Statement] = field(default_factory=list)  # notice-wide: rights, contacts...
    trace: list[BlockTrace] | None = None  # filled only when asked for (--explain)
