"""`--store URL`: build loads each notice's named graph into a real Virtuoso server, replacing it on
rebuild, and query, trace, dpia and serve run against it with the same answers as the embedded store.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

import httpx
import pytest
from conftest import NOTICES, free_port, virtuoso_settings

from flowgraph.build import build
from flowgraph.errors import StoreError
from flowgraph.query.library import load_library, run
from flowgraph.settings import PROJECT_ROOT, Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.base import open_store
from flowgraph.store.remote_load import state_path

LIBRARY = load_library(PROJECT_ROOT / "queries")
B = "https://w3id.org/flowgraph/id/"


def graph_sizes(settings: Settings, snapshot=None) -> dict[str, int]:
    """Triples per graph under the settings' graph namespace (the store may hold others)."""
    store = open_store(settings, snapshot)
    try:
        rows = run(store, LIBRARY["graph-sizes"])[1]
    finally:
        store.close()
    prefix = settings.base_iri + "graph/"
    return {r["g"]: r["triples"] for r in rows if r["g"].startswith(prefix)}


def local_sizes(settings: Settings) -> dict[str, int]:
    return graph_sizes(settings.model_copy(update={"store": "oxigraph"}))


@pytest.fixture
def own_namespace(virtuoso, tmp_path, request):
    """Settings for a build under a namespace of this test's own, whose graphs are dropped after.

    The session's main Virtuoso build (the default namespace) must stay untouched by these syncs.
    """
    base = f"https://example.org/{request.node.name.replace('_', '-')}/"
    settings = virtuoso_settings(virtuoso, tmp_path / "build").model_copy(update={"base_iri": base})
    yield settings
    auth = httpx.DigestAuth(virtuoso.user, virtuoso.password)
    for graph in graph_sizes(settings):
        httpx.delete(virtuoso.graph_store_url, params={"graph": graph}, auth=auth, trust_env=False)
    assert graph_sizes(settings) == {}


def test_build_loads_exactly_the_snapshot_graphs(virtuoso_built):
    settings, report = virtuoso_built
    remote = graph_sizes(settings)
    assert remote == local_sizes(settings)
    notice_graphs = {
        B + "graph/" + n
        for n in (
            r["id"] for r in snapshots.read_json(report.snapshot / "build.json")["notices_list"]
        )
    }
    assert set(remote) == notice_graphs | {B + "graph/vocabulary", B + "graph/entities", B + "graph/versions"}  # fmt: skip
    assert report.remote["graphs sent"] == len(remote)
    assert report.remote["triples sent"] == sum(remote.values())


def _copy_notices(root):
    notices = root / "notices"
    shutil.copytree(NOTICES, notices)
    return notices


def test_rebuild_replaces_changed_graphs_and_deletes_removed_ones(
    virtuoso, virtuoso_built, own_namespace, tmp_path
):
    settings = own_namespace
    graph = settings.base_iri + "graph/"
    notices = _copy_notices(tmp_path)
    first = build(settings, [notices])
    assert first.remote["graphs deleted"] == 0
    assert build(settings, [notices]).remote == {
        "graphs sent": 0, "graphs deleted": 0, "graphs unchanged": first.remote["graphs sent"],
        "triples sent": 0,
    }  # fmt: skip

    general = notices / "leicester-city-council-general.txt"
    general.write_text(
        general.read_text(encoding="utf-8").replace("Cabinet Office", "Cabinet Office Unit"),
        encoding="utf-8",
    )
    manifest = notices / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    digest = hashlib.sha256(general.read_bytes()).hexdigest()
    manifest.write_text(
        "".join(
            re.sub(r"[0-9a-f]{64}", digest, line) if line.startswith(general.name) else line
            for line in lines
            if not line.startswith("oadby")
        ),
        encoding="utf-8",
    )
    third = build(settings, [notices])
    assert third.problems == []
    # the changed notice, the shared entities graph and the versions graph (a new version)
    assert third.remote["graphs sent"] == 3
    assert third.remote["graphs deleted"] == 1
    remote = graph_sizes(settings)
    assert remote == local_sizes(settings)
    assert graph + "oadby-and-wigston-borough-council-general" not in remote
    assert graph + "leeds-city-council-general" in remote
    ours = [
        r
        for r in run(open_store(settings), LIBRARY["flows"])[1]
        if r["controller"].startswith(settings.base_iri)
    ]
    assert any("Cabinet Office Unit" in r["quote"] for r in ours)
    assert "oadby-and-wigston-borough-council-general.txt" not in {r["notice"] for r in ours}

    # Without the state file (say, another machine built last), a sync removes graphs nobody built.
    stray = graph + "stray"
    answer = httpx.put(
        virtuoso.graph_store_url, params={"graph": stray}, content=b"<urn:a> <urn:b> <urn:c> .\n",
        headers={"Content-Type": "application/n-triples"},
        auth=httpx.DigestAuth(virtuoso.user, virtuoso.password), trust_env=False,
    )  # fmt: skip
    assert answer.status_code in (200, 201, 204)
    state_path(settings).unlink()
    assert stray in graph_sizes(settings)
    fourth = build(settings, [notices])
    assert fourth.remote["graphs deleted"] == 1
    assert graph_sizes(settings) == local_sizes(settings)
    # The session's main Virtuoso build (default namespace) is still all there.
    assert B + "graph/oadby-and-wigston-borough-council-general" in graph_sizes(
        settings.model_copy(update={"base_iri": B})
    )


def _subset(notices, names):
    manifest = notices / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    manifest.write_text(
        lines[0] + "".join(line for line in lines[1:] if line.split(",")[0] in names),
        encoding="utf-8",
    )


def test_loading_through_sparql_update_replaces_graphs(virtuoso, own_namespace, tmp_path):
    """Stores without the Graph Store Protocol are loaded with DROP + INSERT DATA in chunks."""
    settings = own_namespace.model_copy(
        update={
            "store_graph_store_url": None,
            "store_update_url": virtuoso.update_url,
        }
    )
    notices = _copy_notices(tmp_path)
    leeds, areas = "leeds-city-council-general.txt", "leicester-city-council-service-areas.txt"
    _subset(notices, {leeds, areas})
    first = build(settings, [notices])
    remote = graph_sizes(settings)
    assert remote == local_sizes(settings)
    assert max(remote.values()) > 10_000  # the service-areas graph goes in several INSERT DATA
    assert (
        first.remote["graphs sent"] == len(remote) == 5
    )  # 2 notices, entities, vocabulary, versions
    _subset(notices, {leeds})
    second = build(settings, [notices])
    assert second.remote["graphs deleted"] == 1
    assert graph_sizes(settings) == local_sizes(settings)


def test_a_store_error_names_the_graph_and_keeps_the_previous_graph(virtuoso, own_namespace):
    # Virtuoso's SPARQL compiler cannot create xsd:duration literals in INSERT DATA (its Graph
    # Store Protocol loader can): the build stops, names the graph, and publishes nothing.
    settings = own_namespace
    build(settings)
    before = snapshots.current(settings.output_dir)
    through_update = settings.model_copy(
        update={"store_graph_store_url": None, "store_update_url": virtuoso.update_url}
    )
    with pytest.raises(StoreError, match=r"load graph <.*children-and-family-services>.*duration"):
        build(through_update, incremental=False)
    assert snapshots.current(settings.output_dir) == before
    assert not state_path(through_update).exists()  # the next build re-sends every graph


def test_refused_credentials_fail_clearly_and_keep_the_previous_graph(own_namespace):
    settings = own_namespace
    build(settings)
    before = snapshots.current(settings.output_dir)
    wrong = settings.model_copy(update={"store_password": None, "store_user": "nobody"})
    with pytest.raises(StoreError, match="refused"):
        build(wrong, incremental=False)
    assert snapshots.current(settings.output_dir) == before


def _cli(args, env, cwd):
    return subprocess.run(
        [sys.executable, "-m", "flowgraph", *args], env={**os.environ, **env}, cwd=cwd,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_cli_trace_query_and_dpia_answer_the_same_from_virtuoso(
    virtuoso, virtuoso_built, built, settings, tmp_path
):
    # No local build at all on the remote side: everything comes from the external store.
    remote_env = {**virtuoso.environment(), "FLOWGRAPH_BUILD_DIR": str(tmp_path / "empty")}
    local_env = {"FLOWGRAPH_BUILD_DIR": str(settings.output_dir)}
    housing = f"service={B}org/leicester-city-council/service/housing"
    commands = [
        ["trace", "--from", "Leicester City Council", "--format", "json"],
        ["query", "recipients-of-service", "-p", housing, "--format", "json"],
        ["dpia", "--from", "Leicestershire County Council", "-o", "{out}/dpia.md"],
    ]
    for command in commands:
        outputs = []
        for name, env in (("local", local_env), ("remote", remote_env)):
            out = tmp_path / name
            out.mkdir(exist_ok=True)
            result = _cli([c.replace("{out}", str(out)) for c in command], env, tmp_path)
            assert result.returncode == 0, (command, name, result.stderr)
            outputs.append(result.stdout if command[0] != "dpia" else (out / "dpia.md").read_text())
        if command[0] == "trace":
            assert len(json.loads(outputs[0])) > 100
        assert outputs[0] == outputs[1], command


def test_serve_answers_from_virtuoso(virtuoso, virtuoso_built, tmp_path):
    port = free_port()
    env = {**os.environ, **virtuoso.environment(), "FLOWGRAPH_BUILD_DIR": str(tmp_path / "empty")}
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flowgraph", "serve", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/sparql", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise AssertionError((tmp_path / "serve.log").read_text())
        client = httpx.Client(base_url=base, timeout=60, trust_env=False)
        select = client.get(
            "/sparql",
            params={"query": "PREFIX fg: <https://w3id.org/flowgraph/ns#> "
                    "SELECT (COUNT(?f) AS ?n) WHERE { ?f a fg:Flow }"},
            headers={"Accept": "application/sparql-results+json"},
        )  # fmt: skip
        assert select.status_code == 200
        flows = int(select.json()["results"]["bindings"][0]["n"]["value"])
        assert flows == len(run(open_store(virtuoso_built[0]), LIBRARY["flows"])[1])
        ask = client.post(
            "/sparql", data={"query": f"ASK {{ <{B}org/hmrc> ?p ?o }}"},
            headers={"Accept": "application/sparql-results+json"},
        )  # fmt: skip
        assert ask.json() == {"head": {}, "boolean": True}
        construct = client.get(
            "/sparql",
            params={
                "query": f"CONSTRUCT {{ <{B}org/hmrc> ?p ?o }} WHERE {{ <{B}org/hmrc> ?p ?o }}"
            },
            headers={"Accept": "application/n-triples"},
        )
        assert construct.status_code == 200
        assert '"HM Revenue and Customs"' in construct.text
        refused = client.post("/sparql", data={"update": "DROP ALL"})
        assert refused.status_code in (403, 415)
        api = client.get(
            "/api/queries/recipients-of-service",
            params={"service": f"{B}org/leicester-city-council/service/housing"},
        )
        assert api.status_code == 200 and len(api.json()["rows"]) >= 16
        page = client.get("/id/org/hmrc", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "HM Revenue and Customs" in page.text
        assert (
            f"{B}graph/vocabulary" in client.get("/sparql", headers={"Accept": "text/turtle"}).text
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_completeness_and_ropa_are_the_same_on_virtuoso(virtuoso_built, built, settings):
    from flowgraph.report.completeness import check
    from flowgraph.report.ropa import ropa_rows

    remote = open_store(virtuoso_built[0])
    local = open_store(settings)
    local_checks, remote_checks = check(local, LIBRARY), check(remote, LIBRARY)
    assert [(r.activity, r.findings, r.flags) for r in remote_checks] == [
        (r.activity, r.findings, r.flags) for r in local_checks
    ]
    assert sum(len(r.flags) for r in local_checks) > 5
    assert [r.flat() for r in ropa_rows(remote, LIBRARY)] == [
        r.flat() for r in ropa_rows(local, LIBRARY)
    ]
