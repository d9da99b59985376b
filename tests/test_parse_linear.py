"""Issue 13, point 6: no notice stalls a build. Crafted notices that took minutes are read in
well under 2 s, reading time grows linearly with a notice's length, random notice-like text of
up to ~10 kB is read in bounded time, the rewritten patterns match exactly what the old ones
matched, and a notice over the size limit is refused with a clear problem.

Wall-clock bounds are generous: the machine is shared, so the 2 s bound is stretched by the load
per core. The issue's cases, and most of the others, took from several seconds to minutes before
the fix (benchmarks/README.md lists the times before and after).
"""

from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from benchmarks.linear import CRAFTED, long_notice
from flowgraph.build import BuildFailed, build
from flowgraph.cli import app
from flowgraph.errors import NoticeError
from flowgraph.ingest.reader import read_notice
from flowgraph.model import NoticeSource
from flowgraph.normalise import laws
from flowgraph.parse.html_fragment import _TAG, _tags, looks_like_html
from flowgraph.parse.layout import _MD_MARK, _has_md_link
from flowgraph.parse.lines import _MD_HEADING, _heading_end
from flowgraph.parse.located import _MD_LINK, _LinkFinder, _trailing, decode
from flowgraph.pipeline import Extractor
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots

BOUND = 2.0  # seconds: the figure for each crafted notice, on a quiet machine


def bound() -> float:
    """The bound, stretched by how oversubscribed the shared machine is right now (load average
    per core; other sessions' test suites can make it 5x slower): before the fix these notices
    took from seconds to minutes, so even a stretched bound tells the two apart."""
    return BOUND * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))


runner = CliRunner()


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    extractor = Extractor(Settings(max_notice_bytes=50_000_000))
    extractor.extractor  # noqa: B018 - vocabularies loaded before any timing
    return extractor


def seconds_to_extract(extractor: Extractor, text: str, folder: Path) -> float:
    path = folder / "notice.txt"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    extractor.extract(NoticeSource(path, "Test Borough Council"))
    return time.perf_counter() - started


# ------------------------------------------------------------------ crafted notices
# The three (102 s, 189 s and 17 s before), then shapes found by profiling and by timing
# every pattern of parse/ and normalise/ on long runs of each character and word, and the shapes
# the issue names (runs of spaces, commas, dashes, colons and brackets, long lines, many headings,
# deep lists). Each is read in well under the bound on a quiet machine (0.05-0.6 s); most took
# seconds to minutes before (benchmarks/README.md lists old and new times).
CASES = {
    "heading, 5,000 spaces": CRAFTED["heading, 5,000 spaces"],
    "item, 3,000 commas": CRAFTED["item, 3,000 commas"],
    "one 100,000-letter word": CRAFTED["one 100,000-letter word"],
    "100,000 spaces": CRAFTED["100,000 spaces"],
    "100,000 commas": CRAFTED["100,000 commas"],
    "25,000 dashes": "-" * 25_000 + " x",
    "25,000 colons": ":" * 25_000 + " x",
    "10,000 open brackets": "Act (" * 10_000,
    "25,000 square brackets": "[" * 25_000 + "]",
    "12,000 unclosed tags": "<b" * 12_000,
    "6,000 unclosed comments": "<!--" * 6_000 + "<p>x",
    "one 25 kB sentence of names": "We share your data with HMRC, the Police, " * 600,
    "1,000 sharing verbs": "We share your data with HMRC and " * 1_000,
    "5,000 headings": "## Who we share your information with\n" * 5_000,
    "2,500-item deep list": "".join("  " * (k % 50) + "- HMRC\n" for k in range(2_500)),
    "30,000 list numbers": CRAFTED["30,000 list numbers"],
    "4,000 lines ending mid-sentence": "We share your data with\n\n" * 4_000,
    "50,000-digit section": CRAFTED["50,000-digit section"],
    "30,000 dotted letters": "a." * 30_000 + "x",
    "10,000 lone keywords": "Rules x " * 10_000,
    "one 40,000-character line of words": "information we get from " * 1_700,
    "a 40,000-letter capitalised word": "We share your data with the " + "Aa" * 20_000 + " x.",
    "10,000 'keep' without a period": "keep " * 10_000,
    "8,000 'we get' without 'from'": "we get " * 8_000,
    "5,000 retention scopes": "6 years for A " * 5_000 + ".",
}


@pytest.mark.parametrize("name", list(CASES))
def test_crafted_notice_is_read_in_under_two_seconds(extractor, tmp_path, name):
    assert seconds_to_extract(extractor, CASES[name], tmp_path) < bound(), name


def test_crafted_notices_build_and_the_build_reports_them(tmp_path):
    names = ["heading, 5,000 spaces", "item, 3,000 commas", "one 100,000-letter word"]
    folder = tmp_path / "notices"
    folder.mkdir()
    rows = ["file,controller"]
    for k, name in enumerate(names):
        (folder / f"crafted-{k}.txt").write_text(CASES[name], encoding="utf-8")
        rows.append(f"crafted-{k}.txt,Test Borough Council")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    started = time.perf_counter()
    report = build(Settings(build_dir=tmp_path / "build"), [folder])
    assert time.perf_counter() - started < 3 * bound() + 10  # three notices plus the store load
    assert report.notices == 3


# ------------------------------------------------------------------ linear in length
def test_reading_time_is_linear_in_the_number_of_lines(extractor, tmp_path):
    """4x the lines may take about 4x the time; quadratic passes took ~16x (100k lines 40 s)."""
    small = seconds_to_extract(extractor, long_notice(2_500), tmp_path)
    seconds_to_extract(extractor, long_notice(2_500), tmp_path)  # warm caches alike
    small = min(small, seconds_to_extract(extractor, long_notice(2_500), tmp_path))
    # the best of two runs each: a shared, noisy machine only ever makes a run slower
    large = min(seconds_to_extract(extractor, long_notice(10_000), tmp_path) for _ in range(2))
    assert large / small < 6, (small, large)


def test_many_short_lines_are_linear(extractor, tmp_path):
    """The next-line look-ahead and paragraph joins were quadratic in the number of lines."""
    small = seconds_to_extract(extractor, "Privacy notice\n\n" + "a\n" * 25_000, tmp_path)
    large = seconds_to_extract(extractor, "Privacy notice\n\n" + "a\n" * 100_000, tmp_path)
    assert large / max(small, 0.05) < 6, (small, large)


# ------------------------------------------------------------------ random notice-like text
ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ") + list(" ,#-:()0123456789\n")
    + ["  ", "\n\n", "Act ", "HMRC ", "Council ", "- ", "## ", "1. ", " and ", "share with "]
)  # fmt: skip


@hyp_settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(pieces=st.lists(ALPHABET, min_size=50, max_size=4_000), seed=st.integers(0, 10**6))
def test_random_notice_like_text_is_read_in_bounded_time(extractor, tmp_path, pieces, seed):
    # each example grown to ~10 kB by repeating its own pieces in a shuffled order
    rng = random.Random(seed)
    text = "".join(pieces)
    while len(text) < 10_000:
        rng.shuffle(pieces)
        text += "".join(pieces)
    assert seconds_to_extract(extractor, text[:12_000], tmp_path) < bound()


# ------------------------------------------------------------------ the rewrites match the same
OLD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
OLD_TRAILING = re.compile(r"(?:\s*[.,;:]+)?(?:\s*(?:;|,)?\s*\b(?:and|or)\b)?\s*[.,;:]*\s*$")
OLD_MARKS = re.compile(r"^#{1,6}\s|^\s*\|.*\|\s*$|.*\[[^\]]+\]\([^)]*\)")
OLD_LOOKS_HTML = re.compile(r"<(ul|ol|li|p|br|h[1-6]|table|tr|td|div|b|strong)\b[^>]*>", re.I)
OLD_YEARS = re.compile(
    r"(?:\s*\((?:NI|N\.I\.|Northern Ireland|Scotland|Wales|England|England and Wales)\))?"
    r"(?:(?:\s*(?:,|\band\b|&|\bof\b))*\s*\(?(\d{4})(?:/\d+)?\)?)+"
)
OLD_PROVISION = re.compile(
    r"(?:(?:Section|Sections|Part|Schedule|Regulation|Article|Chapter|Paragraph|Sch\.?|s\.)\s*\d+[\w()]*(?:\s*,\s*|\s+))+",
    re.I,
)


def _texts(pieces: list[str], seed: int, count: int = 20_000) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(count)]


def test_heading_scan_matches_the_old_pattern():
    for line in _texts(["#", "##", " ", "\t", "a", "b", "\xa0", "\x0b", ".", "#######"], 1):
        old, new = OLD_HEADING.match(line), _MD_HEADING.match(line)
        assert bool(old) == bool(new), line
        if old and new:
            assert old.span(2) == (new.end(), _heading_end(line, new.end())), line


def test_trailing_punctuation_scan_matches_the_old_pattern():
    pieces = [" ", ",", ";", ".", ":", "and", "or", " and", " or", "x", "band", "_", "é", "\xa0"]
    for text in _texts(pieces, 2):
        old, new = OLD_TRAILING.search(text), _trailing(text)
        assert old.span() == new.span(), text


def test_link_and_tag_searches_match_the_old_patterns():
    pieces = ["[", "]", "(", ")", "<", ">", "http://", "https://", "a", " ", "\n", "](", "<!--",
              "-->", "<b", "</b", "<p>", "_", "/"]  # fmt: skip
    for text in _texts(pieces, 3):
        finder, pos = _LinkFinder(text), 0
        while pos <= len(text):
            old, new = _MD_LINK.search(text, pos), finder.search(pos)
            assert (old and (old.span(), old.groups())) == (new and (new.span(), new.groups()))
            pos = old.end() if old else len(text) + 1
        assert [(m.span(), m.groups()) for m in _TAG.finditer(text)] == [
            (m.span(), m.groups()) for m in _tags(text, 0, len(text))
        ], text
        assert bool(OLD_LOOKS_HTML.search(text)) == looks_like_html(text), text
        for line in text.splitlines():  # the layout is guessed line by line
            assert bool(OLD_MARKS.match(line)) == bool(_MD_MARK.match(line) or _has_md_link(line))
        for markdown in (False, True):
            assert decode(text, 0, len(text), markdown=markdown) is not None


def test_law_patterns_match_the_old_ones():
    pieces = [" ", ",", "and", " and ", "&", "of", " of ", "(", ")", "1989", "2004", "/", "12",
              "x", "(Wales)", "(NI)", "Section", "1", "s."]  # fmt: skip
    for text in _texts(pieces, 4):
        for pos in range(0, len(text) + 1, 3):
            old, new = OLD_YEARS.match(text, pos), laws._YEARS.match(text, pos)
            assert (old and (old.span(), old.groups())) == (new and (new.span(), new.groups()))
        assert [m.span() for m in OLD_PROVISION.finditer(text)] == [
            m.span() for m in laws._PROVISION.finditer(text)
        ]


# ------------------------------------------------------------------ the size limit
def test_a_notice_over_the_limit_is_refused_with_file_size_and_limit(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("Who we share with\n- HMRC\n" * 100, encoding="utf-8")
    size = path.stat().st_size
    with pytest.raises(NoticeError) as caught:
        read_notice(NoticeSource(path, "Test Borough Council"), max_bytes=1_000)
    message = str(caught.value)
    assert "huge.txt" in message and f"{size:,} bytes" in message and "1,000 bytes" in message
    assert "FLOWGRAPH_MAX_NOTICE_BYTES" in message
    assert read_notice(NoticeSource(path, "Test Borough Council"), max_bytes=size).text


def _two_notices(folder: Path) -> Path:
    folder.mkdir()
    (folder / "small.txt").write_text("Who we share with\n- HMRC\n- Rutland Police\n")
    (folder / "big.txt").write_text("Who we share with\n" + "- HMRC\n" * 2_000)
    rows = ["file,controller", "small.txt,Rutland County Council", "big.txt,Rutland County Council"]
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    return folder


def test_over_the_limit_is_a_problem_others_build_and_strict_fails_keeping_the_graph(tmp_path):
    folder = _two_notices(tmp_path / "notices")
    limited = Settings(build_dir=tmp_path / "build", max_notice_bytes=5_000)
    report = build(limited, [folder])
    assert report.notices == 1  # the small one is built
    [problem] = [p for p in report.problems if "big.txt" in p]
    assert "14,018 bytes" in problem and "limit of 5,000 bytes" in problem
    published = snapshots.current(limited.output_dir)
    with pytest.raises(BuildFailed) as failed:
        build(limited, [folder], strict=True)
    assert any("big.txt" in p and "5,000 bytes" in p for p in failed.value.problems)
    assert snapshots.current(limited.output_dir) == published  # the previous graph is intact
    assert (published / "oxigraph").exists()


def test_the_limit_is_set_by_environment_and_strict_exits_two(tmp_path, monkeypatch):
    folder = _two_notices(tmp_path / "notices")
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(tmp_path / "build"))
    monkeypatch.setenv("FLOWGRAPH_MAX_NOTICE_BYTES", "5000")
    ok = runner.invoke(app, ["build", str(folder)])
    assert ok.exit_code == 0, ok.output
    assert "big.txt" in ok.output and "limitof5,000bytes" in "".join(ok.output.split())
    strict = runner.invoke(app, ["build", str(folder), "--strict"])
    assert strict.exit_code == 2
    assert "big.txt" in strict.output
    monkeypatch.setenv("FLOWGRAPH_MAX_NOTICE_BYTES", "100000")
    assert runner.invoke(app, ["build", str(folder), "--strict"]).exit_code == 0
