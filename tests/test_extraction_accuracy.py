"""Extraction accuracy on real notices of other councils (tests/data/corpus/), held above floors.

The notices are extracted in process, as `flowgraph extract` reads them, and scored with
benchmarks/accuracy.py (the rules of the corpus's scorer). The floors are in
tests/data/corpus/floors.json: raise them when the loader gets better, never lower them to pass.
`python -m benchmarks extraction --show` shows what was missed and what was extra.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.accuracy import FIELDS, figures, matches, norm, score_notice
from benchmarks.extraction import (
    CORPUS_MANIFEST,
    corpus_cases,
    extract_json,
    read_floors,
    sample_cases,
    score_cases,
)
from flowgraph.settings import PROJECT_ROOT

FLOORS = json.loads((CORPUS_MANIFEST.parent / "floors.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corpus_scores():
    return score_cases(corpus_cases(CORPUS_MANIFEST))


@pytest.fixture(scope="module")
def sample_scores():
    return score_cases(sample_cases())


def test_every_corpus_notice_is_scored_and_extracts(corpus_scores):
    manifest = json.loads(CORPUS_MANIFEST.read_text(encoding="utf-8"))
    assert len(corpus_scores) == len(manifest) >= 37
    assert [s.name for s in corpus_scores if s.failed] == []


@pytest.mark.parametrize("field", [f for f in FIELDS if f in FLOORS["corpus"]])
def test_corpus_figures_hold_their_floors(corpus_scores, field):
    got = figures(corpus_scores)[field]
    floor = FLOORS["corpus"][field]
    assert got["P"] >= floor["P"] and got["R"] >= floor["R"], (
        f"{field}: P={got['P']:.3f} R={got['R']:.3f}, floor P={floor['P']} R={floor['R']}"
    )


def test_sample_notices_keep_their_recipients(sample_scores):
    assert len(sample_scores) == 5 and not any(s.failed for s in sample_scores)
    got = figures(sample_scores)["recipients"]
    floor = FLOORS["samples"]["recipients"]
    assert got["P"] >= floor["P"] and got["R"] >= floor["R"], got


def test_floors_file_names_known_fields_with_proportions():
    for part in ("corpus", "samples"):
        floors = read_floors(CORPUS_MANIFEST, part)
        assert floors.keys() == FLOORS[part].keys() <= set(FIELDS)
        assert all(0 <= v <= 1 for f in floors.values() for v in (f["P"], f["R"]))
    assert {"recipients", "laws", "bases"} <= FLOORS["corpus"].keys()


# ------------------------------------------------------------------ the scorer on hand-made cases


def gold(**fields) -> dict:
    service = {"service": "", "recipients": [], "legal_bases": {"gdpr_bases": [], "laws": []}}
    service["legal_bases"].update(fields.pop("legal_bases", {}))
    return {"controller": "Testshire Council", "services": [service | fields]}


def got(**fields) -> list[dict]:
    service = {"service": None, "recipients": [], "legal_bases": {"gdpr_bases": [], "laws": []}}
    service["legal_bases"].update(fields.pop("legal_bases", {}))
    return [service | fields]


def test_normalisation():
    assert (
        norm("The Police & Crime Commissioner’s office.")
        == "police and crime commissioner's office"
    )
    assert norm("The Housing Acts 1988, 1996") == "housing act 1988 1996"
    assert norm("&amp; HMRC") == "and hmrc"


@pytest.mark.parametrize(
    ("extracted", "gold_item", "expected"),
    [
        ("Police", "Police", True),  # exact
        ("the police", "Police.", True),  # case, punctuation and a leading "the"
        (
            "Department for Work and Pension",
            "Department for Work and Pensions",
            True,
        ),  # ratio >= 88
        (
            "HMRC",
            "Government departments e.g. HMRC, DWP",
            True,
        ),  # its content words are in the item
        ("Police Scotland and partners", "Police Scotland", True),  # the item and two words more
        ("Police Scotland and our partner support agencies", "Police Scotland", False),  # 3 more
        ("Housing Act 1988", "The Housing Acts 1988, 1996, 2002", True),  # "Acts" counts as "Act"
        ("Courts", "Credit reference agencies", False),
        ("and", "of", False),  # stop words only: no content word to compare
        ("", "Police", False),
    ],
)
def test_matching(extracted, gold_item, expected):
    assert matches(extracted, gold_item) is expected


def test_recipient_counts_named_in_items_and_extras():
    g = gold(
        recipients=["Other councils, e.g. Warwickshire CC", "Police"],
        named_in_recipient_items=["Warwickshire County Council"],
    )
    x = got(
        recipients=[
            {"text": "Warwickshire County Council"},  # named inside an item: correct
            {"text": "the Police"},
            {"text": "Credit reference agencies"},  # extra
        ]
    )
    score = score_notice("n", g, x)
    # 2 of 3 extracted are correct; the named council does not stand for its item, which is missed
    assert score.counts["recipients"] == [2, 3, 1, 2]
    assert score.extra["recipients"] == ["Credit reference agencies"]
    assert score.missed["recipients"] == ["Other councils, e.g. Warwickshire CC"]
    # without the named organisation in the gold, the same entry is an extra
    del g["services"][0]["named_in_recipient_items"]
    assert score_notice("n", g, x).counts["recipients"] == [1, 3, 1, 2]


def test_laws_bases_and_transfers():
    g = gold(legal_bases={"gdpr_bases": ["public_task", "legal_obligation"],
                          "laws": ["The Housing Acts 1988, 1996", "Localism Act 2011"]},
             transfers=[{"text": "outside the UK", "destination": None, "safeguard": None}])  # fmt: skip
    x = got(
        legal_bases={"gdpr_bases": ["public_task", "consent"], "laws": ["Housing Act 1996"]},
        transfers=[],
    )
    score = score_notice("n", g, x)
    assert score.counts["laws"] == [1, 1, 1, 2]
    assert score.missed["laws"] == ["Localism Act 2011"]
    assert score.counts["bases"] == [1, 2, 1, 2]  # exact codes, once each
    assert score.missed["bases"] == ["legal_obligation"] and score.extra["bases"] == ["consent"]
    assert score.counts["transfers"] == [0, 0, 0, 1]  # notice-level: stated, not read
    read = score_notice("n", g, got(transfers=[{"text": "abroad"}]))
    assert read.counts["transfers"] == [1, 1, 1, 1]


def test_services_are_paired_by_name_when_the_gold_has_several():
    g = {
        "controller": "Testshire Council",
        "services": [
            {"service": "Council Tax", "recipients": ["HMRC"], "legal_bases": {}},
            {"service": "Parking", "recipients": ["DVLA"], "legal_bases": {}},
        ],
    }
    x = [
        {"service": "Parking services", "recipients": [{"text": "DVLA"}], "legal_bases": {}},
        {"service": "council tax", "recipients": [{"text": "DVLA"}], "legal_bases": {}},
    ]
    score = score_notice("n", g, x)
    # council tax pairs with "council tax" (DVLA extra, HMRC missed); parking with "Parking services"
    assert score.counts["recipients"] == [1, 2, 1, 2]
    assert score.missed["recipients"] == ["HMRC"]


def test_figures_micro_average_and_an_empty_field():
    a = score_notice("a", gold(recipients=["Police", "HMRC"]), got(recipients=["Police"]))
    b = score_notice("b", gold(recipients=["DVLA"]), got(recipients=["DVLA", "Courts"]))
    fig = figures([a, b])
    assert fig["recipients"] == {"P": 2 / 3, "R": 2 / 3}
    assert fig["laws"] == {"P": 0.0, "R": 1.0}  # nothing extracted, nothing to find
    failed = score_notice("c", gold(recipients=["Police"]), [], failed="boom")
    assert failed.counts["recipients"] == [0, 0, 0, 1] and failed.failed == "boom"


# ------------------------------------------------------------------ the command and the CLI


def test_in_process_extraction_is_what_the_command_prints():
    case = next(c for c in corpus_cases(CORPUS_MANIFEST) if c.name.startswith("lincolnshire"))
    run = subprocess.run(
        [sys.executable, "-m", "flowgraph", "extract", str(case.path),
         "--controller", case.controller, "--format", "json"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert json.loads(run.stdout) == extract_json(case.path, case.controller)


def test_benchmark_command_scores_one_notice():
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "extraction", "--only", "lincolnshire--blue-badge"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert "lincolnshire--blue-badge.txt" in run.stdout
    assert "micro-averaged over 1 notices" in run.stdout
    assert "corpus: recipients P=" in run.stdout and "failed notices 0" in run.stdout
    for field in ("recipients", "laws", "bases", "purposes", "data categories", "retention"):
        assert field in run.stdout
    assert "samples" not in run.stdout  # --only matched no sample notice
