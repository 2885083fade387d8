"""The multi-period model: one year equals the single-period model; brute force on small cases."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from siting.errors import InfeasibleError
from siting.horizon import Horizon, one_year
from siting.horizon_tables import installed, schedule_table, stranded
from siting.instance import Instance
from siting.model import build_arrays
from siting.model.horizon import build_horizon_model, dominated_classes
from siting.pipeline import prepare
from siting.solve import Status, solve
from siting.solve.horizon import plan, solve_horizon
from siting.solve.options import RunOptions

from .conftest import make_instance


def make_horizon(
    seed: int,
    *,
    n_sites: int = 3,
    n_years: int = 2,
    lead: int = 0,
    life: int = 5,
    min_cluster_mw: float = 0.0,
    standby: float = 0.0,
    penalty: float = 0.0,
    rent: tuple[float, float] | None = None,
    factor: tuple[float, ...] | tuple[tuple[float, ...], tuple[float, ...]] = (1.0, 0.5),
    same_capex: bool = False,
) -> Horizon:
    """A random horizon: two classes, existing MW that retires, demand that grows.

    ``factor`` is each class's capability, the same for both workloads, or one row for
    training and one for inference.
    """
    rng = np.random.default_rng(seed)
    inst = make_instance(seed, n_sites=n_sites, n_hubs=2, min_cluster_mw=min_cluster_mw, rent=rent)
    phi = np.atleast_2d(np.asarray(factor, float))
    c = phi.shape[1]
    existing = np.zeros((n_sites, c, n_years))
    for s, k in itertools.product(range(n_sites), range(c)):
        if rng.random() < 0.5:
            mw, ends = rng.uniform(10, 50), int(rng.integers(1, n_years + 1))
            existing[s, k, :ends] = mw  # retires after year index ends - 1
    growth = 1.0 + 0.6 * np.arange(n_years)
    capex = rng.uniform(2e6, 4e6, (n_sites, c, n_years))
    if same_capex:  # every class costs the same: the model orders only the best one
        capex[:] = capex[:, :1]
    return Horizon(
        base=inst,
        years=2023 + np.arange(n_years),
        classes=np.array([f"c{k}" for k in range(c)]),
        factor=np.broadcast_to(phi, (2, c)).copy(),
        lead=np.full(c, lead, np.int64),
        life=np.full(c, life, np.int64),
        buildable=np.ones(c, bool),
        existing=existing,
        demand=np.outer(inst.hubs.demand_mw, growth),
        training=inst.training_mw * growth * 0.5,
        capex=capex,
        capital=np.full((c, n_years), 1e8),
        fixed=inst.sites.fixed_cost,
        rent=np.broadcast_to(inst.rent[:, None, None], (2, c, n_years)).copy(),
        standby=np.full(n_sites, standby),
        discount=0.9 ** np.arange(n_years),
        penalty=penalty,
    )


def brute_force(h: Horizon) -> float:
    """Optimal present value by enumerating opening years and clusters, an LP for each.

    Written from ``docs/model.md`` independently of :mod:`siting.model.horizon`: dense rows,
    variables ``x_skτ, u^T_skt, u^I_skt, t_st, f_kt, ξ_ht, ξ^T_t``.
    """
    inst = h.base
    S, C, T, K, H = inst.n_sites, h.n_accelerator_classes, h.n_years, inst.n_pairs, inst.n_hubs  # noqa: N806
    cols: dict[tuple, int] = {}

    def col(*key: object) -> int:
        return cols.setdefault(key, len(cols))

    def serves(k: int, tau: int, t: int) -> bool:
        start = tau + h.lead[k]
        return start <= t < start + h.life[k]

    orders = [(s, k, tau) for s in range(S) for k in range(C) for tau in range(T)
              if tau + h.lead[k] < T]  # fmt: skip
    for key in orders:
        col("x", *key)
    for w, s, k, t in itertools.product(range(2), range(S), range(C), range(T)):
        col("u", w, s, k, t)
    for s, t in itertools.product(range(S), range(T)):
        col("t", s, t)
    for k, t in itertools.product(range(K), range(T)):
        col("f", k, t)
    elastic = h.penalty > 0
    if elastic:
        for i, t in itertools.product(range(H + 1), range(T)):
            col("xi", i, t)
    n = len(cols)
    peak = h.existing.sum(axis=1).max(axis=1)
    cap = h.factor.max() * (peak + inst.sites.headroom_mw)
    margin = inst.maximise_margin
    cost = np.zeros(n)
    opex = inst.sites.opex.sum(axis=1)
    for s, k, tau in orders:
        for t in range(T):
            if serves(k, tau, t):
                cost[col("x", s, k, tau)] += h.discount[t] * (h.capex[s, k, tau] + h.standby[s])
    for w, s, k, t in itertools.product(range(2), range(S), range(C), range(T)):
        coef = opex[w, s] - h.standby[s] - margin * h.rent[w, k, t]
        cost[col("u", w, s, k, t)] = h.discount[t] * coef
    for k, t in itertools.product(range(K), range(T)):
        cost[col("f", k, t)] = h.discount[t] * inst.pairs.cost[k]
    if elastic:
        for i, t in itertools.product(range(H + 1), range(T)):
            cost[col("xi", i, t)] = h.discount[t] * h.penalty
    cluster = inst.training_mw > 0 and inst.min_cluster_mw > 0
    best = np.inf
    for opens in itertools.product(range(T + 1), repeat=S):  # year index a site opens (T: never)
        y = np.array([[t >= a for t in range(T)] for a in opens], dtype=float)
        choices = (
            itertools.product((0, 1), repeat=S * T) if cluster else [tuple(y.ravel().astype(int))]
        )
        for zflat in choices:
            z = np.array(zflat, dtype=float).reshape(S, T)
            if cluster and (z > y).any():
                continue
            a_eq, b_eq, a_ub, b_ub = [], [], [], []

            def row() -> np.ndarray:
                return np.zeros(n)

            for t in range(T):
                for hub in range(H):
                    r = row()
                    for k in np.flatnonzero(inst.pairs.hub == hub):
                        r[col("f", k, t)] = 1
                    if elastic:
                        r[col("xi", hub, t)] = 1
                    (a_ub if margin else a_eq).append(r)
                    (b_ub if margin else b_eq).append(h.demand[hub, t])
                r = row()
                for s in range(S):
                    r[col("t", s, t)] = 1
                if elastic:
                    r[col("xi", H, t)] = 1
                (a_ub if margin else a_eq).append(r)
                (b_ub if margin else b_eq).append(h.training[t])
                for s in range(S):
                    r = row()  # conversion, training
                    r[col("t", s, t)] = 1
                    for k in range(C):
                        r[col("u", 0, s, k, t)] = -h.factor[0, k]
                    a_eq.append(r)
                    b_eq.append(0.0)
                    r = row()  # conversion, inference
                    for k in np.flatnonzero(inst.pairs.site == s):
                        r[col("f", k, t)] = 1
                    for k in range(C):
                        r[col("u", 1, s, k, t)] = -h.factor[1, k]
                    a_eq.append(r)
                    b_eq.append(0.0)
                    room = inst.sites.headroom_mw[s] + peak[s] - h.existing[s, :, t].sum()
                    r_head = row()
                    for k in range(C):
                        r = row()  # capacity per class
                        r[col("u", 0, s, k, t)] = r[col("u", 1, s, k, t)] = 1
                        for s2, k2, tau in orders:
                            if s2 == s and k2 == k and serves(k, tau, t):
                                r[col("x", s, k, tau)] = -1
                                r_head[col("x", s, k, tau)] = 1
                        a_ub.append(r)
                        b_ub.append(h.existing[s, k, t] * y[s, t])
                    a_ub.append(r_head)
                    b_ub.append(room * y[s, t])
                for g in range(len(inst.sites.group_names)):
                    r = row()
                    for s in np.flatnonzero(inst.sites.group == g):
                        r[col("t", s, t)] = inst.staff_per_mw[0]
                        for k in np.flatnonzero(inst.pairs.site == s):
                            r[col("f", k, t)] = inst.staff_per_mw[1]
                    a_ub.append(r)
                    b_ub.append(inst.sites.staff_available[g])
            bounds = [(0.0, None)] * n
            for s, t in itertools.product(range(S), range(T)):
                if cluster:
                    if cap[s] < inst.min_cluster_mw:
                        bounds[col("t", s, t)] = (0.0, 0.0)
                    else:
                        z_st = z[s, t]
                        bounds[col("t", s, t)] = (inst.min_cluster_mw * z_st, cap[s] * z_st)
                else:
                    bounds[col("t", s, t)] = (0.0, cap[s])
            for k, t in itertools.product(range(K), range(T)):
                s = inst.pairs.site[k]
                d = h.demand[inst.pairs.hub[k], t]
                bounds[col("f", k, t)] = (
                    0.0,
                    min(inst.classes.share_cap[0] * d, d, cap[s]) * y[s, t],
                )
            res = linprog(
                cost,
                A_ub=np.array(a_ub),
                b_ub=b_ub,
                A_eq=np.array(a_eq) if a_eq else None,
                b_eq=b_eq or None,
                bounds=bounds,
                method="highs",
            )
            if res.status == 0:
                standby = h.standby[:, None] * h.existing.sum(axis=1)  # β E_st y_st, as in i_skt
                open_cost = (h.fixed[:, None] + standby) * y
                best = min(best, res.fun + float(np.sum(h.discount * open_cost.sum(axis=0))))
    return best


CASES = [
    pytest.param(dict(seed=1, n_years=2, lead=0, life=1, penalty=1e8), id="2y-retire-new"),
    pytest.param(dict(seed=2, n_years=2, lead=1, penalty=1e8), id="2y-lead1"),
    pytest.param(dict(seed=3, n_years=2, min_cluster_mw=30.0, penalty=1e8), id="2y-cluster"),
    pytest.param(dict(seed=3, n_years=2, min_cluster_mw=30.0), id="2y-cluster-infeasible"),
    pytest.param(dict(seed=4, n_years=3, lead=1, life=1, penalty=5e7), id="3y-lead-retire-unmet"),
    pytest.param(dict(seed=5, n_years=3, life=2, standby=3e6, penalty=1e8), id="3y-standby"),
    pytest.param(dict(seed=6, n_years=2, n_sites=4, lead=1, life=1, penalty=4e7), id="4s-lead"),
    pytest.param(dict(seed=7, n_years=3, rent=(9e6, 9e6), life=2), id="3y-margin"),
    pytest.param(dict(seed=8, n_sites=5, n_years=2, lead=0, life=1), id="5s-retire"),
    pytest.param(
        dict(seed=9, n_years=2, lead=1, same_capex=True, standby=1e6, penalty=1e8),
        id="dominated-class",
    ),
]


@pytest.mark.parametrize("kwargs", CASES)
def test_optimum_equals_brute_force(kwargs: dict) -> None:
    h = make_horizon(**kwargs)
    expected = brute_force(h)
    if not np.isfinite(expected):
        with pytest.raises(InfeasibleError):
            solve_horizon(build_horizon_model(h), options=RunOptions(mip_gap=1e-9))
        return
    sol = solve_horizon(build_horizon_model(h), options=RunOptions(mip_gap=1e-9))
    assert sol.status is Status.OPTIMAL
    assert sol.objective == pytest.approx(expected, rel=1e-6, abs=1e-3)


def test_brute_force_cases_bind_and_use_lead_and_retirement() -> None:
    """The cases must include an infeasible one, unmet demand, and plans shaped by lead times."""
    finite = [np.isfinite(brute_force(make_horizon(**p.values[0]))) for p in CASES]
    assert 0 < sum(finite) < len(CASES)
    h = make_horizon(**CASES[4].values[0])
    assert solve_horizon(build_horizon_model(h), options=RunOptions(mip_gap=1e-9)).unmet.sum() > 0
    h = make_horizon(**CASES[0].values[0])  # life 1: an order serves one year only
    sol = solve_horizon(build_horizon_model(h), options=RunOptions(mip_gap=1e-9))
    new, _ = installed(h, sol.order)
    assert np.allclose(new[:, :, 1], sol.order[:, :, 1])
    assert sol.order.sum() > 0
    h = make_horizon(**CASES[1].values[0])  # lead 1: nothing ordered can serve the first year
    sol = solve_horizon(build_horizon_model(h), options=RunOptions(mip_gap=1e-9))
    assert np.allclose(installed(h, sol.order)[0][:, :, 0], 0.0)
    assert sol.order.sum() > 0


def test_dominated_class_is_not_ordered() -> None:
    h = make_horizon(9, n_years=2, lead=1, same_capex=True, standby=1e6, penalty=1e8)
    assert dominated_classes(h).tolist() == [False, True]
    assert (build_horizon_model(h).order[:, 1] == -1).all()  # no column
    margin = make_horizon(9, same_capex=True, rent=(9e6, 9e6))
    assert not dominated_classes(margin).any()


def test_lead_time_and_retirement_by_hand() -> None:
    h = make_horizon(1, n_years=3, lead=1, life=1)
    assert [h.in_service(0, 0, t) for t in range(3)] == [False, True, False]
    assert h.can_order(0, 1) and not h.can_order(0, 2)


def test_one_year_reproduces_single_period_default() -> None:
    """docs/model.md: a one-year horizon, one class, no lead time is the single-period model."""
    assert_one_year_is_single_period(prepare(None).instance)


def assert_one_year_is_single_period(inst: Instance) -> None:
    """The one-year horizon of ``inst`` has its single-period optimum and decisions."""
    single = solve(build_arrays(inst))
    multi = solve_horizon(build_horizon_model(one_year(inst)))
    assert multi.objective == pytest.approx(single.objective, rel=1e-9)
    assert np.array_equal(multi.open[:, 0], single.open)
    assert np.allclose(multi.order[:, 0, 0], single.build, atol=1e-6)
    assert np.allclose(multi.train[:, 0], single.train, atol=1e-6)
    hosted = [
        np.bincount(inst.pairs.site, f, inst.n_sites) for f in (single.serve, multi.serve[:, 0])
    ]
    assert np.allclose(*hosted, atol=1e-6)
    assert float(inst.pairs.cost @ multi.serve[:, 0]) == pytest.approx(
        float(inst.pairs.cost @ single.serve), rel=1e-9
    )


def test_myopic_costs_at_least_perfect_foresight() -> None:
    h = make_horizon(4, n_years=3, lead=1, life=2, penalty=5e7)
    h = dataclasses.replace(h, forecast_ratio=np.full((3, 3), 0.5))  # planners expect half
    perfect = plan(h, "perfect", options=RunOptions(mip_gap=1e-9))
    myopic = plan(h, "myopic", options=RunOptions(mip_gap=1e-9))
    assert myopic.foresight == "myopic"
    assert myopic.objective >= perfect.objective - 1e-6 * abs(perfect.objective)
    assert myopic.unmet.sum() > perfect.unmet.sum()  # under-forecast: demand goes unmet


def test_stranded_capital_by_hand() -> None:
    """One site, one class, 10 MW bought in 2021 with a 4-year life, 4 MW used in 2023."""
    inst = make_instance(0, n_sites=1, n_hubs=1, training_mw=0.0)
    h = dataclasses.replace(
        make_horizon(0, n_sites=1, n_years=1, factor=(1.0,)),
        base=inst,
        existing=np.full((1, 1, 1), 10.0),
        demand=np.zeros((1, 1)),
        training=np.zeros(1),
        capital=np.array([[2e8]]),
        life=np.array([4]),
        cohort_site=np.array([0]),
        cohort_class=np.array([0]),
        cohort_start=np.array([2021]),
        cohort_mw=np.array([10.0]),
        cohort_capital=np.array([2e8]),
    )
    sol = solve_horizon(build_horizon_model(h))
    sol = dataclasses.replace(sol, use=np.array([0.0, 4.0]).reshape(2, 1, 1, 1))
    mw, capital = stranded(h, sol)
    # 6 idle MW of 10; remaining value 1 - (2023 - 2021) / 4 = 0.5 of 2e8 CNY per MW
    assert mw[0, 0, 0] == pytest.approx(6.0)
    assert capital[0, 0, 0] == pytest.approx(6.0 * 0.5 * 2e8)
    table = schedule_table(h, sol)
    assert table["stranded_capital_bn_cny"].sum() == pytest.approx(0.6)


def test_cbc_agrees_with_brute_force() -> None:
    h = make_horizon(**CASES[4].values[0])  # lead time, retirement and unmet demand
    sol = solve_horizon(build_horizon_model(h), options=RunOptions(solver="cbc", mip_gap=1e-9))
    assert sol.solver == "cbc"
    assert sol.objective == pytest.approx(brute_force(h), rel=1e-6)


def test_lp_guided_restriction_is_honest(monkeypatch) -> None:
    """Forced on a small case: within the gap it is optimal and near the brute force."""
    from siting.solve import horizon

    monkeypatch.setattr(horizon, "RESTRICT_COLUMNS", 0)
    h = make_horizon(**CASES[5].values[0])
    expected = brute_force(h)
    sol = solve_horizon(build_horizon_model(h), options=RunOptions(mip_gap=0.05))
    assert sol.objective >= expected * (1 - 1e-9) - 1e-6
    assert sol.bound <= expected * (1 + 1e-9) + 1e-6
    if "LP-guided" in sol.termination:
        assert sol.status is Status.OPTIMAL and sol.gap <= 0.05
    exact = solve_horizon(
        build_horizon_model(h), options=RunOptions(mip_gap=1e-9)
    )  # falls back to the full model
    assert exact.objective == pytest.approx(expected, rel=1e-6)


def test_each_year_serves_that_years_demand_in_every_class() -> None:
    """The single-period families read stream demand: it must follow the year, not the base."""
    from siting.horizon_run import horizon_for
    from siting.pipeline import prepare

    prepared = prepare("2023-planner")
    h = horizon_for(prepared.instance, prepared.scenario, source="2023-planner")
    for t in range(h.n_years):
        year = h.year_instance(t)
        assert year.stream_demand_mw.sum() == pytest.approx(h.demand[:, t].sum())
        assert year.hubs.demand_mw.sum() == pytest.approx(h.demand[:, t].sum())


# Honest statuses (issue 18): a result is optimal only if every solve in it is; a stopped
# solve keeps the best plan of any stage, the best bound, the limit given and all its time.


def _stopped_at(gap: float, calls: tuple[int, ...]):
    """A stand-in for the full-model HiGHS run: the ``calls``-th runs stop at ``gap``.

    They return the optimum's plan with a bound ``gap`` below it, as HiGHS does when its time
    limit stops it with the gap open; the other runs are left alone.
    """
    from siting.solve import direct
    from siting.solve.highs import HighsRun

    real, seen = direct.run, itertools.count()

    def run(highs, time_limit, *, is_mip, duals=False):
        out = real(highs, time_limit, is_mip=is_mip, duals=duals)
        if next(seen) not in calls:
            return out
        bound = out.objective - gap * abs(out.objective)
        return HighsRun("limit", "time limit", out.x, out.objective, bound)

    return run


def test_myopic_plan_is_optimal_only_if_every_year_is(monkeypatch) -> None:
    """The first planning year stops at 0.147 %: the myopic plan is feasible at that gap."""
    from siting.solve import direct

    h = make_horizon(4, n_years=3, lead=1, life=2, penalty=5e7)
    monkeypatch.setattr(direct, "run", _stopped_at(0.00147, calls=(0,)))
    myopic = plan(h, "myopic", options=RunOptions(mip_gap=1e-6))
    assert myopic.status is Status.FEASIBLE
    assert myopic.gap == pytest.approx(0.00147, rel=1e-6)
    labels = [step.label for step in myopic.steps]
    assert labels == [
        "the planning year 2023 (orders for 2024)",
        "the planning year 2024 (orders for 2025)",
        "the operation of the orders under actual demand",
    ]
    assert [s.status for s in myopic.steps] == [Status.FEASIBLE, Status.OPTIMAL, Status.OPTIMAL]
    assert "planning year 2023" in myopic.termination and "0.147%" in myopic.termination
    assert myopic.seconds == pytest.approx(sum(s.seconds for s in myopic.steps))
    monkeypatch.setattr(direct, "run", _stopped_at(0.00147, calls=()))
    assert plan(h, "myopic", options=RunOptions(mip_gap=1e-6)).status is Status.OPTIMAL


@pytest.fixture
def clock(monkeypatch):
    """A clock that only the test moves: ``clock[0]`` seconds have passed."""
    import time

    now = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: now[0])
    return now


def _large(monkeypatch, restricted) -> None:
    """Treat every model as large, with ``restricted`` as the LP-guided first stage."""
    from siting.solve import horizon

    monkeypatch.setattr(horizon, "RESTRICT_COLUMNS", 0)
    monkeypatch.setattr(horizon, "restricted_plan", restricted)


def _no_plan(monkeypatch) -> None:
    """The full-model HiGHS run stops at its time limit with no plan."""
    from siting.solve import direct
    from siting.solve.highs import HighsRun

    monkeypatch.setattr(
        direct, "run", lambda *a, **k: HighsRun("limit", "time limit", None, np.nan, np.nan)
    )


def test_time_limit_message_quotes_the_limit_given(monkeypatch, clock) -> None:
    """The first stage uses 5.5 of 6 s; the message says 6 s, not the second left over."""
    from siting.errors import SolverError

    def restricted(arrays, opts):
        clock[0] += 5.5  # the LP took most of the time and found nothing
        return None

    _large(monkeypatch, restricted)
    _no_plan(monkeypatch)
    h = make_horizon(**CASES[1].values[0])
    with pytest.raises(SolverError, match=r"within the time limit \(6 s\)"):
        solve_horizon(build_horizon_model(h), options=RunOptions(time_limit=6))


def test_stopped_solve_keeps_the_first_stages_plan_and_counts_its_time(monkeypatch, clock):
    """The full model stops with no plan: the LP-guided plan stands, with its own bound."""
    from siting.solve.direct import _Result
    from siting.solve.highs import new_highs, pass_model, run
    from siting.solve.horizon import Guided

    def restricted(arrays, opts):
        highs = new_highs(1e-9, None)
        pass_model(highs, arrays)
        out = run(highs, 60, is_mip=arrays.is_mip)
        clock[0] += 40.0
        bound = out.objective - 0.02 * abs(out.objective)  # a valid bound, 2 % below
        return Guided(_Result("limit", "stopped", out.x, bound, "LP-guided", 40.0), arrays)

    h = make_horizon(**CASES[1].values[0])
    expected = brute_force(h)
    _large(monkeypatch, restricted)
    _no_plan(monkeypatch)
    sol = solve_horizon(build_horizon_model(h), options=RunOptions(time_limit=60))
    assert sol.objective == pytest.approx(expected, rel=1e-6)
    assert sol.status is Status.FEASIBLE and sol.gap == pytest.approx(0.02, rel=1e-6)
    assert sol.bound == pytest.approx(expected * 0.98, rel=1e-6)
    assert "kept the LP-guided stage's plan" in sol.termination
    assert sol.seconds == 40.0  # the first stage's time counts
    assert sol.order.sum() > 0  # the plan was written back into the model


def test_keep_best_takes_the_cheaper_plan_and_the_larger_bound() -> None:
    from siting.solve.direct import _Result, keep_best

    arrays = build_horizon_model(make_horizon(**CASES[1].values[0])).arrays
    cheap, dear = np.zeros(arrays.n_cols), np.zeros(arrays.n_cols)
    j = int(np.flatnonzero(arrays.cost > 0)[0])
    dear[j] = 1.0  # costs c_j more than the zero plan
    first = _Result("limit", "restricted", cheap, 5.0, "LP-guided", 1.0)
    # the full model found a costlier plan but a better bound: cheap plan, larger bound
    kept = keep_best(arrays, first, _Result("limit", "time limit", dear, 7.0, "direct", 2.0))
    assert kept.x is cheap and kept.bound == 7.0 and kept.state == "limit"
    assert "found a costlier plan" in kept.words
    # the full model found a cheaper plan: it stands, with the larger bound
    best = keep_best(
        arrays,
        dataclasses.replace(first, x=dear),
        dataclasses.replace(first, x=cheap, bound=3.0, strategy="direct"),
    )
    assert best.x is cheap and best.bound == 5.0 and best.strategy == "direct"
    # no plan in either stage: the full model's state stands (a time-limit error follows)
    none = _Result("none", "time limit", None, np.nan, "direct", 2.0)
    assert keep_best(arrays, dataclasses.replace(first, x=None), none).state == "none"


def test_array_build_gives_the_pulp_builds_optimum() -> None:
    """Two sites, two years, lead time 1: the optimum the PuLP build (before 17) found."""
    h = make_horizon(3, n_sites=2, n_years=2, lead=1, life=2, penalty=2e7, standby=1e6)
    sol = solve_horizon(build_horizon_model(h), RunOptions(mip_gap=1e-9))
    assert sol.objective == pytest.approx(1276189586.800641, rel=1e-9)
    assert sol.open.all()
    expected = np.zeros((2, 2, 2))
    expected[:, 0, 0] = [48.885284, 9.507066]  # class c0 ordered in 2023, in service in 2024
    assert np.allclose(sol.order, expected, atol=1e-6)
    assert not sol.unmet.any()


def test_county_horizon_scenario_loads_and_builds() -> None:
    """county-2023-2030: county demand, prefecture sites, 8 years (not solved here)."""
    from siting.horizon_run import horizon_for
    from siting.solve import horizon
    from siting.solve.aggregate import twin_groups

    prepared = prepare("county-2023-2030")
    h = horizon_for(prepared.instance, prepared.scenario, source="county-2023-2030")
    assert (h.n_years, h.base.n_sites) == (8, 338) and h.base.n_hubs > 2_500
    model = build_horizon_model(h)
    assert (
        model.arrays.n_cols > 400_000
        and model.arrays.integer.sum() == model.open.size + (model.hosts >= 0).sum()
    )
    assert (model.serve >= 0).all() and (model.order[model.order >= 0] < model.arrays.n_cols).all()
    solve = prepared.scenario.solve  # the goal, shipped: 0.5 % within 10 minutes
    assert (solve.time_limit, solve.mip_gap) == (600.0, 0.005)
    twins = twin_groups(h.base)  # the solver merges them (at most half of the hubs)
    assert twins.n_groups <= horizon.AGGREGATE_SHARE * h.base.n_hubs


@pytest.mark.parametrize("case", [0, 1, 4, 6, 7, 8, 9])
def test_reduced_cost_fixing_keeps_the_optimum(case: int) -> None:
    """Fixed against the optimum's own cost, the model keeps that optimum; some are fixed."""
    from siting.solve.highs import new_highs, pass_model, run
    from siting.solve.horizon import fixed_by_reduced_cost

    h = make_horizon(**CASES[case].values[0])
    expected = brute_force(h)
    arrays = build_horizon_model(h).arrays
    highs = new_highs(1e-9, None)
    pass_model(highs, arrays, relax=True)
    lp = run(highs, 60, is_mip=False, duals=True)
    fixed, settled = fixed_by_reduced_cost(
        arrays, lp.row_dual, (expected + 1e-9 * abs(expected)) / 1e6
    )
    changed = (fixed.col_lower != arrays.col_lower) | (fixed.col_upper != arrays.col_upper)
    assert settled == int(changed.sum()) > 0
    highs = new_highs(1e-9, None)
    pass_model(highs, fixed)
    assert run(highs, 60, is_mip=True).objective * 1e6 == pytest.approx(expected, rel=1e-6)
    loose, _ = fixed_by_reduced_cost(arrays, lp.row_dual, np.inf)
    assert loose is arrays


def test_years_compose_the_single_period_families() -> None:
    """Each year's second stage is the single-period families', not a second copy (issue 17).

    No name the single-period families give their columns or rows is written in
    :mod:`siting.model.horizon` (docstrings aside).
    """
    import ast
    import inspect

    import siting.model.horizon as periods

    tree = ast.parse(inspect.getsource(periods))
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    written = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]
    single = ("train_", "hosts_training_", "serve_", "unmet_", "demand", "pair_open_")
    single += ("cluster_min_", "cluster_max_", "staff_", "reserve_", "failover_", "voucher_")
    single += ("green_power_",)
    assert not [s for s in written for name in single if name in s]


def test_stopped_lp_still_ends_with_a_plan_and_no_bound(monkeypatch, clock) -> None:
    """The LP relaxation stops at its share of the limit: a plan from the cheapest pairs, no bound.

    The plan without the LP gets most of the time left (the full solve cannot certify
    without the LP either). The full model then finds no plan either (as at county scale);
    the run must still end with a plan of the full model, and claim no gap it cannot prove.
    """
    from siting.solve import decompose, horizon
    from siting.solve.highs import HighsRun

    given: list[float] = []

    def run(highs, time_limit, *, is_mip, duals=False):  # the LP stops at its time limit
        given.append(time_limit)
        return HighsRun("limit", "time limit reached", None, np.nan, np.nan)

    nearest: list[float] = []

    def run_nearest(highs, time_limit, *, is_mip, duals=False):
        nearest.append(time_limit)
        return real(highs, time_limit, is_mip=is_mip, duals=duals)

    real = horizon.run
    monkeypatch.setattr(horizon, "RESTRICT_COLUMNS", 0)
    monkeypatch.setattr(decompose, "run", run)
    monkeypatch.setattr(horizon, "run", run_nearest)
    _no_plan(monkeypatch)
    h = make_horizon(**CASES[1].values[0])
    sol = solve_horizon(build_horizon_model(h), options=RunOptions(time_limit=60))
    assert len(given) == 1 and 0 < given[0] <= horizon.WHOLE_LP_SHARE * 60  # one round, all pairs
    # no time passes on the test's clock: the plan without the LP gets most of the 60 s
    assert nearest == [pytest.approx(horizon.NEAREST_SHARE * 60)] and nearest[0] > 30
    assert sol.objective >= brute_force(h) * (1 - 1e-9) - 1e-6
    assert sol.status is Status.FEASIBLE and np.isnan(sol.gap) and np.isnan(sol.bound)
    assert "gives no bound" in sol.termination and "gap unknown" in sol.termination
    assert sol.order.sum() > 0


@pytest.mark.parametrize("scale", [0.0, 0.9])
def test_stopped_lp_duals_give_a_valid_bound(monkeypatch, scale: float) -> None:
    """The LP stops holding duals (scaled optimal ones, or π = 0); the full solve finds nothing.

    Any duals give a Lagrangian bound of the full model: the run reports it, at most the
    brute-force optimum, and its gap is the plan's (the cheapest pairs') to that bound.
    """
    from siting.solve import decompose, horizon
    from siting.solve.highs import HighsRun, new_highs, pass_model, run

    h = make_horizon(**CASES[1].values[0])
    arrays = build_horizon_model(h).arrays
    full = new_highs(1e-9, None)
    pass_model(full, arrays, relax=True)
    pi = scale * run(full, 60, is_mip=False, duals=True).row_dual

    def stopped(highs, time_limit, *, is_mip, duals=False):
        return HighsRun("limit", "time limit reached", None, np.nan, np.nan, pi, None)

    monkeypatch.setattr(horizon, "RESTRICT_COLUMNS", 0)
    monkeypatch.setattr(decompose, "run", stopped)
    _no_plan(monkeypatch)  # the bound can only come from the duals
    sol = solve_horizon(build_horizon_model(h), options=RunOptions(time_limit=60, mip_gap=1e-9))
    expected = brute_force(h)
    assert np.isfinite(sol.bound) and sol.bound <= expected * (1 + 1e-9) + 1e-6
    assert sol.objective >= expected * (1 - 1e-9) - 1e-6
    assert sol.gap == pytest.approx((sol.objective - sol.bound) / abs(sol.objective), abs=1e-9)
    assert "its duals bound the full model" in sol.termination


def test_horizon_lp_prices_in_from_few_pairs_per_stream(monkeypatch) -> None:
    """Over FULL_LP_PAIRS pairs the horizon LP starts from FIRST_PER_STREAM pairs a stream."""
    from siting.solve import decompose, horizon

    started: list[int] = []
    real = decompose.first_pairs

    def first_pairs(model, pairs, per_hub=None):
        chosen = real(model, pairs, per_hub)
        started.append(len(chosen))
        return chosen

    monkeypatch.setattr(horizon, "RESTRICT_COLUMNS", 0)
    monkeypatch.setattr(horizon, "FULL_LP_PAIRS", 0)
    monkeypatch.setattr(decompose, "first_pairs", first_pairs)
    h = make_horizon(**CASES[8].values[0])  # up to 5 pairs a stream
    model = build_horizon_model(h)
    sol = solve_horizon(model, options=RunOptions(mip_gap=1e-9))
    pairs = decompose.Pairs.of(model.arrays)
    assert started and started[0] <= horizon.FIRST_PER_STREAM * len(np.unique(pairs.group))
    assert started[0] < len(pairs.col)  # START_PER_HUB (6) would start from every pair
    assert sol.objective == pytest.approx(brute_force(h), rel=1e-6)


@pytest.mark.parametrize("case", [1, 5, 8])
def test_pricing_pairs_reaches_the_full_lp(monkeypatch, case: int) -> None:
    """Starting from one pair per stream, pricing ends at the full LP's value, bound below it."""
    import time

    from siting.solve import decompose
    from siting.solve.highs import new_highs, pass_model, run

    monkeypatch.setattr(decompose, "START_PER_HUB", 1)
    arrays = build_horizon_model(make_horizon(**CASES[case].values[0])).arrays
    full = new_highs(1e-9, None)
    pass_model(full, arrays, relax=True)
    expected = run(full, 60, is_mip=False).objective
    pairs = decompose.Pairs.of(arrays)
    until = time.perf_counter() + 60
    lp = decompose.price_pairs(arrays, pairs, until, until, 1e-9, None)
    assert lp.state == "optimal" and lp.rounds > 1  # pairs were priced in
    assert lp.value == pytest.approx(expected, rel=1e-7)
    assert expected * (1 - 1e-6) - 1e-6 <= lp.bound <= expected * (1 + 1e-9) + 1e-6


@pytest.mark.parametrize("case", [0, 1, 4, 5, 6, 8])
def test_horizon_lp_by_interior_point_bounds_the_brute_force(monkeypatch, case: int) -> None:
    """Every round of the horizon LP runs HiGHS's interior point method (then crossover, to a
    vertex, so the restriction fixes binaries as before), over every pair or pricing pairs in.
    The bound is at most the brute-force optimum and the plan at least it.
    """
    from siting.solve import decompose, horizon

    solvers: list[str] = []
    real = decompose.run

    def run(highs, time_limit, *, is_mip, duals=False):
        solvers.append(highs.getOptionValue("solver")[1])
        return real(highs, time_limit, is_mip=is_mip, duals=duals)

    whole = case != 8
    monkeypatch.setattr(horizon, "RESTRICT_COLUMNS", 0)
    monkeypatch.setattr(horizon, "FULL_LP_PAIRS", 10**6 if whole else 0)
    monkeypatch.setattr(decompose, "run", run)
    h = make_horizon(**CASES[case].values[0])
    sol = solve_horizon(build_horizon_model(h), options=RunOptions(mip_gap=1e-9))
    assert solvers == ["ipm"] * len(solvers)
    assert len(solvers) == 1 if whole else len(solvers) > 1  # one round, or pricing rounds
    expected = brute_force(h)
    assert sol.bound <= expected * (1 + 1e-9) + 1e-6
    assert sol.objective == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("case", [1, 5, 8])
def test_full_stage_after_the_restriction_roots_by_interior_point(monkeypatch, case: int) -> None:
    """The full model after a restriction not within the gap starts from its plan and solves
    its root LP by the interior point method (``ROOT_LP_AFTER_PLAN``); the optimum is the
    brute force's, the bound at most it. A model solved with no earlier plan keeps HiGHS's
    own choice.
    """
    from siting.solve import direct, horizon

    roots: list[str] = []
    real_run, real_restricted = direct.run, horizon.restricted_plan

    def run(highs, time_limit, *, is_mip, duals=False):
        roots.append(highs.getOptionValue("mip_lp_solver")[1])
        return real_run(highs, time_limit, is_mip=is_mip, duals=duals)

    def restricted(arrays, opts):  # never within the gap: the full model is solved next
        guided = real_restricted(arrays, opts)
        state = "limit" if guided.result.x is not None else guided.result.state
        return dataclasses.replace(guided, result=dataclasses.replace(guided.result, state=state))

    monkeypatch.setattr(horizon, "RESTRICT_COLUMNS", 0)
    monkeypatch.setattr(horizon, "restricted_plan", restricted)
    monkeypatch.setattr(direct, "run", run)
    h = make_horizon(**CASES[case].values[0])
    sol = solve_horizon(build_horizon_model(h), options=RunOptions(mip_gap=1e-9))
    assert roots == ["ipm"]
    expected = brute_force(h)
    assert sol.objective == pytest.approx(expected, rel=1e-6)
    assert sol.bound <= expected * (1 + 1e-9) + 1e-6
    roots.clear()
    monkeypatch.setattr(horizon, "RESTRICT_COLUMNS", 10**9)  # solved directly, no plan given
    solve_horizon(build_horizon_model(h), options=RunOptions(mip_gap=1e-9))
    assert roots == ["choose"]
