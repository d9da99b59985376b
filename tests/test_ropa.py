"""`flowgraph ropa`: the Art. 30 record pre-filled from the notices, as CSV and XLSX."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from flowgraph.query.library import load_library
from flowgraph.report.ropa import COLUMNS, header, ropa_rows, write_csv
from flowgraph.settings import PROJECT_ROOT
from flowgraph.store.base import open_store

LIBRARY = load_library(PROJECT_ROOT / "queries")


def _ropa(settings, tmp_path, *args):
    env = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(settings.output_dir)}
    return subprocess.run(
        [sys.executable, "-m", "flowgraph", "ropa", *args],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip


@pytest.fixture(scope="module")
def leicester_csv(built, settings, tmp_path_factory):
    out = tmp_path_factory.mktemp("ropa") / "ropa.csv"
    result = _ropa(settings, out.parent, "--controller", "Leicester City Council", "-o", str(out))
    assert result.returncode == 0, result.stderr
    return list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))


def column(rows, title: str) -> int:
    return rows[0].index(title)


def test_leicester_has_one_row_per_service_area(leicester_csv):
    assert leicester_csv[0] == header()
    assert len(leicester_csv) == 21  # header + the 20 service areas
    assert {r[0] for r in leicester_csv[1:]} == {"Leicester City Council"}
    assert len({r[1] for r in leicester_csv[1:]}) == 20


def test_housing_row_has_its_recipients_bases_and_evidence(leicester_csv):
    (housing,) = [r for r in leicester_csv if r[1] == "Housing"]
    recipients = housing[column(leicester_csv, "Categories of recipients")].split("; ")
    assert sorted(recipients) == sorted([
        "Courts and tribunals", "Police", "Health organisations", "Education providers",
        "Local authorities", "Immigration authorities", "Department for Work and Pensions",
        "Government departments and agencies", "HM Revenue and Customs", "Home Office",
        "Department for Levelling Up, Housing and Communities",  # the notice's "DLHUC"
        "Safeguarding boards and partnerships", "Contractors and service providers",
        "Elected members and MPs", "Funding bodies", "Credit reference agencies",
    ])  # fmt: skip
    evidence = housing[column(leicester_csv, "Categories of recipients — evidence")].split("\n")
    assert "leicester-city-council-service-areas.txt: “Judicial Agencies e.g. Courts”" in evidence
    bases = housing[column(leicester_csv, "Article 6 lawful basis for processing personal data")]
    assert bases.split("; ") == [
        "Legal obligation — Art. 6(1)(c)",
        "Public task — Art. 6(1)(e)",
        "Consent — Art. 6(1)(a): consultations",
    ]
    assert housing[
        column(
            leicester_csv,
            "Names of third countries or international organisations that personal data are transferred to",
        )
    ] == ("European Union; United States of America")
    # Left empty by the service table, filled from the council-wide notice, which the evidence names.
    retention = housing[column(leicester_csv, "Retention schedule — evidence")]
    assert retention.startswith("leicester-city-council-general.txt: ")
    # Every filled cell has evidence; every evidence line names a notice and quotes it.
    for row in leicester_csv[1:]:
        for index in range(3, len(row), 2):
            assert bool(row[index]) == bool(row[index + 1]), (row[1], leicester_csv[0][index])
            for line in filter(None, row[index + 1].split("\n")):
                assert line.split(": “")[0].endswith(".txt") and line.endswith("”")


def test_xlsx_holds_the_same_cells(built, settings, tmp_path, leicester_csv):
    out = tmp_path / "ropa.xlsx"
    result = _ropa(settings, tmp_path, "--controller", "Leicester City Council", "-o", str(out))
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(out).active
    cells = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert cells == leicester_csv
    assert sheet["A1"].font.bold and sheet.freeze_panes == "D2"
    assert sheet.column_dimensions["E"].width == 60  # an evidence column


def test_a_controller_without_service_areas_gets_one_row(built, settings):
    rows = ropa_rows(open_store(settings), LIBRARY)
    leeds = [r for r in rows if r.controller == "Leeds City Council"]
    assert [r.business_function for r in leeds] == ["All services (Privacy notice)"]
    assert leeds[0].notice == "leeds-city-council-general.txt"
    assert "HM Revenue and Customs" in leeds[0].cells["recipients"].values
    assert len(write_csv(rows).splitlines()) > 20
    assert next(key for key, _ in COLUMNS) == "purposes"


def test_bad_requests_are_refused(built, settings, tmp_path):
    wrong = _ropa(settings, tmp_path, "-o", str(tmp_path / "ropa.pdf"))
    assert wrong.returncode == 2 and "ropa writes .csv or .xlsx files" in " ".join(
        wrong.stderr.split()
    )
    unknown = _ropa(settings, tmp_path, "--controller", "Nowhere", "-o", str(tmp_path / "r.csv"))
    assert unknown.returncode == 2 and "no controller called 'Nowhere'" in unknown.stderr


def test_categories_of_individuals_come_from_the_notices(built, settings, leicester_csv):
    individuals = column(leicester_csv, "Categories of individuals")
    filled = {
        r[1]: (r[individuals], r[individuals + 1]) for r in leicester_csv[1:] if r[individuals]
    }
    assert filled == {
        "Social Care (Adults and Children)": (
            "Children",
            "leicester-city-council-service-areas.txt: “Under CP-IS, the data of Looked After Children "
            "or a child that has a child protection plan will automatically sent as an alert to NHS Digital”",
        )
    }
    rows = ropa_rows(open_store(settings), LIBRARY)
    (county,) = [r for r in rows if r.controller == "Leicestershire County Council"]
    assert sorted(county.cells["individuals"].values) == [
        "Children",
        "Pupils and students",
        "Young people",
    ]
    (leeds,) = [r for r in rows if r.controller == "Leeds City Council"]
    assert leeds.cells["individuals"].values == ["Offenders and suspects"]
