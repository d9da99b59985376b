"""The curated vocabularies load, and every alias resolves to the entry that lists it."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from flowgraph.errors import VocabularyError
from flowgraph.normalise.gazetteer import Gazetteer
from flowgraph.normalise.vocab import Vocabulary, split_aliases
from flowgraph.settings import PROJECT_ROOT

VOCAB = PROJECT_ROOT / "data" / "vocab"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(Vocabulary(VOCAB))


def test_every_alias_resolves_to_its_own_entry(gazetteer):
    vocabulary = gazetteer.vocabulary
    for row in [*vocabulary.categories, *vocabulary.organisations]:
        for alias in [row["label"], *split_aliases(row["aliases"])]:
            if alias.startswith("@"):
                continue
            ref = gazetteer.resolve_phrase(alias.lstrip("="))
            if row.get("generated") == "true" and ref is not None and ref.key != row["id"]:
                # a register's spelling another body claims by hand: the curated one wins
                assert not gazetteer.entries[ref.key].generated, (alias, ref)
                continue
            assert ref is not None and ref.key == row["id"], (alias, ref)


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("HRMC", "hmrc"),
        ("DLHUC", "dluhc"),
        ("Departmnet for Education", "dfe"),
        ("Polce", "police"),
    ],
)
def test_typos_resolve(gazetteer, typo, expected):
    assert gazetteer.resolve_phrase(typo).key == expected


def test_named_organisations_unknown_to_the_gazetteer_are_recognised(gazetteer):
    assert gazetteer.resolve_phrase("Rutland Police").key == "rutland-police"
    assert gazetteer.resolve_phrase("Borsetshire County Council").kind == "organisation"
    assert gazetteer.resolve_phrase("Acme Widgets Ltd").key == "acme-widgets-ltd"


def test_adding_an_organisation_is_a_data_change(tmp_path: Path):
    shutil.copytree(VOCAB, tmp_path / "vocab")
    path = tmp_path / "vocab" / "organisations.csv"
    with path.open("a", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow(
            [
                "ambridge-trust",
                "Ambridge Community Trust",
                "voluntary-sector",
                "dpv:CharityOrganisation",
                "",
                "",
                "ambridge community trust|act ambridge",
            ]
        )
    gazetteer = Gazetteer(Vocabulary(tmp_path / "vocab"))
    assert gazetteer.resolve_phrase("ACT Ambridge").key == "ambridge-trust"
    mentions = gazetteer.find_mentions("We share your data with the Ambridge Community Trust.")
    assert [m.entity.key for m in mentions] == ["ambridge-trust"]


def test_a_conflicting_alias_is_refused_with_the_file_named(tmp_path: Path):
    shutil.copytree(VOCAB, tmp_path / "vocab")
    path = tmp_path / "vocab" / "organisations.csv"
    with path.open("a", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow(["taxman", "Taxman", "", "", "", "", "hmrc"])
    with pytest.raises(VocabularyError, match=r"organisations\.csv.*'hmrc'"):
        Gazetteer(Vocabulary(tmp_path / "vocab"))


def test_a_malformed_row_names_file_and_line(tmp_path: Path):
    shutil.copytree(VOCAB, tmp_path / "vocab")
    path = tmp_path / "vocab" / "cues.csv"
    path.write_text(path.read_text() + "share,broken(,note,extra\n")
    with pytest.raises(VocabularyError, match=r"cues.csv:\d+"):
        _ = Vocabulary(tmp_path / "vocab").cues
