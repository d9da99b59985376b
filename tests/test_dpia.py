"""The DPIA pre-fill report for Leicestershire County Council's Children and Family Services (and
Leicester City Council's whole report): the facts, footnotes, grouping, summary, PDF, in Chromium."""

from __future__ import annotations

import contextlib
import re
import shutil
import zlib
from html import escape

import pytest
from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.query.library import load_library
from flowgraph.report.dpia import (
    build_report,
    render_html,
    render_markdown,
    section_items,
    summary,
)
from flowgraph.settings import PROJECT_ROOT
from flowgraph.store.base import open_store
from flowgraph.trace.chains import find_node
from flowgraph.trace.network import flow_network

runner = CliRunner()


@pytest.fixture(scope="module")
def report(built, settings):
    store = open_store(settings)
    library = load_library(settings.queries_dir)
    network = flow_network(store, library)
    return build_report(
        store,
        library,
        network,
        find_node(network, "Leicestershire County Council"),
        "Children and Family Services",
    )


def footnote(report, number: int) -> dict:
    return report.footnotes[number - 1]


def test_report_states_dfe_onward_retention_and_no_transfers_each_with_its_quote(report, settings):
    recipients = {s.detail: s for s in report.statements["recipient"]}
    dfe = recipients["Department for Education"]
    assert "Department for Education (DfE)" in footnote(report, dfe.footnote)["quote"]
    onward = [s for s in report.statements["onward"] if s.flag == "Department for Education"]
    assert onward and footnote(report, onward[0].footnote)["quote"].startswith(
        "DfE may share individual level personal data"
    )
    periods = {
        s.detail: footnote(report, s.footnote)["quote"]
        for s in report.statements["retention"]
        if s.detail
    }
    assert periods == {
        "25 years": "25 years from last contact for School Admissions Service",
        "7 years": "7 years from closure for the Early Years Inclusion and Childcare Service",
    }
    denial = [s for s in report.statements["denial"] if s.detail == "Transfers abroad"]
    assert (
        footnote(report, denial[0].footnote)["quote"]
        == "We will not send your information outside of the UK."
    )
    special = {s.text for s in report.statements["data"] if s.flag and "special" in s.flag}
    assert "child's ethnicity" in special
    for note in report.footnotes:  # every quote is verbatim in its notice at its offsets
        text = (settings.notices_dir / note["notice"]).read_text(encoding="utf-8")
        assert text[note["start"] : note["end"]] == note["quote"]


def test_report_lists_the_chains_and_what_is_missing(report):
    assert any(
        [h.to_label for h in c] == ["Department for Education", "Third parties (unspecified)"]
        for c in report.chains
    )
    assert "nothing is said about automated decision-making" in report.gaps
    assert not any("transfers" in gap for gap in report.gaps)  # the notice denies them


def test_renderings(report):
    html = render_html(report)
    assert (
        "No transfers outside the UK: “We will not send your information outside of the UK.”"
        in html
    )
    assert (
        "<svg" in html
        and "<script" not in html
        and "http" not in re.sub(r"xmlns='[^']*'", "", html)
    )
    markdown = render_markdown(report)
    assert "## Sharing chains" in markdown and "— 25 years" in markdown and "[1]" in markdown


def test_privacy_shield_is_flagged_and_cli_writes_files(built, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(settings.output_dir))
    path = tmp_path / "llep.md"
    result = runner.invoke(
        app,
        [
            "dpia",
            "--from",
            "Leicester City Council",
            "--service",
            "LLEP (Leicester and Leicestershire Enterprise Partnership)",
            "-o",
            str(path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "relies on EU-US Privacy Shield, which is no longer a valid transfer mechanism"
        in path.read_text()
    )
    missing = runner.invoke(
        app,
        [
            "dpia",
            "--from",
            "Leicester City Council",
            "--service",
            "Parking",
            "-o",
            str(tmp_path / "x.html"),
        ],
    )
    assert missing.exit_code == 2 and "no service area 'Parking'" in " ".join(
        missing.output.split()
    )


def test_whose_data_it_is_flags_children(report):
    subjects = {(s.detail, tuple(s.written), s.flag) for s in report.statements["subject"]}
    assert subjects == {
        ("Children", ("child", "children"), "children or a vulnerable group"),
        ("Young people", ("young people",), "children or a vulnerable group"),
        ("Pupils and students", ("pupils",), "children or a vulnerable group"),
    }
    text = render_markdown(report)
    assert "## Whose data it is" in text
    assert "- Young people [2] [4] **⚠ children or a vulnerable group**" in text
    assert "- Children (as written: “child”) [1] [2] [3]" in text
    assert "no categories of individuals" not in " ".join(report.gaps)


# ----------------------------------------------------------------------------- the document
def cited(text: str, pattern: str = r"\[(\d+)\]") -> list[int]:
    """Footnote numbers in the order the document cites them (before its list of sources)."""
    return [int(n) for n in re.findall(pattern, text)]


def first_appearances(numbers: list[int]) -> list[int]:
    return list(dict.fromkeys(numbers))


@pytest.fixture(scope="module")
def city(built, settings):
    store = open_store(settings)
    library = load_library(settings.queries_dir)
    network = flow_network(store, library)
    return build_report(store, library, network, find_node(network, "Leicester City Council"), None)


@pytest.mark.parametrize("which", ["report", "city"])
def test_footnotes_are_numbered_from_1_in_order_of_appearance_one_per_quote(which, request):
    report = request.getfixturevalue(which)
    html = render_html(report)
    body, sources = html.split("<section id='sources'")
    numbers = cited(body, r"href='#fn(\d+)'")
    assert numbers[0] == 1
    # the first citation of each footnote comes in order 1, 2, 3... and every footnote is cited
    assert first_appearances(numbers) == list(range(1, len(report.footnotes) + 1))
    assert cited(sources, r"<li id='fn(\d+)'") == list(range(1, len(report.footnotes) + 1))
    quotes = [" ".join(f["quote"].split()) for f in report.footnotes]
    assert len(set(quotes)) == len(quotes)  # no quote in two footnotes
    markdown = render_markdown(report)  # the same numbering
    text, listed = markdown.split("## Sources")
    body_refs = cited(text.split("## Whose data it is", 1)[1])
    assert first_appearances(body_refs) == list(range(1, len(report.footnotes) + 1))
    assert re.findall(r"^\[(\d+)\]", listed, re.M) == [
        str(n) for n in range(1, len(report.footnotes) + 1)
    ]
    for line in listed.strip().splitlines():  # each quote once in the list
        assert sum(line.split("” — ")[0] in other for other in listed.splitlines()) == 1


def test_each_recipient_appears_once_grouped_under_its_category(report, city):
    groups = dict(
        (heading, [s.detail for s in items]) for heading, items in report.recipient_groups()
    )
    assert groups == {
        "Education providers": ["Education providers"],
        "Government departments and agencies": ["Department for Education"],
        "Post-16 education and training providers": ["Post-16 education and training providers"],
        "Third parties (unspecified)": ["Third parties (unspecified)"],
    }
    for r in (report, city):
        labels = [s.detail for _, items in r.recipient_groups() for s in items]
        assert len(labels) == len(set(labels))
        html = render_html(r)
        section = html.split("id='s-recipient'")[1].split("</section>")[0]
        for label in labels:
            assert section.count(f"<strong>{escape(label)}</strong>") == 1
    contractors = {s.detail: s for s in city.statements["recipient"]}[
        "Contractors and service providers"
    ]
    assert len(contractors.footnotes) == 9 and "Housing" in contractors.services
    biffa = {s.detail: s for s in city.statements["recipient"]}["Biffa"]
    assert biffa.group == "Contractors and service providers"
    assert set(biffa.footnotes) < set(contractors.footnotes)  # the same quote, the same number


def test_lawful_bases_are_in_words_never_codes(report, city):
    codes = [
        line.split(",")[0]
        for line in (PROJECT_ROOT / "data" / "vocab" / "legal_bases.csv")
        .read_text()
        .splitlines()[1:]
    ]
    assert [s.detail for s in report.statements["basis"]] == [
        "Legal obligation — Art. 6(1)(c)",
        "Health or social care — Art. 9(2)(h)",
    ]
    for r in (report, city):
        for text in (render_html(r), render_markdown(r)):
            for code in codes:
                if "_" in code:
                    assert code not in text
        assert all(
            re.search(r" — Art\. \d+(\(\d\)\([a-j]\))?$", s.detail) for s in r.statements["basis"]
        )
    assert "Public task — Art. 6(1)(e)" in render_html(city)


def test_summary_table_at_the_top(report, city):
    rows = {row: (text, anchor, warning) for row, text, anchor, warning in summary(report)}
    assert rows["Recipients"][0] == (
        "4 recipients in 4 groups; 1 named organisation: Department for Education"
    )
    assert rows["Special category / criminal offence data"][2] == "special category"
    assert rows["Transfers outside the UK"][0].startswith("None: the notices say")
    assert rows["Retention"][0] == "25 years, 7 years (and criteria)"
    assert rows["Automated decisions"][0] == "Not stated"
    assert rows["Gaps (what the notices do not say)"][0] == "1: automated decisions"
    assert rows["Lawful bases"][0] == (
        "Legal obligation — Art. 6(1)(c); Health or social care — Art. 9(2)(h)"
    )
    for r in (report, city):
        count = int(dict((row, text) for row, text, _, _ in summary(r))["Recipients"].split()[0])
        html = render_html(r)
        section = html.split("id='s-recipient'")[1].split("</section>")[0]
        assert count == len(section_items(r, "recipient")) == section.count("<li>")
        assert html.index("<table class='summary'>") < html.index("<h2>")  # at the top
        for _, _, anchor, _ in summary(r):
            assert f"href='#{anchor}'" in html and f"id='{anchor}'" in html
    html = render_html(city)
    assert "@media print" in html and "@page" in html and "sans-serif" in html


def _pdf_text(pdf_document) -> str:
    return " ".join(
        box.text
        for page in pdf_document.pages
        for box in page._page_box.descendants()
        if getattr(box, "text", None)
    )


def _inflated(pdf: bytes) -> bytes:
    """The PDF's compressed streams inflated: its page and document dictionaries."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(stream))
    return b"\n".join(parts)


def test_dpia_pdf_is_a_real_pdf(report, built, settings, monkeypatch, tmp_path):
    weasyprint = pytest.importorskip("weasyprint")
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(settings.output_dir))
    path = tmp_path / "dpia.pdf"
    result = runner.invoke(
        app,
        ["dpia", "--from", "Leicestershire County Council", "--service",
         "Children and Family Services", "-o", str(path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    inside = _inflated(pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b", inside))
    assert pages >= 3
    assert (
        b"Leicestershire County Council" in inside
        or "Leicestershire County Council".encode("utf-16-be").hex().upper().encode()
        in inside.upper()
    )  # the document title
    laid_out = weasyprint.HTML(string=render_html(report)).render()  # what the PDF prints
    assert len(laid_out.pages) == pages
    text = _pdf_text(laid_out)
    assert "DPIA pre-fill: Leicestershire County Council" in text and "[1]" in text
    assert text.index("[1]") < text.index("[2]")


def test_dpia_in_chromium_first_footnote_is_1_and_the_summary_is_on_the_first_screen(
    report, tmp_path
):
    sync_api = pytest.importorskip("playwright.sync_api")
    path = tmp_path / "dpia.html"
    path.write_text(render_html(report), encoding="utf-8")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        outside: list[str] = []
        context.route(
            "**/*",
            lambda r: (
                r.continue_()
                if r.request.url.startswith("file://")
                else (outside.append(r.request.url), r.abort())
            ),
        )
        page = context.new_page()
        page.goto(path.as_uri())
        refs = page.locator("sup.fn a").all_inner_texts()
        assert refs[0] == "[1]"
        assert list(dict.fromkeys(refs)) == [f"[{n}]" for n in range(1, len(report.footnotes) + 1)]
        sources = page.locator("#sources li q").all_inner_texts()
        assert len(sources) == len(set(sources)) == len(report.footnotes)
        table = page.locator("table.summary").bounding_box()
        assert table and table["y"] >= 0 and table["y"] + table["height"] <= 900
        assert page.locator("table.summary th").all_inner_texts()[:2] == [
            "Whose data",
            "Recipients",
        ]
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "sans-serif" in font
        page.locator("sup.fn a").first.click()
        assert page.evaluate("location.hash") == "#fn1"
        page.emulate_media(media="print")
        assert page.locator("nav").is_hidden()
        browser.close()
    assert outside == []
