"""The terminal summary of a run (rich)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from rich.console import Console
from rich.markup import escape as escape_markup
from rich.table import Table
from rich.text import Text

from siting.errors import counted
from siting.results import COST_COLUMNS
from siting.scenario import CLASSIC_KINDS, Latency
from siting.terminal import printable, raw_stream

if TYPE_CHECKING:  # the commands that print them import them; `siting optimize` needs none
    from siting.analysis import Audit, RobustReport, WhyNot
    from siting.batch import BatchOutcome
    from siting.pipeline import Run
    from siting.routes import PointRoute

#: Rows printed per table; the tables on disk have all of them.
MAX_ROWS = 25


def escape(text: str) -> str:
    """Return data text for rich markup: unprintable characters removed, then escaped."""
    return escape_markup(printable(text))


class TerminalConsole(Console):
    """A rich console that renders text without unprintable characters (:func:`printable`).

    Parameters
    ----------
    stderr
        Print on standard error (else standard output).
    **kwargs
        As for :class:`rich.console.Console`.
    """

    def __init__(self, *, stderr: bool = False, **kwargs: Any) -> None:
        super().__init__(file=raw_stream(sys.stderr if stderr else sys.stdout), **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        """Render text as rich does, its unprintable characters removed first."""
        return super().render_str(printable(text), **kwargs)


def _more(console: Console, total: int, what: str, table: str) -> None:
    if total > MAX_ROWS:
        more = counted(total - MAX_ROWS, what)
        console.print(f"... and {more.replace(' ', ' more ', 1)} (largest shown; all in {table})")


def _mw(value: float) -> str:
    """Format MW or M CNY without decimals; never "-0" (a solver's -1e-9 is zero)."""
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
    shown = used.head(MAX_ROWS)
    names = [c.removeprefix("cost_").removesuffix("_cny") for c in COST_COLUMNS]
    # cost components are dropped first on a narrow terminal, the smallest first
    sizes = [float(shown[c].abs().sum()) for c in COST_COLUMNS]
    smallest_first = sorted(range(len(sizes)), key=lambda i: sizes[i])
    columns = [
        Col("site", [escape(n) for n in shown["name"]], text=True),
        Col("province", [escape(n) for n in shown["province"]], text=True, rank=9),
        Col("role", [escape(n) for n in shown["role"]], text=True, rank=8),
        Col("train MW", [_mw(v) for v in shown["training_mw"]]),
        Col("infer MW", [_mw(v) for v in shown["inference_mw"]]),
        Col("new MW", [_mw(v) for v in shown["new_mw"]], rank=7),
        *(
            Col(name, [_mw(v / 1e6) for v in shown[c]], rank=10 + smallest_first[::-1].index(i))
            for i, (name, c) in enumerate(zip(names, COST_COLUMNS, strict=True))
        ),
        Col("total", [_mw(v / 1e6) for v in shown["cost_total_cny"]]),
    ]
    print_fitted(console, "Sites used (costs in M CNY/yr)", columns, "sites.csv")
    _more(console, len(used), "site", "sites.csv")

    largest = run.results.hubs.sort_values("demand_mw", ascending=False).head(MAX_ROWS)
    columns = [
        Col("hub", [escape(n) for n in largest["name"]], text=True),
        Col("demand MW", [_mw(v) for v in largest["demand_mw"]]),
        Col("SLA RTT ms", [f"{v:g}" for v in largest["sla_rtt_ms"]], rank=2),
        Col("mean RTT ms", [f"{v:.1f}" for v in largest["mean_rtt_ms"]]),
        Col("max RTT ms", [f"{v:.1f}" for v in largest["max_rtt_ms"]], rank=1),
        Col("sites", [str(v) for v in largest["n_sites"]], rank=3),
    ]
    print_fitted(console, "Hubs: round-trip latency weighted by MW served", columns, "hubs.csv")
    _more(console, len(run.results.hubs), "hub", "hubs.csv")

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


@dataclass(frozen=True)
class Col:
    """One column of a table that fits the terminal.

    Attributes
    ----------
    name
        Header.
    cells
        The column's cells, as printed.
    text
        Words that may wrap (names); numbers never wrap and are never cut.
    rank
        0: always shown; otherwise, on a terminal too narrow for every column, the columns of
        the highest rank are left out first.
    """

    name: str
    cells: Sequence[str]
    text: bool = False
    rank: int = 0


def fitted_table(title: str, columns: Sequence[Col], width: int) -> tuple[Table, list[str]]:
    """Build a table no wider than ``width``, leaving out low-ranked columns as needed.

    Numbers keep all their digits: a number column is never narrower than its widest cell.
    Names and headers wrap at spaces (a word longer than its column folds). Returns the table
    and the names of the columns left out.
    """
    kept = list(columns)

    def chrome(n: int) -> int:  # a border before each column and after the last; padding 1+1
        return 3 * n + 1

    def narrowest(col: Col) -> int:
        words = [len(w) for text in (col.name, *col.cells) for w in text.split()]
        if col.text:
            return min(max(words, default=1), 12)
        return max([*words, *(len(cell) for cell in col.cells)])

    while sum(narrowest(c) for c in kept) + chrome(len(kept)) > width:
        droppable = [col for col in kept if col.rank > 0]
        if not droppable:
            break
        kept.remove(max(droppable, key=lambda col: col.rank))
    natural = [max(len(text) for text in (c.name, *c.cells)) for c in kept]
    widths = [narrowest(c) for c in kept]
    spare = width - sum(widths) - chrome(len(kept))
    while spare > 0 and any(w < n for w, n in zip(widths, natural, strict=True)):
        short = max(range(len(kept)), key=lambda i: natural[i] - widths[i])
        widths[short] += 1
        spare -= 1
    table = Table(title=title)
    for col, w in zip(kept, widths, strict=True):
        justify: Literal["left", "right"] = "left" if col.text else "right"
        table.add_column(col.name, justify=justify, width=w, overflow="fold")
    for row in zip(*(col.cells for col in kept), strict=True):
        table.add_row(*row)
    return table, [col.name for col in columns if col not in kept]


def print_fitted(console: Console, title: str, columns: Sequence[Col], source: str) -> None:
    """Print a :func:`fitted_table` at the console's width; say which columns it left out."""
    table, left_out = fitted_table(title, columns, console.width)
    console.print(table)
    if left_out:
        console.print(f"Not shown at this width: {', '.join(left_out)} (all in {source})")


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
    return TerminalConsole(width=None if sys.stdout.isatty() else 160)


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
    row: Any  # pandas types a row's cells as any scalar
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
        f"[bold]{_bn(k['mismatch_cny'])} bn CNY/yr[/bold] (new sites and MW may be added)"
    )
    as_built = k["cost_as_built_cny"]
    under = result.under_name
    verdict = (
        f"cannot serve {under}"
        if as_built == float("inf")
        else f"costs {_bn(as_built)} bn CNY/yr under {under}"
    )
    console.print(
        f"As built (its open sites and MW fixed, nothing added), the plan of "
        f"{result.built_name} {verdict}, as siting robust prices it."
    )
    console.print(f"Tables: {escape(str(folder))}/" + _map_note(map_path))


def print_robust(report: RobustReport, folder: Path) -> None:
    """Print each plan's cost in every scenario, expected cost and worst regret."""
    console = _console()
    rows = report.table.to_dict(orient="records")
    columns = [
        Col("plan", [escape(row["plan"]) for row in rows], text=True),
        *(Col(escape(n), [_bn(row[f"cost_{n}_cny"]) for row in rows]) for n in report.names),
        Col("expected", [_bn(row["expected_cost_cny"]) for row in rows]),
        Col("worst regret", [_bn(row["worst_regret_cny"]) for row in rows]),
    ]
    title = f"Plans across scenarios (bn CNY/yr), robust = min {report.criterion}"
    print_fitted(console, title, columns, "plans.csv")
    console.print(
        "A plan's cost in a scenario keeps its open sites and MW fixed, nothing added "
        "('cannot serve': no feasible use); siting audit's mismatch lets new sites and MW "
        "be added."
    )
    console.print(f"Tables: {escape(str(folder))}/")


def print_whynot(result: WhyNot, folder: Path) -> None:
    """Print the extra cost of using unused sites and of tightening hub SLAs."""
    console = _console()
    table = Table(title="Why not there? Extra cost of making an unused site host (M CNY/yr)")
    for col in ("site", "workload", "MW", "extra", "why impossible"):
        table.add_column(col, justify="right" if col in ("MW", "extra") else "left")
    row: Any  # pandas types a row's cells as any scalar
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
    from siting.analysis import value_text

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
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]batch[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=TerminalConsole(stderr=True),
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
    horizon = len(outcome.years) > 0  # a plan's cost is its present value, idle its last year's
    cost = s.get("total_cost_cny")
    if cost:
        unit = "bn CNY, present value of each plan" if horizon else "bn CNY/yr"
        console.print(
            f"Total cost {unit}: p5 {cost['p5'] / 1e9:,.2f} · median {cost['p50'] / 1e9:,.2f}"
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
        when = " in each plan's last year" if horizon else ""
        console.print(
            f"Stranded MW{when}: p5 {stranded['p5']:,.0f} · median {stranded['p50']:,.0f} · "
            f"p95 {stranded['p95']:,.0f}"
        )
    used = s.get("share_of_scenarios_site_used", {})
    if used:
        top = ", ".join(f"{escape(str(k))} {v:.0%}" for k, v in list(used.items())[:12])
        console.print(f"Sites used, share of scenarios: {top}")
    where = escape(str(folder))
    console.print(f"Tables: {where}/results.parquet, results.csv, sites.parquet, summary.json")
    if len(outcome.years):
        console.print(
            f"Per year: {where}/years.csv; idle MW and stranded capital by year, band over the "
            f"scenarios: {where}/idle_band.png, idle_band.html"
        )


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
    classes = [
        c.removeprefix("within_sla_")
        for c in table.columns.astype(str)
        if c.startswith("within_sla_")
    ]
    sla = "the strictest class's round-trip SLA" if classes else "the round-trip SLA"
    per_class = (
        " Each class at its own layer: "
        + ", ".join(f"{q} {int(table[f'within_sla_{q}'].sum())}" for q in classes)
        + "."
        if classes
        else ""
    )
    print(
        f"{counted(len(table), 'hub-site pair')} ({lat.model} model); within {sla} at each "
        f"layer: {within} (the scenario checks the {lat.layer} layer).{per_class} "
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
