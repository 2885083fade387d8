"""The decomposition's bound is valid for the full model, and its plans match the direct solve."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from siting.model import OBJECTIVE_UNIT, Forcing, build_arrays, build_robust
from siting.solve import Status, decompose, solve, solve_robust
from siting.solve.decompose import Certificate, Knapsacks, Pairs, kept_bound, lagrangian_bound
from siting.solve.options import RunOptions

from .conftest import brute_force, make_instance

RANDOM = [
    dict(seed=seed, n_sites=5, n_hubs=4, **extra)
    for seed, extra in [
        (40, {}),
        (41, {}),
        (48, dict(min_cluster_mw=70.0)),
        (56, dict(min_cluster_mw=70.0)),
        (43, dict(staff_scale=0.6, max_site_share=0.6)),
        (42, dict(pair_density=0.4)),
        (44, dict(rent=(7e6, 9e6))),
        (45, dict(rent=(6e6, 8e6), min_cluster_mw=70.0)),
        (41, dict(training_mw=0.0)),
        (44, dict(staff_scale=0.5)),
    ]
]


def _at_most(value: float, limit: float) -> bool:
    return value <= limit + 1e-9 * abs(limit) + 1e-3


@pytest.fixture
def priced(monkeypatch):
    """Price pairs in even on tiny instances (one pair per hub in the first LP)."""
    monkeypatch.setattr(decompose, "FULL_LP_PAIRS", 0)
    monkeypatch.setattr(decompose, "START_PER_HUB", 1)


def _feasible(kwargs: dict) -> tuple:
    inst = make_instance(**kwargs)
    best = brute_force(inst)
    if math.isinf(best):
        pytest.skip("infeasible instance")
    return inst, best


@pytest.mark.parametrize("kwargs", RANDOM)
def test_lagrangian_bound_never_exceeds_the_optimum(kwargs: dict) -> None:
    """Any duals, any set of pairs left out: the bound is at most the true optimum."""
    inst, best = _feasible(kwargs)
    model = build_arrays(inst)
    pairs = Pairs.of(model)
    rng = np.random.default_rng(kwargs["seed"])
    for _ in range(200):
        scale = rng.choice([1.0, 10.0, 100.0])
        dual = rng.normal(0.0, scale, model.n_rows)
        outside = rng.random(len(pairs.col)) < 0.5
        value, _, _ = lagrangian_bound(model, dual, pairs, outside)
        assert _at_most(value * 1e6, best)


@pytest.mark.parametrize("kwargs", RANDOM)
def test_certified_bound_never_exceeds_the_optimum(kwargs: dict, priced) -> None:
    """At a loose gap the decomposition stops early; its bound still holds for the full model."""
    inst, best = _feasible(kwargs)
    for gap in (0.2, 0.02, 1e-9):
        sol = solve(build_arrays(inst), options=RunOptions(strategy="decompose", mip_gap=gap))
        assert _at_most(sol.bound, best)
        assert _at_most(best, sol.objective)
        assert sol.gap == pytest.approx((sol.objective - sol.bound) / max(abs(sol.objective), 1e-9))
        if sol.status is Status.OPTIMAL:
            assert sol.gap <= gap + 1e-9


def test_decomposition_with_forcing_and_elastic_demand(priced) -> None:
    inst = make_instance(46, n_sites=5, n_hubs=4)
    forcing = [Forcing(0, "training", 40.0), Forcing(3, "inference", 5.0)]
    for elastic in (False, True):
        direct = solve(
            build_arrays(inst, elastic=elastic, forcing=forcing), options=RunOptions(mip_gap=1e-9)
        )
        model = build_arrays(inst, elastic=elastic, forcing=forcing)
        split = solve(model, options=RunOptions(strategy="decompose", mip_gap=1e-9))
        assert split.objective == pytest.approx(direct.objective, rel=1e-6)
        assert split.train[0] >= 40.0 - 1e-6


@pytest.mark.parametrize("regret", [False, True])
def test_robust_model_decomposes(regret: bool, priced) -> None:
    """Expected cost and worst-case regret: the shared plan by decomposition is optimal too."""
    base = make_instance(40, n_sites=5, n_hubs=4)
    more = dataclasses.replace(base.hubs, demand_mw=base.hubs.demand_mw * 1.1)
    other = dataclasses.replace(base, hubs=more)
    instances = [base, other]
    optimal = None
    if regret:
        optimal = [
            solve(build_arrays(i), options=RunOptions(mip_gap=1e-9)).objective for i in instances
        ]
    direct = solve_robust(
        build_robust(instances, [0.5, 0.5], optimal_costs=optimal),
        options=RunOptions(mip_gap=1e-9, strategy="direct"),
    )
    split = solve_robust(
        build_robust(instances, [0.5, 0.5], optimal_costs=optimal),
        options=RunOptions(mip_gap=1e-9, strategy="decompose"),
    )
    assert split.strategy == "decompose"
    assert split.status is Status.OPTIMAL
    assert split.objective == pytest.approx(direct.objective, rel=1e-6, abs=1e-3)
    assert split.bound <= direct.objective + 1e-3


def test_cbc_falls_back_to_the_direct_solve_and_says_so() -> None:
    inst = make_instance(46, n_sites=5, n_hubs=4)
    sol = solve(
        build_arrays(inst), options=RunOptions(solver="cbc", strategy="decompose", mip_gap=1e-9)
    )
    assert sol.strategy == "direct"
    assert "CBC solved the full model directly" in sol.termination


def test_notes_say_how_the_bound_was_found(priced) -> None:
    inst, _ = _feasible(dict(seed=40, n_sites=5, n_hubs=4))
    sol = solve(build_arrays(inst), options=RunOptions(strategy="decompose", mip_gap=1e-9))
    assert "decomposition:" in sol.termination
    assert "full-model bound" in sol.termination


def test_fallback_keeps_the_decompositions_bound(monkeypatch) -> None:
    """The decomposition's bound outlives its fallback to the direct solve.

    The decomposition proves a bound but finds no plan; the direct solve stops with a weaker
    bound: the plan reported carries the better of the two (both are valid).
    """
    from siting.model import OBJECTIVE_UNIT
    from siting.solve import direct
    from siting.solve.highs import HighsRun

    inst, best = _feasible(dict(seed=40, n_sites=5, n_hubs=4))
    units = best / OBJECTIVE_UNIT
    proved, weak = units - 1e-3 * abs(units), units - 0.5 * abs(units)

    def decomposed(model, **kwargs):
        return HighsRun("none", "no plan on the chosen sites", None, math.nan, proved), "notes"

    real = direct.run

    def stopped(highs, time_limit, *, is_mip, duals=False):
        out = real(highs, time_limit, is_mip=is_mip, duals=duals)
        return HighsRun("limit", "time limit", out.x, out.objective, weak)

    monkeypatch.setattr(direct, "solve_decomposed", decomposed)
    monkeypatch.setattr(direct, "run", stopped)
    sol = solve(build_arrays(inst), options=RunOptions(strategy="decompose", mip_gap=1e-9))
    assert sol.objective == pytest.approx(best, rel=1e-6)
    assert sol.bound == pytest.approx(proved * OBJECTIVE_UNIT, rel=1e-9)
    assert sol.status is Status.FEASIBLE and sol.gap == pytest.approx(1e-3, rel=1e-3)
    assert "decomposition found no plan" in sol.termination


def _lp_duals(model) -> np.ndarray:
    """Row duals of the full model's LP relaxation (HiGHS signs)."""
    from siting.solve.highs import new_highs, pass_model, run

    highs = new_highs(1e-9, 1)
    pass_model(highs, model, relax=True)
    out = run(highs, 60.0, is_mip=False, duals=True)
    assert out.row_dual is not None
    return np.asarray(out.row_dual, dtype=float)


def _opened(model, site_col: int) -> float:
    """The optimum with one site forced open, by the direct solve (``inf`` if infeasible)."""
    lower = model.col_lower.copy()
    lower[site_col] = 1.0
    sol = solve(
        dataclasses.replace(model, col_lower=lower),
        options=RunOptions(strategy="direct", mip_gap=1e-9),
    )
    return sol.objective / OBJECTIVE_UNIT if sol.status is Status.OPTIMAL else math.inf


@pytest.mark.parametrize("kwargs", RANDOM)
def test_reduced_cost_of_opening_a_site_is_a_valid_bound(kwargs: dict) -> None:
    """``L + max(0, v_s)`` never exceeds the best plan that opens site ``s`` (direct solve).

    With the LP's duals and with random ones; so a site is closed in the true optimum
    whenever ``L + v_s`` exceeds it (reduced-cost fixing).
    """
    inst, best = _feasible(kwargs)
    model = build_arrays(inst)
    pairs = Pairs.of(model)
    knap = Knapsacks.of(model, pairs)
    assert knap is not None
    opened = {int(s): _opened(model, int(s)) for s in model.scenarios[0].open}
    rng = np.random.default_rng(kwargs["seed"])
    duals = [_lp_duals(model)] + [rng.normal(0.0, 10.0, model.n_rows) for _ in range(20)]
    for dual in duals:
        value, block = knap.bound(model, dual, pairs)
        assert _at_most(value * OBJECTIVE_UNIT, best)
        for s, cost in opened.items():
            assert _at_most((value + max(block[s], 0.0)) * OBJECTIVE_UNIT, cost * OBJECTIVE_UNIT)
    limit = best / OBJECTIVE_UNIT + 1e-9 * abs(best / OBJECTIVE_UNIT)
    closed = Certificate(*knap.bound(model, duals[0], pairs)).closed(model.scenarios[0].open, limit)
    optimum = solve(model, options=RunOptions(strategy="direct", mip_gap=1e-9))
    assert (optimum.open[closed] < 0.5).all()


def test_lp_duals_close_sites_by_reduced_cost() -> None:
    """Sites far above the optimum are fixed closed from the LP's duals.

    The LP's own duals of the ``pair_open`` rows (and of a closed site's capacity and
    headroom rows) are degenerate and can cancel a closed site's reduced cost; with those
    rows kept in the site's block, the sites the brute force never opens near the optimum
    are closed. The pair-only blocks close none of them here.
    """
    inst, best = _feasible(dict(seed=40, n_sites=6, n_hubs=4))
    model = build_arrays(inst)
    pairs = Pairs.of(model)
    sites = model.scenarios[0].open
    dual = _lp_duals(model)
    limit = best / OBJECTIVE_UNIT + 1e-9 * abs(best / OBJECTIVE_UNIT)
    knap = Certificate(*Knapsacks.of(model, pairs).bound(model, dual, pairs))
    kept = Certificate(*kept_bound(model, dual, pairs))
    closed = knap.closed(sites, limit)
    assert closed.sum() > kept.closed(sites, limit).sum()
    assert (
        solve(model, options=RunOptions(strategy="direct", mip_gap=1e-9)).open[closed] < 0.5
    ).all()


def test_scenario_time_limit_is_the_default_of_its_solves(monkeypatch) -> None:
    """``[solve] time_limit`` (county-all ships one) is what a solve gets unless told otherwise."""
    from siting import pipeline, stages
    from siting.scenario import load_scenario

    spec, _ = load_scenario("county-all")
    assert spec.solve.time_limit == 150.0
    assert load_scenario("default")[0].solve.time_limit is None
    seen = []

    def stop(model, options):
        seen.append(options.time_limit)
        raise RuntimeError("stop here")

    monkeypatch.setattr(stages, "solve", stop)
    prepared = pipeline.prepare("default")
    solve_table = prepared.scenario.solve.model_copy(update={"time_limit": 7.0})
    quick = prepared.scenario.model_copy(update={"solve": solve_table})
    for given in (None, 3.0):
        with pytest.raises(RuntimeError, match="stop here"):
            pipeline.optimize(
                dataclasses.replace(prepared, scenario=quick),
                write=False,
                options=RunOptions(time_limit=given),
            )
    assert seen == [7.0, 3.0]


def test_warning_names_the_time_limit_the_solve_had(capsys) -> None:
    """A plan stopped early is reported with the scenario's own time limit, not the default."""
    import argparse

    from siting.cli.output import verdict

    args = argparse.Namespace(time_limit=None, gap=None, strict=False)
    info = {"status": "feasible", "gap": 7.6e-4, "time_limit_s": 150.0, "mip_gap": 1e-4}
    verdict(args, [("county-all", info)])
    assert "time limit 150 s" in capsys.readouterr().err
