"""The same MILP as arrays: the fast build, and the form every array solver path reads.

:func:`build_arrays` writes the model of :func:`~siting.model.build_model` straight into
column-wise (CSC) arrays with vectorised NumPy, without PuLP objects; at county scale it is
tens of times faster than building through PuLP. :func:`from_pulp` reads any PuLP problem
(robust models, fixed plans) into the same form. Both name every column and row as PuLP does,
so the two builds can be compared entry by entry (``tests/test_model.py``).

The model is ``min c·x`` subject to ``row_lower ≤ A x ≤ row_upper`` and
``col_lower ≤ x ≤ col_upper``, ``x_j`` integer where ``integer[j]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pulp

from siting.instance import WORKLOADS, Instance
from siting.model.base import OBJECTIVE_UNIT, SHORTFALL_PENALTY, Forcing, SitingModel
from siting.model.classic import classic_arrays, classic_only, site_count_rows

IndexArray = np.ndarray

#: A run of names: ``prefix + str(i)`` for each ``i`` (a lone name when ``i`` is ``""``).
Names = tuple[str, np.ndarray]


@dataclass
class Layout:
    """Where one scenario's variables sit among the columns (indices; ``-1`` where absent).

    Attributes
    ----------
    instance
        The scenario's instance.
    open, build, train, serve
        Columns of ``y_s``, ``x_s``, ``t_s`` (per site) and ``f_k`` (per pair); ``-1`` where a
        variable has no column (its value is 0: ``x_s``, ``t_s`` of a classic model).
    pair_row
        Row of each pair's ``pair_open`` constraint, ``-1`` where it has none.
    shortfall
        Columns of the elastic model's unmet demand (per hub, then training); empty otherwise.
    """

    instance: Instance
    open: IndexArray
    build: IndexArray
    train: IndexArray
    serve: IndexArray
    pair_row: IndexArray
    shortfall: IndexArray = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass
class ArrayModel:
    """A MILP as arrays (see the module docstring), in objective units.

    Attributes
    ----------
    cost, col_lower, col_upper, integer
        Per column.
    start, index, value
        The constraint matrix, column-wise: column ``j``'s entries are
        ``index[start[j]:start[j+1]]`` (rows) and ``value[...]``.
    row_lower, row_upper
        Per row (``±inf`` where open).
    col_names, row_names
        Runs of names (:data:`Names`), in column and row order.
    scenarios
        Where each scenario's variables are.
    """

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_names: list[Names]
    row_names: list[Names]
    scenarios: list[Layout]
    elastic: bool = False
    forcing: tuple[Forcing, ...] = ()

    @property
    def n_cols(self) -> int:
        """Number of columns (variables)."""
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        """Number of rows (constraints)."""
        return len(self.row_lower)

    @property
    def is_mip(self) -> bool:
        """Whether any column is integer."""
        return bool(self.integer.any())

    def names(self, which: str) -> np.ndarray:
        """Every column's (``"cols"``) or row's (``"rows"``) name, as PuLP names it."""
        runs = self.col_names if which == "cols" else self.row_names
        parts = [np.char.add(prefix, ids.astype(str)) for prefix, ids in runs]
        return np.concatenate(parts) if parts else np.zeros(0, str)

    @cached_property
    def entry_col(self) -> np.ndarray:
        """Column of each matrix entry."""
        return np.repeat(np.arange(self.n_cols, dtype=np.int64), np.diff(self.start))

    def transpose_product(self, y: np.ndarray) -> np.ndarray:
        """``Aᵀ y``: each column's entries weighted by ``y`` of their rows, summed."""
        return np.bincount(self.entry_col, self.value * y[self.index], self.n_cols)

    def subset(self, cols: np.ndarray, rows: np.ndarray) -> ArrayModel:
        """Restrict the model to some columns (others fixed at 0) and rows (others dropped).

        Parameters
        ----------
        cols, rows
            Sorted indices to keep.

        Returns
        -------
        ArrayModel
            Columns and rows renumbered in the given order; no names or layouts.
        """
        col_pos = np.full(self.n_cols, -1, dtype=np.int64)
        col_pos[cols] = np.arange(len(cols))
        row_pos = np.full(self.n_rows, -1, dtype=np.int64)
        row_pos[rows] = np.arange(len(rows))
        keep = (col_pos[self.entry_col] >= 0) & (row_pos[self.index] >= 0)
        entry_col = col_pos[self.entry_col[keep]]
        return ArrayModel(
            cost=self.cost[cols],
            col_lower=self.col_lower[cols],
            col_upper=self.col_upper[cols],
            integer=self.integer[cols],
            start=np.searchsorted(entry_col, np.arange(len(cols) + 1)).astype(np.int64),
            index=row_pos[self.index[keep]],
            value=self.value[keep],
            row_lower=self.row_lower[rows],
            row_upper=self.row_upper[rows],
            col_names=[],
            row_names=[],
            scenarios=[],
        )


class Builder:
    """Collects columns and coordinate-form entries, then packs them column-wise."""

    def __init__(self) -> None:
        self.cols: list[tuple[Names, np.ndarray, np.ndarray, np.ndarray, bool]] = []
        self.n_cols = 0
        self.rows: list[tuple[Names, np.ndarray, np.ndarray]] = []
        self.n_rows = 0
        self.entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add_cols(
        self,
        names: Names,
        cost: np.ndarray | float,
        upper: np.ndarray | float,
        *,
        integer: bool = False,
    ) -> IndexArray:
        """Add a run of columns (lower bound 0); return their indices."""
        n = len(names[1])
        self.cols.append((names, cost, 0.0, upper, integer))
        self.n_cols += n
        return np.arange(self.n_cols - n, self.n_cols, dtype=np.int64)

    def add_rows(
        self, names: Names, lower: np.ndarray | float, upper: np.ndarray | float
    ) -> IndexArray:
        """Add a run of rows with their sides; return their indices."""
        n = len(names[1])
        self.rows.append((names, lower, upper))
        self.n_rows += n
        return np.arange(self.n_rows - n, self.n_rows, dtype=np.int64)

    def add_entries(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        """Add matrix entries (broadcast together); zeros are dropped when packing."""
        rows, cols, values = np.broadcast_arrays(rows, cols, values)
        self.entries.append((rows.ravel(), cols.ravel(), values.ravel().astype(float)))

    def finish(self, scenarios: list[Layout]) -> ArrayModel:
        """Pack everything added into an :class:`ArrayModel` with the given layouts."""
        rows, cols, values = (
            np.concatenate([e[i] for e in self.entries]) if self.entries else np.zeros(0)
            for i in range(3)
        )
        keep = values != 0
        rows, cols, values = rows[keep].astype(np.int64), cols[keep].astype(np.int64), values[keep]
        order = np.lexsort((rows, cols))
        start = np.searchsorted(cols[order], np.arange(self.n_cols + 1)).astype(np.int64)

        def stack(parts: list, i: int, dtype: type = float) -> np.ndarray:
            chunks = [np.broadcast_to(np.asarray(p[i], dtype=dtype), len(p[0][1])) for p in parts]
            return np.concatenate(chunks) if chunks else np.zeros(0, dtype)

        return ArrayModel(
            cost=stack(self.cols, 1),
            col_lower=stack(self.cols, 2),
            col_upper=stack(self.cols, 3),
            integer=stack(self.cols, 4, bool),
            start=start,
            index=rows[order],
            value=values[order],
            row_lower=stack(self.rows, 1),
            row_upper=stack(self.rows, 2),
            col_names=[c[0] for c in self.cols],
            row_names=[r[0] for r in self.rows],
            scenarios=scenarios,
        )


def build_arrays(
    instance: Instance, *, elastic: bool = False, forcing: Sequence[Forcing] = ()
) -> ArrayModel:
    """Build the model of :func:`~siting.model.build_model` as arrays, without PuLP.

    Parameters
    ----------
    instance
        Costs, capacities and admissible pairs.
    elastic
        Let demand go unmet at a penalty, as in :func:`~siting.model.build_model`.
    forcing
        Lower bounds on what given sites host.

    Returns
    -------
    ArrayModel
        The same columns, rows and coefficients as the PuLP build (named alike).
    """
    inst = instance
    if inst.classic:
        if elastic or forcing:
            raise classic_only(inst, "an elastic or forced model")
        b = Builder()
        y, x, t, a, pair_row = classic_arrays(inst, b)
        return b.finish([Layout(inst, y, x, t, a, pair_row)])
    S, K, G = inst.n_sites, inst.n_pairs, inst.n_streams  # noqa: N806 - the maths' names
    sites, pairs, streams = (np.arange(n, dtype=np.int64) for n in (S, K, G))
    cap = inst.sites.capacity_mw
    needs_cluster = inst.training_mw > 0 and inst.min_cluster_mw > 0
    can_train = cap >= inst.min_cluster_mw - 1e-9 if needs_cluster else cap > 0
    unit = (inst.sites.unit_opex - inst.rent[:, None] * inst.maximise_margin) / OBJECTIVE_UNIT
    upper = inst.pair_upper_mw
    demand, stream = inst.stream_demand_mw, inst.pair_stream
    work = inst.pair_workload

    b = Builder()
    y = b.add_cols(("open_", sites), inst.sites.fixed_cost / OBJECTIVE_UNIT, 1.0, integer=True)
    x = b.add_cols(
        ("build_", sites), inst.sites.capex_cost / OBJECTIVE_UNIT, inst.sites.headroom_mw
    )
    t = b.add_cols(("train_", sites), unit[0], np.where(can_train, cap, 0.0))
    z_sites = sites[can_train] if needs_cluster else sites[:0]
    z = b.add_cols(("hosts_training_", z_sites), 0.0, 1.0, integer=True)
    f = b.add_cols(
        ("serve_", pairs), unit[work, inst.pairs.site] + inst.pairs.cost / OBJECTIVE_UNIT, upper
    )
    short = np.zeros(0, np.int64)
    if elastic:
        worst = max(
            float(
                np.max(inst.sites.capex_cost, initial=0) + np.max(inst.sites.unit_opex, initial=0)
            ),
            float(np.max(inst.pairs.cost, initial=0)),
            1.0,
        )
        penalty = SHORTFALL_PENALTY * worst / OBJECTIVE_UNIT
        short = np.concatenate(
            [
                b.add_cols(("unmet_hub_", streams), penalty, np.inf),
                b.add_cols(("unmet_training", np.array([""])), penalty, np.inf),
            ]
        )
    # failover reserve r_k and peak m_g, for streams with a failover share
    alpha = inst.stream_failover
    guarded = streams[alpha > 0]
    reserved = pairs[alpha[stream] > 0]
    room = np.minimum(demand[stream], cap[inst.pairs.site])
    r = b.add_cols(("reserve_", reserved), 0.0, room[reserved])
    peak = b.add_cols(("failover_peak_", guarded), 0.0, demand[guarded])
    # vouchers w_v
    n_v = len(inst.policy.vouchers.names)
    w = b.add_cols(
        ("voucher_", np.arange(n_v, dtype=np.int64)),
        -inst.policy.vouchers.cny_per_mw / OBJECTIVE_UNIT,
        inst.policy.vouchers.max_mw,
    )

    # headroom: x_s - G_s y_s <= 0
    grid = sites[inst.sites.headroom_mw > 0]
    rows = b.add_rows(("headroom_", grid), -np.inf, 0.0)
    b.add_entries(rows, x[grid], 1.0)
    b.add_entries(rows, y[grid], -inst.sites.headroom_mw[grid])
    site_count_rows(inst, b, y)
    # green power: sum_s gamma 8.76 PUE_s x_s <= GREEN_p
    for p in range(len(inst.policy.green.names)):
        on = sites[inst.policy.green.coef[p] > 0]
        rows = b.add_rows(
            (f"green_power_{p}", np.array([""])), -np.inf, inst.policy.green.supply_gwh[p]
        )
        b.add_entries(rows, x[on], inst.policy.green.coef[p, on])
    # inference demand: sum_s f_qhs (+ unmet_g) = D_qh (<= for margin)
    low = -np.inf if inst.maximise_margin else demand
    rows = b.add_rows(("inference_demand_", streams), low, demand)
    b.add_entries(rows[stream], f, 1.0)
    if elastic:
        b.add_entries(rows, short[:G], 1.0)
    # training demand: sum_s t_s (+ unmet) = T
    low = -np.inf if inst.maximise_margin else inst.training_mw
    rows = b.add_rows(("training_demand", np.array([""])), low, inst.training_mw)
    b.add_entries(rows, t, 1.0)
    if elastic:
        b.add_entries(rows, short[G:], 1.0)
    # capacity: sum f_k + sum r_k + t_s - x_s - E_s y_s <= 0
    rows = b.add_rows(("capacity_", sites), -np.inf, 0.0)
    b.add_entries(rows[inst.pairs.site], f, 1.0)
    b.add_entries(rows[inst.pairs.site[reserved]], r, 1.0)
    b.add_entries(rows, t, 1.0)
    b.add_entries(rows, x, -1.0)
    b.add_entries(rows, y, -inst.sites.existing_mw)
    # pair open: f_k - u_k y_s <= 0
    linked = pairs[upper > 0]
    pair_row = np.full(K, -1, dtype=np.int64)
    r_pair = b.add_rows(("pair_open_", linked), -np.inf, 0.0)
    pair_row[linked] = r_pair
    b.add_entries(r_pair, f[linked], 1.0)
    b.add_entries(r_pair, y[inst.pairs.site[linked]], -upper[linked])
    # training cluster: t_s - L z_s >= 0, t_s - C_s z_s <= 0
    rows = b.add_rows(("cluster_min_", z_sites), 0.0, np.inf)
    b.add_entries(rows, t[z_sites], 1.0)
    b.add_entries(rows, z, -inst.min_cluster_mw)
    rows = b.add_rows(("cluster_max_", z_sites), -np.inf, 0.0)
    b.add_entries(rows, t[z_sites], 1.0)
    b.add_entries(rows, z, -cap[z_sites])
    # staff: sigma_T t_s + sum sigma_q f_qhs <= A_p, for pools that can bind
    sigma = inst.staff_per_mw.astype(float)
    groups = np.arange(len(inst.sites.group_names), dtype=np.int64)
    most = np.bincount(inst.sites.group, cap * float(sigma.max()), len(groups))
    binds = groups[most > inst.sites.staff_available]
    row_of = np.full(len(groups), -1, dtype=np.int64)
    row_of[binds] = b.add_rows(("staff_", binds), -np.inf, inst.sites.staff_available[binds])
    site_row = row_of[inst.sites.group]
    on = site_row >= 0
    b.add_entries(site_row[on], t[on], sigma[0])
    on_pair = site_row[inst.pairs.site] >= 0
    b.add_entries(site_row[inst.pairs.site][on_pair], f[on_pair], sigma[work][on_pair])
    # failover: f_k + r_k - m_g <= 0; sum_k (f_k + r_k) - m_g (+ unmet_g) >= alpha_g D_g
    peak_of = np.full(G, -1, dtype=np.int64)
    peak_of[guarded] = peak
    rows = b.add_rows(("failover_peak_", reserved), -np.inf, 0.0)
    b.add_entries(rows, f[reserved], 1.0)
    b.add_entries(rows, r, 1.0)
    b.add_entries(rows, peak_of[stream[reserved]], -1.0)
    rows = b.add_rows(("failover_", guarded), alpha[guarded] * demand[guarded], np.inf)
    row_of_stream = np.full(G, -1, dtype=np.int64)
    row_of_stream[guarded] = rows
    b.add_entries(row_of_stream[stream[reserved]], f[reserved], 1.0)
    b.add_entries(row_of_stream[stream[reserved]], r, 1.0)
    b.add_entries(rows, peak, -1.0)
    if elastic:
        b.add_entries(rows, short[guarded], 1.0)
    # vouchers: w_v - sum_{s in S_v} (t_s + sum f_k) <= 0
    for v in range(n_v):
        member = inst.policy.vouchers.member[v]
        rows = b.add_rows((f"voucher_{v}", np.array([""])), -np.inf, 0.0)
        b.add_entries(rows, w[v], 1.0)
        b.add_entries(rows, t[member], -1.0)
        b.add_entries(rows, f[member[inst.pairs.site]], -1.0)
    # forcing: what a site hosts >= mw
    for i, force in enumerate(forcing):
        rows = b.add_rows((f"forced_{i}", np.array([""])), force.mw, np.inf)
        if force.workload == "training":
            b.add_entries(rows, t[force.site], 1.0)
        elif force.workload == "inference":
            b.add_entries(rows, f[inst.pairs.site == force.site], 1.0)
        else:
            msg = f"unknown workload {force.workload!r}; expected one of {WORKLOADS}"
            raise ValueError(msg)
    model = b.finish([Layout(inst, y, x, t, f, pair_row, short)])
    model.elastic, model.forcing = elastic, tuple(forcing)
    return model


def from_pulp(problem: pulp.LpProblem, models: Sequence[SitingModel]) -> ArrayModel:
    """Read a PuLP problem into arrays (any model: robust, fixed, forced).

    Parameters
    ----------
    problem
        The problem; minimised.
    models
        Its scenarios' variables (one for a single-scenario model), for the layouts.

    Returns
    -------
    ArrayModel
        Columns in :meth:`pulp.LpProblem.variables` order (by name), rows in the order added.
    """
    variables = problem.variables()
    col = {v.name: j for j, v in enumerate(variables)}
    objective = problem.objective if problem.objective is not None else {}
    cost = np.zeros(len(variables))
    for var, coef in objective.items():
        cost[col[var.name]] += coef

    def bound(value: float | None, default: float) -> float:
        return default if value is None else float(value)

    b = Builder()
    for j, v in enumerate(variables):  # one column at a time keeps PuLP's order
        upper = bound(v.upBound, np.inf)
        b.cols.append((("", np.array([v.name])), cost[j], bound(v.lowBound, -np.inf), upper,
                       v.cat == pulp.LpInteger))  # fmt: skip
    b.n_cols = len(variables)
    constraints = problem.constraints()
    names = [con.name for con in constraints]
    row = {name: i for i, name in enumerate(names)}
    lower, upper = np.full(len(names), -np.inf), np.full(len(names), np.inf)
    rows, cols, values = [], [], []
    for i, con in enumerate(constraints):
        rhs = -con.constant
        if con.sense != pulp.LpConstraintLE:
            lower[i] = rhs
        if con.sense != pulp.LpConstraintGE:
            upper[i] = rhs
        for var, coef in con.items():
            rows.append(i)
            cols.append(col[var.name])
            values.append(coef)
    b.rows.append((("", np.array(names, dtype=str)), lower, upper))
    b.n_rows = len(names)
    b.entries.append((np.array(rows, np.int64), np.array(cols, np.int64), np.array(values)))

    def where(vs: Sequence[pulp.LpVariable | None]) -> IndexArray:
        return np.array([col.get(v.name, -1) if v is not None else -1 for v in vs], np.int64)

    layouts = []
    for m in models:
        pair_row = [row.get(f"{m.tag}pair_open_{k}", -1) for k in range(m.instance.n_pairs)]
        layouts.append(
            Layout(
                m.instance,
                where(m.open),
                where(m.build),
                where(m.train),
                where(m.serve),
                np.array(pair_row, dtype=np.int64),
                where(m.shortfall),
            )
        )
    return b.finish(layouts)
