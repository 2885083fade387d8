"""Imports point down the data flow only; pulp and folium stay in their modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "siting"

#: The data flow, bottom first: a module may import only modules listed before it.
ORDER = [
    "errors", "settings", "geo", "costs", "_validate", "scenario", "provenance", "sweep",
    "layers", "policy", "vintages", "backbone", "network", "latency", "calibration", "reach",
    "instance", "horizon", "feasibility", "model",
    "solve",
    "results", "schedule", "_assets", "maps", "plots", "pipeline", "plan", "analysis", "batch",
    "report", "api",
    "cli",
    "__main__",
]  # fmt: skip

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
    return sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def test_every_module_has_a_place_in_the_flow() -> None:
    assert set(_modules()) <= set(ORDER), set(_modules()) - set(ORDER)


def _upstream(module: str, path: Path) -> list[str]:
    """The siting modules that ``module`` (read from ``path``) imports from upstream."""
    rank = ORDER.index(module)
    found = []
    for name in _imports(path):
        parts = name.split(".")
        inside = parts[0] == "siting" and len(parts) > 1 and parts[1] in ORDER
        if inside and ORDER.index(parts[1]) >= rank:
            found.append(parts[1])
    return sorted(set(found))


@pytest.mark.parametrize("module", _modules())
def test_imports_point_down(module: str) -> None:
    assert _upstream(module, PACKAGE / f"{module}.py") == []


@pytest.mark.parametrize("module", _modules())
def test_heavy_dependencies_are_confined(module: str) -> None:
    roots = {name.split(".")[0] for name in _imports(PACKAGE / f"{module}.py")}
    for package, allowed in CONFINED.items():
        if package in roots:
            assert module in allowed, f"siting.{module} imports {package}"


def test_checker_catches_an_upstream_import(tmp_path) -> None:
    bad = tmp_path / "layers.py"
    bad.write_text("import numpy\nfrom siting import model\nfrom siting.errors import Problem\n")
    assert _upstream("layers", bad) == ["model"]
