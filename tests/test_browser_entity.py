"""An entity page's first screen in real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright), 1400x900: the type, the identifiers and the grouped senders or services are all in
view, with nothing loaded from anywhere but 127.0.0.1."""

from __future__ import annotations

import shutil

import pytest

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


def first_screen(browser, url: str, shot):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    outside: list[str] = []

    def route(r):
        if r.request.url.startswith("http://127.0.0.1"):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.screenshot(path=str(shot))
    return page, errors, outside


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900


@pytest.mark.parametrize(
    ("path", "group"),
    [("/id/org/hmrc", "Leicester City Council"), ("/id/org/leicester-city-council", "CCTV")],
)
def test_first_screen_shows_type_identifiers_and_groups(browser, server, tmp_path, path, group):
    client, _ = server
    page, errors, outside = first_screen(browser, str(client.base_url) + path, tmp_path / "p.png")
    assert in_view(page, "table.identity th:text-is('Type')")
    assert in_view(page, "table.identity th:text-is('Identifiers')")
    assert in_view(page, "svg.flows")
    summary = page.locator("details.group > summary", has_text=group).first
    box = summary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 900
    assert page.locator("details.group[open]").count() >= 1
    assert page.locator("details#statements").get_attribute("open") is None  # collapsed
    assert errors == [] and outside == []
    page.context.close()


def test_quote_link_opens_the_notice_at_the_span(browser, server, tmp_path):
    client, _ = server
    page, errors, outside = first_screen(
        browser, str(client.base_url) + "/id/org/hmrc", tmp_path / "p.png"
    )
    page.locator("a.src").first.click()
    page.wait_for_selector("mark#q")
    assert "HM Revenue and Customs" in page.inner_text("mark#q")
    assert in_view(page, "mark#q")  # scrolled to it
    assert errors == [] and outside == []
    page.context.close()
