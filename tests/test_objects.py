"""normalise/objects.py: the object of a sharing verb, split into one phrase per recipient."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from flowgraph.normalise.objects import (
    follow_on_span,
    labelled_list,
    object_span,
    recipient_item,
    resumed_spans,
    split_phrase,
)
from flowgraph.parse.located import decode


def located(text: str):
    return decode(text, 0, len(text))


def objects_of(sentence: str, verb: str, known=None) -> list[str]:
    cue_end = sentence.index(verb) + len(verb)
    found = object_span(sentence, cue_end)
    assert found is not None, sentence
    pieces = split_phrase(located(sentence).sub(*found), known)
    for span in resumed_spans(sentence, found[1]):
        pieces += split_phrase(located(sentence).sub(*span), known)
    return [p.text for p in pieces]


def test_a_sentence_naming_several_recipients_gives_each():
    assert objects_of(
        "We may share it with the police, HMRC and other local authorities.", "share"
    ) == ["the police", "HMRC", "other local authorities"]


def test_the_object_stops_where_a_purpose_or_condition_begins():
    sentence = (
        "where the law allows us, we may disclose your personal data to other internal council "
        "departments or third parties for these or related purposes."
    )
    assert objects_of(sentence, "disclose") == [
        "other internal council departments",
        "third parties",
    ]


def test_later_objects_after_their_own_purpose_clauses():
    sentence = (
        "The council will then share your data with former employers to obtain references for "
        "you, the Disclosure and Barring Service to obtain necessary criminal records checks, "
        "Arvato for the purpose of setting you up on payroll, and Berkshire pensions for the "
        "purpose of enrolling you."
    )
    assert objects_of(sentence, "share") == [
        "former employers",
        "the Disclosure and Barring Service",
        "Arvato",
        "Berkshire pensions",
    ]


def test_a_list_after_a_colon_and_a_colon_that_ends_the_sentence():
    sentence = "We share it with the following organisations: Police Scotland, NHS and Registers of Scotland."
    assert objects_of(sentence, "share") == ["Police Scotland", "NHS", "Registers of Scotland"]
    lead_in = "We may share your information with the following organisations:"
    assert object_span(lead_in, lead_in.index("share") + 5) is None


def test_names_joined_by_and_stay_whole_and_examples_are_split_off():
    assert objects_of(
        "We share data with the Department for Work and Pensions and Wigan and Leigh Homes.",
        "share",
        known={"the Department for Work and Pensions"}.__contains__,
    ) == ["the Department for Work and Pensions", "Wigan and Leigh Homes"]
    assert objects_of("We share data with the Cabinet Office and Home Office.", "share") == [
        "the Cabinet Office",
        "Home Office",
    ]
    assert objects_of(
        "It may be shared with other organisations such as the Planning and Environmental "
        "Appeals Division or the Courts service in relation to any appeal.",
        "shared",
    ) == [
        "other organisations",
        "the Planning and Environmental Appeals Division",
        "the Courts service",
    ]


def test_no_object_for_us_for_a_purpose_or_for_a_denial_clause_before_it():
    sentence = "Other bodies may pass information to us."
    assert object_span(sentence, sentence.index("pass") + 4) is None
    sentence = "we will provide your details to process your claim."
    assert object_span(sentence, sentence.index("provide") + 7) is None
    sentence = (
        "We only share your information as required by law and with consideration to your right."
    )
    assert object_span(sentence, sentence.index("share") + 5) is None


def test_a_follow_on_sentence_lists_more_recipients():
    sentence = (
        "These may include bailiffs; tracing agents; the Audit Commission re: the National Fraud "
        "Initiative (NFI); your employer and other local authorities."
    )
    found = follow_on_span(sentence)
    assert found is not None
    assert [p.text for p in split_phrase(located(sentence).sub(*found))] == [
        "bailiffs",
        "tracing agents",
        "the Audit Commission re: the National Fraud Initiative (NFI)",
        "your employer",
        "other local authorities",
    ]
    assert follow_on_span("This would be for the prevention or detection of crime.") is None


def test_list_items_lose_their_trailing_purpose_or_condition():
    assert recipient_item(located("Police if there are safeguarding concerns")).text == "Police"
    assert (
        recipient_item(
            located("Credit Reference Agencies – to undertake single person discount review")
        ).text
        == "Credit Reference Agencies"
    )
    assert (
        recipient_item(located("Judicial Agencies e.g. Courts")).text
        == "Judicial Agencies e.g. Courts"
    )


def test_a_labelled_item_gives_its_list():
    pieces = labelled_list(located("External – Royal Mail, Land Registry, Valuation Office"))
    assert [p.text for p in pieces or []] == ["Royal Mail", "Land Registry", "Valuation Office"]
    assert labelled_list(located("Other local authorities")) is None


def test_organisations_named_in_a_bracket_each_with_a_clause():
    sentence = (
        "Your information will also be accessed by other third parties (2CQR who provide self "
        "service facilities and BorrowBox who provide e-book services)."
    )
    assert objects_of(sentence, "accessed by") == ["other third parties", "2CQR", "BorrowBox"]


NAMES = [
    "HMRC",
    "the police",
    "other local authorities",
    "Royal Mail",
    "Experian",
    "NHS trusts",
    "the Department for Education",
    "the Department for Work and Pensions",
    "credit reference agencies",
    "Ofsted",
    "the Valuation Office Agency",
    "housing associations",
]


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True),
    comma=st.sampled_from([", ", "; "]),
    last=st.sampled_from([" and ", " or ", ", and "]),
    verb=st.sampled_from(
        ["share your information with", "disclose your data to", "pass your details to"]
    ),
    tail=st.sampled_from(
        [".", " to help us prevent fraud.", " where the law allows.", " for these purposes."]
    ),
)
def test_any_list_of_recipients_splits_into_exactly_those_names(names, comma, last, verb, tail):
    """Property: "We may <verb> A, B and C<tail>" gives A, B and C, in order, each verbatim
    (the gazetteer knows each name, as it would the organisations a council names)."""
    listed = names[0] if len(names) == 1 else comma.join(names[:-1]) + last + names[-1]
    sentence = f"We may {verb} {listed}{tail}"
    assert (
        objects_of(sentence, re.split(r" (?:with|to)$", verb)[0], known=NAMES.__contains__) == names
    )
