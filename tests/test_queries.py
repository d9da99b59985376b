"""Every library query: a well-formed header, and asserted results on the seed graph, the same on
the embedded store and on an external Virtuoso server loaded by `flowgraph build --store URL`."""

from __future__ import annotations

import pytest
from rdflib.plugins.sparql import prepareQuery

from flowgraph.query.library import load_library, run
from flowgraph.settings import PROJECT_ROOT
from flowgraph.store.base import open_store

B = "https://w3id.org/flowgraph/id/"
LIBRARY = load_library(PROJECT_ROOT / "queries")


@pytest.fixture(scope="module", params=["embedded", "embedded-in-memory", "virtuoso"])
def store(request, settings):
    """Every assertion runs on the embedded Oxigraph store (on disk, and loaded into memory as
    `serve --store oxigraph-memory` does) and on a real Virtuoso server."""
    if request.param.startswith("embedded"):
        request.getfixturevalue("built")
        backend = "oxigraph-memory" if request.param == "embedded-in-memory" else "oxigraph"
        chosen = open_store(settings.model_copy(update={"store": backend}))
    else:
        remote_settings, _ = request.getfixturevalue("virtuoso_built")
        chosen = open_store(remote_settings)
    yield chosen
    chosen.close()


def ask(store, name: str, **params):
    return run(store, LIBRARY[name], params)[1]


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_every_query_parses_and_has_a_header(name):
    query = LIBRARY[name]
    prepareQuery(query.text)
    assert query.title and query.description, name
    for param, description in query.params.items():
        assert "example" in description, (name, param)
        assert f"?{param}" in query.text.split("WHERE")[0], (
            f"{name}: parameter ?{param} must be projected"
        )


def test_violation_checks_are_empty(store):
    for name, query in LIBRARY.items():
        if query.is_check:
            assert run(store, query)[1] == [], name


def test_recipients_of_leicester_housing_are_exactly_its_notice(store):
    rows = ask(
        store, "recipients-of-service", service=B + "org/leicester-city-council/service/housing"
    )
    assert sorted({r["recipientText"] for r in rows}) == sorted(
        [
            "Judicial Agencies e.g. Courts",
            "Police",
            "Health Agencies",
            "Education Providers",
            "Other Local Authorities",
            "Immigration Service",
            "Government Departments e.g. HMRC, DWP, DLHUC, Home Office",
            "HMRC",
            "DWP",
            "DLHUC",
            "Home Office",
            "Safeguarding Boards",
            "Elected Members & MPs (as your representative)",
            "Funding Bodies",
            "Contractors providing housing services (e.g. plumbing, electricians, gas operatives etc.) and IT services",
            "Credit Reference Agencies",
        ]
    )
    assert {r["recipient"] for r in rows if r["recipientText"] == "DLHUC"} == {B + "org/dluhc"}


def test_recipients_of_a_controller_cover_all_its_notices(store):
    rows = ask(store, "recipients-of-controller", controller=B + "org/leicester-city-council")
    notices = {r["notice"] for r in rows}
    assert notices == {
        "leicester-city-council-service-areas.txt",
        "leicester-city-council-general.txt",
    }
    assert (
        len({r["serviceLabel"] for r in rows}) == 21
    )  # 20 service areas + the council-wide notice


def test_cabinet_office_receives_from_leicester_and_leeds(store):
    rows = ask(store, "senders-to-recipient", recipient=B + "org/cabinet-office")
    assert {r["controllerLabel"] for r in rows} == {"Leicester City Council", "Leeds City Council"}
    assert all(r["how"] == "stated" for r in rows)


def test_ranking_and_shared_recipients(store):
    ranked = ask(store, "recipients-ranked")
    assert [(r["recipientLabel"], r["controllers"], r["activities"]) for r in ranked[:3]] == [
        ("Third parties (unspecified)", 4, 6),
        ("Courts and tribunals", 3, 18),  # ties on controllers broken by service areas
        ("Education providers", 3, 12),
    ]
    shared = {r["recipientLabel"]: r["controllers"] for r in ask(store, "shared-recipients")}
    assert shared["Police"] == 2
    assert shared["HM Revenue and Customs"] == 2
    assert "Department for Education" in shared  # Leicester and Leicestershire


def test_transfers_abroad_include_microsoft_usa_and_privacy_shield(store):
    rows = ask(store, "transfers-abroad")
    assert any(
        r["destination"] == "United States of America" and r["via"] == "Microsoft" for r in rows
    )
    shield = [r for r in rows if r["safeguard"] == "EU-US Privacy Shield"]
    assert {r["via"] for r in shield} == {"Dotdigital"}
    assert {r["validSafeguard"] for r in shield} == {False}
    assert {r["serviceLabel"] for r in shield} == {
        "LLEP (Leicester and Leicestershire Enterprise Partnership)",
        "Political Governance & City Mayor's Office",
    }


def test_legal_bases_and_laws_per_service(store):
    rows = ask(store, "legal-bases-by-service", controller=B + "org/leicester-city-council")
    housing = {(r["kind"], r["value"]) for r in rows if r["serviceLabel"] == "Housing"}
    assert ("basis", "consent") in housing
    assert ("law", "Homelessness Reduction Act 2017") in housing
    consent_or_li = ask(store, "consent-or-legitimate-interests")
    assert {
        (r["serviceLabel"], r["scope"])
        for r in consent_or_li
        if r["basis"] == "legitimate_interests"
    } >= {("Information technology (IT)", "web analytics")}


def test_automated_decisions_and_denials(store):
    rows = ask(store, "automated-decisions")
    stated = {(r["serviceLabel"], r["text"]) for r in rows if r["stated"] == "yes"}
    assert (
        "Information technology (IT)",
        "Some automated scanning and correlating of results to flag threats and vulnerabilities",
    ) in stated
    assert (
        sum(1 for service, _ in stated if service == "Revenues & Benefits and Customer Support")
        == 4
    )
    assert ("CCTV", "Not applicable") in {
        (r["serviceLabel"], r["text"]) for r in rows if r["stated"] == "denied"
    }


def test_special_category_flows(store):
    rows = ask(store, "special-category-flows")
    lcc = {
        r["recipientLabel"] for r in rows if r["controllerLabel"] == "Leicestershire County Council"
    }
    assert lcc == {
        "Department for Education",
        "Post-16 education and training providers",
        "Education providers",
        "Third parties (unspecified)",
        "Youth support services",
    }


def test_data_subject_flows(store):
    children = ask(store, "data-subject-flows", subject=B + "data-subject/child")
    assert {(r["controllerLabel"], r["serviceLabel"]) for r in children} == {
        ("Leicestershire County Council", "Children and Family Services"),
        ("Leicester City Council", "Social Care (Adults and Children)"),
    }
    assert all(r["vulnerable"] is True and r["subjectLabel"] == "Children" for r in children)
    county = {
        r["recipientLabel"]
        for r in children
        if r["controllerLabel"] == "Leicestershire County Council"
    }
    assert "Department for Education" in county
    everyone = ask(store, "data-subject-flows")
    assert {r["subjectLabel"] for r in everyone} == {
        "Children",
        "Young people",
        "Pupils and students",
        "Offenders and suspects",
    }
    assert {r["vulnerable"] for r in everyone if r["subjectLabel"] == "Offenders and suspects"} == {
        False
    }


def test_onward_sharing(store):
    rows = ask(store, "onward-sharing")
    assert {(r["senderLabel"], r["recipientLabel"]) for r in rows} >= {
        ("Department for Education", "Third parties (unspecified)")
    }
    assert all(r["statedBy"] for r in rows)


def test_reach_of_sharing_chains(store):
    rows = {
        r["nodeLabel"]: r
        for r in ask(store, "sharing-chains", controller=B + "org/leicester-city-council")
    }
    assert rows["Leicester and Leicestershire Enterprise Partnership"]["hops"] == 1
    assert rows["Post-16 education and training providers"]["hops"] == 2
    assert (
        rows["Post-16 education and training providers"]["reachedFrom"]
        == "Leicestershire County Council"
    )


def test_flow_evidence_points_into_the_notice(store, settings):
    rows = ask(
        store,
        "flow-evidence",
        sender=B + "org/leicester-city-council/service/housing",
        recipient=B + "org/hmrc",
    )
    assert len(rows) == 1
    text = (settings.notices_dir / rows[0]["notice"]).read_text(encoding="utf-8")
    assert (
        text[rows[0]["start"] : rows[0]["end"]]
        == rows[0]["quote"]
        == "Government Departments e.g. HMRC, DWP, DLHUC, Home Office"
    )


def test_unresolved_items_and_notice_summary(store):
    unresolved = {(r["kind"], r["text"]) for r in ask(store, "unresolved-items")}
    assert ("law", "Customer Support Grant – Welfare provision") in unresolved
    assert ("recipient", "EDF projects") in unresolved
    summary = {r["notice"]: r for r in ask(store, "notice-summary")}
    assert summary["leicester-city-council-service-areas.txt"]["services"] == 20
    assert (
        summary["leicestershire-county-council-children-and-family-services.txt"]["transfers"] == 0
    )


def test_entity_flows_name_each_flows_lawful_bases(store):
    """Each flow's bases are exactly its activity's bases, by label and article; a flow whose
    activity states none has none (the rewritten OPTIONALs must not match every basis concept)."""
    rows = ask(store, "entity-flows", entity=B + "org/hmrc")
    assert rows
    _, facts = store.select(
        """PREFIX fg: <https://w3id.org/flowgraph/ns#> PREFIX dpv: <https://w3id.org/dpv#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?flow ?label ?reference WHERE {
          ?flow fg:partOf/dpv:hasLegalBasis/fg:basisCode ?code .
          ?concept fg:basisCode ?code ; rdfs:label ?label ; skos:notation ?reference }"""
    )
    expected: dict[str, set[str]] = {}
    for fact in facts:
        expected.setdefault(fact["flow"], set()).add(f"{fact['label']} — {fact['reference']}")
    for row in rows:
        stated = set(row["bases"].split(" | ")) if row.get("bases") else set()
        assert stated == expected.get(row["flow"], set()), row["flow"]
    assert any(row.get("bases") for row in rows)


BASIS_LABELS = {  # query -> the variable holding "Label — Art. N" built by CONCAT
    "entity-flows": "bases",
    "legal-bases-by-service": "label",
    "activity-details": "value",
    "ropa": "value",
    "dpia-facts": "detail",
}  # flags/consent-for-statutory builds its label the same way; no sample notice raises that flag


@pytest.mark.parametrize("name", sorted(BASIS_LABELS))
def test_basis_labels_keep_their_dash_on_every_store(store, name):
    """Virtuoso 7.2 gave the em dash of `entity-flows`' labels back as "?" (a plain " — " in a
    CONCAT that GROUP_CONCAT then joins): written as a typed literal it stays whole everywhere."""
    query = LIBRARY[name]
    known = {"entity": B + "org/hmrc", "controller": B + "org/leicester-city-council"}
    params = {p: known[p] for p in query.params if p in known}
    values = [str(row.get(BASIS_LABELS[name]) or "") for row in run(store, query, params)[1]]
    with_article = [v for v in values if "Art. " in v]
    assert with_article, name
    assert all(" — Art. " in v for v in with_article), [v for v in with_article if " — " not in v][
        :3
    ]
    assert not any(" ? Art. " in v for v in values), name
