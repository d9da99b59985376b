"""One notice's extraction -> the quads of its named graph (pure: no store is touched here).

Every fact gets an evidence node (verbatim quote, character offsets, line, notice). Flows are
explicit nodes (`fg:Flow`) so they can carry purposes, evidence and provenance; the derived
shortcut `fg:sharesDataWith` links sender and recipient directly for property-path queries.
"""

from __future__ import annotations

from flowgraph.model import EntityRef, Evidence, NoticeExtraction, Recipient, ServiceExtraction
from flowgraph.normalise.gazetteer import Entry, Gazetteer
from flowgraph.normalise.vocab import Vocabulary
from flowgraph.rdf.iris import Minter
from flowgraph.rdf.terms import RDF_TYPE, QuadWriter, lit

A = RDF_TYPE
DENIES = {
    "transfers": "fg:TransfersAbroad",
    "automated_decisions": "fg:AutomatedDecisionMaking",
    "sharing": "fg:Sharing",
}


class NoticeGraphBuilder:
    def __init__(self, minter: Minter, vocabulary: Vocabulary, gazetteer: Gazetteer) -> None:
        self.m = minter
        self.v = vocabulary
        self.gazetteer = gazetteer
        self.laws = {law.id: law for law in vocabulary.laws}
        self.location_iri = {c.id: minter.concept("location", c.id) for c in vocabulary.locations}
        self.safeguard_iri = {
            c.id: minter.concept("safeguard", c.id) for c in vocabulary.safeguards
        }
        self.basis_iri = {c.id: c.iri for c in vocabulary.legal_bases}
        self.category_pd = {c.id: c.iri for c in vocabulary.data_categories}
        self.subject_dpv = {c.id: c.iri for c in vocabulary.data_subjects}

    def build(self, x: NoticeExtraction) -> tuple[str, str]:
        """The notice's own graph, and its share of the entities graph (descriptions of the
        organisations, categories and laws it names, identical whichever notice writes them)."""
        nid = x.notice.notice_id
        q = QuadWriter(self.m.graph(nid))
        self.shared = QuadWriter(self.m.entities_graph())
        notice = self.m.notice(nid)
        src = x.notice.source
        controller = self.m.entity(x.controller)
        q.link(notice, A, "fg:Notice")
        q.link(notice, A, "dpv:PrivacyNotice")
        q.add(notice, "rdfs:label", lit(src.title or src.path.name))
        q.add(notice, "fg:file", lit(src.path.name))
        q.add(notice, "fg:sha256", lit(x.notice.sha256))
        if x.notice.encoding != "utf-8":  # plain UTF-8, the usual case, says nothing
            q.add(notice, "fg:encoding", lit(x.notice.encoding))
        if x.notice.extracted_from:  # offsets count into the text kept beside it as FILE.md
            q.add(notice, "fg:extractedFrom", lit(x.notice.extracted_from))
        q.add(notice, "fg:layout", lit(x.layout))
        q.link(notice, "fg:controller", controller)
        if src.url:
            q.add(notice, "dct:source", lit(src.url, datatype="xsd:anyURI"))
        if src.retrieved:
            q.add(notice, "fg:retrieved", lit(src.retrieved, datatype="xsd:date"))
        self.shared.link(controller, A, "dpv:DataController")
        self.describe_entity(q, x.controller, x)
        for service in x.services:
            self.activity(q, x, service)
        for statement in x.disclosures:
            topic = statement.detail["topic"]
            node = self.fact(q, x, notice, "disclosure", "fg:Disclosure", statement.text,
                             statement.evidence, topic)  # fmt: skip
            q.link(node, "fg:topic", self.m.concept("disclosure", topic))
            q.link(notice, "fg:hasDisclosure", node)
        return q.text(), self.shared.text()

    # ------------------------------------------------------------------ helpers
    def evidence(self, q: QuadWriter, x: NoticeExtraction, ev: Evidence) -> str:
        node = self.m.evidence(x.notice.notice_id, ev.span)
        q.link(node, A, "fg:Evidence")
        q.add(node, "fg:quote", lit(ev.quote))
        q.add(node, "fg:start", lit(ev.span.start))
        q.add(node, "fg:end", lit(ev.span.end))
        q.add(node, "fg:line", lit(ev.line))
        q.link(node, "fg:inNotice", self.m.notice(x.notice.notice_id))
        return node

    def fact(
        self,
        q: QuadWriter,
        x: NoticeExtraction,
        activity: str,
        kind: str,
        cls: str,
        text: str,
        ev: Evidence,
        *key: object,
    ) -> str:
        node = self.m.fact(
            x.notice.notice_id, kind, activity, text, ev.span.start, ev.span.end, *key
        )
        q.link(node, A, cls)
        q.add(node, "fg:text", lit(text))
        q.link(node, "fg:evidence", self.evidence(q, x, ev))
        return node

    def describe_entity(self, q: QuadWriter, ref: EntityRef, x: NoticeExtraction) -> str:
        """Entities the vocabulary graph does not describe (minted, unresolved, internal) are described here."""
        node = self.m.entity(ref, x.controller)
        q = self.shared  # described once for the whole dataset, not once per notice
        entry = self.v_entry(ref)
        if ref.kind == "internal":
            q.link(node, A, "fg:InternalUnit")
            q.add(node, "rdfs:label", lit(f"Internal departments of {x.controller.label}"))
            q.link(node, "fg:unitOf", self.m.entity(x.controller))
            q.link(node, "fg:inCategory", self.m.entity(EntityRef(ref.key, "", "category", "")))
        elif ref.kind == "unresolved":
            q.link(node, A, "fg:UnresolvedRecipient")
            q.add(node, "rdfs:label", lit(ref.label))
        elif entry is None or entry.minted:
            q.link(node, A, "fg:Organisation")
            q.add(node, "rdfs:label", lit(ref.label))
            if entry and entry.category:
                q.link(
                    node,
                    "fg:inCategory",
                    self.m.entity(EntityRef(entry.category, "", "category", "")),
                )
            if entry and entry.dpv:
                q.link(node, A, entry.dpv)
        return node

    def v_entry(self, ref: EntityRef) -> Entry | None:
        return (
            self.gazetteer.entries.get(ref.key)
            if ref.kind in ("organisation", "category", "internal")
            else None
        )

    # ------------------------------------------------------------------ activity
    def activity(self, q: QuadWriter, x: NoticeExtraction, s: ServiceExtraction) -> None:
        nid = x.notice.notice_id
        controller = self.m.entity(x.controller)
        activity = self.m.activity(nid, s.service)
        q.link(activity, A, "fg:ProcessingActivity")
        q.link(activity, "fg:declaredIn", self.m.notice(nid))
        q.link(activity, "dpv:hasDataController", controller)
        q.add(
            activity,
            "rdfs:label",
            lit(
                f"{x.controller.label} – {s.service}"
                if s.service
                else f"{x.controller.label} (whole notice)"
            ),
        )
        sender = controller
        if s.service:
            service = self.m.service(x.controller, s.service)
            sender = service
            # a service area is the controller's, not the notice's: two notices of one council
            # may name it, so it is described in the entities graph; its evidence stays here
            self.shared.link(service, A, "fg:ServiceArea")
            self.shared.add(service, "rdfs:label", lit(s.service))
            self.shared.link(service, "fg:unitOf", controller)
            q.link(activity, "fg:serviceArea", service)
            if s.service_evidence:
                q.link(service, "fg:evidence", self.evidence(q, x, s.service_evidence))
            if s.service_entity:
                self.shared.link(
                    service, "fg:representsOrganisation", self.m.entity(s.service_entity)
                )
        for p in s.purposes:
            node = self.fact(q, x, activity, "purpose", "fg:StatedPurpose", p.text, p.evidence)
            q.link(node, A, "dpv:Purpose")
            q.add(node, "skos:prefLabel", lit(p.text))
            for concept in p.concepts:
                q.link(node, "skos:broader", self.m.concept("purpose", concept))
            q.link(activity, "dpv:hasPurpose", node)
        for b in s.legal_bases:
            node = self.fact(
                q, x, activity, "basis", "fg:LegalBasisStatement", b.text, b.evidence, b.code
            )
            q.link(node, A, self.basis_iri[b.code])
            q.add(node, "fg:basisCode", lit(b.code))
            if b.scope:
                q.add(node, "fg:scope", lit(b.scope))
            q.link(activity, "dpv:hasLegalBasis", node)
        for law in s.laws:
            node = self.fact(
                q, x, activity, "citation", "fg:LawCitation", law.text, law.evidence, law.key
            )
            law_iri = self.m.law(law.key)
            q.link(node, "fg:law", law_iri)
            q.add(node, "fg:recognised", lit(law.recognised))
            if law.provision:
                q.add(node, "fg:provision", lit(law.provision))
            q.link(activity, "fg:hasLawCitation", node)
            q.link(activity, "fg:citesLaw", law_iri)
            self.shared.link(  # typed once in the entities graph, not in every citing notice
                law_iri,
                A,
                "dpv:Law" if law.recognised and law.kind != "area_of_law" else "fg:LegalReference",
            )
            self.shared.add(law_iri, "dct:title", lit(law.title))
            self.shared.add(
                law_iri, "rdfs:label", lit(f"{law.title} {law.year}" if law.year else law.title)
            )
            self.shared.add(law_iri, "fg:lawKind", lit(law.kind))
            if law.year:
                self.shared.add(law_iri, "fg:year", lit(law.year))
            known = self.laws.get(law.key)
            if known and known.homepage:
                self.shared.add(
                    law_iri, "foaf:homepage", lit(known.homepage, datatype="xsd:anyURI")
                )
        for r in s.recipients:
            self.flow(q, x, activity, sender, r)
        for r in s.onward:
            self.flow(
                q,
                x,
                activity,
                self.m.entity(r.sender, x.controller) if r.sender else sender,
                r,
                onward=True,
            )
        for t in s.transfers:
            node = self.fact(
                q,
                x,
                activity,
                "transfer",
                "fg:Transfer",
                t.text,
                t.evidence,
                t.destinations,
                [v.key for v in t.via],
                t.safeguards,
            )
            q.link(node, A, "dpv:PersonalDataProcess")
            q.link(node, "dpv:hasProcessing", "dpv:CrossBorderTransfer")
            for place in t.destinations:
                q.link(node, "fg:destination", self.location_iri[place])
            for via in t.via:
                q.link(node, "fg:via", self.m.entity(via))
                self.describe_entity(q, via, x)
            for guard in t.safeguards:
                q.link(node, "fg:safeguard", self.safeguard_iri[guard])
            q.link(activity, "fg:hasTransfer", node)
        for d in s.automated_decisions:
            node = self.fact(q, x, activity, "adm", "fg:AutomatedDecision", d.text, d.evidence)
            q.link(node, "dpv:hasContext", "dpv:AutomatedDecisionMaking")
            q.link(activity, "fg:hasAutomatedDecision", node)
        for d in s.denials:
            node = self.fact(
                q, x, activity, "denial", "fg:Denial", d.text, d.evidence, d.detail.get("denies")
            )
            q.link(node, "fg:denies", DENIES[d.detail.get("denies", "sharing")])
            if d.detail.get("qualified") == "true":
                q.add(node, "fg:qualified", lit(True))
            q.link(activity, "fg:hasDenial", node)
        for r in s.retention:
            node = self.fact(
                q, x, activity, "retention", "fg:RetentionStatement", r.text, r.evidence
            )
            q.link(node, A, "dpv:StorageDuration")
            if "duration" in r.detail:
                q.add(node, "dpv:hasDuration", lit(r.detail["duration"], datatype="xsd:duration"))
            for key, prop in (
                ("event", "fg:retentionEvent"),
                ("scope", "fg:retentionScope"),
                ("criterion", "fg:retentionCriterion"),
                ("period", "fg:retentionPeriod"),
            ):
                if key in r.detail:
                    q.add(node, prop, lit(r.detail[key]))
            q.link(activity, "dpv:hasStorageCondition", node)
        for c in s.data_categories:
            node = self.fact(
                q, x, activity, "data", "fg:DataCategoryStatement", c.text, c.evidence, c.concept
            )
            q.add(node, "fg:specialCategory", lit(c.special))
            q.add(node, "fg:criminalOffenceData", lit(c.criminal))
            if c.concept:
                q.link(node, "fg:dataCategory", self.m.concept("data-category", c.concept))
                q.link(node, "dpv:hasPersonalData", self.category_pd[c.concept])
                q.link(activity, "dpv:hasPersonalData", self.category_pd[c.concept])
            q.link(activity, "fg:hasDataCategory", node)
        for d in s.data_subjects:
            node = self.fact(
                q, x, activity, "subject", "fg:DataSubjectStatement", d.text, d.evidence, d.concept
            )
            concept = self.m.concept("data-subject", d.concept)
            q.link(node, "fg:dataSubject", concept)
            q.link(activity, "dpv:hasDataSubject", concept)
            q.link(activity, "fg:hasDataSubjectStatement", node)
        for src in s.sources:
            node = self.fact(
                q, x, activity, "source", "fg:DataSource", src.text, src.evidence, src.entity.key
            )
            entity = self.describe_entity(q, src.entity, x)
            q.link(node, "fg:sourceEntity", entity)
            q.link(activity, "fg:hasSource", node)
        for c in s.sharing_conditions:
            node = self.fact(q, x, activity, "condition", "fg:SharingCondition", c.text, c.evidence)
            q.link(activity, "fg:hasSharingCondition", node)

    def flow(
        self,
        q: QuadWriter,
        x: NoticeExtraction,
        activity: str,
        sender: str,
        r: Recipient,
        *,
        onward: bool = False,
    ) -> None:
        to = self.describe_entity(q, r.entity, x)
        node = self.m.fact(
            x.notice.notice_id, "flow", activity, sender, to, r.mention.start, r.mention.end, r.role
        )
        q.link(node, A, "fg:Flow")
        if onward:
            q.link(node, A, "fg:OnwardFlow")
        elif r.entity.kind == "internal":
            q.link(node, A, "fg:InternalFlow")
        q.link(node, A, "dpv:PersonalDataProcess")
        q.link(node, "dpv:hasProcessing", "dpv:Share")
        q.link(node, "fg:from", sender)
        q.link(node, "fg:to", to)
        q.link(node, "dpv:hasRecipient", to)
        q.link(node, "fg:partOf", activity)
        q.add(node, "fg:recipientText", lit(r.text))
        q.add(node, "fg:role", lit(r.role))
        q.add(node, "fg:matchMethod", lit(r.entity.method))
        q.add(node, "fg:matchScore", lit(str(r.entity.score), datatype="xsd:decimal"))
        q.add(node, "fg:mentionStart", lit(r.mention.start))
        q.add(node, "fg:mentionEnd", lit(r.mention.end))
        q.link(node, "fg:evidence", self.evidence(q, x, r.evidence))
        q.link(activity, "fg:hasFlow", node)
        if sender != to:
            self.shared.link(sender, "fg:sharesDataWith", to)
        if not onward:
            controller = self.m.entity(x.controller)
            q.link(node, "dpv:hasDataController", controller)
            if sender != controller and to != controller:
                self.shared.link(controller, "fg:sharesDataWith", to)
            represented = next(
                (
                    s.service_entity
                    for s in x.services
                    if s.service
                    and self.m.service(x.controller, s.service) == sender
                    and s.service_entity
                ),
                None,
            )
            if represented and self.m.entity(represented) != to:
                self.shared.link(self.m.entity(represented), "fg:sharesDataWith", to)
