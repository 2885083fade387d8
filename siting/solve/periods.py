"""Solve the multi-period model, with perfect foresight or year by year (myopic).

Perfect foresight is one solve of :func:`~siting.model.periods.build_period_model` over the
horizon. Myopic (``docs/model.md``, "Foresight"): the planner of each year orders for the year
its orders enter service, knowing only the forecast published that year, with earlier orders
fixed; the orders are then operated over the horizon under the actual demand.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from siting.feasibility import check_feasibility
from siting.horizon import Horizon
from siting.model.periods import PeriodModel, build_period_model, fix_orders
from siting.solve.direct import _values, solve_problem, solver_options
from siting.solve.status import Status


@dataclass(frozen=True)
class PeriodSolution:
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

    status: Status
    objective: float
    bound: float
    gap: float
    solver: str
    termination: str
    seconds: float
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
    """Solve a built multi-period model (one solver run; options as :func:`~siting.solve.solve`).

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

    out = solve_problem(model.problem, model.years, opts, reasons)
    unmet = np.zeros((h.base.n_hubs + 1, h.n_years))
    for t, year in enumerate(model.years):
        if year.shortfall:
            unmet[:, t] = _values(year.shortfall)
    return PeriodSolution(
        status=out.status,
        objective=out.objective,
        bound=out.bound,
        gap=out.gap,
        solver=opts.solver,
        termination=out.words,
        seconds=out.result.seconds,
        open=np.stack([_values(y.open) > 0.5 for y in model.years], axis=1),
        order=_grid(model.order),
        use=_grid(model.use),
        train=np.stack([_values(y.train) for y in model.years], axis=1),
        serve=np.stack([_values(y.serve) for y in model.years], axis=1).reshape(-1, h.n_years),
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
    for tau in range(h.n_years - lead):
        target = tau + lead
        step = solve_periods(build_period_model(planning_year(h, tau, orders, opened)), **opts)
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
        rent=h.rent[:, :, target : target + 1],
        discount=np.ones(1),
        forecast_ratio=None,
        must_open=opened[:, target].copy(),
    )


def _grid(grid: np.ndarray) -> np.ndarray:
    out = np.zeros(grid.shape)
    for idx, var in np.ndenumerate(grid):
        if var is not None:
            out[idx] = max(var.value() or 0.0, 0.0)
    return out
