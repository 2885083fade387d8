"""The terminal summary of a run (rich)."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from siting.pipeline import Run
from siting.results import COST_COLUMNS


def print_summary(run: Run, console: Console | None = None) -> None:
    """Print sites used, costs, hub latency and stranded capacity of a run.

    Parameters
    ----------
    run
        From :func:`siting.pipeline.optimize`.
    console
        Where to print; default standard output.
    """
    # Piped output defaults to 80 columns, too narrow for the cost table; files can be wide.
    console = console or Console(width=None if sys.stdout.isatty() else 160)
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
    for row in used.itertuples():
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

    hubs = Table(title="Hubs: demand-weighted round-trip latency")
    for col in ("hub", "demand MW", "SLA ms", "mean RTT ms", "max RTT ms", "sites"):
        hubs.add_column(col, justify="left" if col == "hub" else "right")
    for row in run.results.hubs.itertuples():
        hubs.add_row(
            row.name,
            f"{row.demand_mw:,.0f}",
            f"{row.sla_ms:g}",
            f"{row.mean_rtt_ms:.1f}",
            f"{row.max_rtt_ms:.1f}",
            str(row.n_sites),
        )
    console.print(hubs)

    stranded = sites[sites["stranded_mw"] > 1e-6].sort_values("stranded_mw", ascending=False)
    listing = ", ".join(f"{r.name} {r.stranded_mw:,.0f}" for r in stranded.itertuples())
    console.print(
        f"Total cost [bold]{k['total_cost_cny'] / 1e9:,.3f} bn CNY/yr[/bold] · "
        f"training {k['training_mw']:,.0f} MW · inference {k['inference_mw']:,.0f} MW · "
        f"new {k['new_mw']:,.0f} MW · mean RTT {k['mean_rtt_ms']:.1f} ms"
    )
    console.print(
        f"Stranded (idle existing) [bold]{k['stranded_mw']:,.0f} MW[/bold] of "
        f"{k['existing_mw']:,.0f} MW existing" + (f": {listing}" if listing else "")
    )
    if run.table_dir is not None:
        console.print(f"Tables: {run.table_dir}/   Map: {run.map_path}")
