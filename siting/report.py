"""The terminal summary of a run (rich)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from siting.analysis import Audit, PointRoute, RobustReport, WhyNot, value_text
from siting.batch import BatchOutcome
from siting.errors import counted
from siting.pipeline import Run
from siting.results import COST_COLUMNS
from siting.scenario import CLASSIC_KINDS, Latency

#: Rows printed per table; the tables on disk have all of them.
MAX_ROWS = 25


def _more(console: Console, total: int, what: str, table: str) -> None:
    if total > MAX_ROWS:
        more = counted(total - MAX_ROWS, what)
        console.print(f"... and {more.replace(' ', ' more ', 1)} (largest shown; all in {table})")


def _mw(value: float) -> str:
    """Format MW without decimals; never "-0" (a solver's -1e-9 is zero)."""
    return "0" if abs(value) < 0.5 else f"{value:,.0f}"


def _map_note(map_path: Path | None) -> str:
    return f"   Map: {escape(str(map_path))}" if map_path is not None else ""


def print_summary(run: Run, console: Console | None = None) -> None:
    """Print sites used, costs, hub latency and stranded capacity of a run.

    Parameters
    ----------
    run
        From :func:`siting.pipeline.optimize`.
    console
        Where to print; default standard output.
    """
    console = console or _console()
    k = run.results.kpis
    gap = "" if k["gap"] != k["gap"] else f", gap {k['gap']:.3%}"
    console.print(
        f"[bold]siting[/bold] · scenario [bold]{run.scenario.name}[/bold] · "
        f"{k['solver']} {k['status']}{gap} in {k['solve_seconds']:.2f} s"
    )
    sites = run.results.sites
    used = sites[sites["hosted_mw"] > 1e-6].sort_values("cost_total_cny", ascending=False)
    table = Table(title="Sites used (costs in M CNY/yr)", show_lines=False)
    for col in ("site", "province", "role", "train MW", "infer MW", "new MW"):
        table.add_column(col, justify="left" if col in ("site", "province", "role") else "right")
    names = [c.removeprefix("cost_").removesuffix("_cny") for c in COST_COLUMNS]
    for name in [*names, "total"]:
        table.add_column(name, justify="right")
    for row in used.head(MAX_ROWS).itertuples():
        costs = [getattr(row, c) / 1e6 for c in (*COST_COLUMNS, "cost_total_cny")]
        table.add_row(
            escape(row.name),
            escape(row.province),
            escape(row.role),
            f"{row.training_mw:,.0f}",
            f"{row.inference_mw:,.0f}",
            f"{row.new_mw:,.0f}",
            *(f"{c:,.0f}" for c in costs),
        )
    console.print(table)
    _more(console, len(used), "site", "sites.csv")

    hubs = Table(title="Hubs: demand-weighted round-trip latency")
    for col in ("hub", "demand MW", "SLA RTT ms", "mean RTT ms", "max RTT ms", "sites"):
        hubs.add_column(col, justify="left" if col == "hub" else "right")
    largest = run.results.hubs.sort_values("demand_mw", ascending=False)
    for row in largest.head(MAX_ROWS).itertuples():
        hubs.add_row(
            escape(row.name),
            f"{row.demand_mw:,.0f}",
            f"{row.sla_rtt_ms:g}",
            f"{row.mean_rtt_ms:.1f}",
            f"{row.max_rtt_ms:.1f}",
            str(row.n_sites),
        )
    console.print(hubs)
    _more(console, len(largest), "hub", "hubs.csv")

    if k["objective_kind"] in CLASSIC_KINDS:
        _print_classic(console, run)
        return
    stranded = sites[sites["stranded_mw"] > 1e-6].sort_values("stranded_mw", ascending=False)
    listing = ", ".join(
        f"{escape(r.name)} {_mw(r.stranded_mw)}" for r in stranded.head(MAX_ROWS).itertuples()
    ) + (f" and {len(stranded) - MAX_ROWS} more" if len(stranded) > MAX_ROWS else "")
    console.print(
        f"Total cost [bold]{k['total_cost_cny'] / 1e9:,.3f} bn CNY/yr[/bold] · "
        f"training {k['training_mw']:,.0f} MW · inference {k['inference_mw']:,.0f} MW · "
        f"new {k['new_mw']:,.0f} MW · mean RTT {k['mean_rtt_ms']:.1f} ms"
    )
    if k["revenue_cny"] > 0:
        console.print(
            f"Revenue {k['revenue_cny'] / 1e9:,.3f} bn CNY/yr · margin "
            f"[bold]{k['margin_cny'] / 1e9:,.3f} bn CNY/yr[/bold] · demand served "
            f"{k['demand_served_share']:.0%}"
        )
    console.print(
        f"Stranded (idle existing) [bold]{_mw(k['stranded_mw'])} MW[/bold] of "
        f"{k['existing_mw']:,.0f} MW existing" + (f": {listing}" if listing else "")
    )
    _print_where(console, run)


def _print_classic(console: Console, run: Run) -> None:
    """Print the closing lines of a classic model: its objective, not cost or stranding."""
    k = run.results.kpis
    value = f"{k['objective_value']:,.6g} {k['objective_unit']}"
    console.print(
        f"{k['objective_kind']} objective [bold]{value}[/bold] · {k['sites_open']} sites open · "
        f"demand assigned {k['inference_mw']:,.0f} of {run.results.hubs['demand_mw'].sum():,.0f} "
        f"MW · mean RTT {k['mean_rtt_ms']:.1f} ms"
    )
    console.print(
        "Uncapacitated classic model: no capacity, staff, training or cost limit applied; "
        "the cost and stranded columns of sites.csv price this assignment, they were not "
        "optimised."
    )
    _print_where(console, run)


def _print_where(console: Console, run: Run) -> None:
    """Print where a run's tables and map went, if anywhere."""
    if run.table_dir is not None:
        where = f"Tables: {escape(str(run.table_dir))}/"
        console.print(where + (f"   Map: {escape(str(run.map_path))}" if run.map_path else ""))


def _console() -> Console:
    # Piped output defaults to 80 columns, too narrow for the cost tables; files can be wide.
    return Console(width=None if sys.stdout.isatty() else 160)


def _bn(cny: float) -> str:
    return "cannot serve" if cny == float("inf") else f"{cny / 1e9:,.3f}"


def print_audit(result: Audit, folder: Path, map_path: Path | None) -> None:
    """Print a stranded-capacity audit: idle MW by province and the cost of the mismatch."""
    console = _console()
    k = result.kpis
    console.print(
        f"[bold]audit[/bold] · capacity of [bold]{result.built_name}[/bold] used under "
        f"[bold]{result.under_name}[/bold]"
    )
    table = Table(title="Sunk capacity by province (MW)")
    for col in ("province", "sunk", "hosted", "idle", "utilisation", "new built"):
        table.add_column(col, justify="left" if col == "province" else "right")
    for row in result.provinces.sort_values("idle_mw", ascending=False).itertuples():
        if row.sunk_mw <= 0 and row.new_mw <= 0:
            continue
        share = "-" if row.utilisation != row.utilisation else f"{row.utilisation:.0%}"
        table.add_row(
            escape(row.province),
            f"{row.sunk_mw:,.0f}",
            f"{row.hosted_mw:,.0f}",
            f"{row.idle_mw:,.0f}",
            share,
            f"{row.new_mw:,.0f}",
        )
    console.print(table)
    console.print(
        f"Idle [bold]{k['idle_mw']:,.0f} MW[/bold] of {k['sunk_mw']:,.0f} MW sunk "
        f"(utilisation {k['utilisation']:.0%}). Cost under the built plan "
        f"{_bn(k['cost_under_plan_cny'])} + sunk {_bn(k['plan_sunk_cost_cny'])} vs planned for "
        f"{result.under_name} {_bn(k['cost_optimal_cny'])} bn CNY/yr: mismatch "
        f"[bold]{_bn(k['mismatch_cny'])} bn CNY/yr[/bold]"
    )
    console.print(f"Tables: {escape(str(folder))}/" + _map_note(map_path))


def print_robust(report: RobustReport, folder: Path) -> None:
    """Print each plan's cost in every scenario, expected cost and worst regret."""
    console = _console()
    table = Table(title=f"Plans across scenarios (bn CNY/yr), robust = min {report.criterion}")
    table.add_column("plan")
    for name in report.names:
        table.add_column(name, justify="right")
    table.add_column("expected", justify="right")
    table.add_column("worst regret", justify="right")
    for row in report.table.to_dict(orient="records"):
        cells = [_bn(row[f"cost_{n}_cny"]) for n in report.names]
        table.add_row(
            row["plan"], *cells, _bn(row["expected_cost_cny"]), _bn(row["worst_regret_cny"])
        )
    console.print(table)
    console.print(f"Tables: {escape(str(folder))}/")


def print_whynot(result: WhyNot, folder: Path) -> None:
    """Print the extra cost of using unused sites and of tightening hub SLAs."""
    console = _console()
    table = Table(title="Why not there? Extra cost of making an unused site host (M CNY/yr)")
    for col in ("site", "workload", "MW", "extra", "why impossible"):
        table.add_column(col, justify="right" if col in ("MW", "extra") else "left")
    for row in result.sites.sort_values("extra_cost_cny").itertuples():
        extra = "-" if row.extra_cost_cny == float("inf") else f"{row.extra_cost_cny / 1e6:,.1f}"
        table.add_row(escape(row.name), row.workload, f"{row.mw:g}", extra, escape(row.reason))
    console.print(table)
    hubs = Table(title="Cost of tightening each hub's SLA (M CNY/yr)")
    for col in ("hub", "SLA RTT ms", "tightened to", "extra", "why impossible"):
        hubs.add_column(col, justify="left" if col in ("hub", "why impossible") else "right")
    for row in result.hubs.itertuples():
        extra = "-" if row.extra_cost_cny == float("inf") else f"{row.extra_cost_cny / 1e6:,.1f}"
        hubs.add_row(
            escape(row.hub_id),
            f"{row.sla_rtt_ms:g}",
            f"{row.tightened_rtt_ms:g}",
            extra,
            escape(row.reason),
        )
    console.print(hubs)
    console.print(f"Tables: {escape(str(folder))}/")


def print_tradeoff(table: pd.DataFrame, parameter: str, folder: Path) -> None:
    """Print a trade-off curve as a table."""
    console = _console()
    out = Table(title=f"Cost against {parameter}")
    for col in (parameter, "status", "cost bn CNY/yr", "stranded MW", "new MW", "mean RTT ms"):
        out.add_column(col, justify="left" if col == "status" else "right")
    for row in table.to_dict(orient="records"):
        if row["status"] == "infeasible":
            out.add_row(value_text(row[parameter]), "infeasible", "-", "-", "-", "-")
            continue
        out.add_row(
            value_text(row[parameter]),
            row["status"],
            _bn(row["total_cost_cny"]),
            f"{row['stranded_mw']:,.0f}",
            f"{row['new_mw']:,.0f}",
            f"{row['mean_rtt_ms']:.1f}",
        )
    console.print(out)
    console.print(f"Table, PNG and HTML: {escape(str(folder))}/")


@contextlib.contextmanager
def batch_progress(total: int, *, show: bool = True) -> Iterator[Callable[[int, int, int], None]]:
    """Show a progress bar of a batch (done, failed, left) on standard error, if ``show``."""
    if not show:
        yield lambda done, failed, left: None
        return
    with Progress(
        TextColumn("[bold]batch[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task("batch", total=total, counts="")

        def update(done: int, failed: int, left: int) -> None:
            finished = total - left
            bar.update(
                task, completed=finished, counts=f"done {done} · failed {failed} · left {left}"
            )

        yield update


def print_batch(outcome: BatchOutcome, folder: Path) -> None:
    """Print the counts of a batch and the distributions of its objectives and costs."""
    console = _console()
    s = outcome.summary
    counts = ", ".join(f"{k} {v}" for k, v in s["counts"].items())
    console.print(
        f"[bold]{s['sweep']}[/bold]: {s['scenarios']} scenarios ({counts}); ran "
        f"{outcome.ran}, skipped {outcome.skipped} already done"
    )
    cost = s.get("total_cost_cny")
    if cost:
        console.print(
            f"Total cost bn CNY/yr: p5 {cost['p5'] / 1e9:,.2f} · median {cost['p50'] / 1e9:,.2f}"
            f" · p95 {cost['p95'] / 1e9:,.2f}"
        )
    for kind, value in s.get("objective_value", {}).items():
        if kind in CLASSIC_KINDS:
            console.print(
                f"{kind} objective {value['unit']}: p5 {value['p5']:,.6g} · median "
                f"{value['p50']:,.6g} · p95 {value['p95']:,.6g}"
            )
    stranded = s.get("stranded_mw")
    if stranded:
        console.print(
            f"Stranded MW: p5 {stranded['p5']:,.0f} · median {stranded['p50']:,.0f} · "
            f"p95 {stranded['p95']:,.0f}"
        )
    used = s.get("share_of_scenarios_site_used", {})
    if used:
        top = ", ".join(f"{escape(str(k))} {v:.0%}" for k, v in list(used.items())[:12])
        console.print(f"Sites used, share of scenarios: {top}")
    where = escape(str(folder))
    console.print(f"Tables: {where}/results.parquet, results.csv, sites.parquet, summary.json")


def print_compare(runs: list[Run], folder: Path, map_path: Path | None) -> None:
    """Print the headline figures of two runs side by side, and where the outputs went."""
    console = _console()
    for run in runs:
        k = run.results.kpis
        console.print(
            f"{run.scenario.name}: {k['total_cost_cny'] / 1e9:,.3f} bn CNY/yr, training "
            f"{_mw(k['training_mw'])} MW, inference {_mw(k['inference_mw'])} MW, stranded "
            f"{_mw(k['stranded_mw'])} MW"
        )
    console.print(f"Summaries: {escape(str(folder))}/" + _map_note(map_path))


def print_latency(result: PointRoute, lat: Latency) -> None:
    """Print the route and the one-way and round-trip latency of each layer between two places."""
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


def print_latency_matrix(table: pd.DataFrame, lat: Latency, folder: Path) -> None:
    """Print how many hub-site pairs are within the SLA at each layer."""
    from siting.latency import LAYERS

    within = ", ".join(
        f"{layer} {int((table[f'{layer}_rtt_ms'] <= table['sla_rtt_ms'] + 1e-9).sum())}"
        for layer in LAYERS
    )
    print(
        f"{counted(len(table), 'hub-site pair')} ({lat.model} model); within the round-trip SLA "
        f"at each layer: {within} (the scenario checks the {lat.layer} layer). "
        f"Tables: {folder}/"
    )


def print_scenarios(rows: dict[str, str], sweeps: dict[str, str]) -> None:
    """Print the shipped scenarios and sweeps with their descriptions."""
    console = _console()
    for title, listed in (
        ("Shipped scenarios (siting optimize NAME)", rows),
        ("Shipped sweeps (siting batch NAME --out DIR)", sweeps),
    ):
        table = Table(title=title)
        table.add_column("name")
        table.add_column("description")
        for name, description in listed.items():
            table.add_row(escape(name), escape(description))
        console.print(table)
