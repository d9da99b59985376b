"""Workspaces: init, add (refusing duplicates), builds that keep every other notice's graph,
selection by --workspace and FLOWGRAPH_HOME, scratch builds apart from the workspace's graph."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.settings import PROJECT_ROOT, Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.base import open_store

runner = CliRunner()
CORPUS = PROJECT_ROOT / "tests" / "data" / "corpus" / "notices"
SAMPLES = PROJECT_ROOT / "data" / "notices"
GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


@pytest.fixture(autouse=True)
def _no_selection(monkeypatch):
    for name in ("FLOWGRAPH_HOME", "FLOWGRAPH_BUILD_DIR"):
        monkeypatch.delenv(name, raising=False)


def _run(*args: str, ok: bool = True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _text(result) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def _manifest(workspace: Path) -> list[dict[str, str]]:
    with (workspace / "notices" / "manifest.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _graphs(workspace: Path) -> dict[str, int]:
    """Quads per named graph of the workspace's published graph."""
    store = open_store(Settings(home=workspace))
    try:
        return {str(row["g"]): int(row["n"]) for row in store.select(GRAPHS)[1]}
    finally:
        store.close()


def _summary(result, key: str) -> int:
    """One number of the build's summary table."""
    line = next(line for line in result.output.splitlines() if f" {key} " in line)
    return int(line.strip("│ ").split()[-1])


def _reused(result) -> int:
    return _summary(result, "reused")


def test_init_makes_a_usable_workspace(tmp_path):
    workspace = tmp_path / "my council"
    result = _run("init", str(workspace))
    assert "FLOWGRAPH_HOME" in result.output
    assert (workspace / "notices" / "manifest.csv").read_text().startswith("file,controller,")
    assert _manifest(workspace) == []
    assert "build/" in (workspace / ".gitignore").read_text()
    again = _run("init", str(workspace), ok=False)
    assert again.exit_code == 2 and "already a workspace" in _text(again)
    # an empty workspace is refused by build with the reason, not built empty
    empty = _run("--workspace", str(workspace), "build", ok=False)
    assert empty.exit_code == 2
    # usable: add a notice, build, query
    notice = CORPUS / "torbay-council--community-safety-cctv.txt"
    _run("-w", str(workspace), "add", str(notice), "--controller", "Torbay Council")
    _run("-w", str(workspace), "build")
    flows = _run("-w", str(workspace), "flows", "--format", "csv")
    assert "Torbay Council" in flows.stdout
    assert snapshots.current(workspace / "build")


def test_init_customise_copies_the_bundled_files_and_they_are_used(tmp_path):
    workspace = tmp_path / "ws"
    _run("init", str(workspace), "--customise", "queries", "--customise", "vocab")
    assert (workspace / "queries" / "flows.rq").is_file()
    assert (workspace / "vocab" / "organisations.csv").is_file()
    assert not (workspace / "ontology").exists()
    settings = Settings(home=workspace)
    assert settings.queries_dir == workspace / "queries"
    assert settings.vocab_dir == workspace / "vocab"
    assert settings.ontology_dir == PROJECT_ROOT / "ontology"  # not overridden: the bundled one
    (workspace / "queries" / "mine.rq").write_text(
        "# title: Mine\nSELECT * WHERE { ?s ?p ?o } LIMIT 1\n"
    )
    listed = _run("-w", str(workspace), "query", "--list")
    assert "mine" in listed.stdout
    bad = _run("init", str(tmp_path / "other"), "--customise", "nonsense", ok=False)
    assert bad.exit_code == 2 and "queries" in bad.output


def test_adding_a_notice_keeps_every_other_notices_graph(tmp_path):
    workspace = tmp_path / "ws"
    _run("init", str(workspace), "--sample")
    ws = ("--workspace", str(workspace))
    first = _run(*ws, "build")
    before = _graphs(workspace)
    notice_graphs = {
        g
        for g in before
        if "/graph/" in g and not g.endswith(("/entities", "/vocabulary", "/versions"))
    }
    assert len(notice_graphs) == 5, sorted(before)

    # a notice of a new controller: every notice is read again (one may name it), none is lost
    _run(*ws, "add", str(CORPUS / "torbay-council--community-safety-cctv.txt"),
         "--controller", "Torbay Council", "--service", "Community Safety")  # fmt: skip
    second = _run(*ws, "build")
    after = _graphs(workspace)
    assert {g: after.get(g) for g in notice_graphs} == {g: before[g] for g in notice_graphs}
    added = set(after) - set(before)
    assert len(added) == 1 and "torbay" in next(iter(added))
    assert _summary(second, "notices") == 6

    # a notice of a controller already there: the six built graphs are reused, not re-read
    _run(*ws, "add", str(CORPUS / "torbay-council--revenues-and-benefits.txt"),
         "--controller", "Torbay Council")  # fmt: skip
    third = _run(*ws, "build")
    assert _reused(third) == 6
    final = _graphs(workspace)
    # shared graphs grow: the entities, and the versions (one more notice, one more version)
    earlier = {g: n for g, n in after.items() if not g.endswith(("/entities", "/versions"))}
    assert {g: final.get(g) for g in earlier} == earlier  # every notice's graph, quad for quad
    assert len(set(final) - set(after)) == 1
    assert _reused(first) == 0
    rows = _manifest(workspace)
    assert [r["file"] for r in rows][-2:] == [
        "torbay-council--community-safety-cctv.txt",
        "torbay-council--revenues-and-benefits.txt",
    ]
    assert rows[-2]["service"] == "Community Safety" and rows[-2]["format"] in ("plain", "markdown")
    copied = workspace / "notices" / rows[-1]["file"]
    assert copied.read_bytes() == (CORPUS / rows[-1]["file"]).read_bytes()
    import hashlib

    assert rows[-1]["sha256"] == hashlib.sha256(copied.read_bytes()).hexdigest()


def test_a_duplicate_add_is_refused_and_changes_nothing(tmp_path):
    workspace = tmp_path / "ws"
    _run("init", str(workspace), "--sample")
    ws = ("-w", str(workspace))
    manifest = (workspace / "notices" / "manifest.csv").read_bytes()
    files = sorted(p.name for p in (workspace / "notices").iterdir())

    same_name = _run(*ws, "add", str(SAMPLES / "leeds-city-council-general.txt"),
                     "--controller", "Leeds City Council", ok=False)  # fmt: skip
    assert same_name.exit_code == 2
    assert "leeds-city-council-general.txt is already in the workspace" in _text(same_name)

    copy = tmp_path / "leeds-again.txt"
    shutil.copyfile(SAMPLES / "leeds-city-council-general.txt", copy)
    same_content = _run(*ws, "add", str(copy), "--controller", "Leeds City Council", ok=False)
    assert same_content.exit_code == 2
    assert "same content is already in the workspace as 'leeds-city-council-general.txt'" in _text(
        same_content
    )

    stem = tmp_path / "leeds-city-council-general.md"
    stem.write_text("# Who we share with\n\n- HMRC\n")
    same_stem = _run(*ws, "add", str(stem), "--controller", "Leeds City Council", ok=False)
    assert same_stem.exit_code == 2 and "only in its extension" in _text(same_stem)

    # a batch with one duplicate adds none of its files
    new = CORPUS / "medway--licensing.txt"
    batch = _run(*ws, "add", str(new), str(copy), "--controller", "Medway Council", ok=False)
    assert batch.exit_code == 2
    twice = _run(*ws, "add", str(new), str(new), "--controller", "Medway Council", ok=False)
    assert twice.exit_code == 2

    blank = _run(*ws, "add", str(new), "--controller", "  ", ok=False)
    assert blank.exit_code == 2 and "blank" in _text(blank)
    missing = _run(
        *ws, "add", str(tmp_path / "nope.txt"), "--controller", "Medway Council", ok=False
    )
    assert missing.exit_code == 2 and "no such file" in _text(missing)

    assert (workspace / "notices" / "manifest.csv").read_bytes() == manifest
    assert sorted(p.name for p in (workspace / "notices").iterdir()) == files


def test_flowgraph_home_and_the_workspace_option_select_a_workspace(tmp_path, monkeypatch):
    one, two = tmp_path / "one", tmp_path / "two"
    _run("init", str(one))
    _run("init", str(two))
    notice = CORPUS / "medway--licensing.txt"
    monkeypatch.setenv("FLOWGRAPH_HOME", str(one))
    _run("add", str(notice), "--controller", "Medway Council")
    assert [r["file"] for r in _manifest(one)] == ["medway--licensing.txt"]
    _run(
        "--workspace", str(two), "add", str(notice), "--controller", "Medway Council"
    )  # the option wins
    assert [r["file"] for r in _manifest(two)] == ["medway--licensing.txt"]
    building = _run("build")
    assert "building workspace " + str(one) in _text(building)
    assert snapshots.current(one / "build") and not (two / "build").exists()
    monkeypatch.delenv("FLOWGRAPH_HOME")
    settings = Settings()
    assert settings.notices_dir == SAMPLES  # nothing selected: the sample notices, as before
    assert settings.output_dir == PROJECT_ROOT / "data" / "build"
    assert Settings(home=two).output_dir == two / "build"


def test_a_scratch_build_does_not_touch_the_workspace_graph(tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    _run("init", str(workspace), "--sample")
    monkeypatch.setenv("FLOWGRAPH_HOME", str(workspace))
    _run("build")
    published = snapshots.current(workspace / "build")
    graphs = _graphs(workspace)
    notice = tmp_path / "rutland.txt"
    notice.write_text("Who we share your information with\n- HMRC\n- Rutland Police\n")
    args = ("build", str(notice), "--controller", "Rutland County Council")

    refused = _run(*args, ok=False)
    assert refused.exit_code == 2
    assert f"flowgraph add {notice}" in _text(refused) and "--scratch" in _text(refused)
    folder = _run("build", str(SAMPLES), ok=False)  # another folder would replace the graph
    assert folder.exit_code == 2 and "would replace the graph" in _text(folder)
    lone_flag = _run("build", "--scratch", ok=False)
    assert lone_flag.exit_code == 2

    scratch = _run(*args, "--scratch")
    assert "scratch graph" in _text(scratch) and str(workspace / "build-scratch") in _text(scratch)
    assert snapshots.current(workspace / "build") == published
    assert _graphs(workspace) == graphs
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(workspace / "build-scratch"))
    rows = _run("flows", "--format", "csv").stdout.splitlines()
    assert len(rows) == 3 and "Rutland County Council" in rows[1]
    # the workspace's own notices folder is the workspace build, not a replacement
    monkeypatch.delenv("FLOWGRAPH_BUILD_DIR")
    again = _run("build", str(workspace / "notices"))
    assert _reused(again) == 5


def test_query_list_is_an_error_without_queries(tmp_path):
    workspace = tmp_path / "ws"
    _run("init", str(workspace))
    (workspace / "queries").mkdir()
    result = _run("-w", str(workspace), "query", "--list", ok=False)
    assert result.exit_code == 2 and "no queries found" in _text(result)
    assert "flows" in _run("query", "--list").stdout


def test_version():
    from flowgraph import __version__

    result = _run("--version")
    assert result.output.strip() == f"flowgraph {__version__}"


def test_replace_updates_one_notice_and_its_row(tmp_path):
    workspace = tmp_path / "ws"
    _run("init", str(workspace), "--sample")
    ws = ("-w", str(workspace))
    _run(*ws, "build")
    before = _manifest(workspace)
    name = "oadby-and-wigston-borough-council-general.txt"
    revised = tmp_path / "revised" / name
    revised.parent.mkdir()
    revised.write_bytes((SAMPLES / name).read_bytes() + b"\nWe also share your data with HMRC.\n")
    args = (*ws, "add", str(revised), "--controller", "Oadby and Wigston Borough Council")
    refused = _run(*args, ok=False)
    assert refused.exit_code == 2 and "--replace" in _text(refused)
    replaced = _run(*args, "--replace")
    assert f"replaced {name}" in _text(replaced)
    assert (workspace / "notices" / name).read_bytes() == revised.read_bytes()
    after = _manifest(workspace)
    import hashlib

    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 1 and changed[0][1]["file"] == name
    assert changed[0][1]["sha256"] == hashlib.sha256(revised.read_bytes()).hexdigest()
    assert changed[0][1]["title"] == changed[0][0]["title"]  # fields not given are kept
    rebuilt = _run(*ws, "build")
    assert _reused(rebuilt) == 4 and _summary(rebuilt, "problems") == 0
