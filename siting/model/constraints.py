"""One function per constraint family, each adding its block to a built model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pulp

from siting.instance import WORKLOADS
from siting.model.base import OBJECTIVE_UNIT, SHORTFALL_PENALTY, Forcing, SitingModel, Terms
from siting.model.variables import pairs_by


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
    for h, pairs in enumerate(pairs_by(inst.pair_hub, inst.n_hubs)):
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
    for s, pairs in enumerate(pairs_by(inst.pair_site, inst.n_sites)):
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
    site_pairs = pairs_by(inst.pair_site, inst.n_sites)
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
    site_pairs = pairs_by(m.instance.pair_site, m.instance.n_sites)
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
