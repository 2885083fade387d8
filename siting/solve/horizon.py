"""Solve the multi-period model, with perfect foresight or year by year (myopic).

Perfect foresight is one solve of :func:`~siting.model.horizon.build_horizon_model` over the
horizon. Myopic (``docs/model.md``, "Foresight"): the planner of each year orders for the year
its orders enter service, knowing only the forecast published that year, with earlier orders
fixed; the orders are then operated over the horizon under the actual demand.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, replace

import numpy as np

from siting.feasibility import check_feasibility
from siting.horizon import Horizon
from siting.model import OBJECTIVE_UNIT
from siting.model.arrays import ArrayModel
from siting.model.horizon import HorizonModel, build_horizon_model, fix_orders
from siting.model.pulp_model import to_pulp
from siting.solve.aggregate import aggregated, twin_groups
from siting.solve.decompose import (
    FULL_LP_PAIRS,
    START_PER_HUB,
    Pairs,
    PricedLP,
    _alone,
    _priced_rows,
    first_pairs,
    price_pairs,
)
from siting.solve.direct import (
    Solved,
    _Result,
    solve_model,
)
from siting.solve.highs import check_numbers, new_highs, pass_model, run
from siting.solve.options import RunOptions, resolved
from siting.solve.status import Outcome, Step, overall, relative_gap

#: Where each planning year and stage is reported (INFO); silent unless a handler is set.
LOG = logging.getLogger(__name__)

#: Columns from which HiGHS first tries the LP-guided restriction (:func:`restricted_plan`);
#: smaller models are solved directly.
RESTRICT_COLUMNS = 20_000
#: Share of the time limit the LP relaxation of :func:`restricted_plan` may use; if it stops
#: there, the rest goes to a plan without it (:func:`nearest_plan`), which needs it: given
#: all but 120 s of 600 s, county-2023-2030's first LP round still stopped (at a load
#: average of 9-11 on 2 cores) and no plan was found in the 120 s left.
LP_SHARE = 0.5
#: Share of the time limit the LP relaxation over every pair (one round, up to
#: :data:`~siting.solve.decompose.FULL_LP_PAIRS` pairs) may use: stopped, it gives no bound
#: at all (the interior point method leaves no duals). Prefecture sites over 8 years: the
#: LP took 20.8 s at a load average of 1.3 on 2 cores, so at 0.5 of a 30 s limit it never
#: finished; the restricted MIP after it took 3-8 s. The price: if the LP stops, the plan
#: without it (:func:`nearest_plan`) has a fifth of the limit (at a load average of 7-10 it
#: found none in 4 s).
WHOLE_LP_SHARE = 0.8
#: Share of the time left after a stopped LP relaxation that :func:`nearest_plan` gets; the
#: full model, solved next from its plan, the rest. Without the LP's bound the full solve
#: cannot certify either (its root LP is the same LP): it only adds a bound of no use
#: (99.7 % gaps), while the plan needs the time (prefecture sites over 8 years at a load
#: average of 7-10: none in 4 s, one in 12 s).
NEAREST_SHARE = 0.8
#: Cheapest pairs per stream and year the horizon LP starts from when it prices pairs in
#: (over :data:`~siting.solve.decompose.FULL_LP_PAIRS` pairs). County demand over 8 years
#: (384,640 pairs; load average 7-10 on 2 cores): from 6 (133,288 pairs) the first round did
#: not finish in 480 s; from 2 it took 15 s, and 7 rounds bounded the model 35.7 % below
#: their LP in 480 s.
FIRST_PER_STREAM = 2
#: HiGHS's solver for every round of the horizon LP: the interior point method, then
#: crossover (to a vertex, so binaries at 0 or 1 are exact). Prefecture sites over 8 years
#: (the LP over every pair, one round; load average 1.3 on 2 cores): the dual simplex took
#: 68.8 s (63,088 iterations), the interior point method 20.8 s (58 iterations, 9,628
#: crossover iterations) to the same optimum, 438,486.03 M CNY. County-2023-2030, pricing
#: from 2 pairs a stream (load 3-5): the dual simplex's first round took 55-113 s and its
#: second, from the first's basis, did not finish in the 245 s left of its 300 s (twice), so
#: no bound; the interior point method's rounds took 32-95 s each, 5 in the 300 s.
LP_SOLVER = "ipm"
#: The model is first solved with twin hubs aggregated (:func:`aggregated_plan`) when their
#: groups number at most this share of the hubs (county demand: 1,085 groups of 2,852 hubs).
AGGREGATE_SHARE = 0.5
#: Share of the time limit the aggregated model's LP-guided restriction may use; the full
#: model with the binaries of its plan fixed gets the rest. County demand over 2023-2030
#: (load average about 5 on 2 cores): the aggregated LP took 243 s, its restricted MIP 40 s,
#: the full model with the binaries fixed (422,734 columns) 20 s.
AGGREGATED_SHARE = 0.85


@dataclass(frozen=True)
class HorizonSolution(Outcome):
    """A solved multi-period plan, as arrays over sites ``s``, classes ``k``, years ``t``.

    Attributes
    ----------
    status, bound, gap, solver, termination, seconds
        As in :class:`~siting.solve.status.Solution`; costs are present values (CNY). A
        myopic plan's status and gap are the worst of its ``steps``, its bound the operation's
        and its seconds those of every solve (:func:`plan`).
    objective
        Present value of the plan's cost over the horizon, CNY of the first year.
    open
        Site open per year, shape (S, T).
    order
        ``x_skτ``: MW ordered per site, class and order year, shape (S, C, T).
    use
        ``u^T``, ``u^q``: installed MW used per workload (training, then each service class),
        site, class, year, shape (1 + Q, S, C, T).
    train
        ``t_st``: training demand MW hosted, shape (S, T).
    serve
        ``f_hst``: inference demand MW per admissible pair, shape (K, T).
    unmet
        Demand not served per stream (service class q, hub h: row ``q·H + h``), then national
        training, MW, shape (Q·H + 1, T).
    foresight
        ``"perfect"`` or ``"myopic"``.
    steps
        Every solve the plan rests on (one for perfect foresight; each planning year, then
        the operation, for myopic), with its own status, gap, bound and seconds.
    """

    open: np.ndarray
    order: np.ndarray
    use: np.ndarray
    train: np.ndarray
    serve: np.ndarray
    unmet: np.ndarray
    foresight: str = "perfect"
    steps: tuple[Step, ...] = ()


def solve_horizon(
    model: HorizonModel, options: RunOptions | None = None, *, label: str = "the horizon"
) -> HorizonSolution:
    """Solve a built multi-period model (options as :func:`~siting.solve.solve`; directly).

    With HiGHS, a model of :data:`RESTRICT_COLUMNS` columns or more first tries
    :func:`aggregated_plan` (twin hubs merged, if that halves the hubs), else
    :func:`restricted_plan` (its LP relaxation gets :data:`LP_SHARE` of the time limit,
    :data:`WHOLE_LP_SHARE` if it is solved over every pair in one round; if
    it stops there, a plan without it, :func:`nearest_plan`, with the bound the stopped LP's
    duals give if any, and the termination says so); if that plan is not within the gap, the
    full model is solved in the time left, starting from it. A full solve stopped with no plan
    or a costlier one keeps the restriction's plan; the bound is the better of the LP bound
    and the full solve's.
    ``seconds`` counts every stage; ``label`` names the solve in :attr:`HorizonSolution.steps`.

    Raises
    ------
    InfeasibleError
        If no plan meets every year's demand and limits, naming the years and reasons.
    SolverError
        If the solver failed or found no plan within its limits (the limit given is quoted).
    """
    began = time.perf_counter()
    opts = dataclasses.replace(resolved(options), strategy="direct")
    h = model.horizon

    def reasons() -> list[str]:
        found = [
            f"year {h.years[t]}: {r}"
            for t in range(h.n_years)
            for r in check_feasibility(h.year_instance(t))
        ]
        return found or ["no build schedule meets every year's demand"]

    arrays = model.arrays
    large = opts.solver == "highs" and arrays.n_cols >= RESTRICT_COLUMNS
    guided = None
    if large and check_numbers(arrays) is None:
        guided = aggregated_plan(model, opts) or restricted_plan(arrays, opts)
    earlier = None if guided is None else guided.result
    full = arrays if guided is None else guided.model
    problem = to_pulp(full) if opts.needs_pulp else None
    out = solve_model(full, opts, reasons, problem, earlier=earlier, began=began)
    if earlier is not None and earlier.state != "optimal":  # what the first stage did
        out = replace(out, words=f"{out.words}; first stage: {earlier.words}")
    return _solution(model, opts, out, label)


@dataclass(frozen=True)
class Guided:
    """The LP-guided first stage: its result, and the full model with binaries fixed.

    Attributes
    ----------
    result
        The LP bound and the restricted plan, if one was found.
    model
        The full model with the binaries that reduced-cost fixing settles fixed: every plan
        cheaper than the restricted plan keeps them so, so its optimum, if below that plan's
        cost, is the full model's, and a bound on it is one on the full model.
    """

    result: _Result
    model: ArrayModel


def restricted_plan(arrays: ArrayModel, opts: RunOptions) -> Guided:
    """Solve the LP relaxation, then the MIP restricted to the binaries the LP leaves open.

    From :data:`~siting.solve.decompose.FULL_LP_PAIRS` pairs (over the years) the LP prices
    the serve columns in (:func:`~siting.solve.decompose.price_pairs`: each stream's
    :data:`FIRST_PER_STREAM` cheapest pairs first, then those with negative reduced cost
    under the duals); its bound is the Lagrangian bound ``L(π)``, valid for the full model
    in every round and equal to the LP optimum once no pair prices out. Binaries at 0 in
    the LP solution are fixed at 0, those at 1 at 1; the restricted MIP's plan is a plan of
    the full model. With a plan of cost ``U``, the reduced costs settle binaries in the full
    model (:func:`fixed_by_reduced_cost`).

    Pricing may use :data:`LP_SHARE` of the time limit (the LP over every pair, in one round
    by the interior point method, :data:`WHOLE_LP_SHARE`); if no LP round finished by then, the
    plan comes from :func:`nearest_plan` instead, with the bound the stopped LP's duals give,
    if any.

    Returns
    -------
    Guided
        The bound (objective units) and the restricted plan if one was found: state
        ``"optimal"`` if its gap to the bound is within ``opts.mip_gap`` (the answer), else
        ``"limit"`` (the full model, with the binaries fixed, is solved next, and this plan
        kept if that finds none better).
    """
    assert opts.mip_gap is not None and opts.time_limit is not None  # set by RunOptions.resolve
    start = time.perf_counter()
    pairs = Pairs.of(arrays)
    whole = len(pairs.col) <= FULL_LP_PAIRS  # then the LP over every pair is quicker
    share = WHOLE_LP_SHARE if whole else LP_SHARE
    until = start + share * opts.time_limit
    lp = price_pairs(
        arrays, pairs, until, until, opts.mip_gap, opts.threads,
        full_lp=whole, per_hub=FIRST_PER_STREAM, lp_solver=LP_SOLVER,
    )  # fmt: skip
    priced = (
        f"{lp.rounds} LP rounds priced in {int(lp.in_pool.sum()):,} of {len(pairs.col):,} "
        f"pairs ({lp.words}{', pricing stopped early' if lp.state == 'limit' else ''})"
    )
    LOG.info(
        "multi-period LP relaxation: %s, bound %s, %.1f s of %g s",
        priced, f"{lp.bound * OBJECTIVE_UNIT:,.6g}", time.perf_counter() - start,
        opts.time_limit,
    )  # fmt: skip
    if lp.state == "infeasible":  # the full solve says why
        words = f"the LP relaxation is infeasible ({lp.words})"
        return Guided(_Result("none", words, None, math.nan, "LP-guided", 0.0), arrays)
    if lp.x is None or not math.isfinite(lp.bound):
        why = (
            f"the LP relaxation stopped ({lp.words}) after {time.perf_counter() - start:.1f} s "
            f"of the {share * opts.time_limit:g} s it may use"
        )
        return nearest_plan(arrays, opts, start, why, lp)
    binaries = np.flatnonzero(arrays.integer)
    lower, upper = arrays.col_lower.copy(), arrays.col_upper.copy()
    upper[binaries[lp.x[binaries] < 1e-6]] = 0.0
    lower[binaries[lp.x[binaries] > 1.0 - 1e-6]] = 1.0
    restricted = replace(arrays, col_lower=lower, col_upper=upper)
    sub = new_highs(opts.mip_gap, opts.threads)
    pass_model(sub, restricted)
    out = run(sub, max(opts.time_limit - (time.perf_counter() - start), 1.0), is_mip=True)
    seconds = time.perf_counter() - start
    if out.x is None:
        words = f"LP-guided restriction found no plan ({out.words}); {priced}"
        return Guided(_Result("none", words, None, lp.bound, "LP-guided", seconds), arrays)
    objective = float(arrays.cost @ out.x)
    gap = relative_gap(objective, min(lp.bound, objective))
    LOG.info(
        "multi-period restricted MIP: plan %s, gap to the LP bound %.3f%%, %.1f s of %g s",
        f"{objective * OBJECTIVE_UNIT:,.6g}", 100 * gap, seconds, opts.time_limit,
    )  # fmt: skip
    if gap <= opts.mip_gap:
        words = f"optimal within {gap:.3%} of the LP bound (LP-guided restriction; {priced})"
        result = _Result("optimal", words, out.x, lp.bound, "LP-guided", seconds)
        return Guided(result, arrays)
    fixed, settled = fixed_by_reduced_cost(arrays, lp.dual, objective)
    LOG.info("multi-period reduced-cost fixing: %d of %d binaries fixed", settled, len(binaries))
    words = (
        f"LP-guided restriction stopped at {gap:.3%} of the LP bound ({out.words}); "
        f"{settled} of {len(binaries)} binaries fixed by reduced cost; {priced}"
    )
    return Guided(_Result("limit", words, out.x, lp.bound, "LP-guided", seconds), fixed)


def aggregated_plan(model: HorizonModel, opts: RunOptions) -> Guided | None:
    """Bound the model by its twin hubs aggregated, and plan with that model's binaries.

    The aggregated model (:func:`~siting.solve.aggregate.aggregated`, a relaxation) goes
    through :func:`restricted_plan` within :data:`AGGREGATED_SHARE` of the time limit: its LP
    bound is one of ``model``. Then ``model`` is solved in the time left with its binaries
    fixed at those of the aggregated plan (orders, use and each hub's flows free), which
    gives the plan (``docs/model.md``, "Twin hubs aggregated").

    Returns
    -------
    Guided or None
        ``None`` (nothing done) if the twin groups are more than :data:`AGGREGATE_SHARE` of
        the hubs or a class holds failover reserve (whose rows are per hub). Else the plan and
        bound: state ``"optimal"`` if within ``opts.mip_gap`` of the bound, ``"limit"`` if
        not, ``"none"`` if no plan was found; the model is ``model.arrays``.
    """
    assert opts.mip_gap is not None and opts.time_limit is not None  # set by RunOptions.resolve
    base = model.horizon.base
    twins = twin_groups(base)
    if base.classes.failover.any() or twins.n_groups > AGGREGATE_SHARE * base.n_hubs:
        return None
    start = time.perf_counter()
    small = build_horizon_model(aggregated(model.horizon, twins))
    limit = AGGREGATED_SHARE * opts.time_limit
    first = restricted_plan(small.arrays, replace(opts, time_limit=limit)).result
    named = f"{base.n_hubs:,} hubs as {twins.n_groups:,} twin groups"
    LOG.info(
        "multi-period model with %s: %s, %.1f s of %g s",
        named, first.words, time.perf_counter() - start, opts.time_limit,
    )  # fmt: skip
    if first.x is None:
        words = f"the model with {named} found no plan ({first.words})"
        seconds = time.perf_counter() - start
        return Guided(replace(first, words=words, seconds=seconds), model.arrays)
    lower, upper = model.arrays.col_lower.copy(), model.arrays.col_upper.copy()
    for name in ("open", "hosts"):  # the same sites and years in both models
        full, agg = getattr(model, name), getattr(small, name)
        has = full >= 0
        assert (agg[has] >= 0).all(), f"the aggregated model lacks {name} columns"
        lower[full[has]] = upper[full[has]] = np.round(first.x[agg[has]])
    sub = new_highs(opts.mip_gap, opts.threads)
    pass_model(sub, replace(model.arrays, col_lower=lower, col_upper=upper))
    out = run(sub, max(opts.time_limit - (time.perf_counter() - start), 1.0), is_mip=True)
    seconds = time.perf_counter() - start
    stage = "aggregated twin hubs"
    if out.x is None:
        words = f"the plan of the model with {named} did not solve in full ({out.words})"
        return Guided(_Result("none", words, None, first.bound, stage, seconds), model.arrays)
    objective = float(model.arrays.cost @ out.x)
    gap = relative_gap(objective, min(first.bound, objective))
    state = "optimal" if gap <= opts.mip_gap else "limit"
    words = (
        f"{'optimal' if state == 'optimal' else 'stopped'} within {gap:.3%} of the bound of "
        f"the model with {named} (its plan's binaries, every hub's flows re-optimised; "
        f"{first.words})"
    )
    LOG.info("multi-period plan from the aggregated model: %s, %.1f s", words, seconds)
    return Guided(_Result(state, words, out.x, first.bound, stage, seconds), model.arrays)


def nearest_plan(
    arrays: ArrayModel, opts: RunOptions, start: float, why: str, lp: PricedLP | None = None
) -> Guided:
    """Solve the MIP with each stream's cheapest pairs only, when the LP relaxation stopped.

    Each stream keeps its :data:`~siting.solve.decompose.START_PER_HUB` cheapest pairs in
    every year (:func:`~siting.solve.decompose.first_pairs`), the other serve columns fixed
    at 0, so its plan is one of the full model; its own bound is not one of the full model.
    The stopped LP's duals, if it left any, still give one: the Lagrangian bound ``L(π)``
    holds for any ``π`` (``lp.bound``, ``nan`` if none), and with the plan's cost they settle
    binaries by reduced cost (:func:`fixed_by_reduced_cost`). It gets
    :data:`NEAREST_SHARE` of the time left since ``start``; the full model, solved next from
    its plan, the rest.

    Returns
    -------
    Guided
        State ``"limit"`` with the plan, or ``"none"`` if it found none; ``why`` (the LP's
        stop) opens the words.
    """
    assert opts.mip_gap is not None and opts.time_limit is not None  # set by RunOptions.resolve
    pairs = Pairs.of(arrays)
    cut = np.ones(len(pairs.col), dtype=bool)
    cut[first_pairs(arrays, pairs)] = False
    upper = arrays.col_upper.copy()
    upper[pairs.col[cut]] = 0.0
    sub = new_highs(opts.mip_gap, opts.threads)
    pass_model(sub, replace(arrays, col_upper=upper))
    left = opts.time_limit - (time.perf_counter() - start)
    out = run(sub, max(NEAREST_SHARE * left, 1.0), is_mip=arrays.is_mip)
    seconds = time.perf_counter() - start
    bound = lp.bound if lp is not None and math.isfinite(lp.bound) else math.nan
    kept = f"each stream's {START_PER_HUB} cheapest pairs"
    if math.isfinite(bound):
        why += f"; its duals bound the full model at {bound * OBJECTIVE_UNIT:,.6g}"
    else:
        why += ", so it gives no bound"
    state = "limit" if out.x is not None else "none"
    words = f"{why}; the MIP on {kept} found no plan ({out.words})"
    fixed = arrays
    if out.x is not None:
        words = f"{why}; the plan on {kept} ({out.words}) has no bound of its own"
        if lp is not None and math.isfinite(bound):
            fixed, settled = fixed_by_reduced_cost(arrays, lp.dual, float(arrays.cost @ out.x))
            words += f"; {settled} binaries fixed by reduced cost"
    LOG.info(
        "multi-period plan without the LP: %s, %.1f s of %g s", words, seconds, opts.time_limit
    )
    return Guided(_Result(state, words, out.x, bound, "nearest pairs", seconds), fixed)


def fixed_by_reduced_cost(
    arrays: ArrayModel, row_dual: np.ndarray | None, upper: float
) -> tuple[ArrayModel, int]:
    """Fix the binaries that no plan cheaper than ``upper`` can move (reduced-cost fixing).

    With row duals ``π``, reduced costs ``d = c − Aᵀπ`` and the Lagrangian bound
    ``L = Σ_i π_i b_i + Σ_j min(d_j l_j, d_j u_j)`` (:func:`~siting.solve.decompose.
    lagrangian_bound`), a plan with binary ``j`` at 1 costs at least ``L + d_j`` if
    ``d_j > 0`` (at 0, ``L − d_j`` if ``d_j < 0``); where that exceeds ``upper`` the binary
    is fixed at 0 (at 1).

    Returns
    -------
    tuple of ArrayModel and int
        The model with those bounds (``arrays`` itself if none) and how many were fixed.
    """
    if row_dual is None or not np.isfinite(upper):
        return arrays, 0
    rows, d = _priced_rows(arrays, row_dual)
    bound = rows + _alone(arrays, d, np.ones(arrays.n_cols, dtype=bool))
    if not np.isfinite(bound):
        return arrays, 0
    j = np.flatnonzero(arrays.integer & (arrays.col_lower < arrays.col_upper))
    off = j[(d[j] > 0) & (arrays.col_lower[j] == 0) & (bound + d[j] > upper)]
    on = j[(d[j] < 0) & (arrays.col_upper[j] == 1) & (bound - d[j] > upper)]
    if not (len(off) or len(on)):
        return arrays, 0
    lower, high = arrays.col_lower.copy(), arrays.col_upper.copy()
    high[off], lower[on] = 0.0, 1.0
    return replace(arrays, col_lower=lower, col_upper=high), len(off) + len(on)


def _solution(model: HorizonModel, opts: RunOptions, out: Solved, label: str) -> HorizonSolution:
    """Read a solved model's columns into a :class:`HorizonSolution`."""
    h, x = model.horizon, out.x

    def values(grid: np.ndarray) -> np.ndarray:  # 0 where a variable has no column
        return np.where(grid >= 0, x[np.maximum(grid, 0)], 0.0)

    assert opts.solver is not None  # set by RunOptions.resolve
    step = Step(label, out.status, out.gap, out.bound, out.result.seconds, out.words)
    return HorizonSolution(
        **out.outcome_fields(opts.solver),
        open=values(model.open) > 0.5,
        order=np.maximum(values(model.order), 0.0),
        use=np.maximum(values(model.use), 0.0),
        train=values(model.train),
        serve=values(model.serve).reshape(-1, h.n_years),
        unmet=values(model.shortfall),
        steps=(step,),
    )


def plan(
    horizon: Horizon,
    foresight: str = "perfect",
    options: RunOptions | None = None,
) -> HorizonSolution:
    """Plan a horizon with perfect foresight or myopically (see the module docstring).

    Parameters
    ----------
    horizon
        The arrays; a myopic plan needs one lead time for all classes.
    foresight
        ``"perfect"`` or ``"myopic"``.
    options
        As :func:`solve_horizon`; the time limit applies to each solve.

    Returns
    -------
    HorizonSolution
        A myopic plan is the operation of the planners' orders; it is optimal only if every
        planning year's solve and the operation are (:func:`~siting.solve.status.overall`):
        else feasible with the worst gap, its termination naming that solve. Its ``bound`` is
        the operation's, its ``seconds`` those of every solve, its ``steps`` each solve.
    """
    if foresight == "perfect":
        return solve_horizon(build_horizon_model(horizon), options, label="perfect foresight")
    if foresight != "myopic":
        raise ValueError(f"unknown foresight {foresight!r}; expected 'perfect' or 'myopic'")
    h = horizon
    lead = int(h.lead.max())
    orders = np.zeros((h.base.n_sites, h.n_accelerator_classes, h.n_years))
    opened = np.zeros((h.base.n_sites, h.n_years), bool)
    steps: list[Step] = []
    began = time.perf_counter()
    for tau in range(h.n_years - lead):
        target = tau + lead
        label = f"the planning year {h.years[tau]} (orders for {h.years[target]})"
        year = build_horizon_model(planning_year(h, tau, orders, opened))
        step = solve_horizon(year, options, label=label)
        steps += step.steps
        LOG.info(
            "myopic plan, year %d (%d of %d): %s, gap %.3f%%, %.1f s",
            h.years[tau], tau + 1, h.n_years - lead, step.status, 100 * step.gap,
            time.perf_counter() - began,
        )  # fmt: skip
        orders[:, :, tau] = step.order[:, :, 0]
        opened[:, target:] |= step.open[:, :1]
    operated = build_horizon_model(h)
    fix_orders(operated, orders, opened)
    run = solve_horizon(operated, options, label="the operation of the orders under actual demand")
    steps += run.steps
    status, gap, words = overall(steps)
    return replace(
        run,
        status=status,
        gap=gap,
        termination=words,
        seconds=sum(s.seconds for s in steps),
        foresight="myopic",
        steps=tuple(steps),
    )


def planning_year(h: Horizon, tau: int, orders: np.ndarray, opened: np.ndarray) -> Horizon:
    """Return the one-year model of the planner of year index ``tau`` (``docs/model.md``).

    It plans the year ``τ + L`` in which its orders enter service, with the demand forecast
    in ``τ`` for that year, the orders placed before ``τ`` in service as sunk capacity, the
    grid headroom they and the vintages leave, the green supply they leave, and the sites
    opened so far open.
    """
    target = tau + int(h.lead.max())
    earlier = np.zeros((h.base.n_sites, h.n_accelerator_classes))
    for k, tau_before in np.ndindex(h.n_accelerator_classes, tau):
        if h.in_service(k, tau_before, target):
            earlier[:, k] += orders[:, k, tau_before]
    existing = h.existing[:, :, target] + earlier
    room = h.base.sites.headroom_mw + h.peak_existing - existing.sum(axis=1)
    ratio = h.forecast(tau, target)
    return replace(
        h,
        base=replace(
            h.base,
            sites=replace(h.base.sites, headroom_mw=np.clip(room, 0.0, None)),
            policy=h.base.policy.with_new_in_service(earlier.sum(axis=1)),
        ),
        years=h.years[target : target + 1],
        lead=np.zeros_like(h.lead),
        existing=existing[:, :, None],
        demand=h.demand[:, target : target + 1] * ratio,
        training=h.training[target : target + 1] * ratio,
        capex=h.capex[:, :, tau : tau + 1],
        capital=h.capital[:, tau : tau + 1],
        rent=h.rent[:, :, target : target + 1],
        discount=np.ones(1),
        forecast_ratio=None,
        min_cluster=None if h.min_cluster is None else h.min_cluster[target : target + 1],
        must_open=opened[:, target] | (False if h.must_open is None else h.must_open),
    )
