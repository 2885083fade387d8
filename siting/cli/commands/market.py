"""``siting market``: plan a ``[horizon]`` scenario, then allocate each year's use by the market."""

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
    from siting.market_run import MarketRun

HELP = "plan a [horizon] scenario, then let a market allocate each year's use"
DESCRIPTION = (
    "Plan the years of a scenario's [horizon] table as 'siting plan' does, then allocate each "
    "year's use to the capacity in service by a market (captive capacity serves its owner "
    "first; segments buy the cheapest admissible capacity; clearing rents from the duals; "
    "docs/model.md 'Market for compute'). Print idle MW by owner type, place and accelerator "
    "class, utilisation and revenue per site and the clearing premia, and write "
    "OUT/<scenario>-market/ (market_sites.csv, market_idle.csv, summary.json) and "
    "MAPS/market-<scenario>.html, the --year's sites coloured by owner type and filled to "
    "their utilisation."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    scenario_argument(parser)
    parser.add_argument(
        "--year",
        type=int,
        default=None,
        metavar="YEAR",
        help="year of the idle, site and premium tables and of the map (default: the "
        "horizon's last)",
    )
    output_arguments(parser, maps=True)
    map_arguments(parser, optional=True)
    solver_arguments(parser, strategy=False)


def check(args: argparse.Namespace) -> None:
    """Check that the scenario has a ``[horizon]`` holding ``--year``, and the output folder."""
    spec = load_horizon_scenario(args, "plan")
    check_outputs(args, f"{spec.name}-market", f"market-{spec.name}.html")


def run(args: argparse.Namespace) -> int:
    """Plan, allocate and publish; return the exit status."""
    from siting.market_run import run_market

    with progress_log(args):
        result = run_market(
            args.scenario,
            year=args.year,
            out_dir=args.out,
            options=run_options(args),
            map=not args.no_map,
            maps_dir=args.maps,
            tiles=args.tiles,
            cdn=args.cdn,
        )
    return show(args, result)


def show(args: argparse.Namespace, result: MarketRun) -> int:
    """Print the market's report (or JSON, or the output folder); return the exit status."""
    from siting.market_run import market_report

    data = {**result.summary, "tables": result.table_dir, "map": result.map_path}
    paths = [result.table_dir, result.map_path]
    emit(args, lambda: print(market_report(result, args.year)), data, paths)
    solver = result.summary["plan_solver"]
    return verdict(args, [(f"{result.scenario.name} (plan)", {**solver, "solver": solver["name"]})])
