"""The ``siting`` command line.

Errors the user can fix are printed as one message, without a traceback, with exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siting import __version__, settings
from siting.errors import InputError, Problem, SitingError, counted

if TYPE_CHECKING:
    from siting.scenario import Scenario

_EPILOG = """\
examples:
  siting optimize                          the default China scenario
  siting optimize my.toml --out results    a scenario file of your own
  siting optimize --solver cbc --time-limit 30 --gap 0.001
  siting validate my.toml                  check a scenario and its data without solving
  siting compare 2023-training-boom 2025-inference-shift    side-by-side synchronised maps
  siting latency beijing 贵安新区           one-way and round trip at every layer
  siting latency --matrix                  every hub x site pair at every layer
  siting audit --built 2023-training-boom --under 2025-inference-shift
  siting robust 2023-training-boom 2025-inference-shift --criterion regret
  siting whynot                            price unused sites and tighter SLAs
  siting tradeoff --param demand.inference_sla_ms --values 4,6,8,10,15,20
  siting batch sweeps/uncertain-2027.toml --out out/uncertain --workers 2

  siting scenarios                         the shipped scenarios and what they assume
  siting optimize --json --no-map          the summary as JSON; tables only

exit status: 0 success, 2 bad input, infeasible scenario or solver failure, 3 with --strict
when a plan is not proven optimal (the solver stopped at its time limit), 130 interrupted
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
            "OUT/<scenario>/ (sites, flows and hubs as CSV, GeoJSON and GeoParquet; "
            "summary.json with the provenance, scenario, solver status and timings) and a map "
            "to MAPS/<scenario>.html."
        ),
    )
    _scenario_argument(opt)
    _output_arguments(opt, maps=True)
    _map_arguments(opt, optional=True)
    _solver_arguments(opt)

    cmp = sub.add_parser(
        "compare",
        help="solve two scenarios and draw them side by side on one synchronised page",
        description=(
            "Solve two scenarios and write one HTML page with their maps side by side, "
            "panning and zooming together, to MAPS/compare-A-B.html, and both summaries to "
            "OUT/compare-A-B/."
        ),
    )
    cmp.add_argument("left", metavar="SCENARIO_A", help="left scenario")
    cmp.add_argument("right", metavar="SCENARIO_B", help="right scenario")
    _output_arguments(cmp, maps=True)
    _map_arguments(cmp)
    _solver_arguments(cmp)

    lat = sub.add_parser(
        "latency",
        help="one-way and round-trip latency between two places, or the hub x site matrix",
        description=(
            "With FROM and TO (hubs, sites, backbone nodes or prefecture seats by id, English "
            "or Chinese name, any case; or 'lon,lat'): print the route and the one-way and "
            "round-trip latency at the optical, IP and internet layers (docs/latency.md). "
            "With --matrix: write "
            "every hub x site pair at every layer to OUT/latency-<scenario>/matrix.csv."
        ),
    )
    lat.add_argument("places", nargs="*", metavar="FROM TO", help="two places")
    lat.add_argument("--matrix", action="store_true", help="write the hub x site matrix")
    lat.add_argument(
        "--scenario",
        default=None,
        metavar="SCENARIO",
        help="scenario whose latency parameters and layers apply (default: 'default')",
    )
    _output_arguments(lat)
    _print_arguments(lat)

    val = sub.add_parser(
        "validate",
        help="check a scenario and its input layers without solving",
        description="Read and validate a scenario and every input layer it names.",
    )
    _scenario_argument(val)
    _print_arguments(val)

    sce = sub.add_parser(
        "scenarios",
        help="list the shipped scenarios with their descriptions",
        description="List the scenarios shipped with siting, by name, with their descriptions.",
    )
    _print_arguments(sce)

    aud = sub.add_parser(
        "audit",
        help="fix one scenario's build as sunk, re-optimise under another: what is stranded",
        description=(
            "Take the capacity one scenario builds (or the existing capacity in the data) as "
            "sunk, re-optimise under another scenario, and report idle MW and utilisation by "
            "site and province and the cost of the mismatch. Writes OUT/audit-A-under-B/ and "
            "a map."
        ),
    )
    aud.add_argument(
        "--built",
        required=True,
        metavar="SCENARIO",
        help="scenario whose plan was built, or 'existing' for the data's capacity",
    )
    aud.add_argument(
        "--under", required=True, metavar="SCENARIO", help="scenario the capacity is used under"
    )
    _output_arguments(aud, maps=True)
    _map_arguments(aud, optional=True)
    _solver_arguments(aud)

    rob = sub.add_parser(
        "robust",
        help="one build plan for several scenarios, with each scenario's own plan beside it",
        description=(
            "Find one build plan (sites opened, MW built) shared by several scenarios, each "
            "using it its own way, minimising the expected cost or the worst-case regret; "
            "evaluate every single-scenario plan in every scenario beside it. Writes "
            "OUT/robust-<criterion>/plans.csv and the robust plan's tables per scenario."
        ),
    )
    rob.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two or more scenarios")
    rob.add_argument(
        "--weights",
        type=_weights,
        default=None,
        metavar="W,W,...",
        help="scenario probabilities (default: equal)",
    )
    rob.add_argument(
        "--criterion",
        choices=("expected", "regret"),
        default="expected",
        help="minimise expected cost or worst-case regret (default: expected)",
    )
    _output_arguments(rob)
    _solver_arguments(rob)

    why = sub.add_parser(
        "whynot",
        help="extra cost of using each unused site, and of tightening each hub's SLA",
        description=(
            "For every candidate the plan leaves unused, the extra yearly cost if it were "
            "made to host some inference or training; for every hub, the extra cost of "
            "tightening its SLA. Writes OUT/whynot-<scenario>/sites.csv and hubs.csv."
        ),
    )
    _scenario_argument(why)
    why.add_argument(
        "--inference-mw",
        type=_positive,
        default=20.0,
        metavar="MW",
        help="inference an unused site is made to host (default: 20)",
    )
    why.add_argument(
        "--training-mw",
        type=_positive,
        default=None,
        metavar="MW",
        help="training an unused site is made to host (default: the minimum cluster)",
    )
    why.add_argument(
        "--tighten-ms",
        type=_positive,
        default=1.0,
        metavar="MS",
        help="how much each hub's SLA is tightened (default: 1)",
    )
    _output_arguments(why)
    _solver_arguments(why)

    tra = sub.add_parser(
        "tradeoff",
        help="cost against one parameter (e.g. SLA or carbon price), one optimisation a point",
        description=(
            "Optimise the scenario once per value of a parameter and write the curve as a "
            "table (CSV), a static plot (PNG) and an interactive page (HTML) to "
            "OUT/tradeoff-<scenario>-<parameter>/."
        ),
    )
    _scenario_argument(tra)
    tra.add_argument(
        "--param",
        required=True,
        metavar="KEY",
        help="dotted scenario key, e.g. demand.inference_sla_ms or costs.carbon_cny_per_t",
    )
    tra.add_argument(
        "--values", required=True, type=_numbers, metavar="V,V,...", help="comma-separated values"
    )
    _output_arguments(tra)
    _solver_arguments(tra)

    bat = sub.add_parser(
        "batch",
        help="run every scenario of a sweep file on Dask",
        description=(
            "Expand a sweep file (a grid and/or Monte Carlo draws around a base scenario) and "
            "solve every scenario on Dask: a local cluster, or an existing one at --scheduler. "
            "Each result is saved as it finishes (OUT/scenarios/<key>.json); a re-run skips "
            "finished scenarios; failures are recorded and do not stop the batch. Combined "
            "tables: OUT/results.parquet, results.csv, sites.parquet, summary.json."
        ),
    )
    bat.add_argument("sweep", type=Path, metavar="SWEEP", help="sweep TOML file")
    bat.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    bat.add_argument(
        "--workers",
        type=_count,
        default=None,
        metavar="N",
        help="worker processes of the local cluster (default: the number of cores)",
    )
    bat.add_argument(
        "--scheduler",
        type=_address,
        default=None,
        metavar="ADDRESS",
        help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786",
    )
    bat.add_argument(
        "--retry-failed", action="store_true", help="run again the scenarios recorded as failed"
    )
    _solver_arguments(bat)
    return parser


def _print_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--json", action="store_true", help="print the result as JSON on standard output"
    )
    group.add_argument(
        "--quiet", action="store_true", help="print only where outputs went (no summary)"
    )


def _scenario_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenario",
        nargs="?",
        default=None,
        metavar="SCENARIO",
        help="scenario TOML file or shipped scenario name (default: the shipped 'default')",
    )


def _output_arguments(parser: argparse.ArgumentParser, *, maps: bool = False) -> None:
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


def _map_arguments(parser: argparse.ArgumentParser, *, optional: bool = False) -> None:
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


def _solver_arguments(parser: argparse.ArgumentParser) -> None:
    _print_arguments(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 3 unless every plan is proven optimal within --gap",
    )
    parser.add_argument(
        "--solver",
        choices=settings.SOLVERS,
        default=None,
        help=f"MILP solver (default: {settings.solver})",
    )
    parser.add_argument(
        "--time-limit",
        type=_positive,
        default=None,
        metavar="S",
        help=f"solver time limit in seconds (default: {settings.time_limit:g})",
    )
    parser.add_argument(
        "--gap",
        type=_gap,
        default=None,
        metavar="G",
        help=f"relative MIP gap to stop at, from 0 to below 1 (default: {settings.mip_gap:g})",
    )


def _solver_options(args: argparse.Namespace) -> dict[str, object]:
    return {"solver": args.solver, "time_limit": args.time_limit, "mip_gap": args.gap}


def _number(text: str, expected: str = "a finite number") -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def _numbers(text: str) -> list[float]:
    """Comma-separated finite numbers, at least one; integers stay integers."""
    parts = [v.strip() for v in text.split(",")]
    if not any(parts) or not all(parts):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, e.g. 4,6,8, got {text!r}"
        )
    values: list[float] = []
    for part in parts:
        try:
            values.append(int(part))
        except ValueError:
            values.append(_number(part, "comma-separated finite numbers"))
    return values


def _weights(text: str) -> list[float]:
    """Comma-separated non-negative finite numbers, not all zero."""
    values = [float(v) for v in _numbers(text)]
    if any(v < 0 for v in values) or not any(values):
        raise argparse.ArgumentTypeError(
            f"expected weights ≥ 0, not all zero, e.g. 0.7,0.3, got {text!r}"
        )
    return values


def _positive(text: str) -> float:
    value = _number(text, "a finite number > 0")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def _gap(text: str) -> float:
    value = _number(text, "a relative gap from 0 to below 1, e.g. 0.001")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a relative gap from 0 to below 1, e.g. 0.001, got {text!r}"
        )
    return abs(value)  # -0.0 is 0


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {text!r}")
    return value


def _address(text: str) -> str:
    """Check a Dask scheduler address (see :func:`siting.batch.scheduler_address`)."""
    from siting.batch import scheduler_address

    try:
        return scheduler_address(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.problems[0].expected) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 2 on an error the user can fix, 3 with ``--strict`` when a plan is not
        proven optimal, 130 when interrupted.
    """
    args = _parser().parse_args(argv)
    commands = {
        "optimize": _optimize,
        "compare": _compare,
        "latency": _latency,
        "validate": _validate,
        "audit": _audit,
        "robust": _robust,
        "whynot": _whynot,
        "tradeoff": _tradeoff,
        "batch": _batch,
        "scenarios": _scenarios,
    }
    try:
        _preflight(args)
        return commands[args.command](args)
    except SitingError as exc:
        print(f"siting: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("siting: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `siting scenarios --json | head`: the reader has enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _preflight(args: argparse.Namespace) -> None:
    """Check every output folder and every scenario a command names before any data loads.

    Raises
    ------
    InputError
        Naming the argument or file, the field and what was expected.
    """
    from siting.pipeline import check_output_folder
    from siting.scenario import load_scenario

    command = args.command
    if command == "latency" and (
        args.matrix == bool(args.places) or len(args.places) not in (0, 2)
    ):
        expected = f"expected either two places (FROM TO) or --matrix, got {args.places!r}"
        raise InputError([Problem("latency", "", "FROM TO", expected)])
    if command == "robust":
        if len(args.scenarios) < 2:
            expected = f"expected two or more scenarios, got {len(args.scenarios)}"
            raise InputError([Problem("robust", "", "SCENARIO", expected)])
        if args.weights is not None and len(args.weights) != len(args.scenarios):
            expected = f"expected {len(args.scenarios)} weights, got {len(args.weights)}"
            raise InputError([Problem("robust", "", "--weights", expected)])
    refs = {
        "compare": [args.left, args.right] if command == "compare" else [],
        "audit": [args.built, args.under] if command == "audit" else [],
        "robust": getattr(args, "scenarios", []),
        "latency": [getattr(args, "scenario", None)],
        "batch": [],
        "scenarios": [],
    }.get(command, [getattr(args, "scenario", None)])
    specs = [
        load_scenario(ref)[0] for ref in refs if not (command == "audit" and ref == "existing")
    ]
    if command == "tradeoff":
        _check_tradeoff(specs[0], args.param, args.values)
    if command == "batch":
        from siting.sweep import load_sweep

        check_output_folder(args.out, option="--out")
        args.loaded_sweep = load_sweep(args.sweep)
        return
    if command in ("validate", "scenarios") or (command == "latency" and not args.matrix):
        return
    name = "-".join(["compare", *(s.name for s in specs)]) if command == "compare" else None
    name = specs[0].name if command == "optimize" else name
    check_output_folder(args.out or settings.out_dir, option="--out", name=name)
    if hasattr(args, "maps"):
        html = None if name is None else f"{name}.html"
        check_output_folder(args.maps or settings.maps_dir, option="--maps", name=html)


def _check_tradeoff(spec: Scenario, parameter: str, values: Sequence[float]) -> None:
    """Check that a trade-off's parameter is a scenario key and each value valid for it."""
    import difflib

    from siting.scenario import parse_scenario

    base = spec.to_dict()
    keys = sorted(
        f"{table}.{key}"
        for table, section in base.items()
        if isinstance(section, dict) and table != "data"
        for key, value in section.items()
        if not isinstance(value, dict)
    )
    if parameter not in keys:
        close = difflib.get_close_matches(parameter, keys, 1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        expected = (
            f"unknown parameter{hint}; expected a dotted scenario key such as "
            "demand.inference_sla_ms or costs.carbon_cny_per_t"
        )
        raise InputError([Problem("tradeoff --param", "", parameter, expected)])
    section, _, key = parameter.partition(".")
    for value in values:
        variant = dict(base, **{section: dict(base[section], **{key: value})})
        parse_scenario(variant, source=f"tradeoff --values {value:g}")


def _optimize(args: argparse.Namespace) -> int:
    from siting.pipeline import optimize
    from siting.report import print_summary

    with _stages(args, "optimize") as stage:
        run = optimize(
            args.scenario,
            out_dir=args.out,
            maps_dir=args.maps,
            tiles=args.tiles,
            cdn=args.cdn,
            map=not args.no_map,
            progress=stage,
            **_solver_options(args),
        )
    data = {**run.summary, "tables": run.table_dir, "map": run.map_path}
    _emit(args, lambda: print_summary(run), data, [run.table_dir, run.map_path])
    return _verdict(args, [(run.scenario.name, run.results.kpis)])


def _compare(args: argparse.Namespace) -> int:
    from siting.maps import make_comparison_map
    from siting.pipeline import optimize, publish, write_json
    from siting.report import print_compare

    with _stages(args, "compare") as stage:
        left, right = (
            optimize(ref, write=False, progress=stage, **_solver_options(args))
            for ref in (args.left, args.right)
        )
        names = (left.scenario.name, right.scenario.name)
        stage("map")
        about = (left.scenario.description, right.scenario.description)
        page = make_comparison_map(
            left.results, right.results, titles=names, descriptions=about, tiles=args.tiles
        )

        def write(folder: Path) -> None:
            for run in (left, right):
                write_json(folder / f"summary-{run.scenario.name}.json", run.summary)

        folder, map_path = publish(
            f"compare-{names[0]}-{names[1]}",
            Path(args.out or settings.out_dir),
            write,
            fmap=page,
            maps_dir=args.maps,
            offline=not args.cdn,
        )
    data = {"scenarios": [left.summary, right.summary], "tables": folder, "map": map_path}
    _emit(args, lambda: print_compare([left, right], folder, map_path), data, [folder, map_path])
    return _verdict(args, [(run.scenario.name, run.results.kpis) for run in (left, right)])


def _latency(args: argparse.Namespace) -> int:
    from siting.analysis import latency_between, latency_table
    from siting.pipeline import prepare, publish
    from siting.report import print_latency, print_latency_matrix
    from siting.results import write_csv

    with _stages(args, "latency") as stage:
        stage("load")
        prepared = prepare(args.scenario)
        lat = prepared.scenario.latency
        if not args.matrix:
            result = latency_between(prepared, *args.places)
        else:
            table = latency_table(prepared)

            def write(folder: Path) -> None:
                write_csv(table, folder / "matrix.csv")
                column = f"{lat.layer}_rtt_ms"
                wide = table.pivot(index="hub_id", columns="site_id", values=column)
                write_csv(wide.reset_index(), folder / f"{column}.csv")

            name = f"latency-{prepared.scenario.name}"
            folder, _ = publish(name, Path(args.out or settings.out_dir), write)
    if not args.matrix:
        data = {
            "from": result.names[0],
            "to": result.names[1],
            "model": lat.model,
            "scenario_layer": lat.layer,
            "route_km": result.route_km,
            "hops": result.hops,
            "one_way_ms": result.one_way_ms,
            "round_trip_ms": {k: 2 * v for k, v in result.one_way_ms.items()},
            "fibre_floor_one_way_ms": result.floor_one_way_ms,
        }
        rtt = 2 * result.one_way_ms[lat.layer]
        line = f"{result.names[0]} -> {result.names[1]}: {rtt:.2f} ms round trip ({lat.layer})"
        _emit(args, lambda: print_latency(result, lat), data, [], quiet_line=line)
        return 0
    data = {"pairs": len(table), "tables": folder}
    _emit(args, lambda: print_latency_matrix(table, lat, folder), data, [folder])
    return 0


def _validate(args: argparse.Namespace) -> int:
    from siting.pipeline import prepare

    with _stages(args, "validate") as stage:
        stage("load")
        prepared = prepare(args.scenario)
    inst = prepared.instance
    data = {
        "scenario": str(prepared.path),
        "valid": True,
        "sites": inst.n_sites,
        "hubs": inst.n_hubs,
        "pairs_within_sla": inst.n_pairs,
    }
    text = (
        f"{prepared.path}: valid · {counted(inst.n_sites, 'site')}, "
        f"{counted(inst.n_hubs, 'hub')}, "
        f"{counted(inst.n_pairs, 'hub-site pair')} within the SLA"
    )
    _emit(args, lambda: print(text), data, [])
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from siting.report import print_scenarios
    from siting.scenario import shipped_scenarios

    rows = shipped_scenarios()
    _emit(args, lambda: print_scenarios(rows), rows, [], quiet_line="\n".join(rows))
    return 0


def _audit(args: argparse.Namespace) -> int:
    from siting.analysis import audit
    from siting.maps import make_map
    from siting.pipeline import publish, write_json
    from siting.report import print_audit
    from siting.results import write_csv, write_tables

    with _stages(args, "audit") as stage:
        stage("solve")
        result = audit(args.built, args.under, **_solver_options(args))
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
    data = {**result.summary, "tables": folder, "map": map_path}
    _emit(args, lambda: print_audit(result, folder, map_path), data, [folder, map_path])
    return _verdict(args, [(name, result.results.kpis)])


def _robust(args: argparse.Namespace) -> int:
    from siting.analysis import robust_plan
    from siting.pipeline import publish, write_json
    from siting.report import print_robust
    from siting.results import write_csv, write_tables

    with _stages(args, "robust") as stage:
        stage("solve")
        report = robust_plan(
            args.scenarios, args.weights, criterion=args.criterion, **_solver_options(args)
        )

        def write(folder: Path) -> None:
            write_csv(report.table, folder / "plans.csv")
            for name, results in zip(report.names, report.results, strict=True):
                (folder / name).mkdir()
                write_tables(results, folder / name)
            write_json(folder / "summary.json", report.summary)

        name = _robust_name(args.criterion, report.names)
        folder, _ = publish(name, Path(args.out or settings.out_dir), write)
    data = {**report.summary, "tables": folder}
    _emit(args, lambda: print_robust(report, folder), data, [folder])
    named = [(n, r.kpis) for n, r in zip(report.names, report.results, strict=True)]
    return _verdict(args, named)


def _robust_name(criterion: str, names: Sequence[str]) -> str:
    """Name a robust run's folder by its criterion and scenarios, so runs never collide."""
    import hashlib

    joined = "-".join(names)
    if len(joined) > 80:  # keep the name short enough for any file system
        digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]
        joined = f"{joined[:60]}-{digest}"
    return f"robust-{criterion}-{joined}"


def _whynot(args: argparse.Namespace) -> int:
    from siting.analysis import why_not
    from siting.pipeline import publish, write_json
    from siting.report import print_whynot
    from siting.results import write_csv
    from siting.scenario import resolve_scenario_path

    with _stages(args, "whynot") as stage:
        stage("solve")
        result = why_not(
            args.scenario,
            inference_mw=args.inference_mw,
            training_mw=args.training_mw,
            tighten_ms=args.tighten_ms,
            **_solver_options(args),
        )

        def write(folder: Path) -> None:
            write_csv(result.sites, folder / "sites.csv")
            write_csv(result.hubs, folder / "hubs.csv")
            write_json(folder / "summary.json", {"provenance": result.provenance})

        name = f"whynot-{resolve_scenario_path(args.scenario).stem}"
        folder, _ = publish(name, Path(args.out or settings.out_dir), write)
    data = {
        "sites": result.sites.to_dict(orient="records"),
        "hubs": result.hubs.to_dict(orient="records"),
        "provenance": result.provenance,
        "tables": folder,
    }
    _emit(args, lambda: print_whynot(result, folder), data, [folder])
    return 0


def _tradeoff(args: argparse.Namespace) -> int:
    from siting.analysis import tradeoff
    from siting.pipeline import publish, write_json
    from siting.plots import parameter_label, tradeoff_html, tradeoff_png
    from siting.report import print_tradeoff
    from siting.results import write_csv
    from siting.scenario import resolve_scenario_path

    with _stages(args, "tradeoff") as stage:
        stage("solve")
        table = tradeoff(args.scenario, args.param, args.values, **_solver_options(args))
        stem = resolve_scenario_path(args.scenario).stem
        title = f"{stem}: cost against {parameter_label(args.param)}"

        def write(folder: Path) -> None:
            write_csv(table, folder / "tradeoff.csv")
            write_json(folder / "summary.json", {"provenance": table.attrs["provenance"]})
            tradeoff_png(table, args.param, folder / "tradeoff.png", title=title)
            tradeoff_html(table, args.param, folder / "tradeoff.html", title=title)

        name = f"tradeoff-{stem}-{args.param.replace('.', '-')}"
        folder, _ = publish(name, Path(args.out or settings.out_dir), write)
    data = {
        "parameter": args.param,
        "points": table.to_dict(orient="records"),
        "provenance": table.attrs["provenance"],
        "tables": folder,
    }
    _emit(args, lambda: print_tradeoff(table, args.param, folder), data, [folder])
    rows = table[table["status"] != "infeasible"].to_dict(orient="records")
    return _verdict(args, [(f"{args.param}={row[args.param]:g}", row) for row in rows])


def _batch(args: argparse.Namespace) -> int:
    from siting.batch import run_batch
    from siting.report import batch_progress, print_batch

    sweep = args.loaded_sweep  # loaded and checked by _preflight
    with batch_progress(len(sweep.points), show=not (args.quiet or args.json)) as update:
        outcome = run_batch(
            sweep,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            options=_solver_options(args),
            retry_failed=args.retry_failed,
            progress=update,
        )
    data = {**outcome.summary, "ran": outcome.ran, "skipped": outcome.skipped, "tables": args.out}
    _emit(args, lambda: print_batch(outcome, args.out), data, [args.out])
    table = outcome.table
    stopped = table[table["solver_status"] == "feasible"] if "solver_status" in table else []
    if len(stopped):
        _warn(
            f"{counted(len(stopped), 'scenario')} stopped before proving optimality "
            "(solver_status 'feasible' in results.csv); raise --time-limit or loosen --gap"
        )
    return 3 if args.strict and (len(stopped) or (table["status"] != "ok").any()) else 0


def _emit(
    args: argparse.Namespace,
    text: Callable[[], None],
    data: object,
    paths: Sequence[Path | None],
    *,
    quiet_line: str | None = None,
) -> None:
    """Print a command's result: a summary, JSON (``--json``) or output paths (``--quiet``)."""
    if args.json:
        from siting.pipeline import json_safe

        print(json.dumps(json_safe(_plain(data)), indent=2, ensure_ascii=False))
    elif args.quiet:
        lines = [str(p) for p in paths if p is not None]
        if quiet_line is not None:
            lines.append(quiet_line)
        if lines:
            print("\n".join(lines))
    else:
        text()


def _plain(value: object) -> object:
    """Paths as text, recursively, for JSON."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


#: What a command is doing once a stage has finished ("load" is the start).
_NEXT_STAGE = {
    "load": "reading the scenario and its data",
    "instance": "building the model",
    "build": "solving",
    "solve": "computing results",
    "results": "drawing the map",
    "map": "writing outputs",
}


@contextlib.contextmanager
def _stages(args: argparse.Namespace, command: str) -> Iterator[Callable[[str], None]]:
    """Show which stage a long command is in, on a terminal (standard error); else nothing.

    Yields a function taking the name of the stage that just finished (``"load"`` starts).
    """
    if args.quiet or args.json or not sys.stderr.isatty():
        yield lambda stage: None
        return
    from rich.console import Console

    with Console(stderr=True).status(f"{command}: {_NEXT_STAGE['load']}") as status:

        def update(stage: str) -> None:
            if stage in _NEXT_STAGE:
                status.update(f"{command}: {_NEXT_STAGE[stage]}")

        yield update


def _verdict(args: argparse.Namespace, solved: Sequence[tuple[str, dict[str, Any]]]) -> int:
    """Warn about every plan not proven optimal; with ``--strict`` return 3 if any."""
    stopped = 0
    for name, info in solved:
        if info.get("status", "optimal") == "optimal":
            continue
        stopped += 1
        gap = info.get("gap", math.nan)
        gap_text = "an unknown gap" if gap != gap else f"a gap of {gap:.2%}"
        limit = args.time_limit if args.time_limit is not None else settings.time_limit
        asked = args.gap if args.gap is not None else settings.mip_gap
        _warn(
            f"{name}: {info.get('solver', 'the solver')} stopped before proving optimality, at "
            f"{gap_text} (asked for {asked:g}; time limit {limit:g} s): the plan may cost more "
            "than the optimum. Raise --time-limit, or accept a larger --gap"
        )
    return 3 if args.strict and stopped else 0


def _warn(message: str) -> None:
    if sys.stderr is not None:
        print(f"siting: warning: {message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
