"""A built wheel installs into a fresh environment and runs from any folder, offline.

The wheel is built from a copy of the source tree without build isolation (the project's
setuptools), installed with ``--no-index`` into a new venv whose only other packages are the
project venv's (linked by a ``.pth`` file), and ``siting validate`` is run from an unrelated
folder: it must find the shipped scenarios and data inside the installed package. A shipped
sweep runs there by name and by the path the README shows.
"""

from __future__ import annotations

import json
import os
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
    # Without PYTHONPATH, which could put a source tree before the installed wheel.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, check=False
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
        "siting/sweeps/uncertain-2027.toml",
        "siting/sweeps/sla-carbon.toml",
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


@pytest.mark.parametrize("sweep", ["sla-carbon", "sweeps/sla-carbon.toml"])
def test_installed_wheel_runs_a_shipped_sweep_from_another_folder(
    installed: Path, tmp_path: Path, sweep: str
) -> None:
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    argv = ("batch", sweep, "--out", out, "--workers", "1", "--time-limit", "10", "--json")
    summary = json.loads(_run(installed / "siting", *argv, cwd=work).stdout)
    assert summary["sweep"] == "sla-carbon"
    assert summary["counts"] == {"ok": 6 * 3}  # the sweep's grid: 6 SLAs x 3 carbon prices
    assert (out / "results.csv").is_file()
    assert list(work.iterdir()) == []


def test_shipped_sweeps_resolve_by_name_and_are_listed(tmp_path, monkeypatch, capsys) -> None:
    from siting.cli import main
    from siting.sweep import load_sweep, resolve_sweep_path, shipped_sweeps

    shipped = ROOT / "siting" / "sweeps"
    monkeypatch.chdir(tmp_path)
    assert resolve_sweep_path("uncertain-2027") == shipped / "uncertain-2027.toml"
    assert resolve_sweep_path("sweeps/uncertain-2027.toml") == shipped / "uncertain-2027.toml"
    assert len(load_sweep("uncertain-2027").points) == 100
    # A file of that name in the working folder wins over the shipped sweep.
    (tmp_path / "mine.toml").write_text('name = "mine"\n[grid]\n"costs.carbon_cny_per_t" = [0.0]\n')
    assert resolve_sweep_path("mine.toml") == Path("mine.toml")
    assert sorted(shipped_sweeps()) == sorted(p.stem for p in shipped.glob("*.toml"))
    assert all(shipped_sweeps().values())  # every shipped sweep says what it varies
    assert main(["scenarios"]) == 0
    listing = capsys.readouterr().out
    assert "Shipped sweeps" in listing and "uncertain-2027" in listing


@pytest.mark.parametrize("ref", ["uncertain", "elsewhere/uncertain-2027.toml", "uncertain.toml"])
def test_unknown_sweep_is_one_clear_error(ref: str, tmp_path, monkeypatch, capsys) -> None:
    from siting.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["batch", ref, "--out", "out"]) == 2
    err = capsys.readouterr().err
    assert ref in err and "no shipped sweep of that name" in err and "uncertain-2027" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_missing_data_is_one_clear_error(tmp_path, monkeypatch) -> None:
    import siting
    from siting.cli import main

    monkeypatch.setattr(siting.settings, "data_dir", tmp_path / "gone")
    with pytest.raises(siting.InputError, match="shipped input layers are missing"):
        siting.load_scenario("default")
    assert main(["validate"]) == 2


def test_cbc_is_pulps_own_without_cbcbox(tmp_path, monkeypatch) -> None:
    """PuLP's wheel bundles CBC, so siting needs no ``pulp[cbc]`` (cbcbox, about 600 MB)."""
    import tomllib

    import pulp

    from siting.solve import cbc

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert [d for d in deps if d.startswith("pulp")] == ["pulp>=3.3,<4"]
    # No cbc beside the interpreter (where cbcbox puts one) and none on PATH.
    monkeypatch.setattr(cbc.sysconfig, "get_path", lambda name: str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    found = Path(cbc.cbc_executable())
    assert found.resolve() == Path(pulp.PULP_CBC_CMD.pulp_cbc_path).resolve()
    done = subprocess.run([found, "-quit"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "CBC" in done.stdout
