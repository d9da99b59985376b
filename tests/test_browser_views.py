"""Issue 16: the flow map's Sankey and network views and the trace tree, in Debian's Chromium.

Every request that is not the page itself or 127.0.0.1 is aborted and recorded: the views must
work offline. Expected Sankey bands are computed from the graph, not copied from the page.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from test_browser import ARGS, CHROMIUM, open_page

from flowgraph.query.library import load_library
from flowgraph.store.base import open_store
from flowgraph.trace.network import category_members, flow_network
from flowgraph.visualise.sankey import band_totals, sankey_data
from flowgraph.visualise.select import Selection, select

playwright = pytest.importorskip("playwright.sync_api")
COUNCIL = "Leicestershire County Council"
B = "https://w3id.org/flowgraph/id/"


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


def viz(settings, tmp_path, controller: str, *extra: str):
    output = tmp_path / "flows.html"
    subprocess.run(
        [sys.executable, "-m", "flowgraph", "viz", "--controller", controller, "-o", str(output), *extra],
        check=True, capture_output=True,
        env={**os.environ, "FLOWGRAPH_BUILD_DIR": str(settings.output_dir)},
    )  # fmt: skip
    return output


def test_sankey_bands_are_the_graphs(browser, built, settings, tmp_path):
    store, library = open_store(settings), load_library(settings.queries_dir)
    graph, members = flow_network(store, library), category_members(store, library)
    view = select(graph, Selection(controller=B + "org/leicestershire-county-council")).graph
    expected = band_totals(sankey_data(view, B + "org/leicestershire-county-council", members))
    assert expected[(COUNCIL, "Children and Family Services")] >= 1
    page, errors, dialogs, outside = open_page(browser, viz(settings, tmp_path, COUNCIL).as_uri())
    assert page.evaluate("document.body.dataset.fgView") == "sankey"  # the default for a council
    bands = page.evaluate(
        "[...document.querySelectorAll('path.fg-band')].map(p => [p.dataset.source, p.dataset.target, +p.dataset.value])"
    )
    assert {(s, t): v for s, t, v in bands} == expected
    assert len(bands) == len(expected)
    page.locator("path.fg-band").first.click(force=True)
    assert "characters" in page.inner_text("#fg-details")
    assert errors == [] and dialogs == [] and outside == []


def test_network_is_stable_and_its_labels_never_overlap(browser, built, settings, tmp_path):
    output = viz(settings, tmp_path, "Leicester City Council", "--view", "network")
    positions = []
    for _ in range(2):
        page, errors, dialogs, outside = open_page(browser, output.as_uri())
        assert page.evaluate("document.body.dataset.fgView") == "network"
        positions.append(page.evaluate("JSON.stringify(network.getPositions())"))
        boxes = page.evaluate(
            """() => { const area = document.getElementById('mynetwork').getBoundingClientRect();
                 return nodes.getIds().map(id => { const b = network.getBoundingBox(id);
                   const a = network.canvasToDOM({x: b.left, y: b.top}), z = network.canvasToDOM({x: b.right, y: b.bottom});
                   return [id, a.x, a.y, z.x, z.y]; })
                 .filter(([, x0, y0, x1, y1]) => x1 > 0 && y1 > 0 && x0 < area.width && y0 < area.height); }"""
        )
        assert len(boxes) > 20  # a readable screenful, not a dot cloud
        for i, (a, *p) in enumerate(boxes):
            for b, *q in boxes[i + 1 :]:
                apart = p[2] <= q[0] or q[2] <= p[0] or p[3] <= q[1] or q[3] <= p[1]
                assert apart, (a, b)
        assert errors == [] and dialogs == [] and outside == []
    assert positions[0] == positions[1]
    legend = page.inner_text("#fg-legend")
    assert "onward" in legend and "part of" in legend and "stated" in legend


def test_network_clicks_show_evidence_and_keep_labels(browser, server):
    client, _ = server
    page, errors, dialogs, outside = open_page(
        browser,
        str(client.base_url) + "/explore?controller=Leicester%20City%20Council&view=network",
    )
    part_of = page.evaluate("edges.get({filter: e => e.how === 'part of'})[0].id")
    page.evaluate(f"showEdge({part_of!r})")
    assert "undefined" not in page.inner_text("#fg-details")
    assert "is a service area of" in page.inner_text("#fg-details")
    page.evaluate("showNode('https://w3id.org/flowgraph/id/org/llep')")
    fonts = page.evaluate("nodes.get().map(n => n.font.color)")
    assert "#ffffff" in fonts or "#1d2330" in fonts
    assert all(colour in ("#ffffff", "#1d2330", "#5b6578") for colour in fonts)  # none erased
    cluster = page.evaluate("nodes.get({filter: n => n.members})[0]")
    if cluster:
        before = page.evaluate("nodes.length")
        page.evaluate(f"showNode({cluster['id']!r})")
        assert page.evaluate("nodes.length") == before - 1 + len(cluster["members"])
    assert errors == [] and dialogs == [] and outside == []


def test_trace_tree_opens_onward_hops(browser, server):
    client, _ = server
    context = browser.new_context()
    outside: list[str] = []
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1")
                  else (outside.append(r.request.url), r.abort()))  # fmt: skip
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(str(client.base_url) + "/trace?from=Leicester%20City%20Council")
    branch = page.locator("details.fg-branch[data-iri='https://w3id.org/flowgraph/id/org/llep']")
    onward = branch.locator(":scope > .fg-body > details.fg-branch").first
    assert not onward.is_visible()
    branch.locator(":scope > summary").click()
    assert onward.is_visible()
    assert "characters" in branch.locator(":scope > .fg-body > .fg-evidence").first.inner_text()
    assert "chains" in page.inner_text(".fg-root")
    assert errors == [] and outside == []
    context.close()
