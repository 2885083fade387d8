"""One function per command: run it, print or emit its result, return the exit status."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siting import settings
from siting.cli.output import emit, progress_log, stages, verdict, warn
from siting.errors import counted

if TYPE_CHECKING:
    from siting.solve.options import RunOptions


def run_options(args: argparse.Namespace) -> RunOptions:
    """Return the solver options given on the command line (``None``: not given)."""
    from siting.solve.options import RunOptions

    strategy = args.strategy if "strategy" in args else None
    return RunOptions(args.solver, args.time_limit, args.gap, strategy=strategy)


def _optimize(args: argparse.Namespace) -> int:
    from siting.pipeline import optimize
    from siting.report import print_summary

    options = run_options(args)
    with stages(args, "optimize") as stage:
        run = optimize(
            args.scenario,
            out_dir=args.out,
            maps_dir=args.maps,
            tiles=args.tiles,
            cdn=args.cdn,
            map=not args.no_map,
            progress=stage,
            options=options,
        )
    data = {**run.summary, "tables": run.table_dir, "map": run.map_path}
    emit(args, lambda: print_summary(run), data, [run.table_dir, run.map_path])
    return verdict(args, [(run.scenario.name, _solved(run))])


def _solved(run: Any) -> dict[str, Any]:
    """Give a run's KPIs with the time limit and gap its solve had (the scenario's, if set)."""
    solver = run.summary["solver"]
    return {
        **run.results.kpis,
        "time_limit_s": solver["time_limit_s"],
        "mip_gap": solver["mip_gap"],
    }


def _compare(args: argparse.Namespace) -> int:
    from siting.maps import make_comparison_map
    from siting.pipeline import optimize, publish, write_json
    from siting.report import print_compare

    options = run_options(args)
    with stages(args, "compare") as stage:
        left, right = (
            optimize(ref, write=False, progress=stage, options=options)
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
    emit(args, lambda: print_compare([left, right], folder, map_path), data, [folder, map_path])
    return verdict(args, [(run.scenario.name, _solved(run)) for run in (left, right)])


def _latency(args: argparse.Namespace) -> int:
    from siting.analysis import latency_between, latency_table
    from siting.pipeline import prepare, publish
    from siting.report import print_latency, print_latency_matrix
    from siting.results import write_csv

    with stages(args, "latency") as stage:
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
        emit(args, lambda: print_latency(result, lat), data, [], quiet_line=line)
        return 0
    data = {"pairs": len(table), "tables": folder}
    emit(args, lambda: print_latency_matrix(table, lat, folder), data, [folder])
    return 0


def _validate(args: argparse.Namespace) -> int:
    from siting.pipeline import prepare

    with stages(args, "validate") as stage:
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
    emit(args, lambda: print(text), data, [])
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from siting.report import print_scenarios
    from siting.scenario import shipped_scenarios
    from siting.sweep import shipped_sweeps

    rows = shipped_scenarios()
    emit(
        args, lambda: print_scenarios(rows, shipped_sweeps()), rows, [], quiet_line="\n".join(rows)
    )
    return 0


def _audit(args: argparse.Namespace) -> int:
    from siting.analysis import audit
    from siting.maps import make_map
    from siting.pipeline import publish, write_json
    from siting.report import print_audit
    from siting.results import write_csv, write_tables

    options = run_options(args)
    with stages(args, "audit") as stage:
        stage("solve")
        result = audit(args.built, args.under, options=options)
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
    emit(args, lambda: print_audit(result, folder, map_path), data, [folder, map_path])
    return verdict(args, [(name, {**result.results.kpis, **result.options.limits()})])


def _robust(args: argparse.Namespace) -> int:
    from siting.analysis import robust_plan
    from siting.pipeline import publish, write_json
    from siting.report import print_robust
    from siting.results import write_csv, write_tables

    options = run_options(args)
    with stages(args, "robust") as stage:
        stage("solve")
        report = robust_plan(
            args.scenarios, args.weights, criterion=args.criterion, options=options
        )

        def write(folder: Path) -> None:
            write_csv(report.table, folder / "plans.csv")
            for name, results in zip(report.names, report.results, strict=True):
                (folder / name).mkdir()
                write_tables(results, folder / name)
            write_json(folder / "summary.json", report.summary)

        name = robust_name(args.criterion, report.names)
        folder, _ = publish(name, Path(args.out or settings.out_dir), write)
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


def _whynot(args: argparse.Namespace) -> int:
    from siting.analysis import why_not
    from siting.pipeline import publish, write_json
    from siting.report import print_whynot
    from siting.results import write_csv
    from siting.scenario import resolve_scenario_path

    options = run_options(args)
    with stages(args, "whynot") as stage:
        stage("solve")
        result = why_not(
            args.scenario,
            inference_mw=args.inference_mw,
            training_mw=args.training_mw,
            tighten_ms=args.tighten_ms,
            options=options,
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
    emit(args, lambda: print_whynot(result, folder), data, [folder])
    return 0


def _tradeoff(args: argparse.Namespace) -> int:
    from siting.analysis import tradeoff, value_text
    from siting.pipeline import publish, write_json
    from siting.plots import parameter_label, tradeoff_html, tradeoff_png
    from siting.report import print_tradeoff
    from siting.results import write_csv
    from siting.scenario import resolve_scenario_path

    options = run_options(args)
    with stages(args, "tradeoff") as stage:
        stage("solve")
        table = tradeoff(args.scenario, args.param, args.values, options=options)
        stem = resolve_scenario_path(args.scenario).stem
        title = f"{stem}: cost against {parameter_label(args.param)}"

        def write(folder: Path) -> None:
            # timings go to summary.json: the table is the same on every run
            write_csv(table.drop(columns="solve_seconds", errors="ignore"), folder / "tradeoff.csv")
            seconds = table["solve_seconds"].tolist() if "solve_seconds" in table else []
            summary = {"provenance": table.attrs["provenance"], "solve_seconds": seconds}
            write_json(folder / "summary.json", summary)
            tradeoff_png(table, args.param, folder / "tradeoff.png", title=title)
            tradeoff_html(table, args.param, folder / "tradeoff.html", title=title)

        name = f"tradeoff-{stem}-{args.param.replace('.', '-')}-{_values_key(args.values)}"
        folder, _ = publish(name, Path(args.out or settings.out_dir), write)
    data = {
        "parameter": args.param,
        "points": table.to_dict(orient="records"),
        "provenance": table.attrs["provenance"],
        "tables": folder,
    }
    emit(args, lambda: print_tradeoff(table, args.param, folder), data, [folder])
    rows = table[table["status"] != "infeasible"].to_dict(orient="records")
    limits = table.attrs["limits"]
    named = [(f"{args.param}={value_text(row[args.param])}", {**row, **limits}) for row in rows]
    return verdict(args, named)


def _values_key(values: Sequence[float | str]) -> str:
    """Name swept values for a folder: the values themselves, or a hash when long."""
    import hashlib

    from siting.analysis import value_text

    text = "_".join(value_text(v) for v in values)
    if len(text) <= 40 and all(c.isalnum() or c in "._-" for c in text):
        return text
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _batch(args: argparse.Namespace) -> int:
    from siting.batch import run_batch
    from siting.report import batch_progress, print_batch

    options = run_options(args)
    sweep = args.loaded_sweep  # loaded and checked by _preflight
    with batch_progress(len(sweep.points), show=not (args.quiet or args.json)) as update:
        outcome = run_batch(
            sweep,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            options=options,
            retry_failed=args.retry_failed,
            progress=update,
        )
    data = {**outcome.summary, "ran": outcome.ran, "skipped": outcome.skipped, "tables": args.out}
    emit(args, lambda: print_batch(outcome, args.out), data, [args.out])
    table = outcome.table
    stopped = table[table["solver_status"] == "feasible"] if "solver_status" in table else []
    if len(stopped):
        warn(
            f"{counted(len(stopped), 'scenario')} stopped before proving optimality "
            "(solver_status 'feasible' in results.csv); raise --time-limit or loosen --gap"
        )
    return 3 if args.strict and (len(stopped) or (table["status"] != "ok").any()) else 0


def _plan(args: argparse.Namespace) -> int:
    from siting.plan import plan_report, run_plan

    options = run_options(args)
    with progress_log(args):
        run = run_plan(
            args.scenario,
            foresight=args.foresight,
            compare=args.compare,
            out_dir=args.out,
            year=args.year,
            map=not args.no_map,
            maps_dir=args.maps,
            tiles=args.tiles,
            cdn=args.cdn,
            options=options,
        )
    data = {**run.summary, "tables": run.table_dir, "map": run.map_path}
    paths = [run.table_dir, run.map_path]
    emit(args, lambda: print(plan_report(run, args.year)), data, paths)
    blocks = run.summary.get("foresights") or {run.solution.foresight: run.summary["solver"]}
    return verdict(
        args,
        [
            (f"{run.scenario.name} ({f} foresight)", {**b, "solver": b["name"]})
            for f, b in blocks.items()
        ],
    )


def _classic(args: argparse.Namespace) -> int:
    from siting.classic import classic_report, run_classic

    options = run_options(args)
    with stages(args, "classic") as stage:
        run = run_classic(
            args.scenario,
            args.classic_options,  # checked by preflight
            out_dir=args.out,
            maps_dir=args.maps,
            map=not args.no_map,
            tiles=args.tiles,
            cdn=args.cdn,
            progress=stage,
            run_options=options,
        )
    data = {**run.summary, "tables": run.table_dir, "map": run.map_path}
    emit(args, lambda: print(classic_report(run)), data, [run.table_dir, run.map_path])
    for kind, message in run.failed.items():
        warn(f"{kind}: no plan ({message}); the other models are reported")
    status = verdict(args, [(p.run.scenario.name, _solved(p.run)) for p in run.plans])
    return 3 if args.strict and run.failed else status


#: Each command's function, by name.
COMMANDS = {
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
    "plan": _plan,
    "classic": _classic,
}
