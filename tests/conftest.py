"""Shared fixtures: the real notices, extracted once, and one full build in a temporary directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from ports import free_port
from virtuoso_server import Virtuoso, start_virtuoso

from flowgraph.build import build
from flowgraph.ingest.manifest import read_manifest
from flowgraph.pipeline import Extractor
from flowgraph.settings import PROJECT_ROOT, Settings

NOTICES = PROJECT_ROOT / "data" / "notices"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(build_dir=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def extractions(settings: Settings) -> dict[str, object]:
    extractor = Extractor(settings)
    sources, problems = read_manifest(NOTICES / "manifest.csv")
    assert problems == []
    extractor.register_controllers(sources)
    return {source.path.name: extractor.extract(source) for source in sources}


@pytest.fixture(scope="session")
def built(settings: Settings):
    return build(settings)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Seed notices plus one whose recipient is an HTML injection attempt, built and served."""
    root = tmp_path_factory.mktemp("serve")
    notices = root / "notices"
    shutil.copytree(PROJECT_ROOT / "data" / "notices", notices)
    shutil.copy(
        PROJECT_ROOT / "tests" / "data" / "layouts" / "northbrook-council-tax.html", notices
    )
    with (notices / "manifest.csv").open("a") as f:
        f.write("northbrook-council-tax.html,Northbrook District Council,Council Tax,,,,,\n")
    env = {
        **os.environ,
        "FLOWGRAPH_BUILD_DIR": str(root / "build"),
        "FLOWGRAPH_QUERY_TIMEOUT": "3",
        "FLOWGRAPH_MAX_RESULTS": "5000",
    }
    subprocess.run(
        [sys.executable, "-m", "flowgraph", "build", str(notices)],
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flowgraph", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/sparql", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError((root / "server.log").read_text())
    client = httpx.Client(base_url=base, timeout=30)
    yield client, root / "server.log"
    client.close()
    process.terminate()
    process.wait(timeout=10)


OADBY = "oadby-and-wigston-borough-council-general"
COURTS = "This is often because we need to give that data to courts, including:"
HOME_OFFICE = "We share your information with the Home Office to check immigration status."


def edit_notice(notices: Path, stem: str, old: str, new: str) -> None:
    path = notices / f"{stem}.txt"
    text = path.read_text(encoding="utf-8")
    assert old in text, (stem, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="session")
def changes_server(tmp_path_factory):
    """The seed notices built, served, then one notice changed (the Home Office added as a
    recipient, the courts removed) and built again under the server: yields the client, the
    workspace and what /changes and /api/changes answered before the change (the empty state)."""
    from serving import run_build, serving

    root = tmp_path_factory.mktemp("changes")
    notices = root / "notices"
    shutil.copytree(NOTICES, notices)
    manifest = notices / "manifest.csv"
    rows = manifest.read_text(encoding="utf-8").splitlines()
    # the manifest's checksums would refuse an edited notice: blank them
    manifest.write_text("\n".join([rows[0], *(r.rsplit(",", 1)[0] + "," for r in rows[1:])]) + "\n")
    env = {"FLOWGRAPH_BUILD_DIR": str(root / "build"), "FLOWGRAPH_RELOAD_INTERVAL": "0.2"}
    run_build(env, notices)
    with serving(env, root / "server.log") as (client, _):
        empty = {
            "page": client.get("/changes", headers={"Accept": "text/html"}),
            "api": client.get("/api/changes"),
        }
        edit_notice(notices, OADBY, COURTS, COURTS.replace("courts", "others"))
        edit_notice(notices, OADBY, "We may still share", f"{HOME_OFFICE}\n\nWe may still share")
        run_build(env, notices)
        wait_for_changes(client, 1)
        yield {"client": client, "root": root, "env": env, "notices": notices, "empty": empty}


def wait_for_changes(client: httpx.Client, total: int, timeout: float = 60) -> dict:
    """The API's answer once the server serves `total` logged changes and the build that
    logged the latest (its notice pages show the new text: the server follows the build)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get("/api/changes").json()
        newest = answer["changes"][0] if answer["changes"] else {"services": []}
        quotes = [q for s in newest["services"] for c in s["changes"] for q in c["new"]]
        ready = answer["total"] >= total and all(q["page_shows_this_version"] for q in quotes)
        if ready or time.monotonic() > deadline:
            assert ready, answer
            return answer
        time.sleep(0.2)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory):
    """A Virtuoso server of the session's own, on loopback, with an empty temporary database."""
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


def virtuoso_settings(server: Virtuoso, build_dir: Path) -> Settings:
    return Settings(
        build_dir=build_dir,
        store=server.sparql_url,
        store_graph_store_url=server.graph_store_url,
        store_user=server.user,
        store_password=server.password,
        store_auth="digest",
    )


@pytest.fixture(scope="session")
def virtuoso_built(virtuoso: Virtuoso, tmp_path_factory: pytest.TempPathFactory):
    """The seed notices built into the session's Virtuoso (and a local snapshot beside it)."""
    settings = virtuoso_settings(virtuoso, tmp_path_factory.mktemp("virtuoso-build"))
    return settings, build(settings)


def service(extractions: dict, notice: str, name: str | None):
    found = [s for s in extractions[notice].services if s.service == name]
    assert len(found) == 1, [s.service for s in extractions[notice].services]
    return found[0]


def texts(items) -> list[str]:
    return [i.text for i in items]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


__all__ = ["NOTICES", "Path", "free_port", "service", "texts", "virtuoso_settings"]
