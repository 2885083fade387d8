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
    define_failover(m)
    define_vouchers(m)


def define_inference_demand(m: SitingModel) -> None:
    """Serve each stream (class, hub) from sites within its SLA: ``Σ_s f_qhs = D_qh``.

    When maximising margin, demand is an upper bound (``≤``). Row ``g = q·H + h``.
    """
    inst = m.instance
    for g, pairs in enumerate(pairs_by(inst.pair_stream, inst.n_streams)):
        terms = [(m.serve[k], 1.0) for k in pairs]
        if m.elastic:
            terms.append((m.shortfall[g], 1.0))
        expr = pulp.LpAffineExpression(terms)
        demand = float(inst.stream_demand_mw[g])
        constraint = expr <= demand if inst.maximise_margin else expr == demand
        m.problem.addConstraint(constraint, f"{m.tag}inference_demand_{g}")


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

    ``t_s + Σ_qh (f_qhs + r_qhs) ≤ E_s y_s + x_s`` (``r``: failover reserve, if any)
    """
    inst = m.instance
    for s, pairs in enumerate(pairs_by(inst.pairs.site, inst.n_sites)):
        terms = [(m.serve[k], 1.0) for k in pairs]
        terms += [(m.reserve[k], 1.0) for k in pairs if m.reserve and m.reserve[k] is not None]
        terms += [
            (m.train[s], 1.0),
            (m.build[s], -1.0),
            (m.open[s], -float(inst.sites.existing_mw[s])),
        ]
        m.problem.addConstraint(pulp.LpAffineExpression(terms) <= 0, f"{m.tag}capacity_{s}")


def define_headroom(m: SitingModel) -> None:
    """Build new MW only at open sites and within grid headroom: ``x_s ≤ G_s y_s``."""
    for s in range(m.instance.n_sites):
        if m.instance.sites.headroom_mw[s] > 0:
            headroom = float(m.instance.sites.headroom_mw[s])
            expr = pulp.LpAffineExpression([(m.build[s], 1.0), (m.open[s], -headroom)])
            m.problem.addConstraint(expr <= 0, f"headroom_{s}")


def define_pair_open(m: SitingModel) -> None:
    """Send inference only to open sites: ``f_hs ≤ ū_hs y_s``.

    Implied by capacity and headroom; added because it tightens the LP relaxation.
    """
    for k, site in enumerate(m.instance.pairs.site):
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
        high = pulp.LpAffineExpression([(m.train[s], 1.0), (z, -float(inst.sites.capacity_mw[s]))])
        m.problem.addConstraint(low >= 0, f"{m.tag}cluster_min_{s}")
        m.problem.addConstraint(high <= 0, f"{m.tag}cluster_max_{s}")


def define_staff(m: SitingModel) -> None:
    """Keep the staff a province's sites need within what it can supply.

    ``Σ_{s∈p} (σ_T t_s + Σ_qh σ_q f_qhs) ≤ A_p``; pools that could staff every site in them
    at full capacity get no constraint.
    """
    inst = m.instance
    sigma = inst.staff_per_mw.astype(float)
    sigma_pair = sigma[inst.pair_workload]
    site_pairs = pairs_by(inst.pairs.site, inst.n_sites)
    most = inst.sites.capacity_mw * float(sigma.max())
    for g in range(len(inst.sites.group_names)):
        sites = np.flatnonzero(inst.sites.group == g)
        if most[sites].sum() <= inst.sites.staff_available[g]:
            continue
        terms = [(m.train[s], float(sigma[0])) for s in sites]
        terms += [(m.serve[k], float(sigma_pair[k])) for s in sites for k in site_pairs[s]]
        expr = pulp.LpAffineExpression(terms)
        m.problem.addConstraint(expr <= float(inst.sites.staff_available[g]), f"{m.tag}staff_{g}")


def define_failover(m: SitingModel) -> None:
    """Keep a stated share of each stream served when any one site is lost.

    ``f_k + r_k ≤ m_g`` for the pairs ``k`` of stream ``g`` and
    ``Σ_k (f_k + r_k) - m_g ≥ α_g D_g`` (docs/model.md, "Redundancy").
    """
    if not m.peak:
        return
    inst = m.instance
    alpha, demand = inst.stream_failover, inst.stream_demand_mw
    for g, pairs in enumerate(pairs_by(inst.pair_stream, inst.n_streams)):
        peak = m.peak[g]
        if peak is None:
            continue
        for k in pairs:
            expr = pulp.LpAffineExpression([(m.serve[k], 1.0), (m.reserve[k], 1.0), (peak, -1.0)])
            m.problem.addConstraint(expr <= 0, f"{m.tag}failover_peak_{k}")
        terms = [(v[k], 1.0) for k in pairs for v in (m.serve, m.reserve)]
        if m.elastic:  # unmet demand needs no reserve: the elastic model stays feasible
            terms.append((m.shortfall[g], 1.0))
        expr = pulp.LpAffineExpression([*terms, (peak, -1.0)])
        need = float(alpha[g] * demand[g])
        m.problem.addConstraint(expr >= need, f"{m.tag}failover_{g}")


def define_vouchers(m: SitingModel) -> None:
    """Count voucher MW only where compute is hosted: ``w_v ≤ Σ_{s∈S_v} (t_s + Σ f_qhs)``."""
    inst = m.instance
    site_pairs = pairs_by(inst.pairs.site, inst.n_sites)
    for v, w in enumerate(m.voucher):
        sites = np.flatnonzero(inst.policy.vouchers.member[v])
        terms = [(w, 1.0)] + [(m.train[s], -1.0) for s in sites]
        terms += [(m.serve[k], -1.0) for s in sites for k in site_pairs[s]]
        m.problem.addConstraint(pulp.LpAffineExpression(terms) <= 0, f"{m.tag}voucher_{v}")


def define_green_power(m: SitingModel) -> None:
    """Green power for new MW in the hub nodes: ``γ Σ_{s∈S_p} 8.76 PUE_s x_s ≤ GREEN_p``."""
    inst = m.instance
    for p in range(len(inst.policy.green.names)):
        sites = np.flatnonzero(inst.policy.green.coef[p] > 0)
        expr = pulp.LpAffineExpression(
            [(m.build[s], float(inst.policy.green.coef[p, s])) for s in sites]
        )
        m.problem.addConstraint(expr <= float(inst.policy.green.supply_gwh[p]), f"green_power_{p}")


def define_forcing(m: SitingModel, forcing: Sequence[Forcing]) -> None:
    """Make given sites host at least given MW of a workload."""
    site_pairs = pairs_by(m.instance.pairs.site, m.instance.n_sites)
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

    When maximising margin, rental revenue per MW hosted is subtracted (cost − revenue);
    compute vouchers are subtracted at their value per MW.

    Returns
    -------
    list of (variable, coefficient)
        Coefficients in :data:`OBJECTIVE_UNIT` per unit of the variable.
    """
    inst = m.instance
    unit = (inst.sites.unit_opex - inst.rent[:, None] * inst.maximise_margin) / OBJECTIVE_UNIT
    serve_cost = unit[inst.pair_workload, inst.pairs.site] + inst.pairs.cost / OBJECTIVE_UNIT
    terms = list(zip(m.open, (inst.sites.fixed_cost / OBJECTIVE_UNIT).tolist(), strict=True))
    terms += zip(m.build, (inst.sites.capex_cost / OBJECTIVE_UNIT).tolist(), strict=True)
    terms += zip(m.train, unit[0].tolist(), strict=True)
    terms += zip(m.serve, serve_cost.tolist(), strict=True)
    terms += zip(
        m.voucher, (-inst.policy.vouchers.cny_per_mw / OBJECTIVE_UNIT).tolist(), strict=True
    )
    if m.elastic:
        worst = max(
            float(
                np.max(inst.sites.capex_cost, initial=0) + np.max(inst.sites.unit_opex, initial=0)
            ),
            float(np.max(inst.pairs.cost, initial=0)),
            1.0,
        )
        penalty = SHORTFALL_PENALTY * worst / OBJECTIVE_UNIT
        terms += [(v, penalty) for v in m.shortfall]
    return terms
