"""The wheel works outside the source tree: built here, installed (not editable) into a fresh
virtual environment, and run from a folder that is not the source tree.

Offline: the wheel is built without build isolation (hatchling comes with the test extra) and
the fresh environment reaches the dependencies already installed for the tests through a .pth
file naming their site-packages, so nothing is downloaded; the project itself is only the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from flowgraph.settings import PROJECT_ROOT

pytest.importorskip("hatchling", reason="the wheel is built with hatchling (the test extra)")


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; its bin/ folder comes back."""
    root = tmp_path_factory.mktemp("wheel")
    built = _run([sys.executable, "-m", "pip", "wheel", str(PROJECT_ROOT), "--no-deps",
                  "--no-build-isolation", "--no-index", "-w", str(root / "dist")])  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next((root / "dist").glob("flowgraph-*.whl"))
    venv = root / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    deps = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(site.stdout.strip()) / "_test_dependencies.pth").write_text(
        "\n".join(sorted(deps)) + "\n"
    )
    install = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "--no-index", str(wheel)])  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    return venv / "bin"


@pytest.fixture
def outside(tmp_path: Path) -> dict[str, object]:
    """Run from a folder outside the source tree, with nothing pointing back into it."""
    env = {
        k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("FLOWGRAPH_")
    }
    env["COLUMNS"] = "200"
    return {"cwd": tmp_path, "env": env}


def test_the_installed_package_is_the_wheel_not_the_source_tree(installed, outside):
    where = _run([str(installed / "python"), "-c",
                  "import flowgraph, flowgraph.settings as s; print(flowgraph.__file__); "
                  "print(s.IN_SOURCE_TREE); print(s.Settings().queries_dir)"], **outside)  # fmt: skip
    assert where.returncode == 0, where.stderr
    module, in_source, queries = where.stdout.split("\n")[:3]
    assert module.startswith(str(installed.parent)), module
    assert in_source == "False"
    assert queries.startswith(str(installed.parent)) and queries.endswith("_data/queries")


def test_version_and_query_list(installed, outside):
    version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = _run([str(installed / "flowgraph"), "--version"], **outside)
    assert result.returncode == 0 and result.stdout.strip() == f"flowgraph {version}"
    listed = _run([str(installed / "flowgraph"), "query", "--list"], **outside)
    assert listed.returncode == 0, listed.stderr
    assert "flows" in listed.stdout and "recipients-of-controller" in listed.stdout


def test_build_and_query_a_workspace(installed, outside, tmp_path):
    flowgraph = str(installed / "flowgraph")
    nothing = _run([flowgraph, "build"], **outside)
    assert nothing.returncode == 2 and "no workspace selected" in nothing.stderr
    made = _run([flowgraph, "init", "ws", "--sample"], **outside)  # the sample notices, copied
    assert made.returncode == 0, made.stderr
    assert {p.name for p in (tmp_path / "ws" / "notices").iterdir()} == {
        p.name for p in (PROJECT_ROOT / "data" / "notices").iterdir() if p.suffix != ".md"
    }
    env = {**outside["env"], "FLOWGRAPH_HOME": str(tmp_path / "ws")}
    built = _run([flowgraph, "build"], cwd=tmp_path, env=env)
    assert built.returncode == 0, built.stderr
    assert "notices │ 5" in " ".join(built.stdout.split())
    flows = _run([flowgraph, "query", "flows", "--format", "csv"], cwd=tmp_path, env=env)
    assert flows.returncode == 0, flows.stderr
    assert len(flows.stdout.splitlines()) > 300
    assert "Leeds City Council" in flows.stdout
    valid = _run([flowgraph, "validate"], cwd=tmp_path, env=env)  # the ontology's shapes, installed
    assert valid.returncode == 0 and "all checks pass" in valid.stdout, valid.stdout
