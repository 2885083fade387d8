"""``siting batch``: run every scenario of a sweep file on Dask."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from siting.cli.arguments import address, count
from siting.cli.options import run_options, solver_arguments
from siting.cli.output import emit, warn
from siting.errors import counted

if TYPE_CHECKING:
    from siting.batch import BatchOutcome

HELP = "run every scenario of a sweep file on Dask"
DESCRIPTION = (
    "Expand a sweep file (a grid and/or Monte Carlo draws around a base scenario) and "
    "solve every scenario on Dask: a local cluster, or an existing one at --scheduler. "
    "Each result is saved as it finishes (OUT/scenarios/<key>.json); a re-run skips "
    "finished scenarios; failures are recorded and do not stop the batch. Combined "
    "tables: OUT/results.parquet, results.csv, sites.parquet, summary.json; with [horizon] "
    "scenarios also years.csv (totals per scenario and year) and idle_band.png/.html (idle "
    "MW and stranded capital by year, low-high band and central line)."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to its parser."""
    parser.add_argument(
        "sweep",
        type=Path,
        metavar="SWEEP",
        help="sweep TOML file, or the name of a shipped sweep (listed by `siting scenarios`)",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument(
        "--workers",
        type=count,
        default=None,
        metavar="N",
        help="worker processes of the local cluster (default: the number of cores)",
    )
    parser.add_argument(
        "--scheduler",
        type=address,
        default=None,
        metavar="ADDRESS",
        help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786",
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="run again the scenarios recorded as failed"
    )
    solver_arguments(parser)


def check(args: argparse.Namespace) -> None:
    """Check ``--out`` and load the sweep, kept as ``args.loaded_sweep``."""
    from siting.io import check_output_folder
    from siting.sweep import load_sweep

    check_output_folder(args.out, option="--out", batch=True)
    args.loaded_sweep = load_sweep(args.sweep)


def run(args: argparse.Namespace) -> int:
    """Run the sweep, showing a progress bar; return the exit status."""
    from siting.batch import run_batch
    from siting.report import batch_progress

    sweep = args.loaded_sweep  # loaded and checked by check
    with batch_progress(len(sweep.points), show=not (args.quiet or args.json)) as update:
        outcome = run_batch(
            sweep,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            options=run_options(args),
            retry_failed=args.retry_failed,
            progress=update,
        )
    return show(args, outcome)


def show(args: argparse.Namespace, outcome: BatchOutcome) -> int:
    """Print the batch's summary (or JSON, or the folder) and warn of early stops."""
    from siting.report import print_batch

    data = {**outcome.summary, "ran": outcome.ran, "skipped": outcome.skipped, "tables": args.out}
    emit(args, lambda: print_batch(outcome, args.out), data, [args.out])
    table = outcome.table
    stopped = int((table["solver_status"] == "feasible").sum()) if "solver_status" in table else 0
    if stopped:
        warn(
            f"{counted(stopped, 'scenario')} stopped before proving optimality "
            "(solver_status 'feasible' in results.csv); raise --time-limit or loosen --gap"
        )
    return 3 if args.strict and (stopped or (table["status"] != "ok").any()) else 0
