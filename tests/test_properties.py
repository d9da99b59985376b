"""Properties that must hold for any input, not just the seed notices (hypothesis)."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from flowgraph.model import Notice, NoticeSource
from flowgraph.normalise.laws import find_laws
from flowgraph.normalise.subjects import SubjectReader
from flowgraph.normalise.vocab import Vocabulary
from flowgraph.parse.located import decode
from flowgraph.settings import PROJECT_ROOT

text_piece = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="&<>"), max_size=20
)
entity = st.sampled_from(["&amp;", "&lt;", "&gt;", "&quot;", "&#8217;", "&#x2022;", "&nbsp;"])


@given(st.lists(st.one_of(text_piece, entity), max_size=12))
def test_decoded_text_maps_back_to_its_source(parts):
    """Every decoded character comes from a source span whose decoding yields that character."""
    source = "".join(parts)
    located = decode(source, 0, len(source))
    assert located.text == " ".join(html.unescape(source).split())
    for ch, start, end in zip(located.text, located.starts, located.ends, strict=True):
        raw = source[start:end]
        assert 0 <= start < end <= len(source)
        assert (ch == " " and not raw.strip()) or html.unescape(raw) in (ch, "\xa0") or ch == " "


title_word = st.sampled_from(
    ["Children", "Housing", "Local", "Government", "Finance", "Health", "Social", "Care", "Mental"]
)
years = st.lists(st.integers(min_value=1800, max_value=2030), min_size=1, max_size=4, unique=True)


@settings(max_examples=200)
@given(
    st.lists(title_word, min_size=1, max_size=4),
    years,
    st.sampled_from([", ", " and ", ", and "]),
    st.booleans(),
)
def test_one_law_per_year(words, year_list, joiner, leading_the):
    """'The X Act 1989, 2004' names one Act per year, each with the same title."""
    title = " ".join(words) + " Act"
    text = ("The " if leading_the else "") + title + " " + joiner.join(map(str, year_list))
    found = find_laws(text)
    assert [(law.title, law.year) for law in found] == [(title, y) for y in year_list]


SUBJECT_VOCAB = Vocabulary(PROJECT_ROOT / "data" / "vocab")
plain_word = st.sampled_from(["we", "use", "to", "support", "plan", "services", "for", "visit",
                              "help", "with", "arrange", "local", "care", "homes", "daily"])  # fmt: skip
subject_alias = st.sampled_from(
    sorted({a for c in SUBJECT_VOCAB.data_subjects for a in c.extra["aliases"].split("|")})
)


def read_subjects(text: str, section: bool):
    notice = Notice(NoticeSource(PROJECT_ROOT / "x.txt", "C"), text, "", (0,))
    cues = SUBJECT_VOCAB.cues
    reader = SubjectReader(SUBJECT_VOCAB.data_subjects, cues["subject_intro"],
                           cues["subject_possessive"], notice)  # fmt: skip
    return reader.read(decode(text, 0, len(text)), section=section)


@settings(max_examples=150)
@given(st.lists(plain_word, max_size=5), subject_alias, st.lists(plain_word, max_size=5))
def test_a_name_counts_as_a_data_subject_only_where_the_words_say_so(before, alias, after):
    """Without a cue a name is not a data subject; after "information about" it is, whatever
    surrounds it; under a data-subject heading it always is. Each keeps its exact text."""
    sentence = " ".join([*before, alias, *after])
    assert read_subjects(sentence, section=False) == []
    cued = " ".join([*before, "information about", alias, *after])
    found = read_subjects(cued, section=False)
    assert found and found[0].text.lower() == alias.lower()
    # under a heading the name is read too; a longer name around it ("local resident") may win
    in_section = [d.text.lower() for d in read_subjects(sentence, section=True)]
    assert in_section and alias.lower() in in_section[0]
