"""Notice history: every built text kept as a version, the versions graph (PROV-O), the changes
logged at a build, `flowgraph diff`, `check --changes-since` and `query --as-of`.

The fixture is one council-like notice in two versions (tests/data/history/): v2 replaces
HM Revenue and Customs by the Home Office, starts a transfer to the United States and shortens
retention from 6 to 2 years; the Police and DWP stay."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.history import changes
from flowgraph.ingest.archive import Archive, ArchiveError, Version, end_of
from flowgraph.settings import PROJECT_ROOT, Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.base import open_store

runner = CliRunner()
DATA = PROJECT_ROOT / "tests" / "data" / "history"
NOTICE = "exampleton-housing"
RECIPIENTS = "recipients-of-controller"


@pytest.fixture(autouse=True)
def _no_selection(monkeypatch):
    for name in ("FLOWGRAPH_HOME", "FLOWGRAPH_BUILD_DIR"):
        monkeypatch.delenv(name, raising=False)


def _run(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def _workspace(tmp_path: Path, monkeypatch) -> Path:
    home = tmp_path / "ws"
    (home / "notices").mkdir(parents=True)
    shutil.copy(DATA / "manifest.csv", home / "notices" / "manifest.csv")
    shutil.copy(DATA / f"{NOTICE}-v1.md", home / "notices" / f"{NOTICE}.md")
    monkeypatch.setenv("FLOWGRAPH_HOME", str(home))
    return home


def _change_to_v2(home: Path) -> None:
    shutil.copy(DATA / f"{NOTICE}-v2.md", home / "notices" / f"{NOTICE}.md")


@pytest.fixture
def changed(tmp_path, monkeypatch) -> Path:
    """A workspace built on v1, then on v2."""
    home = _workspace(tmp_path, monkeypatch)
    _run("build")
    _change_to_v2(home)
    _run("build")
    return home


def _recipient_labels(home: Path, *extra: str) -> set[str]:
    result = _run("query", RECIPIENTS, "-p", "controller=Exampleton Borough Council", "--format", "json", *extra)  # fmt: skip
    return {row["recipientLabel"] for row in json.loads(result.stdout)}


# ------------------------------------------------------------------------------ archive
def test_archive_keeps_distinct_texts_once(tmp_path):
    archive = Archive(tmp_path / "archive")
    base = Version(NOTICE, "2026-01-10T00:00:00Z", "", ".md", "Exampleton Borough Council")
    first, new = archive.add(b"one", base)
    again, new_again = archive.add(b"one", Version(**{**base.__dict__, "retrieved": "2026-02-01T00:00:00Z"}))  # fmt: skip
    second, new_second = archive.add(b"two", Version(**{**base.__dict__, "retrieved": "2026-03-01T00:00:00Z"}))  # fmt: skip
    assert (new, new_again, new_second) == (True, False, True)
    assert again == first
    reread = Archive(tmp_path / "archive")  # from the log on disk
    assert [v.sha256 for v in reread.versions(NOTICE)] == [first.sha256, second.sha256]
    assert reread.read(second) == b"two"
    assert reread.previous(second) == first
    assert reread.as_of(end_of("2026-02-15")) == {NOTICE: first}
    assert reread.as_of(end_of("2026-01-09")) == {}


def test_archive_log_errors_name_the_line(tmp_path):
    archive = Archive(tmp_path)
    archive.add(b"one", Version(NOTICE, "2026-01-10T00:00:00Z", "", ".md"))
    text = archive.log.read_text(encoding="utf-8")
    archive.log.write_text(text + "x,not-a-date,abc,.md,,,,,,,,,\n", encoding="utf-8")
    with pytest.raises(ArchiveError, match=r"versions\.csv:3:"):
        Archive(tmp_path).versions()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 400), st.binary(min_size=1, max_size=4)), max_size=12),
       st.integers(0, 400))  # fmt: skip
def test_as_of_is_the_latest_version_by_then(tmp_path_factory, adds, day):
    archive = Archive(tmp_path_factory.mktemp("archive"))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    kept = []
    for notice, offset, data in sorted(adds, key=lambda a: a[1]):
        when = (start + timedelta(days=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")
        version, new = archive.add(data, Version(notice, when, "", ".txt"))
        if new:
            kept.append(version)
    moment = start + timedelta(days=day, hours=12)
    expected = {}
    for version in kept:  # in order of retrieval: the last one by then wins
        if version.retrieved_at <= moment:
            expected[version.notice] = version
    assert archive.as_of(moment) == expected


# ------------------------------------------------------------------------------ build
def test_build_records_each_new_text_once_and_the_graph_has_its_versions(changed):
    settings = Settings(home=changed)
    archive = Archive(settings.archive_dir)
    versions = archive.versions(NOTICE)
    assert versions[0].retrieved == "2026-01-10T00:00:00Z"  # the manifest's date
    assert [archive.read(v) for v in versions] == [
        (DATA / f"{NOTICE}-v1.md").read_bytes(),
        (DATA / f"{NOTICE}-v2.md").read_bytes(),
    ]
    _run("build")  # nothing changed: no new version
    assert len(Archive(settings.archive_dir).versions(NOTICE)) == 2
    rows = json.loads(_run("query", "notice-versions", "--format", "json").stdout)
    by_version = {r["version"].rsplit("-", 1)[-1]: r for r in rows}
    old, new = (v.sha256[:12] for v in versions)
    assert set(by_version) == {old, new}
    assert by_version[old]["version"].endswith(f"/version/20260110T000000Z-{old}")
    assert by_version[new]["revises"] == by_version[old]["version"]
    assert by_version[new]["current"] in (True, "true") and by_version[old]["current"] in (False, "false")  # fmt: skip
    assert by_version[old]["source"] == "https://www.exampleton.gov.uk/privacy/housing"
    # the incremental build patched the store's versions graph to exactly the snapshot's file
    snapshot = snapshots.current(settings.output_dir)
    store = open_store(settings)
    try:
        graph = "https://w3id.org/flowgraph/id/graph/versions"
        count = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[
            1
        ]
    finally:
        store.close()
    lines = (snapshot / "versions.nq").read_text(encoding="utf-8").splitlines()
    assert int(count[0]["n"]) == len(lines) == 12  # 5 a version, 1 revision link, 1 current


def test_default_graph_holds_only_the_current_versions_facts(changed):
    assert _recipient_labels(changed) == {"Home Office", "Police", "Department for Work and Pensions"}  # fmt: skip


def test_build_logs_exactly_what_changed_with_quotes_at_their_offsets(changed):
    archive = Archive(Settings(home=changed).archive_dir)
    [entry] = changes.read(archive)
    old, new = archive.versions(NOTICE)
    assert (entry["old"]["sha256"], entry["new"]["sha256"]) == (old.sha256, new.sha256)
    [service] = entry["services"]
    assert service["service"] == "Housing"
    found = {(c["kind"], c["change"], c["label"]) for c in service["changes"]}
    assert found == {
        ("recipient", "added", "Home Office"),
        ("recipient", "removed", "HM Revenue and Customs"),
        ("transfer", "added", "United States of America"),
        ("retention", "changed", "We keep your housing file for 2 years after your tenancy ends."),
    }
    texts = {"old": archive.read(old).decode(), "new": archive.read(new).decode()}
    for change in service["changes"]:
        for side in ("old", "new"):
            for quote in change[side]:
                assert texts[side][quote["start"] : quote["end"]] == quote["text"]


def test_rebuild_after_a_change_reads_only_the_changed_notice(tmp_path, monkeypatch):
    home = _workspace(tmp_path, monkeypatch)
    shutil.copy(PROJECT_ROOT / "data" / "notices" / "leeds-city-council-general.txt", home / "notices")  # fmt: skip
    with (home / "notices" / "manifest.csv").open("a", encoding="utf-8") as f:
        f.write("leeds-city-council-general.txt,Leeds City Council,,,,,\n")
    _run("build")
    _change_to_v2(home)
    result = _run("build")
    assert " reused " in result.output
    reused = next(line for line in result.output.splitlines() if " reused " in line)
    assert reused.strip("│ ").split()[-1] == "1"  # Leeds kept; only the changed notice read


# ------------------------------------------------------------------------------ CLI
def test_diff_lists_the_changes_in_text_json_and_markdown(changed):
    text = _run("diff").stdout
    assert "Exampleton Borough Council: exampleton-housing" in text
    assert "recipient added: Home Office (needs review)" in text
    assert "recipient removed: HM Revenue and Customs" in text
    assert "was line 17 (" in text and '"HM Revenue and Customs"' in text
    [entry] = json.loads(_run("diff", "--format", "json").stdout)
    assert {c["key"] for s in entry["services"] for c in s["changes"]} == {"home-office", "hmrc", "us", "retention"}  # fmt: skip
    markdown = _run("diff", "--format", "md").stdout
    assert "- **transfer abroad started**: United States of America (needs review)" in markdown


def test_diff_since_a_date_before_the_first_version_lists_every_fact_as_new(changed):
    [entry] = json.loads(_run("diff", "--since", "2025-12-31", "--format", "json").stdout)
    assert entry["old"] is None
    added = {
        c["label"] for s in entry["services"] for c in s["changes"] if c["kind"] == "recipient"
    }
    assert added == {"Home Office", "Police", "Department for Work and Pensions"}


def test_diff_of_two_files_and_its_errors(changed, tmp_path):
    result = _run("diff", str(DATA / f"{NOTICE}-v1.md"), str(DATA / f"{NOTICE}-v2.md"),
                  "--controller", "Exampleton Borough Council", "--format", "json")  # fmt: skip
    [entry] = json.loads(result.stdout)
    recipients = {
        (c["change"], c["label"])
        for s in entry["services"]
        for c in s["changes"]
        if c["kind"] == "recipient"
    }
    assert recipients == {("added", "Home Office"), ("removed", "HM Revenue and Customs")}
    assert "not a date" in _run("diff", "--since", "last tuesday", code=2).output
    assert "two files" in _run("diff", str(DATA / "manifest.csv"), code=2).output
    missing = _run("diff", str(tmp_path / "nope.md"), str(DATA / f"{NOTICE}-v2.md"), "--controller", "X", code=2)  # fmt: skip
    assert "nope.md: file not found" in " ".join(missing.output.split())


def test_diff_filters_by_controller(changed):
    assert _run("diff", "--controller", "Leeds City Council").stdout.strip() == "no changes"
    assert "Home Office" in _run("diff", "--controller", "exampleton borough council").stdout


def test_check_fails_on_a_change_that_needs_review(changed):
    result = _run("check", "--changes-since", "2026-06-01", code=1)
    assert "recipient added: Home Office (needs review)" in result.stdout
    assert "need review" in result.output
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")
    assert _run("check", "--changes-since", tomorrow).stdout.strip() == "no changes"


def test_query_as_of_reads_the_graph_as_it_was(changed):
    assert _recipient_labels(changed, "--as-of", "2026-06-01") == {
        "HM Revenue and Customs", "Police", "Department for Work and Pensions"}  # fmt: skip
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert _recipient_labels(changed, "--as-of", today) == {
        "Home Office", "Police", "Department for Work and Pensions"}  # fmt: skip
    too_early = _run("query", RECIPIENTS, "--as-of", "2025-01-01", code=2)
    assert "no notice version was recorded by 2025-01-01" in " ".join(too_early.output.split())
    # the past graph is built once and kept beside the current one
    past = list((Settings(home=changed).output_dir / "as-of").iterdir())
    assert len(past) == 2
    store = open_store(Settings(home=changed))
    try:
        hmrc = store.select(
            "SELECT ?flow WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> "
            "'HM Revenue and Customs' . ?flow <https://w3id.org/flowgraph/ns#to> ?s }"
        )[1]
        assert hmrc == []  # the current graph: no flow of the old version
    finally:
        store.close()


def test_two_writers_of_one_archive_keep_both_rows(tmp_path):
    """A fetch and a build that each read the log, then write: neither loses the other's row."""
    first, second = Archive(tmp_path), Archive(tmp_path)
    first.versions(), second.versions()  # both have read the (empty) log
    first.add(b"fetched", Version("a", "2026-01-01T00:00:00Z", "", ".html"))
    second.add(b"edited", Version("b", "2026-01-02T00:00:00Z", "", ".txt"))
    assert [(v.notice, archive_text) for v, archive_text in
            ((v, Archive(tmp_path).read(v)) for v in Archive(tmp_path).versions())] == [
        ("a", b"fetched"), ("b", b"edited")]  # fmt: skip


def test_a_bare_date_means_the_whole_day():
    assert end_of("2026-03-01") == end_of("20260301") == datetime(2026, 3, 1, 23, 59, 59, 999999, UTC)  # fmt: skip
    assert end_of("2026-03-01T10:00:00Z") == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_a_build_that_fails_keeps_no_version_and_logs_no_change(tmp_path, monkeypatch):
    home = _workspace(tmp_path, monkeypatch)
    _run("build")
    archive_dir = Settings(home=home).archive_dir
    before = (archive_dir / "versions.csv").read_bytes()
    _change_to_v2(home)
    from flowgraph.store import snapshot as snapshot_module

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(snapshot_module, "publish", fail)
    assert _run("build", code=3).exit_code == 3
    assert (archive_dir / "versions.csv").read_bytes() == before
    assert changes.read(Archive(archive_dir)) == []
    monkeypatch.undo()
    monkeypatch.setenv("FLOWGRAPH_HOME", str(home))
    _run("build")  # the next build that publishes keeps them, once
    assert len(Archive(archive_dir).versions(NOTICE)) == 2
    assert len(changes.read(Archive(archive_dir))) == 1
    _run("build", "--full")  # a full rebuild of the same texts logs nothing again
    assert len(changes.read(Archive(archive_dir))) == 1


def test_the_endpoint_builds_past_graphs_within_limits(changed):
    """serve.past: the current versions need no build; past ones are built one at a time and at
    most `as_of_builds_per_hour` an hour (503 with Retry-After past that); one built answers."""
    from flowgraph.serve.past import Busy, PastGraphs

    settings = Settings(home=changed, as_of_builds_per_hour=0)
    archive = Archive(settings.archive_dir)
    current = {v.notice: v.sha256 for v in archive.latest_by_notice().values()}
    refused = PastGraphs(settings, current)
    assert refused.executor("2999-01-01") is None  # today's versions: the current graph
    with pytest.raises(Busy) as busy:
        refused.executor("2026-06-01")
    assert busy.value.retry_after > 3000 and "FLOWGRAPH_AS_OF_BUILDS_PER_HOUR" in str(busy.value)
    allowed = PastGraphs(settings.model_copy(update={"as_of_builds_per_hour": 1}), current)
    try:
        allowed.building.acquire()  # a build in flight: the next is told to come back
        with pytest.raises(Busy, match="another past graph is being built"):
            allowed.executor("2026-06-01")
        allowed.building.release()
        key, executor = allowed.executor("2026-06-01")
        assert executor.run  # a worker over the past graph, held open
        assert allowed.executor("2026-06-01")[0] == key  # built and open: no second build
    finally:
        allowed.close()


def test_a_notice_removed_from_the_workspace_leaves_the_graph_as_of_its_removal(changed):
    """Its removal is a row of the history: the graph as of today no longer has it; as of
    before, it does; diff lists every fact of it removed."""
    settings = Settings(home=changed)
    manifest = changed / "notices" / "manifest.csv"
    header = manifest.read_text(encoding="utf-8").splitlines()[0]
    manifest.write_text(header + "\n", encoding="utf-8")
    (changed / "notices" / f"{NOTICE}.md").unlink()
    _run("build", code=2)  # nothing left to build: the graph stays, the archive too
    shutil.copy(PROJECT_ROOT / "data" / "notices" / "leeds-city-council-general.txt", changed / "notices")  # fmt: skip
    manifest.write_text(header + "\nleeds-city-council-general.txt,Leeds City Council,,,,,\n", encoding="utf-8")  # fmt: skip
    _run("build")
    [*_, removal] = Archive(settings.archive_dir).versions(NOTICE)
    assert removal.removed and removal.sha256 == ""
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    gone = _run("query", RECIPIENTS, "-p", "controller=Exampleton Borough Council", "--as-of", today, code=2)  # fmt: skip
    assert "no controller called 'Exampleton Borough Council' in this graph" in " ".join(gone.output.split())  # fmt: skip
    assert _recipient_labels(changed, "--as-of", "2026-06-01") == {
        "HM Revenue and Customs", "Police", "Department for Work and Pensions"}  # fmt: skip
    [entry] = json.loads(_run("diff", "--since", "2026-06-01", "--controller", "Exampleton Borough Council", "--format", "json").stdout)  # fmt: skip
    assert {c["change"] for s in entry["services"] for c in s["changes"]} == {"removed"}


def test_a_row_torn_by_a_crash_is_ignored_and_cut_off(tmp_path):
    archive = Archive(tmp_path)
    archive.add(b"one", Version("a", "2026-01-01T00:00:00Z", "", ".txt"))
    with archive.log.open("a", encoding="utf-8") as f:
        f.write("b,2026-01-02T00:00")  # the crash: no end of line
    assert [v.notice for v in Archive(tmp_path).versions()] == ["a"]
    Archive(tmp_path).add(b"two", Version("c", "2026-01-03T00:00:00Z", "", ".txt"))
    assert [v.notice for v in Archive(tmp_path).versions()] == ["a", "c"]
    assert "2026-01-02T00:00" not in archive.log.read_text(encoding="utf-8")
