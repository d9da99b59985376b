"""Entity pages in words (issue 16): senders grouped by council and service with counts, a
council's services by recipient category, its completeness and notices, clean quotes that link
to the exact span of the notice, raw statements only in a collapsed section."""

from __future__ import annotations

import html
import re

from conftest import NOTICES

from flowgraph.serve.entity_page import clean

HTML = {"Accept": "text/html"}
QUOTE = re.compile(r"<span class='q'>(.*?)</span>", re.S)
SOURCE = re.compile(r"href='/notice/([^?']+)\?start=(\d+)&amp;end=(\d+)#q'")


def groups(page: str) -> dict[str, str]:
    """council (summary title) -> the HTML of its collapsible group."""
    found = {}
    for part in page.split("<details class='group'")[1:]:
        title = re.search(r"<summary>([^<]+?) <span", part).group(1)
        found[html.unescape(title)] = part.split("</details>", 1)[0]
    return found


def notice_text(file: str) -> str:
    return (NOTICES / file).open(encoding="utf-8", newline="").read()


def test_clean_strips_tags_and_decodes_entities_once():
    assert clean("Elected Members &amp; MPs") == "Elected Members & MPs"
    assert clean("the Police &amp;amp; others") == "the Police &amp; others"  # decoded once
    assert (
        clean('email <a href="mailto:dpo@example.org">dpo@example.org</a>.')
        == "email dpo@example.org ."
    )
    assert clean("&lt;img src=x onerror=alert(1)&gt;") == "<img src=x onerror=alert(1)>"  # text
    assert clean("a\t\n  b") == "a b"
    assert clean("<" * 50_000 + "a") == "<" * 50_000 + "a"  # linear, and no tag in it


def test_hmrc_page_groups_senders_by_council_and_service(server):
    client, _ = server
    page = client.get("/id/org/hmrc", headers=HTML).text
    top = page.split("<h2>Who shares with it</h2>", 1)[0]
    assert "<th>Type</th><td>Government department</td>" in top
    assert "Government organisation register <code>D25</code>" in top
    assert "<svg class='flows'" in top and "Leicester City Council (8)" in top
    found = groups(page)
    assert set(found) >= {"Leeds City Council", "Leicester City Council"}
    leicester = found["Leicester City Council"]
    assert "— 8 service areas, 8 statements</span>" in leicester
    services = re.findall(
        r"<li><a href='/id/org/leicester-city-council/service/[^']+'>([^<]+)</a>", leicester
    )
    assert [html.unescape(s) for s in services] == [
        "CCTV",
        "Estates & Buildings",
        "Finance",
        "Housing",
        "Human Resources (HR)",
        "Information technology (IT)",
        "Legal Services",
        "Revenues & Benefits and Customer Support",
    ]
    assert leicester.count("Purposes:") == 8  # once a service, not once a row
    assert "— 1 service area, 2 statements</span>" in found["Leeds City Council"]
    assert "2 councils share with it (9 service areas, 10 statements)." in page
    assert "/trace?from=https%3A//w3id.org/flowgraph/id/org/hmrc" in page
    statements = page.split("<details id='statements'>", 1)
    assert len(statements) == 2 and "sharesDataWith" not in statements[0]
    assert "prefLabel" not in statements[0] and "prefLabel" in statements[1]


def test_quote_links_point_at_the_quoted_span(server):
    client, _ = server
    page = client.get("/id/org/hmrc", headers=HTML).text
    pairs = re.findall(
        r"<span class='q'>([^<]*)</span> <a class='src' href='/notice/([^?']+)\?start=(\d+)&amp;end=(\d+)#q'>",
        page,
    )
    assert len(pairs) == len(SOURCE.findall(page)) == 10
    for shown, file, start, end in pairs:
        assert html.unescape(shown) == clean(notice_text(file)[int(start) : int(end)])


def test_quotes_are_clean_text(server):
    client, _ = server
    page = client.get("/id/org/leicester-city-council", headers=HTML).text
    quotes = QUOTE.findall(page)
    assert quotes
    assert "Elected Members &amp; MPs (as your representative)" in quotes  # & once, escaped once
    assert not [q for q in quotes if "&amp;amp;" in q or "&lt;" in q or "href" in q]
    assert "<span class='q'>&lt;img" not in page


def test_council_page_services_categories_completeness_and_notices(server):
    client, _ = server
    page = client.get("/id/org/leicester-city-council", headers=HTML).text
    section = page.split("<h2>Its services and whom they share with</h2>", 1)[1]
    housing = section.split(">Housing</a>", 1)[1].split("</details>", 1)[0]
    assert housing.startswith(" <span class='muted'>— ")
    counts = re.findall(r"<h4>([^<]+) \((\d+)\)</h4>", housing)
    assert ("Police", "1") in counts
    assert sum(int(n) for _, n in counts) == int(re.search(r"— (\d+) recipients", housing).group(1))
    reports = client.get("/api/check", params={"controller": "Leicester City Council"}).json()
    mean = sum(r["score"] for r in reports) / len(reports)
    assert f"<span class='score'>{mean:.0%}</span>" in page
    assert f"over {len(reports)} notice sections" in page
    for file in ("leicester-city-council-general.txt", "leicester-city-council-service-areas.txt"):
        assert f"href='/notice/{file}'" in page and f"href='/check?notice={file}'" in page
    assert (
        "<a href='/id/notice/leicester-city-council-service-areas'>Privacy notices by service area</a>"
        in page
    )


def test_notice_page_marks_exactly_the_span(server):
    client, _ = server
    file = "leicester-city-council-service-areas.txt"
    text = notice_text(file)
    start, end = 32240, 32403  # a quote holding <a href=...> and an entity
    assert "href" in text[start:end]
    page = client.get(f"/notice/{file}", params={"start": start, "end": end})
    assert page.status_code == 200
    marked = re.search(r"<mark id='q'>(.*?)</mark>", page.text, re.S).group(1)
    shown = html.unescape(re.sub(r"</?span[^>]*>", "", marked))
    assert shown == text[start:end]
    whole = html.unescape(
        re.sub(
            r"</?(span|mark)[^>]*>",
            "",
            page.text.split("<pre class='notice'>")[1].split("</pre>")[0],
        )
    )
    assert whole == text
    assert client.get("/notice/no-such-notice.txt").status_code == 404
    assert client.get(f"/notice/{file}", params={"start": -1, "end": 3}).status_code in (400, 422)
    out_of_range = client.get(f"/notice/{file}", params={"start": 5, "end": 10**9})
    assert out_of_range.status_code == 200 and "<mark" not in out_of_range.text


def test_rdf_by_content_negotiation_still(server):
    client, _ = server
    turtle = client.get("/id/org/leicester-city-council", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    assert "<svg" not in turtle.text
