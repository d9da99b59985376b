"""normalise/extract.py reading structure first: the failure patterns seen on other councils'
notices, each as a small notice, with the exact facts it must give."""

from __future__ import annotations

import pytest

from flowgraph.model import NoticeSource
from flowgraph.pipeline import Extractor


@pytest.fixture(scope="module")
def extractor(settings) -> Extractor:
    return Extractor(settings)


def read(extractor: Extractor, tmp_path, text: str, controller: str = "Ambridge District Council"):
    path = tmp_path / "notice.txt"
    path.write_text(text, encoding="utf-8")
    extraction = extractor.extract(NoticeSource(path, controller, None))
    assert len(extraction.services) == 1
    return extraction.services[0]


def recipients(service) -> list[str]:
    return [r.text for r in service.recipients if r.role == "stated"]


def test_an_unknown_heading_with_no_colon_starts_a_section_of_its_own(extractor, tmp_path):
    """The list under "Who the data might be shared with" is recipients, not the laws of the
    heading before it."""
    s = read(
        extractor,
        tmp_path,
        "Why we can use your data\n"
        "We rely on public task under the Housing Act 1996.\n"
        "Who the data might be shared with\n"
        "- HMRC\n- the Police\n- Farthest Gate Ltd\n",
    )
    assert recipients(s) == ["HMRC", "the Police", "Farthest Gate Ltd"]
    assert [(law.title, law.year) for law in s.laws] == [("Housing Act", 1996)]
    assert [b.code for b in s.legal_bases] == ["public_task"]
    unknown = next(r for r in s.recipients if r.text == "Farthest Gate Ltd")
    assert unknown.entity.kind == "organisation" and unknown.entity.method == "pattern"


def test_a_question_heading_and_its_lead_in_line_stay_apart(extractor, tmp_path):
    s = read(
        extractor,
        tmp_path,
        "Who we share your information with\n"
        "If required we might share your information with:\n"
        "- Department for Work and Pensions\n- other local authorities\n- Experian\n",
    )
    assert recipients(s) == [
        "Department for Work and Pensions",
        "other local authorities",
        "Experian",
    ]
    assert s.purposes == []


def test_a_list_under_a_heading_nothing_places_is_read_by_its_items(extractor, tmp_path):
    s = read(
        extractor,
        tmp_path,
        "Our partners\n\n"
        "- DVLA\n- PayByPhone\n- APCOA\n- Northampton County Court\n\n"
        "Statutory background\n\n"
        "- The Housing Acts 1988, 1996, 2002\n- Road Traffic Regulation Act 1984\n",
    )
    assert recipients(s) == ["DVLA", "PayByPhone", "APCOA", "Northampton County Court"]
    assert [(law.title, law.year) for law in s.laws] == [
        ("Housing Act", 1988),
        ("Housing Act", 1996),
        ("Housing Act", 2002),
        ("Road Traffic Regulation Act", 1984),
    ]


def test_lawful_bases_however_worded(extractor, tmp_path):
    s = read(
        extractor,
        tmp_path,
        "Lawful basis\n"
        "- Public task\n"
        "- Personal Data Legal Obligation\n"
        "Special category data is processed under Article 9(2)(g) for substantial public interest.\n"
        "Elsewhere\n"
        "The processing is lawful under Article 6(1)(e) of the UK GDPR and 6(1)(c) UK GDPR.\n",
    )
    line = "The processing is lawful under Article 6(1)(e) of the UK GDPR and 6(1)(c) UK GDPR."
    assert [(b.code, b.evidence.quote) for b in s.legal_bases] == [
        ("public_task", "Public task"),
        ("legal_obligation", "Personal Data Legal Obligation"),
        (
            "art9_substantial_public_interest",
            "Special category data is processed under Article 9(2)(g) for substantial public"
            " interest.",
        ),
        ("public_task", line),  # each basis the sentence names, with that sentence as evidence
        ("legal_obligation", line),
    ]


def test_a_clause_naming_two_bases_then_a_list_of_laws(extractor, tmp_path):
    s = read(
        extractor,
        tmp_path,
        "Why we can use your data\n\n"
        "We can use your data if it's a legal obligation or public task under various UK laws "
        "including but not limited to:\n\n"
        "- Licensing Act 2003\n- House to House Collections Act 1939\n",
    )
    assert [b.code for b in s.legal_bases] == ["legal_obligation", "public_task"]
    assert [(law.title, law.year) for law in s.laws] == [
        ("Licensing Act", 2003),
        ("House to House Collections Act", 1939),
    ]


def test_a_list_of_all_six_bases_describes_the_law_and_gives_none(extractor, tmp_path):
    s = read(
        extractor,
        tmp_path,
        "There are six lawful bases for holding personal data:\n"
        "- consent\n- contract\n- legal obligation\n- vital interests\n- public task\n"
        "- legitimate interests\n"
        "Penalty charge notices\n"
        "We hold this data under the lawful basis of public task.\n",
    )
    assert [b.code for b in s.legal_bases] == ["public_task"]


def test_a_prose_sentence_naming_several_recipients_gives_each(extractor, tmp_path):
    s = read(
        extractor,
        tmp_path,
        "We may share your information with the police, HMRC and other local authorities to "
        "prevent fraud. These may include bailiffs; tracing agents and your employer.\n",
    )
    assert recipients(s) == [
        "the police",
        "HMRC",
        "other local authorities",
        "bailiffs",
        "tracing agents",
        "your employer",
    ]


def test_laws_named_in_passing_are_not_the_authority(extractor, tmp_path):
    s = read(
        extractor,
        tmp_path,
        "Ambridge District Council is a local authority established under the Local Government "
        "Act 1972. We process your data in line with the Data Protection Act 2018. Enforcement "
        "is carried out in accordance with the Traffic Management Act 2004.\n",
    )
    assert [(law.title, law.year) for law in s.laws] == [("Traffic Management Act", 2004)]
