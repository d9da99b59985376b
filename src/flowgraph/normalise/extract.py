"""Blocks of one notice -> one ServiceExtraction per service area (or one for the whole notice).

Headings and row labels select the field their content belongs to (data/vocab/headings.csv);
a "Council Service" row starts a new service area. Each field has its reader; prose anywhere
outside rights/contact/cookie sections is also read for sharing statements, sources and denials.
"""

from __future__ import annotations

import re
from dataclasses import replace

from flowgraph.model import BlockTrace, Notice, NoticeExtraction, ServiceExtraction, Statement
from flowgraph.normalise import details
from flowgraph.normalise.disclosures import DisclosureReader
from flowgraph.normalise.evidence import evidence
from flowgraph.normalise.gazetteer import Gazetteer
from flowgraph.normalise.laws import LawResolver, find_laws, unrecognised_law
from flowgraph.normalise.objects import labelled_list, recipient_item
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
UNKNOWN = "unknown"
# sections whose lists may be read by their items' shape instead of by the heading
CLASSIFIED_SECTIONS = {None, "unknown", "other", "legal_basis", "purposes", "data_categories"}
TRACED_FIELDS = (
    "recipients", "onward", "legal_bases", "laws", "purposes", "data_categories", "retention",
    "transfers", "automated_decisions", "sources", "denials",
)  # fmt: skip
GENERIC_BASES = (
    "generic-bases"  # a list of (nearly) all six bases: the law described, not relied on
)
ART6 = (
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
)
NO_LEAD_IN = {"rights", "cookies", "complaints", "contact", "security", "service"}
NO_BASES_ANYWHERE = {"rights", "cookies", "complaints", "contact", "security", "legal_basis"}
_NOT_LIMITED = re.compile(
    r"\b(?:but\s+)?not\s+(?:limited|restricted|exhaustive)\b|\bnot\s+an?\s+exhaustive\b", re.I
)


def _named(words: str, letter: str) -> re.Pattern[str]:
    article = rf"\b6\s*(?:\(\s*1\s*\)|\.\s*1)?\s*[.(]?\s*{letter}\b"
    return re.compile(rf"{words}|{article}", re.I)


# A basis read outside a basis section must be named by its own name (or Article 6 letter);
# "required by law" or "statutory duties" count only inside a legal-basis section.
_BASIS_NAMES = {
    "consent": _named(r"\bconsent\b", "a"),
    "contract": _named(r"\bcontract\b", "b"),
    "legal_obligation": _named(r"\blegal obligations?\b", "c"),
    "vital_interests": _named(r"\bvital interests?\b", "d"),
    "public_task": _named(r"\bpublic (?:task|interest)|\bofficial authority\b", "e"),
    "legitimate_interests": _named(r"\blegitimate interests?\b", "f"),
}
_ANY_BASIS_NAME = re.compile("|".join(p.pattern for p in _BASIS_NAMES.values()), re.I)
_ARTICLE_6 = re.compile(r"\b6\s*[.(]", re.I)
_RELIED_ON = re.compile(
    r"\b(?:lawful|legal)\s+bas[ie]s\b|\brel(?:y|ies|ying)\s+on\b|\b(?:your|explicit)\s+consent\b|\bconsent from you\b"
    r"|\bcontract (?:with you|to which)|\b(?:perform(?:ance of)?|enter(?:ing|ed)? into)\b[^.]{0,40}\bcontract\b",
    re.I,
)
_LAW_LEAD_IN = re.compile(
    r"\b(?:laws?|legislation|acts|statut\w*|regulations|legal (?:basis|bases|powers?|duties)|lawful|"
    r"(?:are|is) (?:allowed|permitted|entitled))\b",
    re.I,
)
_SENTENCE_VERB = re.compile(r"\b(?:will|may|might|can|could|would|is|are|be|been|we|you)\b", re.I)
_WITH_LEAD = re.compile(
    r"^(?i:with|to)\s+(?=(?i:the|other|our|partner|relevant|external|any|organisations|agencies|bodies)\b|[A-Z])"
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

    def extract(
        self, notice: Notice, blocks: list[Block], layout: str, *, explain: bool = False
    ) -> NoticeExtraction:
        run = _Run(self, notice, blocks, layout)
        run.tracing = explain
        return run.run()


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
        self.list_field: str | None = None  # the field a lead-in line gives the list after it
        self.list_why = ""
        self.section_why = ""
        self.weak_lists: set[int] = set()
        self.list_kinds = ListKinds(self, blocks)
        self.tracing = False
        self.previous_kind = ""
        self.bases_anywhere: dict[int, list] = {}
        self.laws_anywhere: dict[int, list] = {}
        self.trace: list[BlockTrace] = []
        self.rules: list[str] = []

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
            if self.tracing:
                self.traced(block)
            else:
                self.block(block)
            index += 1
        return self.finish()

    def traced(self, block: Block) -> None:
        """Dispatch one block and record what it gave, and by which rule."""
        before = {name: len(getattr(self.current, name)) for name in TRACED_FIELDS}
        service_before = self.current
        self.rules = []
        self.block(block)
        start = block.text.span.start if block.text else 0
        entry = BlockTrace(
            self.notice.text.count("\n", 0, start) + 1,
            block.kind,
            block.text.text,
            self.field,
            self.section_why,
            list(dict.fromkeys(self.rules)),
        )
        if self.current is service_before:
            for name in TRACED_FIELDS:
                for fact in getattr(self.current, name)[before[name] :]:
                    entry.facts.append((name, _fact_text(fact)))
        if not entry.facts:
            entry.no_fact = self.why_no_fact(block)
        self.trace.append(entry)

    def why_no_fact(self, block: Block) -> str:
        is_item = block.kind == "item" or (block.kind == "heading" and not block.hard)
        if block.kind in ("heading", "label") and not is_item:
            return f"a heading: starts a {self.field or 'new'} section ({self.section_why})"
        if self.field in NO_PROSE and not is_item:
            return f"prose in a {self.field} section is not read for recipients or bases"
        if is_item and self.field in (None, UNKNOWN, "other"):
            return (
                "list item under an unknown heading, in a list not shaped like recipients, "
                "laws or bases"
            )
        if self.field == "legal_basis" and is_item:
            return "neither a lawful-basis phrase nor shaped like legislation (Act + year)"
        return "no cue of the section field, no sharing statement, no basis phrase"

    def table_row(self, row: list[Block]) -> bool:
        """Column tables ("Organisation | Why we share it | Lawful basis"): a header row maps each
        column to a field; each later row's cells are items of their column's field."""
        fields: dict[int, str] = {}
        for block in row:
            if block.column not in fields and block.kind in ("label", "para", "heading"):
                # vocabulary only: a cell's wording cues ("Statutory obligation to ...") do not
                # make a row the header of a column table
                field = self.v.headings.choose(block.text.text, cues=False).field
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
        self.dispatch(block)
        self.previous_kind = block.kind

    def dispatch(self, block: Block) -> None:
        self.disclosures.read(block.text, self.field)
        choice = (
            self.v.headings.choose(block.text.text) if block.kind in ("label", "heading") else None
        )
        if block.kind == "label" and choice and (choice.field or self.field in (None, "service")):
            self.set_field(choice.field or UNKNOWN, labelled=True, why=choice.reason)
        elif block.kind == "heading" and block.depth == 1 and block.hard:
            self.set_field("other", labelled=False, why="the document's title")
        elif (
            block.kind == "heading"
            and choice
            and (block.hard or choice.field or self.previous_kind == "item")
        ):
            # A heading no vocabulary or cue places starts an unknown section: its lists are
            # classified by their items, never filed under the previous heading's field. A short
            # bare line right after a bulleted list is such a heading too.
            why = choice.reason if block.hard or choice.field else "a short line after a list"
            self.set_field(choice.field or UNKNOWN, labelled=False, why=why)
        elif self.field == "service":
            self.start_service(block.text)
        else:
            self.content(block)

    def finish(self) -> NoticeExtraction:
        for s in self.services:
            # bases read outside a basis section add only what the section did not state
            stated = {b.code for b in s.legal_bases}
            s.legal_bases += [b for b in self.bases_anywhere.get(id(s), []) if b.code not in stated]
            cited = {law.key for law in s.laws}
            s.laws += [law for law in self.laws_anywhere.get(id(s), []) if law.key not in cited]
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
            self.trace if self.tracing else None,
        )

    def set_field(self, field: str, *, labelled: bool, why: str = "") -> None:
        self.field, self.labelled, self.lead_in, self.parents = field, labelled, None, {}
        self.columns = None
        self.list_field = None
        self.section_why = why

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
        field = self.field
        kind = None
        if block.kind == "item":
            # a list's shape is looked at only where it can change how the list is read
            kind = self.list_kinds.generic(block)
            if kind is None and not self.list_field and self.field in CLASSIFIED_SECTIONS:
                kind = self.list_kinds.kind(block)
        if kind == GENERIC_BASES:
            field = GENERIC_BASES
        elif is_item and self.list_field:
            field = self.list_field
        elif (
            is_item and kind and (field in (None, UNKNOWN, "other") or self.overrides(block, kind))
        ):
            field = kind
        reader = getattr(self, f"field_{field}", None)
        if self.tracing:
            if is_item and self.list_field:
                self.rules.append(f"item of a list opened by a lead-in line ({self.list_field})")
            elif field != self.field:
                self.rules.append(f"list classified as {field} by its items")
            elif reader:
                self.rules.append(f"{field} section reader")
        if reader:
            saved, self.field = self.field, field
            try:
                reader(text, is_item, block)
            finally:
                self.field = saved
        if field not in NO_BASES_ANYWHERE and reader != self.field_legal_basis:
            self.read_bases_anywhere(text, is_item, block)
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
            self.list_field = self.lead_in_field(text.text) if self.lead_in else None

    def overrides(self, block: Block, kind: str) -> bool:
        """A recipient list under a purposes, legal-basis or data heading is still a recipient
        list (its own heading was lost, or several lists run under one heading); under a data
        heading only when three quarters of its items name someone."""
        if kind == "legal_basis" and self.field == "purposes":
            return True  # "for the following reasons: - The consent of the individual"
        if kind != "recipients" or self.field not in ("legal_basis", "purposes", "data_categories"):
            return False
        return not (self.field == "data_categories" and id(block) in self.weak_lists)

    def lead_in_field(self, text: str) -> str | None:
        """The field of the list a lead-in sentence opens ("We may share your information
        with:"), judged on its last sentence; only in sections that hold facts, and a law lead-in
        only where the section says nothing else ("as the law requires" in a retention section
        does not make the retention periods laws)."""
        if self.field in NO_LEAD_IN:
            return None
        last = text[max(text.rfind(". ", 0, len(text) - 2) + 1, 0) :]
        loose = self.field in (None, UNKNOWN, "other", "legal_basis", "purposes")
        if self.prose.has("source", last):
            return "sources" if self.field in (None, UNKNOWN, "other") else None
        if self.prose.has("share", last) and not self.prose.has("negation", last):
            return "recipients"
        if loose and _LAW_LEAD_IN.search(last):
            return "legal_basis"
        return None

    def read_bases_anywhere(self, text: Located, is_item: bool, block: Block) -> None:
        """Art. 6 bases stated outside a legal-basis section ("we are under a legal obligation
        to share", "Article 6(1)(e) of the GDPR"): the distinctive phrases anywhere, consent and
        contract only where the sentence says they are relied on."""
        if block.kind == "item" and self.list_kinds.generic(block) == GENERIC_BASES:
            return
        pieces = [clean_item(text)] if is_item else sentences(strip_bullet(text))
        for piece in pieces:
            if piece:
                self.read_laws_anywhere(piece)
            if not piece or not _ANY_BASIS_NAME.search(piece.text) or self.negated(piece.text):
                continue
            for basis in details.legal_bases(
                piece, self.v.legal_bases, evidence(self.notice, piece)
            ):
                named = _BASIS_NAMES.get(basis.code)
                if named is None or not named.search(piece.text):
                    continue  # "required by law", "statutory duties": only inside a basis section
                if basis.code in ("consent", "contract") and not (
                    _ARTICLE_6.search(basis.text) or _RELIED_ON.search(piece.text)
                ):
                    continue
                found = self.bases_anywhere.setdefault(id(self.current), [])
                if all(b.code != basis.code for b in (*found, *self.current.legal_bases)):
                    found.append(replace(basis, scope=None))
                    if self.tracing:
                        self.rules.append("lawful basis named outside a basis section")

    def negated(self, text: str) -> bool:
        """A negation that is not "including but not limited to" or "not exhaustive"."""
        return self.prose.has("negation", _NOT_LIMITED.sub(" ", text))

    def read_laws_anywhere(self, piece: Located) -> None:
        """Acts and regulations cited as authority outside a legal-basis section ("in accordance
        with the Traffic Management Act 2004"); data protection law named in passing is not one."""
        if any(p.search(piece.text) for p in self.v.cues.get("not_authority", [])):
            return
        for mention in find_laws(piece.text, prose=True):
            if mention.kind not in ("act", "regulations", "order", "rules", "measure"):
                continue  # codes, guidance and the common law are not cited as statute here
            cited_part = bool(mention.provision) and not re.match(
                r"article", mention.provision, re.I
            )  # "Section 35(2)(b) of the DPA 2018" is authority; "Article 6(1)(c)" is a basis
            if not cited_part and any(
                p.search(mention.title) for p in self.v.cues.get("passing_law", [])
            ):
                continue
            law = self.x.laws.law(mention, piece.text, evidence(self.notice, piece))
            found = self.laws_anywhere.setdefault(id(self.current), [])
            if all(known.key != law.key for known in (*found, *self.current.laws)):
                found.append(law)
                if self.tracing:
                    self.rules.append(f"law cited outside a basis section: {law.title}")

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
        if (
            len(cleaned.text.split()) > 8
            and _SENTENCE_VERB.search(cleaned.text)
            and self.prose.has("share", cleaned.text)
        ):
            # "Your details will be shared with Valtech UK Limited and APS if ...": a sentence
            self.read_prose(cleaned)
            return
        with_lead = _WITH_LEAD.match(cleaned.text)
        if with_lead:  # "With partner organisations that support ...": the rest is the recipient
            cleaned = cleaned.sub(with_lead.end(), len(cleaned))
            self.lead_in = None
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
                and not (_name_shaped(cleaned.text) and self.previous_kind == "heading")
            ):
                return  # a bare short line that names nobody is not a recipient
            pieces = labelled_list(cleaned)
            if pieces:
                for piece in pieces:
                    self.current.recipients += self.items.resolve(piece)
                return
            head = recipient_item(cleaned)
            if head is not cleaned and self._resolves(cleaned) and not self._resolves(head):
                head = cleaned  # the name is in the tail: keep the item whole
            self.current.recipients += self.items.resolve(head)
        else:
            self.current.sharing_conditions.append(
                Statement(cleaned.text, ev, {"kind": "condition"})
            )

    def _resolves(self, text: Located) -> bool:
        return self.x.gazetteer.resolve_phrase(text.text) is not None or bool(
            real_mentions(self.x.gazetteer, text)
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
            if not laws and not bases:  # kept, for curators, as a citation nobody recognised
                self.current.laws.append(unrecognised_law(cleaned.text, ev))
            return
        for sentence in sentences(text):
            ev = evidence(self.notice, sentence)
            negated = self.negated(sentence.text)
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


def _item_kind(run: _Run, block: Block) -> str | None:
    """What one list item is shaped like: a law, a lawful basis, a recipient, or nothing known."""
    cleaned = clean_item(block.text)
    if not cleaned:
        return None
    text = cleaned.text
    if any(m.year or m.kind != "act" for m in find_laws(text)) or re.search(
        r"^(?:the\s+)?(?:[A-Z][\w'’()-]*\s+){1,8}(?:Act|Regulations|Order|Rules|Measure)\b", text
    ):
        return "legal_basis"
    if len(text.split()) <= 8 and details.legal_bases(
        cleaned, run.v.legal_bases, evidence(run.notice, cleaned)
    ):
        return "legal_basis"
    if run.x.gazetteer.resolve_phrase(text) is not None:
        return "recipients"
    mentions = real_mentions(run.x.gazetteer, cleaned)
    # a name that heads a short item ("Police if there are safeguarding concerns"), not one
    # mentioned somewhere in a sentence-long item
    if mentions and len(text.split()) <= 8 and mentions[0].start <= 4:
        return "recipients"
    if any(
        c.concept
        for c in details.data_categories(text, run.v.data_categories, None, whole_item=False)  # type: ignore[arg-type]
    ):
        return "data_categories"  # "Bank Details", "National Insurance Number"
    if _organisation_shaped(text):
        return "recipients"  # "APCOA", "PayByPhone", "FGL- Farthest Gate Ltd"
    return None


class ListKinds:
    """Each run of list items -> the field most of its items are shaped like, worked out the
    first time a list is asked about (most lists sit under a heading that already says what
    they are, and are never classified).

    A list under an unknown heading is read by what it holds: items that resolve to
    organisations or recipient categories make a recipient list, Acts and regulations or
    basis phrases a legal-basis list. At least half the items must agree. A list of bare basis
    names that covers (nearly) all six bases describes the law, not the notice's basis.
    """

    def __init__(self, run: _Run, blocks: list[Block]) -> None:
        self.run = run
        self.runs: dict[int, tuple[int, int]] = {}
        self.blocks = blocks
        self.kinds: dict[int, str | None] = {}
        self.generics: dict[int, str | None] = {}
        index = 0
        while index < len(blocks):
            if blocks[index].kind != "item":
                index += 1
                continue
            end = index
            while end < len(blocks) and blocks[end].kind == "item":
                end += 1
            for b in blocks[index:end]:
                self.runs[id(b)] = (index, end)
            index = end

    def items(self, block: Block) -> list[Block]:
        start, end = self.runs[id(block)]
        return self.blocks[start:end]

    def generic(self, block: Block) -> str | None:
        if id(block) not in self.runs:
            return None
        start = self.runs[id(block)][0]
        if start not in self.generics:
            self.generics[start] = self._generic(self.items(block))
        return self.generics[start]

    def _generic(self, items: list[Block]) -> str | None:
        if len(items) < 5 or any(len(item.text.text.split()) > 4 for item in items):
            return None
        run = self.run
        codes = {
            b.code
            for item in items
            if (cleaned := clean_item(item.text))
            for b in details.legal_bases(cleaned, run.v.legal_bases, evidence(run.notice, cleaned))
        }
        return GENERIC_BASES if len(codes & set(ART6)) >= 5 else None

    def kind(self, block: Block) -> str | None:
        if id(block) not in self.runs:
            return None
        start = self.runs[id(block)][0]
        if start not in self.kinds:
            self.kinds[start] = self._kind(self.items(block))
        return self.kinds[start]

    def _kind(self, items: list[Block]) -> str | None:
        kinds = [_item_kind(self.run, b) for b in items]
        counted = {k: kinds.count(k) for k in set(kinds) if k}
        if not counted:
            return None
        best, n = max(counted.items(), key=lambda kv: kv[1])
        if n * 2 < len(items):
            return None
        if best == "recipients" and (n * 4 < len(items) * 3 or len(items) < 3):
            for b in items:  # a weak recipient list does not override a data heading
                self.run.weak_lists.add(id(b))
        return best


def _fact_text(fact: object) -> str:
    """A fact as one readable line for the explanation."""
    code = getattr(fact, "code", None)
    if code:  # a lawful basis
        return f"{code} ({getattr(fact, 'text', '')})"
    entity = getattr(fact, "entity", None)
    text = getattr(fact, "text", None) or str(fact)
    if entity is not None:
        return f"{text} -> {entity.kind}:{entity.key}"
    title = getattr(fact, "title", None)
    if title and title != text:
        year = getattr(fact, "year", None)
        return f"{text} -> {title}{f' {year}' if year else ''}"
    return str(text)


def _name_shaped(text: str) -> bool:
    """A bare line that reads like an organisation's name: an acronym ("NSL"), or capitalised
    words ("Traffic Enforcement Centre at Northampton County Court")."""
    words = re.findall(r"[\w'’&]+", text)
    if not words or len(words) > 10:
        return False
    if re.fullmatch(r"[A-Z0-9&]{2,8}", text.strip()):
        return True
    content = [w for w in words if w.lower() not in _NAME_JOINERS]
    return len(content) >= 2 and all(w[:1].isupper() or w[:1].isdigit() for w in content)


_NAME_JOINERS = {"of", "and", "the", "for", "at", "in", "on", "&", "to"}


_COMPANY = re.compile(
    r"\b(?:Ltd|Limited|PLC|plc|LLP|CIC|Inc|Group|Trust|Agency|Authority|Board|Commission|"
    r"Ombudsman|University|Partnership|Service|Council|Court|Tribunal)\.?$"
)


def _organisation_shaped(text: str) -> bool:
    """A list item shaped like an organisation's name: an acronym ("APCOA"), a CamelCase brand
    ("PayByPhone"), or a capitalised name ending in a company or public-body word ("Farthest Gate
    Ltd", "Scottish Court Service"). Title-case phrases alone are not enough: purposes and data
    items are often written that way."""
    bare = re.sub(r"\s*\([^)]*\)", "", text).strip(" .;,")
    if not bare or len(bare.split()) > 8:
        return False
    if re.fullmatch(r"[A-Z][A-Z0-9&]{1,7}", bare) or re.fullmatch(
        r"[A-Z][a-z]+(?:[A-Z][a-z]+)+", bare
    ):
        return True
    return bool(_COMPANY.search(bare)) and bare[:1].isupper()
