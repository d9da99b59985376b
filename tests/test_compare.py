"""`flowgraph compare`: councils side by side on the seed notices, exact facts written by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from flowgraph.errors import FlowgraphError
from flowgraph.query.library import load_library
from flowgraph.report.compare import compare
from flowgraph.report.completeness import check
from flowgraph.settings import PROJECT_ROOT
from flowgraph.store.base import open_store

LIBRARY = load_library(PROJECT_ROOT / "queries")


@pytest.fixture(scope="module")
def store(built, settings):
    return open_store(settings)


def test_housing_across_three_councils(store):
    result = compare(
        store,
        LIBRARY,
        ["Leicester City Council", "Leeds City Council", "Oadby and Wigston Borough Council"],
        "housing",
        check(store, LIBRARY),
    )
    leicester, leeds, oadby = result.councils
    assert leicester.services == ["Housing"]
    assert leeds.services == [] and leeds.notices == ["leeds-city-council-general.txt"]
    assert oadby.services == [] and oadby.notices == [
        "oadby-and-wigston-borough-council-general.txt"
    ]
    assert leicester.stated["transfers"] == ["European Union", "United States of America"]
    assert oadby.stated["transfers"] == []
    assert oadby.stated["recipients"] == ["Courts and tribunals", "Third parties (unspecified)"]
    assert result.common["recipients"] == ["Courts and tribunals"]
    assert result.common["bases"] == [
        "Legal obligation — Art. 6(1)(c)",
        "Public task — Art. 6(1)(e)",
    ]
    assert leicester.only_here["recipients"] == [
        "Department for Levelling Up, Housing and Communities",  # the notice's "DLHUC"
        "Elected members and MPs", "Funding bodies", "Home Office", "Immigration authorities",
        "Safeguarding boards and partnerships",
    ]  # fmt: skip
    assert "Cabinet Office" in leeds.only_here["recipients"]
    assert leicester.only_here["bases"] == ["Consent — Art. 6(1)(a): consultations"]
    assert 0 < leicester.score < leeds.score <= 1
    assert [(r["recipientLabel"], r["controllers"]) for r in result.most_common[:3]] == [
        ("Third parties (unspecified)", 4),  # each council writes a vague "others" somewhere
        ("Courts and tribunals", 3),
        ("Education providers", 3),
    ]
    assert all(r["controllers"] == 1 and r["activities"] == 1 for r in result.rarest)


def test_whole_councils_without_a_service_filter(store):
    result = compare(store, LIBRARY, ["Leicester City Council", "Leicestershire County Council"])
    leicester, county = result.councils
    assert len(leicester.services) == 20 and county.services == ["Children and Family Services"]
    assert "Department for Education" in result.common["recipients"]
    assert county.stated["transfers"] == ["None (the notice says so)"]  # a denial, not silence
    assert county.score is None  # no completeness reports passed in


def test_unknown_or_single_council_is_refused(store):
    with pytest.raises(FlowgraphError, match="at least two"):
        compare(store, LIBRARY, ["Leeds City Council"])
    with pytest.raises(FlowgraphError, match="no controller called 'Atlantis'"):
        compare(store, LIBRARY, ["Leeds City Council", "Atlantis"])


def test_compare_command(built, settings):
    env = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(settings.output_dir)}
    args = [sys.executable, "-m", "flowgraph", "compare", "Leicester City Council",
            "Leeds City Council", "--service-like", "Housing"]  # fmt: skip
    text = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert text.returncode == 0, text.stderr
    assert "Leeds City Council — no matching service area: council-wide notice" in text.stdout
    as_json = subprocess.run([*args, "--format", "json"], env=env, capture_output=True, text=True)
    data = json.loads(as_json.stdout)
    assert [c["label"] for c in data["councils"]] == [
        "Leicester City Council",
        "Leeds City Council",
    ]
    md = subprocess.run([*args, "--format", "md"], env=env, capture_output=True, text=True)
    assert "| Recipients |" in md.stdout and "## Rarest recipients (outliers)" in md.stdout
