"""Imports point down the data flow only; pulp and folium stay in their modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "siting"

#: The data flow, bottom first: a module may import only modules listed before it.
ORDER = [
    "errors", "terminal", "settings", "geo", "costs", "_validate", "scenario", "provenance",
    "sweep", "layers", "policy", "prices", "vintages", "rest_of_china", "backbone", "network",
    "latency", "calibration", "reach",
    "instance", "horizon", "feasibility", "model",
    "solve", "market",
    "results", "horizon_tables", "reported", "_assets", "maps", "plots", "io", "stages",
    "pipeline", "horizon_run", "market_run", "simulate", "classic", "analysis", "routes", "batch",
    "report", "api",
    "cli",
    "__main__",
]  # fmt: skip

#: Within a subpackage, the same rule between its modules, bottom first (its ``__init__``
#: re-exports them and is imported by none).
INSIDE = {
    "scenario": ["sections", "families", "schema", "runners", "paths", "loader"],
    "io": ["temporary", "json", "tables", "folders"],
    "market": ["data", "investors", "allocate", "inputs"],
    "simulate": [
        "levers",
        "agents",
        "halls",
        "forecast",
        "respond",
        "engine",
        "perfect",
        "fleet",
        "run",
    ],
    "vintages": [
        "constants", "checks", "series", "accelerators", "capacity", "use", "rents", "clusters",
        "tables",
    ],
}  # fmt: skip

#: Third-party packages confined to some modules.
CONFINED = {
    "pulp": {"model", "solve"},
    "highspy": {"solve"},
    "folium": {"maps"},
    "branca": {"maps"},
    "osmnx": {"network"},
    "dask": {"batch"},
    "distributed": {"batch"},
    "matplotlib": {"plots"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _modules() -> list[str]:
    """Top-level modules and subpackages (``model/``, ``solve/``, ``maps/``, ``cli/``)."""
    files = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    return sorted(files | packages)


def _files(module: str) -> list[Path]:
    """The source files of a module: its file, or every file of its subpackage."""
    single = PACKAGE / f"{module}.py"
    return [single] if single.exists() else sorted((PACKAGE / module).rglob("*.py"))


def test_every_module_has_a_place_in_the_flow() -> None:
    assert set(_modules()) <= set(ORDER), set(_modules()) - set(ORDER)


def test_subpackages_are_checked() -> None:
    assert {"model", "solve", "maps", "cli"} <= set(_modules())
    assert len(_files("solve")) > 1


def _upstream(module: str, path: Path) -> list[str]:
    """The siting modules that ``module`` (read from ``path``) imports from upstream.

    A subpackage's files may import each other; anything else ranked at or above ``module``
    is upstream.
    """
    rank = ORDER.index(module)
    found = []
    for name in _imports(path):
        parts = name.split(".")
        inside = parts[0] == "siting" and len(parts) > 1 and parts[1] in ORDER
        if inside and parts[1] != module and ORDER.index(parts[1]) >= rank:
            found.append(parts[1])
    return sorted(set(found))


@pytest.mark.parametrize("module", _modules())
def test_imports_point_down(module: str) -> None:
    for path in _files(module):
        assert _upstream(module, path) == [], path


@pytest.mark.parametrize("module", _modules())
def test_heavy_dependencies_are_confined(module: str) -> None:
    for path in _files(module):
        roots = {name.split(".")[0] for name in _imports(path)}
        for package, allowed in CONFINED.items():
            if package in roots:
                assert module in allowed, f"{path} imports {package}"


def _upstream_inside(package: str, path: Path) -> list[str]:
    """The modules of ``package`` that its module at ``path`` imports from at or above it.

    Importing the package itself (its ``__init__``) counts as upstream: it imports every module.
    """
    order = INSIDE[package]
    rank = order.index(path.stem)
    found = []
    for name in _imports(path):
        parts = name.split(".")
        if parts[:2] != ["siting", package]:
            continue
        inner = parts[2] if len(parts) > 2 else "__init__"
        if inner == "__init__" or (inner in order and order.index(inner) >= rank):
            found.append(inner)
    return sorted(set(found))


@pytest.mark.parametrize("package", sorted(INSIDE))
def test_subpackage_modules_import_down(package: str) -> None:
    files = [p for p in _files(package) if p.stem != "__init__"]
    assert sorted(p.stem for p in files) == sorted(INSIDE[package])
    for path in files:
        assert _upstream_inside(package, path) == [], path


def test_checker_catches_an_upstream_import_inside_a_subpackage(tmp_path) -> None:
    bad = tmp_path / "schema.py"
    bad.write_text(
        "from siting.scenario.sections import Costs\n"
        "from siting.scenario.loader import load_scenario\n"
        "from siting.scenario import Latency\n"
    )
    assert _upstream_inside("scenario", bad) == ["__init__", "loader"]


def test_checker_catches_an_upstream_import(tmp_path) -> None:
    bad = tmp_path / "layers.py"
    bad.write_text("import numpy\nfrom siting import model\nfrom siting.errors import Problem\n")
    assert _upstream("layers", bad) == ["model"]


def test_checker_catches_an_upstream_import_in_a_subpackage(tmp_path) -> None:
    bad = tmp_path / "arrays.py"
    bad.write_text("from siting.model.base import X\nfrom siting.results import Results\n")
    assert _upstream("model", bad) == ["results"]


#: Inside ``model``: the array containers, then the families over them, then the builds that
#: compose the families, then the PuLP model derived from the arrays.
MODEL_ORDER = ["arrays", "families", "build", "pulp_model"]


def _model_part(name: str) -> str | None:
    parts = name.split(".")
    inside = parts[:2] == ["siting", "model"] and len(parts) > 2 and parts[2] in MODEL_ORDER
    return parts[2] if inside else None


def test_families_write_arrays_only() -> None:
    """The families import no PuLP and nothing that composes or derives from them."""
    files = sorted((PACKAGE / "model" / "families").glob("*.py"))
    assert len(files) > 5
    for path in files:
        names = _imports(path)
        assert "pulp" not in {n.split(".")[0] for n in names}, path
        later = {_model_part(n) for n in names} & {"build", "pulp_model"}
        assert not later, (path, later)


@pytest.mark.parametrize("part", ["arrays", "build", "pulp_model"])
def test_model_parts_import_down(part: str) -> None:
    rank = MODEL_ORDER.index(part)
    for name in _imports(PACKAGE / "model" / f"{part}.py"):
        found = _model_part(name)
        assert found is None or MODEL_ORDER.index(found) < rank, (part, name)
