"""Sweep files: many scenarios from one base, on a grid or by Monte Carlo draws.

A sweep file names a base scenario and the parameters to vary, by dotted key::

    name = "sla-carbon"
    base = "default"                      # shipped name, or a path relative to this file

    [grid]                                # every combination
    "demand.inference_sla_ms" = [5.0, 10.0, 20.0, 40.0]
    "costs.carbon_cny_per_t" = [0.0, 100.0]

    [monte_carlo]                         # draws, each combined with every grid point
    draws = 100
    seed = 7
    [monte_carlo.parameters]
    "costs.power_price_multiplier" = { distribution = "uniform", low = 0.8, high = 1.2 }
    "demand.inference_scale" = { distribution = "normal", mean = 1.0, sd = 0.2, low = 0.0 }
    "demand.training_share" = { distribution = "triangular", low = 0.1, mode = 0.3, high = 0.8 }

Every expanded scenario is validated like a scenario file and has a stable key: the SHA-256
of its content hash and of its input data's hash, the same on every run and machine.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from siting import settings
from siting.errors import InputError, Problem
from siting.scenario import (
    Scenario,
    data_paths,
    parse_scenario,
    read_scenario_table,
    resolve_scenario_path,
)

DISTRIBUTIONS = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
    "choice": ("values",),
}


@dataclass(frozen=True)
class SweepPoint:
    """One expanded scenario of a sweep.

    Attributes
    ----------
    name
        ``<sweep name>-<index>``.
    scenario
        The validated scenario (its ``[data]`` paths absolute).
    overrides
        The swept parameters and their values here, by dotted key.
    key
        Stable identity: SHA-256 of the scenario's content hash and its data's hash.
    """

    name: str
    scenario: Scenario
    overrides: dict[str, Any]
    key: str


@dataclass(frozen=True)
class Sweep:
    """A sweep file, expanded.

    Attributes
    ----------
    name
        The sweep's name.
    path
        The sweep file.
    points
        Every scenario of the sweep, in a fixed order.
    parameters
        The swept dotted keys, in column order.
    """

    name: str
    path: Path
    points: list[SweepPoint]
    parameters: list[str] = field(default_factory=list)


def load_sweep(path: Path) -> Sweep:
    """Read, expand and validate a sweep file.

    Parameters
    ----------
    path
        The sweep TOML file.

    Returns
    -------
    Sweep

    Raises
    ------
    InputError
        Naming the file, table and key of every problem.
    """
    source = str(path)
    if not path.is_file():
        raise InputError([Problem(source, "", "", "no such file")])
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError([Problem(source, "", "", f"not valid TOML: {exc}")]) from None
    problems = _check_top(raw, source)
    if problems:
        raise InputError(problems)
    base_ref = raw.get("base", "default")
    local = path.parent / base_ref
    base_path = local if local.suffix == ".toml" else resolve_scenario_path(base_ref)
    if not base_path.is_file():
        shipped = ", ".join(sorted(p.stem for p in Path(settings.scenario_dir).glob("*.toml")))
        expected = (
            f"no scenario {base_ref!r}: neither a file beside the sweep nor a shipped scenario "
            f"({shipped})"
        )
        raise InputError([Problem(source, "top level", "base", expected)])
    base = read_scenario_table(base_path)
    base.setdefault("data", {})
    for key, value in list(base["data"].items()):
        if isinstance(value, str) and not Path(value).is_absolute():
            base["data"][key] = str((base_path.parent / value).resolve())

    grid = raw.get("grid", {})
    grid_points = [
        dict(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())
    ]
    draws = _draws(raw.get("monte_carlo"), source)
    parameters = [*grid, *(k for k in (draws[0] if draws else {}) if k not in grid)]
    points = []
    hashes: dict[tuple[str, ...], str] = {}
    for i, (fixed, drawn) in enumerate(itertools.product(grid_points, draws or [{}])):
        overrides = {**fixed, **drawn}
        name = f"{raw['name']}-{i:04d}"
        table = copy.deepcopy(base)
        table["name"] = name
        table["description"] = f"{raw['name']} point {i}: " + ", ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in overrides.items()
        )
        for dotted, value in overrides.items():
            _set(table, dotted, value, source)
        scenario = parse_scenario(table, source=f"{source} ({name})")
        paths = data_paths(scenario, base_path.parent)
        files = tuple(str(p) for p in vars(paths).values())
        if files not in hashes:
            hashes[files] = paths.content_hash()
        key = hashlib.sha256((scenario.content_hash() + hashes[files]).encode()).hexdigest()
        points.append(SweepPoint(name, scenario, overrides, key))
    return Sweep(raw["name"], path, points, parameters)


def _check_top(raw: dict[str, Any], source: str) -> list[Problem]:
    problems = []
    known = {"name", "description", "base", "grid", "monte_carlo"}
    for key in sorted(set(raw) - known):
        expected = f"unknown key; expected one of {', '.join(sorted(known))}"
        problems.append(Problem(source, "top level", key, expected))
    if not isinstance(raw.get("name"), str) or not raw.get("name"):
        problems.append(Problem(source, "top level", "name", "missing; a sweep needs a name"))
    for key, values in raw.get("grid", {}).items():
        if not isinstance(values, list) or not values:
            expected = f"expected a non-empty list of values, got {values!r}"
            problems.append(Problem(source, "[grid]", key, expected))
    if "grid" not in raw and "monte_carlo" not in raw:
        problems.append(Problem(source, "", "", "expected a [grid] or [monte_carlo] table"))
    return problems


def _set(table: dict[str, Any], dotted: str, value: Any, source: str) -> None:
    *parents, leaf = dotted.split(".")
    node = table
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            expected = f"'{part}' is not a table of the scenario"
            raise InputError([Problem(source, "[grid] or [monte_carlo]", dotted, expected)])
        node = child
    node[leaf] = value


def _draws(spec: dict[str, Any] | None, source: str) -> list[dict[str, Any]]:
    if spec is None:
        return []
    where = "[monte_carlo]"
    draws, seed, params = spec.get("draws"), spec.get("seed"), spec.get("parameters", {})
    problems = []
    if not isinstance(draws, int) or draws < 1:
        problems.append(Problem(source, where, "draws", f"expected an integer ≥ 1, got {draws!r}"))
    if not isinstance(seed, int):
        problems.append(Problem(source, where, "seed", f"expected an integer, got {seed!r}"))
    for key in sorted(set(spec) - {"draws", "seed", "parameters"}):
        problems.append(Problem(source, where, key, "unknown key"))
    for key, dist in params.items():
        problems += _check_distribution(dist, source, key)
    if problems:
        raise InputError(problems)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(draws):
        out.append({key: _draw(rng, params[key]) for key in sorted(params)})
    return out


def _check_distribution(dist: Any, source: str, key: str) -> list[Problem]:
    where = "[monte_carlo.parameters]"
    if not isinstance(dist, dict) or dist.get("distribution") not in DISTRIBUTIONS:
        expected = f"expected {{ distribution = one of {', '.join(DISTRIBUTIONS)}, ... }}"
        return [Problem(source, where, key, f"{expected}, got {dist!r}")]
    needs = DISTRIBUTIONS[dist["distribution"]]
    missing = [n for n in needs if n not in dist]
    if missing:
        return [Problem(source, where, key, f"missing {', '.join(missing)}")]
    return []


def _draw(rng: np.random.Generator, dist: dict[str, Any]) -> Any:
    kind = dist["distribution"]
    if kind == "uniform":
        value = rng.uniform(dist["low"], dist["high"])
    elif kind == "normal":
        value = rng.normal(dist["mean"], dist["sd"])
    elif kind == "triangular":
        value = rng.triangular(dist["low"], dist["mode"], dist["high"])
    else:
        return dist["values"][int(rng.integers(len(dist["values"])))]
    value = float(np.clip(value, dist.get("low", -np.inf), dist.get("high", np.inf)))
    return round(value, 12)
