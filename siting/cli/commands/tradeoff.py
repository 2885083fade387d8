"""``siting tradeoff``: cost against one parameter, one optimisation a point."""

from __future__ import annotations

import argparse
import copy
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siting import settings
from siting.cli.arguments import values as value_list
from siting.cli.checks import check_outputs, load_scenarios
from siting.cli.options import (
    output_arguments,
    run_options,
    scenario_argument,
    solver_arguments,
)
from siting.cli.output import emit, stages, verdict
from siting.errors import InputError, Problem, did_you_mean

if TYPE_CHECKING:
    import pandas as pd

    from siting.scenario import Scenario

HELP = "cost against one parameter (e.g. SLA or carbon price), one optimisation a point"
DESCRIPTION = (
    "Optimise the scenario once per value of a parameter and write the curve as a "
    "table (CSV), a static plot (PNG) and an interactive page (HTML) to "
    "OUT/tradeoff-<scenario>-<parameter>/."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    scenario_argument(parser)
    parser.add_argument(
        "--param",
        required=True,
        metavar="KEY",
        help="dotted scenario key, e.g. demand.inference_sla_ms or costs.carbon_cny_per_t",
    )
    parser.add_argument(
        "--values",
        required=True,
        type=value_list,
        metavar="V,V,...",
        help="comma-separated values: numbers, or names (e.g. optical,ip,internet)",
    )
    output_arguments(parser)
    solver_arguments(parser)


def check(args: argparse.Namespace) -> None:
    """Check the scenario, the parameter and every value, and ``--out``."""
    from siting.scenario import check_runner

    (spec,) = load_scenarios([args.scenario])
    check_tradeoff(spec, args.param, args.values)
    check_runner(spec, "tradeoff")
    check_outputs(args)


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
    *path, key = parameter.split(".")
    for value in values:
        variant = copy.deepcopy(base)
        table = variant
        for part in path:
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


def run(args: argparse.Namespace) -> int:
    """Optimise once per value, plot the curve and publish; return the exit status."""
    from siting.analysis import tradeoff
    from siting.io import publish, write_csv, write_json
    from siting.plots import parameter_label, tradeoff_html, tradeoff_png
    from siting.scenario import resolve_scenario_path

    with stages(args, "tradeoff") as stage:
        stage("solve")
        table = tradeoff(args.scenario, args.param, args.values, options=run_options(args))
        stem = resolve_scenario_path(args.scenario).stem
        title = f"{stem}: cost against {parameter_label(args.param)}"

        def write(folder: Path) -> None:
            # timings go to summary.json: the table is the same on every run
            write_csv(table.drop(columns="solve_seconds", errors="ignore"), folder / "tradeoff.csv")
            seconds = table["solve_seconds"].tolist() if "solve_seconds" in table else []
            summary = {"provenance": table.attrs["provenance"], "solve_seconds": seconds}
            write_json(folder / "summary.json", summary)
            tradeoff_png(table, args.param, folder / "tradeoff.png", title=title)
            tradeoff_html(table, args.param, folder / "tradeoff.html", title=title)

        name = f"tradeoff-{stem}-{args.param.replace('.', '-')}-{_values_key(args.values)}"
        folder, _ = publish(name, Path(args.out or settings.out_dir), write)
    return show(args, table, folder)


def _values_key(values: Sequence[float | str]) -> str:
    """Name swept values for a folder: the values themselves, or a hash when long."""
    import hashlib

    from siting.analysis import value_text

    text = "_".join(value_text(v) for v in values)
    if len(text) <= 40 and all(c.isalnum() or c in "._-" for c in text):
        return text
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def show(args: argparse.Namespace, table: pd.DataFrame, folder: Path) -> int:
    """Print the curve (or JSON, or the folder); return the exit status."""
    from siting.analysis import value_text
    from siting.report import print_tradeoff

    data = {
        "parameter": args.param,
        "points": table.to_dict(orient="records"),
        "provenance": table.attrs["provenance"],
        "tables": folder,
    }
    emit(args, lambda: print_tradeoff(table, args.param, folder), data, [folder])
    rows = table[table["status"] != "infeasible"].to_dict(orient="records")
    limits = table.attrs["limits"]
    named = [(f"{args.param}={value_text(row[args.param])}", {**row, **limits}) for row in rows]
    return verdict(args, named)
