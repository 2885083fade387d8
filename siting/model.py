"""The MILP, built with PuLP: one small function per constraint family.

The formulation is written out in ``docs/model.md``; the names below follow it. Objective
coefficients are in million CNY per year (:data:`OBJECTIVE_UNIT`) to keep the numbers the
solver sees near 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp

from siting.instance import Instance

#: CNY per unit of the objective the solver sees.
OBJECTIVE_UNIT = 1e6

#: Cost of one MW of unmet demand in the elastic model, as a multiple of the largest cost of
#: serving one MW (CNY/yr); large enough that demand is dropped only where it cannot be met.
SHORTFALL_PENALTY = 1e3


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
        ``y_s``: site ``s`` is open (binary), per site.
    build
        ``x_s``: new IT MW built at ``s``, per site.
    train
        ``t_s``: training MW hosted at ``s``, per site.
    hosts_training
        ``z_s``: ``s`` hosts a training cluster (binary), per site; ``None`` where ``s`` is too
        small for a minimum cluster or no binary is needed.
    serve
        ``f_k``: inference MW of pair ``k``'s hub served at its site, per pair.
    shortfall
        Elastic model only: unmet inference MW per hub, then unmet training MW.
    """

    problem: pulp.LpProblem
    instance: Instance
    open: list[pulp.LpVariable]
    build: list[pulp.LpVariable]
    train: list[pulp.LpVariable]
    hosts_training: list[pulp.LpVariable | None]
    serve: list[pulp.LpVariable]
    shortfall: list[pulp.LpVariable] = field(default_factory=list)

    @property
    def elastic(self) -> bool:
        """Whether unmet demand is allowed at a penalty."""
        return bool(self.shortfall)


def build_model(instance: Instance, *, elastic: bool = False) -> SitingModel:
    """Build the siting MILP of an instance.

    Parameters
    ----------
    instance
        Costs, capacities and admissible pairs.
    elastic
        Let demand go unmet at a penalty (:data:`SHORTFALL_PENALTY`), so the model is always
        feasible; used to find which demand cannot be met.

    Returns
    -------
    SitingModel
    """
    model = _variables(instance, elastic=elastic)
    define_inference_demand(model)
    define_training_demand(model)
    define_capacity(model)
    define_headroom(model)
    define_pair_open(model)
    define_training_cluster(model)
    define_staff(model)
    define_objective(model)
    return model


def _variables(inst: Instance, *, elastic: bool) -> SitingModel:
    prob = pulp.LpProblem("siting", pulp.LpMinimize)
    cap = inst.capacity_mw
    needs_cluster = inst.training_mw > 0 and inst.min_cluster_mw > 0
    can_train = cap >= inst.min_cluster_mw - 1e-9 if needs_cluster else cap > 0
    opened = [prob.add_variable(f"open_{s}", 0, 1, pulp.LpBinary) for s in range(inst.n_sites)]
    build = [
        prob.add_variable(f"build_{s}", 0, float(inst.headroom_mw[s])) for s in range(inst.n_sites)
    ]
    train = [
        prob.add_variable(f"train_{s}", 0, float(cap[s]) if can_train[s] else 0.0)
        for s in range(inst.n_sites)
    ]
    hosts = [
        prob.add_variable(f"hosts_training_{s}", 0, 1, pulp.LpBinary)
        if needs_cluster and can_train[s]
        else None
        for s in range(inst.n_sites)
    ]
    upper = np.minimum(inst.demand_mw * inst.max_site_share, inst.demand_mw)[inst.pair_hub]
    upper = np.minimum(upper, cap[inst.pair_site])
    serve = [prob.add_variable(f"serve_{k}", 0, float(upper[k])) for k in range(inst.n_pairs)]
    shortfall = []
    if elastic:
        shortfall = [prob.add_variable(f"unmet_hub_{h}", 0) for h in range(inst.n_hubs)]
        shortfall.append(prob.add_variable("unmet_training", 0))
    return SitingModel(prob, inst, opened, build, train, hosts, serve, shortfall)


def _pairs_by(index: np.ndarray, size: int) -> list[np.ndarray]:
    """Pair indices grouped by hub or site: element ``i`` lists the pairs of ``i``."""
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(size + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(size)]


def define_inference_demand(m: SitingModel) -> None:
    """Serve each hub's inference demand from sites within its SLA: ``Σ_s f_hs = D_h``."""
    inst = m.instance
    for h, pairs in enumerate(_pairs_by(inst.pair_hub, inst.n_hubs)):
        terms = [(m.serve[k], 1.0) for k in pairs]
        if m.elastic:
            terms.append((m.shortfall[h], 1.0))
        expr = pulp.LpAffineExpression(terms)
        m.problem.addConstraint(expr == float(inst.demand_mw[h]), f"inference_demand_{h}")


def define_training_demand(m: SitingModel) -> None:
    """Host the national training demand somewhere: ``Σ_s t_s = T``."""
    terms = [(t, 1.0) for t in m.train]
    if m.elastic:
        terms.append((m.shortfall[-1], 1.0))
    expr = pulp.LpAffineExpression(terms)
    m.problem.addConstraint(expr == float(m.instance.training_mw), "training_demand")


def define_capacity(m: SitingModel) -> None:
    """Fit hosted MW in an open site's existing MW plus new MW.

    ``t_s + Σ_h f_hs ≤ E_s y_s + x_s``
    """
    inst = m.instance
    for s, pairs in enumerate(_pairs_by(inst.pair_site, inst.n_sites)):
        terms = [(m.serve[k], 1.0) for k in pairs]
        terms += [(m.train[s], 1.0), (m.build[s], -1.0), (m.open[s], -float(inst.existing_mw[s]))]
        m.problem.addConstraint(pulp.LpAffineExpression(terms) <= 0, f"capacity_{s}")


def define_headroom(m: SitingModel) -> None:
    """Build new MW only at open sites and within grid headroom: ``x_s ≤ G_s y_s``."""
    for s in range(m.instance.n_sites):
        if m.instance.headroom_mw[s] > 0:
            expr = pulp.LpAffineExpression(
                [(m.build[s], 1.0), (m.open[s], -float(m.instance.headroom_mw[s]))]
            )
            m.problem.addConstraint(expr <= 0, f"headroom_{s}")


def define_pair_open(m: SitingModel) -> None:
    """Send inference only to open sites: ``f_hs ≤ ū_hs y_s``.

    Implied by capacity and headroom; added because it tightens the LP relaxation.
    """
    for k, site in enumerate(m.instance.pair_site):
        upper = m.serve[k].upBound or 0.0
        if upper > 0:
            expr = pulp.LpAffineExpression([(m.serve[k], 1.0), (m.open[site], -upper)])
            m.problem.addConstraint(expr <= 0, f"pair_open_{k}")


def define_training_cluster(m: SitingModel) -> None:
    """Host training only in clusters of a minimum size: ``L z_s ≤ t_s ≤ C_s z_s``."""
    inst = m.instance
    for s, z in enumerate(m.hosts_training):
        if z is None:
            continue
        low = pulp.LpAffineExpression([(m.train[s], 1.0), (z, -float(inst.min_cluster_mw))])
        high = pulp.LpAffineExpression([(m.train[s], 1.0), (z, -float(inst.capacity_mw[s]))])
        m.problem.addConstraint(low >= 0, f"cluster_min_{s}")
        m.problem.addConstraint(high <= 0, f"cluster_max_{s}")


def define_staff(m: SitingModel) -> None:
    """Staff needed in a province is within what it can supply (``Σ σ_w MW_w ≤ A_p``).

    Pools that could staff every site in them at full capacity get no constraint.
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
        m.problem.addConstraint(expr <= float(inst.staff_available[g]), f"staff_{g}")


def define_objective(m: SitingModel) -> None:
    """Minimise yearly cost: fixed, annualised capex, running costs and network."""
    inst = m.instance
    unit = inst.unit_opex / OBJECTIVE_UNIT
    serve_cost = (unit[1][inst.pair_site] + inst.pair_cost / OBJECTIVE_UNIT).tolist()
    terms = [
        (v, c) for v, c in zip(m.open, (inst.fixed_cost / OBJECTIVE_UNIT).tolist(), strict=True)
    ]
    terms += [
        (v, c) for v, c in zip(m.build, (inst.capex_cost / OBJECTIVE_UNIT).tolist(), strict=True)
    ]
    terms += [(v, c) for v, c in zip(m.train, unit[0].tolist(), strict=True)]
    terms += [(v, c) for v, c in zip(m.serve, serve_cost, strict=True)]
    if m.elastic:
        worst = max(
            float(np.max(inst.capex_cost, initial=0) + np.max(inst.unit_opex, initial=0)),
            float(np.max(inst.pair_cost, initial=0)),
            1.0,
        )
        penalty = SHORTFALL_PENALTY * worst / OBJECTIVE_UNIT
        terms += [(v, penalty) for v in m.shortfall]
    m.problem.setObjective(pulp.LpAffineExpression(terms))
