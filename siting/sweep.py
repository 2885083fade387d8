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
    "horizon.use" = { distribution = "choice", values = ["low", "central", "high"] }
    "simulate.seed" = { distribution = "integer", low = 0, high = 4294967295 }

A ``choice`` draws one of its values, each equally likely; an ``integer`` a whole number from
``low`` to ``high`` (both included), each equally likely.

Every expanded scenario is validated like a scenario file and has a stable key: the SHA-256
of its content hash and of its input data's hash, the same on every run and machine.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from siting import settings
from siting.errors import InputError, Problem
from siting.scenario import (
    Scenario,
    check_data_files,
    data_paths,
    parse_scenario,
    read_scenario_table,
    read_toml,
    resolve_scenario_path,
    shipped_descriptions,
)

#: A sweep's name, used in its scenarios' names and output files.
_NAME = re.compile(r"[A-Za-z0-9_.-]+")

#: Most draws a sweep may ask for (each is a scenario solved).
MAX_DRAWS = 1_000_000

#: Each distribution's required parameters; ``low`` and ``high`` also bound a normal draw.
DISTRIBUTIONS = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
    "choice": ("values",),
    "integer": ("low", "high"),
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


def shipped_sweeps() -> dict[str, str]:
    """Return the shipped sweeps' names and descriptions, in name order.

    Returns
    -------
    dict
        Description by name (empty if a sweep has none).
    """
    return shipped_descriptions(
        Path(settings.sweep_dir), lambda path: read_toml(path, what="sweep TOML file")
    )


def resolve_sweep_path(name_or_path: str | Path) -> Path:
    """Turn a sweep file path or a shipped sweep's name into a file path.

    A path that exists is taken as given. Otherwise a bare name (``"uncertain-2027"``) or the
    repository's path of a shipped sweep (``"sweeps/uncertain-2027.toml"``) names the sweep
    shipped inside the package, so both work from any folder and from an installed wheel.

    Parameters
    ----------
    name_or_path
        A sweep TOML file, or a shipped sweep's name.

    Returns
    -------
    Path
        The sweep file.

    Raises
    ------
    InputError
        If it is neither a file nor a shipped sweep; the message lists the shipped sweeps.
    """
    path = Path(name_or_path)
    if path.exists():
        return path
    shipped = Path(settings.sweep_dir) / f"{path.name.removesuffix('.toml')}.toml"
    if path.parent in (Path(), Path("sweeps")) and shipped.is_file():
        return shipped
    names = ", ".join(shipped_sweeps()) or "none"
    expected = (
        "no such file and no shipped sweep of that name; expected a sweep TOML file or a "
        f"shipped sweep: {names}"
    )
    raise InputError([Problem(str(name_or_path), "", "", expected)])


def load_sweep(path: str | Path) -> Sweep:
    """Read, expand and validate a sweep file.

    Parameters
    ----------
    path
        The sweep TOML file, or a shipped sweep's name (see :func:`resolve_sweep_path`).

    Returns
    -------
    Sweep

    Raises
    ------
    InputError
        Naming the file, table and key of every problem.
    """
    path = resolve_sweep_path(path)
    source = str(path)
    raw = read_toml(path, what="sweep TOML file")
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
    origins: dict[tuple[str, ...], str] = {}
    base = read_scenario_table(base_path, origins=origins)
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
            origins[tuple(dotted.split("."))] = f"{source} ({name})"
        scenario = parse_scenario(table, source=f"{source} ({name})", origins=origins)
        paths = data_paths(scenario, base_path.parent)
        if not hashes:
            check_data_files(paths, source=str(base_path), origins=origins)
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
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        expected = f"expected a name of letters, digits, '_', '.' or '-', got {name!r}"
        problems.append(Problem(source, "top level", "name", expected))
    base = raw.get("base", "default")
    if not isinstance(base, str) or not base.strip() or "\x00" in base:
        expected = f"expected a shipped scenario name or a scenario file, got {base!r}"
        problems.append(Problem(source, "top level", "base", expected))
    for table in ("grid", "monte_carlo"):
        if table in raw and not isinstance(raw[table], dict):
            expected = f"expected a table, got {raw[table]!r}"
            problems.append(Problem(source, "top level", table, expected))
    grid = raw.get("grid", {})
    for key, values in grid.items() if isinstance(grid, dict) else ():
        if not isinstance(values, list) or not values:
            expected = f"expected a non-empty list of values, got {values!r}"
            problems.append(Problem(source, "[grid]", key, expected))
        elif bad := [v for v in values if not _finite_or_text(v)]:
            expected = f"expected finite numbers, texts or booleans, got {bad[0]!r}"
            problems.append(Problem(source, "[grid]", key, expected))
    if "grid" not in raw and "monte_carlo" not in raw:
        expected = "expected a [grid] or [monte_carlo] table"
        problems.append(Problem(source, "top level", "grid", expected))
    return problems


def _finite_or_text(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int | str | bool)


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
    draws: Any = spec.get("draws")  # checked below
    seed: Any = spec.get("seed")
    params = spec.get("parameters", {})
    problems = []
    if not _is_int(draws) or not 1 <= draws <= MAX_DRAWS:
        expected = f"expected an integer from 1 to {MAX_DRAWS:,}, got {draws!r}"
        problems.append(Problem(source, where, "draws", expected))
    if not _is_int(seed) or seed < 0:
        expected = f"expected an integer ≥ 0, got {seed!r}"
        problems.append(Problem(source, where, "seed", expected))
    for key in sorted(set(spec) - {"draws", "seed", "parameters"}):
        expected = "unknown key; expected draws, seed or parameters"
        problems.append(Problem(source, where, key, expected))
    if not isinstance(params, dict) or not params:
        expected = f"expected a table of distributions by dotted key, got {params!r}"
        problems.append(Problem(source, where, "parameters", expected))
        params = {}
    for key, dist in params.items():
        problems += _check_distribution(dist, source, key)
    if problems:
        raise InputError(problems)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(draws):
        out.append({key: _draw(rng, params[key]) for key in sorted(params)})
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_distribution(dist: Any, source: str, key: str) -> list[Problem]:
    where = f'[monte_carlo.parameters."{key}"]'
    if not isinstance(dist, dict) or dist.get("distribution") not in DISTRIBUTIONS:
        expected = f"expected {{ distribution = one of {', '.join(DISTRIBUTIONS)}, ... }}"
        got = dist.get("distribution") if isinstance(dist, dict) else dist
        return [Problem(source, where, "distribution", f"{expected}, got {got!r}")]
    kind = dist["distribution"]
    needs = DISTRIBUTIONS[kind]
    allowed = {"distribution", *needs, *(("low", "high") if kind == "normal" else ())}
    problems = [
        Problem(source, where, name, f"{kind}: missing; expected {', '.join(needs)}")
        for name in needs
        if name not in dist
    ]
    for name in sorted(set(dist) - allowed):
        expected = f"unknown key for a {kind} distribution; expected {', '.join(sorted(allowed))}"
        problems.append(Problem(source, where, name, expected))
    if kind == "choice":
        values = dist.get("values")
        if "values" in dist and (not isinstance(values, list) or not values):
            expected = f"expected a non-empty list of values, got {values!r}"
            problems.append(Problem(source, where, "values", expected))
        elif isinstance(values, list) and (bad := [v for v in values if not _finite_or_text(v)]):
            expected = f"expected finite numbers, texts or booleans, got {bad[0]!r}"
            problems.append(Problem(source, where, "values", expected))
        return problems
    numbers = {}
    for name in sorted(allowed - {"distribution"}):
        if name not in dist:
            continue
        value = dist[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            expected = f"expected a finite number, got {type(value).__name__} {value!r}"
            problems.append(Problem(source, where, name, expected))
        elif kind == "integer" and not _is_int(value):
            expected = f"expected a whole number, got {type(value).__name__} {value!r}"
            problems.append(Problem(source, where, name, expected))
        else:
            numbers[name] = float(value)
    low, high = numbers.get("low"), numbers.get("high")
    if low is not None and high is not None and low > high:
        expected = f"low ({low:g}) is above high ({high:g}); expected low ≤ high"
        problems.append(Problem(source, where, "low", expected))
    if numbers.get("sd", 0.0) < 0:
        expected = f"expected a standard deviation ≥ 0, got {numbers['sd']:g}"
        problems.append(Problem(source, where, "sd", expected))
    mode = numbers.get("mode")
    if mode is not None and low is not None and high is not None and not low <= mode <= high:
        expected = f"expected a mode from low ({low:g}) to high ({high:g}), got {mode:g}"
        problems.append(Problem(source, where, "mode", expected))
    return problems


def _draw(rng: np.random.Generator, dist: dict[str, Any]) -> Any:
    kind = dist["distribution"]
    if kind == "uniform":
        value = rng.uniform(dist["low"], dist["high"])
    elif kind == "normal":
        value = rng.normal(dist["mean"], dist["sd"])
    elif kind == "triangular":
        value = rng.triangular(dist["low"], dist["mode"], dist["high"])
    elif kind == "integer":
        return int(rng.integers(dist["low"], dist["high"], endpoint=True))
    else:
        return dist["values"][int(rng.integers(len(dist["values"])))]
    value = float(np.clip(value, dist.get("low", -np.inf), dist.get("high", np.inf)))
    return round(value, 12)
