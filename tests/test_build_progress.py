"""A build reports its progress: each stage with its total, then one tick per notice or graph."""

from __future__ import annotations

from flowgraph.build import build
from flowgraph.settings import PROJECT_ROOT, Settings

NOTICES = PROJECT_ROOT / "data" / "notices"


def test_stages_and_ticks_of_a_full_then_an_incremental_build(tmp_path):
    settings = Settings(build_dir=tmp_path / "build")
    for incremental, expected in (
        (False, "reading notices"),
        (True, "reading notices (5 unchanged)"),
    ):
        stages: list[tuple[str, int | None]] = []
        ticks: list[tuple[str, str]] = []
        build(
            settings,
            [NOTICES],
            incremental=incremental,
            on_stage=lambda what, total, stages=stages: stages.append((what, total)),
            on_notice=lambda name, ticks=ticks, stages=stages: ticks.append((stages[-1][0], name)),
        )
        assert stages[0] == (expected, 0 if incremental else 5)
        if not incremental:
            assert stages[1][0] == "loading graphs" and stages[1][1] >= 6
            read = [name for stage, name in ticks if stage == "reading notices"]
            assert sorted(read) == sorted(p.name for p in NOTICES.glob("*.txt"))
            loaded = [name for stage, name in ticks if stage == "loading graphs"]
            assert len(loaded) == stages[1][1] and "vocabulary.nq" in loaded
