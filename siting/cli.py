"""The ``siting`` command line.

Errors the user can fix are printed as one message, without a traceback, with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from siting import __version__, settings
from siting.errors import InputError, Problem, SitingError

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
            "OUT/<scenario>/ (sites, flows and hubs as CSV, GeoJSON and GeoParquet; "
            "summary.json with the provenance, scenario, solver status and timings) and a map "
            "to MAPS/<scenario>.html."
        ),
    )
    _scenario_argument(opt)
    _output_arguments(opt, maps=True)
    _map_arguments(opt)
    _solver_arguments(opt)
    opt.add_argument("--quiet", action="store_true", help="print only where outputs went")

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

    val = sub.add_parser(
        "validate",
        help="check a scenario and its input layers without solving",
        description="Read and validate a scenario and every input layer it names.",
    )
    _scenario_argument(val)

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
    _map_arguments(aud)
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
        type=_numbers,
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
        "--values",
        required=True,
        type=_values,
        metavar="V,V,...",
        help="comma-separated values: numbers, or names (e.g. optical,ip,internet)",
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
        type=int,
        default=None,
        metavar="N",
        help="worker processes of the local cluster (default: the number of cores)",
    )
    bat.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786",
    )
    bat.add_argument(
        "--retry-failed", action="store_true", help="run again the scenarios recorded as failed"
    )
    _solver_arguments(bat)
    return parser


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


def _map_arguments(parser: argparse.ArgumentParser) -> None:
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
        type=_positive,
        default=None,
        metavar="G",
        help=f"relative MIP gap to stop at (default: {settings.mip_gap:g})",
    )
    parser.add_argument(
        "--strategy",
        choices=("auto", "direct", "decompose"),
        default=None,
        help="solve strategy: one solver run, or LP-guided decomposition with a bound valid "
        "for the full model (default: the scenario's [solve] strategy, else auto: decompose "
        "large instances)",
    )


def _solver_options(args: argparse.Namespace) -> dict[str, object]:
    options = {"solver": args.solver, "time_limit": args.time_limit, "mip_gap": args.gap}
    return {**options, "strategy": args.strategy}


def _numbers(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, got {text!r}"
        ) from None


def _values(text: str) -> list[float] | list[str]:
    try:
        return _numbers(text)
    except argparse.ArgumentTypeError:
        return [v.strip() for v in text.split(",") if v.strip()]


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
    }
    try:
        return commands[args.command](args)
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
        tiles=args.tiles,
        cdn=args.cdn,
        **_solver_options(args),
    )
    if args.quiet:
        print(f"{run.table_dir}\n{run.map_path}")
    else:
        print_summary(run)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from siting.maps import make_comparison_map
    from siting.pipeline import optimize, publish, write_json

    left, right = (
        optimize(ref, write=False, **_solver_options(args)) for ref in (args.left, args.right)
    )
    names = (left.scenario.name, right.scenario.name)
    page = make_comparison_map(left.results, right.results, titles=names, tiles=args.tiles)

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
    for run in (left, right):
        k = run.results.kpis
        print(
            f"{run.scenario.name}: {k['total_cost_cny'] / 1e9:,.3f} bn CNY/yr, training "
            f"{k['training_mw']:,.0f} MW, inference {k['inference_mw']:,.0f} MW, stranded "
            f"{k['stranded_mw']:,.0f} MW"
        )
    print(f"Map: {map_path}   Summaries: {folder}/")
    return 0


def _latency(args: argparse.Namespace) -> int:
    from siting.analysis import latency_between, latency_table
    from siting.latency import LAYERS
    from siting.pipeline import prepare, publish
    from siting.results import write_csv

    if args.matrix == bool(args.places) or (args.places and len(args.places) != 2):
        expected = "either two places (FROM TO) or --matrix"
        raise InputError([Problem("latency", "", "FROM TO", expected)])
    prepared = prepare(args.scenario)
    lat = prepared.scenario.latency
    if args.matrix:
        table = latency_table(prepared)

        def write(folder: Path) -> None:
            write_csv(table, folder / "matrix.csv")
            column = f"{lat.layer}_rtt_ms"
            wide = table.pivot(index="hub_id", columns="site_id", values=column)
            write_csv(wide.reset_index(), folder / f"{column}.csv")

        name = f"latency-{prepared.scenario.name}"
        folder, _ = publish(name, Path(args.out or settings.out_dir), write)
        within = ", ".join(
            f"{layer} {int((table[f'{layer}_rtt_ms'] <= table['sla_rtt_ms'] + 1e-9).sum())}"
            for layer in LAYERS
        )
        print(
            f"{len(table)} hub-site pairs ({lat.model} model); within the round-trip SLA at "
            f"each layer: {within} (the scenario checks the {lat.layer} layer). "
            f"Tables: {folder}/"
        )
        return 0
    result = latency_between(prepared, *args.places)
    print(f"{result.names[0]} -> {result.names[1]} ({lat.model} model)")
    if result.route is not None:
        route = result.route
        print(f"  backbone path: {route.km:,.0f} km, {route.hops} hops: {' - '.join(route.names)}")
    print(f"  modelled route: {result.route_km:,.0f} km, {result.hops:.4g} hops")
    floor = result.floor_one_way_ms
    print(f"  fibre floor (great circle): one-way {floor:.2f} ms, round trip {2 * floor:.2f} ms")
    print(f"  {'layer':<10}{'one-way ms':>12}{'round trip ms':>15}")
    for layer, ms in result.one_way_ms.items():
        mark = "  <- scenario layer" if layer == lat.layer else ""
        print(f"  {layer:<10}{ms:>12.2f}{2 * ms:>15.2f}{mark}")
    print(
        f"  from a user terminal add {lat.access_one_way_ms:g} ms one-way access "
        f"({2 * lat.access_one_way_ms:g} ms round trip), and {lat.inter_operator_one_way_ms:g} "
        "ms one-way more across operators"
    )
    return 0


def _validate(args: argparse.Namespace) -> int:
    from siting.pipeline import prepare

    prepared = prepare(args.scenario)
    inst = prepared.instance
    print(
        f"{prepared.path}: valid · {inst.n_sites} sites, {inst.n_hubs} hubs, "
        f"{inst.n_pairs} hub-site pairs within the SLA"
    )
    return 0


def _audit(args: argparse.Namespace) -> int:
    from siting.analysis import audit
    from siting.maps import make_map
    from siting.pipeline import publish, write_json
    from siting.report import print_audit
    from siting.results import write_csv, write_tables

    result = audit(args.built, args.under, **_solver_options(args))
    name = f"audit-{result.built_name}-under-{result.under_name}"

    def write(folder: Path) -> None:
        write_tables(result.results, folder)
        write_csv(result.sites, folder / "audit_sites.csv")
        write_csv(result.provinces, folder / "audit_provinces.csv")
        write_json(folder / "summary.json", result.summary)

    title = f"{result.built_name} built, used under {result.under_name}"
    folder, map_path = publish(
        name,
        Path(args.out or settings.out_dir),
        write,
        fmap=make_map(result.results, title=title, tiles=args.tiles),
        maps_dir=args.maps,
        offline=not args.cdn,
    )
    print_audit(result, folder, map_path)
    return 0


def _robust(args: argparse.Namespace) -> int:
    from siting.analysis import robust_plan
    from siting.pipeline import publish, write_json
    from siting.report import print_robust
    from siting.results import write_csv, write_tables

    if len(args.scenarios) < 2:
        raise InputError([Problem("robust", "", "SCENARIO", "expected two or more scenarios")])
    if args.weights is not None and len(args.weights) != len(args.scenarios):
        expected = f"expected {len(args.scenarios)} weights, got {len(args.weights)}"
        raise InputError([Problem("robust", "", "--weights", expected)])
    report = robust_plan(
        args.scenarios, args.weights, criterion=args.criterion, **_solver_options(args)
    )

    def write(folder: Path) -> None:
        write_csv(report.table, folder / "plans.csv")
        for name, results in zip(report.names, report.results, strict=True):
            (folder / name).mkdir()
            write_tables(results, folder / name)
        write_json(folder / "summary.json", report.summary)

    folder, _ = publish(f"robust-{args.criterion}", Path(args.out or settings.out_dir), write)
    print_robust(report, folder)
    return 0


def _whynot(args: argparse.Namespace) -> int:
    from siting.analysis import why_not
    from siting.pipeline import publish, write_json
    from siting.report import print_whynot
    from siting.results import write_csv
    from siting.scenario import resolve_scenario_path

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
    print_whynot(result, folder)
    return 0


def _tradeoff(args: argparse.Namespace) -> int:
    from siting.analysis import tradeoff
    from siting.pipeline import publish, write_json
    from siting.plots import parameter_label, tradeoff_html, tradeoff_png
    from siting.report import print_tradeoff
    from siting.results import write_csv
    from siting.scenario import resolve_scenario_path

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
    print_tradeoff(table, args.param, folder)
    return 0


def _batch(args: argparse.Namespace) -> int:
    from siting.batch import run_batch
    from siting.report import batch_progress, print_batch
    from siting.sweep import load_sweep

    sweep = load_sweep(args.sweep)
    with batch_progress(len(sweep.points)) as update:
        outcome = run_batch(
            sweep,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            options=_solver_options(args),
            retry_failed=args.retry_failed,
            progress=update,
        )
    print_batch(outcome, args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
