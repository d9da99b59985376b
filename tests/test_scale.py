"""Synthetic corpora: parsed by the real loader, deterministic, and rebuilt incrementally."""

from __future__ import annotations

import hashlib
import os
import time

from flowgraph.build import build
from flowgraph.report.export import export_graph
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.base import open_store
from flowgraph.synth.corpus import write_corpus

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
FLOWS = "SELECT (COUNT(?f) AS ?n) WHERE { ?f a <https://w3id.org/flowgraph/ns#Flow> }"


def digest(settings: Settings) -> str:
    return hashlib.sha256(
        export_graph(snapshots.nquads_files(snapshots.current(settings.output_dir)), "nquads")
    ).hexdigest()


def test_synthetic_corpus_is_deterministic_and_read_by_the_loader(tmp_path):
    assert write_corpus(tmp_path / "a", councils=3, seed=7, services_per_council=10) == 30
    write_corpus(tmp_path / "b", councils=3, seed=7, services_per_council=10)
    assert sorted(p.read_bytes() for p in (tmp_path / "a").iterdir()) == sorted(
        p.read_bytes() for p in (tmp_path / "b").iterdir()
    )
    first, second = (
        Settings(build_dir=tmp_path / "build-a"),
        Settings(build_dir=tmp_path / "build-b"),
    )
    report = build(first, [tmp_path / "a"])
    build(second, [tmp_path / "b"])
    assert report.notices == 30 and report.flows > 60 and report.problems == []
    assert digest(first) == digest(second)  # byte-identical exports


def test_incremental_rebuild_replaces_only_what_changed(tmp_path):
    corpus = tmp_path / "notices"
    write_corpus(corpus, councils=2, seed=3, services_per_council=20)
    # the history differs by design (two texts of c000-s00 seen, one): the facts are compared
    incremental = Settings(build_dir=tmp_path / "inc", keep_history=False)
    full = Settings(build_dir=tmp_path / "full", keep_history=False)
    build(incremental, [corpus])
    changed = corpus / "c000-s00.txt"
    changed.write_text(changed.read_text().replace("Police", "Ashford Police"), encoding="utf-8")
    (corpus / "c001-s05.txt").unlink()
    manifest = corpus / "manifest.csv"
    manifest.write_text(
        "".join(
            line
            for line in manifest.read_text().splitlines(keepends=True)
            if "c001-s05.txt" not in line
        )
    )
    report = build(incremental, [corpus])
    assert report.reused == 38 and report.notices == 39
    build(full, [corpus], incremental=False)
    assert digest(incremental) == digest(full)
    for settings in (incremental, full):
        store = open_store(settings)
        assert store.select(COUNT)[1] == open_store(full).select(COUNT)[1]
        assert store.select(FLOWS)[1][0]["n"] == report.flows
    entities = "SELECT ?s ?p ?o WHERE { GRAPH <https://w3id.org/flowgraph/id/graph/entities> { ?s ?p ?o } }"
    patched, rebuilt = (
        open_store(incremental).select(entities)[1],
        open_store(full).select(entities)[1],
    )
    assert sorted(map(repr, patched)) == sorted(map(repr, rebuilt)) and len(patched) > 100
    ashford = "SELECT ?f WHERE { ?f <https://w3id.org/flowgraph/ns#to> <https://w3id.org/flowgraph/id/org/ashford-police> }"
    assert len(open_store(incremental).select(ashford)[1]) == 1


def test_parallel_build_of_a_larger_corpus_is_byte_identical(tmp_path, monkeypatch):
    """600 notices read by parallel worker processes, twice, and once in one process: whichever
    worker reads which notice first, the export is the same bytes."""
    import flowgraph.build as build_module

    write_corpus(tmp_path / "notices", councils=15, seed=11)
    builds = [Settings(build_dir=tmp_path / name) for name in ("par-a", "par-b", "sequential")]
    report = build(builds[0], [tmp_path / "notices"])
    build(builds[1], [tmp_path / "notices"])
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 10**9)
    build(builds[2], [tmp_path / "notices"])
    assert report.notices == 600 and report.problems == []
    assert digest(builds[0]) == digest(builds[1]) == digest(builds[2])


def test_rebuilds_share_graph_files_and_prune_the_rest(tmp_path):
    """Unchanged notices are recognised by size and time (or, when only the time changed, by
    their bytes); their graph files are shared with the previous snapshot, and files that no
    kept snapshot lists are removed."""
    corpus = tmp_path / "notices"
    write_corpus(corpus, councils=2, seed=5, services_per_council=10)
    old = time.time() - 3600
    for path in corpus.iterdir():
        os.utime(path, (old, old))
    settings = Settings(build_dir=tmp_path / "build")
    assert build(settings, [corpus]).reused == 0
    touched = corpus / "c001-s02.txt"
    os.utime(touched, None)  # a new time, the same bytes
    assert build(settings, [corpus]).reused == 20
    changed = corpus / "c000-s03.txt"
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace("Police", "POLICE", 1), encoding="utf-8")  # same size
    assert changed.stat().st_size == len(text.encode())
    first = build(settings, [corpus])
    assert first.reused == 19
    second = build(settings, [corpus])
    assert second.reused == 20
    pool = settings.output_dir / snapshots.POOL
    listed = set((second.snapshot / snapshots.GRAPH_LIST).read_text().split())
    assert {path.name for path in pool.iterdir()} == listed and len(listed) == 40
    assert snapshots.graph_files(second.snapshot) == sorted(pool / name for name in listed)
