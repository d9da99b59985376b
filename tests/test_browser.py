"""The flow map in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Every request that is not the page itself or 127.0.0.1 is aborted, so the page must work offline.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from flowgraph.query.library import load_library
from flowgraph.store.base import open_store
from flowgraph.trace.network import flow_network
from flowgraph.visualise.select import Selection, select

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


def open_page(browser, url: str):
    context = browser.new_context()
    outside: list[str] = []

    def route(r):
        if r.request.url.startswith(("file://", "http://127.0.0.1")):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("body[data-fg-ready='true']", timeout=20_000)
    return page, errors, dialogs, outside


def click_node(page, iri: str) -> None:
    point = page.evaluate(
        """iri => { const p = network.getPositions([iri])[iri]; const d = network.canvasToDOM(p);
                    const r = document.querySelector('#mynetwork canvas').getBoundingClientRect();
                    return {x: r.left + d.x, y: r.top + d.y}; }""",
        iri,
    )
    page.mouse.click(point["x"], point["y"])


def test_viz_file_works_offline(browser, built, settings, tmp_path):
    output = tmp_path / "flows.html"
    env_cmd = [
        sys.executable,
        "-m",
        "flowgraph",
        "viz",
        "--controller",
        "Leicestershire County Council",
        "--max-hops",
        "3",
        "--view",
        "network",
        "-o",
        str(output),
    ]
    subprocess.run(
        env_cmd,
        check=True,
        env={**__import__("os").environ, "FLOWGRAPH_BUILD_DIR": str(settings.output_dir)},
    )
    expected = select(flow_network(open_store(settings), load_library(settings.queries_dir)),
                      Selection(controller="Leicestershire County Council", max_hops=3)).graph  # fmt: skip
    page, errors, dialogs, outside = open_page(browser, output.as_uri())
    assert page.evaluate("network.body.data.nodes.length") == expected.number_of_nodes() == 7
    click_node(page, "https://w3id.org/flowgraph/id/org/dfe")
    details = page.inner_text("#fg-details")
    assert "Department for Education" in details and "shares with" in details
    assert errors == [] and dialogs == [] and outside == []


def test_explore_page_and_hostile_text(browser, server):
    client, _ = server
    base = str(client.base_url)
    page, errors, dialogs, outside = open_page(
        browser,
        base + "/explore?controller=Northbrook%20District%20Council&max_hops=2&view=network",
    )
    labels = page.evaluate("nodes.get().map(n => n.label)")
    assert "<img src=x onerror=alert(1)>" in labels
    click_node(page, "https://w3id.org/flowgraph/id/unresolved/img-src-x-onerror-alert-1")
    assert "<img src=x onerror=alert(1)>" in page.inner_text("#fg-details")  # shown literally
    assert page.evaluate("document.querySelectorAll('#fg-panel img').length") == 0
    assert dialogs == [] and errors == [] and outside == []
    entity, errors, dialogs, outside = open_page(
        browser, base + "/explore?entity=https://w3id.org/flowgraph/id/org/llep"
    )
    assert entity.evaluate("network.body.data.nodes.length") > 10
    assert errors == [] and outside == []


def test_query_page_runs_a_query(browser, server):
    client, _ = server
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(str(client.base_url) + "/")
    page.select_option("#library", "shared-recipients")
    page.click("#run")
    page.wait_for_selector("#results table")
    assert "Courts and tribunals" in page.inner_text("#results")
    assert page.locator("#downloads a").count() == 4
    assert errors == []


@pytest.mark.parametrize(
    "path",
    ["/", "/sparql", "/explore?controller=Leeds%20City%20Council&max_hops=1", "/explore",
     "/trace?from=Leicestershire%20County%20Council", "/trace", "/id/org/hmrc", "/check"],
)  # fmt: skip
def test_pages_work_under_their_content_security_policy(browser, server, path, tmp_path):
    """Each page's scripts run under its CSP (issue 13 point 10): no violation, no script error."""
    client, _ = server
    page = browser.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    response = page.goto(str(client.base_url) + path)
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    if path.startswith("/explore?"):
        page.wait_for_selector("body[data-fg-ready='true']", timeout=20_000)
        assert page.evaluate("network.body.data.nodes.length") > 10
    if path == "/":
        page.click("#run")
        page.wait_for_selector("#results table")
    page.screenshot(path=str(tmp_path / "page.png"))
    assert problems == []
    page.close()
