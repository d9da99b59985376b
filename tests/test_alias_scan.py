"""AliasScanner finds exactly what the one big alias regex finds, on real notices and made-up text."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from flowgraph.normalise.alias_scan import AliasScanner
from flowgraph.normalise.gazetteer import Gazetteer
from flowgraph.normalise.vocab import any_alias_regex
from flowgraph.pipeline import Extractor
from flowgraph.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
NOTICES = sorted((ROOT / "data" / "notices").glob("*.txt")) + sorted(
    p
    for p in (ROOT / "tests" / "data" / "corpus").rglob("*")
    if p.is_file() and p.suffix in {".txt", ".md", ".html", ".htm"}
)


@cache
def gazetteer() -> Gazetteer:
    return Extractor(Settings()).gazetteer


@cache
def scanners(register: bool) -> tuple[re.Pattern[str], AliasScanner]:
    aliases = list(gazetteer().register_aliases if register else gazetteer().scan_aliases)
    flags = 0 if register else re.I
    return re.compile(any_alias_regex(aliases), flags), AliasScanner(aliases, not register)


def both(
    text: str, register: bool
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    big, scanner = scanners(register)
    expected = [(m.start(), m.end(), m.group(0)) for m in big.finditer(text) if m.end() > m.start()]
    return expected, list(scanner.finditer(text))


def test_real_notices_give_the_same_matches() -> None:
    assert len(NOTICES) >= 40
    found = 0
    for path in NOTICES:
        text = path.read_text(encoding="utf-8", errors="replace")
        for register in (False, True):
            expected, got = both(text, register)
            assert got == expected, path.name
            found += len(got)
    assert found > 500  # the notices name organisations: the comparison is not of empty lists


def test_matches_of_each_shape() -> None:
    scanner = AliasScanner(["HM Revenue & Customs", "HMRC", "Police", "St. Helens Council"], True)
    text = "to hm revenue and customs (HMRC), the police, st. helens  council; not PoliceScotland"
    assert list(scanner.finditer(text)) == [
        (3, 25, "hm revenue and customs"),
        (27, 31, "HMRC"),
        (38, 44, "police"),
        (46, 65, "st. helens  council"),
    ]
    cased = AliasScanner(["Animal Health"], ignore_case=False)
    assert list(cased.finditer("animal health; Animal Health")) == [(15, 28, "Animal Health")]


WORDS = st.sampled_from(
    ["HM", "Revenue", "and", "&", "Customs", "Police", "police", "NHS", "Council", "the",
     "Department", "for", "Education", "Health", "Ofsted", "DWP", "x", "-", "'", "/", ",", "St."]
)  # fmt: skip
SPACES = st.sampled_from([" ", "  ", "\n", "", "-", "&"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(WORDS, SPACES), max_size=30), st.booleans())
def test_made_up_texts_give_the_same_matches(parts: list[tuple[str, str]], register: bool) -> None:
    text = "".join(word + space for word, space in parts)
    expected, got = both(text, register)
    assert got == expected
