"""LP-guided decomposition for large instances, with a bound valid for the full model.

The algorithm (``docs/model.md``, "Solve strategy"):

1. **Price pairs in.** Solve the LP relaxation of a *restricted* model that holds every
   column except most (hub, site) serve columns ``f_k`` (and their ``pair_open`` rows); a
   few cheap pairs per hub start it, and artificial columns at a high cost keep it feasible.
   From its row duals ``π`` (zero on the rows left out) every column of the **full** model
   gets a reduced cost ``d = c − Aᵀπ``, and

       L(π) = Σ_i π_i·(row_lower_i if π_i > 0 else row_upper_i) + Σ_j min(d_j·l_j, d_j·u_j)

   is a lower bound on the full LP relaxation, hence on the full MILP (Lagrangian
   duality: for every ``x`` within its bounds, ``c·x ≥ π·Ax + d·x``). Pairs with negative
   reduced cost are added, at most ``SITES_PER_ROUND`` sites' worth a round, until none is
   left, ``L`` meets the LP value, or ``LP_SHARE`` of the time limit is spent. A second bound
   keeps each site's capacity, headroom and ``pair_open`` rows in its block (a continuous
   knapsack, :class:`Knapsacks`); the better of the two is kept.
2. **Solve the MILP on the sites that matter:** the sites the LP opens, with all their pairs;
   every other site closed. Its plan is feasible for the full model, so its cost ``U`` is an
   upper bound.
3. **Certify** the gap ``(U − L)/|U|`` against the full model's bound ``L`` (never the
   restricted model's). Sites whose block has ``L + max(0, v_s) > U`` are provably closed in
   any better plan (reduced-cost fixing); once every other site is in the MILP, its own bound
   holds for the full model. If the gap is above the tolerance, the open-able sites (or the
   cheapest of them) are added and the MILP is solved again in the time left.

Everything is generic over an :class:`~siting.model.arrays.ArrayModel` and its layouts, so
cost and margin objectives, robust models (expected cost or regret), forcing, staff, headroom,
cluster and site-share limits, sparsified pair sets, service classes (pairs are priced per
stream), k-site minimums, the size limit, subsidies, green-power and voucher rows are all
covered, as are the classic location models (their assignment shares are the pair columns).
A model with a failover reserve, or a cost or margin model with a site count, is not
decomposed (:func:`decomposable`).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import highspy
import numpy as np

from siting.model.arrays import ArrayModel
from siting.solve.highs import HighsRun, StoppableHighs, new_highs, pass_model, run

#: Where each round is reported (INFO); silent unless a handler is set (``siting`` CLI does).
LOG = logging.getLogger(__name__)

#: Instances with at least this many pairs (summed over scenarios) are decomposed under the
#: ``"auto"`` strategy.
DECOMPOSE_PAIRS = 5_000
#: Up to this many pairs the LP relaxation is solved over all of them (one round).
FULL_LP_PAIRS = 250_000
#: Cheapest pairs per hub in the first restricted LP.
START_PER_HUB = 6
#: A pair is priced in when its reduced cost is below minus this (objective units).
PRICE_TOL = 1e-7
#: Pricing stops when the bound is within this share of the requested gap of the LP value.
BOUND_TOL = 0.1
#: Sites admitted (with all their pairs) per pricing round at most.
SITES_PER_ROUND = 150
#: Share of the time limit pricing may use; the rest is kept for the MILP.
LP_SHARE = 0.9
#: Seconds kept for the MILP at least (pricing stops this long before the time limit).
MILP_SECONDS = 5.0
#: MILP solves on growing site sets at most.
MILP_ROUNDS = 4
#: Most sites in the MILP when not every site reduced-cost fixing leaves open fits (memory).
MILP_SITES = 1_000
#: Column-generation rounds at most.
MAX_ROUNDS = 200
#: Cost of an artificial column, as a multiple of the largest cost of the model.
ARTIFICIAL_COST = 1e4


@dataclass(frozen=True)
class Pairs:
    """The optional serve columns of every scenario, flat.

    Attributes
    ----------
    col, row
        Column of each pair and its ``pair_open`` row (``-1`` if none).
    site_col
        Column of the ``open`` variable of the pair's site.
    group
        Stream (class, hub) of the pair, numbered across scenarios (pairs are priced in per
        group).
    """

    col: np.ndarray
    row: np.ndarray
    site_col: np.ndarray
    group: np.ndarray

    @classmethod
    def of(cls, model: ArrayModel) -> Pairs:
        """Collect the pairs of every scenario of a model."""
        cols, rows, sites, groups, offset = [], [], [], [], 0
        for lay in model.scenarios:
            inst = lay.instance
            cols.append(lay.serve)
            rows.append(lay.pair_row)
            sites.append(lay.open[inst.pairs.site])
            groups.append(inst.pair_stream + offset)
            offset += inst.n_streams
        return cls(*(np.concatenate(a).astype(np.int64) for a in (cols, rows, sites, groups)))

    def keeping(self, model: ArrayModel, kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Columns and rows of a model holding only the ``kept`` pairs (and every other line)."""
        cols = np.ones(model.n_cols, dtype=bool)
        cols[self.col[~kept]] = False
        rows = np.ones(model.n_rows, dtype=bool)
        rows[self.row[(self.row >= 0) & ~kept]] = False
        return np.flatnonzero(cols), np.flatnonzero(rows)


def decomposable(model: ArrayModel) -> str:
    """Say why a model must be solved directly, or ``""`` if it may be decomposed.

    A failover reserve ties every pair of a stream together (its peak rows): a restricted
    model without some of them would understate the reserve a plan needs. A site count
    (``Σ y_s ≤ p``) on the cost or margin model spreads the LP's open sites thin, so the MILP
    on the sites the LP opens misses better plans and the gap stays open; the classic kinds
    (whose p-median LP is near integral) are decomposed, but not the covering kinds: MCLP's
    and LSCP's LPs open sites fractionally, and the restricted MILP was left uncertified
    (gaps of 0.01 % and 3 % on the prefecture seats) where a direct solve proves the optimum.
    """
    kinds = {lay.instance.objective_kind for lay in model.scenarios}
    if kinds & {"mclp", "lscp"}:
        return (
            "a covering model's LP opens sites fractionally, so the decomposition cannot "
            "certify it; it is solved directly"
        )
    if any(lay.instance.site_count and not lay.instance.classic for lay in model.scenarios):
        return (
            "a site count with the cost or margin objective weakens the LP bound the "
            "decomposition certifies against, so it is solved directly"
        )
    if any(lay.instance.stream_failover.any() for lay in model.scenarios):
        return "a failover reserve ties every pair of a stream together, so it is solved directly"
    return ""


def lagrangian_bound(
    model: ArrayModel, dual: np.ndarray, pairs: Pairs, outside: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Compute a Lagrangian lower bound ``L(π)`` of the full model, with reduced costs.

    Every row is dualised with ``π`` except the ``pair_open`` rows ``f_k ≤ u_k y_s`` of the
    pairs outside the restricted model, which stay in the subproblem: each site's block
    ``(y_s, its outside f_k)`` is minimised jointly, worth
    ``min(0, d_y + Σ_k u_k·min(0, d_k))`` (``y_s ∈ [0, 1]``).

    Parameters
    ----------
    model
        The full model.
    dual
        A row dual ``π`` per row of the full model (HiGHS signs; zero on rows left out);
        components whose sign has no finite row side are set to zero (any ``π`` gives a
        valid bound).
    pairs
        The model's pairs.
    outside
        Which pairs are outside the restricted model.

    Returns
    -------
    tuple of float and two numpy.ndarray
        ``L(π)`` in objective units (``-inf`` if a column with an infinite bound has a
        reduced cost of the wrong sign beyond the LP tolerance); ``d = c − Aᵀπ`` per column;
        and each site's block reduced cost, per column of ``open`` (``nan`` elsewhere): a plan
        opening that site costs at least ``L + max(0, block)``.
    """
    total, d = _priced_rows(model, dual)
    block = np.full(model.n_cols, np.nan)
    sites = np.unique(pairs.site_col)
    gain = np.minimum(d[pairs.col], 0.0) * model.col_upper[pairs.col] * outside
    block[sites] = d[sites] + np.bincount(pairs.site_col, gain, model.n_cols)[sites]
    alone = np.ones(model.n_cols, dtype=bool)
    alone[pairs.col[outside]] = False
    alone[sites] = False
    total += _alone(model, d, alone)
    b = block[sites]
    total += float(np.minimum(b * model.col_lower[sites], b * model.col_upper[sites]).sum())
    return total, d, block


def _priced_rows(model: ArrayModel, dual: np.ndarray) -> tuple[float, np.ndarray]:
    """Price the rows: their part of ``L(π)`` and the reduced costs ``d = c − Aᵀπ``.

    Components of ``π`` whose sign has no finite row side are set to zero first.
    """
    pi = np.where(
        ((dual > 0) & np.isfinite(model.row_lower)) | ((dual < 0) & np.isfinite(model.row_upper)),
        dual,
        0.0,
    )
    d = model.cost - model.transpose_product(pi)
    up, down = pi > 0, pi < 0
    return float(pi[up] @ model.row_lower[up] + pi[down] @ model.row_upper[down]), d


def _alone(model: ArrayModel, d: np.ndarray, which: np.ndarray) -> float:
    """``Σ min(d_j l_j, d_j u_j)`` over some columns (``-inf`` if one is unbounded that way)."""
    lo, hi = which & (d > PRICE_TOL), which & (d < -PRICE_TOL)
    if np.isinf(model.col_lower[lo]).any() or np.isinf(model.col_upper[hi]).any():
        return -math.inf
    return float(d[lo] @ model.col_lower[lo] + d[hi] @ model.col_upper[hi])


@dataclass(frozen=True)
class Knapsacks:
    """Each site's own rows, when every site's block is a continuous knapsack.

    In a single cost or margin model each site ``s`` owns its ``capacity`` row
    ``Σ_k f_k + t_s − x_s − E_s y_s ≤ 0``, its ``headroom`` row ``x_s − G_s y_s ≤ 0`` (where
    it can build) and its ``pair_open`` rows. Keeping all three in the site's block leaves
    no degenerate dual to cancel a closed site's reduced cost (``docs/model.md``).

    Attributes
    ----------
    open, build, train
        Columns of ``y_s``, ``x_s``, ``t_s`` per site.
    rows
        Every row kept in a block (capacity and headroom).
    existing, grid
        ``E_s`` and ``G_s`` per site (``G_s = 0`` where it cannot build).
    pair_site
        Site of each pair.
    """

    open: np.ndarray
    build: np.ndarray
    train: np.ndarray
    rows: np.ndarray
    existing: np.ndarray
    grid: np.ndarray
    pair_site: np.ndarray

    @classmethod
    def of(cls, model: ArrayModel, pairs: Pairs) -> Knapsacks | None:
        """Find the blocks, or ``None`` if the model does not have exactly this shape."""
        if len(model.scenarios) != 1 or model.scenarios[0].instance.classic:
            return None
        lay = model.scenarios[0]
        n = lay.instance.n_sites
        y, x, t = (np.asarray(c, dtype=np.int64) for c in (lay.open, lay.build, lay.train))
        capacity, headroom = _named_rows(model, "capacity_", n), _named_rows(model, "headroom_", n)
        if min(y.min(initial=0), x.min(initial=0), t.min(initial=0), capacity.min(initial=0)) < 0:
            return None
        owner = np.full(model.n_cols, -1, dtype=np.int64)
        kind = np.zeros(model.n_cols, dtype=np.int64)  # 1 serve/train, 2 build, 3 open
        owner[pairs.col] = lay.instance.pairs.site
        kind[pairs.col] = 1
        for cols, k in ((t, 1), (x, 2), (y, 3)):
            owner[cols], kind[cols] = np.arange(n), k
        row_site = np.full(model.n_rows, -1, dtype=np.int64)
        row_kind = np.zeros(model.n_rows, dtype=np.int64)  # 1 capacity, 2 headroom
        row_site[capacity], row_kind[capacity] = np.arange(n), 1
        has_grid = headroom >= 0
        row_site[headroom[has_grid]], row_kind[headroom[has_grid]] = np.flatnonzero(has_grid), 2
        col = model.entry_col
        mine = row_kind[model.index] > 0
        j, r, v = col[mine], model.index[mine], model.value[mine]
        want = np.where(
            row_kind[r] == 1,
            np.select([kind[j] == 1, kind[j] == 2], [v == 1.0, v == -1.0], v <= 0.0),
            np.select([kind[j] == 2, kind[j] == 3], [v == 1.0, v <= 0.0], False),
        )
        linked = pairs.row >= 0
        # pair_open rows: f_k - u_k y_s <= 0 with u_k the column's own upper bound
        pair_of_row = np.full(model.n_rows, -1, dtype=np.int64)
        pair_of_row[pairs.row[linked]] = np.flatnonzero(linked)
        on = pair_of_row[model.index] >= 0
        k, pj, pv = pair_of_row[model.index[on]], col[on], model.value[on]
        serve = pj == pairs.col[k]
        tied = pj == y[lay.instance.pairs.site[k]]
        fits = np.where(serve, pv == 1.0, tied & (pv == -model.col_upper[pairs.col[k]]))
        if not (fits.all() and (serve | tied).all()):
            return None
        if not (
            (owner[j] == row_site[r]).all()
            and want.all()
            and np.isneginf(model.row_lower[row_kind > 0]).all()
            and (model.row_upper[row_kind > 0] == 0.0).all()
            and (model.col_lower[np.r_[x, t, pairs.col]] == 0.0).all()
            and (model.col_upper[pairs.col[~linked]] == 0.0).all()
            and (model.col_upper[x[~has_grid]] == 0.0).all()
        ):
            return None
        existing = -_coefficients(model, capacity, y)
        grid = np.zeros(n)
        grid[has_grid] = -_coefficients(model, headroom[has_grid], y[has_grid])
        rows = np.r_[capacity, headroom[has_grid]]
        return cls(y, x, t, rows, existing, grid, lay.instance.pairs.site)

    def bound(self, model: ArrayModel, dual: np.ndarray, pairs: Pairs) -> tuple[float, np.ndarray]:
        """Compute ``L(π)`` with each site's capacity, headroom and ``pair_open`` rows kept.

        For ``y_s = 1`` the block is a continuous knapsack: capacity ``E_s`` is free, up to
        ``G_s`` more costs ``d_x`` a MW, and serve and training columns with negative reduced
        cost fill it cheapest first. For ``y_s ∈ [0, 1]`` the block's feasible set lies in
        ``y_s`` times the one at ``y_s = 1`` with the training column's own bound dropped, so
        that block's value ``v_s`` (computed so) bounds it by ``min(l·v_s, u·v_s)``.

        Returns
        -------
        tuple of float and numpy.ndarray
            ``L(π)`` and ``v_s`` per column of ``open`` (``nan`` elsewhere): a plan opening
            site ``s`` costs at least ``L + max(0, v_s)``.
        """
        linked = pairs.row >= 0
        pi = dual.copy()
        pi[pairs.row[linked]] = 0.0
        pi[self.rows] = 0.0
        total, d = _priced_rows(model, pi)
        size = self.existing + self.grid
        sites = self.pair_site
        item_site = np.r_[sites[linked], np.arange(len(self.open))]
        item_d = np.r_[d[pairs.col[linked]], d[self.train]]
        train_room = np.where(model.col_upper[self.train] > 0, size, 0.0)
        item_size = np.r_[model.col_upper[pairs.col[linked]], train_room]
        use = (item_d < -PRICE_TOL) & (item_size > 0)
        item_site, item_d, item_size = item_site[use], item_d[use], item_size[use]
        order = np.lexsort((item_d, item_site))
        item_site, item_d, item_size = item_site[order], item_d[order], item_size[order]
        end = np.cumsum(item_size)
        base = np.zeros(len(end))
        if len(end):
            first = np.r_[0, np.flatnonzero(item_site[1:] != item_site[:-1]) + 1]
            base[first] = end[first] - item_size[first]
            base = np.maximum.accumulate(base)  # each site's items start from 0
        hi = end - base
        lo = hi - item_size
        d_x = d[self.build]
        cheap = d_x < 0  # building pays by itself: all of E + G is free
        free_end = np.where(cheap, size, self.existing)[item_site]
        free = np.clip(np.minimum(hi, free_end) - lo, 0.0, None)
        paid = np.clip(np.minimum(hi, size[item_site]) - np.maximum(lo, free_end), 0.0, None)
        step = np.maximum(d_x, 0.0)[item_site]
        gain = item_d * free + np.minimum(item_d + step, 0.0) * paid
        value = d[self.open] + np.minimum(d_x, 0.0) * self.grid
        value += np.bincount(item_site, gain, len(self.open))
        inside = np.zeros(model.n_cols, dtype=bool)
        inside[np.r_[self.open, self.build, self.train, pairs.col[linked]]] = True
        total += _alone(model, d, ~inside)
        lo_y, hi_y = model.col_lower[self.open], model.col_upper[self.open]
        total += float(np.minimum(value * lo_y, value * hi_y).sum())
        block = np.full(model.n_cols, np.nan)
        block[self.open] = value
        return total, block


def _named_rows(model: ArrayModel, prefix: str, n: int) -> np.ndarray:
    """Rows named ``prefix + str(i)`` for ``i < n`` (``-1`` where none), from a run of names."""
    found = np.full(n, -1, dtype=np.int64)
    offset = 0
    for name, ids in model.row_names:
        if name == prefix and ids.dtype.kind in "iu":
            found[ids] = offset + np.arange(len(ids))
        offset += len(ids)
    return found


def _coefficients(model: ArrayModel, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Read the matrix entry at each (row, column), 0 where there is none."""
    out = np.zeros(len(rows))
    for i, (r, c) in enumerate(zip(rows, cols, strict=True)):
        span = slice(model.start[c], model.start[c + 1])
        hit = model.index[span] == r
        if hit.any():
            out[i] = model.value[span][hit][0]
    return out


@dataclass
class _Restricted:
    """The restricted LP: a HiGHS model over some columns and rows of the full model."""

    full: ArrayModel
    col_pos: np.ndarray
    row_pos: np.ndarray
    n_cols: int
    n_rows: int

    def duals(self, row_dual: np.ndarray) -> np.ndarray:
        """Row duals over the full model's rows; zero on rows left out."""
        pi = np.zeros(self.full.n_rows)
        active = self.row_pos >= 0
        pi[active] = row_dual[self.row_pos[active]]
        return pi


def _csr(model: ArrayModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(model.index, kind="stable")
    start = np.searchsorted(model.index[order], np.arange(model.n_rows + 1))
    return start, model.entry_col[order], model.value[order]


def first_pairs(model: ArrayModel, pairs: Pairs, per_hub: int | None = None) -> np.ndarray:
    """Pick the ``per_hub`` (default ``START_PER_HUB``) cheapest pairs of each hub.

    Cheapest by serve cost, then site cost.
    """
    price = model.cost[pairs.col] + 1e-3 * model.cost[pairs.site_col]
    count = START_PER_HUB if per_hub is None else per_hub
    return _best_per_group(np.arange(len(pairs.col)), pairs.group, price, count)


def _best_per_group(
    candidates: np.ndarray, group: np.ndarray, score: np.ndarray, per_group: int
) -> np.ndarray:
    order = candidates[np.lexsort((score[candidates], group[candidates]))]
    g = group[order]
    first = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    rank = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
    return np.sort(order[rank < per_group])


def kept_bound(model: ArrayModel, dual: np.ndarray, pairs: Pairs) -> tuple[float, np.ndarray]:
    """Compute ``L(π)`` with every ``pair_open`` row kept in its site's block.

    The duals of the ``pair_open`` rows are dropped and every linked pair joins its site's
    block ``(y_s, f_k ≤ u_k y_s)``, minimised jointly. For fixed duals on the other rows this
    is the best choice of the ``pair_open`` duals (keeping a row in the subproblem is never
    weaker than pricing it), so the bound is at least :func:`lagrangian_bound`'s with the
    LP's own ``pair_open`` duals, and the blocks are the sites' reduced costs of opening
    that reduced-cost fixing needs: the LP's ``pair_open`` duals are degenerate at a closed
    site and can cancel its reduced cost entirely.

    Parameters
    ----------
    model
        The full model.
    dual
        A row dual ``π`` per row of the full model (as for :func:`lagrangian_bound`).
    pairs
        The model's pairs.

    Returns
    -------
    tuple of float and numpy.ndarray
        ``L(π)`` and each site's block reduced cost per column of ``open`` (``nan``
        elsewhere): a plan opening that site costs at least ``L + max(0, block)``.
    """
    linked = pairs.row >= 0
    pi = dual.copy()
    pi[pairs.row[linked]] = 0.0
    value, _, block = lagrangian_bound(model, pi, pairs, linked)
    return value, block


@dataclass(frozen=True)
class Certificate:
    """A lower bound ``L`` of the full model and the block reduced costs found with it."""

    value: float
    block: np.ndarray

    def closed(self, site_cols: np.ndarray, limit: float) -> np.ndarray:
        """Which sites are closed in every plan cheaper than ``limit`` (reduced-cost fixing)."""
        return self.value + np.maximum(self.block[site_cols], 0.0) > limit


@dataclass(frozen=True)
class PricedLP:
    """The LP relaxation with the pairs priced in (:func:`price_pairs`).

    Attributes
    ----------
    state
        ``"optimal"`` if no pair prices out or the bound meets the LP value, ``"limit"`` if
        pricing stopped at its deadline or round limit with a bound, ``"none"`` if no round
        finished (a round stopped with duals still gives a bound), ``"infeasible"`` if the LP
        is.
    words
        The last LP run's words.
    value
        The restricted LP's value (objective units; ``inf`` if none).
    bound
        The full model's bound ``L(π)``, the best of every round, a stopped one's duals
        included (``-inf`` if none).
    x
        The restricted LP's solution over the full model's columns (0 on pairs left out).
    dual
        The row duals ``π`` of the last finished round, else of a stopped one, over the full
        model's rows (0 on rows left out; ``None`` if no round gave duals).
    in_pool
        Which pairs are in the restricted LP.
    rounds
        LP rounds run.
    certs
        The best bound of each kind (Lagrangian, kept ``pair_open`` rows) with its blocks.
    """

    state: str
    words: str
    value: float
    bound: float
    x: np.ndarray | None
    dual: np.ndarray | None
    in_pool: np.ndarray
    rounds: int
    certs: tuple[Certificate, Certificate]


def price_pairs(
    model: ArrayModel,
    pairs: Pairs,
    first_deadline: float,
    deadline: float,
    mip_gap: float,
    threads: int | None,
    *,
    full_lp: bool = False,
    per_hub: int | None = None,
    began: float | None = None,
    lp_solver: str = "choose",
) -> PricedLP:
    """Solve the LP relaxation by pricing pairs in (step 1 of the module docstring).

    Parameters
    ----------
    model, pairs
        The full model and its pairs.
    first_deadline, deadline
        When the first LP round and the later ones must stop (:func:`time.perf_counter`).
    mip_gap
        Pricing stops when the bound is within ``BOUND_TOL`` of it of the LP value.
    threads
        HiGHS threads.
    full_lp
        Start from every pair (one round) rather than :func:`first_pairs`.
    per_hub
        Otherwise start from this many cheapest pairs per stream (default
        ``START_PER_HUB``).
    began
        When the whole solve began (:func:`time.perf_counter`; default now): each round's
        progress line counts from then, against the limit ``first_deadline - began``.
    lp_solver
        HiGHS's ``solver`` option for every round: ``"choose"`` (its own choice, the dual
        simplex here, each round from the last one's basis) or ``"ipm"`` (interior point,
        then crossover to a vertex; each round from scratch).

    Returns
    -------
    PricedLP
    """
    in_pool = np.zeros(len(pairs.col), dtype=bool)
    if full_lp:
        in_pool[:] = True
    else:
        in_pool[first_pairs(model, pairs, per_hub)] = True
    lp, restricted = _restricted_lp(model, pairs, in_pool, mip_gap, threads)
    lp.setOptionValue("solver", lp_solver)
    csr = _csr(model)
    knap = Knapsacks.of(model, pairs)
    # the best bound of each kind, with its blocks (both serve reduced-cost fixing)
    priced_cert = kept_cert = Certificate(-math.inf, np.full(model.n_cols, np.nan))
    began = time.perf_counter() if began is None else began
    rounds, lp_value, x, pi, state, words = 0, math.inf, None, None, "none", "not run"
    for rounds in range(1, MAX_ROUNDS + 1):
        until = first_deadline if rounds == 1 else deadline
        out = run(lp, until - time.perf_counter(), is_mip=False, duals=True)
        words = out.words
        if out.state == "infeasible":
            state = "infeasible"
            break
        if out.row_dual is None:
            state = "limit" if x is not None else "none"
            break
        duals = restricted.duals(out.row_dual)
        value, d, block = lagrangian_bound(model, duals, pairs, ~in_pool)
        if value > priced_cert.value:
            priced_cert = Certificate(value, block)
        value, kept = (kept_bound if knap is None else knap.bound)(model, duals, pairs)
        if value > kept_cert.value:
            kept_cert = Certificate(value, kept)
        bound = max(priced_cert.value, kept_cert.value)
        if out.state != "optimal":  # stopped, but any duals bound the full model
            pi = duals if pi is None else pi
            _report(f"LP round {rounds} (stopped)", math.nan, bound, began, first_deadline - began)
            state = "limit" if x is not None else "none"
            break
        lp_value, pi = out.objective, duals
        x = _lp_values(lp, restricted, np.arange(model.n_cols))
        _report(f"LP round {rounds}", lp_value, bound, began, first_deadline - began)
        # admit the sites whose block (opening it with its outside pairs) pays, worst first,
        # with their negatively priced pairs
        sites = np.flatnonzero(block < -PRICE_TOL)
        sites = sites[np.argsort(block[sites], kind="stable")][:SITES_PER_ROUND]
        priced = ~in_pool & np.isin(pairs.site_col, sites) & (d[pairs.col] < -PRICE_TOL)
        close = lp_value - bound <= BOUND_TOL * mip_gap * max(abs(lp_value), 1.0)
        state = "optimal" if close or not priced.any() else "limit"
        if state == "optimal" or time.perf_counter() >= deadline:
            break
        new = np.flatnonzero(priced)
        _add_pairs(lp, restricted, csr, pairs, new)
        in_pool[new] = True
    bound = max(priced_cert.value, kept_cert.value)
    certs = (priced_cert, kept_cert)
    return PricedLP(state, words, lp_value, bound, x, pi, in_pool, rounds, certs)


def solve_decomposed(
    model: ArrayModel, *, time_limit: float, mip_gap: float, threads: int | None
) -> tuple[HighsRun, str]:
    """Solve a model by LP-guided decomposition (module docstring).

    Parameters
    ----------
    model
        The full model.
    time_limit
        Seconds for the whole decomposition.
    mip_gap
        Relative gap to certify against the full model's bound.
    threads
        HiGHS threads.

    Returns
    -------
    tuple of HighsRun and str
        The plan over the full model's columns with its certified bound (state ``"optimal"``
        when the certified gap is within ``mip_gap``, ``"limit"`` otherwise), and notes on
        the run. State ``"infeasible"`` means the full LP relaxation is infeasible; ``"none"``
        that no plan was found (the caller falls back to the direct solve).
    """
    began = time.perf_counter()
    deadline = began + time_limit
    # the rest is kept for the MILP; the first round may use the whole limit (without it
    # there is no bound at all)
    lp_deadline = began + min(LP_SHARE * time_limit, time_limit - MILP_SECONDS)
    pairs = Pairs.of(model)
    site_cols = np.unique(np.concatenate([lay.open for lay in model.scenarios]))
    priced = price_pairs(
        model,
        pairs,
        deadline,
        lp_deadline,
        mip_gap,
        threads,
        full_lp=len(pairs.col) <= FULL_LP_PAIRS,
        began=began,
    )
    if priced.state == "infeasible":
        return HighsRun("infeasible", priced.words, None, math.nan, math.nan), "LP infeasible"
    certs = priced.certs
    kept_cert = certs[1]
    bound, in_pool = priced.bound, priced.in_pool
    lp_seconds = time.perf_counter() - began
    notes = (
        f"decomposition: {priced.rounds} LP rounds ({lp_seconds:.1f} s) priced in "
        f"{int(in_pool.sum()):,} of {len(pairs.col):,} pairs; LP {priced.value:.6g}, full-model "
        f"bound {bound:.6g}"
    )
    if not math.isfinite(bound) or priced.x is None:
        return HighsRun("none", "no valid bound", None, math.nan, math.nan), notes
    site_x = priced.x[site_cols]

    def open_able(limit: float) -> np.ndarray:
        """Sites that may be open in a plan cheaper than ``limit``."""
        shut = np.zeros(len(site_cols), dtype=bool)
        for cert in certs:
            shut |= cert.closed(site_cols, limit)
        return site_cols[~shut]

    chosen = site_cols[site_x > 1e-6]
    best: HighsRun | None = None
    for _ in range(MILP_ROUNDS):
        if time.perf_counter() >= deadline:
            break
        limit = best.objective if best is not None else math.inf
        # every site that could be open in a plan cheaper than the best so far is in
        complete = bool(np.isin(open_able(limit), chosen).all())
        out = _site_milp(model, pairs, chosen, site_cols, mip_gap, threads, deadline, best)
        if out.x is not None and (best is None or out.objective < best.objective):
            best = out
        if complete and out.state == "infeasible" and best is None:
            return HighsRun("infeasible", out.words, None, math.nan, math.nan), notes
        if complete and math.isfinite(out.bound) and best is not None:
            # then the MILP's own bound holds for the full model, up to the best plan's cost
            bound = max(bound, min(out.bound, best.objective))
        plan = best.objective if best is not None else math.nan
        _report(f"MILP on {len(chosen)} of {len(site_cols)} sites", plan, bound, began, time_limit)
        if best is None:  # no plan on these sites: widen by reduced cost of opening
            others = np.setdiff1d(site_cols, chosen)
            score = kept_cert.block[others]
            extra = others[np.argsort(score, kind="stable")][: len(chosen) + 10]
        else:
            if best.objective - bound <= mip_gap * abs(best.objective) or complete:
                break
            # the sites that could be in a better plan
            extra = np.setdiff1d(open_able(best.objective), chosen)
            if len(extra) > MILP_SITES:
                # they do not all fit: the cheapest to open, for a better plan in the time left
                extra = extra[np.argsort(kept_cert.block[extra], kind="stable")]
                room = MILP_SITES - len(chosen)
                if room <= 0:
                    break
                extra = extra[: min(2 * len(chosen) + 10, room)]
        chosen = np.union1d(chosen, extra)
    if best is None or best.x is None:
        return HighsRun("none", "no plan on the chosen sites", None, math.nan, bound), notes
    closed = len(site_cols) - len(open_able(best.objective))
    objective = best.objective
    bound = min(bound, objective)
    gap = (objective - bound) / max(abs(objective), 1e-9)
    notes += (
        f"; MILP on {len(chosen)} of {len(site_cols)} sites ({best.words}, "
        f"{time.perf_counter() - began - lp_seconds:.1f} s); "
        f"{closed} sites provably closed by reduced cost"
    )
    state = "optimal" if gap <= mip_gap else "limit"
    words = "optimal" if state == "optimal" else f"{best.words}, certified gap above tolerance"
    return HighsRun(state, words, best.x, objective, bound), notes


def _report(what: str, value: float, bound: float, began: float, time_limit: float) -> None:
    """Log one round: its value (LP or best plan), the full model's bound, gap and time."""
    if not LOG.isEnabledFor(logging.INFO):
        return
    gap = abs(value - bound) / max(abs(value), 1e-9) if math.isfinite(bound) else math.nan
    LOG.info(
        "decomposition, %s: value %s, bound %s, gap %s, %.1f s of %.1f s",
        what,
        f"{value:,.6g}",
        f"{bound:,.6g}",
        "unknown" if gap != gap else f"{gap:.3%}",
        time.perf_counter() - began,
        time_limit,
    )


def _restricted_lp(
    model: ArrayModel, pairs: Pairs, in_pool: np.ndarray, mip_gap: float, threads: int | None
) -> tuple[StoppableHighs, _Restricted]:
    cols, rows = pairs.keeping(model, in_pool)
    sub = model.subset(cols, rows)
    # artificial columns on rows that need positive activity keep the LP feasible
    needy = np.flatnonzero(sub.row_lower > 0)
    big = ARTIFICIAL_COST * max(float(np.abs(model.cost).max(initial=0.0)), 1.0)
    sub.cost = np.r_[sub.cost, np.full(len(needy), big)]
    sub.col_lower = np.r_[sub.col_lower, np.zeros(len(needy))]
    sub.col_upper = np.r_[sub.col_upper, np.full(len(needy), np.inf)]
    sub.integer = np.r_[sub.integer, np.zeros(len(needy), dtype=bool)]
    sub.start = np.r_[sub.start, sub.start[-1] + np.arange(1, len(needy) + 1)]
    sub.index = np.r_[sub.index, needy]
    sub.value = np.r_[sub.value, np.ones(len(needy))]
    lp = new_highs(mip_gap, threads)
    pass_model(lp, sub, relax=True)
    col_pos = np.full(model.n_cols, -1, dtype=np.int64)
    col_pos[cols] = np.arange(len(cols))
    row_pos = np.full(model.n_rows, -1, dtype=np.int64)
    row_pos[rows] = np.arange(len(rows))
    return lp, _Restricted(model, col_pos, row_pos, sub.n_cols, sub.n_rows)


def _add_pairs(
    lp: StoppableHighs,
    restricted: _Restricted,
    csr: tuple[np.ndarray, np.ndarray, np.ndarray],
    pairs: Pairs,
    new: np.ndarray,
) -> None:
    """Add pairs' columns, then their ``pair_open`` rows, to the restricted LP."""
    full = restricted.full
    cols = pairs.col[new]
    starts, index, value = _entries(full.start, full.index, full.value, cols, restricted.row_pos)
    restricted.col_pos[cols] = restricted.n_cols + np.arange(len(cols))
    restricted.n_cols += len(cols)
    lp.addCols(
        len(cols), full.cost[cols], full.col_lower[cols], full.col_upper[cols],
        len(index), starts, index, value,
    )  # fmt: skip
    rows = pairs.row[new]
    rows = rows[rows >= 0]
    starts, index, value = _entries(*csr, rows, restricted.col_pos)
    restricted.row_pos[rows] = restricted.n_rows + np.arange(len(rows))
    restricted.n_rows += len(rows)
    lp.addRows(
        len(rows), full.row_lower[rows], full.row_upper[rows], len(index), starts, index, value
    )


def _entries(
    start: np.ndarray, index: np.ndarray, value: np.ndarray, which: np.ndarray, pos: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries of some lines (columns or rows) of a compressed matrix, for HiGHS.

    Entries are renumbered by ``pos``, those with ``pos < 0`` (not in the restricted model)
    dropped; returns the lines' starts, the renumbered indices and the values.
    """
    lengths = start[which + 1] - start[which]
    line = np.repeat(np.arange(len(which)), lengths)
    offset = np.arange(len(line)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    flat = start[which][line] + offset
    mapped = pos[index[flat]]
    keep = mapped >= 0
    counts = np.bincount(line[keep], minlength=len(which))
    starts = (np.cumsum(counts) - counts).astype(np.int32)
    return starts, mapped[keep].astype(np.int32), value[flat][keep].astype(float)


def _lp_values(lp: StoppableHighs, restricted: _Restricted, cols: np.ndarray) -> np.ndarray:
    x = np.asarray(lp.getSolution().col_value, dtype=float)
    pos = restricted.col_pos[cols]
    return np.where(pos >= 0, x[np.maximum(pos, 0)], 0.0)


def _site_milp(
    model: ArrayModel,
    pairs: Pairs,
    chosen: np.ndarray,
    site_cols: np.ndarray,
    mip_gap: float,
    threads: int | None,
    deadline: float,
    incumbent: HighsRun | None = None,
) -> HighsRun:
    """Solve the MILP with only ``chosen`` sites open-able, all their pairs; full-size plan.

    A plan of an earlier round (its sites a subset of ``chosen``) is given as the first
    incumbent.
    """
    cols, rows = pairs.keeping(model, np.isin(pairs.site_col, chosen))
    sub = model.subset(cols, rows)
    closed = np.searchsorted(cols, np.setdiff1d(site_cols, chosen))
    sub.col_upper[closed] = 0.0
    highs = new_highs(mip_gap / 2, threads)
    pass_model(highs, sub)
    if incumbent is not None and incumbent.x is not None and sub.is_mip:
        given = highspy.HighsSolution()
        given.col_value = incumbent.x[cols].tolist()
        highs.setSolution(given)
    out = run(highs, deadline - time.perf_counter(), is_mip=sub.is_mip)
    if out.x is None:
        return out
    x = np.zeros(model.n_cols)
    x[cols] = out.x
    return HighsRun(out.state, out.words, x, float(model.cost @ x), out.bound)
