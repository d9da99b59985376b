"""The benchmark harness: targets judged from the figures of one run, and a small real run.

Timing targets are met in benchmarks, never asserted here; these tests only keep the harness
honest (each target computed from the right figures, marked met / NOT met at the boundary) and
working end to end on a tiny corpus.
"""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import parse_qs

import pytest

from benchmarks.run import table, targets
from flowgraph.settings import PROJECT_ROOT


def figures(councils: int, **changes) -> dict:
    base = {
        "councils": councils,
        "notices": councils * 40,
        "quads": councils * 10_000,
        "store_mb": 1.0,
        "build_s": 30.0,
        "build_peak_mb": 500.0,
        "load_nquads_s": 10.0,
        "incremental_s": 0.6,
        "trace_s": 0.99,
        "viz_s": 2.0,
        "viz_page_mb": 4.99,
        "serve_peak_mb": 150.0,
        "memory_serve_peak_mb": 250.0,
        "bare_store_mb": 100.0,
        "queries": {
            "flows": {"median_s": 1.5, "p95_s": 1.6, "bare_median_s": 1.0},
            "recipients-ranked": {"median_s": 0.2, "p95_s": 0.2, "bare_median_s": 0.2},
        },
        "http": {
            "flows": {
                "oxigraph": {"rps": 50.0},
                "oxigraph-memory": {"rps": 80.0},
                "rdflib": {"rps": 5.0},
            },
            "flow-edges": {
                "oxigraph": {"rps": 40.0},
                "oxigraph-memory": {"rps": 41.0},
                "rdflib": {"rps": 4.1},
            },
        },
    }
    return base | changes


def by_name(checks: list[dict]) -> dict[str, dict]:
    return {c["name"].split(" at ")[0].split(" (")[0]: c for c in checks}


def test_targets_at_their_boundaries():
    checks = by_name(targets([figures(50), figures(400, http={})]))
    assert {name: (c["value"], c["met"]) for name, c in checks.items()} == {
        "full build": (3.0, True),
        "incremental rebuild after one changed notice": ("2.0%", True),
        "slowest library query": (1.5, True),
        "every library query through flowgraph vs bare pyoxigraph": (1.5, True),
        "peak memory of serve": (1.5, True),
        "peak memory of serve --store oxigraph-memory": (2.5, False),
        # throughput is judged at the largest size that measured the rdflib endpoint (50 here)
        "endpoint throughput": (9.8, False),
        "endpoint throughput --store oxigraph-memory": (10.0, True),
        "trace of one council by name, 4 hops,": (0.99, True),
        "viz of one council by name": (2.0, False),
        "viz page size": (4.99, True),
    }
    assert "lowest ratio: flow-edges" in next(
        c["name"] for c in targets([figures(50)]) if "throughput" in c["name"]
    )


def test_targets_name_the_largest_corpus_and_fail_past_the_limits():
    slow = figures(400, build_s=30.1, incremental_s=0.7, serve_peak_mb=151.0, trace_s=1.0)
    slow["queries"]["flows"]["median_s"] = 1.51
    checks = targets([figures(50), slow])
    assert all(
        "400 councils" in c["name"]
        for c in checks
        if "councils" in c["name"]
        and not c["name"].startswith(("endpoint throughput", "trace", "viz"))
    )
    # trace and viz: at 50 and at 400 councils (issue 17)
    assert [c["met"] for c in checks if c["name"].startswith("trace")] == [True, False]
    named = by_name(checks)
    for name in ("full build", "incremental rebuild after one changed notice", "peak memory of serve",
                 "trace of one council by name, 4 hops,", "slowest library query",
                 "every library query through flowgraph vs bare pyoxigraph"):  # fmt: skip
        assert named[name]["met"] is False, name
    assert "endpoint throughput" in named  # measured at 50, still reported
    assert not any("throughput" in c["name"] for c in targets([figures(400, http={})]))


def test_table_marks_each_target():
    results = [figures(50)]
    checks = targets(results)
    text = table(results, checks)
    for check in checks:
        verdict = "met" if check["met"] else "NOT met"
        assert f"| {check['name']} | {check['value']} | {check['target']} | {verdict} |" in text
    assert "| flows | 1.5000 | 1.6000 | 1.0000 | 1.50 | — |" in text


def test_a_small_run_end_to_end(tmp_path):
    """The whole harness on one council: real build, queries, trace, viz, endpoint and JSON."""
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--councils", "1", "--repeat", "1",
         "--rdflib-max", "0", "--http-max", "0", "--json", str(out)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(out.read_text())
    (result,) = report["results"]
    assert result["councils"] == 1 and result["notices"] == 40
    assert result["quads"] > 5000 and result["build_s"] > 0 and result["load_nquads_s"] > 0
    assert {"flows", "flow-edges", "sharing-chains"} <= result["queries"].keys()
    assert all(q["median_s"] > 0 and q["bare_median_s"] > 0 for q in result["queries"].values())
    assert len(result["http"]) == 3
    for load in result["http"].values():
        for backend in ("oxigraph", "oxigraph-memory"):
            assert load[backend]["failures"] == 0 and load[backend]["completed"] == 64
        assert load["oxigraph"]["rows"] == load["oxigraph-memory"]["rows"]
    # issue 17: the default serve against the physical reference, a warm request, CLI start-up
    backend = result["serve_backend"]
    assert backend in ("oxigraph", "oxigraph-memory")
    assert all(backend in load for load in result["http"].values())
    assert result["c1"].keys() == result["queries"].keys()
    for row in result["c1"].values():
        assert row["reference_s"] > 0 and row["http_c1_s"] > 0 and "errors" not in row
    assert len(result["warm"]) == 3
    assert all(w["p50_ms"] > 0 and w["first_status"] == 200 for w in result["warm"].values())
    assert 0 < result["cli_startup_s"] < result["build_s"]
    assert report["run"]["command"].startswith("python -m benchmarks --councils 1")
    assert any(t["name"].startswith("endpoint latency") for t in report["targets"])
    assert {t["name"].split(" at ")[0] for t in report["targets"]} >= {
        "full build",
        "viz page size (MB)",
    }
    assert all(isinstance(t["met"], bool) for t in report["targets"])
    assert "| target | value | target | met |" in run.stdout


# ---------------------------------------------------------------------------- issue 17's figures
def endpoint_figures(councils: int, **changes) -> dict:
    """`figures` plus what issue 17 adds: CLI start-up, the endpoint at concurrency 1 against
    the physical reference, a warm request, and the backend `serve` chose by default."""
    base = figures(councils)
    base.update(
        cli_startup_s=0.3,
        serve_backend="oxigraph",
        c1={
            "flows": {
                "reference_s": 0.1,
                "http_c1_s": 0.15,
                "first_s": 0.2,
                "ratio": 1.5,
                "runs": 5,
            },
            "recipients-ranked": {
                "reference_s": 0.01,
                "http_c1_s": 0.012,
                "first_s": 0.02,
                "ratio": 1.2,
                "runs": 5,
            },
        },
        warm={
            "flows": {
                "p50_ms": 5.0,
                "first_ms": 150.0,
                "method": "GET",
                "etag": False,
                "statuses": {"200": 21},
                "first_status": 200,
            },
        },
    )
    return base | changes


def test_issue_17_targets_at_their_boundaries():
    checks = targets([endpoint_figures(5), endpoint_figures(50), endpoint_figures(400, http={})])
    names = [c["name"] for c in checks]
    # the CLI start-up ratio at every size: 0.6 s incremental / 0.3 s start-up = 2.0x
    startup = [c for c in checks if "CLI start-up" in c["name"]]
    assert [c["value"] for c in startup] == [2.0, 2.0, 2.0] and all(c["met"] for c in startup)
    assert any("at 5 councils vs CLI start-up" in n for n in names)
    # the endpoint, trace and viz are judged at 50 and 400, not at 5
    for what in ("endpoint latency (default, on disk)", "warm (repeated) request", "trace of one council", "viz of one council"):  # fmt: skip
        judged = [n for n in names if n.startswith(what)]
        assert (
            len(judged) == 2 and "at 50 councils" in judged[0] and "at 400 councils" in judged[1]
        ), what
    c1 = next(c for c in checks if c["name"].startswith("endpoint latency"))
    assert (c1["value"], c1["met"]) == (1.5, True) and "highest ratio: flows" in c1["name"]
    warm = next(c for c in checks if c["name"].startswith("warm"))
    assert (warm["value"], warm["met"]) == (5.0, True)
    # the default serve is named as such; the other backend by its option
    assert any(n.startswith("endpoint throughput (default, on disk) at 50 councils") for n in names)
    assert any(n.startswith("endpoint throughput --store oxigraph-memory at 50") for n in names)


def test_issue_17_targets_fail_past_the_limits():
    slow = endpoint_figures(50, cli_startup_s=0.19, serve_backend="oxigraph-memory")
    slow["c1"]["flows"] |= {"ratio": 1.51}
    slow["warm"]["flows"] |= {"p50_ms": 5.01}
    slow["c1"]["recipients-ranked"]["errors"] = ["500: boom"]
    checks = {c["name"]: c for c in targets([slow])}
    failed = {name.split(" at ")[0].split(" (")[0] for name, c in checks.items() if not c["met"]}
    assert {"incremental rebuild after one changed notice", "endpoint latency", "warm", "viz of one council by name"} <= failed  # fmt: skip
    c1 = next(name for name in checks if name.startswith("endpoint latency (default, in memory)"))
    assert "not 200: recipients-ranked" in c1
    # with the in-memory store as serve's default, its throughput and memory carry the label
    assert any(n.startswith("endpoint throughput (default, in memory)") for n in checks)
    assert any(n.startswith("peak memory of serve (default, in memory)") for n in checks)


def test_table_shows_the_reference_and_warm_request():
    results = [endpoint_figures(50)]
    text = table(results, targets(results))
    assert "| flows | 0.1000 | 0.1500 | 0.2000 | 1.50 | 5 |" in text
    assert "| 50 | flows | 5.0 | 150.0 | GET | no | 21 × 200 |" in text
    assert "| 50 | flows | on disk * | 50.0 |" in text  # the store serve chose by default


def test_report_regenerates_the_readme_tables_from_a_json(tmp_path, capsys):
    from benchmarks.report import END, START
    from benchmarks.report import main as report

    results = [endpoint_figures(5), endpoint_figures(50)]
    document = {
        "machine": {"cpus": 2},
        "run": {"command": "python -m benchmarks --councils 5,50", "commit": "abc1234",
                "dirty": False, "date": "2026-12-02 12:00 UTC"},
        "results": results,
        "targets": targets(results),
    }  # fmt: skip
    record = tmp_path / "run.json"
    record.write_text(json.dumps(document))
    readme = tmp_path / "README.md"
    readme.write_text(f"# Before\n\n{START}\nstale, typed by hand\n{END}\n\n## After\n")
    assert report([str(record), "--readme", str(readme), "--check"]) == 1
    assert readme.read_text().count("stale") == 1  # --check writes nothing
    assert report([str(record), "--readme", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("# Before\n\n" + START + "\n") and text.endswith(END + "\n\n## After\n")
    assert "stale" not in text and "commit abc1234" in text and "sizes completed: 5, 50" in text
    assert "Query latency at 5 councils" in text and "Query latency at 50 councils" in text
    for check in document["targets"]:
        verdict = "met" if check["met"] else "NOT met"
        assert f"| {check['name']} | {check['value']} | {check['target']} | {verdict} |" in text
    assert report([str(record), "--readme", str(readme), "--check"]) == 0  # idempotent
    assert report([str(record), "--readme", str(readme)]) == 0 and readme.read_text() == text
    readme.write_text("no markers\n")
    with pytest.raises(ValueError, match="run-of-record"):
        report([str(record), "--readme", str(readme)])


def test_the_committed_run_of_record_matches_the_readme():
    from benchmarks.report import README, RECORD
    from benchmarks.report import main as report

    assert RECORD.exists() and "<!-- run-of-record:start -->" in README.read_text()
    assert report([str(RECORD), "--check"]) == 0, "run `python -m benchmarks report`"


def test_reference_runs_and_serializes_on_the_server_s_store(built):
    """The physical reference on a small build: the on-disk store and the N-Quads loaded into
    memory answer the same library query with the same SPARQL JSON rows."""
    from benchmarks.reference import reference_store, run_and_serialize
    from benchmarks.run import LIBRARY
    from flowgraph.store import snapshot as snapshots

    snapshot = built.snapshot
    files = snapshots.nquads_files(snapshot)
    text = LIBRARY["recipients-ranked"].text
    answers = []
    for backend in ("oxigraph", "oxigraph-memory"):
        store = reference_store(snapshot, files, backend)
        document = json.loads(run_and_serialize(store, text))
        answers.append(
            sorted(json.dumps(b, sort_keys=True) for b in document["results"]["bindings"])
        )
        del store
    assert answers[0] and answers[0] == answers[1]


def test_served_backend_follows_the_request_then_the_log():
    from benchmarks.reference import served_backend

    assert served_backend("", "oxigraph-memory") == "oxigraph-memory"
    assert (
        served_backend("loading the build into memory (oxigraph-memory)", None) == "oxigraph-memory"
    )
    assert served_backend("flowgraph endpoint on http://127.0.0.1:1/", None) == "oxigraph"


def test_cold_requests_are_each_unique_and_warm_requests_conditional():
    import httpx

    from benchmarks.reference import compare_to_reference, warm_request
    from benchmarks.run import interleaved

    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            seen.append(parse_qs(request.content.decode())["query"][0])
            return httpx.Response(200, json={"head": {"vars": []}, "results": {"bindings": []}})
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, headers={"ETag": '"v1"'}, json={})

    class Store:
        def query(self, text, **_):
            class Result:
                def serialize(self, format):
                    return b"{}"

            assert not text.startswith("#")  # the reference runs the text without the comment
            return Result()

    rows = compare_to_reference("http://test", Store(), {"q": "ASK {}"}, 3, interleaved,
                                transport=httpx.MockTransport(answer))  # fmt: skip
    assert rows["q"]["runs"] == 3 and "errors" not in rows["q"]
    assert len(seen) == 3 and len(set(seen)) == 3 and all(s.endswith("\nASK {}") for s in seen)
    warm = warm_request("http://test", "ASK {}", repeat=5, transport=httpx.MockTransport(answer))
    assert warm["etag"] and warm["statuses"] == {"304": 5} and warm["method"] == "GET"


def test_history_section_logs_one_change_per_rebuild(tmp_path):
    """`python -m benchmarks history` on a tiny corpus: both workspaces rebuilt, every rebuild
    with history recorded one version and one change (the figure's premise), the ratio computed."""
    out = tmp_path / "history.json"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "history", "--councils", "2", "--repeat", "2", "--json", str(out)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["changes_logged"] == 2
    medians = result["incremental_s"]
    assert result["ratio"] == pytest.approx(medians["history"] / medians["none"], abs=0.002)
    assert "ratio" in run.stdout and "target <= 1.2x" in run.stdout


def test_a_refused_answer_is_no_warm_figure_and_the_floor_is_named():
    figures_50 = endpoint_figures(50, http_floor_ms=1.8)
    figures_50["warm"]["flow-edges"] = figures_50["warm"]["flows"] | {
        "p50_ms": 4000.0,
        "statuses": {"422": 21},
        "first_status": 422,
    }
    checks = targets([figures_50])
    warm = next(c for c in checks if c["name"].startswith("warm"))
    assert (warm["value"], warm["met"]) == (5.0, True) and "slowest: flows" in warm["name"]
    c1 = next(c for c in checks if c["name"].startswith("endpoint latency"))
    assert "a cold ASK {} takes 1.8 ms" in c1["name"]
    assert "highest ratio: flows, 100.00 ms in process" in c1["name"]
