"""`flowgraph check`: Art. 13/14 requirements and flags per notice and service area, on the seed
notices (expected results written by hand from reading them) and on a small council whose
service notice leans on its council-wide notice (tests/data/compliance/)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from flowgraph.build import build
from flowgraph.query.library import load_library
from flowgraph.report.completeness import ELSEWHERE, MET, MISSING, NOT_APPLICABLE, check
from flowgraph.settings import PROJECT_ROOT, Settings
from flowgraph.store.base import open_store

LIBRARY = load_library(PROJECT_ROOT / "queries")
COMPLIANCE = PROJECT_ROOT / "tests" / "data" / "compliance"


@pytest.fixture(scope="module")
def reports(built, settings):
    return check(open_store(settings), LIBRARY)


def one(reports, controller: str, service: str | None):
    found = [r for r in reports if r.controller_label == controller and r.service == service]
    assert len(found) == 1, (controller, service)
    return found[0]


def statuses(report) -> dict[str, str]:
    return {f.requirement: f.status for f in report.findings}


SOURCES = {"data-from-person", "data-from-others"}


def test_notice_wide_disclosures_found_in_each_seed_notice(extractions):
    all_topics = {
        name: {d.detail["topic"] for d in x.disclosures} for name, x in extractions.items()
    }
    topics = {name: found - SOURCES for name, found in all_topics.items()}
    assert {name: found & SOURCES for name, found in all_topics.items()} == {
        "leicester-city-council-service-areas.txt": set(),
        "leicester-city-council-general.txt": SOURCES,  # "the information you provide", "from a range of sources"
        "oadby-and-wigston-borough-council-general.txt": set(),  # "data you've given" is about cookies
        "leeds-city-council-general.txt": SOURCES,
        "leicestershire-county-council-children-and-family-services.txt": {"data-from-person"},
    }  # fmt: skip
    rights = {"right-of-access", "right-to-rectification", "right-to-erasure", "right-to-object",
              "right-to-portability"}  # fmt: skip
    assert topics == {
        "leicester-city-council-service-areas.txt": {
            "controller-identity", "controller-contact", "dpo-contact", "automated-decision-logic"
        },
        "leicester-city-council-general.txt": {
            "right-of-access", "controller-identity", "controller-contact", "complaint-to-ico"
        },
        "oadby-and-wigston-borough-council-general.txt": rights | {
            "right-to-restriction", "controller-identity", "controller-contact", "dpo-contact",
            "withdraw-consent",
        },  # no word of the ICO anywhere in it
        "leeds-city-council-general.txt": rights | {
            "right-to-restriction", "controller-identity", "controller-contact", "dpo-contact",
            "withdraw-consent", "complaint-to-ico",
        },
        "leicestershire-county-council-children-and-family-services.txt": rights | {
            "controller-identity", "controller-contact", "dpo-contact", "complaint-to-ico"
        },  # restriction is the one right it leaves out
    }  # fmt: skip
    leeds = {
        d.detail["topic"]: d for d in extractions["leeds-city-council-general.txt"].disclosures
    }
    assert leeds["right-to-restriction"].text == "have your data restricted"
    assert leeds["right-to-restriction"].evidence.line == 139


def test_leicester_housing_row_by_requirement(reports):
    housing = one(reports, "Leicester City Council", "Housing")
    assert statuses(housing) == {
        "controller-identity": MET, "controller-contact": MET, "dpo-contact": MET,
        "purposes": MET, "lawful-basis": MET, "legitimate-interests": NOT_APPLICABLE,
        "recipients": MET, "transfers-abroad-stated": MET, "transfer-safeguards": MET,
        "retention": MISSING,  # the table states none, the general notice only "as long as necessary"
        "right-of-access": ELSEWHERE, "right-to-rectification": MISSING, "right-to-erasure": MISSING,
        "right-to-restriction": MISSING, "right-to-object": MISSING, "right-to-portability": MISSING,
        "withdraw-consent": MISSING,  # consent for consultations, and no word on withdrawing it
        "complaint-to-ico": ELSEWHERE, "automated-decisions-stated": MET,
        "automated-decision-logic": NOT_APPLICABLE, "data-categories": ELSEWHERE,
        "data-source": ELSEWHERE,
    }  # fmt: skip
    found = {f.requirement: f for f in housing.findings}
    assert found["right-of-access"].evidence.notice == "leicester-city-council-general.txt"
    assert found["recipients"].evidence.quote == "Judicial Agencies e.g. Courts"
    assert found["automated-decisions-stated"].evidence.quote == "Not applicable"
    assert housing.flags == []


def test_every_leicester_service_states_recipients_and_transfers_but_no_retention(reports):
    services = [r for r in reports if r.controller_label == "Leicester City Council" and r.service]
    assert len(services) == 20
    for report in services:
        got = statuses(report)
        assert got["recipients"] == got["transfers-abroad-stated"] == MET, report.service
        assert got["retention"] == MISSING, report.service


def test_leicestershire_states_retention_and_no_transfers(reports):
    report = one(reports, "Leicestershire County Council", "Children and Family Services")
    found = {f.requirement: f for f in report.findings}
    assert found["retention"].status == MET
    assert found["transfers-abroad-stated"].status == MET
    assert found["transfers-abroad-stated"].evidence.quote == (
        "We will not send your information outside of the UK."
    )
    assert found["transfer-safeguards"].status == NOT_APPLICABLE
    assert {r for r, s in statuses(report).items() if s == MISSING} == {
        "automated-decisions-stated", "right-to-restriction"
    }  # fmt: skip


def test_privacy_shield_is_flagged_on_exactly_the_llep_and_political_governance(reports):
    flagged = {r.service for r in reports for f in r.flags if f.flag == "privacy-shield"}
    assert flagged == {
        "LLEP (Leicester and Leicestershire Enterprise Partnership)",
        "Political Governance & City Mayor's Office",
    }
    llep = one(
        reports,
        "Leicester City Council",
        "LLEP (Leicester and Leicestershire Enterprise Partnership)",
    )
    (flag,) = [f for f in llep.flags if f.flag == "privacy-shield"]
    assert flag.detail == "relies on EU-US Privacy Shield"
    assert "Privacy Shield" in flag.evidence.quote


@pytest.fixture(scope="module")
def brackenford(tmp_path_factory):
    settings = Settings(build_dir=tmp_path_factory.mktemp("brackenford"))
    build(settings, [COMPLIANCE], strict=True)
    return settings


def test_a_council_wide_notice_meets_requirements_for_its_service_and_flags_are_raised(brackenford):
    reports = check(open_store(brackenford), LIBRARY)
    housing = one(reports, "Brackenford Borough Council", "Housing Allocations")
    found = {f.requirement: f for f in housing.findings}
    assert found["retention"].status == ELSEWHERE
    assert found["retention"].evidence.notice == "brackenford-general.md"
    assert (
        found["retention"].evidence.quote
        == "We keep housing records for 6 years after the tenancy ends."
    )
    assert found["dpo-contact"].status == ELSEWHERE
    assert (
        found["withdraw-consent"].status == MISSING
    )  # consent relied on; nobody says how to withdraw
    assert found["transfers-abroad-stated"].status == MET  # its own denial
    flags = {(f.flag, f.detail) for f in housing.flags}
    assert flags == {
        ("consent-for-statutory", "Consent — Art. 6(1)(a) alongside Housing Act 1996"),
        ("vague-recipients", "Other third parties"),
        ("contradictory-transfers",
         "brackenford-general.md states: \u201cWe use Mailchimp to send newsletters; your email "
         "address is stored in the United States under standard contractual clauses\u201d"),
    }  # fmt: skip
    general = one(reports, "Brackenford Borough Council", None)
    assert general.flags == []
    assert statuses(general)["withdraw-consent"] == NOT_APPLICABLE


def test_a_requirement_added_as_a_data_file_is_picked_up(brackenford, tmp_path):
    queries = tmp_path / "queries"
    shutil.copytree(PROJECT_ROOT / "queries", queries)
    (queries / "requirements" / "laws-named.rq").write_text(
        """# title: The laws relied on
# description: The activity names the Acts it relies on.
# article: Local policy 1
PREFIX fg: <https://w3id.org/flowgraph/ns#>
SELECT ?activity ?applies ?quote ?notice ?start ?end
WHERE {
  ?activity a fg:ProcessingActivity ; fg:declaredIn/fg:file ?notice .
  BIND(true AS ?applies)
  OPTIONAL { ?activity fg:hasLawCitation ?fact . ?fact fg:evidence ?ev .
             ?ev fg:quote ?quote ; fg:start ?start ; fg:end ?end }
}
""",
        encoding="utf-8",
    )
    reports = check(open_store(brackenford), load_library(queries))
    laws = {r.service: {f.requirement: f for f in r.findings}["laws-named"] for r in reports}
    assert laws["Housing Allocations"].status == MET
    assert laws["Housing Allocations"].evidence.quote == "Housing Act 1996"
    assert laws["Housing Allocations"].title == "The laws relied on"
    assert laws[None].status == MISSING
    # The command picks it up too, from a queries/ folder a curator edited (FLOWGRAPH_ROOT).
    env = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(brackenford.output_dir),
           "FLOWGRAPH_ROOT": str(tmp_path)}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "flowgraph", "check", "--notice", "brackenford-housing.md"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert '✓ The laws relied on [Local policy 1]: met — "Housing Act 1996"' in result.stdout


def _check_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(settings.output_dir)}
    return subprocess.run(
        [sys.executable, "-m", "flowgraph", "check", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_command_formats_and_exit_codes(brackenford, tmp_path):
    as_json = _check_cli(brackenford, "--format", "json")
    assert as_json.returncode == 1  # something is missing: usable as a CI gate
    data = json.loads(as_json.stdout)
    assert [(r["service"], r["notice"]) for r in data] == [
        (None, "brackenford-general.md"),
        ("Housing Allocations", "brackenford-housing.md"),
    ]
    assert "withdraw-consent" in data[1]["missing"]
    assert 0 < data[1]["score"] < 1
    text = _check_cli(brackenford, "--notice", "brackenford-housing.md")
    assert (
        "⚑ consent for statutory processing: Consent — Art. 6(1)(a) alongside Housing Act 1996"
        in text.stdout
    )
    assert "↳ Retention period or criteria" in text.stdout
    md = _check_cli(brackenford, "--format", "md", "-o", str(tmp_path / "check.md"))
    assert md.returncode == 1
    assert "| ✗ | Right to withdraw consent |" in (tmp_path / "check.md").read_text()
    unknown = _check_cli(brackenford, "--controller", "Nowhere Council")
    assert unknown.returncode == 2 and "no controller called 'Nowhere Council'" in unknown.stderr
