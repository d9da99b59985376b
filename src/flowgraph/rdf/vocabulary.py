"""The vocabulary graph: the ontology plus SKOS concept schemes generated from data/vocab.

Curators extend the CSV files; the schemes (recipient categories, purposes, legal bases,
locations, safeguards, data categories) and the organisation gazetteer follow automatically.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import rdflib

from flowgraph.model import EntityRef
from flowgraph.normalise.gazetteer import Entry, Gazetteer
from flowgraph.normalise.vocab import Vocabulary
from flowgraph.rdf.iris import Minter
from flowgraph.rdf.terms import RDF_TYPE, QuadWriter, lit

A = RDF_TYPE
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR_MONTH = re.compile(r"^\d{4}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")


def _date(value: str) -> str:
    """Registers give days, months or only years: each typed as what it is."""
    if _DATE.match(value):
        return lit(value, datatype="xsd:date")
    if _YEAR_MONTH.match(value):
        return lit(value, datatype="xsd:gYearMonth")
    if _YEAR.match(value):
        return lit(value, datatype="xsd:gYear")
    return lit(value)


def organisation_types(q: QuadWriter, minter: Minter, vocabulary: Vocabulary, scheme: str) -> None:
    for row in vocabulary.organisation_types:
        node = minter.concept("organisation-type", row["id"])
        q.link(node, A, "skos:Concept")
        q.link(node, A, "fg:OrganisationType")
        q.link(node, "skos:inScheme", scheme)
        q.add(node, "skos:prefLabel", lit(row["label"], lang="en"))
        q.add(node, "rdfs:label", lit(row["label"]))
        q.add(node, "skos:notation", lit(row["id"]))  # queries name a type by its id
        if row.get("definition"):
            q.add(node, "skos:definition", lit(row["definition"], lang="en"))
        if row["broader"]:
            q.link(node, "skos:broader", minter.concept("organisation-type", row["broader"]))
        else:
            q.link(node, "skos:topConceptOf", scheme)
        if row["dpv"]:
            q.link(node, "fg:dpvClass", row["dpv"])


def describe_organisation(
    q: QuadWriter, minter: Minter, entry: Entry, schemes: dict[str, dict[str, str]]
) -> None:
    """Identifiers, links out, type, parents, successors: what joins the graph to other data."""
    node = minter.entity(EntityRef(entry.id, entry.label, entry.kind, "exact"))
    if entry.type:
        q.link(node, "fg:organisationType", minter.concept("organisation-type", entry.type))
    for identifier in entry.identifiers:
        scheme, _, value = identifier.partition(":")
        q.add(
            node, "dct:identifier", lit(value, datatype=minter.concept("identifier-scheme", scheme))
        )
        template = schemes[scheme].get("template", "")
        relation = schemes[scheme].get("relation", "")
        if template and relation:
            q.link(node, relation, template.replace("{value}", quote(value, safe="")))
    for parent in entry.part_of:
        q.link(node, "fg:partOf", minter.entity(EntityRef(parent, "", "organisation", "")))
    for successor in entry.replaced_by:
        later = minter.entity(EntityRef(successor, "", "organisation", ""))
        q.link(node, "fg:replacedBy", later)
        q.link(later, "prov:wasRevisionOf", node)
    if entry.start:
        q.add(node, "fg:startDate", _date(entry.start))
    if entry.end:
        q.add(node, "fg:endDate", _date(entry.end))
    if entry.region:
        q.add(node, "fg:region", lit(entry.region))
    if entry.nation:
        q.add(node, "fg:nation", lit(entry.nation))


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
    schemes = {row["scheme"]: row for row in vocabulary.identifier_schemes}
    organisation_types(q, minter, vocabulary, scheme("organisation-types", "Organisation types"))
    for row in vocabulary.identifier_schemes:
        node = minter.concept("identifier-scheme", row["scheme"])
        q.link(node, A, "fg:IdentifierScheme")
        q.add(node, "rdfs:label", lit(row["label"]))
        q.add(node, "skos:notation", lit(row["scheme"]))
        if row.get("source"):
            q.add(node, "dct:source", lit(row["source"]))
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
            describe_organisation(q, minter, entry, schemes)
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
