"""Shared fixtures: the real notices, extracted once, and one full build in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowgraph.build import build
from flowgraph.ingest.manifest import read_manifest
from flowgraph.pipeline import Extractor
from flowgraph.settings import PROJECT_ROOT, Settings

NOTICES = PROJECT_ROOT / "data" / "notices"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(build_dir=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def extractions(settings: Settings) -> dict[str, object]:
    extractor = Extractor(settings)
    sources, problems = read_manifest(NOTICES / "manifest.csv")
    assert problems == []
    extractor.register_controllers(sources)
    return {source.path.name: extractor.extract(source) for source in sources}


@pytest.fixture(scope="session")
def built(settings: Settings):
    return build(settings)


def service(extractions: dict, notice: str, name: str | None):
    found = [s for s in extractions[notice].services if s.service == name]
    assert len(found) == 1, [s.service for s in extractions[notice].services]
    return found[0]


def texts(items) -> list[str]:
    return [i.text for i in items]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


__all__ = ["NOTICES", "Path", "service", "texts"]
