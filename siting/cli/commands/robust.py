"""``siting robust``: one build plan for several scenarios, each scenario's own beside it."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from siting import settings
from siting.cli.arguments import weights
from siting.cli.checks import check_outputs, load_scenarios
from siting.cli.options import output_arguments, run_options, solver_arguments
from siting.cli.output import emit, stages, verdict
from siting.errors import InputError, Problem

if TYPE_CHECKING:
    from siting.analysis import RobustReport

HELP = "one build plan for several scenarios, with each scenario's own plan beside it"
DESCRIPTION = (
    "Find one build plan (sites opened, MW built) shared by several scenarios, each "
    "using it its own way, minimising the expected cost or the worst-case regret; "
    "evaluate every single-scenario plan in every scenario beside it. Writes "
    "OUT/robust-<criterion>-<scenarios>/plans.csv and the robust plan's tables per "
    "scenario."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two or more scenarios")
    parser.add_argument(
        "--weights",
        type=weights,
        default=None,
        metavar="W,W,...",
        help="scenario probabilities (default: equal)",
    )
    parser.add_argument(
        "--criterion",
        choices=("expected", "regret"),
        default="expected",
        help="minimise expected cost or worst-case regret (default: expected)",
    )
    output_arguments(parser)
    solver_arguments(parser)


def check(args: argparse.Namespace) -> None:
    """Check the number of scenarios and weights, each scenario and ``--out``."""
    if len(args.scenarios) < 2:
        expected = f"expected two or more scenarios, got {len(args.scenarios)}"
        raise InputError([Problem("robust", "", "SCENARIO", expected)])
    if args.weights is not None and len(args.weights) != len(args.scenarios):
        expected = f"expected {len(args.scenarios)} weights, got {len(args.weights)}"
        raise InputError([Problem("robust", "", "--weights", expected)])
    load_scenarios(args.scenarios, "robust")
    check_outputs(args)


def run(args: argparse.Namespace) -> int:
    """Find the robust plan and publish it; return the exit status."""
    from siting.analysis import robust_plan
    from siting.io import publish, write_csv, write_json, write_tables

    with stages(args, "robust") as stage:
        stage("solve")
        report = robust_plan(
            args.scenarios, args.weights, criterion=args.criterion, options=run_options(args)
        )

        def write(folder: Path) -> None:
            write_csv(report.table, folder / "plans.csv")
            for name, results in zip(report.names, report.results, strict=True):
                (folder / name).mkdir()
                write_tables(results, folder / name)
            write_json(folder / "summary.json", report.summary)

        name = robust_name(args.criterion, report.names)
        folder, _ = publish(name, Path(args.out or settings.out_dir), write)
    return show(args, report, folder)


def show(args: argparse.Namespace, report: RobustReport, folder: Path) -> int:
    """Print the plans' costs in every scenario (or JSON, or the folder); return the status."""
    from siting.report import print_robust

    data = {**report.summary, "tables": folder}
    emit(args, lambda: print_robust(report, folder), data, [folder])
    limits = report.options.limits()
    named = [(n, {**r.kpis, **limits}) for n, r in zip(report.names, report.results, strict=True)]
    return verdict(args, named)


def robust_name(criterion: str, names: Sequence[str]) -> str:
    """Name a robust run's folder by its criterion and scenarios, so runs never collide."""
    import hashlib

    joined = "-".join(names)
    if len(joined) > 80:  # keep the name short enough for any file system
        digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]
        joined = f"{joined[:60]}-{digest}"
    return f"robust-{criterion}-{joined}"
