"""Analyses that compare plans across futures.

The stranded-capacity audit, the robust plan and "why here, why not there". Each is a few
optimisations of the stages in :mod:`siting.pipeline`; all costs are CNY per year, all
capacities MW of IT load.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.costs import annuity_factor
from siting.errors import InfeasibleError, InputError, Problem, SitingError
from siting.feasibility import one_class
from siting.model import Forcing, build_arrays, build_robust, fix_plan
from siting.pipeline import Prepared, prepare, with_geography
from siting.provenance import provenance
from siting.results import (
    Results,
    build_results,
    compute_kpis,
    hub_arrays,
    site_arrays,
)
from siting.scenario import Scenario, check_runner
from siting.solve import Solution, solve, solve_robust
from siting.solve.options import RunOptions
from siting.stages import Stages

ScenarioRef = str | Path | Scenario | None


@dataclass(frozen=True)
class Audit:
    """Capacity built for one future, used under another.

    Attributes
    ----------
    built_name
        The scenario whose plan was built, or ``"existing"`` for the capacity in the data.
    under_name
        The scenario the capacity is used under.
    results
        The best use of the sunk capacity under the second scenario (new builds allowed).
    sites
        Per site: existing MW in the data, MW added by the built plan, sunk MW, hosted MW,
        idle MW and utilisation of the sunk MW.
    provinces
        The same, summed by province.
    kpis
        ``sunk_mw``, ``idle_mw``, ``utilisation``, ``cost_under_plan_cny`` (running the sunk
        capacity under the second scenario), ``plan_sunk_cost_cny`` (annualised capex and site
        development of the built plan), ``cost_optimal_cny`` (the second scenario planned from
        the data's existing capacity), ``mismatch_cny`` (what following the built plan costs
        more than planning for the second scenario; new sites and MW may be added to it) and
        ``cost_as_built_cny`` (running the second scenario on the built plan as it stands: its
        open sites and MW fixed, nothing added, as ``siting robust`` prices a plan; ``inf``
        where it cannot serve the second scenario; the capacity in the data, sites with
        existing MW open, for ``"existing"``).
    provenance
        Scenario and data hashes and software versions (see :mod:`siting.provenance`).
    options
        The solver options the second scenario's solves had (resolved).
    """

    built_name: str
    under_name: str
    results: Results
    sites: pd.DataFrame
    provinces: pd.DataFrame
    kpis: dict[str, Any]
    provenance: dict[str, Any] = field(default_factory=dict)
    options: RunOptions = field(default_factory=RunOptions)

    @property
    def summary(self) -> dict[str, Any]:
        """What ``summary.json`` holds: the KPIs and the provenance block."""
        return {**self.kpis, "provenance": self.provenance}


def audit(built: ScenarioRef, under: ScenarioRef, *, options: RunOptions | None = None) -> Audit:
    """Fix what one scenario builds as sunk and re-optimise under another.

    Parameters
    ----------
    built
        The scenario whose build plan is taken as sunk, or ``"existing"`` for the existing
        capacity in the data alone.
    under
        The scenario to use it under.
    options
        Solver options for every solve; those not given from each scenario's ``[solve]``
        table (strategy, time limit), then :mod:`siting.settings`.

    Returns
    -------
    Audit

    Raises
    ------
    InputError
        If the two scenarios use different candidate sites.
    """
    stages = Stages(options)
    target = _prepared(under, "audit")
    inst = target.instance
    inputs = [target]
    added = np.zeros(inst.n_sites)
    opened = inst.sites.existing_mw > 0
    sunk_cost = 0.0
    built_name = "existing"
    if built != "existing":
        source = _prepared(built, "audit")
        _same_sites(source, target)
        inputs.insert(0, source)
        plan = stages.solve(source.instance, stages.options_for(source.scenario))
        added, opened = plan.build, plan.open
        built_name = source.scenario.name
        sunk_cost = _sunk_cost(source, plan)
    given = target if built == "existing" else target.variant(target.scenario, built_mw=added)
    opts = stages.options_for(target.scenario)
    used = stages.solve(given.instance, opts)
    results = with_geography(build_results(used, given.instance, given.layers), given)
    optimal = used if given is target else stages.solve(inst, opts)

    sunk = given.instance.sites.existing_mw
    hosted = results.sites["hosted_mw"].to_numpy()
    sites = pd.DataFrame(
        {
            "site_id": inst.sites.ids,
            "name": target.layers.sites["name"].to_numpy(),
            "province": target.layers.sites["province"].to_numpy(),
            "existing_mw": inst.sites.existing_mw,
            "added_mw": added,
            "sunk_mw": sunk,
            "hosted_mw": hosted,
            "new_mw": used.build,
            "idle_mw": np.clip(sunk - hosted, 0.0, None),
        }
    )
    sites["utilisation"] = _ratio(np.minimum(hosted, sunk), sunk)
    provinces = sites.groupby("province", as_index=False)[
        ["existing_mw", "added_mw", "sunk_mw", "hosted_mw", "new_mw", "idle_mw"]
    ].sum()
    provinces["utilisation"] = _ratio(
        (provinces["sunk_mw"] - provinces["idle_mw"]).to_numpy(), provinces["sunk_mw"].to_numpy()
    )
    total_sunk = float(sunk.sum())
    kpis = {
        "built": built_name,
        "under": target.scenario.name,
        "sunk_mw": total_sunk,
        "idle_mw": float(sites["idle_mw"].sum()),
        "utilisation": (total_sunk - float(sites["idle_mw"].sum())) / total_sunk
        if total_sunk
        else math.nan,
        "cost_under_plan_cny": used.objective,
        "plan_sunk_cost_cny": sunk_cost,
        "cost_optimal_cny": optimal.objective,
        "mismatch_cny": used.objective + sunk_cost - optimal.objective,
        "cost_as_built_cny": _cost_with_plan(target, opened, added, opts),
    }
    origin = _provenance(inputs, opts)
    under = target.scenario.name
    return Audit(built_name, under, results, sites, provinces, kpis, origin, opts)


def _prepared(scenario: ScenarioRef, runner: str) -> Prepared:
    """Prepare a scenario for a single-period analysis; refuse a ``[horizon]`` scenario."""
    prepared = prepare(scenario)
    check_runner(prepared.scenario, runner, source=str(prepared.path))
    return prepared


def _sunk_cost(source: Prepared, plan: Solution) -> float:
    """Annualised capex of the MW a plan builds plus development of the sites it opens new."""
    inst, costs = source.instance, source.scenario.costs
    development = annuity_factor(costs.discount_rate, costs.lifetime_years)
    development *= costs.site_development_cny
    greenfield = (inst.sites.existing_mw == 0) & plan.open & (plan.build > 1e-6)
    return float((inst.sites.capex_cost * plan.build).sum() + development * greenfield.sum())


def _same_sites(a: Prepared, b: Prepared) -> None:
    if not np.array_equal(a.instance.sites.ids, b.instance.sites.ids):
        expected = f"the same candidate sites as {b.path} (site ids differ)"
        raise InputError([Problem(str(a.path), "", "sites", expected)])


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)


@dataclass(frozen=True)
class RobustReport:
    """One build plan for several futures, next to each future's own plan.

    Attributes
    ----------
    names
        The scenarios.
    weights
        Their probabilities.
    criterion
        ``"expected"`` (minimise expected cost) or ``"regret"`` (minimise worst regret).
    table
        One row per plan (each scenario's own plan, then ``robust``): its cost under every
        scenario (``inf`` where the plan cannot serve it), expected cost and worst regret.
    results
        The robust plan's use in each scenario.
    provenance
        Scenario and data hashes and software versions (see :mod:`siting.provenance`).
    options
        The solver options the robust model had (resolved).
    """

    names: list[str]
    weights: np.ndarray
    criterion: str
    table: pd.DataFrame
    results: list[Results]
    provenance: dict[str, Any] = field(default_factory=dict)
    options: RunOptions = field(default_factory=RunOptions)

    @property
    def summary(self) -> dict[str, Any]:
        """What ``summary.json`` holds: scenarios, weights, plans and the provenance block."""
        return {
            "scenarios": self.names,
            "weights": self.weights.tolist(),
            "criterion": self.criterion,
            "plans": self.table.to_dict(orient="records"),
            "provenance": self.provenance,
        }


def robust_plan(
    scenarios: Sequence[ScenarioRef],
    weights: Sequence[float] | None = None,
    *,
    criterion: str = "expected",
    options: RunOptions | None = None,
) -> RobustReport:
    """Find one build plan for several scenarios and compare it with each scenario's own plan.

    The build decision (sites opened, MW built) is shared; how capacity is used is decided
    per scenario. Each single-scenario plan is evaluated in every scenario with its build
    fixed.

    Parameters
    ----------
    scenarios
        Two or more scenarios sharing the same candidate sites.
    weights
        Probabilities (default equal).
    criterion
        ``"expected"`` or ``"regret"``.
    options
        Solver options, as for :func:`audit`; the robust model is solved with those of the
        first scenario.

    Returns
    -------
    RobustReport
    """
    if criterion not in ("expected", "regret"):
        msg = f"unknown criterion {criterion!r}; expected 'expected' or 'regret'"
        raise InputError([Problem("robust", "", "criterion", msg)])
    stages = Stages(options)
    prepared = [_prepared(s, "robust") for s in scenarios]
    for other in prepared[1:]:
        _same_sites(other, prepared[0])
    names = [p.scenario.name for p in prepared]
    w = np.full(len(prepared), 1.0) if weights is None else np.asarray(weights, dtype=float)
    w = w / w.sum()
    opts = [stages.options_for(p.scenario) for p in prepared]
    own = [stages.solve(p.instance, o) for p, o in zip(prepared, opts, strict=True)]
    best = np.array([s.objective for s in own])

    rows = []
    for name, plan in zip(names, own, strict=True):
        costs = [
            _cost_with_plan(p, plan.open, plan.build, o)
            for p, o in zip(prepared, opts, strict=True)
        ]
        rows.append(_row(f"plan of {name}", costs, w, best, names))
    instances = [p.instance for p in prepared]
    model = build_robust(
        instances, w, optimal_costs=best.tolist() if criterion == "regret" else None
    )
    solved = solve_robust(model, opts[0])
    rows.append(_row("robust", [s.objective for s in solved.scenarios], w, best, names))
    results = [
        build_results(sol, p.instance, p.layers)
        for sol, p in zip(solved.scenarios, prepared, strict=True)
    ]
    origin = _provenance(prepared, opts[0])
    return RobustReport(names, w, criterion, pd.DataFrame(rows), results, origin, opts[0])


def _provenance(prepared: Sequence[Prepared], options: RunOptions) -> dict[str, Any]:
    return provenance(
        [p.scenario for p in prepared],
        [p.paths for p in prepared],
        solver=options.custom or options.solver,
        source=prepared[-1].path,
    )


def _cost_with_plan(
    prepared: Prepared, opened: np.ndarray, build: np.ndarray, options: RunOptions
) -> float:
    """Cost of a scenario run on a fixed plan (open sites, MW built; nothing added), or inf.

    The one definition of a plan's cost in another scenario, for ``robust`` and ``audit``.
    """
    model = build_arrays(prepared.instance)
    fix_plan(model, opened, build)
    try:
        return solve(model, options).objective
    except InfeasibleError:
        return math.inf


def _row(
    plan: str, costs: Sequence[float], w: np.ndarray, best: np.ndarray, names: list[str]
) -> dict[str, Any]:
    cost = np.asarray(costs, dtype=float)
    row: dict[str, Any] = {"plan": plan}
    row.update({f"cost_{n}_cny": c for n, c in zip(names, cost, strict=True)})
    row["expected_cost_cny"] = float(np.dot(w, cost)) if np.isfinite(cost).all() else math.inf
    row["worst_regret_cny"] = float(np.max(cost - best))
    return row


@dataclass(frozen=True)
class WhyNot:
    """Marginal costs behind a plan.

    Attributes
    ----------
    sites
        For every candidate site the plan leaves unused and each workload: the extra yearly
        cost of making it host ``mw`` of that workload (``inf`` and a reason if impossible).
    hubs
        For every hub: the extra yearly cost of tightening its SLA by ``tighten_ms``.
    provenance
        Scenario and data hashes and software versions (see :mod:`siting.provenance`).
    """

    sites: pd.DataFrame
    hubs: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)


def why_not(
    scenario: ScenarioRef = None,
    *,
    inference_mw: float = 20.0,
    training_mw: float | None = None,
    tighten_ms: float = 1.0,
    options: RunOptions | None = None,
) -> WhyNot:
    """Price the alternatives to a plan: unused sites forced in, each hub's SLA tightened.

    Parameters
    ----------
    scenario
        The scenario.
    inference_mw
        Inference MW an unused site is made to host.
    training_mw
        Training MW an unused site is made to host (default: the minimum cluster).
    tighten_ms
        How much each hub's SLA is tightened, ms.
    options
        Solver options, as for :func:`audit`.

    Returns
    -------
    WhyNot
    """
    stages = Stages(options)
    base = _prepared(scenario, "whynot")
    inst = base.instance
    opts = stages.options_for(base.scenario)
    plan = stages.solve(inst, opts)
    hosted = site_arrays(plan, inst)["hosted_mw"]
    train_mw = inst.min_cluster_mw if training_mw is None else training_mw
    rows = []
    for s in np.flatnonzero(hosted < 1e-6):
        for workload, mw in (("training", train_mw), ("inference", inference_mw)):
            extra, reason = _forced_cost(inst, Forcing(int(s), workload, mw), plan, opts)
            rows.append(
                {
                    "site_id": inst.sites.ids[s],
                    "name": base.layers.sites["name"].iloc[s],
                    "workload": workload,
                    "mw": mw,
                    "extra_cost_cny": extra,
                    "reason": reason,
                }
            )
    hubs = []
    raw = base.scenario.to_dict()
    for h, hub in enumerate(inst.hubs.ids):
        tighter = float(inst.classes.sla_ms[0, h]) - tighten_ms
        changed = dict(raw, demand=dict(raw["demand"], hub_sla_ms={**raw["demand"]["hub_sla_ms"]}))
        changed["demand"]["hub_sla_ms"][str(hub)] = tighter
        extra, reason = math.inf, ""
        if not one_class(inst):  # hub_sla_ms only relaxes the SLAs of service classes
            extra, reason = math.nan, "service classes: sweep classes.<name>.sla_ms instead"
        else:
            try:
                variant = base.variant(Scenario.model_validate(changed))
                plan_cost = stages.solve(variant.instance, opts).objective
                extra = plan_cost - plan.objective
            except SitingError as exc:
                reason = str(exc).splitlines()[-1].strip(" -")
        hubs.append(
            {
                "hub_id": hub,
                "sla_rtt_ms": float(inst.classes.sla_ms[0, h]),
                "tightened_rtt_ms": tighter,
                "extra_cost_cny": extra,
                "reason": reason,
            }
        )
    columns = ["site_id", "name", "workload", "mw", "extra_cost_cny", "reason"]
    sites = pd.DataFrame(rows, columns=columns)  # columns even when every site is used
    return WhyNot(sites, pd.DataFrame(hubs), _provenance([base], opts))


def _forced_cost(
    inst: Any, forcing: Forcing, plan: Solution, options: RunOptions
) -> tuple[float, str]:
    if forcing.workload == "inference" and not (inst.pairs.site == forcing.site).any():
        return math.inf, "no hub within its SLA"
    if forcing.workload == "training" and inst.sites.capacity_mw[forcing.site] < forcing.mw:
        return (
            math.inf,
            f"capacity {inst.sites.capacity_mw[forcing.site]:.0f} MW < {forcing.mw:g} MW",
        )
    try:
        forced = solve(build_arrays(inst, forcing=[forcing]), options)
    except InfeasibleError:
        return math.inf, f"cannot host {forcing.mw:g} MW of {forcing.workload} under the limits"
    return forced.objective - plan.objective, ""


def tradeoff(
    scenario: ScenarioRef,
    parameter: str,
    values: Sequence[float],
    *,
    options: RunOptions | None = None,
) -> pd.DataFrame:
    """Cost and plan KPIs as one parameter varies; each point is an optimisation.

    Parameters
    ----------
    scenario
        The base scenario.
    parameter
        A dotted scenario key, e.g. ``"demand.inference_sla_ms"``,
        ``"costs.carbon_cny_per_t"``, ``"latency.layer"``, ``"classes.realtime.share"`` (the
        class without a share takes the rest) or ``"policy.compute_vouchers"`` (0 or 1).
    values
        The values to try (numbers, or text such as layer names).
    options
        Solver options, as for :func:`audit` (each value's scenario fills those not given).

    Returns
    -------
    pandas.DataFrame
        One row per value: the value, ``status`` (``optimal``, ``feasible`` or
        ``infeasible``), the reason when infeasible, and the KPIs of the plan;
        ``attrs["provenance"]`` holds the base scenario's provenance block and
        ``attrs["limits"]`` its solver block's time limit and gap.
    """
    stages = Stages(options)
    prepared = _prepared(scenario, "tradeoff")
    base = prepared.scenario.to_dict()
    if not _has_key(base, parameter):
        expected = "a dotted key of the scenario, e.g. demand.inference_sla_ms"
        raise InputError(
            [Problem("tradeoff", "", parameter, f"unknown parameter; expected {expected}")]
        )
    rows = []
    for value in values:
        shown = value_text(value)
        row: dict[str, Any] = {parameter: value}
        try:
            variant = prepared.scenario.with_overrides(
                {parameter: value, "name": f"{base['name']}-{parameter.rpartition('.')[2]}-{shown}"}
            )
            inst = prepared.variant(variant).instance
            solution = stages.solve(inst, stages.options_for(variant))
        except InfeasibleError as exc:
            rows.append({**row, "status": "infeasible", "reason": "; ".join(exc.reasons)})
            continue
        sites = site_arrays(solution, inst)
        kpis = compute_kpis(solution, inst, sites, hub_arrays(solution, inst))
        rows.append({**row, **kpis, "reason": ""})
    table = pd.DataFrame(rows)
    opts = stages.options_for(prepared.scenario)
    table.attrs["provenance"] = _provenance([prepared], opts)
    table.attrs["limits"] = opts.limits()
    return table


def value_text(value: Any) -> str:
    """Show a swept value: numbers with ``:g``, anything else as text."""
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _has_key(table: dict[str, Any], dotted: str) -> bool:
    """Whether a dotted key names a value (not a table) of a scenario's tables."""
    *path, key = dotted.split(".")
    node: Any = table
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            return False
    return key in node and not isinstance(node[key], dict)
