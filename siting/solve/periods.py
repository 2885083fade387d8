"""Solve the multi-period model, with perfect foresight or year by year (myopic).

Perfect foresight is one solve of :func:`~siting.model.periods.build_period_model` over the
horizon. Myopic (``docs/model.md``, "Foresight"): the planner of each year orders for the year
its orders enter service, knowing only the forecast published that year, with earlier orders
fixed; the orders are then operated over the horizon under the actual demand.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, replace

import numpy as np

from siting.feasibility import check_feasibility
from siting.horizon import Horizon
from siting.model import OBJECTIVE_UNIT
from siting.model.arrays import ArrayModel, from_pulp
from siting.model.periods import PeriodModel, build_period_model, fix_orders
from siting.solve.direct import (
    Options,
    Solved,
    _Result,
    _write_back,
    pulp_values,
    solve_problem,
    solver_options,
)
from siting.solve.highs import as_highs_lp, check_numbers, new_highs, run
from siting.solve.status import Outcome, relative_gap, verdict

#: Where each planning year and stage is reported (INFO); silent unless a handler is set.
LOG = logging.getLogger(__name__)

#: Columns from which HiGHS first tries the LP-guided restriction (:func:`restricted_plan`);
#: smaller models are solved directly.
RESTRICT_COLUMNS = 20_000


@dataclass(frozen=True)
class PeriodSolution(Outcome):
    """A solved multi-period plan, as arrays over sites ``s``, classes ``k``, years ``t``.

    Attributes
    ----------
    status, bound, gap, solver, termination, seconds
        As in :class:`~siting.solve.status.Solution`; costs are present values (CNY).
    objective
        Present value of the plan's cost over the horizon, CNY of the first year.
    open
        Site open per year, shape (S, T).
    order
        ``x_skτ``: MW ordered per site, class and order year, shape (S, C, T).
    use
        ``u^T``, ``u^I``: installed MW used per workload, site, class, year, shape (2, S, C, T).
    train
        ``t_st``: training demand MW hosted, shape (S, T).
    serve
        ``f_hst``: inference demand MW per admissible pair, shape (K, T).
    unmet
        Demand not served per hub, then national training, MW, shape (H + 1, T).
    foresight
        ``"perfect"`` or ``"myopic"``.
    """

    open: np.ndarray
    order: np.ndarray
    use: np.ndarray
    train: np.ndarray
    serve: np.ndarray
    unmet: np.ndarray
    foresight: str = "perfect"


def solve_periods(
    model: PeriodModel,
    *,
    solver: str | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
) -> PeriodSolution:
    """Solve a built multi-period model (options as :func:`~siting.solve.solve`).

    With HiGHS, a model of :data:`RESTRICT_COLUMNS` columns or more first tries
    :func:`restricted_plan`; if that plan is not within the gap, the full model is solved in
    the time left.

    Raises
    ------
    InfeasibleError
        If no plan meets every year's demand and limits, naming the years and reasons.
    SolverError
        If the solver failed or found no plan within its limits.
    """
    opts = solver_options(solver, time_limit, mip_gap, threads, "direct")
    h = model.horizon

    def reasons() -> list[str]:
        found = [
            f"year {h.years[t]}: {r}"
            for t in range(h.n_years)
            for r in check_feasibility(h.year_instance(t))
        ]
        return found or ["no build schedule meets every year's demand"]

    arrays = from_pulp(model.problem, model.years)
    large = opts.solver == "highs" and arrays.n_cols >= RESTRICT_COLUMNS
    if large and check_numbers(arrays) is None:
        start = time.perf_counter()
        guided = restricted_plan(arrays, opts)
        if guided is not None:
            _write_back(model.problem, guided.x)
            return _solution(model, opts, guided)
        left = max(opts.time_limit - (time.perf_counter() - start), 1.0)
        opts = dataclasses.replace(opts, time_limit=left)
    out = solve_problem(model.problem, model.years, opts, reasons, arrays)
    return _solution(model, opts, out)


def restricted_plan(arrays: ArrayModel, opts: Options) -> Solved | None:
    """Solve the LP relaxation, then the MIP restricted to the binaries the LP leaves open.

    Binaries at 0 in the LP optimum are fixed at 0, those at 1 at 1; the restricted MIP's plan
    is a plan of the full model, and the LP optimum is a valid lower bound on it. Returns the
    plan if its gap to that bound is within ``opts.mip_gap``, else ``None`` (then the full
    model is solved).
    """
    start = time.perf_counter()
    relaxed = new_highs(opts.mip_gap, opts.threads)
    relaxed.passModel(as_highs_lp(arrays, relax=True))
    lp = run(relaxed, opts.time_limit, is_mip=False)
    LOG.info(
        "multi-period LP relaxation: %s, bound %s, %.1f s of %g s",
        lp.words, f"{lp.objective * OBJECTIVE_UNIT:,.6g}", time.perf_counter() - start,
        opts.time_limit,
    )  # fmt: skip
    if lp.state != "optimal" or lp.x is None:
        return None
    binaries = np.flatnonzero(arrays.integer)
    restricted = as_highs_lp(arrays)
    lower, upper = arrays.col_lower.copy(), arrays.col_upper.copy()
    upper[binaries[lp.x[binaries] < 1e-6]] = 0.0
    lower[binaries[lp.x[binaries] > 1.0 - 1e-6]] = 1.0
    restricted.col_lower_, restricted.col_upper_ = lower, upper
    sub = new_highs(opts.mip_gap, opts.threads)
    sub.passModel(restricted)
    out = run(sub, max(opts.time_limit - (time.perf_counter() - start), 1.0), is_mip=True)
    if out.x is None:
        return None
    objective = float(arrays.cost @ out.x) * OBJECTIVE_UNIT
    bound = min(lp.objective * OBJECTIVE_UNIT, objective)
    gap = relative_gap(objective, bound)
    LOG.info(
        "multi-period restricted MIP: plan %s, gap to the LP bound %.3f%%, %.1f s of %g s",
        f"{objective:,.6g}", 100 * gap, time.perf_counter() - start, opts.time_limit,
    )  # fmt: skip
    if not gap <= opts.mip_gap:
        return None
    words = f"optimal within {gap:.3%} of the LP bound (LP-guided restriction)"
    status, words = verdict(True, gap, opts.mip_gap, words)
    seconds = time.perf_counter() - start
    result = _Result("optimal", words, out.x, lp.objective, "restricted", seconds)
    return Solved(out.x, objective, bound, gap, status, words, result)


def _solution(model: PeriodModel, opts: Options, out: Solved) -> PeriodSolution:
    """Read a solved model's variables into a :class:`PeriodSolution`."""
    h = model.horizon
    unmet = np.zeros((h.base.n_hubs + 1, h.n_years))
    for t, year in enumerate(model.years):
        if year.shortfall:
            unmet[:, t] = pulp_values(year.shortfall)
    return PeriodSolution(
        status=out.status,
        objective=out.objective,
        bound=out.bound,
        gap=out.gap,
        solver=opts.solver,
        termination=out.words,
        seconds=out.result.seconds,
        open=np.stack([pulp_values(y.open) > 0.5 for y in model.years], axis=1),
        order=_grid(model.order),
        use=_grid(model.use),
        train=np.stack([pulp_values(y.train) for y in model.years], axis=1),
        serve=np.stack([pulp_values(y.serve) for y in model.years], axis=1).reshape(-1, h.n_years),
        unmet=unmet,
    )


def plan(
    horizon: Horizon,
    foresight: str = "perfect",
    *,
    solver: str | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
) -> PeriodSolution:
    """Plan a horizon with perfect foresight or myopically (see the module docstring).

    Parameters
    ----------
    horizon
        The arrays; a myopic plan needs one lead time for all classes.
    foresight
        ``"perfect"`` or ``"myopic"``.
    solver, time_limit, mip_gap, threads
        As :func:`solve_periods`; the time limit applies to each solve.
    """
    opts = {"solver": solver, "time_limit": time_limit, "mip_gap": mip_gap, "threads": threads}
    if foresight == "perfect":
        return solve_periods(build_period_model(horizon), **opts)
    if foresight != "myopic":
        raise ValueError(f"unknown foresight {foresight!r}; expected 'perfect' or 'myopic'")
    h = horizon
    lead = int(h.lead.max())
    orders = np.zeros((h.base.n_sites, h.n_classes, h.n_years))
    opened = np.zeros((h.base.n_sites, h.n_years), bool)
    began = time.perf_counter()
    for tau in range(h.n_years - lead):
        target = tau + lead
        step = solve_periods(build_period_model(planning_year(h, tau, orders, opened)), **opts)
        LOG.info(
            "myopic plan, year %d (%d of %d): %s, gap %.3f%%, %.1f s",
            h.years[tau], tau + 1, h.n_years - lead, step.status, 100 * step.gap,
            time.perf_counter() - began,
        )  # fmt: skip
        orders[:, :, tau] = step.order[:, :, 0]
        opened[:, target:] |= step.open[:, :1]
    operated = build_period_model(h)
    fix_orders(operated, orders, opened)
    return replace(solve_periods(operated, **opts), foresight="myopic")


def planning_year(h: Horizon, tau: int, orders: np.ndarray, opened: np.ndarray) -> Horizon:
    """Return the one-year model of the planner of year index ``tau`` (``docs/model.md``).

    It plans the year ``τ + L`` in which its orders enter service, with the demand forecast
    in ``τ`` for that year, the orders placed before ``τ`` in service as sunk capacity, the
    grid headroom they and the vintages leave, and the sites opened so far open.
    """
    target = tau + int(h.lead.max())
    earlier = np.zeros((h.base.n_sites, h.n_classes))
    for k, tau_before in np.ndindex(h.n_classes, tau):
        if h.in_service(k, tau_before, target):
            earlier[:, k] += orders[:, k, tau_before]
    existing = h.existing[:, :, target] + earlier
    room = h.base.headroom_mw + h.peak_existing - existing.sum(axis=1)
    ratio = h.forecast(tau, target)
    return replace(
        h,
        base=replace(h.base, headroom_mw=np.clip(room, 0.0, None)),
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
        must_open=opened[:, target] | (False if h.must_open is None else h.must_open),
    )


def _grid(grid: np.ndarray) -> np.ndarray:
    out = np.zeros(grid.shape)
    for idx, var in np.ndenumerate(grid):
        if var is not None:
            out[idx] = max(var.value() or 0.0, 0.0)
    return out
