"""``siting optimize``: solve a scenario; write tables and a map."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from siting.cli.checks import check_outputs, load_scenarios
from siting.cli.options import (
    map_arguments,
    output_arguments,
    run_options,
    scenario_argument,
    solver_arguments,
)
from siting.cli.output import emit, run_kpis, stages, verdict

if TYPE_CHECKING:
    from siting.pipeline import Run

HELP = "solve a scenario; write tables and a map"
DESCRIPTION = (
    "Solve the siting MILP of a scenario, print a summary, write result tables to "
    "OUT/<scenario>/ (sites, flows and hubs as CSV, GeoJSON and GeoParquet; "
    "summary.json with the provenance, scenario, solver status and timings) and a map "
    "to MAPS/<scenario>.html."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    scenario_argument(parser)
    output_arguments(parser, maps=True)
    map_arguments(parser, optional=True)
    solver_arguments(parser)


def check(args: argparse.Namespace) -> None:
    """Check the scenario and the output folders before any data loads."""
    (spec,) = load_scenarios([args.scenario], "optimize")
    check_outputs(args, spec.name, f"{spec.name}.html")


def run(args: argparse.Namespace) -> int:
    """Solve and publish; return the exit status."""
    from siting.pipeline import optimize

    with stages(args, "optimize") as stage:
        result = optimize(
            args.scenario,
            out_dir=args.out,
            maps_dir=args.maps,
            tiles=args.tiles,
            cdn=args.cdn,
            map=not args.no_map,
            progress=stage,
            options=run_options(args),
        )
    return show(args, result)


def show(args: argparse.Namespace, result: Run) -> int:
    """Print the summary (or JSON, or the output paths); return the exit status."""
    from siting.report import print_summary

    data = {**result.summary, "tables": result.table_dir, "map": result.map_path}
    emit(args, lambda: print_summary(result), data, [result.table_dir, result.map_path])
    return verdict(args, [(result.scenario.name, run_kpis(result))])
