"""The gazetteer generated from the UK registers (normalise/registers.py, normalise/organisations.py).

Every current council resolves by every name the register gives it, with its GSS code and type;
abolished councils and renamed departments resolve to themselves and point at their successors;
tricky names never land on the wrong body; `flowgraph vocab build` is reproducible.
"""

from __future__ import annotations

import csv
import re
import shutil

import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.normalise.gazetteer import Gazetteer
from flowgraph.normalise.registers import Repairs, generate, stale
from flowgraph.normalise.vocab import Vocabulary, alias_body, any_alias_regex
from flowgraph.rdf.iris import Minter
from flowgraph.rdf.vocabulary import vocabulary_quads
from flowgraph.settings import PROJECT_ROOT

REGISTERS = PROJECT_ROOT / "data" / "registers"
VOCAB = PROJECT_ROOT / "data" / "vocab"
BASE = "https://w3id.org/flowgraph/id/"
FG = rdflib.Namespace("https://w3id.org/flowgraph/ns#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(Vocabulary(VOCAB))


def _current_councils() -> list[dict[str, str]]:
    with (REGISTERS / "uk-local-authorities.csv").open(encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["current-authority"] == "True"]


def test_every_current_council_resolves_by_each_of_its_names(gazetteer):
    repair = Repairs(REGISTERS / "repairs.csv")
    councils = _current_councils()
    assert len(councils) == 397
    checked = 0
    for row in councils:
        names = [row["official-name"], row["nice-name"]]
        names += [a for a in re.split(r",(?! )", row["alt-names"]) if a.strip()]
        for name in names:
            ref = gazetteer.resolve_phrase(repair(name))
            assert ref is not None, name
            entry = gazetteer.entries[ref.key]
            assert entry.gss == row["gss-code"], (name, ref)
            assert entry.type, (name, ref)
            assert f"gss:{row['gss-code']}" in entry.identifiers
            checked += 1
    assert checked > 1500


def test_types_follow_the_register(gazetteer):
    def type_of(name: str) -> str:
        ref = gazetteer.resolve_phrase(name)
        assert ref is not None, name
        return gazetteer.entries[ref.key].type

    assert type_of("Leicestershire County Council") == "county-council"
    assert type_of("Blaby District Council") == "non-metropolitan-district"
    assert type_of("Leicester City Council") == "unitary-authority"
    assert type_of("Wigan Council") == "metropolitan-district"
    assert type_of("London Borough of Camden") == "london-borough"
    assert type_of("Cardiff Council") == "welsh-unitary-authority"
    assert type_of("Fife Council") == "scottish-unitary-authority"
    assert type_of("Belfast City Council") == "ni-district"
    assert type_of("Greater Manchester Combined Authority") == "combined-authority"


def test_a_district_is_part_of_its_county_and_its_combined_authority(gazetteer):
    assert gazetteer.entries["blaby-district-council"].part_of == ("leicestershire-county-council",)
    assert gazetteer.entries["wigan-metropolitan-borough-council"].part_of == (
        "greater-manchester-combined-authority",
    )


def test_agencies_are_part_of_their_department(gazetteer):
    assert gazetteer.entries["dvla"].part_of == ("dft",)  # a curated row, the register's parent
    assert gazetteer.entries["voa"].part_of == ("hmrc",)
    assert gazetteer.entries["public-health-england"].part_of == ("department-of-health",)
    assert gazetteer.entries["hmpps"].part_of == ("moj",)


def test_an_abolished_council_resolves_to_itself_and_names_its_successor(gazetteer):
    ref = gazetteer.resolve_phrase("Allerdale Borough Council")
    assert ref is not None and ref.key == "allerdale-borough-council"
    allerdale = gazetteer.entries[ref.key]
    assert allerdale.end == "2023-04-01"
    assert allerdale.replaced_by == ("cumberland-council",)
    assert gazetteer.entries["cumbria-county-council"].replaced_by == (
        "cumberland-council",
        "westmorland-and-furness-council",
    )


def test_renamed_departments_are_a_chain_of_successors(gazetteer):
    def successors(name: str) -> list[str]:
        ref = gazetteer.resolve_phrase(name)
        assert ref is not None, name
        chain, key = [ref.key], ref.key
        while gazetteer.entries[key].replaced_by:
            key = gazetteer.entries[key].replaced_by[0]
            chain.append(key)
        return chain

    assert successors("Department for Communities and Local Government") == [
        "department-for-communities-and-local-government",
        "mhclg-2018",
        "dluhc",
        "mhclg",
    ]
    assert successors("DCLG")[0] == "department-for-communities-and-local-government"
    assert successors("MHCLG") == ["mhclg"]
    assert successors("Public Health England") == ["public-health-england", "ukhsa"]
    ref = gazetteer.resolve_phrase("BEIS")
    assert ref is not None
    assert gazetteer.entries[ref.key].replaced_by == ("desnz", "dsit", "dbt")


# Reviewed by hand: each name, and the one body it must resolve to (None: a category or no one).
TRICKY = [
    ("Leicester City Council", "leicester-city-council"),
    ("Leicestershire County Council", "leicestershire-county-council"),
    ("Leicester", "leicester-city-council"),
    ("Leicestershire", "leicestershire-county-council"),
    ("Police", "police"),  # the category, not a force
    ("the police", "police"),
    ("Leicestershire Police", "leicestershire-police"),
    ("DWP", "dwp"),
    ("Department for Work and Pensions", "dwp"),
    ("Department of Work & Pensions", "dwp"),
    ("HMRC", "hmrc"),
    ("HM Revenue & Customs", "hmrc"),
    ("Her Majesty's Revenue and Customs", "hmrc"),
    ("Derby City Council", "derby-city-council"),
    ("Derbyshire County Council", "derbyshire-county-council"),
    ("Derby", "derby-city-council"),
    ("Durham County Council", "durham-county-council"),
    ("York", "city-of-york-council"),
    ("North Yorkshire Council", "north-yorkshire-council"),
    ("Bristol City Council", "bristol-city-council"),
    ("Bristol, City of", "bristol-city-council"),
    ("Newcastle upon Tyne", "newcastle-city-council"),
    ("Newcastle-under-Lyme Borough Council", "newcastle-under-lyme-borough-council"),
    ("Kingston upon Hull", "hull-city-council"),
    ("Royal Borough of Kingston upon Thames", "royal-borough-of-kingston-upon-thames"),
    ("Westminster City Council", "westminster-city-council"),
    ("City of London Corporation", "city-of-london-corporation"),
    ("Metropolitan Police", "metropolitan-police-service"),
    ("City of London Police", "city-of-london-police"),
    ("Police Scotland", "police-scotland"),
    ("Cabinet Office", "cabinet-office"),
    ("Department for Education", "dfe"),
    ("Ministry of Justice", "moj"),
    ("DfE", "dfe"),
    ("Ofsted", "ofsted"),
    ("Information Commissioner's Office", "ico"),
    ("Home Office", "home-office"),
    ("Department of Health", "department-of-health"),
    ("Department of Health and Social Care", "dhsc"),
]


@pytest.mark.parametrize(("name", "expected"), TRICKY)
def test_tricky_names_resolve_to_the_right_body(gazetteer, name, expected):
    ref = gazetteer.resolve_phrase(name)
    assert ref is not None and ref.key == expected, (name, ref)


def test_common_acronyms_of_council_work_are_not_register_bodies(gazetteer):
    # "ASC" is adult social care, "DSG" the dedicated schools grant: the register's bodies with
    # those abbreviations are never found in a notice's text
    for text in ("ASC assessments", "the DSG allocation", "a CAT scan", "NICE guidance"):
        found = {m.entity.key for m in gazetteer.find_mentions(text)}
        if text == "NICE guidance":
            assert found == {"national-institute-for-health-and-care-excellence"}
        else:
            assert found == set(), (text, found)


def test_register_names_are_found_as_proper_names_only(gazetteer):
    # "Animal Health" is a body in the 2017 register; animal health in prose is not
    assert gazetteer.find_mentions("standards of animal health and welfare") == []
    found = [
        m.entity.key
        for m in gazetteer.find_mentions(
            "We share it with the Driver and Vehicle Standards Agency."
        )
    ]
    assert found == ["dvsa"]


def test_mis_decoded_welsh_names_are_repaired():
    text = (VOCAB / "organisations" / "generated" / "local-authorities.csv").read_text("utf-8")
    assert "Sir Ynys Môn" in text
    assert "ï¿½" not in text and "\ufffd" not in text and "ï¾" not in text


def test_the_generated_files_are_reproducible_and_up_to_date():
    first = [f.text() for f in generate(REGISTERS)]
    assert first == [f.text() for f in generate(REGISTERS)]
    assert stale(generate(REGISTERS), VOCAB / "organisations" / "generated") == []


def test_vocab_build_check_fails_when_a_register_changes(tmp_path):
    data = tmp_path / "workspace"  # a workspace with its own vocab/ and registers/
    shutil.copytree(VOCAB, data / "vocab")
    shutil.copytree(REGISTERS, data / "registers")
    runner = CliRunner()
    args = ["--workspace", str(data), "vocab", "build", "--registers", str(data / "registers")]
    ok = runner.invoke(app, [*args, "--check"])
    assert ok.exit_code == 0, ok.output
    path = data / "registers" / "uk-local-authorities.csv"
    path.write_text(
        path.read_text("utf-8").replace("Blaby District Council", "Blaby Council"), "utf-8"
    )
    changed = runner.invoke(app, [*args, "--check"])
    assert changed.exit_code == 1
    assert "out of date" in changed.output
    rebuilt = runner.invoke(app, args)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(app, [*args, "--check"]).exit_code == 0
    generated = (
        data / "vocab" / "organisations" / "generated" / "local-authorities.csv"
    ).read_text()
    assert "blaby-council,Blaby Council," in generated


def test_the_graph_carries_identifiers_links_out_types_and_successors(tmp_path):
    vocabulary = Vocabulary(VOCAB)
    text = vocabulary_quads(
        Minter(BASE), vocabulary, Gazetteer(vocabulary), PROJECT_ROOT / "ontology" / "flowgraph.ttl"
    )
    dataset = rdflib.Dataset()
    dataset.parse(data=text, format="nquads")
    graph = rdflib.Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    allerdale = rdflib.URIRef(BASE + "org/allerdale-borough-council")
    cumberland = rdflib.URIRef(BASE + "org/cumberland-council")
    assert (allerdale, FG.replacedBy, cumberland) in graph
    assert (cumberland, PROV.wasRevisionOf, allerdale) in graph
    assert (
        allerdale,
        rdflib.OWL.sameAs,
        rdflib.URIRef("http://statistics.data.gov.uk/id/statistical-geography/E07000026"),
    ) in graph
    codes = {
        (str(o.datatype).rsplit("/", 1)[1], str(o))
        for o in graph.objects(allerdale, rdflib.DCTERMS.identifier)
    }
    assert codes == {("gss", "E07000026"), ("lacode", "ALL"), ("govuk-council", "allerdale")}
    blaby = rdflib.URIRef(BASE + "org/blaby-district-council")
    assert (blaby, FG.partOf, rdflib.URIRef(BASE + "org/leicestershire-county-council")) in graph
    assert (
        blaby,
        FG.organisationType,
        rdflib.URIRef(BASE + "organisation-type/non-metropolitan-district"),
    ) in graph
    assert (blaby, FG.region, rdflib.Literal("East Midlands")) in graph
    dwp = rdflib.URIRef(BASE + "org/dwp")
    assert (
        dwp,
        rdflib.RDFS.seeAlso,
        rdflib.URIRef("https://www.gov.uk/government/organisations/department-for-work-pensions"),
    ) in graph


@settings(max_examples=60, deadline=None)
@given(
    aliases=st.lists(
        st.text(alphabet="abAB &-'", min_size=1, max_size=8).filter(
            lambda a: a.strip()[:1].isalnum()
        ),
        min_size=1,
        max_size=12,
    ),
    text=st.text(alphabet="abAB &-' .", max_size=60),
)
def test_grouped_alias_regex_finds_what_a_flat_alternation_finds(aliases, text):
    ordered = sorted(aliases, key=len, reverse=True)
    flat = re.compile(r"(?<![\w&])(?:" + "|".join(alias_body(a) for a in ordered) + ")", re.I)
    grouped = re.compile(any_alias_regex(aliases), re.I)
    spans = [m.span() for m in flat.finditer(text)]
    assert [m.span() for m in grouped.finditer(text)] == spans


def test_generated_files_live_apart_from_curated_ones():
    generated = sorted(p.name for p in (VOCAB / "organisations" / "generated").glob("*.csv"))
    assert generated == ["government.csv", "local-authorities.csv"]
    header = (
        (VOCAB / "organisations" / "generated" / "government.csv")
        .read_text("utf-8")
        .splitlines()[0]
    )
    assert header.startswith("id,label,category,dpv,gss,homepage,aliases,type,identifiers")
    # curated wins: HMRC keeps its hand-written id and label, and gains the register's codes
    rows = {r["id"]: r for r in Vocabulary(VOCAB).organisations}
    assert rows["hmrc"]["label"] == "HM Revenue and Customs"
    assert "govreg:D25" in rows["hmrc"]["identifiers"].split("|")
    assert "hm-revenue-and-customs" not in rows
