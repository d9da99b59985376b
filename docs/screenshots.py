"""Regenerate the screenshots of the flow map, trace views, entity pages, DPIA pre-fill and query
page shown in the README.

    python docs/screenshots.py            # builds the sample notices into a temporary folder

Headless Debian Chromium (Playwright with `executable_path`), 1400x900, offline: every request
that is not 127.0.0.1 or the file itself is aborted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
COUNCIL = "Leicester City Council"
QUERY = """PREFIX fg: <https://w3id.org/flowgraph/ns#>
PREFIX dpv: <https://w3id.org/dpv#>
SELECT ?controller ?recipient ?role ?quote ?recipientText WHERE {
  ?flow a fg:Flow ; fg:to ?recipient ; fg:recipientText ?recipientText ; fg:role ?role ;
        fg:evidence/fg:quote ?quote ; fg:partOf/dpv:hasDataController ?controller .
} ORDER BY ?controller ?recipient LIMIT 200"""


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="flowgraph-shots-"))
    env = {**os.environ, "FLOWGRAPH_BUILD_DIR": str(work / "build")}
    run = [sys.executable, "-m", "flowgraph"]
    subprocess.run([*run, "build"], env=env, check=True, capture_output=True)
    page_file = work / "flows.html"
    subprocess.run(
        [*run, "viz", "--controller", COUNCIL, "-o", str(page_file)], env=env, check=True
    )
    dpia_file = work / "dpia.html"
    subprocess.run([*run, "dpia", "--from", COUNCIL, "-o", str(dpia_file)], env=env, check=True)
    server = subprocess.Popen([*run, "serve", "--port", "8799"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(100):
            try:
                httpx.get("http://127.0.0.1:8799/sparql", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu"], headless=True)  # fmt: skip
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file://", "http://127.0.0.1"))
                       else r.abort())  # fmt: skip
            page.goto(page_file.as_uri())
            page.wait_for_selector("body[data-fg-ready='true']")
            print(
                "render ms (sankey + network):", page.evaluate("document.body.dataset.fgRenderMs")
            )
            page.locator("path.fg-band").nth(60).click(force=True)
            page.evaluate(
                "window.scrollTo(0, 0); document.getElementById('fg-sankey').scrollTo(0, 0)"
            )
            page.screenshot(path=str(HERE / "sankey.png"))
            page.click("#fg-tab-network")
            page.evaluate(
                "showNode('https://w3id.org/flowgraph/id/org/leicester-city-council/service/housing')"
            )
            page.screenshot(path=str(HERE / "network.png"))
            page.goto("http://127.0.0.1:8799/trace?from=" + COUNCIL.replace(" ", "%20"))
            llep = "details.fg-branch[data-iri='https://w3id.org/flowgraph/id/org/llep']"
            page.click(llep + " > summary")
            page.click(
                llep + " details.fg-branch[data-iri$='leicestershire-county-council'] > summary"
            )
            page.screenshot(path=str(HERE / "trace-tree.png"))
            page.goto("http://127.0.0.1:8799/id/org/hmrc")  # a recipient: who shares with it
            page.screenshot(path=str(HERE / "entity-organisation.png"))
            page.goto("http://127.0.0.1:8799/id/org/leicester-city-council")  # a council
            page.screenshot(path=str(HERE / "entity-council.png"))
            page.goto(dpia_file.as_uri())  # the summary table, then the first sections
            page.screenshot(path=str(HERE / "dpia.png"))
            page.goto("http://127.0.0.1:8799/")  # a SELECT, one long quote opened
            page.fill("#query", QUERY)
            page.click("#run")
            page.wait_for_selector("#results table")
            page.locator("#results tbody tr").nth(11).locator("button.fg-more").first.click()
            page.evaluate("document.querySelector('#results .fg-scroll').scrollTo(0, 0)")
            page.screenshot(path=str(HERE / "query.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
