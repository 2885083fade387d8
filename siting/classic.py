"""The classic location models beside the cost-optimal plan (``siting classic``).

Chains: scenario and layers, read once (:func:`siting.pipeline.prepare`) → one variant of the
scenario per model (``[objective] kind``, ``sites``, ``sites_rule``, ``coverage_rtt_ms``;
docs/model.md, "Classic location models") → build, solve and results of each
(:func:`siting.pipeline.optimize`) → the same cross-metrics for every plan → tables,
``summary.json`` and one comparison page, published atomically through
:func:`siting.pipeline.publish`.

Cross-metrics judge every plan by its open sites alone, each hub served from its nearest open
site, on the round trip (ms) at the scenario's latency layer: the demand-weighted total and
mean round trip, the worst hub's round trip, the demand with an open site within the coverage
radius, and the number of sites; the annual cost where the plan is a cost (or margin) plan.
So a p-median's total is its objective, a p-center's worst round trip its objective and an
MCLP's covered demand its objective, and the cost plan is judged by the same measures.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting import settings
from siting.errors import InputError, Problem, counted
from siting.latency import pair_matrix
from siting.maps.panel import objective_text
from siting.pipeline import Prepared, Run, optimize, prepare, publish, with_geography, write_json
from siting.provenance import provenance, public_dict
from siting.results import write_csv
from siting.scenario import OBJECTIVE_KINDS, Scenario, load_scenario

#: The classic models ``siting classic`` solves, in the order shown.
CLASSIC_KINDS = tuple(k for k in OBJECTIVE_KINDS if k not in ("cost", "margin"))
#: Site-count rules.
RULES = ("exactly", "at_most")
#: Models that open p sites; LSCP finds the fewest sites covering every hub instead.
P_KINDS = ("p-median", "p-center", "mclp")
#: What each model is called in tables, panels and maps.
LABELS = {
    "cost": "cost-optimal",
    "margin": "margin-optimal",
    "p-median": "p-median",
    "p-center": "p-center",
    "mclp": "MCLP (max covering)",
    "lscp": "LSCP (set covering)",
}


@dataclass(frozen=True)
class Options:
    """What ``siting classic`` was asked for (``None``: the scenario's value or default).

    Attributes
    ----------
    kinds
        Classic models to solve, from :data:`CLASSIC_KINDS`.
    sites
        p for p-median, p-center and MCLP; default the scenario's ``objective.sites``, else
        the number of sites the cost-optimal plan opens.
    rule
        ``"exactly"`` or ``"at_most"`` p sites; default the scenario's ``sites_rule``.
    radius_rtt_ms
        Coverage radius of MCLP and LSCP, ms round trip; default the scenario's
        ``coverage_rtt_ms``, else each hub's SLA.
    """

    kinds: tuple[str, ...] = CLASSIC_KINDS
    sites: int | None = None
    rule: str | None = None
    radius_rtt_ms: float | None = None


@dataclass
class ClassicPlan:
    """One model's plan and how it scores on the shared measures.

    Attributes
    ----------
    kind
        ``"cost"`` or ``"margin"`` (the scenario's own plan), or a classic kind.
    run
        The solved run (scenario variant, instance, solution, results, summary).
    metrics
        The cross-metrics (:func:`cross_metrics`) with the objective and solver status.
    """

    kind: str
    run: Run
    metrics: dict[str, Any]

    @property
    def label(self) -> str:
        """The model's name as shown."""
        return LABELS[self.kind]

    @property
    def open_sites(self) -> list[str]:
        """Ids of the plan's open sites, in the sites layer's order."""
        sites = self.run.results.sites
        return sites.loc[sites["open"], "site_id"].tolist()


@dataclass
class ClassicRun:
    """The cost-optimal plan and the classic models' plans of one scenario.

    Attributes
    ----------
    scenario
        The scenario as given.
    plans
        The cost (or margin) plan first, then one per classic model.
    sites, rule, radius_rtt_ms
        The p used, its rule, and the coverage radius (``None``: each hub's SLA).
    p_source
        Where p came from: ``"--sites"``, ``"the scenario"`` or ``"the cost plan"``.
    table, hubs, open_sites
        One row per plan (:func:`plans_table`); each hub's nearest open site per plan; the
        open sites per plan.
    summary
        What ``summary.json`` holds.
    table_dir, map_path
        Where the outputs went, or ``None``.
    """

    scenario: Scenario
    plans: list[ClassicPlan]
    sites: int
    rule: str
    radius_rtt_ms: float | None
    p_source: str
    table: pd.DataFrame
    hubs: pd.DataFrame
    open_sites: pd.DataFrame
    summary: dict[str, Any]
    table_dir: Path | None = None
    map_path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)


def check_options(options: Options, *, source: str = "classic") -> None:
    """Check the options before any data loads.

    Raises
    ------
    InputError
        Naming the option and what was expected.
    """
    problems = []
    kinds = list(options.kinds)
    if not kinds or any(k not in CLASSIC_KINDS for k in kinds) or len(set(kinds)) < len(kinds):
        expected = f"one or more of {', '.join(CLASSIC_KINDS)}, each once; got {kinds!r}"
        problems.append(Problem(source, "", "--kinds", expected))
    p = options.sites
    if p is not None and (isinstance(p, bool) or not isinstance(p, int) or p < 1):
        problems.append(Problem(source, "", "--sites", f"a whole number ≥ 1, got {p!r}"))
    if options.rule is not None and options.rule not in RULES:
        expected = f"one of {', '.join(RULES)}, got {options.rule!r}"
        problems.append(Problem(source, "", "--rule", expected))
    r = options.radius_rtt_ms
    bad_radius = isinstance(r, bool) or not isinstance(r, int | float) or not 0 < r < math.inf
    if r is not None and bad_radius:
        expected = f"a finite round trip > 0 ms, got {r!r}"
        problems.append(Problem(source, "", "--radius-rtt-ms", expected))
    if problems:
        raise InputError(problems)


def output_name(scenario_name: str, options: Options) -> str:
    """Name of the output folder and map: the scenario, and each option that was given."""
    parts = [f"classic-{scenario_name}"]
    if options.sites is not None:
        parts.append(f"p{options.sites}")
    if options.rule is not None:
        parts.append(options.rule)
    if options.radius_rtt_ms is not None:
        parts.append(f"r{options.radius_rtt_ms:g}ms")
    if tuple(options.kinds) != CLASSIC_KINDS:
        parts.append("_".join(options.kinds))
    return "-".join(parts)


def reference_scenario(spec: Scenario) -> Scenario:
    """Return the scenario the classic models stand beside: itself, or its cost version.

    A scenario that is itself a classic model stands for its cost version without a site
    count.
    """
    if not spec.objective.classic:
        return spec
    return spec.with_overrides(
        {
            "objective.kind": "cost",
            "objective.sites": None,
            "objective.sites_rule": "exactly",
            "objective.coverage_rtt_ms": None,
        }
    )


def variant(spec: Scenario, kind: str, p: int, rule: str, radius: float | None) -> Scenario:
    """Return the scenario with a classic objective: p (not LSCP), rule, radius (MCLP, LSCP)."""
    return spec.with_overrides(
        {
            "name": f"{spec.name}-{kind}",
            "objective.kind": kind,
            "objective.sites": p if kind in P_KINDS else None,
            "objective.sites_rule": rule,
            "objective.coverage_rtt_ms": radius if kind in ("mclp", "lscp") else None,
        }
    )


def run_classic(
    scenario: str | Path | Scenario | None = None,
    options: Options | None = None,
    *,
    solver: str | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    strategy: str | None = None,
    out_dir: Path | None = None,
    maps_dir: Path | None = None,
    write: bool = True,
    map: bool = True,
    tiles: str = "none",
    cdn: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ClassicRun:
    """Solve the cost-optimal plan and the classic models of a scenario; write them side by side.

    Parameters
    ----------
    scenario
        A scenario file, a shipped scenario's name, ``None`` for the default, or a
        :class:`Scenario`; single-period.
    options
        Models, p, rule and radius (:class:`Options`); default all four models.
    solver, time_limit, mip_gap, strategy
        As :func:`siting.pipeline.optimize`, for every plan.
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
        any solve; an infeasible model or a solver failure. Nothing is written then.
    """
    options = options or Options()
    check_options(options)
    step = progress or (lambda stage: None)
    start = time.perf_counter()
    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)[0]
    if spec.horizon is not None:
        expected = f"a single-period scenario; {spec.name!r} has a [horizon] table"
        raise InputError([Problem("classic", "", "SCENARIO", expected)])
    base = reference_scenario(spec)
    obj = spec.objective
    rule = options.rule or obj.sites_rule
    radius = options.radius_rtt_ms if options.radius_rtt_ms is not None else obj.coverage_rtt_ms
    for kind in options.kinds:  # every variant is a valid scenario, before any data loads
        variant(base, kind, options.sites or obj.sites or 1, rule, radius)
    prepared = prepare(scenario)
    if base is not spec:
        prepared = prepared.variant(base)
    step("instance")
    rtt = round_trips(prepared)
    check_against_data(prepared, rtt, options, radius)
    timings = {"prepare": time.perf_counter() - start}
    step("build")
    solve_options = {
        "solver": solver,
        "time_limit": time_limit,
        "mip_gap": mip_gap,
        "strategy": strategy,
        "write": False,
        "map": False,
        "geography": False,
    }
    reference = optimize(prepared, **solve_options)
    p, p_source = _site_count(options, obj.sites, reference)
    runs = [(base.objective.kind, reference)]
    for kind in options.kinds:
        runs.append((kind, optimize(prepared.variant(variant(base, kind, p, rule, radius)),
                                    **solve_options)))  # fmt: skip
    step("solve")
    timings["solve"] = time.perf_counter() - start - timings["prepare"]
    inst = prepared.instance
    radii = np.full(inst.n_hubs, radius) if radius is not None else inst.sla_ms
    plans = [
        ClassicPlan(kind, run, cross_metrics(run, rtt, inst.demand_mw, radii)) for kind, run in runs
    ]
    step("results")
    run = ClassicRun(
        scenario=spec,
        plans=plans,
        sites=p,
        rule=rule,
        radius_rtt_ms=radius,
        p_source=p_source,
        table=plans_table(plans),
        hubs=hubs_table(plans, prepared, rtt, radii),
        open_sites=sites_table(plans),
        summary={},
        timings=timings,
    )
    run.summary = classic_summary(run, prepared)
    if write:
        page = None
        if map:
            page = comparison_page(run, prepared, tiles=tiles)
            step("map")

        def write_outputs(folder: Path) -> None:
            write_csv(run.table, folder / "plans.csv")
            write_csv(run.open_sites, folder / "sites.csv")
            write_csv(run.hubs, folder / "hubs.csv")
            write_json(folder / "summary.json", run.summary)

        run.table_dir, run.map_path = publish(
            output_name(spec.name, options),
            Path(out_dir or settings.out_dir),
            write_outputs,
            fmap=page,
            maps_dir=maps_dir,
            offline=not cdn,
        )
    timings["total"] = time.perf_counter() - start
    return run


def round_trips(prepared: Prepared) -> np.ndarray:
    """Round trip (ms) of every hub to every site at the scenario's latency layer, (H, S)."""
    hubs, sites = prepared.layers.hubs, prepared.layers.sites
    _, rtt = pair_matrix(
        prepared.scenario.latency,
        hubs["lon"].to_numpy(float),
        hubs["lat"].to_numpy(float),
        sites["lon"].to_numpy(float),
        sites["lat"].to_numpy(float),
        graph=prepared.inputs.graph,
    )
    return rtt


def check_against_data(
    prepared: Prepared, rtt: np.ndarray, options: Options, radius: float | None
) -> None:
    """Check p and the radius against the layers, before any solve.

    Raises
    ------
    InputError
        If p exceeds the candidate sites; if MCLP's radius covers no hub; if LSCP's radius
        leaves some hub with no site within it.
    """
    inst = prepared.instance
    source = str(prepared.path)
    if options.sites is not None and options.sites > inst.n_sites:
        expected = f"at most the {counted(inst.n_sites, 'candidate site')}, got {options.sites}"
        raise InputError([Problem("classic", "", "--sites", expected)])
    kinds = set(options.kinds)
    if not kinds & {"mclp", "lscp"} or not rtt.size:
        return
    radii = np.full(inst.n_hubs, radius) if radius is not None else inst.sla_ms
    covered = (rtt <= radii[:, None]).any(axis=1)
    key, where = ("--radius-rtt-ms", "classic") if radius is not None else ("SLA", source)
    what = f"{radius:g} ms round trip" if radius is not None else "each hub's SLA"
    nearest = rtt.min(axis=1)
    if not covered.any():
        h = int(np.argmin(nearest - radii))
        expected = (
            f"a coverage radius within which some site reaches some hub; {what} covers no hub: "
            f"the closest pair is hub '{inst.hub_ids[h]}' at {nearest[h]:.2f} ms round trip"
        )
        raise InputError([Problem(where, "", key, expected)])
    if "lscp" in kinds and not covered.all():
        h = int(np.argmax(nearest - radii))
        expected = (
            f"every hub within the coverage radius of some site (LSCP); {what} leaves "
            f"{counted(int((~covered).sum()), 'hub')} uncovered, e.g. '{inst.hub_ids[h]}', whose "
            f"nearest site is {nearest[h]:.2f} ms round trip away"
        )
        raise InputError([Problem(where, "", key, expected)])


def _site_count(options: Options, scenario_sites: int | None, reference: Run) -> tuple[int, str]:
    """Return p and where it came from: --sites, the scenario, else the cost plan's sites."""
    if options.sites is not None:
        return options.sites, "--sites"
    if scenario_sites is not None:
        return scenario_sites, "the scenario"
    return max(int(reference.results.kpis["sites_open"]), 1), "the cost plan"


def cross_metrics(
    run: Run, rtt: np.ndarray, demand_mw: np.ndarray, radii: np.ndarray
) -> dict[str, Any]:
    """Score a plan by its open sites, each hub served from its nearest open one.

    Parameters
    ----------
    run
        The solved plan.
    rtt
        Round trips hub × site, ms (:func:`round_trips`).
    demand_mw
        Inference demand per hub, MW.
    radii
        Coverage radius per hub, ms round trip.

    Returns
    -------
    dict
        ``sites_open``; ``weighted_rtt_mw_ms`` (Σ demand × round trip: the p-median
        objective), ``mean_rtt_ms`` (its demand-weighted mean), ``worst_rtt_ms`` (the worst
        hub: the p-center objective), ``covered_mw`` and ``covered_share`` (demand with an open
        site within the radius: the MCLP objective); ``annual_cost_cny`` (cost and margin
        plans; ``nan`` for a classic model, whose cost is not optimised); the objective's kind,
        value and unit; solver status, gap and seconds.
    """
    kpis = run.results.kpis
    opened = run.solution.open
    nearest = rtt[:, opened].min(axis=1) if opened.any() else np.full(len(demand_mw), np.inf)
    total = float(demand_mw.sum())
    weighted = float(demand_mw @ nearest) if opened.any() else math.inf
    covered = float(demand_mw[nearest <= radii].sum())
    return {
        "sites_open": int(opened.sum()),
        "objective_kind": kpis["objective_kind"],
        "objective_value": kpis["objective_value"],
        "objective_unit": kpis["objective_unit"],
        "weighted_rtt_mw_ms": weighted,
        "mean_rtt_ms": weighted / total if total else math.nan,
        "worst_rtt_ms": float(nearest.max()) if len(nearest) else math.nan,
        "covered_mw": covered,
        "covered_share": covered / total if total else math.nan,
        "annual_cost_cny": math.nan if run.instance.classic else kpis["total_cost_cny"],
        "status": kpis["status"],
        "gap": kpis["gap"],
        "solve_seconds": kpis["solve_seconds"],
    }


def plans_table(plans: Sequence[ClassicPlan]) -> pd.DataFrame:
    """One row per plan: model, the cross-metrics and the open sites (``;``-separated)."""
    rows = [
        {"model": p.kind, "label": p.label, **p.metrics, "open_sites": ";".join(p.open_sites)}
        for p in plans
    ]
    return pd.DataFrame(rows)


def sites_table(plans: Sequence[ClassicPlan]) -> pd.DataFrame:
    """Return the open sites of every plan, with their place and the MW assigned to them."""
    keep = ["site_id", "name", "name_zh", "province", "lon", "lat", "hosted_mw"]
    frames = []
    for plan in plans:
        sites = plan.run.results.sites
        table = pd.DataFrame(sites.loc[sites["open"], [c for c in keep if c in sites]])
        frames.append(table.rename(columns={"hosted_mw": "assigned_mw"}).assign(model=plan.kind))
    out = pd.concat(frames, ignore_index=True)
    return out[["model", *[c for c in out.columns if c != "model"]]]


def hubs_table(
    plans: Sequence[ClassicPlan], prepared: Prepared, rtt: np.ndarray, radii: np.ndarray
) -> pd.DataFrame:
    """Every hub under every plan: its nearest open site, that round trip and if covered."""
    hubs = prepared.layers.hubs
    inst = prepared.instance
    frames = []
    for plan in plans:
        opened = np.flatnonzero(plan.run.solution.open)
        if not len(opened):
            continue
        best = opened[rtt[:, opened].argmin(axis=1)]
        nearest = rtt[np.arange(inst.n_hubs), best]
        frames.append(
            pd.DataFrame(
                {
                    "model": plan.kind,
                    "hub_id": inst.hub_ids,
                    "name": hubs["name"].to_numpy(),
                    "demand_mw": inst.demand_mw,
                    "nearest_open_site": inst.site_ids[best],
                    "nearest_rtt_ms": nearest,
                    "radius_rtt_ms": radii,
                    "covered": nearest <= radii,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def classic_summary(run: ClassicRun, prepared: Prepared) -> dict[str, Any]:
    """Return what ``summary.json`` holds: provenance, scenario, options and every plan."""
    layer = prepared.scenario.latency.layer
    return {
        "provenance": provenance(
            [p.run.scenario for p in run.plans],
            prepared.paths,
            solver=run.plans[0].run.solution.solver,
            source=prepared.path,
            name=run.scenario.name,
        ),
        "scenario": public_dict(run.scenario),
        "sites": run.sites,
        "sites_from": run.p_source,
        "sites_rule": run.rule,
        "coverage_rtt_ms": run.radius_rtt_ms,
        "coverage": "each hub's SLA" if run.radius_rtt_ms is None else "coverage_rtt_ms",
        "metrics": (f"each hub served from its nearest open site; round trip at the {layer} layer"),
        "plans": [
            {
                "model": p.kind,
                "label": p.label,
                "scenario": p.run.scenario.name,
                **p.metrics,
                "open_sites": p.open_sites,
                "solver": p.run.summary["solver"],
            }
            for p in run.plans
        ],
        "timings_s": run.timings,
    }


def comparison_page(run: ClassicRun, prepared: Prepared, *, tiles: str = "none") -> Any:
    """Draw the plans side by side on one page (:func:`siting.maps.make_comparison_page`)."""
    from siting.maps import make_comparison_page

    first = with_geography(run.plans[0].run.results, prepared)  # hubs and SLA reach are shared
    shared = {"backbone": first.backbone, "reach": first.reach}
    results = [first] + [dataclasses.replace(p.run.results, **shared) for p in run.plans[1:]]
    return make_comparison_page(
        results,
        titles=[f"{run.scenario.name} · {p.label}" for p in run.plans],
        descriptions=[plan_line(p) for p in run.plans],
        tiles=tiles,
    )


def plan_line(plan: ClassicPlan) -> str:
    """One line on a plan's open sites: count, nearest-site round trips, demand covered."""
    m = plan.metrics
    return (
        f"{counted(m['sites_open'], 'site')}; from the nearest: mean {m['mean_rtt_ms']:.2f} ms, "
        f"worst {m['worst_rtt_ms']:.2f} ms round trip; {m['covered_share']:.1%} of demand "
        "within the radius"
    )


def classic_report(run: ClassicRun) -> str:
    """Return the text report: how p and the radius were chosen, each plan, the open sites."""
    layer = run.plans[0].run.scenario.latency.layer
    radius = (
        "each hub's SLA" if run.radius_rtt_ms is None else f"{run.radius_rtt_ms:g} ms round trip"
    )
    rule = run.rule.replace("_", " ")
    lines = [
        f"{run.scenario.name}: the {run.plans[0].label} plan beside the classic location models",
        f"p = {run.sites} ({rule}; from {run.p_source}) for p-median, p-center and MCLP; "
        f"coverage radius {radius} for MCLP and LSCP",
        f"Every plan is scored with each hub served from its nearest open site, round trip at "
        f"the {layer} layer.",
        "",
        f"{'model':<20} {'objective':>20} {'sites':>5} {'mean RTT':>9} {'worst RTT':>10} "
        f"{'covered':>8} {'annual cost':>14} {'status':<8}",
    ]
    for plan in run.plans:
        m = plan.metrics
        cost = m["annual_cost_cny"]
        cost_text = "–" if cost != cost else f"{cost / 1e9:,.2f} bn CNY"
        lines.append(
            f"{plan.label:<20} {objective_text(m):>20} {m['sites_open']:>5} "
            f"{m['mean_rtt_ms']:>6.2f} ms {m['worst_rtt_ms']:>7.2f} ms "
            f"{m['covered_share']:>8.1%} {cost_text:>14} {m['status']:<8}"
        )
    lines += ["", "Open sites"]
    for plan in run.plans:
        ids = plan.open_sites
        shown = ", ".join(ids[:12]) + (f" and {len(ids) - 12} more" if len(ids) > 12 else "")
        lines.append(f"  {plan.label}: {shown}")
    if run.table_dir is not None:
        lines += ["", f"Tables: {run.table_dir}/ (plans.csv, sites.csv, hubs.csv, summary.json)"]
    if run.map_path is not None:
        lines.append(f"Map: {run.map_path}")
    return "\n".join(lines)
