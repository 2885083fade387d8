"""Solve the cost-optimal plan and the classic models of a scenario (:func:`run_classic`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from siting import settings
from siting.classic.metrics import (
    check_against_data,
    cross_metrics,
    hubs_table,
    plans_table,
    round_trips,
    sites_table,
)
from siting.classic.plans import (
    ClassicOptions,
    ClassicPlan,
    ClassicRun,
    check_options,
    output_name,
    reference_scenario,
    variant,
)
from siting.classic.report import classic_summary, comparison_page
from siting.errors import SolverError
from siting.io import publish, write_csv, write_json
from siting.pipeline import Run, optimize, prepare
from siting.scenario import Scenario, check_runner, load_scenario
from siting.solve.options import RunOptions
from siting.stages import Stages

if TYPE_CHECKING:
    from siting.maps import Tiles


def run_classic(
    scenario: str | Path | Scenario | None = None,
    models: ClassicOptions | None = None,
    *,
    options: RunOptions | None = None,
    out_dir: Path | None = None,
    maps_dir: Path | None = None,
    write: bool = True,
    map: bool = True,
    tiles: Tiles = "none",
    cdn: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ClassicRun:
    """Solve the cost-optimal plan and the classic models of a scenario; write them side by side.

    Parameters
    ----------
    scenario
        A scenario file, a shipped scenario's name, ``None`` for the default, or a
        :class:`Scenario`; single-period.
    models
        Models, p, rule and radius (:class:`ClassicOptions`); default all four models.
    options
        Solver options, as :func:`siting.pipeline.optimize`, for every plan.
    out_dir, maps_dir
        Tables go to ``out_dir/<name>/`` and the page to ``maps_dir/<name>.html``
        (:func:`output_name`); defaults from :mod:`siting.settings`.
    write, map
        Write the outputs; draw the comparison page.
    tiles, cdn
        As :func:`siting.pipeline.optimize`.
    progress
        Called with the name of each stage as it finishes.

    Returns
    -------
    ClassicRun

    Raises
    ------
    siting.errors.SitingError
        On a bad option or scenario (before any data loads), p above the number of sites or
        a radius that covers no hub (MCLP) or leaves a hub uncovered (LSCP), checked before
        any solve; an infeasible or failed cost plan. Nothing is written then. A classic model
        the solver fails on (e.g. no plan within the time limit) is listed in
        ``ClassicRun.failed`` and the others are reported.
    """
    models = models or ClassicOptions()
    check_options(models)
    stages = Stages(options, progress)
    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)[0]
    check_runner(spec, "classic")
    base = reference_scenario(spec)
    obj = spec.objective
    rule = models.rule or obj.sites_rule
    radius = models.radius_rtt_ms if models.radius_rtt_ms is not None else obj.coverage_rtt_ms
    for kind in models.kinds:  # every variant is a valid scenario, before any data loads
        variant(base, kind, models.sites or obj.sites or 1, rule, radius)
    prepared = prepare(scenario)
    if base is not spec:
        prepared = prepared.variant(base)
    if progress is not None:
        progress("instance")
    rtt = round_trips(prepared)
    check_against_data(prepared, rtt, models, radius)
    stages.lap("prepare")
    if progress is not None:
        progress("build")
    solve = partial(optimize, options=options, write=False, map=False, geography=False)
    reference = solve(prepared)
    p, p_source = _site_count(models, obj.sites, reference)
    runs: list[tuple[str, Run]] = [(base.objective.kind, reference)]
    failed: dict[str, str] = {}
    for kind in models.kinds:
        model = prepared.variant(variant(base, kind, p, rule, radius))
        try:
            runs.append((kind, solve(model)))
        except SolverError as exc:  # e.g. no plan within the time limit: the others stand
            failed[kind] = str(exc)
    stages.lap("solve")
    inst = prepared.instance
    radii = np.full(inst.n_hubs, radius) if radius is not None else inst.classes.sla_ms[0]
    plans = [
        ClassicPlan(kind, run, cross_metrics(run, rtt, inst.hubs.demand_mw, radii))
        for kind, run in runs
    ]
    stages.lap("results")
    timings = stages.timings
    run = ClassicRun(
        scenario=spec,
        plans=plans,
        sites=p,
        rule=rule,
        radius_rtt_ms=radius,
        p_source=p_source,
        table=plans_table(plans, failed),
        hubs=hubs_table(plans, prepared, rtt, radii),
        open_sites=sites_table(plans),
        summary={},
        failed=failed,
        timings=timings,
    )
    run.summary = classic_summary(run, prepared)
    if write:
        page = None
        if map:
            page = comparison_page(run, prepared, tiles=tiles)
            stages.lap("map")

        def write_outputs(folder: Path) -> None:
            write_csv(run.table, folder / "plans.csv")
            write_csv(run.open_sites, folder / "sites.csv")
            write_csv(run.hubs, folder / "hubs.csv")
            write_json(folder / "summary.json", run.summary)

        run.table_dir, run.map_path = publish(
            output_name(spec.name, models),
            Path(out_dir or settings.out_dir),
            write_outputs,
            fmap=page,
            maps_dir=maps_dir,
            offline=not cdn,
        )
        stages.lap("write")
    timings["total"] = sum(timings.values())
    return run


def _site_count(
    options: ClassicOptions, scenario_sites: int | None, reference: Run
) -> tuple[int, str]:
    """Return p and where it came from: --sites, the scenario, else :func:`default_p`."""
    if options.sites is not None:
        return options.sites, "--sites"
    if scenario_sites is not None:
        return scenario_sites, "the scenario"
    opened = int(reference.results.kpis["sites_open"])
    p = default_p(opened, reference.instance.n_hubs)
    capped = f", capped at hubs - 1 = {reference.instance.n_hubs - 1}" if p < opened else ""
    return p, f"the cost plan's {opened} open sites{capped}"


def default_p(cost_plan_sites: int, n_hubs: int) -> int:
    """Default p: the cost plan's open sites, at most ``n_hubs - 1``, at least 1.

    With as many sites as hubs, p-median and p-center put one site at every hub and the
    models tell nothing; one fewer makes at least two hubs share a site.
    """
    return max(1, min(cost_plan_sites, n_hubs - 1))
