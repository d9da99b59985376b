"""Notices in layouts unlike the five seed notices, written for these tests (tests/data/layouts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowgraph.model import NoticeSource
from flowgraph.pipeline import Extractor

LAYOUTS = Path(__file__).parent / "data" / "layouts"


@pytest.fixture(scope="module")
def extractor(settings) -> Extractor:
    return Extractor(settings)


def extract(extractor: Extractor, name: str, controller: str, service: str):
    extraction = extractor.extract(NoticeSource(LAYOUTS / name, controller, service))
    assert len(extraction.services) == 1
    return extraction, extraction.services[0]


def test_html_page_with_headings_lists_and_a_table(extractor):
    extraction, s = extract(
        extractor, "northbrook-council-tax.html", "Northbrook District Council", "Council Tax"
    )
    assert extraction.layout == "html"
    assert [(r.text, r.entity.kind, r.entity.key) for r in s.recipients] == [
        ("the Valuation Office Agency", "organisation", "voa"),
        ("enforcement agents (bailiffs) acting for us", "category", "enforcement-agents"),
        ("Northbrook Police & other law enforcement agencies", "organisation", "northbrook-police"),
        ("law enforcement agencies", "category", "law-enforcement"),
        ("the Cabinet Office for the National Fraud Initiative", "organisation", "cabinet-office"),
        ("<img src=x onerror=alert(1)>", "unresolved", "img-src-x-onerror-alert-1"),
    ]
    assert [(r.sender.key, r.entity.key) for r in s.onward] == [("voa", "land-registry")]
    assert [p.text for p in s.purposes] == [
        "To bill and collect Council Tax",
        "To award discounts, exemptions and reductions",
        "To prevent and detect fraud",
    ]
    assert [b.code for b in s.legal_bases] == ["legal_obligation", "public_task"]
    assert [(law.title, law.year) for law in s.laws] == [
        ("Local Government Finance Act", 1992),
        ("Council Tax (Administration and Enforcement) Regulations", 1992),
    ]
    assert s.transfers == []
    assert sorted(d.detail["denies"] for d in s.denials) == ["automated_decisions", "transfers"]
    assert [(r.detail["duration"], r.detail["event"]) for r in s.retention] == [
        ("P6Y", "end of the financial year in which the account closed")
    ]
    assert [(c.concept, c.special) for c in s.data_categories] == [
        ("name", False), ("address", False), ("birth-date", False), ("financial", False), ("health", True),
    ]  # fmt: skip
    assert not any("everyone" in r.text for r in s.recipients), "script content is never read"


def test_plain_text_with_unbulleted_lists(extractor):
    _, s = extract(
        extractor, "eastvale-housing-register.txt", "Eastvale Borough Council", "Housing Register"
    )
    assert [(r.text, r.entity.key) for r in s.recipients] == [
        ("Housing associations", "housing-providers"),
        ("Eastvale Homes Ltd", "eastvale-homes-ltd"),
        ("Department for Work and Pensions", "dwp"),
        ("Adult Social Care", "social-care"),
        ("registered provider", "housing-providers"),
    ]
    assert [b.code for b in s.legal_bases] == ["public_task", "art9_health_social_care"]
    assert [(law.title, law.year) for law in s.laws] == [("Housing Act", 1996)]
    assert [(t.destinations, [v.key for v in t.via], t.safeguards) for t in s.transfers] == [
        (("ie",), ["civica"], ("sccs",))
    ]
    assert [r.detail["duration"] for r in s.retention] == ["P2Y"]


def test_markdown_column_table(extractor):
    extraction, s = extract(
        extractor, "westmoor-blue-badge.md", "Westmoor Borough Council", "Blue Badge"
    )
    assert extraction.layout == "markdown"
    assert [(r.text, r.entity.kind, r.entity.key) for r in s.recipients] == [
        ("Department for Transport", "organisation", "dft"),
        ("Westmoor Police", "organisation", "westmoor-police"),
        ("APS Group Ltd", "organisation", "allied-publicity-services-manchester-limited"),
    ]
    assert [p.text for p in s.purposes] == [
        "To add your badge to the national Blue Badge database",
        "To investigate badge misuse",
        "To print and post your badge",
    ]
    assert [b.code for b in s.legal_bases] == ["public_task", "legal_obligation", "contract"]
    assert [r.detail["duration"] for r in s.retention] == ["P3Y"]


def test_data_subjects_from_a_section_and_from_cued_prose(extractor):
    """Under "Whose information we hold" every name counts; elsewhere only where the words say
    the data is about them. "staff" to visit, "adults at risk" to protect, "children's safety"
    and "Individual Pupils" in a law's title name no data subjects."""
    _, s = extract(
        extractor, "southfield-adult-social-care.md", "Southfield City Council", "Adult Social Care"
    )
    assert [(d.text, d.concept) for d in s.data_subjects] == [
        ("Adults with care and support needs", "vulnerable-adult"),
        ("Carers", "carer"),
        ("family members", "family-member"),
        ("People who make a complaint", "complainant"),
        ("carers", "carer"),
    ]
    assert s.data_subjects[-1].evidence.quote.startswith("We use information about you and your")
    assert [r.text for r in s.recipients] == [
        "Department for Work and Pensions",
        "Southfield Police",
    ]
