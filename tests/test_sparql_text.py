"""Reading and binding SPARQL text: query forms, blanking literals, parameters as VALUES."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowgraph.store.sparql_text import (
    bind_in_where,
    blank_out,
    has_dataset_clause,
    has_relative_iri,
    is_absolute_iri,
    query_form,
    sparql_term,
)

QUERY = 'PREFIX ex: <http://example.org/> # WHERE { in a comment\nSELECT ?x ?label WHERE { ?x ex:label ?label . FILTER(?label != "WHERE {") }'


def test_query_forms_ignore_prologue_comments_and_literals():
    assert query_form(QUERY) == "select"
    assert (
        query_form(
            "BASE <http://x/> PREFIX a: <http://y#>\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        )
        == "construct"
    )
    assert query_form("ask {}") == "ask"
    assert query_form("INSERT DATA { <a:b> <a:c> <a:d> }") == ""


def test_blanking_keeps_positions():
    masked = blank_out(QUERY, keep_length=True)
    assert len(masked) == len(QUERY)
    assert "WHERE {" not in masked[: masked.index("SELECT")]
    assert masked.count("WHERE") == 1


@given(st.text(max_size=40))
def test_any_literal_is_bound_as_one_term(value):
    store = ox.Store()
    bound = bind_in_where(
        QUERY.replace("?label .", "?label . BIND(?v AS ?seen)").replace(
            "SELECT ?x ?label", "SELECT ?seen"
        ),
        {"v": value},
    )
    # The query still parses, and VALUES holds exactly the value (no injection).
    text = bound.replace(" ?x ex:label ?label . ", " ").replace('FILTER(?label != "WHERE {")', "")
    rows = list(store.query(text))
    assert [r["seen"].value for r in rows] == [value]


def test_iris_are_checked_and_numbers_stay_numbers():
    assert (
        sparql_term("https://w3id.org/flowgraph/id/org/hmrc")
        == "<https://w3id.org/flowgraph/id/org/hmrc>"
    )
    assert sparql_term(3) == "3" and sparql_term(True) == "true"
    with pytest.raises(ValueError, match="not a valid IRI"):
        sparql_term("http://x/> } DROP ALL #")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * FROM <urn:g> WHERE {}", True),
        ("select * from named<urn:g> {}", True),
        ("PREFIX g: <urn:> SELECT * FROM g:x WHERE {}", True),
        ("SELECT ?from WHERE { ?from <p> 'FROM <x>' } # FROM <y>", False),
        ('PREFIX from: <urn:> SELECT * WHERE { ?s from:p "x"@from ; <from> _:from }', False),
    ],
)
def test_dataset_clause_is_read_as_a_keyword(query, expected):
    assert has_dataset_clause(query) is expected


def test_relative_and_absolute_iris():
    assert has_relative_iri("CONSTRUCT { <s> <p> 1 } WHERE {}")
    assert has_relative_iri("BASE <sub/> SELECT * WHERE {}")
    assert not has_relative_iri("SELECT * WHERE { <urn:x> ?p '<s>' } # <t>")
    assert [is_absolute_iri(v) for v in ("turtle", "", "http://a b", "urn:x", "https://e/g#1")] == [
        False, False, False, True, True]  # fmt: skip
