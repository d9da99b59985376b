"""The vocabulary graph: the ontology plus SKOS concept schemes generated from data/vocab.

Curators extend the CSV files; the schemes (recipient categories, purposes, legal bases,
locations, safeguards, data categories) and the organisation gazetteer follow automatically.
"""

from __future__ import annotations

from pathlib import Path

import rdflib

from flowgraph.model import EntityRef
from flowgraph.normalise.gazetteer import Gazetteer
from flowgraph.normalise.vocab import Vocabulary
from flowgraph.rdf.iris import Minter
from flowgraph.rdf.terms import RDF_TYPE, QuadWriter, lit

A = RDF_TYPE


def vocabulary_quads(
    minter: Minter, vocabulary: Vocabulary, gazetteer: Gazetteer, ontology: Path
) -> str:
    q = QuadWriter(minter.vocabulary_graph())
    graph = rdflib.Graph().parse(ontology, format="turtle")
    for s, p, o in graph:
        if isinstance(s, rdflib.BNode) or isinstance(o, rdflib.BNode):
            continue
        q.lines.add(f"{s.n3()} {p.n3()} {o.n3()} {q.graph} .\n")

    def scheme(name: str, label: str) -> str:
        node = minter.concept("scheme", name)
        q.link(node, A, "skos:ConceptScheme")
        q.add(node, "rdfs:label", lit(label, lang="en"))
        return node

    categories = scheme("recipient-categories", "Recipient categories")
    for entry in gazetteer.entries.values():
        if entry.minted:
            continue
        node = minter.entity(EntityRef(entry.id, entry.label, entry.kind, "exact"))
        q.add(node, "rdfs:label", lit(entry.label))
        q.add(node, "skos:prefLabel", lit(entry.label, lang="en"))
        if entry.kind in ("category", "internal"):
            q.link(node, A, "fg:RecipientCategory")
            q.link(node, A, "skos:Concept")
            q.link(node, "skos:inScheme", categories)
            q.add(node, "skos:definition", lit(entry.definition, lang="en"))
            if entry.vague:
                q.add(node, "fg:vague", lit(True))
            if entry.broader:
                q.link(
                    node,
                    "skos:broader",
                    minter.entity(EntityRef(entry.broader, "", "category", "")),
                )
            else:
                q.link(node, "skos:topConceptOf", categories)
            if entry.dpv:
                q.link(node, "skos:broader", entry.dpv)
        else:
            q.link(node, A, "fg:Organisation")
            if entry.dpv:
                q.link(node, A, entry.dpv)
            if entry.category:
                q.link(
                    node,
                    "fg:inCategory",
                    minter.entity(EntityRef(entry.category, "", "category", "")),
                )
            if entry.gss:
                q.add(node, "fg:gssCode", lit(entry.gss))
            if entry.homepage:
                q.add(node, "foaf:homepage", lit(entry.homepage, datatype="xsd:anyURI"))
    for name, label, own, concepts in (
        ("purposes", "Purposes", "purpose", vocabulary.purposes),
        ("legal-bases", "Lawful bases and conditions", None, vocabulary.legal_bases),
        ("locations", "Transfer destinations", "location", vocabulary.locations),
        ("safeguards", "Transfer safeguards", "safeguard", vocabulary.safeguards),
        (
            "data-categories",
            "Personal data categories",
            "data-category",
            vocabulary.data_categories,
        ),
        (
            "data-subjects",
            "Categories of data subjects",
            "data-subject",
            vocabulary.data_subjects,
        ),
        (
            "disclosure-topics",
            "What a privacy notice tells people",
            "disclosure",
            vocabulary.disclosures,
        ),
    ):
        node_scheme = scheme(name, label)
        for concept in concepts:
            node = minter.concept(own, concept.id) if own else concept.iri
            q.link(node, A, "skos:Concept")
            q.link(node, "skos:inScheme", node_scheme)
            q.add(node, "skos:prefLabel", lit(concept.label, lang="en"))
            q.add(node, "rdfs:label", lit(concept.label))
            if concept.definition:
                q.add(node, "skos:definition", lit(concept.definition, lang="en"))
            link = concept.iri if own else concept.extra.get("dpv", "")
            if name == "disclosure-topics":
                q.link(node, A, "fg:DisclosureTopic")
                q.add(node, "dct:identifier", lit(concept.iri))  # the article of UK GDPR
                link = ""
            if link and not link.startswith("fg:"):
                broader = name in ("purposes", "legal-bases") or (
                    concept.extra.get("relation") == "broader"
                )
                q.link(node, "skos:broader" if broader else "skos:exactMatch", link)
            if name == "data-subjects":
                q.link(node, A, "dpv:DataSubject")
                q.add(node, "fg:vulnerableGroup", lit(concept.extra.get("vulnerable") == "true"))
            if name == "legal-bases":
                q.link(node, A, "dpv:LegalBasis")
                q.add(node, "fg:basisCode", lit(concept.id))
                q.add(node, "dct:identifier", lit(concept.extra.get("article", "")))
                # what a person reads after the label: "Public task — Art. 6(1)(e)"
                q.add(node, "skos:notation", lit(concept.extra.get("reference", "")))
            if name == "locations":
                q.add(node, "fg:thirdCountry", lit(concept.extra.get("third_country") != "false"))
            if name == "safeguards":
                q.add(node, "fg:validTransferMechanism", lit(concept.extra.get("valid") != "false"))
            if name == "data-categories":
                q.add(node, "fg:specialCategory", lit(concept.extra.get("special") == "true"))
                q.add(node, "fg:criminalOffenceData", lit(concept.extra.get("criminal") == "true"))
    return q.text()
