"""Checks run before any data loads: output folders, scenarios and command-specific rules."""

from __future__ import annotations

import argparse
import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from siting import settings
from siting.errors import InputError, Problem, did_you_mean

if TYPE_CHECKING:
    from siting.scenario import Scenario


def preflight(args: argparse.Namespace) -> None:
    """Check every output folder and every scenario a command names before any data loads.

    Raises
    ------
    InputError
        Naming the argument or file, the field and what was expected.
    """
    from siting.io import check_output_folder
    from siting.scenario import SINGLE_PERIOD_RUNNERS, check_runner, load_scenario

    command = args.command
    if command == "latency" and (
        args.matrix == bool(args.places) or len(args.places) not in (0, 2)
    ):
        expected = f"expected either two places (FROM TO) or --matrix, got {args.places!r}"
        raise InputError([Problem("latency", "", "FROM TO", expected)])
    if command == "robust":
        if len(args.scenarios) < 2:
            expected = f"expected two or more scenarios, got {len(args.scenarios)}"
            raise InputError([Problem("robust", "", "SCENARIO", expected)])
        if args.weights is not None and len(args.weights) != len(args.scenarios):
            expected = f"expected {len(args.scenarios)} weights, got {len(args.weights)}"
            raise InputError([Problem("robust", "", "--weights", expected)])
    refs = {
        "compare": [args.left, args.right] if command == "compare" else [],
        "audit": [args.built, args.under] if command == "audit" else [],
        "robust": getattr(args, "scenarios", []),
        "latency": [getattr(args, "scenario", None)],
        "batch": [],
        "scenarios": [],
    }.get(command, [getattr(args, "scenario", None)])
    specs = [
        load_scenario(ref)[0] for ref in refs if not (command == "audit" and ref == "existing")
    ]
    if command == "tradeoff":
        check_tradeoff(specs[0], args.param, args.values)
    if command == "plan":
        check_plan(specs[0], args.year)
    elif command in SINGLE_PERIOD_RUNNERS:
        for spec in specs:
            check_runner(spec, command)
    if command == "batch":
        from siting.sweep import load_sweep

        check_output_folder(args.out, option="--out", batch=True)
        args.loaded_sweep = load_sweep(args.sweep)
        return
    if command in ("validate", "scenarios") or (command == "latency" and not args.matrix):
        return
    name = "-".join(["compare", *(s.name for s in specs)]) if command == "compare" else None
    name = specs[0].name if command == "optimize" else name
    name = f"{specs[0].name}-plan" if command == "plan" else name
    if command == "classic":
        from siting.classic import CLASSIC_KINDS, Options, check_options, output_name

        kinds = tuple(args.kinds or CLASSIC_KINDS)
        args.classic_options = Options(kinds, args.sites, args.rule, args.radius_rtt_ms)
        check_options(args.classic_options)
        name = output_name(specs[0].name, args.classic_options)
    check_output_folder(args.out or settings.out_dir, option="--out", name=name)
    if hasattr(args, "maps"):
        html = None if name is None else f"{name}.html"
        html = f"plan-{specs[0].name}.html" if command == "plan" else html
        check_output_folder(args.maps or settings.maps_dir, option="--maps", name=html)


def check_plan(spec: Scenario, year: int | None) -> None:
    """Check that a scenario to plan has a ``[horizon]`` table holding ``--year``.

    Families the multi-period model does not write are refused
    (:func:`~siting.scenario.check_runner`).
    """
    from siting.scenario import check_runner

    check_runner(spec, "plan")
    assert spec.horizon is not None
    years = spec.horizon.years
    if year is not None and year not in years:
        expected = f"a year of the horizon ({years[0]}-{years[-1]}), got {year}"
        raise InputError([Problem("plan", "", "--year", expected)])


def check_tradeoff(spec: Scenario, parameter: str, values: Sequence[float | str]) -> None:
    """Check that a trade-off's parameter is a scenario key and each value valid for it."""
    from siting.analysis import value_text
    from siting.scenario import parse_scenario

    base = spec.to_dict()
    tables = {k: v for k, v in base.items() if isinstance(v, dict) and k != "data"}
    keys = sorted(_leaf_keys(tables))
    if parameter not in keys:
        hint = did_you_mean(parameter, keys)
        expected = (
            f"unknown parameter{hint}; expected a dotted scenario key such as "
            "demand.inference_sla_ms, latency.layer or classes.realtime.share"
        )
        raise InputError([Problem("tradeoff --param", "", parameter, expected)])
    *tables, key = parameter.split(".")
    for value in values:
        variant = copy.deepcopy(base)
        table = variant
        for part in tables:
            table = table[part]
        table[key] = value
        parse_scenario(variant, source=f"tradeoff --values {value_text(value)}")


def _leaf_keys(table: dict[str, Any], prefix: str = "") -> list[str]:
    """Every dotted key of a nested table that names a value, not a table."""
    keys = []
    for name, value in table.items():
        dotted = f"{prefix}{name}"
        if isinstance(value, dict):
            keys.extend(_leaf_keys(value, f"{dotted}."))
        else:
            keys.append(dotted)
    return keys
