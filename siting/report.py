"""The terminal summary of a run (rich)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from siting.analysis import Audit, RobustReport, WhyNot, value_text
from siting.batch import BatchOutcome
from siting.pipeline import Run
from siting.results import COST_COLUMNS

#: Rows printed per table; the tables on disk have all of them.
MAX_ROWS = 25


def _more(console: Console, total: int, what: str, table: str) -> None:
    if total > MAX_ROWS:
        console.print(f"... and {total - MAX_ROWS} more {what} (largest shown; all in {table})")


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
            row.name,
            row.province,
            row.role,
            f"{row.training_mw:,.0f}",
            f"{row.inference_mw:,.0f}",
            f"{row.new_mw:,.0f}",
            *(f"{c:,.0f}" for c in costs),
        )
    console.print(table)
    _more(console, len(used), "sites", "sites.csv")

    hubs = Table(title="Hubs: demand-weighted round-trip latency")
    for col in ("hub", "demand MW", "SLA ms", "mean RTT ms", "max RTT ms", "sites"):
        hubs.add_column(col, justify="left" if col == "hub" else "right")
    largest = run.results.hubs.sort_values("demand_mw", ascending=False)
    for row in largest.head(MAX_ROWS).itertuples():
        hubs.add_row(
            row.name,
            f"{row.demand_mw:,.0f}",
            f"{row.sla_ms:g}",
            f"{row.mean_rtt_ms:.1f}",
            f"{row.max_rtt_ms:.1f}",
            str(row.n_sites),
        )
    console.print(hubs)
    _more(console, len(largest), "hubs", "hubs.csv")

    stranded = sites[sites["stranded_mw"] > 1e-6].sort_values("stranded_mw", ascending=False)
    listing = ", ".join(
        f"{r.name} {r.stranded_mw:,.0f}" for r in stranded.head(MAX_ROWS).itertuples()
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
        f"Stranded (idle existing) [bold]{k['stranded_mw']:,.0f} MW[/bold] of "
        f"{k['existing_mw']:,.0f} MW existing" + (f": {listing}" if listing else "")
    )
    if run.table_dir is not None:
        console.print(f"Tables: {run.table_dir}/   Map: {run.map_path}")


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
            row.province,
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
    console.print(f"Tables: {folder}/   Map: {map_path}")


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
    console.print(f"Tables: {folder}/")


def print_whynot(result: WhyNot, folder: Path) -> None:
    """Print the extra cost of using unused sites and of tightening hub SLAs."""
    console = _console()
    table = Table(title="Why not there? Extra cost of making an unused site host (M CNY/yr)")
    for col in ("site", "workload", "MW", "extra", "why impossible"):
        table.add_column(col, justify="right" if col in ("MW", "extra") else "left")
    for row in result.sites.sort_values("extra_cost_cny").itertuples():
        extra = "-" if row.extra_cost_cny == float("inf") else f"{row.extra_cost_cny / 1e6:,.1f}"
        table.add_row(row.name, row.workload, f"{row.mw:g}", extra, row.reason)
    console.print(table)
    hubs = Table(title="Cost of tightening each hub's SLA (M CNY/yr)")
    for col in ("hub", "SLA ms", "tightened", "extra", "why impossible"):
        hubs.add_column(col, justify="left" if col in ("hub", "why impossible") else "right")
    for row in result.hubs.itertuples():
        extra = "-" if row.extra_cost_cny == float("inf") else f"{row.extra_cost_cny / 1e6:,.1f}"
        hubs.add_row(row.hub_id, f"{row.sla_ms:g}", f"{row.tightened_ms:g}", extra, row.reason)
    console.print(hubs)
    console.print(f"Tables: {folder}/")


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
    console.print(f"Table, PNG and HTML: {folder}/")


@contextlib.contextmanager
def batch_progress(total: int) -> Iterator[Callable[[int, int, int], None]]:
    """Show a progress bar of a batch: done, failed, left."""
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
    """Print the counts of a batch and the distribution of its total cost."""
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
    stranded = s.get("stranded_mw")
    if stranded:
        console.print(
            f"Stranded MW: p5 {stranded['p5']:,.0f} · median {stranded['p50']:,.0f} · "
            f"p95 {stranded['p95']:,.0f}"
        )
    used = s.get("share_of_scenarios_site_used", {})
    if used:
        top = ", ".join(f"{k} {v:.0%}" for k, v in list(used.items())[:12])
        console.print(f"Sites used, share of scenarios: {top}")
    console.print(f"Tables: {folder}/results.parquet, results.csv, sites.parquet, summary.json")
