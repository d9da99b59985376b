"""Reading and binding SPARQL text: query forms, blanking literals, parameters as VALUES."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowgraph.store.sparql_text import bind_in_where, blank_out, query_form, sparql_term

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
