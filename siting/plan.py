"""Plan a scenario's ``[horizon]`` year by year and publish the schedule (``siting plan``).

Chains: scenario and layers (:func:`siting.pipeline.prepare`) → time tables
(:mod:`siting.vintages`) → :class:`~siting.horizon.Horizon` → multi-period model and solve
(:mod:`siting.solve.periods`) → schedule tables (:mod:`siting.schedule`), written atomically
through :func:`siting.pipeline.publish`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from siting import settings
from siting.errors import InputError, Problem
from siting.horizon import Horizon, build_horizon
from siting.pipeline import Prepared, prepare, publish, write_json
from siting.scenario import Scenario
from siting.schedule import schedule_table, stranded_by, write_schedule
from siting.solve.periods import PeriodSolution, plan
from siting.vintages import REST_OF_CHINA, load_time_tables

FORESIGHTS = ("perfect", "myopic")


@dataclass
class PlanRun:
    """A planned horizon and where its outputs went.

    Attributes
    ----------
    scenario, horizon, solution
        The assumptions, the arrays and the plan of the chosen foresight.
    schedule
        The tidy schedule (:func:`~siting.schedule.schedule_table`).
    summary
        What ``summary.json`` holds.
    other
        With ``compare``: the plan of the other foresight.
    table_dir
        The output folder, or ``None`` if nothing was written.
    """

    scenario: Scenario
    horizon: Horizon
    solution: PeriodSolution
    schedule: pd.DataFrame
    summary: dict[str, Any]
    other: PeriodSolution | None = None
    table_dir: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)


def horizon_for(prepared: Prepared) -> Horizon:
    """Build the horizon of a prepared scenario from the shipped time tables.

    Raises
    ------
    InputError
        If the scenario has no ``[horizon]`` table, or takes existing MW from the vintages
        while some of its sites with existing MW have no vintage rows.
    """
    scenario, source = prepared.scenario, str(prepared.path)
    if scenario.horizon is None:
        expected = "a [horizon] table (years, foresight, lead_time_years, ...) to plan by year"
        raise InputError([Problem(source, "top level", "horizon", expected)])
    tables = load_time_tables()
    inst = prepared.instance
    if scenario.horizon.existing == "vintages":
        known = set(tables.vintages["site_id"]) - {REST_OF_CHINA}
        missing = [s for s, mw in zip(inst.site_ids, inst.existing_mw, strict=True)
                   if mw > 0 and s not in known]  # fmt: skip
        if missing:
            expected = (
                f"sites with existing MW in capacity_vintages.csv, but {len(missing)} have no "
                f"rows (e.g. {missing[0]!r}); use existing = \"flat\" for other site sets"
            )
            raise InputError([Problem(source, "[horizon]", "existing", expected)])
    return build_horizon(inst, scenario, tables)


def run_plan(
    scenario: str | Path | Scenario | None = None,
    *,
    foresight: str | None = None,
    compare: bool = False,
    solver: str | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    out_dir: Path | None = None,
    write: bool = True,
) -> PlanRun:
    """Plan a horizon scenario and (optionally) write its schedule.

    Parameters
    ----------
    scenario
        A scenario with a ``[horizon]`` table (file, shipped name or :class:`Scenario`).
    foresight
        ``"perfect"`` or ``"myopic"``; default the scenario's.
    compare
        Also plan with the other foresight and report the cost of myopia and both strandings.
    solver, time_limit, mip_gap
        As :func:`siting.solve.solve`; the time limit applies to each solve.
    out_dir
        Parent of the output folder ``<name>/`` (default ``settings.output_dir``).
    write
        Write the outputs.

    Raises
    ------
    InputError
        On bad input (nothing is written).
    """
    if foresight is not None and foresight not in FORESIGHTS:
        expected = f"one of {', '.join(FORESIGHTS)}; got {foresight!r}"
        raise InputError([Problem("plan", "", "foresight", expected)])
    start = time.perf_counter()
    prepared = prepare(scenario)
    h = horizon_for(prepared)
    spec = prepared.scenario.horizon
    assert spec is not None
    chosen = foresight or spec.foresight
    timings = {"prepare": time.perf_counter() - start}
    opts = {"solver": solver, "time_limit": time_limit, "mip_gap": mip_gap}
    sol = plan(h, chosen, **opts)
    other = plan(h, FORESIGHTS[chosen == "perfect"], **opts) if compare else None
    timings["solve"] = time.perf_counter() - start - timings["prepare"]
    table = schedule_table(h, sol)
    summary = plan_summary(prepared, h, sol, table, other)
    run = PlanRun(prepared.scenario, h, sol, table, summary, other, timings=timings)
    if write:
        sites = prepared.layers.sites

        def write_outputs(folder: Path) -> None:
            write_schedule(h, sol, sites, folder)
            if other is not None:
                both = pd.concat(
                    [
                        stranded_by(schedule_table(h, s), ["year", "province", "accelerator_class"])
                        .assign(foresight=s.foresight)
                        for s in (sol, other)
                    ]
                )
                both.to_csv(folder / "stranded_compare.csv", index=False)
            write_json(folder / "summary.json", summary)

        out = Path(out_dir or settings.output_dir)
        run.table_dir, _ = publish(f"{prepared.scenario.name}-plan", out, write_outputs)
    return run


def plan_summary(
    prepared: Prepared,
    h: Horizon,
    sol: PeriodSolution,
    table: pd.DataFrame,
    other: PeriodSolution | None,
) -> dict[str, Any]:
    """Scenario, solver, present-value cost and per-year totals; with ``other``, myopia's cost."""
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
                "unmet_mw": float(sol.unmet[:, t].sum()),
            }
        )
    summary: dict[str, Any] = {
        "scenario": prepared.scenario.name,
        "scenario_file": str(prepared.path),
        "foresight": sol.foresight,
        "years": h.years.tolist(),
        "solver": {
            "name": sol.solver,
            "status": str(sol.status),
            "gap": sol.gap,
            "termination": sol.termination,
            "seconds": sol.seconds,
        },
        "pv_cost_cny": sol.objective,
        "by_year": years,
    }
    if other is not None:
        myopic, perfect = (sol, other) if sol.foresight == "myopic" else (other, sol)
        summary["pv_cost_perfect_cny"] = perfect.objective
        summary["pv_cost_myopic_cny"] = myopic.objective
        summary["cost_of_myopia_cny"] = myopic.objective - perfect.objective
    return summary
