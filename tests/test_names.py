"""Names, not IRIs (query/names.py): every option and endpoint parameter that names an
organisation, service area, category or notice takes a label, an alias or acronym, or an IRI,
over the real sample notices; a miss is exit 2 / 404 with the closest names."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.errors import FlowgraphError, QueryError
from flowgraph.query.library import load_library, parse_query
from flowgraph.query.names import (
    AmbiguousName,
    BlankName,
    NameNotFound,
    NearDuplicateController,
    known_controllers,
    load_names,
    vet_new_controller,
)
from flowgraph.settings import PROJECT_ROOT, Settings
from flowgraph.store.base import open_store

BROWSER = {"Accept": "text/html"}  # pages answer errors as HTML to a browser, JSON otherwise

B = "https://w3id.org/flowgraph/id/"
HMRC = B + "org/hmrc"
LEEDS = B + "org/leeds-city-council"
POLICE = B + "category/police"
# What a misspelt council gets, everywhere it is typed.
LEICESTER_AS_CONTROLLER = [
    "Leicester City Council",
    "Leicestershire County Council",
    "Leeds City Council",
]
LEEDS_AS_CONTROLLER = ["Leeds City Council", "Leicester City Council"]
# every UK council is in the gazetteer (and so in the graph): near names are suggested too;
# "Leeds Council" itself is one of Leeds City Council's names now, so the misspelling is another
LEEDS_AS_RECIPIENT = [
    "Leeds City Council",
    "Lewes District Council",
    "Kirklees Council",
    "Leicester City Council",
    "Eden District Council",
]
runner = CliRunner()


@pytest.fixture(scope="module")
def names(built, settings):
    return load_names(open_store(settings), load_library(settings.queries_dir), settings)


def _flat(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------- the resolver
@pytest.mark.parametrize(
    ("typed", "kind", "iri"),
    [
        ("HMRC", "recipient", HMRC),
        ("Her Majesty's Revenue and Customs", "recipient", HMRC),
        ("hm revenue & customs", "organisation", HMRC),
        ("  HM   Revenue and Customs ", "recipient", HMRC),
        (HMRC, "recipient", HMRC),
        ("the police", "category", POLICE),
        ("Police", "recipient", POLICE),
        ("police forces", "category", POLICE),
        ("leicester city council", "controller", B + "org/leicester-city-council"),
        ("Leicestershire County", "controller", B + "org/leicestershire-county-council"),
        ("OWBC", "controller", B + "org/oadby-and-wigston-borough-council"),
        ("Housing", "service", B + "org/leicester-city-council/service/housing"),
        (
            "Housing (Leicester City Council)",
            "service",
            B + "org/leicester-city-council/service/housing",
        ),
        ("leeds-city-council-general.txt", "notice", B + "notice/leeds-city-council-general"),
        ("leeds-city-council-general", "notice", B + "notice/leeds-city-council-general"),
        (
            B + "notice/leeds-city-council-general",
            "notice",
            B + "notice/leeds-city-council-general",
        ),
    ],
)
def test_labels_aliases_acronyms_and_iris_resolve(names, typed, kind, iri):
    assert names.resolve(typed, kind).iri == iri


def test_a_misspelling_is_refused_with_the_closest_names(names):
    with pytest.raises(NameNotFound) as miss:
        names.resolve("Leeds Counsil", "controller", "--controller")
    assert miss.value.suggestions == LEEDS_AS_CONTROLLER
    assert str(miss.value) == (
        "no controller called 'Leeds Counsil' in this graph; did you mean: Leeds City Council, Leicester City Council?"
    )
    with pytest.raises(NameNotFound) as miss:
        names.resolve("Leeds Counsil", "recipient")
    assert miss.value.suggestions == LEEDS_AS_RECIPIENT
    with pytest.raises(NameNotFound) as miss:
        names.resolve("Leicester Counsil", "controller")
    assert miss.value.suggestions == LEICESTER_AS_CONTROLLER
    with pytest.raises(NameNotFound) as miss:
        names.resolve("HMRX", "recipient")
    assert miss.value.suggestions == ["HM Revenue and Customs"]
    with pytest.raises(NameNotFound) as miss:  # nothing like it: said so, nothing suggested
        names.resolve("Atlantis", "recipient")
    assert miss.value.suggestions == [] and "none with a similar name" in str(miss.value)
    with pytest.raises(NameNotFound) as miss:  # an IRI of nothing in the graph
        names.resolve(B + "org/leeds-city-counci", "controller")
    assert miss.value.suggestions == ["Leeds City Council", "Leicester City Council"]
    assert isinstance(miss.value, FlowgraphError)


def test_names_resolve_through_an_external_store(virtuoso_built):
    """The index is one library query: the same names on Virtuoso as on the embedded store."""
    settings, _ = virtuoso_built
    remote = load_names(open_store(settings), load_library(settings.queries_dir), settings)
    assert remote.resolve("Her Majesty's Revenue and Customs", "recipient").iri == HMRC
    assert remote.resolve("the police", "category").iri == POLICE
    assert remote.resolve("Housing", "service").iri.endswith("/service/housing")
    with pytest.raises(NameNotFound) as miss:
        remote.resolve("Leeds Counsil", "controller")
    assert miss.value.suggestions == LEEDS_AS_CONTROLLER


def test_a_name_of_another_kind_is_not_taken(names):
    """HMRC is an organisation, not a controller or a category: refused, never guessed."""
    with pytest.raises(NameNotFound, match="no controller called 'HMRC'"):
        names.resolve("HMRC", "controller")
    with pytest.raises(NameNotFound, match="no recipient category called 'HMRC'"):
        names.resolve("HMRC", "category")


def test_ambiguous_and_blank_names(names):
    # Two notices are titled "Privacy notice" / "Privacy Notice": listed by their file names.
    with pytest.raises(AmbiguousName) as which:
        names.resolve("privacy notice", "notice", "--notice")
    assert which.value.suggestions == [
        "leeds-city-council-general.txt",
        "oadby-and-wigston-borough-council-general.txt",
    ]
    assert "is ambiguous" in str(which.value)
    for blank in ("", "   ", None):
        with pytest.raises(BlankName, match="--from is blank"):
            names.resolve(blank, "recipient", "--from")


def test_query_headers_say_what_a_parameter_names(tmp_path):
    library = load_library(PROJECT_ROOT / "queries")
    assert library["flows"].param_kinds == {
        "controller": "controller",
        "recipient_type": "type",
        "region": "region",
        "county": "organisation",
    }
    assert library["flows"].params["controller"].startswith("name, alias or IRI")
    assert library["flow-evidence"].param_kinds == {"sender": "entity", "recipient": "recipient"}
    assert library["notice-flows"].param_kinds == {"notice": "notice"}
    assert "name" not in library["node-by-label"].param_kinds  # a plain string, bound as given
    bad = tmp_path / "bad.rq"
    bad.write_text("# param: who (person) - someone (example x)\nSELECT ?who WHERE {}\n")
    with pytest.raises(QueryError, match="unknown parameter kind 'person'"):
        parse_query(bad)


# ---------------------------------------------------------------------------- at build
def test_a_new_controller_close_to_a_known_one_is_refused(settings):
    known = known_controllers(settings)
    threshold = settings.fuzzy_threshold
    with pytest.raises(NearDuplicateController) as near:
        vet_new_controller("Leeds Counsil", known, threshold)
    assert near.value.suggestions == ["Leeds City Council"]
    assert "--new-controller" in str(near.value)
    with pytest.raises(NearDuplicateController) as near:
        vet_new_controller("Leicester County Council", known, threshold)
    assert near.value.suggestions == ["Leicester City Council", "Leicestershire County Council"]
    assert vet_new_controller("Leeds Counsil", known, threshold, allow_new=True) == "Leeds Counsil"
    assert vet_new_controller(" leeds  city council ", known, threshold) == "leeds city council"
    assert vet_new_controller("Northbrook District Council", known, threshold)
    assert vet_new_controller("Rutland County Council", known, threshold)  # in the gazetteer
    for blank in ("", "   "):
        with pytest.raises(BlankName, match="--controller is blank"):
            vet_new_controller(blank, known, threshold)


def test_build_refuses_a_misspelt_or_blank_controller(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(tmp_path / "build"))
    notice = str(PROJECT_ROOT / "data" / "notices" / "leeds-city-council-general.txt")
    near = runner.invoke(app, ["build", notice, "--controller", "Leeds Counsil"])
    assert near.exit_code == 2
    assert _flat(near.output).startswith(
        "error: --controller 'Leeds Counsil' would be a new organisation, but it is close to "
        "Leeds City Council: use that name, or pass --new-controller"
    )
    assert not (tmp_path / "build" / "current").exists()  # nothing was built
    blank = runner.invoke(app, ["build", notice, "--controller", "   "])
    assert blank.exit_code == 2 and "--controller is blank" in _flat(blank.output)
    blank = runner.invoke(
        app, ["build", notice, "--controller", "Leeds City Council", "--service", " "]
    )
    assert blank.exit_code == 2 and "--service is blank" in _flat(blank.output)
    new = runner.invoke(
        app, ["build", notice, "--controller", "Leeds Counsil", "--new-controller", "--scratch"]
    )
    assert new.exit_code == 0, new.output
    settings = Settings(build_dir=tmp_path / "build-scratch")  # a single file: a scratch graph
    built = load_names(open_store(settings), load_library(settings.queries_dir), settings)
    assert built.resolve("Leeds Counsil", "controller").iri == B + "org/leeds-counsil"


# ---------------------------------------------------------------------------- every command
@pytest.fixture
def cli(built, settings, monkeypatch):
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(settings.output_dir))

    def invoke(*args: str):
        return runner.invoke(app, list(args))

    return invoke


@pytest.mark.parametrize("to", ["HMRC", "Her Majesty's Revenue and Customs", HMRC])
def test_trace_from_and_to_take_names(cli, to):
    result = cli("trace", "--from", "LEEDS CITY COUNCIL", "--to", to, "--format", "json")
    assert result.exit_code == 0, result.output
    chains = json.loads(result.stdout)
    assert chains and all(c["hops"][-1]["to"]["iri"] == HMRC for c in chains)
    assert chains[0]["hops"][0]["from"]["iri"] == LEEDS


def test_trace_misses_exit_2_with_suggestions(cli):
    police = cli("trace", "--from", "Leeds City Council", "--to", "the police", "--format", "json")
    assert police.exit_code == 0 and json.loads(police.stdout)[0]["hops"][-1]["to"]["iri"] == POLICE
    miss = cli("trace", "--from", "Leeds Counsil")
    assert miss.exit_code == 2
    assert "did you mean: " + ", ".join(LEEDS_AS_RECIPIENT) + "?" in _flat(miss.output)
    miss = cli("trace", "--from", "Leeds City Council", "--to", "HMRX")
    assert miss.exit_code == 2
    assert (
        "no organisation or category called 'HMRX' in this graph; did you mean: HM Revenue and Customs?"
        in _flat(miss.output)
    )
    blank = cli("trace", "--from", "  ")
    assert blank.exit_code == 2 and "--from is blank" in _flat(blank.output)


def test_viz_controller_recipient_category_take_names(cli, tmp_path):
    for option, value in (
        ("--controller", "leicestershire county"),
        ("--recipient", "Her Majesty's Revenue and Customs"),
        ("--category", "the police"),
        ("--recipient", HMRC),
    ):
        out = tmp_path / "map.html"
        result = cli("viz", option, value, "-o", str(out))
        assert result.exit_code == 0, (option, value, result.output)
        assert out.stat().st_size > 0
    recipient = cli("viz", "--recipient", "HMRC", "-o", str(tmp_path / "r.html"))
    assert "before HM Revenue and Customs" in (tmp_path / "r.html").read_text()
    assert recipient.exit_code == 0
    category = cli("viz", "--category", "the police", "-o", str(tmp_path / "c.html"))
    assert (
        category.exit_code == 0
        and "flows to the category Police" in (tmp_path / "c.html").read_text()
    )
    for option, typed, suggested in (
        ("--controller", "Leeds Counsil", LEEDS_AS_RECIPIENT),
        ("--recipient", "HMRX", ["HM Revenue and Customs"]),
        ("--category", "polise", ["Police"]),
    ):
        miss = cli("viz", option, typed, "-o", str(tmp_path / "x.html"))
        assert miss.exit_code == 2, (option, miss.output)
        assert f"did you mean: {', '.join(suggested)}?" in _flat(miss.output)


def test_a_misspelt_service_area_gets_suggestions(cli, tmp_path):
    for args in (
        ["trace", "--from", "leicester city council"],
        ["viz", "--controller", "Leicester City Council", "-o", str(tmp_path / "v.html")],
        ["dpia", "--from", "Leicester City Council", "-o", str(tmp_path / "d.html")],
    ):
        miss = cli(*args, "--service", "Housng")
        assert miss.exit_code == 2, (args, miss.output)
        assert _flat(miss.output).startswith(
            "error: Leicester City Council has no service area 'Housng'; did you mean: Housing?; "
            "it has: CCTV, Digital Transformation,"
        )
        found = cli(*args, "--service", "housing")
        assert found.exit_code == 0, (args, found.output)


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_query_parameters_take_names(cli):
    by_iri = cli("query", "flows", "-p", f"controller={LEEDS}", "--format", "csv")
    assert by_iri.exit_code == 0
    for typed in ("Leeds City Council", "leeds city council"):
        by_name = cli("query", "flows", "-p", f"controller={typed}", "--format", "csv")
        assert by_name.exit_code == 0, by_name.output
        assert by_name.stdout == by_iri.stdout and len(_csv(by_name.stdout)) > 20
    senders = cli("query", "senders-to-recipient", "-p", "recipient=HMRC", "--format", "json")
    assert senders.exit_code == 0 and json.loads(senders.stdout)
    assert {r["recipient"] for r in json.loads(senders.stdout)} == {HMRC}
    police = cli("query", "senders-to-recipient", "-p", "recipient=the police", "--format", "json")
    assert {r["recipient"] for r in json.loads(police.stdout)} == {POLICE}
    service = cli("query", "recipients-of-service", "-p", "service=Housing", "--format", "json")
    assert service.exit_code == 0 and json.loads(service.stdout)
    notice = cli(
        "query", "notice-flows", "-p", "notice=leeds-city-council-general.txt", "--format", "json"
    )
    assert notice.exit_code == 0 and json.loads(notice.stdout)
    # A plain-string parameter is bound as given, not resolved.
    plain = cli("query", "node-by-label", "-p", "name=HM Revenue and Customs", "--format", "json")
    assert [r["node"] for r in json.loads(plain.stdout)] == [HMRC]
    miss = cli("query", "flows", "-p", "controller=Leeds Counsil")
    assert miss.exit_code == 2
    assert _flat(miss.output) == (
        "error: no controller called 'Leeds Counsil' in this graph; did you mean: Leeds City Council, Leicester City Council?"
    )


def test_flows_dpia_check_ropa_compare_take_names(cli, tmp_path):
    flows = cli("flows", "--controller", "leeds city council")
    assert flows.exit_code == 0 and {r["controller"] for r in _csv(flows.stdout)} == {LEEDS}
    miss = cli("flows", "--controller", "Leeds Counsil")
    assert (
        miss.exit_code == 2
        and "did you mean: Leeds City Council, Leicester City Council?" in _flat(miss.output)
    )
    dpia = cli("dpia", "--from", "leicestershire county", "-o", str(tmp_path / "d.html"))
    assert dpia.exit_code == 0, dpia.output
    miss = cli("dpia", "--from", "Leeds Counsil", "-o", str(tmp_path / "d.html"))
    assert (
        miss.exit_code == 2
        and "did you mean: Leeds City Council, Leicester City Council?" in _flat(miss.output)
    )
    check = cli("check", "--controller", "OWBC", "--format", "json")
    assert check.exit_code in (0, 1), check.output
    assert {r["controller_label"] for r in json.loads(check.stdout)} == {
        "Oadby and Wigston Borough Council"
    }
    notice = cli("check", "--notice", "leeds-city-council-general", "--format", "json")
    assert {r["notice"] for r in json.loads(notice.stdout)} == {"leeds-city-council-general.txt"}
    miss = cli("check", "--notice", "leeds-general")
    assert miss.exit_code == 2
    assert (
        "did you mean: leeds-city-council-general.txt, leicester-city-council-general.txt?"
        in _flat(miss.output)
    )
    miss = cli("check", "--controller", "Leeds Counsil")
    assert (
        miss.exit_code == 2
        and "did you mean: Leeds City Council, Leicester City Council?" in _flat(miss.output)
    )
    ropa = cli(
        "ropa", "--controller", "Oadby & Wigston Borough Council", "-o", str(tmp_path / "r.csv")
    )
    assert ropa.exit_code == 0 and "1 rows" in _flat(ropa.output)
    compare = cli("compare", "Leeds City Council", "leicester city", "--format", "json")
    assert compare.exit_code == 0, compare.output
    assert [c["label"] for c in json.loads(compare.stdout)["councils"]] == [
        "Leeds City Council",
        "Leicester City Council",
    ]
    miss = cli("compare", "Leeds City Council", "Leicester Counsil")
    assert miss.exit_code == 2
    assert f"did you mean: {', '.join(LEICESTER_AS_CONTROLLER)}?" in _flat(miss.output)


# ---------------------------------------------------------------------------- every endpoint
@pytest.mark.parametrize("to", ["HMRC", "Her Majesty's Revenue and Customs", HMRC])
def test_api_trace_takes_names(server, to):
    client, _ = server
    chains = client.get("/api/trace", params={"from": "leeds city council", "to": to})
    assert chains.status_code == 200
    assert chains.json() and all(c["hops"][-1]["to"]["iri"] == HMRC for c in chains.json())


def test_endpoint_misses_are_404_with_suggestions(server):
    client, _ = server
    miss = client.get("/api/trace", params={"from": "Leeds Counsil"})
    assert miss.status_code == 404
    assert miss.json() == {
        "detail": "no organisation or category called 'Leeds Counsil' in this graph; did you "
        "mean: " + ", ".join(LEEDS_AS_RECIPIENT) + "?",
        "name": "Leeds Counsil",
        "suggestions": LEEDS_AS_RECIPIENT,
    }
    miss = client.get("/api/trace", params={"from": "Leeds City Council", "to": "HMRX"})
    assert miss.status_code == 404 and miss.json()["suggestions"] == ["HM Revenue and Customs"]
    blank = client.get("/api/trace", params={"from": "   "})
    assert blank.status_code == 400 and "from is blank" in blank.json()["detail"]
    page = client.get("/trace", params={"from": "Leeds Counsil"}, headers=BROWSER)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<a href='/trace?from=Leeds+City+Council'>Leeds City Council</a>" in page.text
    found = client.get("/trace", params={"from": "Leeds City Council", "to": "the police"})
    assert found.status_code == 200 and "Police" in found.text


def test_endpoint_service_misses_get_suggestions(server):
    client, _ = server
    miss = client.get("/api/trace", params={"from": "Leicester City Council", "service": "Housng"})
    assert miss.status_code == 404 and miss.json()["suggestions"] == ["Housing"]
    page = client.get(
        "/explore", params={"controller": "Leicester City Council", "service": "Housng"}
    )
    assert page.status_code == 404 and "did you mean: Housing?" in page.text
    found = client.get(
        "/explore", params={"controller": "Leicester City Council", "service": "Housing"}
    )
    assert found.status_code == 200


def test_explore_takes_names(server):
    client, _ = server
    for params in (
        {"controller": "leicestershire county"},
        {"recipient": "HMRC"},
        {"recipient": "Her Majesty's Revenue and Customs"},
        {"category": "the police"},
        {"entity": "HMRC"},
        {"controller": "", "recipient": HMRC},  # an empty form field is no filter
    ):
        page = client.get("/explore", params=params)
        assert page.status_code == 200, (params, page.text[:300])
    assert (
        "before HM Revenue and Customs" in client.get("/explore", params={"recipient": "HMRC"}).text
    )
    miss = client.get(
        "/explore", params={"controller": "Leeds Counsil", "max_hops": 2}, headers=BROWSER
    )
    assert miss.status_code == 404 and miss.headers["content-type"].startswith("text/html")
    assert "did you mean: Leeds City Council" in miss.text
    assert "/explore?controller=Leeds+City+Council&amp;max_hops=2" in miss.text
    miss = client.get("/explore", params={"category": "polise"}, headers=BROWSER)
    assert miss.status_code == 404 and "did you mean: Police?" in miss.text


def test_api_query_parameters_take_names(server):
    client, _ = server
    by_iri = client.get("/api/queries/flows", params={"controller": LEEDS}).json()
    by_name = client.get("/api/queries/flows", params={"controller": "Leeds City Council"}).json()
    assert by_name["rows"] == by_iri["rows"] and len(by_name["rows"]) > 20
    assert by_name["parameters"] == {"controller": LEEDS}  # what was bound
    hmrc = client.get("/api/queries/senders-to-recipient", params={"recipient": "HMRC"}).json()
    assert hmrc["rows"] and {r["recipient"] for r in hmrc["rows"]} == {HMRC}
    miss = client.get("/api/queries/flows", params={"controller": "Leeds Counsil"})
    assert miss.status_code == 404
    assert miss.json()["suggestions"] == LEEDS_AS_CONTROLLER
    # The server's graph has a fifth council (Northbrook): a service area named twice is not.
    housing = client.get("/api/queries/recipients-of-service", params={"service": "Council Tax"})
    assert housing.status_code == 200 and housing.json()["rows"]


def test_check_and_compare_endpoints_take_names(server):
    client, _ = server
    check = client.get("/api/check", params={"controller": "OWBC"})
    assert check.status_code == 200
    assert {r["controller_label"] for r in check.json()} == {"Oadby and Wigston Borough Council"}
    notice = client.get("/api/check", params={"notice": "leeds-city-council-general"})
    assert {r["notice"] for r in notice.json()} == {"leeds-city-council-general.txt"}
    miss = client.get("/api/check", params={"notice": "leeds-general"})
    assert miss.status_code == 404
    assert miss.json()["suggestions"] == [
        "leeds-city-council-general.txt",
        "leicester-city-council-general.txt",
    ]
    page = client.get("/check", params={"controller": "Leeds Counsil"}, headers=BROWSER)
    assert (
        page.status_code == 404
        and "did you mean: Leeds City Council, Leicester City Council?" in page.text
    )
    compare = client.get(
        "/api/compare", params={"council": ["Leeds City Council", "leicester city"]}
    )
    assert compare.status_code == 200
    assert [c["label"] for c in compare.json()["councils"]] == [
        "Leeds City Council",
        "Leicester City Council",
    ]
    miss = client.get(
        "/api/compare", params={"council": ["Leeds City Council", "Leicester Counsil"]}
    )
    assert miss.status_code == 404
    assert miss.json()["suggestions"] == LEICESTER_AS_CONTROLLER


def test_readme_explains_names():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "### Names, not IRIs" in readme
