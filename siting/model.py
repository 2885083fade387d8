"""The MILP, built with PuLP: one small function per constraint family.

The formulation is written out in ``docs/model.md``; the names below follow it. Objective
coefficients are in million CNY per year (:data:`OBJECTIVE_UNIT`) to keep the numbers the
solver sees near 1.

The build decision (which sites open, how many MW are built) is the *first stage*; how the
capacity is used (training MW, inference flows) is the *second stage*. A single-scenario model
has one second stage; a robust model (:func:`build_robust_model`) shares one first stage
among several scenarios, each with its own second stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pulp

from siting.instance import WORKLOADS, Instance

#: CNY per unit of the objective the solver sees.
OBJECTIVE_UNIT = 1e6

#: Cost of one MW of unmet demand in the elastic model, as a multiple of the largest cost of
#: serving one MW (CNY/yr); large enough that demand is dropped only where it cannot be met.
SHORTFALL_PENALTY = 1e3

Terms = list[tuple[pulp.LpVariable, float]]


@dataclass(frozen=True)
class Forcing:
    """Make a site host at least some MW of one workload (for "why not here?" questions).

    Parameters
    ----------
    site
        Index of the site.
    workload
        ``"training"`` or ``"inference"``.
    mw
        Lower bound on the MW of that workload hosted at the site.
    """

    site: int
    workload: str
    mw: float


@dataclass
class SitingModel:
    """A built model and its variables, indexed like the instance's arrays.

    Attributes
    ----------
    problem
        The PuLP problem.
    instance
        The instance it was built from.
    open
        ``y_s``: site ``s`` is open (binary), per site (first stage).
    build
        ``x_s``: new IT MW built at ``s``, per site (first stage).
    train
        ``t_s``: training MW hosted at ``s``, per site.
    hosts_training
        ``z_s``: ``s`` hosts a training cluster (binary), per site; ``None`` where ``s`` is too
        small for a minimum cluster or no binary is needed.
    serve
        ``f_k``: inference MW of pair ``k``'s hub served at its site, per pair.
    shortfall
        Elastic model only: unmet inference MW per hub, then unmet training MW.
    tag
        Prefix of the second stage's variable and constraint names (robust models).
    """

    problem: pulp.LpProblem
    instance: Instance
    open: list[pulp.LpVariable]
    build: list[pulp.LpVariable]
    train: list[pulp.LpVariable]
    hosts_training: list[pulp.LpVariable | None]
    serve: list[pulp.LpVariable]
    shortfall: list[pulp.LpVariable] = field(default_factory=list)
    tag: str = ""

    @property
    def elastic(self) -> bool:
        """Whether unmet demand is allowed at a penalty."""
        return bool(self.shortfall)


@dataclass
class RobustModel:
    """One build decision shared by several scenarios, each with its own use of it.

    Attributes
    ----------
    problem
        The PuLP problem.
    scenarios
        One :class:`SitingModel` per scenario, all sharing ``open`` and ``build``.
    weights
        Probability of each scenario.
    regret
        The worst-case regret variable (million CNY/yr) when minimising regret, else ``None``.
    """

    problem: pulp.LpProblem
    scenarios: list[SitingModel]
    weights: np.ndarray
    regret: pulp.LpVariable | None = None


def build_model(
    instance: Instance, *, elastic: bool = False, forcing: Sequence[Forcing] = ()
) -> SitingModel:
    """Build the siting MILP of an instance.

    Parameters
    ----------
    instance
        Costs, capacities and admissible pairs.
    elastic
        Let demand go unmet at a penalty (:data:`SHORTFALL_PENALTY`), so the model is always
        feasible; used to find which demand cannot be met.
    forcing
        Lower bounds on what given sites host.

    Returns
    -------
    SitingModel
    """
    prob = pulp.LpProblem("siting", pulp.LpMinimize)
    opened, build = _first_stage(prob, instance)
    model = _second_stage(prob, instance, opened, build, elastic=elastic)
    define_headroom(model)
    define_operations(model)
    define_forcing(model, forcing)
    prob.setObjective(pulp.LpAffineExpression(objective_terms(model)))
    return model


def build_robust_model(
    instances: Sequence[Instance],
    weights: Sequence[float],
    *,
    optimal_costs: Sequence[float] | None = None,
) -> RobustModel:
    """Build a two-stage model: one build plan, used per scenario.

    Parameters
    ----------
    instances
        One instance per scenario; they must share sites, existing MW and headroom.
    weights
        Probability of each scenario (normalised here).
    optimal_costs
        Each scenario's own optimal cost, CNY/yr. If given, minimise the worst-case regret
        ``max_w (cost_w(plan) - optimal_w)``; else minimise the expected cost.

    Returns
    -------
    RobustModel

    Raises
    ------
    ValueError
        If the instances do not share the same sites, existing capacity and headroom.
    """
    first = instances[0]
    for inst in instances[1:]:
        same = (
            np.array_equal(inst.site_ids, first.site_ids)
            and np.allclose(inst.existing_mw, first.existing_mw)
            and np.allclose(inst.headroom_mw, first.headroom_mw)
        )
        if not same:
            msg = "scenarios of a robust plan must share sites, existing MW and headroom"
            raise ValueError(msg)
    prob = pulp.LpProblem("siting_robust", pulp.LpMinimize)
    opened, build = _first_stage(prob, first)
    subs = [
        _second_stage(prob, inst, opened, build, tag=f"w{i}_") for i, inst in enumerate(instances)
    ]
    define_headroom(subs[0])
    for sub in subs:
        define_operations(sub)
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    model = RobustModel(prob, subs, w)
    if optimal_costs is None:
        terms: Terms = []
        for weight, sub in zip(w, subs, strict=True):
            terms += [(v, c * float(weight)) for v, c in objective_terms(sub)]
        prob.setObjective(summed(terms))
    else:
        model.regret = prob.add_variable("regret")
        for i, (sub, best) in enumerate(zip(subs, optimal_costs, strict=True)):
            expr = pulp.LpAffineExpression([*objective_terms(sub), (model.regret, -1.0)])
            prob.addConstraint(expr <= float(best) / OBJECTIVE_UNIT, f"regret_{i}")
        prob.setObjective(pulp.LpAffineExpression([(model.regret, 1.0)]))
    return model


def summed(terms: Terms) -> pulp.LpAffineExpression:
    """Build an expression from terms, adding the coefficients of a repeated variable.

    ``pulp.LpAffineExpression(terms)`` keeps only the last coefficient of a variable that
    appears twice; the shared first-stage variables of a robust model do.
    """
    total: dict[pulp.LpVariable, float] = {}
    for var, coef in terms:
        total[var] = total.get(var, 0.0) + coef
    return pulp.LpAffineExpression(list(total.items()))


def fix_plan(model: SitingModel | RobustModel, opened: np.ndarray, build: np.ndarray) -> None:
    """Fix the first stage to a given build plan (sites open, MW built).

    Parameters
    ----------
    model
        A built model; changed in place.
    opened
        Whether each site is open.
    build
        New MW built at each site.
    """
    sub = model if isinstance(model, SitingModel) else model.scenarios[0]
    for var, value in zip(sub.open, opened, strict=True):
        var.lowBound = var.upBound = float(bool(value))
    for var, value in zip(sub.build, build, strict=True):
        var.lowBound = var.upBound = max(float(value), 0.0)


def _first_stage(
    prob: pulp.LpProblem, inst: Instance
) -> tuple[list[pulp.LpVariable], list[pulp.LpVariable]]:
    opened = [prob.add_variable(f"open_{s}", 0, 1, pulp.LpBinary) for s in range(inst.n_sites)]
    build = [
        prob.add_variable(f"build_{s}", 0, float(inst.headroom_mw[s])) for s in range(inst.n_sites)
    ]
    return opened, build


def _second_stage(
    prob: pulp.LpProblem,
    inst: Instance,
    opened: list[pulp.LpVariable],
    build: list[pulp.LpVariable],
    *,
    elastic: bool = False,
    tag: str = "",
) -> SitingModel:
    cap = inst.capacity_mw
    needs_cluster = inst.training_mw > 0 and inst.min_cluster_mw > 0
    can_train = cap >= inst.min_cluster_mw - 1e-9 if needs_cluster else cap > 0
    train = [
        prob.add_variable(f"{tag}train_{s}", 0, float(cap[s]) if can_train[s] else 0.0)
        for s in range(inst.n_sites)
    ]
    hosts = [
        prob.add_variable(f"{tag}hosts_training_{s}", 0, 1, pulp.LpBinary)
        if needs_cluster and can_train[s]
        else None
        for s in range(inst.n_sites)
    ]
    upper = np.minimum(inst.demand_mw * inst.max_site_share, inst.demand_mw)[inst.pair_hub]
    upper = np.minimum(upper, cap[inst.pair_site])
    serve = [prob.add_variable(f"{tag}serve_{k}", 0, float(upper[k])) for k in range(inst.n_pairs)]
    shortfall = []
    if elastic:
        shortfall = [prob.add_variable(f"{tag}unmet_hub_{h}", 0) for h in range(inst.n_hubs)]
        shortfall.append(prob.add_variable(f"{tag}unmet_training", 0))
    return SitingModel(prob, inst, opened, build, train, hosts, serve, shortfall, tag)


def _pairs_by(index: np.ndarray, size: int) -> list[np.ndarray]:
    """Pair indices grouped by hub or site: element ``i`` lists the pairs of ``i``."""
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(size + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(size)]


def define_operations(m: SitingModel) -> None:
    """Add every second-stage constraint family of one scenario."""
    define_inference_demand(m)
    define_training_demand(m)
    define_capacity(m)
    define_pair_open(m)
    define_training_cluster(m)
    define_staff(m)


def define_inference_demand(m: SitingModel) -> None:
    """Serve each hub's inference demand from sites within its SLA: ``Σ_s f_hs = D_h``.

    When maximising margin, demand is an upper bound (``≤``).
    """
    inst = m.instance
    for h, pairs in enumerate(_pairs_by(inst.pair_hub, inst.n_hubs)):
        terms = [(m.serve[k], 1.0) for k in pairs]
        if m.elastic:
            terms.append((m.shortfall[h], 1.0))
        expr = pulp.LpAffineExpression(terms)
        demand = float(inst.demand_mw[h])
        constraint = expr <= demand if inst.maximise_margin else expr == demand
        m.problem.addConstraint(constraint, f"{m.tag}inference_demand_{h}")


def define_training_demand(m: SitingModel) -> None:
    """Host the national training demand somewhere: ``Σ_s t_s = T`` (``≤`` for margin)."""
    terms = [(t, 1.0) for t in m.train]
    if m.elastic:
        terms.append((m.shortfall[-1], 1.0))
    expr = pulp.LpAffineExpression(terms)
    demand = float(m.instance.training_mw)
    constraint = expr <= demand if m.instance.maximise_margin else expr == demand
    m.problem.addConstraint(constraint, f"{m.tag}training_demand")


def define_capacity(m: SitingModel) -> None:
    """Fit hosted MW in an open site's existing MW plus new MW.

    ``t_s + Σ_h f_hs ≤ E_s y_s + x_s``
    """
    inst = m.instance
    for s, pairs in enumerate(_pairs_by(inst.pair_site, inst.n_sites)):
        terms = [(m.serve[k], 1.0) for k in pairs]
        terms += [(m.train[s], 1.0), (m.build[s], -1.0), (m.open[s], -float(inst.existing_mw[s]))]
        m.problem.addConstraint(pulp.LpAffineExpression(terms) <= 0, f"{m.tag}capacity_{s}")


def define_headroom(m: SitingModel) -> None:
    """Build new MW only at open sites and within grid headroom: ``x_s ≤ G_s y_s``."""
    for s in range(m.instance.n_sites):
        if m.instance.headroom_mw[s] > 0:
            headroom = float(m.instance.headroom_mw[s])
            expr = pulp.LpAffineExpression([(m.build[s], 1.0), (m.open[s], -headroom)])
            m.problem.addConstraint(expr <= 0, f"headroom_{s}")


def define_pair_open(m: SitingModel) -> None:
    """Send inference only to open sites: ``f_hs ≤ ū_hs y_s``.

    Implied by capacity and headroom; added because it tightens the LP relaxation.
    """
    for k, site in enumerate(m.instance.pair_site):
        upper = m.serve[k].upBound or 0.0
        if upper > 0:
            expr = pulp.LpAffineExpression([(m.serve[k], 1.0), (m.open[site], -upper)])
            m.problem.addConstraint(expr <= 0, f"{m.tag}pair_open_{k}")


def define_training_cluster(m: SitingModel) -> None:
    """Host training only in clusters of a minimum size: ``L z_s ≤ t_s ≤ C_s z_s``."""
    inst = m.instance
    for s, z in enumerate(m.hosts_training):
        if z is None:
            continue
        low = pulp.LpAffineExpression([(m.train[s], 1.0), (z, -float(inst.min_cluster_mw))])
        high = pulp.LpAffineExpression([(m.train[s], 1.0), (z, -float(inst.capacity_mw[s]))])
        m.problem.addConstraint(low >= 0, f"{m.tag}cluster_min_{s}")
        m.problem.addConstraint(high <= 0, f"{m.tag}cluster_max_{s}")


def define_staff(m: SitingModel) -> None:
    """Keep the staff a province's sites need within what it can supply.

    ``Σ_{s∈p} (σ_T t_s + σ_I Σ_h f_hs) ≤ A_p``; pools that could staff every site in them at
    full capacity get no constraint.
    """
    inst = m.instance
    sigma_t, sigma_i = (float(v) for v in inst.staff_per_mw)
    site_pairs = _pairs_by(inst.pair_site, inst.n_sites)
    most = inst.capacity_mw * max(sigma_t, sigma_i)
    for g in range(len(inst.group_names)):
        sites = np.flatnonzero(inst.site_group == g)
        if most[sites].sum() <= inst.staff_available[g]:
            continue
        terms = [(m.train[s], sigma_t) for s in sites]
        terms += [(m.serve[k], sigma_i) for s in sites for k in site_pairs[s]]
        expr = pulp.LpAffineExpression(terms)
        m.problem.addConstraint(expr <= float(inst.staff_available[g]), f"{m.tag}staff_{g}")


def define_forcing(m: SitingModel, forcing: Sequence[Forcing]) -> None:
    """Make given sites host at least given MW of a workload."""
    site_pairs = _pairs_by(m.instance.pair_site, m.instance.n_sites)
    for i, force in enumerate(forcing):
        if force.workload == "training":
            terms = [(m.train[force.site], 1.0)]
        elif force.workload == "inference":
            terms = [(m.serve[k], 1.0) for k in site_pairs[force.site]]
        else:
            msg = f"unknown workload {force.workload!r}; expected one of {WORKLOADS}"
            raise ValueError(msg)
        m.problem.addConstraint(pulp.LpAffineExpression(terms) >= force.mw, f"{m.tag}forced_{i}")


def objective_terms(m: SitingModel) -> Terms:
    """Yearly cost of one scenario: fixed, annualised capex, running costs and network.

    When maximising margin, rental revenue per MW hosted is subtracted (cost − revenue).

    Returns
    -------
    list of (variable, coefficient)
        Coefficients in :data:`OBJECTIVE_UNIT` per unit of the variable.
    """
    inst = m.instance
    unit = (inst.unit_opex - inst.rent[:, None] * inst.maximise_margin) / OBJECTIVE_UNIT
    serve_cost = (unit[1][inst.pair_site] + inst.pair_cost / OBJECTIVE_UNIT).tolist()
    terms = list(zip(m.open, (inst.fixed_cost / OBJECTIVE_UNIT).tolist(), strict=True))
    terms += zip(m.build, (inst.capex_cost / OBJECTIVE_UNIT).tolist(), strict=True)
    terms += zip(m.train, unit[0].tolist(), strict=True)
    terms += zip(m.serve, serve_cost, strict=True)
    if m.elastic:
        worst = max(
            float(np.max(inst.capex_cost, initial=0) + np.max(inst.unit_opex, initial=0)),
            float(np.max(inst.pair_cost, initial=0)),
            1.0,
        )
        penalty = SHORTFALL_PENALTY * worst / OBJECTIVE_UNIT
        terms += [(v, penalty) for v in m.shortfall]
    return terms
