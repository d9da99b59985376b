"""Questions by organisation type and place (issue 15, part 3): the library queries on the sample
graph, exact rows on both engines (Oxigraph and rdflib); the same logic on a tiny hand-made
graph; the `flows` API filters and their errors; the organisation facts on entity pages."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
import rdflib

from flowgraph.query.library import load_library, run
from flowgraph.query.names import load_names
from flowgraph.settings import PROJECT_ROOT
from flowgraph.store.base import open_store
from flowgraph.store.memory import MemoryStore
from flowgraph.store.oxigraph import OxigraphStore

B = "https://w3id.org/flowgraph/id/"
LIBRARY = load_library(PROJECT_ROOT / "queries")
LEICESTER = "Leicester City Council"


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def sample(request, built, settings):
    """The sample graph on Oxigraph and on rdflib's engine, with a runner that takes names."""
    chosen = settings.model_copy(update={"store": request.param})
    store = open_store(chosen)
    names = load_names(store, LIBRARY, chosen)

    def ask(name: str, **params: str) -> list[dict]:
        query = LIBRARY[name]
        return run(store, query, names.bind(query.param_kinds, params))[1]

    yield ask
    store.close()


def split(value: str | None) -> set[str]:
    return {v for v in (value or "").split(" | ") if v}


# ---------------------------------------------------------------------------- the sample graph
def test_flows_to_police_for_leicester_are_its_nineteen_services(sample):
    rows = sample("flows-to-police", controller=LEICESTER)
    assert {(r["recipient"], r["recipientKind"], r["flowKind"], r["flows"]) for r in rows} == {
        (B + "category/police", "category", "stated", 1)
    }
    assert [r["service"] for r in rows] == [
        "CCTV",
        "Digital Transformation",
        "Education & Learning Services",
        "Electoral Registration Service",
        "Estates & Buildings",
        "Finance",
        "Housing",
        "Human Resources (HR)",
        "Information technology (IT)",
        "Legal Services",
        "Neighbourhood & Environmental Services",
        "Planning & Transport",
        "Political Governance & City Mayor's Office",
        "Public Health",
        "Registration Services",
        "Revenues & Benefits and Customer Support",
        "Social Care (Adults and Children)",
        "Tourism, Leisure & Culture",
        "Youth Offending Service",
    ]
    leeds = sample("flows-to-police", controller="Leeds City Council")
    assert [(r["service"], split(r["asWritten"]), r["flows"]) for r in leeds] == [
        ("(whole notice)", {"the Police", "police forces and non-home office police forces"}, 2)
    ]


def test_councils_in_the_east_midlands_sharing_with_hmrc(sample):
    rows = sample("councils-sharing-with", recipient="HMRC", region="east midlands")
    assert [
        (r["councilLabel"], r["councilType"], r["councilRegion"], r["flows"]) for r in rows
    ] == [(LEICESTER, "Unitary authority", "East Midlands", 8)]
    assert rows[0]["region"] == "East Midlands"  # the name typed, resolved to the graph's value
    everywhere = sample("councils-sharing-with", recipient="HM Revenue and Customs")
    assert [(r["councilLabel"], r["flows"]) for r in everywhere] == [
        ("Leeds City Council", 2),
        (LEICESTER, 8),
    ]
    assert sample("councils-sharing-with", recipient="HMRC", region="Wales") == []


def test_councils_within_a_county_sharing_with_a_category(sample):
    county = "Leicestershire County Council"
    rows = sample("councils-sharing-with", recipient="Third parties (unspecified)", county=county)
    assert [(r["councilLabel"], r["councilType"], r["services"], r["flows"]) for r in rows] == [
        (county, "County council", "Children and Family Services", 1),  # its onward flows not
        ("Oadby and Wigston Borough Council", "District council", "(whole notice)", 1),
    ]
    assert sample("councils-sharing-with", recipient="the police", county=county) == []
    # a category counts its narrower categories; a successor its predecessors
    police = sample("councils-sharing-with", recipient="law enforcement agencies")
    assert {r["councilLabel"]: r["flows"] for r in police} == {
        "Leeds City Council": 5,
        LEICESTER: 34,
    }
    mhclg = sample("councils-sharing-with", recipient=B + "org/mhclg")
    assert [(r["councilLabel"], split(r["sharedWith"])) for r in mhclg] == [
        (
            LEICESTER,
            {
                "Department for Levelling Up, Housing and Communities",
                "Department for Communities and Local Government",
            },
        )
    ]


def test_flows_to_central_government_by_department(sample):
    rows = sample("flows-to-central-government")
    got = {(r["deptLabel"], r["bodyType"], r["controllerLabel"], r["flows"]) for r in rows}
    dept = "Government department"
    assert got == {
        ("Cabinet Office", dept, "Leeds City Council", 1),
        ("Cabinet Office", dept, LEICESTER, 3),
        ("Department for Communities and Local Government", dept, LEICESTER, 1),
        ("Department for Education", dept, LEICESTER, 3),
        ("Department for Education", dept, "Leicestershire County Council", 1),
        ("Department for Levelling Up, Housing and Communities", dept, LEICESTER, 3),
        ("Department for Work and Pensions", dept, "Leeds City Council", 1),
        ("Department for Work and Pensions", dept, LEICESTER, 8),
        ("Department of Health and Social Care", dept, LEICESTER, 1),
        # an agency or public body counts under the department that sponsors it
        ("Home Office", "Non-departmental public body", "Leeds City Council", 1),  # DBS
        ("Home Office", "Non-departmental public body", LEICESTER, 2),  # DBS
        (
            "Department for Environment, Food and Rural Affairs",
            "Non-departmental public body",
            LEICESTER,
            1,
        ),
        ("HM Land Registry", dept, LEICESTER, 1),
        ("HM Revenue and Customs", dept, "Leeds City Council", 2),
        ("HM Revenue and Customs", dept, LEICESTER, 8),
        ("Home Office", dept, LEICESTER, 2),
        ("Ministry of Justice", dept, LEICESTER, 1),
        ("Office for National Statistics", dept, LEICESTER, 4),
        ("Department of Health", "Executive agency", LEICESTER, 1),  # PHE, in its day
        ("S4C", "Public corporation", LEICESTER, 1),
    }
    now = {r["deptLabel"]: split(r["deptNow"]) for r in rows if r["deptNow"]}
    assert now == {
        "Department for Communities and Local Government": {
            "Ministry of Housing, Communities and Local Government"
        },
        "Department for Levelling Up, Housing and Communities": {
            "Ministry of Housing, Communities and Local Government"
        },
        "Department of Health": {"Department of Health and Social Care"},  # PHE's department
    }
    hmrc = sample("flows-to-central-government", department="HMRC", controller="Leeds City Council")
    assert [(r["department"], r["body"], r["flows"]) for r in hmrc] == [
        (B + "org/hmrc", B + "org/hmrc", 2)
    ]


def test_flows_between_councils_with_their_tiers(sample):
    rows = sample("flows-between-tiers")
    assert {
        (r["controllerLabel"], r["recipientLabel"], r["recipientType"], r["relation"]) for r in rows
    } == {
        (LEICESTER, "Blaby District Council", "District council", "to another council"),
        (LEICESTER, "Harborough District Council", "District council", "to another council"),
        (
            LEICESTER,
            "Hinckley and Bosworth Borough Council",
            "District council",
            "to another council",
        ),
        (LEICESTER, LEICESTER, "Unitary authority", "to itself"),
        (LEICESTER, "Leicestershire County Council", "County council", "to another council"),
        (
            LEICESTER,
            "North West Leicestershire District Council",
            "District council",
            "to another council",
        ),
        (LEICESTER, "Oadby and Wigston Borough Council", "District council", "to another council"),
    }
    counties = sample(
        "flows-between-tiers", from_type="unitary-authority", to_type="County council"
    )
    assert [r["recipientLabel"] for r in counties] == ["Leicestershire County Council"]
    assert sample("flows-between-tiers", from_type="non-metropolitan-district") == []


def test_organisations_by_type_within_a_county(sample):
    rows = sample(
        "organisations-by-type", type="local-authority", county="Leicestershire County Council"
    )
    assert {
        r["label"]: (r["typeLabel"], {i for i in split(r["identifiers"]) if i.startswith("gss:")})
        for r in rows
    } == {
        "Blaby District Council": ("District council", {"gss:E07000129"}),
        "Charnwood Borough Council": ("District council", {"gss:E07000130"}),
        "Harborough District Council": ("District council", {"gss:E07000131"}),
        "Hinckley and Bosworth Borough Council": ("District council", {"gss:E07000132"}),
        "Leicestershire County Council": ("County council", {"gss:E10000018"}),
        "Melton Borough Council": ("District council", {"gss:E07000133"}),
        "North West Leicestershire District Council": ("District council", {"gss:E07000134"}),
        "Oadby and Wigston Borough Council": ("District council", {"gss:E07000135"}),
    }
    police = sample("organisations-by-type", type="police forces", region="East Midlands")
    assert [r["label"] for r in police] == [
        "Derbyshire Constabulary",
        "Leicestershire Police",
        "Lincolnshire Police",
        "Northamptonshire Police",
        "Nottinghamshire Police",
    ]


# ---------------------------------------------------------------------------- a tiny graph
TINY = """
@prefix fg: <https://w3id.org/flowgraph/ns#> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix t: <https://w3id.org/flowgraph/id/organisation-type/> .
@prefix o: <https://w3id.org/flowgraph/id/org/> .
@prefix n: <https://w3id.org/flowgraph/id/notice/x/> .
<urn:g> {
  t:local-authority a fg:OrganisationType ; skos:notation "local-authority" ; rdfs:label "Local authority" .
  t:county-council a fg:OrganisationType ; skos:notation "county-council" ; rdfs:label "County council" ;
      skos:broader t:local-authority .
  t:non-metropolitan-district a fg:OrganisationType ; skos:notation "non-metropolitan-district" ;
      rdfs:label "District council" ; skos:broader t:local-authority .
  o:shire a fg:Organisation ; rdfs:label "Shire County Council" ; fg:organisationType t:county-council ;
      fg:region "Middle" .
  o:dale a fg:Organisation ; rdfs:label "Dale District Council" ; fg:organisationType t:non-metropolitan-district ;
      fg:partOf o:shire ; fg:region "Middle" .
  o:vale a fg:Organisation ; rdfs:label "Vale District Council" ; fg:organisationType t:non-metropolitan-district ;
      fg:partOf o:shire ; fg:region "Middle" .
  o:far a fg:Organisation ; rdfs:label "Far District Council" ; fg:organisationType t:non-metropolitan-district ;
      fg:region "Edge" .
  n:dale dpv:hasDataController o:dale . n:shire dpv:hasDataController o:shire . n:far dpv:hasDataController o:far .
  n:f1 a fg:Flow ; fg:partOf n:dale ; fg:to o:shire ; fg:recipientText "the county council" .
  n:f2 a fg:Flow ; fg:partOf n:dale ; fg:to o:vale ; fg:recipientText "Vale" .
  n:f3 a fg:Flow ; fg:partOf n:shire ; fg:to o:dale ; fg:recipientText "Dale" .
  n:f4 a fg:Flow ; fg:partOf n:far ; fg:to o:shire ; fg:recipientText "Shire" .
}
"""


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def tiny(request):
    if request.param == "oxigraph":
        store = ox.Store()
        store.load(TINY.encode(), format=ox.RdfFormat.TRIG)
        return OxigraphStore(store)
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data=TINY, format="trig")
    return MemoryStore(dataset)


def test_tiers_district_to_its_county_on_a_tiny_graph(tiny):
    rows = run(tiny, LIBRARY["flows-between-tiers"], {})[1]
    assert {(r["controllerLabel"], r["recipientLabel"], r["relation"]) for r in rows} == {
        ("Dale District Council", "Shire County Council", "to its county council"),
        ("Dale District Council", "Vale District Council", "within the same county"),
        ("Shire County Council", "Dale District Council", "to a council within it"),
        ("Far District Council", "Shire County Council", "to another council"),
    }
    up = run(
        tiny,
        LIBRARY["flows-between-tiers"],
        {
            "from_type": B + "organisation-type/non-metropolitan-district",
            "to_type": B + "organisation-type/county-council",
        },
    )[1]
    assert Counter(r["controllerLabel"] for r in up) == {
        "Dale District Council": 1,
        "Far District Council": 1,
    }


def test_region_and_county_filters_on_a_tiny_graph(tiny):
    def councils(**params):
        rows = run(
            tiny, LIBRARY["councils-sharing-with"], {"recipient": B + "org/shire", **params}
        )[1]
        return [r["councilLabel"] for r in rows]

    assert councils() == ["Dale District Council", "Far District Council"]
    assert councils(region="Middle") == ["Dale District Council"]
    assert councils(county=B + "org/shire") == ["Dale District Council"]
    assert councils(region="Edge", county=B + "org/shire") == []
    within = run(tiny, LIBRARY["flows"], {"county": B + "org/shire"})  # flows wants evidence
    assert within[1] == []


# ---------------------------------------------------------------------------- the endpoint
def test_flows_api_filters_by_recipient_type_and_region(server):
    client, _ = server
    response = client.get(
        "/api/queries/flows",
        params={"recipient_type": "central-government", "region": "East Midlands"},
    )
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert Counter((r["controllerLabel"], r["recipientLabel"]) for r in rows) == {
        (LEICESTER, "Cabinet Office"): 3,
        (LEICESTER, "Department for Communities and Local Government"): 1,
        (LEICESTER, "Department for Education"): 3,
        (LEICESTER, "Department for Levelling Up, Housing and Communities"): 3,
        (LEICESTER, "Department for Work and Pensions"): 8,
        (LEICESTER, "Department of Health and Social Care"): 1,
        (LEICESTER, "Disclosure and Barring Service"): 2,
        (LEICESTER, "Environment Agency"): 1,
        (LEICESTER, "HM Land Registry"): 1,
        (LEICESTER, "HM Revenue and Customs"): 8,
        (LEICESTER, "Home Office"): 2,
        (LEICESTER, "Ministry of Justice"): 1,
        (LEICESTER, "Office for National Statistics"): 4,
        (LEICESTER, "Public Health England"): 1,
        (LEICESTER, "S4C"): 1,
        ("Leicestershire County Council", "Department for Education"): 1,
    }
    county = client.get(
        "/api/queries/flows",
        params={
            "county": "Leicestershire County Council",
            "recipient_type": "government-department",
        },
    ).json()["rows"]
    assert [(r["controllerLabel"], r["recipientLabel"]) for r in county] == [
        ("Leicestershire County Council", "Department for Education")
    ]
    shared = client.get(
        "/api/queries/councils-sharing-with",
        params={"recipient": "HMRC", "region": "East Midlands"},
    ).json()["rows"]
    assert [r["councilLabel"] for r in shared] == [LEICESTER]


def test_unknown_type_or_region_is_refused_with_suggestions(server):
    client, _ = server
    bad_type = client.get("/api/queries/flows", params={"recipient_type": "police-farce"})
    assert bad_type.status_code == 404
    assert bad_type.json()["name"] == "police-farce"
    assert "Police force" in bad_type.json()["suggestions"]
    assert "no organisation type called 'police-farce'" in bad_type.json()["detail"]
    bad_region = client.get("/api/queries/flows", params={"region": "East Midland"})
    assert bad_region.status_code in (200, 404)  # the singular resolves; a real miss does not
    miss = client.get("/api/queries/flows", params={"region": "Middle Earth"})
    assert miss.status_code == 404 and "region" in miss.json()["detail"]


def test_a_district_page_shows_its_codes_links_out_and_county(server):
    client, _ = server
    page = client.get("/id/org/oadby-and-wigston-borough-council", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.text
    identity = html.split("<table class='identity'>", 1)[1].split("</table>", 1)[0]
    assert "<th>Type</th><td>District council</td>" in identity
    assert "GSS code <code>E07000135</code>" in identity
    assert "href='http://statistics.data.gov.uk/id/statistical-geography/E07000135'" in identity
    assert (
        "<a href='/id/org/leicestershire-county-council'>Leicestershire County Council</a>"
        in identity
    )
    assert "East Midlands · England" in identity
    county = client.get(
        "/id/org/leicestershire-county-council", headers={"Accept": "text/html"}
    ).text
    assert "<th>Within it</th>" in county and "Oadby and Wigston Borough Council" in county
    phe = client.get("/id/org/public-health-england", headers={"Accept": "text/html"}).text
    assert "UK Health Security Agency" in phe and "until 2021-10-01" in phe
