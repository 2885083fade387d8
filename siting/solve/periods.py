"""Solve the multi-period model, with perfect foresight or year by year (myopic).

Perfect foresight is one solve of :func:`~siting.model.periods.build_period_model` over the
horizon. Myopic (``docs/model.md``, "Foresight"): the planner of each year orders for the year
its orders enter service, knowing only the forecast published that year, with earlier orders
fixed; the orders are then operated over the horizon under the actual demand.
"""

from __future__ import annotations

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
    pulp_values,
    solve_problem,
    solver_options,
)
from siting.solve.highs import as_highs_lp, check_numbers, new_highs, run
from siting.solve.status import Outcome, Step, overall, relative_gap

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


def solve_periods(
    model: PeriodModel,
    *,
    solver: str | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    label: str = "the horizon",
) -> PeriodSolution:
    """Solve a built multi-period model (options as :func:`~siting.solve.solve`).

    With HiGHS, a model of :data:`RESTRICT_COLUMNS` columns or more first tries
    :func:`restricted_plan`; if that plan is not within the gap, the full model is solved in
    the time left, starting from it. A full solve stopped with no plan or a costlier one keeps
    the restriction's plan; the bound is the better of the LP bound and the full solve's.
    ``seconds`` counts every stage; ``label`` names the solve in :attr:`PeriodSolution.steps`.

    Raises
    ------
    InfeasibleError
        If no plan meets every year's demand and limits, naming the years and reasons.
    SolverError
        If the solver failed or found no plan within its limits (the limit given is quoted).
    """
    began = time.perf_counter()
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
    guided = restricted_plan(arrays, opts) if large and check_numbers(arrays) is None else None
    out = solve_problem(
        model.problem, model.years, opts, reasons, arrays, earlier=guided, began=began
    )
    return _solution(model, opts, out, label)


def restricted_plan(arrays: ArrayModel, opts: Options) -> _Result | None:
    """Solve the LP relaxation, then the MIP restricted to the binaries the LP leaves open.

    Binaries at 0 in the LP optimum are fixed at 0, those at 1 at 1; the restricted MIP's plan
    is a plan of the full model, and the LP optimum is a valid lower bound on it.

    Returns
    -------
    _Result or None
        ``None`` if the LP was not solved. Else the LP bound (objective units) and the
        restricted plan if one was found: state ``"optimal"`` if its gap to the LP bound is
        within ``opts.mip_gap`` (the answer), else ``"limit"`` (the full model is solved next,
        and this plan kept if that finds none better).
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
    seconds = time.perf_counter() - start
    if out.x is None:
        words = f"LP-guided restriction found no plan ({out.words})"
        return _Result("none", words, None, lp.objective, "LP-guided", seconds)
    objective = float(arrays.cost @ out.x)
    gap = relative_gap(objective, min(lp.objective, objective))
    LOG.info(
        "multi-period restricted MIP: plan %s, gap to the LP bound %.3f%%, %.1f s of %g s",
        f"{objective * OBJECTIVE_UNIT:,.6g}", 100 * gap, seconds, opts.time_limit,
    )  # fmt: skip
    if gap <= opts.mip_gap:
        words = f"optimal within {gap:.3%} of the LP bound (LP-guided restriction)"
        return _Result("optimal", words, out.x, lp.objective, "LP-guided", seconds)
    words = f"LP-guided restriction stopped at {gap:.3%} of the LP bound ({out.words})"
    return _Result("limit", words, out.x, lp.objective, "LP-guided", seconds)


def _solution(model: PeriodModel, opts: Options, out: Solved, label: str) -> PeriodSolution:
    """Read a solved model's variables into a :class:`PeriodSolution`."""
    h = model.horizon
    unmet = np.zeros((h.base.n_streams + 1, h.n_years))
    for t, year in enumerate(model.years):
        if year.shortfall:
            unmet[:, t] = pulp_values(year.shortfall)
    step = Step(label, out.status, out.gap, out.bound, out.result.seconds, out.words)
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
        steps=(step,),
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

    Returns
    -------
    PeriodSolution
        A myopic plan is the operation of the planners' orders; it is optimal only if every
        planning year's solve and the operation are (:func:`~siting.solve.status.overall`):
        else feasible with the worst gap, its termination naming that solve. Its ``bound`` is
        the operation's, its ``seconds`` those of every solve, its ``steps`` each solve.
    """
    opts = {"solver": solver, "time_limit": time_limit, "mip_gap": mip_gap, "threads": threads}
    if foresight == "perfect":
        return solve_periods(build_period_model(horizon), **opts, label="perfect foresight")
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
        year = build_period_model(planning_year(h, tau, orders, opened))
        step = solve_periods(year, **opts, label=label)
        steps += step.steps
        LOG.info(
            "myopic plan, year %d (%d of %d): %s, gap %.3f%%, %.1f s",
            h.years[tau], tau + 1, h.n_years - lead, step.status, 100 * step.gap,
            time.perf_counter() - began,
        )  # fmt: skip
        orders[:, :, tau] = step.order[:, :, 0]
        opened[:, target:] |= step.open[:, :1]
    operated = build_period_model(h)
    fix_orders(operated, orders, opened)
    run = solve_periods(operated, **opts, label="the operation of the orders under actual demand")
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
    grid headroom they and the vintages leave, and the sites opened so far open.
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
        base=replace(h.base, sites=replace(h.base.sites, headroom_mw=np.clip(room, 0.0, None))),
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
