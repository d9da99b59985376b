"""The command line: output formats and exit codes (0 ok, 1 violations, 2 bad input)."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.settings import PROJECT_ROOT

runner = CliRunner()
NOTICES = PROJECT_ROOT / "data" / "notices"


def test_extract_prints_one_object_per_service_with_the_documented_keys():
    result = runner.invoke(
        app,
        [
            "extract",
            str(NOTICES / "leicestershire-county-council-children-and-family-services.txt"),
        ],
    )
    assert result.exit_code == 0, result.output
    services = json.loads(result.stdout)
    assert len(services) == 1
    s = services[0]
    assert {"controller", "service", "purposes", "legal_bases", "recipients", "transfers", "automated_decisions",
            "retention", "data_categories", "sources"} <= set(s)  # fmt: skip
    assert s["controller"] == "Leicestershire County Council"
    assert s["service"] == "Children and Family Services"
    assert s["legal_bases"]["gdpr_bases"] == ["legal_obligation"]
    assert [r["text"] for r in s["recipients"]][:2] == [
        "others",
        "the Department for Education (DfE)",
    ]
    assert s["recipients"][1] | {"evidence": None} == {
        "text": "the Department for Education (DfE)",
        "id": "https://w3id.org/flowgraph/id/org/dfe",
        "label": "Department for Education",
        "kind": "organisation",
        "role": "stated",
        "match": "alias",
        "evidence": None,
    }


def test_extract_of_a_file_outside_a_manifest_needs_a_controller(tmp_path):
    notice = tmp_path / "x.txt"
    notice.write_text("Who we share your data with\n- Police\n")
    result = runner.invoke(app, ["extract", str(notice)])
    assert result.exit_code == 2
    assert "--controller" in result.output


def test_flows_csv_and_validate(built, settings, monkeypatch):
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(settings.output_dir))
    result = runner.invoke(
        app, ["flows", "--format", "csv", "--controller", "Oadby and Wigston Borough Council"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["recipientLabel"] for r in rows} == {
        "Courts and tribunals",
        "Third parties (unspecified)",
    }
    assert all(r["controllerLabel"] == "Oadby and Wigston Borough Council" for r in rows)
    assert runner.invoke(app, ["validate"]).exit_code == 0


def test_commands_without_a_build_say_so(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(tmp_path / "nothing"))
    result = runner.invoke(app, ["flows"])
    assert result.exit_code == 2
    assert "flowgraph build" in result.output


def test_query_runs_a_library_query_with_parameters(built, settings, monkeypatch):
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(settings.output_dir))
    result = runner.invoke(
        app,
        [
            "query",
            "senders-to-recipient",
            "--param",
            "recipient=https://w3id.org/flowgraph/id/org/cabinet-office",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert {r["controllerLabel"] for r in json.loads(result.stdout)} == {
        "Leicester City Council",
        "Leeds City Council",
    }
    listing = runner.invoke(app, ["query", "--list"])
    assert "sharing-chains" in listing.stdout
    unknown = runner.invoke(app, ["query", "no-such-query"])
    assert unknown.exit_code == 2
    assert "flowgraph query --list" in " ".join(unknown.output.split())


CORPUS = PROJECT_ROOT / "tests" / "data" / "corpus" / "notices"


def test_extract_explain_shows_sections_rules_facts_and_misses():
    """--explain on a real notice: each block's section and why, the rule, the facts, or why none."""
    args = ["extract", str(CORPUS / "medway--licensing.txt"), "--controller", "Medway Council"]
    result = runner.invoke(app, [*args, "--explain", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"services", "explain"} <= set(data)
    by_text = {entry["text"]: entry for entry in data["explain"]}
    heading = by_text["Why we can use your data"]
    assert heading["kind"] == "heading"
    assert heading["section"] == "legal_basis"
    assert heading["section_why"].startswith("cues legal_basis")
    lead_in = next(e for e in data["explain"] if e["text"].startswith("We can use your data if"))
    assert {f["text"] for f in lead_in["facts"]} >= {
        "legal_obligation (legal obligation)",
        "public_task (public task)",
    }
    police = by_text["• the police"]
    assert police["section"] == "recipients"
    assert police["rules"] == ["item of a list opened by a lead-in line (recipients)"]
    assert [f["field"] for f in police["facts"]] == ["recipients"]
    assert police["facts"][0]["text"].startswith("the police -> category:police")
    rights = next(e for e in data["explain"] if e["text"].startswith("You can ask to see"))
    assert rights["facts"] == []
    assert rights["no_fact"] == "prose in a rights section is not read for recipients or bases"
    text = runner.invoke(app, [*args, "--explain", "--format", "text"], terminal_width=200)
    assert text.exit_code == 0
    assert "section: recipients" in text.output
    assert "+ recipients: the police -> category:police" in text.output
    assert "no fact:" in text.output


def test_extract_refuses_an_unknown_format():
    args = ["extract", str(CORPUS / "medway--licensing.txt"), "--controller", "Medway Council"]
    result = runner.invoke(app, [*args, "--format", "xml"])
    assert result.exit_code == 2
    assert "is not one of 'json', 'text'" in " ".join(result.output.replace("│", "").split())
