"""SELECT results read from Oxigraph's TSV equal the values read term by term from the solutions."""

from __future__ import annotations

import math
from typing import Any

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st

from flowgraph.store.oxigraph import OxigraphStore
from flowgraph.store.tsv import read_select, term_value, unescape

XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "http://example.org/"
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def reference(term: Any) -> Any:
    """The value of a solution's term read through pyoxigraph's term objects."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype in {XSD + "integer", XSD + "int", XSD + "long"}:
            return int(term.value)
        if datatype == XSD + "boolean":
            return term.value == "true"
        if datatype in {XSD + "decimal", XSD + "double", XSD + "float"}:
            return float(term.value)
    return term.value


LITERALS = st.one_of(
    TEXT.map(ox.Literal),
    st.tuples(TEXT, st.sampled_from(["en", "en-gb", "cy"])).map(
        lambda t: ox.Literal(t[0], language=t[1])
    ),
    st.integers(-(10**12), 10**12).map(
        lambda i: ox.Literal(str(i), datatype=ox.NamedNode(XSD + "integer"))
    ),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(
        lambda d: ox.Literal(str(d), datatype=ox.NamedNode(XSD + "decimal"))
    ),
    st.floats(allow_nan=False, allow_infinity=True).map(
        lambda f: ox.Literal(repr(f).replace("inf", "INF"), datatype=ox.NamedNode(XSD + "double"))
    ),
    st.booleans().map(lambda b: ox.Literal(str(b).lower(), datatype=ox.NamedNode(XSD + "boolean"))),
    st.dates().map(lambda d: ox.Literal(d.isoformat(), datatype=ox.NamedNode(XSD + "date"))),
    TEXT.map(lambda t: ox.Literal(t, datatype=ox.NamedNode(EX + "custom"))),
)
OBJECTS = st.one_of(
    LITERALS,
    st.from_regex(r"[a-z0-9/-]{1,16}(%20)?[a-zé]{0,3}(#[a-z0-9-]{0,6})?", fullmatch=True).map(
        lambda s: ox.NamedNode(EX + s)
    ),
)


def _store(objects: list[Any]) -> ox.Store:
    store = ox.Store()
    for index, obj in enumerate(objects):
        subject = ox.NamedNode(f"{EX}s{index}")
        store.add(ox.Quad(subject, ox.NamedNode(EX + "p"), obj, ox.NamedNode(EX + "g")))
        if index % 3 == 0:  # some rows with ?extra unbound, some with a blank node
            store.add(
                ox.Quad(subject, ox.NamedNode(EX + "q"), ox.BlankNode(), ox.NamedNode(EX + "g"))
            )
    return store


QUERY = f"SELECT ?s ?o ?extra WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?extra }} }}"


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return left == right or (math.isnan(left) and math.isnan(right))
    return left == right and type(left) is type(right)


@settings(max_examples=60, deadline=None)
@given(st.lists(OBJECTS, min_size=0, max_size=25))
def test_tsv_rows_equal_the_solutions_terms(objects: list[Any]) -> None:
    store = _store(objects)
    names, rows = OxigraphStore(store).select(QUERY)
    solutions = store.query(QUERY, use_default_graph_as_union=True)
    expected = [{n: reference(s[n]) for n in names} for s in solutions]
    assert names == ["s", "o", "extra"]
    key = lambda row: row["s"]  # noqa: E731 - the same order on both sides
    got, want = sorted(rows, key=key), sorted(expected, key=key)
    assert len(got) == len(want) == len(objects)
    for row, ref in zip(got, want, strict=True):
        assert row.keys() == ref.keys()
        for name in names:
            if name == "extra" and ref[name] is not None:
                assert isinstance(row[name], str) and row[name]  # blank node ids differ per read
            else:
                assert _same(row[name], ref[name]), (name, row[name], ref[name])


def test_cells_of_each_shape() -> None:
    assert term_value("") is None
    assert term_value("<http://e/x>") == "http://e/x"
    assert term_value("_:b0") == "b0"
    assert term_value('"a\\tb\\nc\\"d\\\\e"') == 'a\tb\nc"d\\e'
    assert term_value('"h"@en-gb') == "h"
    assert term_value(f'"7"^^<{XSD}long>') == 7
    assert term_value(f'"1000"^^<{XSD}double>') == 1000.0
    assert term_value(f'"2020-01-01"^^<{XSD}date>') == "2020-01-01"
    assert (term_value("-7"), term_value("1.5"), term_value("1.0E3")) == (-7, 1.5, 1000.0)
    assert (term_value("true"), term_value("false")) == (True, False)
    assert unescape("caf\\u00e9 \\U0001F600") == "café 😀"


def test_one_variable_rows_with_unbound_values_and_no_variables() -> None:
    store = ox.Store()
    tsv = store.query("SELECT ?x WHERE { VALUES ?x { 1 UNDEF 2 } }").serialize(
        format=ox.QueryResultsFormat.TSV
    )
    assert read_select(tsv) == (["x"], [{"x": 1}, {"x": None}, {"x": 2}])
    assert read_select(
        store.query("SELECT * WHERE {}").serialize(format=ox.QueryResultsFormat.TSV)
    ) == ([], [{}])
    assert read_select(
        store.query("SELECT ?x WHERE { FILTER(false) }").serialize(format=ox.QueryResultsFormat.TSV)
    ) == (["x"], [])
