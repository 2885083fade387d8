"""``siting simulate``: investors build a ``[horizon]`` year by year; the market allocates use."""

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
from siting.cli.output import emit, progress_log

if TYPE_CHECKING:
    from siting.simulate.run import SimulationRun

HELP = "simulate many investors building year by year, the market deciding use"
DESCRIPTION = (
    "Simulate the build-out of a scenario's [horizon] by its investors ([simulate]: the "
    "layer of data/investors.csv, the seed, myopic or perfect foresight): each year each "
    "investor, in a seeded order, orders its best response on the forecast market at the "
    "rents it observed; the market then allocates the year's use (docs/model.md 'Many "
    "investors'). With [simulate] compare, also the planner's and the as-built build-outs, "
    "costed by one model, and the price of anarchy. Print the build-outs by year, idle "
    "shares by owner type and region beside the reported figures, and write "
    "OUT/<scenario>-simulate/ (simulate_years.csv, simulate_idle.csv, simulate_orders.csv, "
    "summary.json) and the owner map of --year, MAPS/simulate-<scenario>.html (the "
    "decentralised build-out's halls by owner type, filled to their utilisation)."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    scenario_argument(parser)
    parser.add_argument(
        "--year",
        type=int,
        default=None,
        metavar="YEAR",
        help="year of the idle tables and of the map (default: the horizon's last)",
    )
    parser.add_argument(
        "--investor",
        default=None,
        metavar="ID",
        help="also print this investor's best response in the last order year, everyone "
        "else's build given, with its margin at the market's clearing rents",
    )
    output_arguments(parser, maps=True)
    map_arguments(parser, optional=True)
    solver_arguments(parser, strategy=False)


def check(args: argparse.Namespace) -> None:
    """Check that the scenario has a ``[horizon]`` holding ``--year``, and the output folder."""
    spec = load_horizon_scenario(args, "simulate")
    check_outputs(args, f"{spec.name}-simulate", f"simulate-{spec.name}.html")


def run(args: argparse.Namespace) -> int:
    """Simulate, compare and publish; return the exit status."""
    from siting.simulate.run import run_simulation

    with progress_log(args):
        result = run_simulation(
            args.scenario,
            year=args.year,
            investor=args.investor,
            out_dir=args.out,
            options=run_options(args),
            map=not args.no_map,
            maps_dir=args.maps,
            tiles=args.tiles,
            cdn=args.cdn,
        )
    return show(args, result)


def show(args: argparse.Namespace, result: SimulationRun) -> int:
    """Print the simulation's report (or JSON, or the output folder); return the exit status."""
    from siting.simulate.run import simulate_report

    data = {**result.summary, "tables": result.table_dir, "map": result.map_path}
    paths = [result.table_dir, result.map_path]
    emit(args, lambda: print(simulate_report(result, args.year)), data, paths)
    return 0
