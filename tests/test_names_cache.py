"""The names index kept beside a snapshot (query/names_cache.py): the same answers as working
the names out, read without the `names` query, and never stale: a new build, a changed
vocabulary file or an unreadable file gives the names worked out again."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from flowgraph.build import build
from flowgraph.query import names_cache
from flowgraph.query.library import load_library
from flowgraph.query.names import NameNotFound, load_names
from flowgraph.settings import PROJECT_ROOT, Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.base import open_store

B = "https://w3id.org/flowgraph/id/"
LIBRARY = load_library(PROJECT_ROOT / "queries")
TYPED = {  # what a user types -> what it names, across labels, aliases, services and notices
    ("Leicestershire County Council", "controller"): B + "org/leicestershire-county-council",
    ("hmrc", "organisation"): B + "org/hmrc",
    ("the police", "category"): B + "category/police",
    ("leeds-city-council-general.txt", "notice"): B + "notice/leeds-city-council-general",
}


@pytest.fixture
def workspace(tmp_path: Path) -> Settings:
    """A build of the sample notices with a vocabulary of its own (the tests edit both)."""
    shutil.copytree(PROJECT_ROOT / "data" / "notices", tmp_path / "notices")
    shutil.copytree(Settings().vocab_dir, tmp_path / "vocab")
    settings = Settings(home=tmp_path)
    assert settings.vocab_dir == tmp_path / "vocab"
    build(settings)
    return settings


def kept(settings: Settings) -> list[Path]:
    return sorted(snapshots.current(settings.output_dir).glob("names-*.marshal"))


def resolved(settings: Settings) -> dict[tuple[str, str], str]:
    store = open_store(settings)
    try:
        names = names_cache.names_for(store, LIBRARY, settings)
        return {(text, kind): names.resolve(text, kind).iri for text, kind in TYPED}
    finally:
        store.close()


def test_the_kept_index_answers_as_the_names_query_does(workspace, monkeypatch):
    assert kept(workspace) == []
    first = resolved(workspace)
    assert first == TYPED
    assert len(kept(workspace)) == 1

    def no_query(*_args, **_kwargs):
        raise AssertionError("the names were worked out again")

    monkeypatch.setattr(names_cache, "load_names", no_query)
    assert resolved(workspace) == first
    store = open_store(workspace)
    try:
        fresh = load_names(store, LIBRARY, workspace)
        again = names_cache.names_for(store, LIBRARY, workspace)
    finally:
        store.close()
    assert again.labels == fresh.labels
    assert again.alias_keys == fresh.alias_keys
    assert again.by_iri == fresh.by_iri
    with pytest.raises(NameNotFound, match="did you mean: Leicester City Council"):
        again.resolve("Leicester Cty Council", "controller")


def test_a_new_build_and_a_new_alias_are_seen(workspace):
    resolved(workspace)
    with pytest.raises(NameNotFound):
        _resolve(workspace, "Rutland County Council", "controller")
    manifest = workspace.notices_dir / "manifest.csv"
    row = next(line for line in manifest.read_text().splitlines() if line.startswith("leeds"))
    (workspace.notices_dir / "rutland.txt").write_text(
        (workspace.notices_dir / row.split(",")[0]).read_text(encoding="utf-8"), encoding="utf-8"
    )
    with manifest.open("a", encoding="utf-8") as f:
        f.write("rutland.txt,Rutland County Council,,,,,,\n")
    build(workspace)
    assert _resolve(workspace, "Rutland County Council", "controller") == (
        B + "org/rutland-county-council"
    )

    organisations = workspace.vocab_dir / "organisations.csv"
    text = organisations.read_text(encoding="utf-8")
    assert ",hmrc|hm revenue and customs|" in text
    with pytest.raises(NameNotFound):
        _resolve(workspace, "The Taxman", "organisation")
    organisations.write_text(
        text.replace(
            ",hmrc|hm revenue and customs|", ",hmrc|the taxman|hm revenue and customs|", 1
        ),
        encoding="utf-8",
    )
    assert _resolve(workspace, "The Taxman", "organisation") == B + "org/hmrc"
    assert len(kept(workspace)) == 2  # one index per vocabulary state


def test_an_unreadable_or_unwritable_index_is_no_error(workspace):
    resolved(workspace)
    (path,) = kept(workspace)
    path.write_bytes(b"\x00not marshal")
    assert resolved(workspace) == TYPED
    path.unlink()
    folder = snapshots.current(workspace.output_dir)
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root writes anywhere: the index is then written
            assert resolved(workspace) == TYPED
        else:
            assert resolved(workspace) == TYPED
            assert kept(workspace) == []
    finally:
        folder.chmod(0o755)


def _resolve(settings: Settings, text: str, kind: str) -> str:
    store = open_store(settings)
    try:
        return names_cache.names_for(store, LIBRARY, settings).resolve(text, kind).iri
    finally:
        store.close()
