"""The multi-period MILP (``docs/model.md``, "Multi-period model"), built as arrays.

One function per family, each adding its columns or rows to a
:class:`~siting.model.arrays.Builder` with vectorised NumPy. Each year is a second stage of the
single-period model over the year's arrays (:meth:`~siting.horizon.Horizon.year_instance`),
composed of the single-period families of :mod:`siting.model.families`: its columns
(:func:`~siting.model.families.define_columns`, through :func:`define_year_columns`) and its
demand, pair–open, training cluster, staff, failover, voucher and green-power rows
(:data:`YEAR_FAMILIES`, through :func:`define_year_rows`), names prefixed ``y0_``, ``y1_``...
What is new over the years: orders by class and year, use by class (and installed MW held as
failover reserve), conversion of installed MW to demand MW, capacity per class, headroom after
retirement, sites that stay open, the new MW in service a year's green power counts, and the
discounted objective with standby cost.
:func:`build_horizon_model` composes them; columns are then put in name order and rows in the
order the families added them, as the multi-period model had them when it was built in PuLP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from siting.horizon import Horizon
from siting.instance import Instance
from siting.model.arrays import ArrayModel, Builder, Layout
from siting.model.base import OBJECTIVE_UNIT
from siting.model.families import (
    Columns,
    define_columns,
    define_failover,
    define_green_power,
    define_inference_demand,
    define_pair_open,
    define_staff,
    define_training_cluster,
    define_training_demand,
    define_vouchers,
    voucher_value,
)

#: Column indices over some axes of the model; ``-1`` where the variable does not exist.
Grid = np.ndarray

#: The single-period families each year is written with, in row order (the last three write
#: no row unless the scenario sets failover, vouchers or green power).
YEAR_FAMILIES = (
    define_inference_demand,
    define_training_demand,
    define_pair_open,
    define_training_cluster,
    define_staff,
    define_failover,
    define_vouchers,
    define_green_power,
)


@dataclass
class HorizonModel:
    """A built multi-period model and where its variables are.

    Attributes
    ----------
    arrays
        The model (columns in name order); one layout per year (``open`` = ``y_st``,
        ``train`` = ``t_st``, ``serve`` = ``f_hst``, ``shortfall`` = ``ξ``; no ``build``:
        the orders are below).
    horizon
        The arrays it was built from.
    open, train, hosts
        ``y_st``, ``t_st``, ``z_st``: columns per site and year, shape (S, T).
    serve
        ``f_kt``: columns per pair and year, shape (K, T).
    shortfall
        ``ξ``: columns of unmet demand per stream, then training, per year, shape (G + 1, T);
        no rows unless the horizon has a penalty.
    order
        ``x_skτ``: columns, shape (S, C, T).
    use
        ``u^T_skt`` and ``u^q_skt`` (one row per service class ``q``): columns, shape
        (1 + Q, S, C, T).
    reserve, held
        Failover: ``r_kt`` per pair and year, shape (K, T), and ``u^R_skt``, installed MW
        held for it, shape (S, C, T); ``-1`` without a failover share.
    voucher
        ``w_vt`` per voucher issuer and year, shape (V, T).
    new
        ``n_st``: new MW in service, shape (S, T), only at sites a green-power row counts
        (``-1`` elsewhere).
    """

    arrays: ArrayModel
    horizon: Horizon
    open: Grid
    train: Grid
    hosts: Grid
    serve: Grid
    shortfall: Grid
    order: Grid
    use: Grid
    reserve: Grid
    held: Grid
    voucher: Grid
    new: Grid


def build_horizon_model(horizon: Horizon) -> HorizonModel:
    """Build the multi-period MILP of a horizon (perfect foresight over its years).

    Parameters
    ----------
    horizon
        Arrays over sites, classes and years; with ``penalty > 0`` demand may go unmet at
        that cost per MW and year.

    Returns
    -------
    HorizonModel
    """
    h = horizon
    b = Builder()
    years = [h.year_instance(t) for t in range(h.n_years)]
    stages = [define_year_columns(b, h, inst, t) for t, inst in enumerate(years)]
    m = _Building.of(h, years, stages)
    m.order = define_orders(b, h)
    m.use = define_use(b, m)
    m.held = define_held(b, m)
    m.new = define_new_in_service(b, m)
    for t, (inst, v) in enumerate(zip(years, stages, strict=True)):
        define_year_rows(b, m, v, inst, h.year_instance(t, training=True), m.new[:, t])
    define_conversion(b, m)
    define_reserve_conversion(b, m)
    define_class_capacity(b, m)
    define_period_headroom(b, m)
    define_open_stays(b, m)
    arrays = b.finish([v.layout(inst) for inst, v in zip(years, stages, strict=True)])
    arrays.cost = period_cost(m, arrays.n_cols)
    if h.must_open is not None:
        arrays.col_lower[m.open[h.must_open, 0]] = 1.0
    return _in_name_order(m, arrays, m.row_order(b.n_rows))


_NONE = np.zeros(0, np.int64)


@dataclass
class _Building(HorizonModel):
    """A model being built: the grids, and where the rows go in the finished order."""

    #: Row runs ``cluster_min_s`` then ``cluster_max_s``, put in the order site by site.
    interleaved: tuple[np.ndarray, ...] = ()

    @classmethod
    def of(cls, h: Horizon, years: list[Instance], stages: list[Columns]) -> _Building:
        """Stack each year's columns into grids over the years (no orders or use yet)."""

        def grid(name: str) -> Grid:
            return np.stack([getattr(v, name) for v in stages], axis=1)

        short = [
            v.shortfall if v.elastic else np.full(inst.n_streams + 1, -1, np.int64)
            for inst, v in zip(years, stages, strict=True)
        ]
        return cls(
            None,  # type: ignore[arg-type]  # the arrays come when the model is finished
            h,
            grid("open"),
            grid("train"),
            grid("hosts"),
            grid("serve"),
            np.stack(short, axis=1),
            _NONE,
            _NONE,
            grid("reserve"),
            _NONE,
            grid("voucher"),
            _NONE,
        )

    def row_order(self, n_rows: int) -> np.ndarray:
        """Rows in the order of their families, interleaved runs site by site."""
        order = np.arange(n_rows, dtype=np.int64)
        for rows in self.interleaved:
            low, high = np.split(rows, 2)
            order[rows] = np.stack([low, high], axis=1).ravel()
        return order


def define_year_columns(b: Builder, h: Horizon, inst: Instance, t: int) -> Columns:
    """Add year ``t``'s second stage over its arrays ``inst``: ``y_st`` (binary) and the rest.

    ``y_st`` is named ``open_s_yt``; the rest are the single-period second stage
    (:func:`~siting.model.families.define_columns`, names prefixed ``yt_``): ``t_st``,
    ``z_st``, ``f_kt`` and ``ξ`` (if the horizon has a penalty), bounds included. Sites that
    may only serve inference get ``t_st ≤ 0`` and ``z_st ≤ 0``. No ``x``: the orders are
    :func:`define_orders`.
    """
    sites = np.arange(inst.n_sites, dtype=np.int64)
    y = b.add_cols(("open_", _joined(sites, f"_y{t}")), 0.0, 1.0, integer=True)
    no_build = np.full(inst.n_sites, -1, np.int64)
    may_train = None if h.inference_only is None else ~h.inference_only
    return define_columns(
        b, inst, (y, no_build), elastic=h.penalty > 0, tag=f"y{t}_", may_train=may_train
    )


def define_orders(b: Builder, h: Horizon) -> Grid:
    """Add ``x_skτ ≥ 0``: MW of class ``k`` ordered at ``s`` in ``τ`` (in service by ``t_n``).

    Upper bound ``G_s + Ē_s``, the most a site's grid can ever take.
    """
    ceiling = h.base.sites.headroom_mw + h.peak_existing
    orderable = np.array(
        [[h.can_order(k, tau) for tau in range(h.n_years)] for k in range(h.n_accelerator_classes)],
        bool,
    )
    orderable &= ~dominated_classes(h)[:, None]
    on = (ceiling[:, None, None] > 0) & orderable[None]
    order = np.full(on.shape, -1, np.int64)
    s, k, tau = np.nonzero(on)
    order[on] = b.add_cols(("order_", _joined(s, "_", k, "_y", tau)), 0, ceiling[s])
    return order


def dominated_classes(h: Horizon) -> np.ndarray:
    """Classes never worth ordering: another buildable class does as much for as little.

    Class ``k`` is dominated by ``k'`` if ``r = max_w φ_wk / φ_wk' ≤ 1`` (``k'`` at least as
    capable for training and for serving) and ``K_sk'τ · r ≤ K_skτ`` everywhere (``r`` MW of
    ``k'`` cost no more than one of ``k``), with the same lead time and the same years in
    service within the horizon; exact only when minimising cost with running cost per MW used
    at least the standby cost (``o_ws ≥ β_s``): then moving an order to ``k'`` (``r`` of the
    MW) and each workload's use (``φ_wk/φ_wk'`` of it) serves the same demand MW and never
    costs more (``docs/model.md``). Otherwise no class is dominated. Ties keep the first class.
    """
    out = np.zeros(h.n_accelerator_classes, bool)
    if h.base.maximise_margin or (h.base.sites.unit_opex < h.standby[None, :]).any():
        return out
    serves = in_service(h)
    for k, k2 in np.ndindex(h.n_accelerator_classes, h.n_accelerator_classes):
        if k == k2 or not (h.buildable[k] and h.buildable[k2]) or out[k2]:
            continue
        r = float((h.factor[:, k] / h.factor[:, k2]).max())
        scaled = h.capex[:, k2] * r
        better = (
            r <= 1.0
            and (scaled <= h.capex[:, k]).all()
            and h.lead[k2] == h.lead[k]
            and np.array_equal(serves[k2], serves[k])
        )
        strictly = r < 1.0 or (scaled < h.capex[:, k]).any() or k2 < k
        out[k] |= better and strictly
    return out


def in_service(h: Horizon) -> np.ndarray:
    """Whether an order of class ``k`` placed in ``τ`` serves in ``t``, shape (C, T, T)."""
    return _per_order_year(h, h.in_service)


def pays_capex(h: Horizon) -> np.ndarray:
    """Whether an order of class ``k`` placed in ``τ`` pays its capex in ``t``, shape (C, T, T)."""
    return _per_order_year(h, h.pays)


def _per_order_year(h: Horizon, test: Callable[[int, int, int], bool]) -> np.ndarray:
    """``test(k, τ, t)`` over every class, order year and year, shape (C, T, T)."""
    return np.array(
        [
            [[test(k, tau, t) for t in range(h.n_years)] for tau in range(h.n_years)]
            for k in range(h.n_accelerator_classes)
        ],
        bool,
    )


def new_in_service(m: HorizonModel) -> np.ndarray:
    """Whether site ``s`` can hold new class-``k`` MW in year ``t``, shape (S, C, T)."""
    return ((m.order >= 0)[:, :, :, None] & in_service(m.horizon)[None]).any(axis=2)


def _workload_tags(workloads: int) -> list[str]:
    """``T`` for training, ``I`` for one inference class, ``I0``, ``I1``, ... for several."""
    return ["T"] + (["I"] if workloads == 2 else [f"I{q}" for q in range(workloads - 1)])


def _hosted(b: Builder, m: HorizonModel) -> np.ndarray:
    """Whether site ``s`` can host workload ``w`` in year ``t``, shape (1 + Q, S, T).

    Training where its bound is above 0; a service class where it has an admissible pair.
    """
    h = m.horizon
    out = np.zeros((1 + h.base.n_service_classes, h.base.n_sites, h.n_years), bool)
    out[h.base.pair_workload, h.base.pairs.site] = True
    upper = np.concatenate([np.broadcast_to(np.asarray(c[3], float), len(c[0][1])) for c in b.cols])
    out[0] = upper[m.train] > 0
    return out


def define_use(b: Builder, m: _Building) -> Grid:
    """Add ``u^T_skt, u^q_skt ≥ 0``: installed class-``k`` MW used for training, service class q.

    One inference row per service class ``q`` (its running cost and rent are its own). Only
    where the class can hold capacity in that year (existing or ordered in time) and the site
    can host the workload (a training bound above 0; an admissible pair of the service class).
    """
    h = m.horizon
    ceiling = h.base.sites.headroom_mw + h.peak_existing
    holds = (h.existing > 0) | new_in_service(m)
    hosted = _hosted(b, m)
    workloads = len(hosted)
    on = holds[None] & hosted[:, :, None, :]
    # PuLP's order: year, site, class, workload
    t, s, k, w = np.nonzero(on.transpose(3, 1, 2, 0))
    tags = np.array(_workload_tags(workloads))
    use = np.full(on.shape, -1, np.int64)
    use[w, s, k, t] = b.add_cols(("use_", _joined(tags[w], "_", s, "_", k, "_y", t)), 0, ceiling[s])
    return use


def _reserving(m: HorizonModel) -> np.ndarray:
    """Whether site ``s`` holds failover reserve for some stream in year ``t``, shape (S, T)."""
    h = m.horizon
    out = np.zeros((h.base.n_sites, h.n_years), bool)
    k, t = np.nonzero(m.reserve >= 0)
    out[h.base.pairs.site[k], t] = True
    return out


def define_held(b: Builder, m: _Building) -> Grid:
    """Add ``u^R_skt ≥ 0``: installed class-``k`` MW held idle as failover reserve.

    Only where site ``s`` holds reserve in year ``t`` and class ``k`` can hold MW there then
    (existing or ordered in time); bounded as the use, ``G_s + Ē_s``. No running cost: held MW
    are idle and pay the standby cost of installed MW (:func:`period_cost`).
    """
    h = m.horizon
    ceiling = h.base.sites.headroom_mw + h.peak_existing
    on = _reserving(m)[:, None, :] & ((h.existing > 0) | new_in_service(m))
    t, s, k = np.nonzero(on.transpose(2, 0, 1))
    held = np.full(on.shape, -1, np.int64)
    held[s, k, t] = b.add_cols(("held_", _joined(s, "_", k, "_y", t)), 0, ceiling[s])
    return held


def define_new_in_service(b: Builder, m: _Building) -> Grid:
    """Add ``n_st = Σ_k N_skt``, the new MW in service, at the sites a green-power row counts.

    Row ``count_new_s_yt``: ``n_st - Σ_k Σ_{τ∈B^k_t} x_skτ = 0``. A year's green-power rows
    (:func:`~siting.model.families.define_green_power`) read ``n_st`` as the single-period
    ``x_s``; without green power no column or row.
    """
    h = m.horizon
    green = h.base.policy.green
    counted: np.ndarray = np.zeros(h.base.n_sites, bool)
    if len(green.names):
        counted = np.asarray((green.coef > 0).any(axis=0))  # (S,): the stubs allow a scalar
    t, s = np.nonzero(np.broadcast_to(counted, (h.n_years, h.base.n_sites)))
    new = np.full((h.base.n_sites, h.n_years), -1, np.int64)
    new[s, t] = b.add_cols(("new_mw_", _joined(s, "_y", t)), 0.0, np.inf)
    row = np.full(new.shape, -1, np.int64)
    row[s, t] = b.add_rows(("count_new_", _joined(s, "_y", t)), 0.0, 0.0)
    b.add_entries(row[s, t], new[s, t], 1.0)
    s, k, tau, t = np.nonzero(
        (m.order >= 0)[:, :, :, None] & in_service(h)[None] & (row >= 0)[:, None, None, :]
    )
    b.add_entries(row[s, t], m.order[s, k, tau], -1.0)
    return new


def define_year_rows(
    b: Builder, m: _Building, v: Columns, inst: Instance, training: Instance, new: Grid
) -> None:
    """Add one year's single-period rows: the families of :data:`YEAR_FAMILIES` over its columns.

    Inference demand ``Σ_s f_qhs (+ ξ_qh) = D_qht`` (``≤`` for margin), training demand
    ``Σ_s t_st (+ ξ^T_t) = T_t``, pair–open ``f_k ≤ ū_k y_st``, training cluster
    ``L z_st ≤ t_st ≤ C_s z_st``, staff ``Σ_{s∈p} (σ_T t_st + Σ σ_q f_qhst) ≤ A_p``, failover
    ``f_kt + r_kt ≤ m_gt``, ``Σ_k (f_kt + r_kt) - m_gt ≥ α_g D_gt``, vouchers
    ``w_vt ≤ Σ_{s∈S_v} (t_st + Σ f_qhst)`` and green power ``Σ_{s∈S_p} γ 8.76 PUE_s n_st ≤
    GREEN_p``, each written once in :mod:`siting.model.families`; ``inst`` is the year's
    arrays, ``training`` the same with the capacity of the training capability
    (``C_s = φ̄^T (Ē_s + G_s)``, the cluster bound), ``new`` the year's ``n_st``
    (:func:`define_new_in_service`), the green-power rows' ``x_s``.
    """
    for family in YEAR_FAMILIES:
        first = b.n_rows
        if family is define_training_cluster:
            family(b, v, training)
            m.interleaved += (np.arange(first, b.n_rows, dtype=np.int64),)
        elif family is define_green_power:
            family(b, replace(v, build=new), inst)
        else:
            family(b, v, inst)


def define_conversion(b: Builder, m: HorizonModel) -> None:
    """Turn installed MW used into demand MW served, with each workload's capability.

    ``t_st = Σ_k φ^T_k u^T_skt`` and, per service class, ``Σ_h f_qhst = Σ_k φ^I_k u^q_skt``; a
    row only where the site can host the workload.
    """
    h = m.horizon
    hosted = _hosted(b, m)
    workloads = len(hosted)
    # PuLP's order: year, site, workload
    t, s, w = np.nonzero(hosted.transpose(2, 1, 0))
    tags = np.array(_workload_tags(workloads))
    rows = b.add_rows(("convert_", _joined(tags[w], "_", s, "_y", t)), 0.0, 0.0)
    row = np.full(hosted.shape, -1, np.int64)
    row[w, s, t] = rows
    pair_row = row[h.base.pair_workload, h.base.pairs.site]  # (K, T)
    b.add_entries(pair_row, m.serve, 1.0)
    on = row[0] >= 0
    b.add_entries(row[0][on], m.train[on], 1.0)
    w, s, k, t = np.nonzero(m.use >= 0)
    b.add_entries(row[w, s, t], m.use[w, s, k, t], -h.factor[np.minimum(w, 1), k])


def define_reserve_conversion(b: Builder, m: HorizonModel) -> None:
    """Hold each site's failover reserve on installed MW: ``Σ_{k at s} r_kt = Σ_k φ^I_k u^R_skt``.

    Row ``convert_R_s_yt`` where ``s`` holds reserve in ``t`` (reserve is inference capacity).
    """
    h = m.horizon
    reserving = _reserving(m)
    s, t = np.nonzero(reserving)
    row = np.full(reserving.shape, -1, np.int64)
    row[s, t] = b.add_rows(("convert_R_", _joined(s, "_y", t)), 0.0, 0.0)
    k, t = np.nonzero(m.reserve >= 0)
    b.add_entries(row[h.base.pairs.site[k], t], m.reserve[k, t], 1.0)
    s, k, t = np.nonzero(m.held >= 0)
    b.add_entries(row[s, t], m.held[s, k, t], -h.factor[1, k])


def define_class_capacity(b: Builder, m: HorizonModel) -> None:
    """Use installed MW of a class only where it is in service, existing MW only if open.

    ``u^T_skt + u^I_skt (+ u^R_skt) ≤ E_skt y_st + N_skt``, ``N_skt = Σ_{τ ∈ B^k_t} x_skτ``
    (``u^R``: held as failover reserve)
    """
    h = m.horizon
    used = np.any(m.use >= 0, axis=0) | (m.held >= 0)
    s, k, t = np.nonzero(used)
    row = np.full(used.shape, -1, np.int64)
    row[s, k, t] = b.add_rows(("capacity_", _joined(s, "_", k, "_y", t)), -np.inf, 0.0)
    w, s, k, t = np.nonzero(m.use >= 0)
    b.add_entries(row[s, k, t], m.use[w, s, k, t], 1.0)
    s, k, t = np.nonzero(m.held >= 0)
    b.add_entries(row[s, k, t], m.held[s, k, t], 1.0)
    s, k, tau, t = np.nonzero(
        (m.order >= 0)[:, :, :, None] & in_service(m.horizon)[None] & used[:, :, None]
    )
    b.add_entries(row[s, k, t], m.order[s, k, tau], -1.0)
    s, k, t = np.nonzero(used & (h.existing > 0))
    b.add_entries(row[s, k, t], m.open[s, t], -h.existing[s, k, t])


def define_period_headroom(b: Builder, m: HorizonModel) -> None:
    """Fit new MW in service in the grid's headroom plus what retired vintages freed.

    ``Σ_k N_skt ≤ (G_s + Ē_s − Σ_k E_skt) y_st``
    """
    h = m.horizon
    serving = new_in_service(m).any(axis=1)  # (S, T)
    s, t = np.nonzero(serving)
    row = np.full(serving.shape, -1, np.int64)
    row[s, t] = b.add_rows(("headroom_", _joined(s, "_y", t)), -np.inf, 0.0)
    s2, k, tau, t2 = np.nonzero((m.order >= 0)[:, :, :, None] & in_service(m.horizon)[None])
    b.add_entries(row[s2, t2], m.order[s2, k, tau], 1.0)
    room = h.base.sites.headroom_mw + h.peak_existing - h.existing.sum(axis=1).T  # (T, S)
    b.add_entries(row[s, t], m.open[s, t], -room[t, s])


def define_open_stays(b: Builder, m: HorizonModel) -> None:
    """Keep a site open once opened: ``y_st ≤ y_s,t+1`` (``y_s0 = 1`` where it must be open)."""
    n, years = m.open.shape
    t, s = np.nonzero(np.ones((years - 1, n), bool))
    rows = b.add_rows(("stays_open_", _joined(s, "_y", t)), -np.inf, 0.0)
    b.add_entries(rows, m.open[s, t], 1.0)
    b.add_entries(rows, m.open[s, t + 1], -1.0)


def period_cost(m: HorizonModel, n_cols: int) -> np.ndarray:
    """Present value of the horizon's cost (``docs/model.md``), per column.

    Per year ``t`` times ``δ_t``: fixed cost of open sites; capex of every order in the years
    it pays (``P^k_t``: the first ``min(ℓ^a, ℓ_k)`` years of its service) and standby of every
    order in service; running cost of installed MW used (minus rent with the margin
    objective); standby cost of installed MW left idle at open sites (``β_s i_skt``,
    expanded; MW held as failover reserve are idle); network cost of flows; penalty of demand
    not served; minus the compute vouchers' value (``κ_v R^v w_vt``).

    Returns
    -------
    numpy.ndarray
        Cost per column, in :data:`OBJECTIVE_UNIT`.
    """
    h, base = m.horizon, m.horizon.base
    cost = np.zeros(n_cols)
    serving, paying = in_service(h), pays_capex(h)
    has = m.order >= 0
    order_cost = np.zeros(m.order.shape)
    w, s, k, t = np.nonzero(m.use >= 0)
    for year in range(h.n_years):
        d = float(h.discount[year]) * (1.0 / OBJECTIVE_UNIT)
        cost[m.open[:, year]] = d * (h.fixed + h.standby * h.existing[:, :, year].sum(axis=1))
        cost[m.serve[:, year]] = d * base.pairs.cost
        short = m.shortfall[:, year]
        cost[short[short >= 0]] = d * float(h.penalty)
        cost[m.voucher[:, year]] = float(h.discount[year]) * voucher_value(base)
        order_cost += np.where(paying[None, :, :, year] & has, d * h.capex, 0.0)
        order_cost += np.where(serving[None, :, :, year] & has, d * h.standby[:, None, None], 0.0)
        now = t == year
        rent = h.rent[w[now], k[now], year] * base.maximise_margin
        opex = base.sites.unit_opex[w[now], s[now]] - h.standby[s[now]] - rent
        cost[m.use[w[now], s[now], k[now], year]] = d * opex
    cost[m.order[has]] = order_cost[has]
    return cost


def fix_orders(m: HorizonModel, orders: np.ndarray, opened: np.ndarray) -> None:
    """Fix every order to given MW and keep given sites open from the first year.

    Parameters
    ----------
    m
        A built model; its column bounds are changed in place.
    orders
        MW ordered per site, class and year index, shape (S, C, T).
    opened
        Sites open in each year, shape (S, T); they stay open (closing is not undone).
    """
    has = m.order >= 0
    mw = np.maximum(orders[has], 0.0)
    m.arrays.col_lower[m.order[has]] = m.arrays.col_upper[m.order[has]] = mw
    m.arrays.col_lower[m.open[opened]] = 1.0


def _joined(*parts: np.ndarray | str) -> np.ndarray:
    """Names joined element-wise from index arrays and strings (``s, "_y", t`` → ``"3_y0"``)."""
    out = np.asarray(parts[0]).astype(str)
    for part in parts[1:]:
        out = np.char.add(out, np.asarray(part).astype(str))
    return out


def _in_name_order(m: _Building, arrays: ArrayModel, rows: np.ndarray) -> HorizonModel:
    """Put the columns in name order and the rows in ``rows`` order; remap the grids."""
    names = arrays.names("cols")
    cols = np.argsort(names, kind="stable")
    col_pos = np.empty_like(cols)
    col_pos[cols] = np.arange(len(cols))
    row_pos = np.empty_like(rows)
    row_pos[rows] = np.arange(len(rows))
    entry_col = col_pos[arrays.entry_col]
    order = np.lexsort((row_pos[arrays.index], entry_col))
    row_names = arrays.names("rows")[rows]

    def where(grid: Grid) -> Grid:
        return np.where(grid >= 0, col_pos[np.maximum(grid, 0)], -1)

    def where_row(grid: Grid) -> Grid:
        return np.where(grid >= 0, row_pos[np.maximum(grid, 0)], -1)

    layouts = [
        Layout(
            lay.instance,
            where(lay.open),
            lay.build,
            where(lay.train),
            where(lay.serve),
            where_row(lay.pair_row),
            where(lay.shortfall),
        )
        for lay in arrays.scenarios
    ]
    out = ArrayModel(
        cost=arrays.cost[cols],
        col_lower=arrays.col_lower[cols],
        col_upper=arrays.col_upper[cols],
        integer=arrays.integer[cols],
        start=np.searchsorted(entry_col[order], np.arange(len(cols) + 1)).astype(np.int64),
        index=row_pos[arrays.index][order],
        value=arrays.value[order],
        row_lower=arrays.row_lower[rows],
        row_upper=arrays.row_upper[rows],
        col_names=[("", names[cols])],
        row_names=[("", row_names)],
        scenarios=layouts,
    )
    return HorizonModel(
        out,
        m.horizon,
        where(m.open),
        where(m.train),
        where(m.hosts),
        where(m.serve),
        where(m.shortfall),
        where(m.order),
        where(m.use),
        where(m.reserve),
        where(m.held),
        where(m.voucher),
        where(m.new),
    )
