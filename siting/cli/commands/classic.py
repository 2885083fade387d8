"""``siting classic``: the classic location models beside the cost-optimal plan."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from siting.cli.arguments import count, kinds, positive
from siting.cli.checks import check_outputs, load_scenarios
from siting.cli.options import (
    map_arguments,
    output_arguments,
    run_options,
    scenario_argument,
    solver_arguments,
)
from siting.cli.output import emit, run_kpis, stages, verdict, warn

if TYPE_CHECKING:
    from siting.classic import ClassicRun

HELP = "the classic location models (p-median, p-center, MCLP, LSCP) beside the cost plan"
DESCRIPTION = (
    "Solve the scenario's cost-optimal plan and the classic location models on the same "
    "layers and latency (docs/model.md, 'Classic location models'): p-median (least "
    "demand-weighted round trip), p-center (least worst round trip), MCLP (most demand "
    "within the coverage radius) with p sites, and LSCP (fewest sites covering every "
    "hub). Print each plan's objective and the same measures for all (mean round trip "
    "over the plan's own flows, weighted by MW served, as optimize reports it; mean and "
    "worst round trip with each hub served from its nearest open site; demand covered "
    "within the radius, sites, annual cost); write OUT/classic-<scenario>/ (plans.csv, "
    "sites.csv, hubs.csv, summary.json) and the plans side by side on one page, "
    "MAPS/classic-<scenario>.html. Options given are added to the names."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    scenario_argument(parser)
    parser.add_argument(
        "--sites",
        type=count,
        default=None,
        metavar="P",
        help="sites to open, p, for p-median, p-center and MCLP (default: the scenario's "
        "[objective] sites, else as many as the cost-optimal plan opens, at most hubs - 1, "
        "so that some hubs share a site)",
    )
    parser.add_argument(
        "--rule",
        choices=("exactly", "at_most"),
        default=None,
        help="open exactly p sites or at most p (default: the scenario's, else exactly)",
    )
    parser.add_argument(
        "--radius-rtt-ms",
        type=positive,
        default=None,
        metavar="MS",
        help="coverage radius of MCLP and LSCP, ms round trip at the scenario's latency layer "
        "(default: the scenario's coverage_rtt_ms, else each hub's SLA)",
    )
    parser.add_argument(
        "--kinds",
        type=kinds,
        default=None,
        metavar="KIND,...",
        help="the models to solve, from p-median,p-center,mclp,lscp (default: all four)",
    )
    output_arguments(parser, maps=True)
    map_arguments(parser, optional=True)
    solver_arguments(parser)


def check(args: argparse.Namespace) -> None:
    """Check the scenario, the models' options (kept as ``args.classic_options``) and outputs."""
    from siting.classic import CLASSIC_KINDS, ClassicOptions, check_options, output_name

    (spec,) = load_scenarios([args.scenario], "classic")
    chosen = tuple(args.kinds or CLASSIC_KINDS)
    args.classic_options = ClassicOptions(chosen, args.sites, args.rule, args.radius_rtt_ms)
    check_options(args.classic_options)
    name = output_name(spec.name, args.classic_options)
    check_outputs(args, name, f"{name}.html")


def run(args: argparse.Namespace) -> int:
    """Solve the cost plan and the classic models, and publish; return the exit status."""
    from siting.classic import run_classic

    with stages(args, "classic") as stage:
        result = run_classic(
            args.scenario,
            args.classic_options,  # checked by check
            out_dir=args.out,
            maps_dir=args.maps,
            map=not args.no_map,
            tiles=args.tiles,
            cdn=args.cdn,
            progress=stage,
            options=run_options(args),
        )
    return show(args, result)


def show(args: argparse.Namespace, result: ClassicRun) -> int:
    """Print the plans side by side (or JSON, or the output paths); return the exit status."""
    from siting.classic import classic_report

    data = {**result.summary, "tables": result.table_dir, "map": result.map_path}
    emit(args, lambda: print(classic_report(result)), data, [result.table_dir, result.map_path])
    for kind, message in result.failed.items():
        warn(f"{kind}: no plan ({message}); the other models are reported")
    status = verdict(args, [(p.run.scenario.name, run_kpis(p.run)) for p in result.plans])
    return 3 if args.strict and result.failed else status
