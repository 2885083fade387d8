"""The single-period families in PuLP form, for the multi-period model only.

:mod:`siting.model.periods` still builds through PuLP and applies these year by year; every
other model is built from :mod:`siting.model.families`. They go when the multi-period model
is built from the array families too.
"""

from __future__ import annotations

import numpy as np
import pulp

from siting.model.base import SitingModel
from siting.model.variables import pairs_by


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

    ``Σ_{s∈p} (σ_T t_s + Σ_qh σ_q f_qhs) ≤ A_p``; pools that could staff every site in them
    at full capacity get no constraint.
    """
    inst = m.instance
    sigma = inst.staff_per_mw.astype(float)
    sigma_pair = sigma[inst.pair_workload]
    site_pairs = pairs_by(inst.pair_site, inst.n_sites)
    most = inst.capacity_mw * float(sigma.max())
    for g in range(len(inst.group_names)):
        sites = np.flatnonzero(inst.site_group == g)
        if most[sites].sum() <= inst.staff_available[g]:
            continue
        terms = [(m.train[s], float(sigma[0])) for s in sites]
        terms += [(m.serve[k], float(sigma_pair[k])) for s in sites for k in site_pairs[s]]
        expr = pulp.LpAffineExpression(terms)
        m.problem.addConstraint(expr <= float(inst.staff_available[g]), f"{m.tag}staff_{g}")
