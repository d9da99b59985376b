"""Full build: SHACL conformance, checks, determinism, bad input and atomic publication."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from flowgraph.build import build
from flowgraph.cli import app
from flowgraph.query.library import load_library, run
from flowgraph.rdf.validate import validate_nquads
from flowgraph.report.export import export_graph
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.base import open_store

runner = CliRunner()


def test_full_build_conforms_to_shapes_and_checks(built, settings):
    assert built.summary()["notices"] == 5
    result = validate_nquads(
        snapshots.nquads_files(built.snapshot), settings.ontology_dir / "shapes.ttl"
    )
    assert result.conforms, result.report
    store = open_store(settings)
    for query in load_library(settings.queries_dir).values():
        if query.is_check:
            assert run(store, query)[1] == [], query.name


def test_flow_quotes_are_verbatim_in_the_store(built, settings):
    _, rows = run(open_store(settings), load_library(settings.queries_dir)["flows"])
    assert (
        len({(r["notice"], r["start"], r["end"], r["recipient"], r["recipientText"]) for r in rows})
        <= built.flows
    )
    assert len(rows) >= built.flows
    texts = {p.name: p.read_text(encoding="utf-8") for p in (settings.notices_dir).glob("*.txt")}
    for row in rows:
        assert texts[row["notice"]][row["start"] : row["end"]] == row["quote"]


def test_export_is_byte_identical_on_rebuild(tmp_path):
    first = Settings(build_dir=tmp_path / "a")
    second = Settings(build_dir=tmp_path / "b")
    build(first)
    build(second)
    for fmt in ("nquads", "trig"):
        a = export_graph(snapshots.nquads_files(snapshots.current(first.output_dir)), fmt)
        b = export_graph(snapshots.nquads_files(snapshots.current(second.output_dir)), fmt)
        assert a == b, fmt


def _bad_notices(directory: Path) -> Path:
    directory.mkdir(parents=True)
    good = (
        Path(__file__).resolve().parents[1]
        / "data"
        / "notices"
        / "leicestershire-county-council-children-and-family-services.txt"
    )
    shutil.copy(good, directory / "good.txt")
    (directory / "empty.txt").write_text("")
    (directory / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (directory / "latin1.txt").write_bytes(
        "Caf\xe9 notice".encode("latin-1") + b"\nWho we share with\n"
    )
    (directory / "nosharing.txt").write_text("About us\n\nWe are a council and we like parks.\n")
    rows = ["file,controller", "good.txt,Leicestershire County Council", "empty.txt,A Council", "binary.txt,A Council",
            "latin1.txt,A Council", "nosharing.txt,A Council", "missing.txt,A Council"]  # fmt: skip
    (directory / "manifest.csv").write_text("\n".join(rows) + "\n")
    return directory


def test_bad_input_is_named_and_strict_fails_without_touching_the_graph(tmp_path, monkeypatch):
    notices = _bad_notices(tmp_path / "notices")
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(tmp_path / "build"))
    ok = runner.invoke(app, ["build", str(notices)])
    assert ok.exit_code == 0, ok.output
    for fragment in ("empty.txt: file is empty", "binary.txt: file is binary", "latin1.txt: no recipients found",
                     "nosharing.txt: no recipients found", "names 'missing.txt', which does not exist"):  # fmt: skip
        assert "".join(fragment.split()) in "".join(ok.output.split()), fragment
    before = snapshots.current(tmp_path / "build")
    strict = runner.invoke(app, ["build", str(notices), "--strict"])
    assert strict.exit_code == 2
    assert snapshots.current(tmp_path / "build") == before
    assert (before / "oxigraph").exists()


def test_single_file_with_controller(tmp_path, monkeypatch):
    """A single file is built only into the scratch graph, beside the build directory."""
    notice = tmp_path / "n.txt"
    notice.write_text("Who we share your information with\n- HMRC\n- Rutland Police\n")
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(tmp_path / "build"))
    args = ["build", str(notice), "--controller", "Rutland County Council", "--strict"]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2
    assert "flowgraph add" in refused.output and "--scratch" in refused.output
    result = runner.invoke(app, [*args, "--scratch"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "build").exists()
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(tmp_path / "build-scratch"))
    flows = runner.invoke(app, ["flows", "--format", "json"])
    import json

    rows = json.loads(flows.stdout)
    assert [(r["recipientText"], r["recipient"].rsplit("/", 1)[-1]) for r in rows] == [
        ("HMRC", "hmrc"),
        ("Rutland Police", "rutland-police"),
    ]
