"""Plan a scenario's ``[horizon]`` year by year and publish the schedule (``siting plan``).

Chains: scenario and layers (:func:`siting.pipeline.prepare`) → time tables
(:mod:`siting.vintages`) → :class:`~siting.horizon.Horizon` → multi-period model and solve
(:mod:`siting.solve.horizon`) → schedule tables (:mod:`siting.horizon_tables`) and the year map
(:func:`siting.maps.horizon.make_plan_map`), written atomically through
:func:`siting.io.publish`.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from siting import settings
from siting.errors import InputError, Problem
from siting.horizon import Horizon, build_horizon
from siting.horizon_tables import (
    idle_lines,
    idle_summary,
    idle_table,
    present_value,
    schedule_table,
    stranded_by,
)
from siting.instance import Instance
from siting.io import publish, write_csv, write_json, write_schedule
from siting.layers import Layers, province_regions
from siting.pipeline import Prepared, policy_notes, prepare
from siting.provenance import provenance
from siting.reported import compare_figures, comparison_lines, default_path, read_reported
from siting.rest_of_china import PREFIX
from siting.scenario import Scenario, check_runner, load_scenario
from siting.solve.horizon import HorizonSolution, plan
from siting.solve.options import RunOptions
from siting.solve.status import Status
from siting.stages import Stages
from siting.vintages import REST_OF_CHINA, SITE_KW_PER_PF, load_time_tables

if TYPE_CHECKING:
    from siting.maps import MapPage

FORESIGHTS = ("perfect", "myopic")
#: What the MW of ``summary.json`` ``by_year`` count (docs/outputs.md, "Conventions").
MW_UNITS = (
    f"demand_mw, served_mw, unmet_mw: demand MW, training at the reference {SITE_KW_PER_PF:g} "
    "kW/PF plus inference in MW of the reference 8xH800 serving server; installed_mw, "
    "ordered_mw, used_mw, stranded_mw: installed MW of IT load, of which one of accelerator "
    "class k serves phi_wk demand MW of workload w (training or inference)"
)


@dataclass
class HorizonRun:
    """A planned horizon and where its outputs went.

    Attributes
    ----------
    scenario, horizon, solution
        The assumptions, the arrays and the plan of the chosen foresight.
    schedule
        The tidy schedule (:func:`~siting.horizon_tables.schedule_table`).
    summary
        What ``summary.json`` holds.
    other
        With ``compare``: the plan of the other foresight.
    table_dir
        The output folder, or ``None`` if nothing was written.
    layers
        The layers the horizon was built from (for the map).
    map_path
        The year map (``maps/plan-<scenario>.html``), or ``None`` if none was written.
    timings
        Seconds per stage: ``prepare``, ``solve``, ``map`` (when drawn), ``write``.
    idle
        Idle MW and capital per year by nation, region, province and class
        (:func:`~siting.horizon_tables.idle_table`).
    comparison
        The reported figures beside the plan's (:func:`~siting.reported.compare_figures`), or
        ``None`` without a file of reported figures.
    """

    scenario: Scenario
    horizon: Horizon
    solution: HorizonSolution
    schedule: pd.DataFrame
    summary: dict[str, Any]
    other: HorizonSolution | None = None
    table_dir: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    layers: Layers | None = None
    map_path: Path | None = None
    idle: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None

    def map(self, *, year: int | None = None, tiles: str = "none") -> MapPage:
        """Draw the plan (and the other foresight's, side by side) on a map with a year control.

        Parameters
        ----------
        year
            The year shown first; default the last of the horizon.
        tiles
            ``"none"`` (offline) or ``"osm"``, as for :func:`siting.maps.make_map`.

        Returns
        -------
        MapPage
            Show it in Jupyter, or write it with its ``save`` method.

        Raises
        ------
        InputError
            For a year outside the horizon, another tile choice, or a run without layers.
        """
        from siting.maps.horizon import YearPlan, make_plan_map

        _check_tiles(tiles)
        check_year([int(y) for y in self.horizon.years], year)
        if self.layers is None:
            expected = "a run made by run_horizon (this one has no layers to draw)"
            raise InputError([Problem("HorizonRun.map", "", "layers", expected)])
        h, plans = self.horizon, [YearPlan(self.solution, self.schedule, self.summary["by_year"])]
        if self.other is not None:
            table = schedule_table(h, self.other)
            plans.append(YearPlan(self.other, table, year_totals(h, self.other, table)))
        return make_plan_map(
            h,
            plans,
            self.layers,
            title=f"siting plan · {self.scenario.name}",
            description=self.scenario.description,
            year=year,
            tiles=tiles,  # type: ignore[arg-type]
        )


def horizon_for(
    instance: Instance, scenario: Scenario, *, source: str, runner: str = "plan"
) -> Horizon:
    """Build the horizon of a scenario's instance from the shipped time tables.

    ``runner``: whose checks the scenario passes (:func:`~siting.scenario.check_runner`):
    ``plan``, or ``simulate``, which admits switched-on ``[levers]``.

    Raises
    ------
    InputError
        If the scenario has no ``[horizon]`` table or sets a family the multi-period model
        does not write (:func:`~siting.scenario.check_runner`), or takes existing MW from the
        vintages while some of its sites with existing MW have no vintage rows.
    """
    check_runner(scenario, runner, source=source)
    assert scenario.horizon is not None  # check_runner requires it
    tables = load_time_tables()
    if scenario.horizon.existing == "vintages":
        known = set(tables.vintages["site_id"]) - {REST_OF_CHINA}
        sites = instance.sites
        missing = [str(s) for s, mw in zip(sites.ids, sites.existing_mw, strict=True)
                   if mw > 0 and s not in known and not s.startswith(PREFIX)]  # fmt: skip
        if missing:
            expected = (
                f"sites with existing MW in capacity_vintages.csv, but {len(missing)} have no "
                f'rows (e.g. {missing[0]!r}); use existing = "flat" for other site sets'
            )
            raise InputError([Problem(source, "[horizon]", "existing", expected)])
    return build_horizon(instance, scenario, tables)


def run_horizon(
    scenario: str | Path | Scenario | None = None,
    *,
    foresight: str | None = None,
    compare: bool = False,
    options: RunOptions | None = None,
    out_dir: Path | None = None,
    write: bool = True,
    year: int | None = None,
    map: bool = True,
    maps_dir: Path | None = None,
    tiles: str = "none",
    cdn: bool = False,
    reported: Path | None = None,
) -> HorizonRun:
    """Plan a horizon scenario and (optionally) write its schedule.

    Parameters
    ----------
    scenario
        A scenario with a ``[horizon]`` table (file, shipped name or :class:`Scenario`).
    foresight
        ``"perfect"`` or ``"myopic"``; default the scenario's ``[horizon] foresight``.
    compare
        Also plan with the other foresight and report the cost of myopia and both strandings.
    options
        Solver options (those not given from the scenario's ``[solve]`` table, then
        :mod:`siting.settings`); the time limit applies to each solve, every solve is direct.
    out_dir
        Parent of the output folder ``<name>/`` (default ``settings.output_dir``).
    write
        Write the outputs.
    year
        A year the caller will report on (and the map shows first); checked against the
        horizon before solving.
    map
        With ``write``: also write the year map ``maps_dir/plan-<scenario>.html``.
    maps_dir
        Folder of the map (default ``settings.maps_dir``).
    tiles
        The map's basemap: ``"none"`` (offline) or ``"osm"`` (needs a network).
    cdn
        Load the map's scripts from CDNs instead of inlining them.
    reported
        Reported figures to compare with (default ``data/reported_figures.csv``); a missing
        file means no comparison. Read only for the comparison: the plan never depends on it.

    Raises
    ------
    InputError
        On bad input (nothing is written).
    """
    if foresight is not None and foresight not in FORESIGHTS:
        expected = f"one of {', '.join(FORESIGHTS)}; got {foresight!r}"
        raise InputError([Problem("plan", "", "foresight", expected)])
    _check_tiles(tiles)
    stages = Stages(options)
    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)[0]
    check_runner(spec, "plan")  # before any data loads
    prepared = prepare(scenario)
    h = horizon_for(prepared.instance, prepared.scenario, source=str(prepared.path))
    horizon_table = prepared.scenario.horizon
    assert horizon_table is not None
    check_year(horizon_table.years, year)
    reported = default_path() if reported is None else Path(reported)
    figures = read_reported(reported) if reported.is_file() else None
    chosen = foresight or horizon_table.foresight
    stages.lap("prepare")
    opts = stages.options_for(prepared.scenario)
    sol = plan(h, chosen, opts)
    other = plan(h, FORESIGHTS[chosen == "perfect"], opts) if compare else None
    stages.lap("solve")
    table = schedule_table(h, sol)
    summary = horizon_summary(prepared, h, sol, table, other, opts)
    provinces = prepared.layers.provinces
    idle = idle_table(table, province_regions(provinces))
    comparison = None if figures is None else compare_figures(figures, idle)
    summary["idle"] = idle_summary(idle, horizon_table.years[-1] if year is None else year)
    summary["comparison"] = None if comparison is None else comparison.to_dict("records")
    timings = stages.timings
    run = HorizonRun(
        prepared.scenario, h, sol, table, summary, other, timings=timings,
        layers=prepared.layers, idle=idle, comparison=comparison,
    )  # fmt: skip
    if write:
        sites = prepared.layers.sites

        def write_outputs(folder: Path) -> None:
            write_schedule(h, sol, sites, folder)
            if other is not None:
                both = pd.concat(
                    [
                        stranded_by(
                            schedule_table(h, s), ["year", "province", "accelerator_class"]
                        ).assign(foresight=s.foresight)
                        for s in (sol, other)
                    ]
                )
                write_csv(both, folder / "stranded_compare.csv")
            write_csv(idle, folder / "idle.csv")
            if comparison is not None:
                write_csv(comparison, folder / "comparison.csv")
            write_json(folder / "summary.json", summary)

        page = None
        stages.restart()
        if map:
            page = run.map(year=year, tiles=tiles)
            stages.lap("map")
        name = prepared.scenario.name
        run.table_dir, run.map_path = publish(
            f"{name}-plan",
            Path(out_dir or settings.out_dir),
            write_outputs,
            fmap=page,
            maps_dir=maps_dir,
            offline=not cdn,
            map_name=f"plan-{name}",
        )
        stages.lap("write")
    return run


def _check_tiles(tiles: object) -> None:
    if tiles not in ("none", "osm"):
        expected = f"'none' or 'osm'; got {tiles!r}"
        raise InputError([Problem("plan", "", "tiles", expected)])


def check_year(years: list[int], year: int | None) -> None:
    """Raise an :class:`InputError` (``--year``) unless ``year`` is ``None`` or one of ``years``."""
    if year is not None and year not in years:
        expected = f"a year of the horizon ({years[0]}-{years[-1]}); got {year}"
        raise InputError([Problem("plan", "--year", "year", expected)])


def horizon_summary(
    prepared: Prepared,
    h: Horizon,
    sol: HorizonSolution,
    table: pd.DataFrame,
    other: HorizonSolution | None,
    options: RunOptions,
) -> dict[str, Any]:
    """Scenario, solver, present-value cost and per-year totals; with ``other``, myopia's cost.

    With ``other``, ``foresights`` holds each foresight's own solver block and PV cost, and
    the cost of myopia is certified only if both plans are optimal (:func:`myopia`);
    ``options`` are the resolved ones the plans were solved with.
    """
    summary: dict[str, Any] = {
        "provenance": provenance(
            prepared.scenario, prepared.paths, solver=sol.solver, source=prepared.path
        ),
        "scenario": prepared.scenario.name,
        "foresight": sol.foresight,
        "years": h.years.tolist(),
        "solver": solver_block(sol, options),
        "pv_cost_cny": sol.objective,
        **penalty_terms(h, sol),
        "by_year": year_totals(h, sol, table),
        "mw_units": MW_UNITS,
        **policy_notes(prepared),
    }
    if other is not None:
        myopic, perfect = (sol, other) if sol.foresight == "myopic" else (other, sol)
        summary["foresights"] = {
            p.foresight: {
                **solver_block(p, options),
                "pv_cost_cny": p.objective,
                **penalty_terms(h, p),
            }
            for p in (perfect, myopic)
        }
        summary["pv_cost_perfect_cny"] = perfect.objective
        summary["pv_cost_myopic_cny"] = myopic.objective
        summary.update(myopia(perfect, myopic))
        summary["cost_of_myopia_without_penalty_cny"] = (
            summary["foresights"]["myopic"]["pv_cost_without_penalty_cny"]
            - summary["foresights"]["perfect"]["pv_cost_without_penalty_cny"]
        )
    return summary


def penalty_terms(h: Horizon, sol: HorizonSolution) -> dict[str, float]:
    """Split a plan's PV cost into the penalty on unmet demand and the cost without it.

    Returns
    -------
    dict
        ``unmet_penalty_cny_per_mw_year`` (``π``), ``penalty_cny`` (``Σ_t δ_t π Σ ξ_t``, the
        PV of the penalty in the objective) and ``pv_cost_without_penalty_cny``.
    """
    penalty = float(h.penalty * (h.discount * sol.unmet.sum(axis=0)).sum())
    return {
        "unmet_penalty_cny_per_mw_year": float(h.penalty),
        "penalty_cny": penalty,
        "pv_cost_without_penalty_cny": sol.objective - penalty,
    }


def penalty_lines(summary: dict[str, Any], *, margin: bool = False) -> list[str]:
    """Say how much of the PV cost (and of the cost of myopia) is the unmet-demand penalty.

    With ``margin`` the plan's value is shown as a margin (the cost with the opposite sign).
    """
    without = summary["pv_cost_without_penalty_cny"] / 1e9
    lines = [
        f"Penalty on unmet demand: {summary['penalty_cny'] / 1e9:,.1f} bn CNY PV "
        f"({summary['unmet_penalty_cny_per_mw_year'] / 1e6:,.1f} M CNY per demand MW-yr)",
        f"PV margin without the penalty: {-without:,.1f} bn CNY"
        if margin
        else f"PV cost without the penalty: {without:,.1f} bn CNY",
    ]
    if "cost_of_myopia_without_penalty_cny" in summary:
        lines.append(
            "Cost of myopia without the penalty: "
            f"{summary['cost_of_myopia_without_penalty_cny'] / 1e9:,.1f} bn CNY PV"
        )
    return lines


def solver_block(sol: HorizonSolution, options: RunOptions) -> dict[str, Any]:
    """Say what a plan's solves proved: status, gap, PV bound, the options' limits, seconds.

    A plan resting on several solves (myopic: each planning year, then the operation) lists
    each in ``solves``; its status is optimal only if every one is, its gap the worst.
    """
    block: dict[str, Any] = {
        "name": sol.solver,
        "status": str(sol.status),
        "gap": sol.gap,
        "bound_cny": sol.bound,
        "termination": sol.termination,
        **options.limits(),
        "time_limit_per": "solve",
        "seconds": sol.seconds,
    }
    if len(sol.steps) > 1:
        block["solves"] = [
            {
                "solve": step.label,
                "status": str(step.status),
                "gap": step.gap,
                "bound_cny": step.bound,
                "seconds": step.seconds,
                "termination": step.termination,
            }
            for step in sol.steps
        ]
    return block


def myopia(perfect: HorizonSolution, myopic: HorizonSolution) -> dict[str, Any]:
    """Compute the cost of myopia, certified only if both plans are optimal.

    Returns
    -------
    dict
        ``cost_of_myopia_cny`` (myopic minus perfect PV cost, as reported) and
        ``cost_of_myopia_certified``; if not certified, also ``cost_of_myopia_range_cny``,
        ``[myopic bound - perfect cost, myopic cost - perfect bound]`` (``None`` where a bound
        is unknown), and ``cost_of_myopia_note`` naming the plans that stopped early.
    """
    out: dict[str, Any] = {
        "cost_of_myopia_cny": myopic.objective - perfect.objective,
        "cost_of_myopia_certified": all(p.status is Status.OPTIMAL for p in (perfect, myopic)),
    }
    if out["cost_of_myopia_certified"]:
        return out
    low, high = myopic.bound - perfect.objective, myopic.objective - perfect.bound
    out["cost_of_myopia_range_cny"] = [None if math.isnan(v) else v for v in (low, high)]
    stopped = [
        f"{p.foresight} foresight is {p.status} at gap {_gap_text(p.gap)}"
        for p in (perfect, myopic)
        if p.status is not Status.OPTIMAL
    ]
    note = f"not certified: {'; '.join(stopped)}; the range is from each plan's bound"
    if any(s.status is not Status.OPTIMAL for s in myopic.steps[:-1]):
        note += (
            "; a myopic planning year stopped early, so its orders may differ from an optimal "
            "planner's, which no bound covers"
        )
    out["cost_of_myopia_note"] = note
    return out


def _gap_text(gap: float) -> str:
    return "unknown" if math.isnan(gap) else f"{gap:.3%}"


def year_totals(h: Horizon, sol: HorizonSolution, table: pd.DataFrame) -> list[dict[str, Any]]:
    """National totals per year (MW, bn CNY) of a plan and its schedule ``table``."""
    per_year = stranded_by(table, ["year"]).set_index("year")
    years = []
    for t, year in enumerate(h.years.tolist()):
        row = per_year.loc[year] if year in per_year.index else None
        years.append(
            {
                "year": year,
                "installed_mw": float(row["installed_mw"]) if row is not None else 0.0,
                "ordered_mw": float(sol.order[:, :, t].sum()),
                "used_mw": float(sol.use[:, :, :, t].sum()),
                "stranded_mw": float(row["stranded_mw"]) if row is not None else 0.0,
                "stranded_capital_bn_cny": (
                    float(row["stranded_capital_bn_cny"]) if row is not None else 0.0
                ),
                "demand_mw": float(h.demand[:, t].sum() + h.training[t]),
                "served_mw": float(sol.train[:, t].sum() + sol.serve[:, t].sum()),
                "unmet_mw": float(sol.unmet[:, t].sum()),
                "unmet_penalty_cny": float(h.penalty * sol.unmet[:, t].sum()),
            }
        )
    return years


def myopia_line(summary: dict[str, Any]) -> str:
    """Write the report's sentence on the cost of myopia, qualified unless certified."""
    cost = summary["cost_of_myopia_cny"] / 1e9
    terms = (
        f"myopic {summary['pv_cost_myopic_cny'] / 1e9:,.1f} - perfect "
        f"{summary['pv_cost_perfect_cny'] / 1e9:,.1f}"
    )
    if summary["cost_of_myopia_certified"]:
        return f"Cost of myopia: {cost:,.1f} bn CNY PV ({terms})"
    low, high = (
        "?" if v is None else f"{v / 1e9:,.1f}" for v in summary["cost_of_myopia_range_cny"]
    )
    return (
        f"Cost of myopia: about {cost:,.1f} bn CNY PV ({terms}), between {low} and {high} bn; "
        f"{summary['cost_of_myopia_note']}"
    )


def units_note(h: Horizon) -> str:
    """Say how demand MW and installed MW differ: one installed MW serves ``φ_wk`` demand MW."""
    factors = ", ".join(
        f"{k} {train:.2f}/{serve:.2f}" for k, train, serve in zip(h.classes, *h.factor, strict=True)
    )
    return textwrap.fill(
        f"Demand MW: compute demanded, training at the reference {SITE_KW_PER_PF:g} kW/PF, "
        "inference in MW of the reference 8×H800 serving server. Installed MW: IT load of the "
        "accelerator classes; one serves φ demand MW of training/inference "
        f"({factors}), so used MW and the demand they serve differ (docs/outputs.md).",
        width=79,
    )


def horizon_report(run: HorizonRun, year: int | None = None) -> str:
    """Text report: totals per year, stranded MW and capital by province in ``year``.

    ``year`` defaults to the last year of the horizon; with a comparison, both foresights'
    strandings are shown side by side and the cost of myopia is stated.
    """
    h, summary = run.horizon, run.summary
    years = h.years.tolist()
    check_year(years, year)
    year = years[-1] if year is None else year
    sol = run.solution
    lines = [
        f"{run.scenario.name}: {sol.foresight} foresight, {years[0]}-{years[-1]}, "
        f"{sol.solver} {sol.status} (gap {sol.gap:.2e}), {sol.seconds:.1f} s",
        *(
            [
                f"{run.other.foresight} foresight: {run.other.solver} {run.other.status} "
                f"(gap {run.other.gap:.2e}), {run.other.seconds:.1f} s"
            ]
            if run.other is not None
            else []
        ),
        " ".join(present_value(h, sol)),
        *penalty_lines(summary, margin=h.base.maximise_margin),
        "",
        f"{'':4} {' demand MW (two units) ':-^25} {' installed MW ':-^36}",
        f"{'year':>4} {'demand':>8} {'served':>8} {'unmet':>7} {'ordered':>8} {'installed':>9} "
        f"{'used':>8} {'stranded':>8} {'capital':>8}",
        f"{'':>4} {'':>8} {'':>8} {'':>7} {'':>8} {'':>9} {'':>8} {'':>8} {'bn CNY':>8}",
    ]
    for row in summary["by_year"]:
        lines.append(
            f"{row['year']:>4} {row['demand_mw']:>8,.0f} {row['served_mw']:>8,.0f} "
            f"{row['unmet_mw']:>7,.0f} {row['ordered_mw']:>8,.0f} {row['installed_mw']:>9,.0f} "
            f"{row['used_mw']:>8,.0f} {row['stranded_mw']:>8,.0f} "
            f"{row['stranded_capital_bn_cny']:>8,.1f}"
        )
    lines.append(units_note(h))
    plans = [sol] + ([run.other] if run.other is not None else [])
    tables = []
    for p in plans:
        t = stranded_by(schedule_table(h, p), ["year", "province"])
        tables.append(t[t["year"] == year].set_index("province"))
    both = pd.concat(
        [t[["stranded_mw", "stranded_capital_bn_cny"]].add_prefix(f"{p.foresight}_")
         for t, p in zip(tables, plans, strict=True)], axis=1,
    ).fillna(0.0)  # fmt: skip
    both = both.sort_values(both.columns[0], ascending=False)
    lines += ["", f"Stranded in {year} by province (MW, bn CNY)"]
    header = "".join(f" {p.foresight + ' MW':>14} {'bn CNY':>8}" for p in plans)
    lines.append(f"{'province':<16}{header}")
    for province, row in both.iterrows():
        values = row.to_numpy()
        if abs(values).sum() < 0.05:
            continue
        cells = "".join(
            f" {mw:>14,.1f} {bn:>8,.2f}" for mw, bn in zip(values[::2], values[1::2], strict=True)
        )
        lines.append(f"{province:<16}{cells}")
    totals = both.sum().to_numpy()
    cells = "".join(
        f" {mw:>14,.1f} {bn:>8,.2f}" for mw, bn in zip(totals[::2], totals[1::2], strict=True)
    )
    lines.append(f"{'total':<16}{cells}")
    if run.idle is not None:
        lines += ["", *idle_lines(run.idle, year)]
    if run.comparison is not None:
        lines += ["", *comparison_lines(run.comparison)]
    if "cost_of_myopia_cny" in summary:
        lines += ["", myopia_line(summary), *penalty_lines(summary)[2:]]
    if run.table_dir is not None:
        lines += [
            "",
            f"Schedule: {run.table_dir}/schedule.csv (and sites_YEAR.geojson per year); idle "
            "tables: idle.csv; reported figures beside the plan's: comparison.csv",
        ]
    if run.map_path is not None:
        lines.append(f"Map: {run.map_path}")
    return "\n".join(lines)
