"""The notice picked out of whole council pages (tests/data/pages/): its text, headings, lists
and tables kept; navigation, breadcrumbs, cookie banners, feedback forms, footers and scripts
dropped; and what is kept reads as a notice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flowgraph.ingest.main_content import ContentError, decode, main_content
from flowgraph.model import NoticeSource
from flowgraph.pipeline import Extractor
from flowgraph.settings import Settings

PAGES = Path(__file__).parent / "data" / "pages"

# page -> (title, text that must stay, chrome that must go)
CASES = {
    "localgov-housing.html": (
        "Housing privacy notice | Rutland County Council",
        ["Housing privacy notice", "your income, savings and benefits",
         "The Department for Work and Pensions", "To prevent and detect crime",
         "six years after your application closes"],
        ["Skip to main content", "This site uses cookies", "Accept all cookies", "Search this site",
         "Bins, recycling and waste", "Privacy notices", "Was this page helpful?",
         "Join the housing register", "Accessibility statement", "Copyright", "dataLayer",
         "cookieControl", "end of body field"],
    ),
    "jadu-council-tax.html": (
        "Council Tax: how we use your information - Northbrook District Council",
        ["Capita Business Services Ltd", "Local Government Finance Act 1992 – Council Tax",
         "£0 to call", "the Valuation Office Agency, to band your home"],
        ["Cookie settings", "Accept recommended cookies", "A to Z of services", "Home",
         "Share this page", "Copyright 2026", "_paq"],
    ),
    "plain-body-adult-care.html": (
        "Adult social care privacy notice",
        ["Adult social care privacy notice", "NHS Southfield Integrated Care Board",
         "the Care Quality Commission", "8 years after care ends"],
        ["We and our partners use cookies", "I Accept", "Southfield Borough Council</div>",
         "News", "Old version of this notice", "Back to top", "All rights reserved",
         "querySelector", "font-family"],
    ),
}  # fmt: skip


def picked(name: str, selector: str | None = None):
    return main_content(decode((PAGES / name).read_bytes(), None), selector)


@pytest.mark.parametrize("name", sorted(CASES))
def test_main_content_keeps_the_notice_and_drops_the_chrome(name: str) -> None:
    title, kept, dropped = CASES[name]
    content = picked(name)
    assert content.title == title
    for text in kept:
        assert text in content.text
    for text in dropped:
        assert text not in content.html, text
    assert f"<title>{title}</title>" in content.html
    assert "<!--" not in content.html


def test_headings_lists_and_tables_survive_as_html() -> None:
    content = picked("localgov-housing.html").html
    assert re.findall(r"<h([1-6])\b", content) == ["1", "2", "2", "2"]
    assert content.count("<li>") == 4
    assert "<th>Organisation</th><th>Why</th>" in content
    assert content.count("<tr>") == 4
    assert content.index("<h1") < content.index("<table") < content.index("six years")


def test_a_windows_1252_page_is_read_in_its_charset() -> None:
    assert "–" in picked("jadu-council-tax.html").text  # 0x96 in the saved page


def test_the_selector_picks_the_notice_where_nothing_marks_it() -> None:
    content = picked("selector-needed.html", ".notice-text")
    assert content.text == (
        "Blue Badge privacy notice Westmoor Council shares Blue Badge information with the "
        "Department for Transport."
    )
    whole = picked("selector-needed.html")  # no selector: the whole body, promos and all
    assert "Sign up for our newsletter." in whole.text
    with pytest.raises(ContentError, match=r"the selector '#notice' matches nothing on the page"):
        picked("selector-needed.html", "#notice")


def test_a_notices_own_cookies_section_is_kept() -> None:
    page = (
        "<main><h2 id='cookies'>Cookies</h2><section class='cookies'><p>We set two cookies."
        "</p></section><div class='cookie-banner'>Accept</div><p class='social-care'>Social "
        "care records</p></main>"
    )
    assert main_content(page).text == "Cookies We set two cookies. Social care records"


def test_a_page_with_no_text_is_refused() -> None:
    with pytest.raises(ContentError, match="no text left in the page's main content"):
        main_content("<html><body><nav>Home</nav><script>x()</script></body></html>")


def test_the_kept_content_reads_as_a_notice(tmp_path: Path) -> None:
    """The loader finds the same recipients in the picked content as a person reads in the table."""
    notice = tmp_path / "rutland-housing.html"
    notice.write_text(picked("localgov-housing.html").html, encoding="utf-8")
    extractor = Extractor(Settings())
    source = NoticeSource(notice, "Rutland County Council", "Housing")
    extractor.register_controllers([source])
    extraction = extractor.extract(source)
    assert [r.text for s in extraction.services for r in s.recipients] == [
        "Registered housing providers",
        "The Department for Work and Pensions",
        "Leicestershire Police",
    ]
