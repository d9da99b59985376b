"""The ontology is complete: every term it declares is labelled and defined, and every fg: term
the loader writes is declared there."""

from __future__ import annotations

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from flowgraph.rdf.terms import FG
from flowgraph.settings import PROJECT_ROOT
from flowgraph.store import snapshot as snapshots

ONTOLOGY = PROJECT_ROOT / "ontology" / "flowgraph.ttl"


def declared() -> tuple[rdflib.Graph, set[str]]:
    graph = rdflib.Graph().parse(ONTOLOGY)
    terms = {str(s) for s in graph.subjects() if str(s).startswith(FG)}
    return graph, terms


def test_every_term_has_a_label_and_a_definition():
    graph, terms = declared()
    assert len(terms) > 60
    for term in terms:
        node = rdflib.URIRef(term)
        assert graph.value(node, RDFS.label), term
        assert graph.value(node, SKOS.definition), term


def test_every_fg_term_the_loader_writes_is_declared(built):
    _, terms = declared()
    vocabulary = rdflib.Dataset()
    vocabulary.parse(built.snapshot / "vocabulary.nq", format="nquads")
    concepts = {str(s) for s, _, _, _ in vocabulary.quads((None, RDF.type, SKOS.Concept, None))}
    for concept in concepts:
        node = rdflib.URIRef(concept)
        assert any(vocabulary.quads((node, SKOS.prefLabel, None, None))), concept
        assert any(vocabulary.quads((node, SKOS.definition, None, None))), concept
    used: set[str] = set()
    for path in snapshots.nquads_files(built.snapshot):
        dataset = rdflib.Dataset()
        dataset.parse(path, format="nquads")
        for _, p, o, _ in dataset.quads():
            used |= {
                str(t) for t in (p, o) if isinstance(t, rdflib.URIRef) and str(t).startswith(FG)
            }
    assert used - terms - concepts == set()


def test_classes_align_with_dpv():
    graph, _ = declared()
    dpv = "https://w3id.org/dpv#"
    parents = {
        str(o)
        for s in graph.subjects(RDF.type, OWL.Class)
        for o in graph.objects(s, RDFS.subClassOf)
    }
    assert {
        dpv + "PersonalDataProcess",
        dpv + "PrivacyNotice",
        dpv + "Purpose",
        dpv + "LegalBasis",
        dpv + "StorageDuration",
    } <= parents
