"""The multi-period MILP (``docs/model.md``, "Multi-period model"), built with PuLP.

Each year is a second stage of the single-period model (:func:`second_stage`) over the year's
arrays (:meth:`~siting.horizon.Horizon.year_instance`), so demand, pair–open, training cluster
and staff are the single-period families, applied year by year. What is new lives here, one
function per family: orders by class and year, use by class, conversion of installed MW to
demand MW, capacity per class, headroom after retirement, sites that stay open, and the
discounted objective with standby cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pulp

from siting.horizon import Horizon
from siting.model.base import OBJECTIVE_UNIT, SitingModel, Terms, summed
from siting.model.constraints import (
    define_inference_demand,
    define_pair_open,
    define_staff,
    define_training_cluster,
    define_training_demand,
)
from siting.model.variables import pairs_by, second_stage

#: Variable grid over (site, class, year); ``None`` where the variable cannot be non-zero.
Grid = np.ndarray


@dataclass
class PeriodModel:
    """A built multi-period model and its variables.

    Attributes
    ----------
    problem
        The PuLP problem.
    horizon
        The arrays it was built from.
    years
        One single-period model per year (``open`` = ``y_st``, ``train`` = ``t_st``, ``serve``
        = ``f_hst``, ``shortfall`` = ``ξ``); their ``build`` is empty (orders are below).
    order
        ``x_skτ``, object array (S, C, T) of variables or ``None``.
    use
        ``u^T_skt`` and ``u^q_skt`` (one row per service class ``q``), object array
        (1 + Q, S, C, T) of variables or ``None``.
    """

    problem: pulp.LpProblem
    horizon: Horizon
    years: list[SitingModel]
    order: Grid
    use: Grid


def build_period_model(horizon: Horizon) -> PeriodModel:
    """Build the multi-period MILP of a horizon (perfect foresight over its years).

    Parameters
    ----------
    horizon
        Arrays over sites, classes and years; with ``penalty > 0`` demand may go unmet at
        that cost per MW and year.

    Returns
    -------
    PeriodModel
    """
    h = horizon
    prob = pulp.LpProblem("siting_periods", pulp.LpMinimize)
    n = h.base.n_sites
    opened = [
        [prob.add_variable(f"open_{s}_y{t}", 0, 1, pulp.LpBinary) for s in range(n)]
        for t in range(h.n_years)
    ]
    years = [
        second_stage(prob, h.year_instance(t), opened[t], [], elastic=h.penalty > 0, tag=f"y{t}_")
        for t in range(h.n_years)
    ]
    model = PeriodModel(prob, h, years, define_orders(prob, h), np.empty(0, dtype=object))
    define_inference_only(model)
    model.use = define_use(model)
    for year in years:
        define_inference_demand(year)
        define_training_demand(year)
        define_pair_open(year)
        define_training_cluster(year)
        define_staff(year)
    define_conversion(model)
    define_class_capacity(model)
    define_period_headroom(model)
    define_open_stays(model)
    prob.setObjective(summed(period_objective_terms(model)))
    return model


def define_orders(prob: pulp.LpProblem, h: Horizon) -> Grid:
    """Add ``x_skτ ≥ 0``: MW of class ``k`` ordered at ``s`` in ``τ`` (in service by ``t_n``).

    Upper bound ``G_s + Ē_s``, the most a site's grid can ever take.
    """
    ceiling = h.base.sites.headroom_mw + h.peak_existing
    order = np.full((h.base.n_sites, h.n_accelerator_classes, h.n_years), None, dtype=object)
    dominated = dominated_classes(h)
    for s, k, tau in np.ndindex(order.shape):
        if ceiling[s] > 0 and h.can_order(k, tau) and not dominated[k]:
            order[s, k, tau] = prob.add_variable(f"order_{s}_{k}_y{tau}", 0, float(ceiling[s]))
    return order


def dominated_classes(h: Horizon) -> np.ndarray:
    """Classes never worth ordering: another buildable class does as much for as little.

    Class ``k`` is dominated by ``k'`` if ``k'`` serves at least as many demand MW per MW
    (``φ_k' ≥ φ_k``), costs no more per demand MW (``K_sk'τ / φ_k' ≤ K_skτ / φ_k``
    everywhere), has the same lead time and at least the life; exact only when minimising cost
    with running cost per MW used at least the standby cost (``o_ws ≥ β_s``): then moving an
    order and its use to ``k'`` (``φ_k/φ_k'`` of the MW) never costs more. Otherwise no class
    is dominated. Ties keep the first class.
    """
    out = np.zeros(h.n_accelerator_classes, bool)
    if h.base.maximise_margin or (h.base.sites.unit_opex < h.standby[None, :]).any():
        return out
    for k, k2 in np.ndindex(h.n_accelerator_classes, h.n_accelerator_classes):
        if k == k2 or not (h.buildable[k] and h.buildable[k2]) or out[k2]:
            continue
        per_mw, per_mw2 = h.capex[:, k] * h.factor[k2], h.capex[:, k2] * h.factor[k]
        better = (
            h.factor[k2] >= h.factor[k]
            and (per_mw2 <= per_mw).all()
            and h.lead[k2] == h.lead[k]
            and h.life[k2] >= h.life[k]
        )
        strictly = (
            h.factor[k2] > h.factor[k]
            or (per_mw2 < per_mw).any()
            or h.life[k2] > h.life[k]
            or k2 < k
        )
        out[k] |= better and strictly
    return out


def define_inference_only(m: PeriodModel) -> None:
    """Keep training off the sites that may only serve inference: ``t_st = 0``, ``z_st = 0``."""
    if m.horizon.inference_only is None:
        return
    for year in m.years:
        for s in np.flatnonzero(m.horizon.inference_only):
            year.train[s].upBound = 0.0
            if year.hosts_training[s] is not None:
                year.hosts_training[s].upBound = 0.0


def define_use(m: PeriodModel) -> Grid:
    """Add ``u^T_skt, u^q_skt ≥ 0``: installed class-``k`` MW used for training, service class q.

    One inference row per service class ``q`` (its running cost and rent are its own). Only
    where the class can hold capacity in that year (existing or ordered in time) and the site
    can host the workload (a training bound above 0; an admissible pair of the service class).
    """
    h = m.horizon
    n, c, years = h.base.n_sites, h.n_accelerator_classes, h.n_years
    workloads = 1 + h.base.n_service_classes
    use = np.full((workloads, n, c, years), None, dtype=object)
    ceiling = h.base.sites.headroom_mw + h.peak_existing
    has_pairs = np.zeros((workloads, n), bool)
    has_pairs[h.base.pair_workload, h.base.pairs.site] = True
    for t, year in enumerate(m.years):
        has_pairs[0] = [(v.upBound or 0.0) > 0 for v in year.train]
        for s, k in np.ndindex(n, c):
            if h.existing[s, k, t] <= 0 and not _in_service(m, s, k, t):
                continue
            for w in np.flatnonzero(has_pairs[:, s]):
                name = f"use_{_workload_tag(w, workloads)}_{s}_{k}_y{t}"
                use[w, s, k, t] = m.problem.add_variable(name, 0, float(ceiling[s]))
    return use


def _workload_tag(w: int, workloads: int) -> str:
    """``T`` for training, ``I`` for one inference class, ``I0``, ``I1``, ... for several."""
    return "T" if w == 0 else "I" if workloads == 2 else f"I{w - 1}"


def define_conversion(m: PeriodModel) -> None:
    """Turn installed MW used into demand MW served.

    ``t_st = Σ_k φ_k u^T_skt`` and, per service class, ``Σ_h f_qhst = Σ_k φ_k u^q_skt``
    """
    h = m.horizon
    site_pairs = pairs_by(h.base.pairs.site, h.base.n_sites)
    workload = h.base.pair_workload
    workloads = m.use.shape[0]
    factor = h.factor.tolist()
    for t, year in enumerate(m.years):
        for s in range(h.base.n_sites):
            served: list[Terms] = [[] for _ in range(workloads)]
            for k in site_pairs[s]:
                served[workload[k]].append((year.serve[k], 1.0))
            if (year.train[s].upBound or 0.0) > 0:
                served[0].append((year.train[s], 1.0))
            for w, hosted in enumerate(served):
                if not hosted:  # nothing to serve: its use variables do not exist either
                    continue
                used = [(u, -factor[k]) for k, u in enumerate(m.use[w, s, :, t]) if u is not None]
                expr = pulp.LpAffineExpression(hosted + used)
                tag = _workload_tag(w, workloads)
                m.problem.addConstraint(expr == 0, f"convert_{tag}_{s}_y{t}")


def define_class_capacity(m: PeriodModel) -> None:
    """Use installed MW of a class only where it is in service, existing MW only if open.

    ``u^T_skt + u^I_skt ≤ E_skt y_st + N_skt``, ``N_skt = Σ_{τ ∈ B^k_t} x_skτ``
    """
    h = m.horizon
    for s, k, t in np.ndindex(h.base.n_sites, h.n_accelerator_classes, h.n_years):
        used = [(u, 1.0) for u in m.use[:, s, k, t] if u is not None]
        if not used:
            continue
        terms = used + [(x, -1.0) for _, x in _in_service(m, s, k, t)]
        if h.existing[s, k, t] > 0:
            terms.append((m.years[t].open[s], -float(h.existing[s, k, t])))
        m.problem.addConstraint(pulp.LpAffineExpression(terms) <= 0, f"capacity_{s}_{k}_y{t}")


def define_period_headroom(m: PeriodModel) -> None:
    """Fit new MW in service in the grid's headroom plus what retired vintages freed.

    ``Σ_k N_skt ≤ (G_s + Ē_s − Σ_k E_skt) y_st``
    """
    h = m.horizon
    peak = h.peak_existing
    for s, t in np.ndindex(h.base.n_sites, h.n_years):
        terms = [
            (x, 1.0) for k in range(h.n_accelerator_classes) for _, x in _in_service(m, s, k, t)
        ]
        if not terms:
            continue
        room = float(h.base.sites.headroom_mw[s] + peak[s] - h.existing[s, :, t].sum())
        terms.append((m.years[t].open[s], -room))
        m.problem.addConstraint(pulp.LpAffineExpression(terms) <= 0, f"headroom_{s}_y{t}")


def define_open_stays(m: PeriodModel) -> None:
    """Keep a site open once opened: ``y_st ≤ y_s,t+1``; ``y_st = 1`` where it must be open."""
    h = m.horizon
    for t in range(h.n_years - 1):
        for s in range(h.base.n_sites):
            expr = pulp.LpAffineExpression(
                [(m.years[t].open[s], 1.0), (m.years[t + 1].open[s], -1.0)]
            )
            m.problem.addConstraint(expr <= 0, f"stays_open_{s}_y{t}")
    if h.must_open is not None:
        for s in np.flatnonzero(h.must_open):
            m.years[0].open[s].lowBound = 1


def period_objective_terms(m: PeriodModel) -> Terms:
    """Present value of the horizon's cost (``docs/model.md``), repeated variables to be summed.

    Per year ``t`` times ``δ_t``: fixed cost of open sites; capex of every order in service;
    running cost of installed MW used (minus rent with the margin objective); standby cost of
    installed MW left idle at open sites (``β_s i_skt``, expanded); network cost of flows;
    penalty of demand not served.

    Returns
    -------
    list of (variable, coefficient)
        Coefficients in :data:`OBJECTIVE_UNIT`; a variable may appear more than once.
    """
    h, base = m.horizon, m.horizon.base
    unit = 1.0 / OBJECTIVE_UNIT
    opex = base.sites.unit_opex
    terms: Terms = []
    for t, year in enumerate(m.years):
        d = float(h.discount[t]) * unit
        standby_open = h.fixed + h.standby * h.existing[:, :, t].sum(axis=1)
        terms += [(y, d * float(c)) for y, c in zip(year.open, standby_open, strict=True)]
        terms += [(f, d * float(c)) for f, c in zip(year.serve, base.pairs.cost, strict=True)]
        terms += [(v, d * float(h.penalty)) for v in year.shortfall]
        for s, k in np.ndindex(base.n_sites, h.n_accelerator_classes):
            for tau, x in _in_service(m, s, k, t):
                terms.append((x, d * float(h.capex[s, k, tau] + h.standby[s])))
            for w in range(m.use.shape[0]):
                u = m.use[w, s, k, t]
                if u is not None:
                    rent = h.rent[w, k, t] * base.maximise_margin
                    terms.append((u, d * float(opex[w, s] - h.standby[s] - rent)))
    return terms


def fix_orders(m: PeriodModel, orders: np.ndarray, opened: np.ndarray) -> None:
    """Fix every order to given MW and keep given sites open from the first year.

    Parameters
    ----------
    m
        A built model; changed in place.
    orders
        MW ordered per site, class and year index, shape (S, C, T).
    opened
        Sites open in each year, shape (S, T); they stay open (closing is not undone).
    """
    for idx, x in np.ndenumerate(m.order):
        if x is not None:
            x.lowBound = x.upBound = max(float(orders[idx]), 0.0)
    for (s, t), value in np.ndenumerate(opened):
        if value:
            m.years[t].open[s].lowBound = 1


def _in_service(m: PeriodModel, s: int, k: int, t: int) -> list[tuple[int, pulp.LpVariable]]:
    """Return ``(τ, x_skτ)`` for the orders of ``(s, k)`` in service in year index ``t``."""
    h = m.horizon
    return [
        (tau, x) for tau in range(h.n_years)
        if (x := m.order[s, k, tau]) is not None and h.in_service(k, tau, t)
    ]  # fmt: skip
