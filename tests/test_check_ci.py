"""`flowgraph check` in a council's CI: rights listed in one sentence, the Art. 14 and transfer
items only where they apply, and a waiver file of accepted gaps (tests/data/check-ci/: a small
council whose general notice collects data only from the person and denies transfers, and
whose parking notice gets data from the DVLA and keeps it in the EEA)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flowgraph.build import build
from flowgraph.normalise.disclosures import listed_rights
from flowgraph.normalise.vocab import Vocabulary
from flowgraph.query.library import load_library
from flowgraph.report.completeness import MET, MISSING, NOT_APPLICABLE, WAIVED, check
from flowgraph.report.waivers import WaiverError, apply_waivers, parse_waivers
from flowgraph.settings import PROJECT_ROOT, Settings
from flowgraph.store.base import open_store

LIBRARY = load_library(PROJECT_ROOT / "queries")
REQUIREMENTS = {q.name for q in LIBRARY.values() if q.kind == "requirement"}
CHECK_CI = PROJECT_ROOT / "tests" / "data" / "check-ci"
RIGHTS = ["right-of-access", "right-to-rectification", "right-to-erasure",
          "right-to-restriction", "right-to-object", "right-to-portability"]  # fmt: skip
WORDS = {
    c.id: re.compile(c.extra["in_lists"], re.I)
    for c in Vocabulary(PROJECT_ROOT / "data" / "vocab").disclosures
    if c.extra.get("in_lists")
}


@pytest.mark.parametrize(
    ("sentence", "rights"),
    [
        ("You have the right to access, rectify, erase, restrict or object to the processing of "
         "your data, and to data portability.", RIGHTS),
        ("Your rights include rectification, erasure and restriction of processing.",
         ["right-to-rectification", "right-to-erasure", "right-to-restriction"]),
        ("You can ask us to correct or delete it.", ["right-to-rectification", "right-to-erasure"]),
        # calderdale--community-safety-resilience.txt (corpus)
        ("In addition you have the right to see what information is held about you, to have "
         "inaccurate information corrected, to have information removed from our system unless we "
         "are required by law to keep it and the right to complain to the Data Protection Officer.",
         ["right-of-access", "right-to-rectification", "right-to-erasure"]),
        # herefordshire--garden-waste-survey.txt (corpus)
        ("You have a number of rights under data protection law, including the right to request "
         "your information and to request that the information be amended or erased if incorrect.",
         ["right-of-access", "right-to-rectification", "right-to-erasure"]),
        ("You have the right to request your data be deleted.", ["right-to-erasure"]),
        # Not the person's rights, or no right named:
        ("We'll only make them available to those people who have a right to see them.", []),
        ("We reserve the right to request a copy of your records.", []),
        ("If you apply, we may request information about you from the police.", []),
        ("You can ask us to send you a paper copy of this notice.", []),
        ("You have the right to withdraw consent to marketing at any time.", []),
        # A sentence led by one right's name is about that right alone (its own cue reads it).
        ("Restriction – You can ask us to temporarily stop processing your personal data.", []),
    ],
)  # fmt: skip
def test_rights_listed_in_one_sentence(sentence, rights):
    assert listed_rights(sentence, WORDS) == rights


@pytest.fixture(scope="module")
def ashcombe(tmp_path_factory):
    settings = Settings(build_dir=tmp_path_factory.mktemp("ashcombe"))
    build(settings, [CHECK_CI])
    return settings


@pytest.fixture(scope="module")
def reports(ashcombe):
    found = check(open_store(ashcombe), LIBRARY)
    return {r.service: {f.requirement: f for f in r.findings} for r in found}


def test_a_compact_rights_sentence_states_each_right_on_a_notice(reports):
    general = reports[None]
    for right in RIGHTS:
        assert general[right].status == MET, right
        assert general[right].evidence.quote.startswith("You have the right to access, rectify")


def test_art_14_items_not_required_where_data_comes_from_the_person(reports):
    general, parking = reports[None], reports["Parking Services"]
    # "the information you provide", and nothing about data from anyone else
    assert general["data-source"].status == NOT_APPLICABLE
    assert general["data-categories"].status == NOT_APPLICABLE
    # "We receive information about you from the DVLA": required, and met
    assert parking["data-source"].status == MET
    assert "DVLA" in parking["data-source"].evidence.quote
    assert parking["data-categories"].status == MET


def test_transfers_denied_need_no_safeguards_and_eea_storage_needs_none_named(reports):
    general, parking = reports[None], reports["Parking Services"]
    assert general["transfers-abroad-stated"].status == MET
    assert general["transfers-abroad-stated"].evidence.quote == (
        "We will not transfer your information outside the UK."
    )
    assert general["transfer-safeguards"].status == NOT_APPLICABLE
    # "stored only on servers ... within the EEA": covered by UK adequacy regulations
    assert parking["transfer-safeguards"].status == MET


def _check(settings: Settings, *args: str, cwd: Path | None = None, **env: str):
    environment = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(settings.output_dir), **env}
    return subprocess.run(
        [sys.executable, "-m", "flowgraph", "check", *args],
        env=environment, capture_output=True, text=True, timeout=120, cwd=cwd,
    )  # fmt: skip


WAIVER = """
[[waiver]]
requirement = "complaint-to-ico"
controller = "Ashcombe District Council"
reason = "The ICO is named on our complaints page, linked from every notice."
until = {until}
"""


def test_without_waivers_the_gap_fails_the_run(ashcombe, tmp_path):
    result = _check(ashcombe, cwd=tmp_path)
    assert result.returncode == 1
    assert "✗ Right to complain to the ICO [UK GDPR Art. 13(2)(d) / 14(2)(e)]: missing" in (
        result.stdout
    )


def test_a_waived_gap_is_reported_as_waived_and_the_ci_run_passes(ashcombe, tmp_path):
    (tmp_path / "flowgraph-check.toml").write_text(WAIVER.format(until="2999-12-31"))
    result = _check(ashcombe, cwd=tmp_path)  # found in the current directory
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "~ Right to complain to the ICO [UK GDPR Art. 13(2)(d) / 14(2)(e)]: waived (The ICO is "
        "named on our complaints page, linked from every notice, until 2999-12-31)"
    ) in result.stdout
    assert "0 missing requirement(s), 2 waived" in result.stdout
    as_json = json.loads(_check(ashcombe, "--format", "json", cwd=tmp_path).stdout)
    assert as_json[0]["missing"] == [] and as_json[0]["waived"] == ["complaint-to-ico"]
    (finding,) = [f for f in as_json[0]["findings"] if f["status"] == "waived"]
    assert finding["waiver"] == {
        "reason": "The ICO is named on our complaints page, linked from every notice.",
        "until": "2999-12-31",
        "source": "flowgraph-check.toml, waiver 1",
        "controller": "Ashcombe District Council",
    }
    md = _check(ashcombe, "--format", "md", cwd=tmp_path).stdout
    assert "| ~ | Right to complain to the ICO | UK GDPR Art. 13(2)(d) / 14(2)(e) | waived (" in md


def test_an_expired_waiver_counts_as_missing_again_with_a_note(ashcombe, tmp_path):
    path = tmp_path / "waivers.toml"
    path.write_text(WAIVER.format(until="2020-01-31"))
    result = _check(ashcombe, "--waivers", str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "✗ Right to complain to the ICO [UK GDPR Art. 13(2)(d) / 14(2)(e)]: missing (waiver "
        "expired on 2020-01-31: The ICO is named on our complaints page, linked from every notice)"
    ) in result.stdout
    data = json.loads(_check(ashcombe, "--waivers", str(path), "--format", "json").stdout)
    (finding,) = [f for f in data[0]["findings"] if f["requirement"] == "complaint-to-ico"]
    assert finding["status"] == MISSING and finding["note"] == "waiver expired on 2020-01-31"


def test_a_ci_run_exits_0_once_every_gap_is_waived(ashcombe, tmp_path):
    """What a council's CI does: run check as JSON, waive what it accepts, run again."""
    first = _check(ashcombe, "--format", "json", cwd=tmp_path)
    assert first.returncode == 1
    entries = [
        f'[[waiver]]\nrequirement = "{name}"\nnotice = "{r["notice"]}"\n'
        f'service = "{r["service"] or "whole notice"}"\nreason = "Accepted by the DPO, ticket 42"\n'
        "until = 2999-01-01\n"
        for r in json.loads(first.stdout)
        for name in r["missing"]
    ]
    assert entries
    (tmp_path / "flowgraph-check.toml").write_text("\n".join(entries))
    second = _check(ashcombe, "--format", "json", cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert all(r["missing"] == [] for r in json.loads(second.stdout))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[waiver]]\nrequirement = "right-to-be-amazing"\nnotice = "a.md"\nreason = "x"\n'
         "until = 2030-01-01\n", "waiver 1: unknown requirement 'right-to-be-amazing'"),
        (WAIVER.format(until="2030-01-01") + '[[waiver]]\nrequirement = "retention"\nreason = "x"\n'
         'notice = "a.md"\nuntil = "next year"\n', "waiver 2: until must be an ISO date"),
        ('[[waiver]]\nrequirement = "retention"\nreason = "x"\nuntil = 2030-01-01\n',
         "waiver 1: name the notice, service and/or controller"),
        ('[[waiver]]\nrequirement = "retention"\nnotice = "a.md"\nuntil = 2030-01-01\n',
         "waiver 1: reason is missing"),
        ('[[waiver]]\nrequirement = "retention"\nnotice = "a.md"\nreason = "x"\n'
         'until = 2030-01-01\nexpires = 2031-01-01\n', "waiver 1: unknown key(s) expires"),
        ("[[waiver]\nrequirement = 1\n", "not valid TOML"),
        ('[waivers]\nrequirement = "retention"\n', "unknown table or key waivers"),
    ],
)  # fmt: skip
def test_malformed_waiver_files_are_refused_naming_the_file_and_entry(text, message):
    with pytest.raises(WaiverError, match=re.escape(message)) as caught:
        parse_waivers(Path("flowgraph-check.toml"), text, REQUIREMENTS)
    assert str(caught.value).startswith("flowgraph-check.toml")


def test_bad_waiver_files_exit_2(ashcombe, tmp_path):
    unknown = tmp_path / "unknown.toml"
    unknown.write_text(WAIVER.format(until="2030-01-01").replace("complaint-to-ico", "nosuch"))
    result = _check(ashcombe, "--waivers", str(unknown))
    assert result.returncode == 2
    assert "unknown.toml: waiver 1: unknown requirement 'nosuch'" in " ".join(result.stderr.split())
    malformed = tmp_path / "malformed.toml"
    malformed.write_text(WAIVER.format(until="someday"))
    result = _check(ashcombe, "--waivers", str(malformed))
    assert result.returncode == 2 and "malformed.toml" in result.stderr
    assert _check(ashcombe, "--waivers", str(tmp_path / "none.toml")).returncode == 2
    # The setting names the file too (and the endpoint reads only the setting).
    env = {"FLOWGRAPH_CHECK_WAIVERS": str(unknown)}
    assert _check(ashcombe, cwd=tmp_path, **env).returncode == 2


def test_waivers_match_by_scope_and_the_latest_date_wins(ashcombe, reports):
    found = check(open_store(ashcombe), LIBRARY)
    text = (
        '[[waiver]]\nrequirement = "complaint-to-ico"\nservice = "parking services"\n'
        'reason = "old"\nuntil = 2020-01-01\n'
        '[[waiver]]\nrequirement = "complaint-to-ico"\nnotice = "ashcombe-parking.md"\n'
        'reason = "renewed"\nuntil = 2030-06-30\n'
        '[[waiver]]\nrequirement = "retention"\ncontroller = "Nowhere Council"\n'
        'reason = "x"\nuntil = 2030-01-01\n'
    )
    waivers = parse_waivers(Path("w.toml"), text, REQUIREMENTS)
    waived, unused = apply_waivers(found, waivers, today=dt.date(2026, 1, 1))
    by_service = {r.service: {f.requirement: f for f in r.findings} for r in waived}
    parking = by_service["Parking Services"]["complaint-to-ico"]
    assert parking.status == WAIVED and parking.waiver.reason == "renewed"
    assert by_service[None]["complaint-to-ico"].status == MISSING  # no waiver covers it
    assert [w.controller for w in unused] == ["Nowhere Council"]
    assert found[0].findings is not waived[0].findings  # the reports given are left as they were
    later, _ = apply_waivers(found, waivers, today=dt.date(2030, 7, 1))
    expired = {r.service: {f.requirement: f for f in r.findings} for r in later}
    assert expired["Parking Services"]["complaint-to-ico"].note == "waiver expired on 2030-06-30"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # starlette's TestClient on httpx
def test_check_pages_show_waivers_from_the_setting(ashcombe, tmp_path):
    from fastapi.testclient import TestClient

    from flowgraph.serve.app import create_app

    path = tmp_path / "flowgraph-check.toml"
    path.write_text(WAIVER.format(until="2999-12-31"))
    settings = ashcombe.model_copy(update={"check_waivers": path, "query_workers": 1})
    with TestClient(create_app(settings)) as client:
        data = client.get("/api/check").json()
        assert [r["waived"] for r in data] == [["complaint-to-ico"], ["complaint-to-ico"]]
        page = client.get("/check", params={"notice": "ashcombe-general.md"})
        assert page.status_code == 200
        assert "waived (The ICO is named on our complaints page" in page.text
        assert "<th>waived</th>" in client.get("/check").text
    bad = tmp_path / "bad.toml"
    bad.write_text(WAIVER.format(until="2999-12-31").replace("complaint-to-ico", "nosuch"))
    with pytest.raises(WaiverError, match=r"bad\.toml: waiver 1: unknown requirement"):
        create_app(ashcombe.model_copy(update={"check_waivers": bad}))
