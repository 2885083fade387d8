"""``siting compare``: solve two scenarios and draw them side by side on one page."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from siting import settings
from siting.cli.checks import check_outputs, load_scenarios
from siting.cli.options import map_arguments, output_arguments, run_options, solver_arguments
from siting.cli.output import emit, run_kpis, stages, verdict

if TYPE_CHECKING:
    from siting.pipeline import Run

HELP = "solve two scenarios and draw them side by side on one synchronised page"
DESCRIPTION = (
    "Solve two scenarios and write one HTML page with their maps side by side, "
    "panning and zooming together, to MAPS/compare-A-B.html, and both summaries to "
    "OUT/compare-A-B/."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    parser.add_argument("left", metavar="SCENARIO_A", help="left scenario")
    parser.add_argument("right", metavar="SCENARIO_B", help="right scenario")
    output_arguments(parser, maps=True)
    map_arguments(parser)
    solver_arguments(parser)


def check(args: argparse.Namespace) -> None:
    """Check both scenarios and the output folders before any data loads."""
    specs = load_scenarios([args.left, args.right], "compare")
    name = "-".join(["compare", *(s.name for s in specs)])
    check_outputs(args, name, f"{name}.html")


def run(args: argparse.Namespace) -> int:
    """Solve both scenarios, draw the page and publish; return the exit status."""
    from siting.io import publish, write_json
    from siting.maps import make_comparison_map
    from siting.pipeline import optimize

    with stages(args, "compare") as stage:
        left, right = (
            optimize(ref, write=False, progress=stage, options=run_options(args))
            for ref in (args.left, args.right)
        )
        names = (left.scenario.name, right.scenario.name)
        stage("map")
        about = (left.scenario.description, right.scenario.description)
        page = make_comparison_map(
            left.results, right.results, titles=names, descriptions=about, tiles=args.tiles
        )

        def write(folder: Path) -> None:
            for result in (left, right):
                write_json(folder / f"summary-{result.scenario.name}.json", result.summary)

        folder, map_path = publish(
            f"compare-{names[0]}-{names[1]}",
            Path(args.out or settings.out_dir),
            write,
            fmap=page,
            maps_dir=args.maps,
            offline=not args.cdn,
        )
    return show(args, [left, right], folder, map_path)


def show(args: argparse.Namespace, runs: list[Run], folder: Path, map_path: Path | None) -> int:
    """Print both summaries (or JSON, or the output paths); return the exit status."""
    from siting.report import print_compare

    data = {"scenarios": [r.summary for r in runs], "tables": folder, "map": map_path}
    emit(args, lambda: print_compare(runs, folder, map_path), data, [folder, map_path])
    return verdict(args, [(r.scenario.name, run_kpis(r)) for r in runs])
