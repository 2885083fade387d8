"""p-center by radius search (siting/solve/center.py) against brute force and the formulation."""

from __future__ import annotations

import numpy as np
import pytest

from siting.model import build_arrays, build_covering
from siting.solve import Status, solve
from siting.solve import center as center_module
from siting.solve.options import RunOptions

from .conftest import make_instance, with_pairs
from .test_classic import classic_brute_force, classic_instance
from .test_model import assert_pulp_is_arrays

SOLVERS = ("highs", "cbc")

#: (p, rule, sites, clients, seed): small random instances, p from 1 to all but one site.
RANDOM_CASES = [
    pytest.param(p, rule, n_sites, n_hubs, seed, id=f"{rule}-{p}of{n_sites}-{seed}")
    for seed, (p, rule, n_sites, n_hubs) in enumerate(
        [
            (p, rule, n_sites, n_hubs)
            for rule in ("exactly", "at_most")
            for p, n_sites, n_hubs in ((1, 5, 4), (2, 6, 6), (3, 8, 7), (4, 7, 8), (6, 7, 5))
        ],
        start=100,
    )
]


def grid_instance(p: int, *, n: int = 4, rule: str = "exactly"):
    """Sites and clients on the same n × n integer grid, Manhattan round trips: many ties."""
    points = np.array([(i, j) for i in range(n) for j in range(n)], dtype=float)
    rtt = np.abs(points[:, None, :] - points[None, :, :]).sum(axis=2)
    base = make_instance(0, n_sites=n * n, n_hubs=n * n, pair_density=1.0)
    hub, site = np.nonzero(np.ones_like(rtt, dtype=bool))
    return with_pairs(
        base,
        np.ones(n * n),
        np.full(n * n, np.inf),
        (hub, site, rtt[hub, site] * 100, rtt[hub, site], rtt[hub, site]),
        objective_kind="p-center",
        site_count=p,
        site_count_rule=rule,
    )


def worst_assigned(inst, sol) -> float:
    """Largest round trip of a client to the site it is assigned to, read from the flows."""
    served = sol.serve > 1e-9
    return float(inst.pairs.rtt_ms[served].max(initial=0.0))


def assert_plan_is_consistent(inst, sol) -> None:
    """Every client fully assigned to its nearest open site; the right number of sites open."""
    d = center_module.distances(inst)
    nearest = d[:, sol.open].min(axis=1)
    demand = inst.stream_demand_mw
    assigned = np.bincount(inst.pair_stream, sol.serve, minlength=inst.n_streams)
    np.testing.assert_allclose(assigned, demand)
    served = sol.serve > 1e-9
    assert np.all(sol.open[inst.pairs.site[served]])
    np.testing.assert_allclose(inst.pairs.rtt_ms[served], nearest[inst.pair_stream[served]])
    assert worst_assigned(inst, sol) == pytest.approx(sol.objective)
    if inst.site_count_rule == "exactly":
        assert sol.open.sum() == inst.site_count
    else:
        assert sol.open.sum() <= inst.site_count


@pytest.mark.parametrize(("p", "rule", "n_sites", "n_hubs", "seed"), RANDOM_CASES)
@pytest.mark.parametrize("solver", SOLVERS)
def test_radius_search_equals_brute_force_and_the_formulation(
    solver, p, rule, n_sites, n_hubs, seed
) -> None:
    inst = classic_instance(seed, "p-center", p, rule, n_sites=n_sites, n_hubs=n_hubs)
    expected = classic_brute_force(inst)
    sol = solve(build_arrays(inst), options=RunOptions(solver=solver))
    assert sol.strategy == "radius search"
    assert sol.termination.startswith("p-center by radius search: ")
    assert sol.status is Status.OPTIMAL
    assert sol.gap == 0.0
    assert sol.bound == pytest.approx(sol.objective)
    assert sol.objective == pytest.approx(expected, abs=1e-9)
    direct = solve(
        build_arrays(inst), options=RunOptions(solver=solver, strategy="direct", mip_gap=0.0)
    )
    assert direct.strategy == "direct"
    assert "radius search" not in direct.termination
    assert direct.objective == pytest.approx(sol.objective, abs=1e-6)
    assert_plan_is_consistent(inst, sol)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("p", [1, 2, 3, 5])
def test_ties_in_round_trips(solver, p) -> None:
    """Integer Manhattan round trips tie a lot: the search must still land on the optimum."""
    inst = grid_instance(p)
    expected = classic_brute_force(inst)
    # hand check: one site at the grid's centre reaches every corner within 4 steps
    assert p != 1 or expected == 4.0
    sol = solve(build_arrays(inst), options=RunOptions(solver=solver))
    assert sol.status is Status.OPTIMAL
    assert sol.objective == expected
    assert_plan_is_consistent(inst, sol)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("rule", ["exactly", "at_most"])
def test_as_many_sites_as_clients_on_the_hubs_gives_zero(solver, rule) -> None:
    inst = grid_instance(16, rule=rule)
    sol = solve(build_arrays(inst), options=RunOptions(solver=solver))
    assert sol.status is Status.OPTIMAL
    assert sol.objective == 0.0
    assert sol.gap == 0.0
    assert_plan_is_consistent(inst, sol)


def test_greedy_start_is_not_always_optimal() -> None:
    """Some random case needs covering problems, or the search proves little."""
    counts = []
    for p, rule, n_sites, n_hubs, seed in (c.values for c in RANDOM_CASES):
        inst = classic_instance(seed, "p-center", p, rule, n_sites=n_sites, n_hubs=n_hubs)
        sol = solve(build_arrays(inst))
        counts.append(int(sol.termination.split(": ")[1].split()[0]))
    assert max(counts) >= 2


def test_a_search_stopped_at_the_time_limit_is_honest(monkeypatch) -> None:
    """A decision that times out: the best plan so far, status feasible, a valid bound."""
    inst = classic_instance(103, "p-center", 2, "at_most", n_sites=12, n_hubs=12)
    expected = classic_brute_force(inst)
    d = center_module.distances(inst)
    greedy = center_module.worst_rtt(d, center_module.greedy_plan(d, 2))
    assert greedy > expected  # precondition: the search has work to do
    monkeypatch.setattr(center_module, "decide", lambda *args: ("time limit", None))
    sol = solve(build_arrays(inst))
    assert sol.status is Status.FEASIBLE
    assert "time limit" in sol.termination
    assert "p-center by radius search: 1 covering problems" in sol.termination
    assert sol.objective == pytest.approx(greedy)
    assert sol.bound <= expected <= sol.objective
    assert sol.gap == pytest.approx((sol.objective - sol.bound) / sol.objective)
    assert sol.gap > 0
    assert_plan_is_consistent(inst, sol)


def test_a_tiny_time_limit_returns_the_greedy_plan_as_feasible() -> None:
    inst = classic_instance(103, "p-center", 2, "at_most", n_sites=12, n_hubs=12)
    options = RunOptions(time_limit=1e-9).resolve()
    sol = center_module.solve_center(inst, options)
    assert sol.status is Status.FEASIBLE
    assert sol.bound <= classic_brute_force(inst) <= sol.objective
    assert "0 covering problems" in sol.termination


@pytest.mark.parametrize("radius", [3.0, 8.0, 30.0])
def test_covering_derived_pulp_model_is_the_arrays(radius) -> None:
    inst = classic_instance(5, "p-center", 2, n_sites=6, n_hubs=5)
    assert_pulp_is_arrays(build_covering(inst, radius))


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_api_solves_p_center_by_radius_search(solver) -> None:
    """``siting.api.optimize`` (and so the CLI's pipeline) takes the radius search by default."""
    from siting.api import optimize as api_optimize
    from siting.pipeline import optimize
    from siting.scenario import load_scenario, resolve_scenario_path

    spec = load_scenario(resolve_scenario_path("default"))[0]
    spec = spec.with_overrides({"objective.kind": "p-center", "objective.sites": 3})
    plan = api_optimize(spec, options=RunOptions(solver=solver))
    assert plan.status == "optimal"
    assert plan.kpis["termination"].startswith("p-center by radius search: ")
    assert plan.kpis["objective_unit"] == "ms"
    run = plan.run
    d = center_module.distances(run.instance)
    assert plan.kpis["objective_value"] == pytest.approx(
        center_module.worst_rtt(d, run.solution.open)
    )
    direct = optimize(
        spec, write=False, options=RunOptions(solver=solver, strategy="direct", mip_gap=0.0)
    )
    assert direct.solution.strategy == "direct"
    assert direct.results.kpis["objective_value"] == pytest.approx(
        plan.kpis["objective_value"], abs=1e-6
    )
    assert_plan_is_consistent(run.instance, run.solution)
