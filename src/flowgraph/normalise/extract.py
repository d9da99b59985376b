"""Blocks of one notice -> one ServiceExtraction per service area (or one for the whole notice).

Headings and row labels select the field their content belongs to (data/vocab/headings.csv);
a "Council Service" row starts a new service area. Each field has its reader; prose anywhere
outside rights/contact/cookie sections is also read for sharing statements, sources and denials.
"""

from __future__ import annotations

import re
from dataclasses import replace

from flowgraph.model import Notice, NoticeExtraction, ServiceExtraction, Statement
from flowgraph.normalise import details
from flowgraph.normalise.disclosures import DisclosureReader
from flowgraph.normalise.evidence import evidence
from flowgraph.normalise.gazetteer import Gazetteer
from flowgraph.normalise.laws import LawResolver, find_laws, unrecognised_law
from flowgraph.normalise.prose import ProseReader
from flowgraph.normalise.recipients import ItemResolver, real_mentions, split_examples
from flowgraph.normalise.sentences import sentences
from flowgraph.normalise.subjects import SubjectReader
from flowgraph.normalise.transfers import TransferReader
from flowgraph.normalise.vocab import Vocabulary
from flowgraph.parse.blocks import Block
from flowgraph.parse.located import Located, clean_item, strip_bullet

NO_PROSE = {
    "rights",
    "contact",
    "complaints",
    "cookies",
    "security",
    "transfers",
    "automated_decisions",
    "retention",
    "service",
}
NO_DENIALS = {"rights", "cookies"}
NO_SUBJECTS = {"rights", "contact", "complaints", "cookies", "security", "service"}
TABLE_FIELDS = {
    "recipients",
    "purposes",
    "legal_basis",
    "data_categories",
    "data_subjects",
    "retention",
    "sources",
    "transfers",
}
_LEAD_IN = re.compile(r"(?::|\be\.?g\.?|\bsuch as|\bincluding)\s*$", re.I)
_RECIPIENT_INTRO = re.compile(
    r"(?:\b(?:with|to)|\b(?:organisations|bodies|agencies|recipients|partners|parties|include|including|below|following)\b(?:\W+\w+){0,5})\W*:\s*$",
    re.I,
)
_PURPOSE_CUE = re.compile(
    r"\bpurposes?\b|\bin order to\b|\bto enable\b|\bso that\b|\bwe (?:need|use|collect)\b", re.I
)


class NoticeExtractor:
    """Reads the blocks of one notice; holds the readers so each block is dispatched once."""

    def __init__(self, vocabulary: Vocabulary, gazetteer: Gazetteer, laws: LawResolver) -> None:
        self.vocabulary = vocabulary
        self.gazetteer = gazetteer
        self.laws = laws

    def extract(self, notice: Notice, blocks: list[Block], layout: str) -> NoticeExtraction:
        return _Run(self, notice, blocks, layout).run()


class _Run:
    def __init__(
        self, extractor: NoticeExtractor, notice: Notice, blocks: list[Block], layout: str
    ) -> None:
        self.x = extractor
        self.v = extractor.vocabulary
        self.notice = notice
        self.blocks = blocks
        self.layout = layout
        self.controller = extractor.gazetteer.add_controller(notice.source.controller)
        self.items = ItemResolver(extractor.gazetteer, notice)
        self.prose = ProseReader(self.v, extractor.gazetteer, notice, self.controller)
        self.transfers = TransferReader(
            self.v.locations,
            self.v.safeguards,
            extractor.gazetteer,
            notice,
            self.v.cues.get("not_applicable", []),
        )
        self.disclosures = DisclosureReader(self.v.disclosures, notice, notice.source.controller)
        self.subjects = SubjectReader(
            self.v.data_subjects,
            self.v.cues.get("subject_intro", []),
            self.v.cues.get("subject_possessive", []),
            notice,
        )
        self.current = ServiceExtraction(self.controller, notice.source.service)
        self.services = [self.current]
        self.field: str | None = None
        self.labelled = False  # inside a `label<TAB>cell` table row
        self.lead_in: str | None = None
        self.parents: dict[int, str] = {}
        self.columns: dict[int, str] | None = None  # column -> field, inside a column table

    # ---------------------------------------------------------------- walking blocks
    def run(self) -> NoticeExtraction:
        index = 0
        while index < len(self.blocks):
            block = self.blocks[index]
            if block.kind == "label":
                end = index + 1
                while end < len(self.blocks) and self.blocks[end].column >= 1:
                    end += 1
                if self.table_row(self.blocks[index:end]):
                    for cell in self.blocks[index:end]:
                        self.disclosures.read(cell.text)
                    index = end
                    continue
            self.block(block)
            index += 1
        return self.finish()

    def table_row(self, row: list[Block]) -> bool:
        """Column tables ("Organisation | Why we share it | Lawful basis"): a header row maps each
        column to a field; each later row's cells are items of their column's field."""
        fields: dict[int, str] = {}
        for block in row:
            if block.column not in fields and block.kind in ("label", "para", "heading"):
                field = self.v.headings.field_of(block.text.text)
                if field in TABLE_FIELDS:
                    fields[block.column] = field
        if len(set(fields.values())) >= 2 and len(row) >= 2:
            self.set_field(fields.get(0, self.field or "other"), labelled=True)
            self.columns = fields
            return True
        if not self.columns:
            return False
        for block in row:
            field = self.columns.get(block.column)
            if field:
                self.field, self.labelled, self.lead_in = field, True, None
                self.content(Block("item", block.text, column=block.column))
        self.field = self.columns.get(0, self.field)
        return True

    def block(self, block: Block) -> None:
        self.disclosures.read(block.text)
        if block.kind == "label" and (
            self.v.headings.field_of(block.text.text) or self.field in (None, "service")
        ):
            self.set_field(self.v.headings.field_of(block.text.text) or "other", labelled=True)
        elif block.kind == "heading" and block.depth == 1 and block.hard:
            self.set_field("other", labelled=False)  # the document's title, not a section
        elif block.kind == "heading" and (block.hard or self.v.headings.field_of(block.text.text)):
            self.set_field(self.v.headings.field_of(block.text.text) or "other", labelled=False)
        elif self.field == "service":
            self.start_service(block.text)
        else:
            self.content(block)

    def finish(self) -> NoticeExtraction:
        for s in self.services:
            s.recipients = _unique_flows(s.recipients)
            s.onward = _unique_flows(s.onward)
        services = [s for s in self.services if _has_facts(s) or s.service]
        problems = []
        if not any(s.recipients or s.onward for s in services):
            problems.append(
                f"{self.notice.source.path}: no recipients found (no sharing section or sharing statement recognised)"
            )
        return NoticeExtraction(
            self.notice,
            self.layout,
            self.controller,
            services or [self.current],
            problems,
            self.disclosures.finish(),
        )

    def set_field(self, field: str, *, labelled: bool) -> None:
        self.field, self.labelled, self.lead_in, self.parents = field, labelled, None, {}
        self.columns = None

    def start_service(self, text: Located) -> None:
        name = clean_item(text)
        if not name:
            return
        service = ServiceExtraction(self.controller, name.text, evidence(self.notice, name))
        entity = self.x.gazetteer.resolve_phrase(name.text, fuzzy=False)
        if entity and entity.kind == "organisation" and entity.key != self.controller.key:
            service.service_entity = entity
        self.current = service
        self.services.append(service)
        self.field = None

    def content(self, block: Block) -> None:
        text = block.text
        is_item = block.kind == "item" or (block.kind == "heading" and not block.hard)
        if block.kind == "label":  # an unknown row label inside a section: the row is content
            block = Block("para", text)
        if block.kind == "item":
            self.parents = {d: t for d, t in self.parents.items() if d < block.depth}
            self.parents[block.depth] = text.text
        if self.field not in NO_DENIALS:
            for sentence in sentences(strip_bullet(text)):
                denial = self.prose.denial(sentence)
                if denial:
                    self.current.denials.append(denial)
        reader = getattr(self, f"field_{self.field}", None)
        if reader:
            reader(text, is_item, block)
        if self.field not in NO_SUBJECTS:
            self.read_subjects(text, is_item)
        if self.field not in NO_PROSE and not (self.field == "recipients" and is_item):
            self.read_prose(text)
        if self.field not in ("retention", "rights", "cookies") and not is_item:
            for sentence in sentences(text):
                if details.is_retention(sentence.text) and re.search(
                    r"\b(?:keep|hold|retain)", sentence.text, re.I
                ):
                    self.current.retention.append(
                        details.retention(sentence.text, evidence(self.notice, sentence))
                    )
        if not is_item:
            self.lead_in = text.text if _LEAD_IN.search(text.text) else None

    def read_subjects(self, text: Located, is_item: bool) -> None:
        section = self.field == "data_subjects"
        pieces = [clean_item(text)] if is_item else sentences(strip_bullet(text))
        for piece in pieces:
            if piece:
                for subject in self.subjects.read(piece, section=section):
                    if subject not in self.current.data_subjects:
                        self.current.data_subjects.append(subject)

    def read_prose(self, text: Located) -> None:
        for sentence in sentences(strip_bullet(text)):
            facts = self.prose.sentence(sentence)
            self.current.recipients += facts.recipients
            self.current.onward += facts.onward
            self.current.sources += facts.sources
            self.current.sharing_conditions += facts.conditions
            self.current.denials += [d for d in facts.denials if d not in self.current.denials]

    # ---------------------------------------------------------------- field readers
    def field_recipients(self, text: Located, is_item: bool, block: Block) -> None:
        ev = evidence(self.notice, text)
        if not is_item:
            if (
                self.labelled
                and not self.prose.has("share", text.text)
                and not re.search(r"\.\s+\w", text.text)
            ):
                for piece in split_examples(text):
                    self.current.recipients += self.items.resolve(piece)
            return
        if text.text.rstrip().endswith(":"):
            self.current.sharing_conditions.append(
                Statement(clean_item(text).text, ev, {"kind": "lead-in"})
            )
            self.lead_in = text.text
            return
        cleaned = clean_item(text)
        if not cleaned:
            return
        clause = any(p.search(cleaned.text) for p in self.v.cues.get("clause", []))
        law_like = bool(find_laws(cleaned.text)) or re.search(
            r"\blegislation\b", cleaned.text, re.I
        )
        known = self.x.gazetteer.resolve_phrase(cleaned.text) is not None
        intro_ok = (
            self.labelled or self.lead_in is None or bool(_RECIPIENT_INTRO.search(self.lead_in))
        )
        if known or (intro_ok and not clause and not law_like):
            if (
                block.kind == "heading"
                and not known
                and not real_mentions(self.x.gazetteer, cleaned)
            ):
                return  # a bare short line that names nobody is not a recipient
            self.current.recipients += self.items.resolve(text)
        else:
            self.current.sharing_conditions.append(
                Statement(cleaned.text, ev, {"kind": "condition"})
            )

    def field_purposes(self, text: Located, is_item: bool, block: Block) -> None:
        if is_item:
            cleaned = clean_item(text)
            if cleaned and not _LEAD_IN.search(text.text):
                self.current.purposes.append(
                    details.purposes(cleaned.text, self.v.purposes, evidence(self.notice, cleaned))
                )
            return
        for sentence in sentences(text):
            cleaned = clean_item(sentence)
            if not cleaned or _LEAD_IN.search(sentence.text):
                continue
            if self.labelled or _PURPOSE_CUE.search(cleaned.text):
                self.current.purposes.append(
                    details.purposes(cleaned.text, self.v.purposes, evidence(self.notice, cleaned))
                )

    def field_legal_basis(self, text: Located, is_item: bool, block: Block) -> None:
        if is_item:
            if text.text.rstrip().endswith(":"):
                self.lead_in = text.text
                return
            cleaned = clean_item(text)
            if not cleaned:
                return
            ev = evidence(self.notice, cleaned)
            parent = self.parents.get(block.depth - 1, "") if block.depth else ""
            if re.search(r"areas? of (?:the )?law", parent, re.I):
                self.current.laws.append(unrecognised_law(cleaned.text, ev, "area_of_law"))
                return
            laws = find_laws(cleaned.text)
            bases = details.legal_bases(cleaned, self.v.legal_bases, ev) if not laws else []
            if (
                not self.labelled and len(cleaned.text.split()) > 8
            ):  # a sentence, not "Consent (surveys)"
                bases = [replace(b, scope=None) for b in bases]
            self.current.legal_bases += bases
            self.current.laws += [self.x.laws.law(m, cleaned.text, ev) for m in laws]
            if not laws and not bases:
                self.current.laws.append(unrecognised_law(cleaned.text, ev))
            return
        for sentence in sentences(text):
            ev = evidence(self.notice, sentence)
            negated = self.prose.first("negation", sentence.text) is not None
            if self.labelled:
                self.current.legal_bases += details.legal_bases(sentence, self.v.legal_bases, ev)
            elif not negated:  # in prose the words after a basis are not its scope
                bases = details.legal_bases(sentence, self.v.legal_bases, ev)
                self.current.legal_bases += [replace(b, scope=None) for b in bases]
            self.current.laws += [
                self.x.laws.law(m, sentence.text, ev) for m in find_laws(sentence.text, prose=True)
            ]

    def field_transfers(self, text: Located, is_item: bool, block: Block) -> None:
        transfers, denials = self.transfers.paragraph(text, skip=self.prose.negated_transfer)
        previous = self.current.transfers
        if (
            transfers
            and previous
            and not transfers[0].destinations
            and not transfers[0].via
            and not previous[-1].safeguards
        ):
            first = transfers.pop(0)
            previous.append(self.transfers.merge(previous.pop(), text, first.safeguards))
        self.current.transfers += transfers
        self.current.denials += [d for d in denials if d not in self.current.denials]

    def field_automated_decisions(self, text: Located, is_item: bool, block: Block) -> None:
        cleaned = clean_item(text)
        if not cleaned:
            return
        if any(p.match(cleaned.text) for p in self.v.cues.get("not_applicable", [])):
            self.current.denials.append(
                Statement(
                    cleaned.text, evidence(self.notice, cleaned), {"denies": "automated_decisions"}
                )
            )
            return
        for sentence in [cleaned] if is_item else sentences(cleaned):
            if self.prose.denial(sentence):
                continue  # already recorded by the denial pass
            if (
                self.labelled
                or is_item
                or re.search(r"automat|computer|algorithm|profil|scor", sentence.text, re.I)
            ):
                self.current.automated_decisions.append(
                    Statement(
                        clean_item(sentence).text, evidence(self.notice, clean_item(sentence))
                    )
                )

    def field_retention(self, text: Located, is_item: bool, block: Block) -> None:
        for sentence in [clean_item(text)] if is_item else sentences(text):
            if sentence and (is_item or details.is_retention(sentence.text)):
                self.current.retention.append(
                    details.retention(sentence.text, evidence(self.notice, sentence))
                )

    def field_data_categories(self, text: Located, is_item: bool, block: Block) -> None:
        cats = self.v.data_categories
        if is_item:
            cleaned = clean_item(text)
            if cleaned and not cleaned.text.endswith(":"):
                self.current.data_categories += details.data_categories(
                    cleaned.text, cats, evidence(self.notice, cleaned), whole_item=True
                )
            return
        for sentence in sentences(text):
            if ":" in sentence.text and not sentence.text.rstrip().endswith(":"):
                after = sentence.sub(sentence.text.index(":") + 1, len(sentence))
                for piece in split_examples(after):
                    self.current.data_categories += details.data_categories(
                        piece.text, cats, evidence(self.notice, piece), whole_item=True
                    )
            else:
                self.current.data_categories += details.data_categories(
                    sentence.text, cats, evidence(self.notice, sentence), whole_item=False
                )

    def field_sources(self, text: Located, is_item: bool, block: Block) -> None:
        from flowgraph.model import Source

        ev = evidence(self.notice, text)
        for m in real_mentions(self.x.gazetteer, text):
            self.current.sources.append(Source(m.text, m.entity, ev))


def _has_facts(s: ServiceExtraction) -> bool:
    return any(
        (s.purposes, s.legal_bases, s.laws, s.recipients, s.onward, s.transfers, s.automated_decisions,
         s.retention, s.data_categories, s.data_subjects, s.sources, s.denials)
    )  # fmt: skip


def _unique_flows(recipients: list) -> list:
    """The same mention read twice (e.g. by two passes over one paragraph) is one flow."""
    seen: set[tuple] = set()
    out = []
    for r in recipients:
        key = (r.entity.kind, r.entity.key, r.mention, r.sender.key if r.sender else None)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
