"""/changes in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): the
badges, the review marker and both versions' quotes side by side are visible, the page runs
under its Content-Security-Policy with no error, and nothing is loaded from elsewhere."""

from __future__ import annotations

import shutil

import pytest
from conftest import COURTS, HOME_OFFICE

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


def test_changes_page_shows_badges_and_quotes(browser, changes_server, tmp_path) -> None:
    client = changes_server["client"]
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
    page.on(
        "console",
        lambda m: m.type == "error" and "favicon" not in m.text and errors.append(m.text),
    )
    page.on(
        "response",
        lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and errors.append(r.url),
    )
    page.goto(str(client.base_url) + "/changes")
    shot = tmp_path / "changes.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    for badge in ("added", "removed"):
        assert page.locator(f"span.badge.{badge}").first.is_visible()
    assert page.locator(".review").first.is_visible()
    new = page.locator(".quotes .new .q", has_text=HOME_OFFICE).first
    old = page.locator(".quotes .old .q", has_text=COURTS).first
    assert new.is_visible() and old.is_visible()
    # side by side: the new version's quote to the right of the old version's column
    row = page.locator("li.change", has_text="Home Office").first
    before, after = row.locator(".quotes > .old").bounding_box(), row.locator(".quotes > .new").bounding_box()  # fmt: skip
    assert after["x"] > before["x"] + before["width"] - 1 and abs(after["y"] - before["y"]) < 2
    assert page.locator("a.feed[href^='/changes.atom']").is_visible()
    assert errors == [] and outside == []
    context.close()
