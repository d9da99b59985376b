"""/docs, /redoc and an HTML error page in real headless Chromium with every request that is not
to the server refused: the API documentation works offline, and an error page is readable.

Set FLOWGRAPH_SCREENSHOTS=DIR to keep the screenshots (docs.png, redoc.png, error-page.png)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_browser import ARGS, CHROMIUM

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def chromium():
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("FLOWGRAPH_SCREENSHOTS") or tmp_path)


def offline_page(chromium, base: str):
    """A page whose requests to anywhere but the server are aborted (and recorded)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def route(r):
        if r.request.url.startswith((base, "data:", "blob:")):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, outside, errors


def test_swagger_ui_renders_with_no_internet(server, chromium, shots):
    client, _ = server
    base = str(client.base_url)
    page, outside, errors = offline_page(chromium, base)
    page.goto(base + "/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert "flowgraph" in page.inner_text(".swagger-ui .info .title")
    operations = page.locator(".swagger-ui .opblock").count()
    assert operations >= 10, operations
    page.locator(".opblock-summary-path", has_text="/api/check").first.click()
    page.wait_for_selector(".opblock.is-open", timeout=10_000)
    page.screenshot(path=str(shots / "docs.png"), full_page=False)
    assert outside == [] and errors == [], (outside, errors)


def test_redoc_renders_with_no_internet(server, chromium, shots):
    client, _ = server
    base = str(client.base_url)
    page, outside, errors = offline_page(chromium, base)
    page.goto(base + "/redoc")
    page.wait_for_selector(".api-info h1", timeout=30_000)
    assert "flowgraph" in page.inner_text(".api-info h1")
    page.screenshot(path=str(shots / "redoc.png"), full_page=False)
    assert outside == [] and errors == [], (outside, errors)


def test_an_error_page_is_a_page_of_the_site(server, chromium, shots):
    client, _ = server
    base = str(client.base_url)
    page, outside, errors = offline_page(chromium, base)
    response = page.goto(base + "/trace?from=Atlantis")
    assert response is not None and response.status == 404
    assert page.inner_text("h1") == "404 Not Found"
    assert "called 'Atlantis' in this graph" in page.inner_text("#error-message")
    assert page.locator("header a", has_text="trace").count() == 1  # the site's navigation
    page.screenshot(path=str(shots / "error-page.png"), full_page=False)
    assert outside == [] and errors == [], (outside, errors)
