"""One error contract: each exit code from a real case on the command line, and the same mapping
on HTTP from a real server (JSON for /api/*, an HTML page in the site's layout for a browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from ports import free_port
from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.errors import (
    BadInput,
    Findings,
    FlowgraphError,
    NotFound,
    Unprocessable,
    exit_code,
    http_status,
)
from flowgraph.settings import PROJECT_ROOT

runner = CliRunner()
FAULTY = Path(__file__).parent / "faulty.py"


def flat(text: str) -> str:
    """Output as one line: rich wraps long messages at the terminal's width (in a box for usage
    errors)."""
    return " ".join(text.translate(str.maketrans("", "", "│╭╮╰╯─")).split())


HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def graph(built, settings, monkeypatch):
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(settings.output_dir))
    monkeypatch.delenv("FLOWGRAPH_DEBUG", raising=False)
    return settings


def test_the_tree_maps_once_to_exit_codes_and_statuses():
    assert [exit_code(e) for e in (BadInput("x"), NotFound("x"), Findings("x"))] == [2, 2, 1]
    assert exit_code(FlowgraphError("x")) == 2 and exit_code(RuntimeError("x")) == 3
    assert [http_status(e) for e in (BadInput("x"), NotFound("x"), Unprocessable("x"))] == [
        400,
        404,
        422,
    ]
    assert http_status(ZeroDivisionError()) == 500
    assert isinstance(NotFound("x"), KeyError) and str(NotFound("no such thing")) == "no such thing"


# ----------------------------------------------------------------------------- exit 2: bad input
@pytest.mark.parametrize("command", ["flows", "trace", "query", "check", "compare"])
def test_an_unknown_format_is_exit_2_listing_the_choices(graph, command):
    extra = {"trace": ["--from", "HMRC"], "query": ["flows"], "compare": ["a", "b"]}
    result = runner.invoke(app, [command, *extra.get(command, []), "--format", "xml"])
    assert result.exit_code == 2, result.output
    assert "'xml' is not one of" in flat(result.output)


def test_output_format_comes_from_the_extension_or_is_refused(graph, tmp_path):
    docx = runner.invoke(
        app, ["dpia", "--from", "Leeds City Council", "-o", str(tmp_path / "x.docx")]
    )
    assert docx.exit_code == 2
    assert "dpia writes .html, .md or .pdf files, not .docx" in flat(docx.output)
    assert not (tmp_path / "x.docx").exists()
    clash = runner.invoke(app, ["check", "-o", str(tmp_path / "c.json"), "--format", "md"])
    assert clash.exit_code == 2 and "--format md" in flat(clash.output)
    missing = runner.invoke(app, ["export", "-o", str(tmp_path / "nope" / "g.ttl")])
    assert missing.exit_code == 2 and "does not exist" in flat(missing.output)
    turtle = runner.invoke(app, ["export", "-o", str(tmp_path / "g.ttl")])
    assert turtle.exit_code == 0, turtle.output
    assert (tmp_path / "g.ttl").read_text().startswith("PREFIX")
    md = runner.invoke(app, ["check", "-o", str(tmp_path / "c.md")])
    assert md.exit_code == 1  # the findings of the sample notices
    assert (tmp_path / "c.md").read_text().startswith("#")
    viz = runner.invoke(app, ["viz", "-o", str(tmp_path / "map.png")])
    assert viz.exit_code == 2 and "viz writes .html files" in flat(viz.output)


def test_serve_refuses_zero_workers_at_once():
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "flowgraph", "serve", "--workers", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "--workers" in flat(result.stderr)
    assert time.monotonic() - started < 30


def test_serve_on_a_port_in_use_is_bad_input(built, settings):
    env = {
        **os.environ,
        "FLOWGRAPH_BUILD_DIR": str(settings.output_dir),
        "FLOWGRAPH_QUERY_WORKERS": "1",
    }
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "flowgraph", "serve", "--port", str(port)],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "address already in use" in result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in flat(result.stderr)


def test_hops_are_bounded(graph):
    result = runner.invoke(app, ["trace", "--from", "HMRC", "--max-hops", "0"])
    assert result.exit_code == 2 and "--max-hops" in flat(result.output)


# ----------------------------------------------------------------------------- exit 2: not found
def test_not_found_is_exit_2_with_a_message_and_no_traceback(graph):
    query = runner.invoke(app, ["query", "nosuch.rq"])
    assert query.exit_code == 2
    assert "no query file nosuch.rq" in flat(query.output) and "Traceback" not in flat(query.output)
    named = runner.invoke(app, ["query", "no-such-query"])
    assert named.exit_code == 2 and "no query 'no-such-query'" in flat(named.output)
    trace = runner.invoke(app, ["trace", "--from", "Atlantis"])
    assert trace.exit_code == 2 and "called 'Atlantis' in this graph" in flat(trace.output)
    notice = runner.invoke(app, ["check", "--notice", "nope.txt"])
    assert notice.exit_code == 2 and "no notice called 'nope.txt'" in flat(notice.output)


# ----------------------------------------------------------------------------- exit 1: findings
def test_a_finding_is_exit_1(graph):
    result = runner.invoke(app, ["check", "--notice", "leicester-city-council-service-areas.txt"])
    assert result.exit_code == 1
    assert "missing" in flat(result.output)


# ----------------------------------------------------------------------------- exit 3: internal
def test_an_internal_error_is_exit_3_in_one_line_and_the_traceback_with_debug(graph, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("forced fault\nsecond line")

    monkeypatch.setattr("flowgraph.report.completeness.check", boom)
    quiet = runner.invoke(app, ["check"])
    assert quiet.exit_code == 3
    assert "internal error (RuntimeError: forced fault)" in flat(quiet.output)
    assert "Traceback" not in flat(quiet.output) and "second line" not in flat(quiet.output)
    assert "--debug" in flat(quiet.output)
    loud = runner.invoke(app, ["--debug", "check"])
    assert (
        loud.exit_code == 3
        and "Traceback" in flat(loud.output)
        and "second line" in flat(loud.output)
    )
    monkeypatch.setenv("FLOWGRAPH_DEBUG", "1")
    env = runner.invoke(app, ["check"])
    assert env.exit_code == 3 and "Traceback" in flat(env.output)


def test_an_internal_error_in_a_real_process_exits_3(built, settings):
    env = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(settings.output_dir)}
    env.pop("FLOWGRAPH_DEBUG", None)
    result = subprocess.run(
        [sys.executable, str(FAULTY), "check"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 3, result.stderr
    assert "internal error (RuntimeError: forced fault for a test)" in flat(result.stderr)
    assert "Traceback" not in flat(result.stderr)


# ----------------------------------------------------------------------------- HTTP
@pytest.fixture(scope="module")
def faulty_server(tmp_path_factory):
    """A real server (uvicorn, its workers) whose completeness check fails as a bug would."""
    build_dir = tmp_path_factory.mktemp("errors-build")
    env = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(build_dir), "FLOWGRAPH_QUERY_WORKERS": "1"}
    subprocess.run(
        [sys.executable, "-m", "flowgraph", "build", str(PROJECT_ROOT / "data" / "notices")],
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = tmp_path_factory.mktemp("errors-log") / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, str(FAULTY), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if client.get("/sparql").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError(log.read_text())
    yield client
    client.close()
    process.terminate()
    process.wait(timeout=15)


def test_http_statuses_follow_the_same_tree(faulty_server):
    client = faulty_server
    bad = client.get("/api/compare", params={"council": ["Leeds City Council"]})
    assert bad.status_code == 400 and "at least two councils" in bad.json()["detail"]
    missing = client.get("/api/trace", params={"from": "Atlantis"})
    assert missing.status_code == 404 and "Atlantis" in missing.json()["detail"]
    refused = client.get("/api/trace", params={"from": "HMRC", "max_hops": 9})
    assert refused.status_code == 422 and isinstance(refused.json()["detail"], list)
    internal = client.get("/api/check")
    assert internal.status_code == 500
    assert internal.headers["content-type"].startswith("text/plain")
    assert "RuntimeError" in internal.text and "forced fault" not in internal.text
    assert client.get("/sparql").status_code == 200  # still serving


@pytest.mark.parametrize(
    ("path", "params", "status", "text"),
    [
        ("/trace", {"from": "Atlantis"}, 404, "called &#x27;Atlantis&#x27; in this graph"),
        ("/trace", {"from": "HMRC", "max_hops": 9}, 422, "max_hops: Input should be less than"),
        ("/explore", {"controller": "Atlantis"}, 404, "Atlantis"),
        ("/id/org/no-such-organisation", {}, 404, "no entity"),
        ("/check", {"notice": "nope.txt"}, 404, "no notice called &#x27;nope.txt&#x27;"),
        ("/compare", {"council": ["Leeds City Council", "Atlantis"]}, 404, "no controller called"),
        ("/check", {}, 500, "internal error while answering GET /check: RuntimeError"),
    ],
)
def test_a_browser_gets_an_html_error_page_in_the_site_layout(
    faulty_server, path, params, status, text
):
    page = faulty_server.get(path, params=params, headers=HTML)
    assert page.status_code == status, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "<header><a href='/'>flowgraph</a>" in page.text  # the site's layout
    assert f"<h1>{status} " in page.text and text in page.text, page.text
    assert "<script" not in page.text
    assert "content-security-policy" in page.headers
    plain = faulty_server.get(path, params=params)  # no text/html in Accept: not a page
    assert plain.status_code == status
    assert not plain.headers["content-type"].startswith("text/html")
