"""A built wheel installs into a fresh environment and runs from any folder, offline.

The wheel is built from a copy of the source tree without build isolation (the project's
setuptools), installed with ``--no-index`` into a new venv whose only other packages are the
project venv's (linked by a ``.pth`` file), and ``siting validate`` is run from an unrelated
folder: it must find the shipped scenarios and data inside the installed package.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IGNORED = (".venv", ".git", "build", "*.egg-info", "__pycache__", ".*_cache")
#: Output folders of runs, ignored at the top of the tree only (siting/maps is a package).
OUTPUTS = {"out", "maps"}


def _ignore(folder: str, names: list[str]) -> set[str]:
    ignored = set(shutil.ignore_patterns(*IGNORED)(folder, names))
    return ignored | (OUTPUTS & set(names) if Path(folder) == ROOT else set())


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=_ignore)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp, source)
    (found,) = tmp.glob("siting-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; returns its ``bin`` folder."""
    env = tmp_path_factory.mktemp("venv") / "env"
    _run(sys.executable, "-m", "venv", "--without-pip", env)
    python = env / "bin" / "python"
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    # The project venv's packages (not its editable siting) satisfy the dependencies.
    (Path(purelib.stdout.strip()) / "project-deps.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", python]
    _run(*pip, "install", "--no-index", wheel)
    return env / "bin"


def test_wheel_carries_data_scenarios_and_licence(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "siting/data/sites.csv",
        "siting/data/provinces.geojson",
        "siting/data/SOURCES.md",
        "siting/data/prefecture/sites.csv",
        "siting/data/county/hubs.csv",
        "siting/scenarios/default.toml",
        "siting/maps/static/siting.js",
    ):
        assert name in names
    assert any(n.endswith("licenses/LICENSE") for n in names)


def test_installed_wheel_validates_from_another_folder(installed: Path, tmp_path: Path) -> None:
    code = "import siting.settings as s; print(s.data_dir)"
    where = _run(installed / "python", "-c", code, cwd=tmp_path)
    assert str(installed.parent) in where.stdout, "siting was not imported from the wheel"
    for scenario in ("default", "prefecture"):
        done = _run(installed / "siting", "validate", scenario, cwd=tmp_path)
        assert "valid" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_missing_data_is_one_clear_error(tmp_path, monkeypatch) -> None:
    import siting
    from siting.cli import main

    monkeypatch.setattr(siting.settings, "data_dir", tmp_path / "gone")
    with pytest.raises(siting.InputError, match="shipped input layers are missing"):
        siting.load_scenario("default")
    assert main(["validate"]) == 2
