"""Issue 13.7: a manifest names files inside its own folder only; escapes are refused, never read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowgraph.build import build
from flowgraph.ingest.manifest import discover, read_manifest
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots

NOTICE = "Who we share your information with\n- HMRC\n- Rutland Police\n"
SECRET = "Who we share your information with\n- Zanzibar Secret Recipient Agency\n"


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """corpus/notices/ with one good notice, and a secret notice-like file outside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    notices = tmp_path / "corpus" / "notices"
    notices.mkdir(parents=True)
    (notices / "good.txt").write_text(NOTICE, encoding="utf-8")
    return notices, secret


def _manifest(folder: Path, *names: str) -> Path:
    rows = ["file,controller", "good.txt,Rutland County Council"]
    rows += [f"{name},Rutland County Council" for name in names]
    path = folder / "manifest.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _refused(problems: list[str], manifest: Path, line: int, reason: str) -> bool:
    return any(p.startswith(f"{manifest}:{line}: ") and reason in p for p in problems)


def test_dot_dot_absolute_and_symlinks_out_are_refused(layout, monkeypatch):
    notices, secret = layout
    (notices / "link.txt").symlink_to(secret)
    (notices / "linkdir").symlink_to(secret.parent, target_is_directory=True)
    (notices / "sub").mkdir()
    (notices / "sub" / "inner.txt").write_text(NOTICE.replace("HMRC", "Ofsted"), encoding="utf-8")
    (notices / "inside-link.txt").symlink_to(notices / "sub" / "inner.txt")
    manifest = _manifest(notices, "../../outside/secret.txt", str(secret), "/etc/passwd",
                         "link.txt", "linkdir/secret.txt", "sub/../sub/inner.txt",
                         "inside-link.txt")  # fmt: skip
    read: list[Path] = []
    original_bytes, original_open = Path.read_bytes, Path.open
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or original_bytes(self))
    monkeypatch.setattr(  # notices under the size limit are read through open()
        Path, "open", lambda self, *a, **k: read.append(self) or original_open(self, *a, **k)
    )
    sources, problems = read_manifest(manifest)
    assert [s.path.name for s in sources] == ["good.txt", "inner.txt", "inside-link.txt"]
    assert _refused(problems, manifest, 3, "'..'")
    assert _refused(problems, manifest, 4, "an absolute path")
    assert _refused(problems, manifest, 5, "an absolute path")
    assert _refused(problems, manifest, 6, "a symlink resolving outside")
    assert _refused(problems, manifest, 7, "a symlinked folder resolving outside")
    assert len(problems) == 5, problems
    assert all(
        p.parent == notices or p.parent == notices / "sub" for p in (s.path for s in sources)
    )
    assert secret not in read and Path("/etc/passwd") not in read


def test_escaped_text_is_nowhere_in_the_built_graph(layout, tmp_path, monkeypatch):
    notices, secret = layout
    (notices / "link.txt").symlink_to(secret)
    _manifest(notices, "../../outside/secret.txt", str(secret), "link.txt", "/etc/passwd")
    settings = Settings(build_dir=tmp_path / "build")
    read: list[Path] = []
    original_bytes, original_open = Path.read_bytes, Path.open
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or original_bytes(self))
    monkeypatch.setattr(  # notices under the size limit are read through open()
        Path, "open", lambda self, *a, **k: read.append(self) or original_open(self, *a, **k)
    )
    report = build(settings, [notices])
    assert notices / "good.txt" in read  # the build reads notices this way (in this process)
    assert not any(p.resolve() in (secret, Path("/etc/passwd")) for p in read)
    assert report.notices == 1
    assert sum("names" in p and "manifest" in p for p in report.problems) == 4
    snapshot = snapshots.current(settings.output_dir)
    text = "".join(p.read_text(encoding="utf-8") for p in snapshots.nquads_files(snapshot))
    text += (snapshot / "build.json").read_text(encoding="utf-8")
    assert "Rutland Police" in text
    assert "Zanzibar" not in text and "root:" not in text


def test_a_file_named_on_the_command_line_stays_allowed(layout):
    _, secret = layout
    sources, problems = discover([secret], "Rutland County Council")
    assert problems == [] and [s.path for s in sources] == [secret.resolve()]


def test_manifest_in_a_symlinked_folder_reads_its_own_files(layout, tmp_path):
    """The folder is the manifest's real folder: reaching it through a symlink is fine."""
    notices, _ = layout
    _manifest(notices)
    alias = tmp_path / "alias"
    alias.symlink_to(notices, target_is_directory=True)
    sources, problems = read_manifest(alias / "manifest.csv")
    assert problems == [] and [s.path.name for s in sources] == ["good.txt"]
    assert os.path.samefile(sources[0].path, notices / "good.txt")
