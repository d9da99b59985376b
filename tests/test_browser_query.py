"""Issue 16: the query page at `/` in Debian's Chromium, at 1400x900, against a real server.

Compact results (prefixed names, one-line cells cut with "more", the table scrolling inside its
own box), CONSTRUCT as Turtle, ASK as true/false, downloads that answer in the right media type,
hostile literals shown as text. Every request not to 127.0.0.1 is aborted and recorded.
"""

from __future__ import annotations

import pytest
from test_browser import ARGS, CHROMIUM

playwright = pytest.importorskip("playwright.sync_api")
WIDTH, HEIGHT = 1400, 900
FG = "PREFIX fg: <https://w3id.org/flowgraph/ns#>\n"
HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


class QueryPage:
    """The page, with what it asked for: requests refused (not 127.0.0.1), failed responses,
    console errors and dialogs."""

    def __init__(self, browser, base: str) -> None:
        self.context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        self.outside: list[str] = []
        self.failed: list[tuple[int, str]] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on(
            "response",
            lambda r: self.failed.append((r.status, r.url)) if r.status >= 400 else None,
        )
        self.page.goto(base + "/")
        self.page.wait_for_selector("body[data-fg-ready='true']")

    def _route(self, route) -> None:
        if route.request.url.startswith("http://127.0.0.1"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _console(self, message) -> None:
        # a failed load is a console error too; those are checked by URL in `clean`
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(message.text)

    def run(self, query: str, selector: str) -> None:
        self.page.fill("#query", query)
        self.page.click("#run")
        self.page.wait_for_selector(selector, timeout=20_000)

    def clean(self) -> bool:
        failed = [(s, u) for s, u in self.failed if not u.endswith("/favicon.ico")]
        assert failed == [] and self.errors == [] and self.dialogs == [] and self.outside == []
        return True


@pytest.fixture
def query_page(browser, server):
    client, _ = server
    page = QueryPage(browser, str(client.base_url).rstrip("/"))
    yield page
    page.context.close()


def test_select_is_compact_with_prefixed_names_and_cells_that_expand(query_page, server):
    client, _ = server
    page = query_page.page
    query = (
        FG + "SELECT ?flow ?type ?recipient ?quote WHERE { VALUES ?type { fg:Flow } "
        "?flow a ?type ; fg:to ?recipient ; fg:evidence/fg:quote ?quote "
        "FILTER(STRLEN(?quote) > 200) } ORDER BY ?flow LIMIT 20"
    )
    query_page.run(query, "#results table")
    box = page.evaluate(
        """() => { const t = document.querySelector('#results table').getBoundingClientRect();
                   const s = document.querySelector('#results .fg-scroll').getBoundingClientRect();
                   const row = document.querySelector('#results tbody tr').getBoundingClientRect();
                   return {table: t.right, scroll: s.right, row: row.height,
                           page: document.documentElement.scrollWidth}; }"""
    )
    assert box["table"] <= WIDTH and box["scroll"] <= WIDTH and box["page"] <= WIDTH, box
    assert box["row"] < 30, box  # one line per cell
    text = page.inner_text("#results table")
    assert "fg:Flow" in text and "id:org/" in text
    assert "https://w3id.org/flowgraph/" not in text  # full IRIs only in title and href
    entity = page.locator("#results td a[href^='/id/org/']").first
    iri = entity.get_attribute("title")
    assert iri.startswith("https://w3id.org/flowgraph/id/org/")
    assert entity.get_attribute("href") == "/id/" + iri.removeprefix(
        "https://w3id.org/flowgraph/id/"
    )
    assert "Prefixes:" in page.inner_text("#prefixes") and "fg:" in page.inner_text("#prefixes")

    # the long quote: cut at 160 characters, all of it after "more", cut again after "less"
    expected = client.post(
        "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    ).json()["results"]["bindings"][0]["quote"]["value"]
    assert len(expected) > 200
    quote = page.locator("#results tbody tr").first.locator("td").nth(3)
    shown = quote.locator(".fg-cell > :first-child").inner_text()
    assert shown == expected[:160] + "…"
    quote.locator("button.fg-more").click()
    assert quote.locator(".fg-cell > :first-child").inner_text() == expected.strip()
    assert quote.locator("button.fg-more").inner_text() == "less"
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    quote.locator("button.fg-more").click()
    assert quote.locator(".fg-cell > :first-child").inner_text() == shown
    assert query_page.clean()


def test_a_wide_result_scrolls_inside_its_box(query_page):
    page = query_page.page
    page.click("#run")  # the library's `flows`: 18 columns
    page.wait_for_selector("#results table", timeout=20_000)
    sizes = page.evaluate(
        """() => { const s = document.querySelector('#results .fg-scroll');
                   return {scroll: s.scrollWidth, client: s.clientWidth,
                           right: s.getBoundingClientRect().right,
                           page: document.documentElement.scrollWidth}; }"""
    )
    assert sizes["scroll"] > sizes["client"]  # wider than its box: it scrolls sideways
    assert sizes["right"] <= WIDTH and sizes["page"] <= WIDTH, sizes
    assert page.locator("#downloads a").count() == 4
    assert query_page.clean()


def test_downloads_answer_in_their_media_types(query_page, server):
    client, _ = server
    page = query_page.page
    query_page.run(FG + "SELECT ?f WHERE { ?f a fg:Flow } LIMIT 3", "#results table")
    links = page.eval_on_selector_all(
        "#downloads a", "as => as.map(a => [a.dataset.format, a.getAttribute('href')])"
    )
    formats = dict(links)
    assert {"json", "csv"} <= set(formats)
    csv = client.get(formats["csv"])
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "f" and len(csv.text.splitlines()) == 4
    data = client.get(formats["json"])
    assert data.status_code == 200
    assert data.headers["content-type"] == "application/sparql-results+json"
    assert len(data.json()["results"]["bindings"]) == 3

    query_page.run(FG + "CONSTRUCT { ?f a fg:Flow } WHERE { ?f a fg:Flow } LIMIT 3", "#results pre")
    formats = dict(
        page.eval_on_selector_all(
            "#downloads a", "as => as.map(a => [a.dataset.format, a.getAttribute('href')])"
        )
    )
    for name, media in (
        ("ttl", "text/turtle"),
        ("nt", "application/n-triples"),
        ("jsonld", "application/ld+json"),
    ):
        answer = client.get(formats[name])
        assert answer.status_code == 200, (name, answer.text)
        assert answer.headers["content-type"].startswith(media)
    assert "fg:Flow" in client.get(formats["ttl"]).text
    assert query_page.clean()


def test_construct_shows_turtle_and_ask_true_or_false(query_page):
    page = query_page.page
    query_page.run(
        FG + "CONSTRUCT { ?f fg:to ?r } WHERE { ?f a fg:Flow ; fg:to ?r } LIMIT 5", "#results pre"
    )
    turtle = page.inner_text("#results pre")
    assert "@prefix fg: <https://w3id.org/flowgraph/ns#>" in turtle and "fg:to" in turtle
    assert "Turtle" in page.inner_text("#status")
    query_page.run("DESCRIBE <https://w3id.org/flowgraph/id/org/hmrc>", "#results pre")
    assert "HM Revenue" in page.inner_text("#results pre")
    query_page.run(FG + "ASK { ?f a fg:Flow }", "#results .fg-answer")
    assert page.inner_text("#results .fg-answer") == "true"
    query_page.run("ASK { <urn:nothing> ?p ?o }", "#results .fg-answer")
    assert page.inner_text("#results .fg-answer") == "false"
    assert [a.get_attribute("data-format") for a in page.locator("#downloads a").all()] == [
        "json",
        "xml",
    ]
    assert query_page.clean()  # no 406 (nor any other failure) on the way


def test_hostile_literals_are_shown_as_text(query_page):
    page = query_page.page
    literal = '"' + HOSTILE + '"'
    padding = '"' + "y" * 200 + '"'
    query_page.run(
        f"SELECT ?x ?long WHERE {{ BIND({literal} AS ?x) BIND(CONCAT({literal}, {padding}) AS ?long) }}",
        "#results table",
    )
    assert page.inner_text("#results td .fg-cell >> nth=0") == HOSTILE
    page.locator("#results td >> nth=1").locator("button.fg-more").click()
    assert HOSTILE in page.inner_text("#results td >> nth=1")
    # a notice's own hostile recipient, from the graph, and the same in a Turtle result
    query_page.run(
        FG + 'SELECT ?t WHERE { ?f fg:recipientText ?t FILTER(CONTAINS(?t, "onerror")) }',
        "#results table",
    )
    assert "<img src=x onerror=alert(1)>" in page.inner_text("#results table")
    query_page.run(
        f"CONSTRUCT {{ <urn:x> <urn:p> {literal} }} WHERE {{}}",
        "#results pre",
    )
    assert HOSTILE in page.inner_text("#results pre")
    assert page.evaluate("document.querySelectorAll('#results img, #results script').length") == 0
    assert query_page.clean()
