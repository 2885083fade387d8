"""``siting plan``: plan a ``[horizon]`` scenario year by year; write the schedule."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from siting.cli.checks import check_outputs, load_horizon_scenario
from siting.cli.options import (
    map_arguments,
    output_arguments,
    run_options,
    scenario_argument,
    solver_arguments,
)
from siting.cli.output import emit, progress_log, verdict

if TYPE_CHECKING:
    from siting.horizon_run import HorizonRun

HELP = "plan a [horizon] scenario year by year; write the schedule"
DESCRIPTION = (
    "Plan the years of a scenario's [horizon] table (perfect or myopic foresight), "
    "print totals per year, stranded MW and capital by province, idle MW and capital of "
    "--year by region, class and province (with the idle share of capacity added since "
    "end-2022) and the reported figures beside the plan's, and write OUT/<scenario>-plan/ "
    "(schedule.csv, stranded.csv, idle.csv, comparison.csv, sites_YEAR.csv/.geojson, "
    "summary.json) and MAPS/plan-<scenario>.html, a map with a year control (builds, "
    "use and stranded capacity per year; both foresights side by side with --compare)."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    scenario_argument(parser)
    parser.add_argument(
        "--foresight",
        choices=("perfect", "myopic"),
        default=None,
        help="plan with this foresight (default: the scenario's [horizon] foresight)",
    )
    parser.add_argument("--compare", action="store_true", help="also plan with the other foresight")
    parser.add_argument(
        "--year",
        type=int,
        default=None,
        metavar="YEAR",
        help="year of the by-province table, and the year the map shows first",
    )
    output_arguments(parser, maps=True)
    map_arguments(parser, optional=True)
    solver_arguments(parser, strategy=False)


def check(args: argparse.Namespace) -> None:
    """Check that the scenario has a ``[horizon]`` holding ``--year``, and the output folders.

    Families the multi-period model does not write are refused
    (:func:`~siting.scenario.check_runner`).
    """
    spec = load_horizon_scenario(args, "plan")
    check_outputs(args, f"{spec.name}-plan", f"plan-{spec.name}.html")


def run(args: argparse.Namespace) -> int:
    """Plan the horizon and publish; return the exit status."""
    from siting.horizon_run import run_horizon

    with progress_log(args):
        result = run_horizon(
            args.scenario,
            foresight=args.foresight,
            compare=args.compare,
            out_dir=args.out,
            year=args.year,
            map=not args.no_map,
            maps_dir=args.maps,
            tiles=args.tiles,
            cdn=args.cdn,
            options=run_options(args),
        )
    return show(args, result)


def show(args: argparse.Namespace, result: HorizonRun) -> int:
    """Print the plan's report (or JSON, or the output paths); return the exit status."""
    from siting.horizon_run import horizon_report

    data = {**result.summary, "tables": result.table_dir, "map": result.map_path}
    paths = [result.table_dir, result.map_path]
    emit(args, lambda: print(horizon_report(result, args.year)), data, paths)
    blocks = result.summary.get("foresights") or {
        result.solution.foresight: result.summary["solver"]
    }
    return verdict(
        args,
        [
            (f"{result.scenario.name} ({f} foresight)", {**b, "solver": b["name"]})
            for f, b in blocks.items()
        ],
    )
