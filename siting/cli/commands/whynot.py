"""``siting whynot``: the extra cost of using each unused site and of tighter SLAs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from siting import settings
from siting.cli.arguments import positive
from siting.cli.checks import check_outputs, load_scenarios
from siting.cli.options import (
    output_arguments,
    run_options,
    scenario_argument,
    solver_arguments,
)
from siting.cli.output import emit, stages

if TYPE_CHECKING:
    from siting.analysis import WhyNot

HELP = "extra cost of using each unused site, and of tightening each hub's SLA"
DESCRIPTION = (
    "For every candidate the plan leaves unused, the extra yearly cost if it were "
    "made to host some inference or training; for every hub, the extra cost of "
    "tightening its SLA. Writes OUT/whynot-<scenario>/sites.csv and hubs.csv."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    scenario_argument(parser)
    parser.add_argument(
        "--inference-mw",
        type=positive,
        default=20.0,
        metavar="MW",
        help="inference an unused site is made to host (default: 20)",
    )
    parser.add_argument(
        "--training-mw",
        type=positive,
        default=None,
        metavar="MW",
        help="training an unused site is made to host (default: the minimum cluster)",
    )
    parser.add_argument(
        "--tighten-ms",
        type=positive,
        default=1.0,
        metavar="MS",
        help="how much each hub's SLA is tightened (default: 1)",
    )
    output_arguments(parser)
    solver_arguments(parser)


def check(args: argparse.Namespace) -> None:
    """Check the scenario and ``--out`` before any data loads."""
    load_scenarios([args.scenario], "whynot")
    check_outputs(args)


def run(args: argparse.Namespace) -> int:
    """Price the unused sites and tighter SLAs, and publish; return the exit status."""
    from siting.analysis import why_not
    from siting.io import publish, write_csv, write_json
    from siting.scenario import resolve_scenario_path

    with stages(args, "whynot") as stage:
        stage("solve")
        result = why_not(
            args.scenario,
            inference_mw=args.inference_mw,
            training_mw=args.training_mw,
            tighten_ms=args.tighten_ms,
            options=run_options(args),
        )

        def write(folder: Path) -> None:
            write_csv(result.sites, folder / "sites.csv")
            write_csv(result.hubs, folder / "hubs.csv")
            write_json(folder / "summary.json", {"provenance": result.provenance})

        name = f"whynot-{resolve_scenario_path(args.scenario).stem}"
        folder, _ = publish(name, Path(args.out or settings.out_dir), write)
    return show(args, result, folder)


def show(args: argparse.Namespace, result: WhyNot, folder: Path) -> int:
    """Print the extra costs (or JSON, or the folder); return 0."""
    from siting.report import print_whynot

    data = {
        "sites": result.sites.to_dict(orient="records"),
        "hubs": result.hubs.to_dict(orient="records"),
        "provenance": result.provenance,
        "tables": folder,
    }
    emit(args, lambda: print_whynot(result, folder), data, [folder])
    return 0
