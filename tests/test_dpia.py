"""The DPIA pre-fill report for Leicestershire County Council's Children and Family Services."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.query.library import load_library
from flowgraph.report.dpia import build_report, render_html, render_markdown
from flowgraph.store.base import open_store
from flowgraph.trace.chains import find_node
from flowgraph.trace.network import flow_network

runner = CliRunner()


@pytest.fixture(scope="module")
def report(built, settings):
    store = open_store(settings)
    library = load_library(settings.queries_dir)
    network = flow_network(store, library)
    return build_report(
        store,
        library,
        network,
        find_node(network, "Leicestershire County Council"),
        "Children and Family Services",
    )


def footnote(report, number: int) -> dict:
    return report.footnotes[number - 1]


def test_report_states_dfe_onward_retention_and_no_transfers_each_with_its_quote(report, settings):
    recipients = {s.detail: s for s in report.statements["recipient"]}
    dfe = recipients["Department for Education"]
    assert "Department for Education (DfE)" in footnote(report, dfe.footnote)["quote"]
    onward = [s for s in report.statements["onward"] if s.flag == "Department for Education"]
    assert onward and footnote(report, onward[0].footnote)["quote"].startswith(
        "DfE may share individual level personal data"
    )
    periods = {
        s.detail: footnote(report, s.footnote)["quote"]
        for s in report.statements["retention"]
        if s.detail
    }
    assert periods == {
        "25 years": "25 years from last contact for School Admissions Service",
        "7 years": "7 years from closure for the Early Years Inclusion and Childcare Service",
    }
    denial = [s for s in report.statements["denial"] if s.detail == "Transfers abroad"]
    assert (
        footnote(report, denial[0].footnote)["quote"]
        == "We will not send your information outside of the UK."
    )
    special = {s.text for s in report.statements["data"] if s.flag and "special" in s.flag}
    assert "child's ethnicity" in special
    for note in report.footnotes:  # every quote is verbatim in its notice at its offsets
        text = (settings.notices_dir / note["notice"]).read_text(encoding="utf-8")
        assert text[note["start"] : note["end"]] == note["quote"]


def test_report_lists_the_chains_and_what_is_missing(report):
    assert any(
        [h.to_label for h in c] == ["Department for Education", "Third parties (unspecified)"]
        for c in report.chains
    )
    assert "nothing is said about automated decision-making" in report.gaps
    assert not any("transfers" in gap for gap in report.gaps)  # the notice denies them


def test_renderings(report):
    html = render_html(report)
    assert (
        "No transfers outside the UK: “We will not send your information outside of the UK.”"
        in html
    )
    assert (
        "<svg" in html
        and "<script" not in html
        and "http" not in re.sub(r"xmlns='[^']*'", "", html)
    )
    markdown = render_markdown(report)
    assert "## Sharing chains" in markdown and "— 25 years" in markdown and "[1]" in markdown


def test_privacy_shield_is_flagged_and_cli_writes_files(built, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(settings.output_dir))
    path = tmp_path / "llep.md"
    result = runner.invoke(
        app,
        [
            "dpia",
            "--from",
            "Leicester City Council",
            "--service",
            "LLEP (Leicester and Leicestershire Enterprise Partnership)",
            "-o",
            str(path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "relies on EU-US Privacy Shield, which is no longer a valid transfer mechanism"
        in path.read_text()
    )
    missing = runner.invoke(
        app,
        [
            "dpia",
            "--from",
            "Leicester City Council",
            "--service",
            "Parking",
            "-o",
            str(tmp_path / "x.html"),
        ],
    )
    assert missing.exit_code == 2 and "no service area 'Parking'" in " ".join(
        missing.output.split()
    )


def test_whose_data_it_is_flags_children(report):
    subjects = {(s.text, s.detail, s.flag) for s in report.statements["subject"]}
    assert subjects == {
        ("child", "Children", "children or a vulnerable group"),
        ("children", "Children", "children or a vulnerable group"),
        ("young people", "Young people", "children or a vulnerable group"),
        ("pupils", "Pupils and students", "children or a vulnerable group"),
    }
    text = render_markdown(report)
    assert "## Whose data it is" in text
    assert (
        "- young people — Young people [" in text and "**⚠ children or a vulnerable group**" in text
    )
    assert "no categories of individuals" not in " ".join(report.gaps)
