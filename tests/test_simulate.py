"""Many investors: warm best responses, the decision rules, costing, and the planner's case."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting import batch, settings
from siting.errors import InputError
from siting.horizon_run import horizon_for
from siting.market import OWNER_TYPES, MarketInputs, allocate, load_market_data
from siting.pipeline import Prepared, prepare
from siting.scenario import Scenario, load_scenario
from siting.simulate import run as simulate_run
from siting.simulate.agents import Agents, load_agents
from siting.simulate.engine import World, simulate_myopic
from siting.simulate.fleet import cost_fleet, order_fleet
from siting.simulate.forecast import installed_over_use
from siting.simulate.perfect import check_objectives, simulate_perfect
from siting.simulate.respond import BUILD_COST, ForecastLP
from siting.simulate.run import prepare_simulation, run_simulation
from siting.solve.horizon import plan
from siting.solve.options import RunOptions
from siting.sweep import load_sweep
from siting.vintages import load_time_tables

SCENARIO = "2023-2025-simulate"
DATA = Path(settings.data_dir)


@pytest.fixture(scope="module")
def world() -> World:
    """The shipped scenario's horizon, market and investors (the shipped ``default`` layer)."""
    prepared = prepare(SCENARIO)
    h = horizon_for(prepared.instance, prepared.scenario, source=SCENARIO)
    data = load_market_data()
    agents = load_agents("default", [str(s) for s in h.base.sites.ids])
    published = installed_over_use(load_time_tables(), "central", h.years)
    return World(h, data, prepared.layers.hubs, agents, published)


# -- the best response on a small market -------------------------------------------------------


def _small_market(rng: np.random.Generator, n_s: int = 2, n_k: int = 1) -> MarketInputs:
    """Integral capacities and use, one segment, no frictions: orders are integral too."""
    segments = pd.DataFrame({
        "segment": ["g0"], "name": ["g0"], "inference_share": [1.0], "training_share": [1.0],
        "captive_owner": [None], "sla_ms": [100.0], "unserved_penalty_cny_per_mw_year": [1e3],
    })  # fmt: skip
    frictions = pd.DataFrame({
        "segment": "g0", "owner_type": list(OWNER_TYPES), "admissible": True,
        "premium_cny_per_mw_year": 0.0, "domestic_penalty_cny_per_mw_year": 0.0,
        "residency": "none",
    })  # fmt: skip
    n_h = 2
    return MarketInputs(
        site_ids=[f"s{s}" for s in range(n_s)],
        owner_type=np.array(["telecom"] * n_s),
        province=np.array(["P"] * n_s),
        classes=[f"k{k}" for k in range(n_k)],
        domestic=np.zeros(n_k, bool),
        capacity=rng.integers(0, 3, (n_s, n_k)).astype(float),
        rent=rng.integers(10, 50, n_k).astype(float),
        factor=np.ones((2, n_k)),
        hub_ids=[f"h{h}" for h in range(n_h)],
        hub_province=np.array(["P"] * n_h),
        rtt_ms=np.zeros((n_h, n_s)),
        network_cny=rng.integers(0, 300, (n_h, n_s)).astype(float),
        inference=rng.integers(1, 6, (1, n_h)).astype(float),
        training=np.zeros(1),
        segments=segments,
        frictions=frictions,
    )


def _cost_with(m: MarketInputs, built: np.ndarray) -> float:
    """The one-stage LP's cost with ``built`` MW added, plus the build token (brute force)."""
    result = allocate(dataclasses.replace(m, capacity=m.capacity + built))
    return result.market.objective + BUILD_COST * built.sum()


@pytest.mark.parametrize("seed", range(4))
def test_best_response_is_the_cold_lp_and_the_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = _small_market(rng)
    room = rng.integers(0, 5, len(m.site_ids)).astype(float)
    every, allowed = np.ones(1, bool), np.ones(m.capacity.shape, bool)
    warm = ForecastLP.of(m, every, allowed)
    warm_orders = warm.respond(room, allowed, skip=False)
    cold = ForecastLP.of(m, every, allowed)
    cold.highs.clearSolver()  # no basis: solved from scratch
    cold_orders = cold.respond(room, allowed, skip=False)
    np.testing.assert_allclose(warm_orders, cold_orders, atol=1e-7)
    grid = [np.arange(int(r) + 1) for r in room]
    costs = {
        sizes: _cost_with(m, np.reshape(sizes, m.capacity.shape).astype(float))
        for sizes in itertools.product(*grid)
    }
    best = min(costs.values())
    assert _cost_with(m, warm_orders) == pytest.approx(best, rel=1e-9, abs=1e-6)
    cheapest = [s for s, c in costs.items() if c <= best + 1e-6]
    assert tuple(warm_orders.ravel().round().astype(int)) in cheapest


@pytest.mark.parametrize("seed", range(3))
def test_the_reduced_cost_skip_never_changes_an_order(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    m = _small_market(rng, n_s=4, n_k=2)
    shape = m.capacity.shape
    turns = [(rng.integers(0, 4, shape[0]) * rng.random(shape[0]), rng.random(shape) < 0.6)
             for _ in range(8)]  # fmt: skip
    every, orderable = np.ones(1, bool), np.ones(shape, bool)
    skipped, solved = ForecastLP.of(m, every, orderable), ForecastLP.of(m, every, orderable)
    for room, allowed in turns:
        np.testing.assert_allclose(
            skipped.respond(room, allowed), solved.respond(room, allowed, skip=False), atol=1e-7
        )
    assert skipped.skips > 0  # the test exercises the skip
    assert skipped.solves < solved.solves


# -- the decision rules ------------------------------------------------------------------------


def _with_types(world: World, **columns: np.ndarray | float) -> World:
    return dataclasses.replace(world, agents=dataclasses.replace(world.agents, **columns))


def test_no_order_where_the_perceived_margin_is_negative(world: World) -> None:
    sim = simulate_myopic(world, 0)
    assert len(sim.records)
    assert (sim.records["margin_cny_per_mw_year"] >= 0).all()
    # a hurdle so high that every margin is negative: nothing is built
    n = len(world.agents)
    dear = _with_types(world, hurdle=np.full(n, 50.0), jobs_value=np.zeros(n))
    assert simulate_myopic(dear, 0).orders.sum() == 0


def test_a_local_government_builds_where_a_telecom_would_not(world: World) -> None:
    n = len(world.agents)
    h = world.h
    # every investor a telecom whose margin is negative everywhere ...
    telecom = _with_types(
        world, hurdle=np.full(n, 5.0), jobs_value=np.zeros(n), subsidy=np.zeros(n),
        objective=np.full(n, "margin", dtype=object), forecast=np.full(n, "use", dtype=object),
        owner_type=np.full(n, "telecom", dtype=object),
    )  # fmt: skip
    assert simulate_myopic(telecom, 0).orders.sum() == 0
    # ... and the same investors as local governments counting jobs: the jobs value covers it
    crf5 = 5.0 / (1 - (1 + 5.0) ** -float(h.life[0]))
    jobs = float(h.capital.max()) * crf5
    local = _with_types(telecom, jobs_value=np.full(n, jobs),
                        owner_type=np.full(n, "local_gov", dtype=object),
                        objective=np.full(n, "jobs_and_margin", dtype=object))  # fmt: skip
    sim = simulate_myopic(local, 0)
    assert sim.orders.sum() > 0
    assert (sim.records["owner_type"] == "local_gov").all()


def test_a_cloud_builds_only_for_its_own_segments(world: World) -> None:
    segments = world.data.segments.copy()
    own = segments["captive_owner"] == "cloud"
    for role in ("inference_share", "training_share"):  # the clouds' own segments use nothing
        shares = segments[role].astype(float).where(~own, 0.0)
        segments[role] = shares / shares.sum()
    idle_clouds = dataclasses.replace(
        world, data=dataclasses.replace(world.data, segments=segments)
    )
    sim = simulate_myopic(idle_clouds, 0)
    assert sim.orders.sum() > 0  # others build
    assert not (sim.records["owner_type"] == "cloud").any()
    before = simulate_myopic(world, 0)
    assert (before.records["owner_type"] == "cloud").any()  # with their use, clouds build


def test_headroom_shares_are_respected(world: World) -> None:
    share = 0.25
    half = _with_types(world, share=np.full(len(world.agents.share), share))
    sim = simulate_myopic(half, 0)
    h = world.h
    lead = int(h.lead.max())
    # the shares of a site's investors add up: 0.25 per investor there
    claimed = np.bincount(half.agents.site, half.agents.share, minlength=h.base.n_sites)
    assert claimed.max() < 1
    for tau in range(h.n_years - lead):
        before = order_fleet("x", h, sim.orders * (np.arange(h.n_years) < tau)).existing
        room = h.base.sites.headroom_mw + h.peak_existing - before[:, :, tau + lead].sum(axis=1)
        assert (sim.orders[:, :, tau].sum(axis=1) <= claimed * np.clip(room, 0, None) + 1e-6).all()
    assert sim.orders.sum() > 0


# -- costing and the planner's case -----------------------------------------------------------


def test_the_planners_build_out_costs_the_planners_objective(world: World) -> None:
    h = world.h
    planner = plan(h, "perfect")
    costed = cost_fleet(h, order_fleet("planner", h, planner.order))
    assert costed.cost_cny == pytest.approx(planner.objective, rel=2e-4)


def test_one_investor_with_perfect_foresight_is_the_planner(world: World) -> None:
    h = world.h
    n_s = h.base.n_sites
    one = Agents(
        ids=np.array(["all"], dtype=object), owner_type=np.array(["telecom"], dtype=object),
        objective=np.array(["cost"], dtype=object), forecast=np.array(["use"], dtype=object),
        hurdle=np.zeros(1), subsidy=np.zeros(1), jobs_value=np.zeros(1),
        investor=np.zeros(n_s, int), site=np.arange(n_s), share=np.ones(n_s),
    )  # fmt: skip
    found = simulate_perfect(h, one, seed=0)
    planner = plan(h, "perfect")
    assert found.converged and found.sweeps == 2
    np.testing.assert_allclose(found.orders[0], planner.order, atol=1e-4)
    decentralised = cost_fleet(h, order_fleet("decentralised", h, found.orders.sum(axis=0)))
    planned = cost_fleet(h, order_fleet("planner", h, planner.order))
    assert decentralised.cost_cny / planned.cost_cny == pytest.approx(1.0, abs=1e-9)
    assert decentralised.cost_cny == pytest.approx(planner.objective, rel=2e-4)


def test_perfect_foresight_refuses_objectives_it_cannot_write(world: World) -> None:
    with pytest.raises(InputError, match=r"\[simulate\].*foresight"):
        check_objectives(world.agents, SCENARIO)


def test_a_view_built_later_in_the_year_starts_with_the_years_orders(world: World) -> None:
    from siting.simulate.engine import open_year, take_turn, view_key

    a = world.agents
    margin = next(i for i in range(len(a)) if a.objective[i] == "margin")
    believer = next(i for i in range(len(a)) if view_key(world, i) != view_key(world, margin))
    # everyone builds where it may: the margin investor first, in its own view
    generous = _with_types(world, hurdle=np.zeros(len(a)), jobs_value=np.full(len(a), 1e12))
    year, rules, rent, room = open_year(generous, 0, np.zeros(world.h.existing.shape), None)
    first = take_turn(generous, year, margin, rent, room, rules, skip=False).orders
    assert first.sum() > 0
    later = year.view(view_key(world, believer))
    sunk = np.zeros(first.shape)
    s, k = np.nonzero(later.index >= 0)
    sunk[s, k] = later.lower[later.index[s, k]]
    np.testing.assert_allclose(sunk[later.index >= 0], first[later.index >= 0])


def test_the_forecast_market_solves_after_highs_ran_in_this_thread_with_other_threads() -> None:
    import highspy

    other = highspy.Highs()  # HiGHS's scheduler of this thread started at its default
    other.setOptionValue("output_flag", False)
    other.addCols(1, np.ones(1), np.zeros(1), np.ones(1), 0, np.zeros(1, np.int32),
                  np.zeros(0, np.int32), np.zeros(0))  # fmt: skip
    other.run()
    m = _small_market(np.random.default_rng(7))
    allowed = np.ones(m.capacity.shape, bool)
    lp = ForecastLP.of(m, np.ones(1, bool), allowed)
    lp.respond(np.full(len(m.site_ids), 3.0), allowed, skip=False)
    assert lp.solves == 2


# -- prepared inputs, shared by the points of a batch ------------------------------------------


def test_a_batch_worker_prepares_once_for_two_futures(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counted(scenario: Scenario) -> Prepared:
        calls.append(scenario.name)
        return prepare(scenario)

    monkeypatch.setattr(batch, "_SIMULATION_INPUTS", {})
    monkeypatch.setattr(simulate_run, "prepare", counted)
    points = load_sweep("futures-2023-2025").points
    use = points[0].scenario.horizon.use  # type: ignore[union-attr]
    futures = [p for p in points if p.scenario.horizon.use == use][:2]  # type: ignore[union-attr]
    for point in futures:
        record = batch.solve_point(point.scenario.to_dict(), RunOptions())
        assert record["status"] == "ok"
    assert calls == [futures[0].scenario.name]


def test_a_batch_worker_shares_inputs_only_where_nothing_that_decides_them_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prepared: list[str] = []

    def prepare_simulation(spec: Scenario) -> object:
        prepared.append(spec.name)
        return object()

    monkeypatch.setattr(batch, "_SIMULATION_INPUTS", {})
    monkeypatch.setattr(batch, "prepare_simulation", prepare_simulation)
    base, _ = load_scenario(SCENARIO)
    first = batch._simulation_inputs(base.with_overrides({"name": "a", "simulate.seed": 1}))
    other_order = {"name": "b", "simulate.seed": 2, "simulate.compare": False,
                   "levers.h20_licence": True}  # fmt: skip
    assert batch._simulation_inputs(base.with_overrides(other_order)) is first
    assert prepared == ["a"]
    for i, change in enumerate([
        {"data.sites": str(DATA / "prefecture" / "sites.csv")},  # other layers
        {"data.hubs": str(DATA / "prefecture" / "hubs.csv")},
        {"simulate.investors": "prefecture"},  # other investors
        {"horizon.use": "high"},  # another horizon
    ]):  # fmt: skip
        point = base.with_overrides({"name": f"c{i}", **change})
        assert batch._simulation_inputs(point) is not first
    assert prepared == ["a", "c0", "c1", "c2", "c3"]


def test_a_simulation_on_shared_inputs_is_the_simulation_on_its_own() -> None:
    base, _ = load_scenario(SCENARIO)
    a = base.with_overrides({"name": "a", "simulate.compare": False})
    b = a.with_overrides({"name": "b", "simulate.seed": 7})
    shared = prepare_simulation(a)
    on_shared, alone = run_simulation(b, write=False, inputs=shared), run_simulation(b, write=False)
    pd.testing.assert_frame_equal(on_shared.years, alone.years)
    pd.testing.assert_frame_equal(on_shared.orders, alone.orders)
    assert on_shared.summary["scenario"] == "b"
    assert on_shared.orders.ne(run_simulation(a, write=False, inputs=shared).orders).any(axis=None)
    with pytest.raises(ValueError, match="another scenario"):
        run_simulation(a.with_overrides({"horizon.use": "high"}), write=False, inputs=shared)
