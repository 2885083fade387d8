"""Arguments several commands share (scenario, output folders, map, printing, solver).

Also :func:`run_options`, which reads the solver arguments back for a runner.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from siting import settings
from siting.cli.arguments import gap, positive

if TYPE_CHECKING:
    from siting.solve.options import RunOptions


def print_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--json`` and ``--quiet``, which exclude each other."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--json", action="store_true", help="print the result as JSON on standard output"
    )
    group.add_argument(
        "--quiet", action="store_true", help="print only where outputs went (no summary)"
    )


def scenario_argument(parser: argparse.ArgumentParser) -> None:
    """Add the optional ``SCENARIO`` (default: the shipped ``default``)."""
    parser.add_argument(
        "scenario",
        nargs="?",
        default=None,
        metavar="SCENARIO",
        help="scenario TOML file or shipped scenario name (default: the shipped 'default')",
    )


def output_arguments(parser: argparse.ArgumentParser, *, maps: bool = False) -> None:
    """Add ``--out``, and ``--maps`` if the command draws a map."""
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder for result tables (default: {settings.out_dir})",
    )
    if maps:
        parser.add_argument(
            "--maps",
            type=Path,
            default=None,
            metavar="DIR",
            help=f"folder for the HTML map (default: {settings.maps_dir})",
        )


def map_arguments(parser: argparse.ArgumentParser, *, optional: bool = False) -> None:
    """Add the map's ``--tiles`` and ``--cdn``, and ``--no-map`` if the map is optional."""
    if optional:
        parser.add_argument(
            "--no-map", action="store_true", help="write the tables only, no map (faster)"
        )
    parser.add_argument(
        "--tiles",
        choices=("none", "osm"),
        default="none",
        help="basemap: none (provinces are the base; works offline) or osm (needs a network)",
    )
    parser.add_argument(
        "--cdn",
        action="store_true",
        help="load the map's scripts from CDNs (smaller file; blank without a network)",
    )


def solver_arguments(parser: argparse.ArgumentParser, *, strategy: bool = True) -> None:
    """Add the printing and solver arguments, and ``--strategy`` unless told not to."""
    print_arguments(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 3 unless every plan is proven optimal within --gap",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="also print the solver's own log on standard error (even with --json or --quiet)",
    )
    parser.add_argument(
        "--solver",
        choices=settings.SOLVERS,
        default=None,
        help=f"MILP solver (default: {settings.solver})",
    )
    parser.add_argument(
        "--time-limit",
        type=positive,
        default=None,
        metavar="S",
        help=(
            f"solver time limit in seconds (default: the scenario's [solve] time_limit, else "
            f"{settings.time_limit:g})"
        ),
    )
    parser.add_argument(
        "--gap",
        type=gap,
        default=None,
        metavar="G",
        help=f"relative MIP gap to stop at, from 0 to below 1 (default: {settings.mip_gap:g})",
    )
    if not strategy:  # the multi-period model has its own LP-guided restriction
        return
    parser.add_argument(
        "--strategy",
        choices=("auto", "direct", "decompose"),
        default=None,
        help="solve strategy: one solver run, or LP-guided decomposition with a bound valid "
        "for the full model (default: the scenario's [solve] strategy, else auto: decompose "
        "large instances)",
    )


def run_options(args: argparse.Namespace) -> RunOptions:
    """Return the solver options given on the command line (``None``: not given)."""
    from siting.solve.options import RunOptions

    strategy = args.strategy if "strategy" in args else None
    return RunOptions(args.solver, args.time_limit, args.gap, strategy=strategy)
