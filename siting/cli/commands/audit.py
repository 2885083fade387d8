"""``siting audit``: one scenario's build as sunk, used under another: what is stranded."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from siting import settings
from siting.cli.checks import check_outputs, load_scenarios
from siting.cli.options import map_arguments, output_arguments, run_options, solver_arguments
from siting.cli.output import emit, stages, verdict

if TYPE_CHECKING:
    from siting.analysis import Audit

HELP = "fix one scenario's build as sunk, re-optimise under another: what is stranded"
DESCRIPTION = (
    "Take the capacity one scenario builds (or the existing capacity in the data) as "
    "sunk, re-optimise under another scenario, and report idle MW and utilisation by "
    "site and province and the cost of the mismatch. Writes OUT/audit-A-under-B/ and "
    "a map."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    parser.add_argument(
        "--built",
        required=True,
        metavar="SCENARIO",
        help="scenario whose plan was built, or 'existing' for the data's capacity",
    )
    parser.add_argument(
        "--under", required=True, metavar="SCENARIO", help="scenario the capacity is used under"
    )
    output_arguments(parser, maps=True)
    map_arguments(parser, optional=True)
    solver_arguments(parser)


def check(args: argparse.Namespace) -> None:
    """Check both scenarios (``existing`` is the data's) and the output folders."""
    load_scenarios([ref for ref in (args.built, args.under) if ref != "existing"], "audit")
    check_outputs(args)


def run(args: argparse.Namespace) -> int:
    """Audit, draw the map and publish; return the exit status."""
    from siting.analysis import audit
    from siting.io import publish, write_csv, write_json, write_tables
    from siting.maps import make_map

    with stages(args, "audit") as stage:
        stage("solve")
        result = audit(args.built, args.under, options=run_options(args))
        name = f"audit-{result.built_name}-under-{result.under_name}"

        def write(folder: Path) -> None:
            write_tables(result.results, folder)
            write_csv(result.sites, folder / "audit_sites.csv")
            write_csv(result.provinces, folder / "audit_provinces.csv")
            write_json(folder / "summary.json", result.summary)

        title = f"{result.built_name} built, used under {result.under_name}"
        stage("map")
        fmap = None if args.no_map else make_map(result.results, title=title, tiles=args.tiles)
        folder, map_path = publish(
            name,
            Path(args.out or settings.out_dir),
            write,
            fmap=fmap,
            maps_dir=args.maps,
            offline=not args.cdn,
        )
    return show(args, result, name, folder, map_path)


def show(
    args: argparse.Namespace, result: Audit, name: str, folder: Path, map_path: Path | None
) -> int:
    """Print the audit (or JSON, or the output paths); return the exit status."""
    from siting.report import print_audit

    data = {**result.summary, "tables": folder, "map": map_path}
    emit(args, lambda: print_audit(result, folder, map_path), data, [folder, map_path])
    return verdict(args, [(name, {**result.results.kpis, **result.options.limits()})])
