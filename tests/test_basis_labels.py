"""Lawful bases read as "Public task — Art. 6(1)(e)" wherever a person reads them; the label and
the article reference are data (data/vocab/legal_bases.csv), not code."""

from __future__ import annotations

import csv
import re

from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.settings import PROJECT_ROOT

runner = CliRunner()
CODES = re.compile(
    r"\b(legal_obligation|public_task|legitimate_interests|vital_interests|art9_\w+|art10_\w+)\b"
)


def test_every_basis_has_a_reference_in_the_vocabulary():
    with (PROJECT_ROOT / "data" / "vocab" / "legal_bases.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(re.fullmatch(r"Art\. \d+(\(\d\)\([a-j]\))?", r["reference"]) for r in rows)
    assert {r["code"]: f"{r['label']} — {r['reference']}" for r in rows}["public_task"] == (
        "Public task — Art. 6(1)(e)"
    )


def test_the_dpia_names_bases_with_their_article(built, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(settings.output_dir))
    for name in ("dpia.html", "dpia.md"):
        result = runner.invoke(
            app, ["dpia", "--from", "Leeds City Council", "-o", str(tmp_path / name)]
        )
        assert result.exit_code == 0, result.output
        text = (tmp_path / name).read_text(encoding="utf-8")
        # one entry per basis, with every wording the notice uses
        assert re.search(
            r"Public task — Art\. 6\(1\)\(e\) \(as written: [^)]*“task carried out in the public interest”",
            text,
        )
        assert text.count("Public task — Art. 6(1)(e) (as written") == 1
        assert "Legal obligation — Art. 6(1)(c)" in text
        assert not CODES.search(text), CODES.search(text)


def test_ropa_and_compare_name_bases_with_their_article(built, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(settings.output_dir))
    assert runner.invoke(app, ["ropa", "-o", str(tmp_path / "ropa.csv")]).exit_code == 0
    ropa = (tmp_path / "ropa.csv").read_text(encoding="utf-8")
    assert "Public task — Art. 6(1)(e)" in ropa and not CODES.search(ropa)
    compared = runner.invoke(app, ["compare", "Leeds City Council", "Leicester City Council"])
    assert compared.exit_code == 0, compared.output
    assert "Criminal offence data — Art. 10" in compared.stdout and not CODES.search(
        compared.stdout
    )
    table = runner.invoke(app, ["query", "legal-bases-by-service", "--format", "json"])
    assert "Vital interests — Art. 6(1)(d)" in table.stdout  # the label beside the code


def test_pages_name_bases_with_their_article(server):
    client, _ = server
    page = client.get("/id/org/hmrc", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert re.search(
        r"<span class='bases'>[^<]*(Legal obligation|Public task) — Art\. 6\(1\)\([ce]\)", page.text
    )
    assert not CODES.search(page.text), CODES.search(page.text)
    explore = client.get("/explore", params={"controller": "Leeds City Council"})
    assert explore.status_code == 200
    assert "Public task — Art. 6(1)(e)" in explore.text  # in the map's JSON (UTF-8, not escaped)
    assert not CODES.search(explore.text), CODES.search(explore.text)
