"""The ``siting`` command line.

Errors the user can fix are printed as one message, without a traceback, with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from siting import __version__, settings
from siting.errors import SitingError

_EPILOG = """\
examples:
  siting optimize                          the default China scenario
  siting optimize my.toml --out results    a scenario file of your own
  siting optimize --solver cbc --time-limit 30 --gap 0.001
  siting validate my.toml                  check a scenario and its data without solving

exit status: 0 success, 2 bad input, infeasible scenario or solver failure
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="siting",
        description=(
            "Decide where AI compute should be built in mainland China, and which of it "
            "should be training and which inference capacity."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"siting {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    opt = sub.add_parser(
        "optimize",
        help="solve a scenario; write tables and a map",
        description=(
            "Solve the siting MILP of a scenario, print a summary, write result tables to "
            "OUT/<scenario>/ (sites, flows and hubs as CSV and GeoJSON; summary.json with the "
            "scenario, hashes, solver status and timings) and a map to MAPS/<scenario>.html."
        ),
    )
    _scenario_argument(opt)
    opt.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder for result tables (default: {settings.out_dir})",
    )
    opt.add_argument(
        "--maps",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder for the HTML map (default: {settings.maps_dir})",
    )
    opt.add_argument(
        "--solver",
        choices=settings.SOLVERS,
        default=None,
        help=f"MILP solver (default: {settings.solver})",
    )
    opt.add_argument(
        "--time-limit",
        type=_positive,
        default=None,
        metavar="S",
        help=f"solver time limit in seconds (default: {settings.time_limit:g})",
    )
    opt.add_argument(
        "--gap",
        type=_positive,
        default=None,
        metavar="G",
        help=f"relative MIP gap to stop at (default: {settings.mip_gap:g})",
    )
    opt.add_argument("--quiet", action="store_true", help="print only where outputs went")

    val = sub.add_parser(
        "validate",
        help="check a scenario and its input layers without solving",
        description="Read and validate a scenario and every input layer it names.",
    )
    _scenario_argument(val)
    return parser


def _scenario_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenario",
        nargs="?",
        default=None,
        metavar="SCENARIO",
        help="scenario TOML file or shipped scenario name (default: the shipped 'default')",
    )


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 2 on an error the user can fix.
    """
    args = _parser().parse_args(argv)
    try:
        if args.command == "optimize":
            return _optimize(args)
        return _validate(args)
    except SitingError as exc:
        print(f"siting: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("siting: interrupted", file=sys.stderr)
        return 130


def _optimize(args: argparse.Namespace) -> int:
    from siting.pipeline import optimize
    from siting.report import print_summary

    run = optimize(
        args.scenario,
        out_dir=args.out,
        maps_dir=args.maps,
        solver=args.solver,
        time_limit=args.time_limit,
        mip_gap=args.gap,
    )
    if args.quiet:
        print(f"{run.table_dir}\n{run.map_path}")
    else:
        print_summary(run)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from siting.instance import build_instance
    from siting.layers import load_layers
    from siting.scenario import load_scenario, resolve_scenario_path

    path = resolve_scenario_path(args.scenario)
    spec, paths = load_scenario(path)
    layers = load_layers(paths)
    inst = build_instance(layers, spec, source=str(path))
    print(
        f"{path}: valid · {len(layers.sites)} sites, {len(layers.hubs)} hubs, "
        f"{inst.n_pairs} hub-site pairs within the SLA"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
