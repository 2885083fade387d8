"""The MILP against brute-force enumeration and hand-computed cases; the derived PuLP model."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pulp
import pytest

import siting
from siting.errors import InfeasibleError
from siting.horizon_run import horizon_for
from siting.instance import Instance, Sites
from siting.model import (
    ArrayModel,
    Forcing,
    build_arrays,
    build_covering,
    build_robust,
    fix_plan,
    to_pulp,
)
from siting.model.horizon import build_horizon_model
from siting.pipeline import prepare
from siting.scenario import load_scenario
from siting.solve import Status, decompose, solve
from siting.solve.options import RunOptions

from .conftest import brute_force, make_instance

CASES = (
    [pytest.param(dict(seed=seed), id=f"plain-{seed}") for seed in range(6)]
    + [
        pytest.param(dict(seed=seed, min_cluster_mw=70.0), id=f"cluster-binds-{seed}")
        for seed in range(6, 10)
    ]
    + [
        pytest.param(dict(seed=seed, pair_density=0.35), id=f"sla-sparse-{seed}")
        for seed in range(10, 14)
    ]
    + [
        pytest.param(dict(seed=seed, staff_scale=0.6, max_site_share=0.6), id=f"staff-share-{seed}")
        for seed in range(14, 18)
    ]
    + [
        pytest.param(dict(seed=18, training_mw=0.0), id="no-training"),
    ]
    + [
        # margin: rents near the running cost, so some demand pays and some does not
        pytest.param(dict(seed=seed, rent=(7e6, 9e6)), id=f"margin-{seed}")
        for seed in range(20, 24)
    ]
)


#: Solver and strategy: every path a plan can take (CBC solves the derived PuLP model).
PATHS = [
    pytest.param("highs", "direct", id="highs-arrays"),
    pytest.param("highs", "decompose", id="highs-decompose"),
    pytest.param("cbc", "direct", id="cbc-pulp"),
]


@pytest.fixture
def priced(monkeypatch):
    """Make the decomposition price pairs in even on tiny instances (one pair per hub first)."""
    monkeypatch.setattr(decompose, "FULL_LP_PAIRS", 0)
    monkeypatch.setattr(decompose, "START_PER_HUB", 1)


@pytest.mark.parametrize(("solver", "strategy"), PATHS)
@pytest.mark.parametrize("kwargs", CASES)
def test_optimum_equals_brute_force(kwargs: dict, solver, strategy, priced) -> None:
    inst = make_instance(**kwargs)
    expected = brute_force(inst)
    options = RunOptions(solver=solver, mip_gap=1e-9, strategy=strategy)
    if math.isinf(expected):
        with pytest.raises(InfeasibleError):  # (a margin model is never infeasible)
            solve(build_arrays(inst), options)
        return
    sol = solve(build_arrays(inst), options)
    assert sol.status is Status.OPTIMAL
    assert sol.strategy == strategy
    assert sol.objective == pytest.approx(expected, rel=1e-6)
    assert sol.bound <= sol.objective
    assert sol.bound == pytest.approx(expected, rel=1e-6)


def _sides(lower: float | None, upper: float | None) -> tuple[float, float]:
    return (-math.inf if lower is None else lower, math.inf if upper is None else upper)


def assert_pulp_is_arrays(model: ArrayModel) -> None:
    """The PuLP problem derived from the arrays (:func:`to_pulp`) equals them entry by entry."""
    _assert_read_back(to_pulp(model), model)


def _assert_read_back(problem: pulp.LpProblem, model: ArrayModel) -> None:
    """A PuLP problem equals an array model entry by entry.

    The problem is read back through PuLP's own accessors (``variables()``, ``objective``,
    ``constraints()``), not through the code that wrote it: columns with their bounds,
    integrality and costs by name; rows in order with their sides and coefficients.
    """
    cols, rows = model.names("cols"), model.names("rows")
    variables = {v.name: v for v in problem.variables()}
    assert sorted(variables) == sorted(cols.tolist())
    col = {name: j for j, name in enumerate(cols.tolist())}
    lower, upper, integer = np.zeros(len(cols)), np.zeros(len(cols)), np.zeros(len(cols), bool)
    for name, var in variables.items():
        j = col[name]
        lower[j], upper[j] = _sides(var.lowBound, var.upBound)
        integer[j] = var.cat == pulp.LpInteger
    assert np.array_equal(lower, model.col_lower)
    assert np.array_equal(upper, model.col_upper)
    assert np.array_equal(integer, model.integer)
    cost = np.zeros(len(cols))
    for var, coef in problem.objective.items():
        cost[col[var.name]] += coef
    assert np.array_equal(cost, model.cost)
    constraints = problem.constraints()
    assert [con.name for con in constraints] == rows.tolist()
    row_lower, row_upper = np.full(len(rows), -math.inf), np.full(len(rows), math.inf)
    entries: tuple[list, list, list] = ([], [], [])
    for i, con in enumerate(constraints):
        rhs = -con.constant
        if con.sense != pulp.LpConstraintLE:
            row_lower[i] = rhs
        if con.sense != pulp.LpConstraintGE:
            row_upper[i] = rhs
        for var, coef in con.items():
            for part, value in zip(entries, (i, col[var.name], coef), strict=True):
                part.append(value)
    assert np.array_equal(row_lower, model.row_lower)
    assert np.array_equal(row_upper, model.row_upper)
    read = _by_position(*(np.array(e) for e in entries), len(cols))
    built = _by_position(model.index, model.entry_col, model.value, len(cols))
    for a, b in zip(read, built, strict=True):
        assert np.array_equal(a, b)


def _by_position(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_cols: int) -> tuple:
    """Matrix entries sorted by (row, column), a repeated position summed."""
    key = rows.astype(np.int64) * n_cols + cols.astype(np.int64)
    keys, inverse = np.unique(key, return_inverse=True)
    return keys, np.bincount(inverse, values.astype(float), len(keys))


BUILD_CASES = [
    dict(seed=1),
    dict(seed=7, min_cluster_mw=70.0),
    dict(seed=15, staff_scale=0.4, max_site_share=0.6),
    dict(seed=21, rent=(7e6, 9e6)),
    dict(seed=31, n_sites=7, n_hubs=5, pair_density=0.4),
    dict(seed=5, training_mw=0.0),
]


def _horizon_model(name: str) -> ArrayModel | None:
    """A horizon scenario's multi-period model, built as ``siting plan`` builds it."""
    scenario, path = load_scenario(name)
    if scenario.horizon is None:
        return None
    h = horizon_for(prepare(name).instance, scenario, source=str(path))
    return build_horizon_model(h).arrays


def _shipped() -> list:
    """Every shipped scenario a planner runs (a switched-on lever is the simulation's only:
    its planner's model is that of its control, ``levers-none``)."""
    big = {"county", "county-all", "county-2023-2030"}  # PuLP takes 15 s to minutes on these
    return [
        pytest.param(p.stem, marks=[pytest.mark.slow] if p.stem in big else [])
        for p in sorted((Path(siting.__file__).parent / "scenarios").glob("*.toml"))
        if not any(load_scenario(p.stem)[0].levers.model_dump().values())
    ]


@pytest.mark.parametrize("name", _shipped())
def test_derived_pulp_model_is_the_arrays_on_every_shipped_scenario(name: str) -> None:
    """``to_pulp`` writes every model the arrays build: plain, elastic and forced, robust, fixed;
    the multi-period model of a horizon scenario."""
    periods = _horizon_model(name)
    if periods is not None:
        assert_pulp_is_arrays(periods)
        return
    inst = prepare(name).instance
    model = build_arrays(inst)
    assert_pulp_is_arrays(model)
    if inst.classic:
        if inst.objective_kind == "p-center" and inst.site_count > 0:
            assert_pulp_is_arrays(build_covering(inst, float(np.median(inst.pairs.rtt_ms))))
        return
    if model.n_cols > 50_000:
        return  # the variants below cost a PuLP build each; the small scenarios cover them
    sites = np.flatnonzero(inst.sites.existing_mw > 0)[:1]
    forcing = [Forcing(int(s), "training", 1.0) for s in sites]
    forcing += [Forcing(int(inst.pairs.site[0]), "inference", 1.0)] if inst.n_pairs else []
    assert_pulp_is_arrays(build_arrays(inst, elastic=True, forcing=forcing))
    assert_pulp_is_arrays(build_robust([inst, inst], [0.3, 0.7]))
    fixed = build_robust([inst, inst], [0.5, 0.5], optimal_costs=[1e9, 2e9])
    fix_plan(fixed, inst.sites.existing_mw > 0, np.zeros(inst.n_sites))
    assert_pulp_is_arrays(fixed)


@pytest.mark.parametrize("elastic", [False, True])
@pytest.mark.parametrize("kwargs", BUILD_CASES)
def test_derived_pulp_model_is_the_arrays_on_random_instances(kwargs: dict, elastic: bool) -> None:
    """The same check on the random instances, whose limits bind (staff, clusters, margin)."""
    inst = make_instance(**kwargs)
    forcing = [Forcing(1, "training", 5.0), Forcing(2, "inference", 3.0)]
    assert_pulp_is_arrays(build_arrays(inst, elastic=elastic, forcing=forcing))


def test_derived_pulp_check_can_fail() -> None:
    """A model changed after the PuLP problem is derived no longer passes the check."""
    model = build_arrays(make_instance(seed=1))
    changed = dataclasses.replace(model, value=model.value.copy())
    changed.value[0] *= 2
    problem = to_pulp(model)
    with pytest.raises(AssertionError):
        _assert_read_back(problem, changed)


def test_brute_force_cases_include_binding_limits() -> None:
    """The random cases must exercise the limits, or the comparison proves little."""
    infeasible = sum(math.isinf(brute_force(make_instance(**p.values[0]))) for p in CASES)
    assert 0 < infeasible < len(CASES)
    inst = make_instance(6, min_cluster_mw=70.0)
    sol = (
        solve(build_arrays(inst), options=RunOptions(mip_gap=1e-9))
        if math.isfinite(brute_force(inst))
        else None
    )
    if sol is not None:
        hosted = sol.train[sol.train > 1e-6]
        assert (hosted >= 70.0 - 1e-6).all()


def _two_sites(**change: object) -> Instance:
    """One hub (20 MW inference), 60 MW training, two sites; numbers chosen to add up by hand.

    Site A (west): 100 MW existing, no headroom, 1 M CNY/MW-yr running cost, fixed 10 M.
    Site B (east): greenfield, 50 MW headroom, capex 3 M/MW-yr, running 2 M/MW-yr, fixed 30 M.
    Only B is within the hub's SLA. ``change``: other arguments of ``Instance.one_class``.
    """
    opex = np.zeros((2, 3, 2))
    opex[:, 0, 0] = 1e6
    opex[:, 0, 1] = 2e6
    sites = Sites(
        ids=np.array(["A", "B"]),
        group=np.array([0, 0]),
        group_names=np.array(["p"]),
        staff_available=np.array([1e9]),
        existing_mw=np.array([100.0, 0.0]),
        headroom_mw=np.array([0.0, 50.0]),
        fixed_cost=np.array([10e6, 30e6]),
        capex_cost=np.array([3e6, 3e6]),
        opex=opex,
    )
    args = dict(
        staff_per_mw=np.array([0.0, 0.0]),
        training_mw=60.0,
        min_cluster_mw=50.0,
        pair_hub=np.array([0]),
        pair_site=np.array([1]),
        pair_km=np.array([100.0]),
        pair_rtt_ms=np.array([2.5]),
        pair_cost=np.array([0.1e6]),
    )
    return Instance.one_class(sites, np.array(["hub"]), np.array([20.0]), np.array([10.0]),
                              **{**args, **change})  # fmt: skip


def test_hand_computed_case() -> None:
    inst = _two_sites()
    sol = solve(build_arrays(inst), options=RunOptions(mip_gap=1e-9))
    # Inference must go to B: fixed 30 + 20 MW x (capex 3 + run 2 + network 0.1) = 132 M.
    # Training (60 MW) at A: fixed 10 + 60 x 1 = 70 M; at B it would not fit beside inference
    # (50 - 20 = 30 < 60). Total 202 M CNY/yr.
    assert sol.objective == pytest.approx(202e6)
    assert sol.train.tolist() == pytest.approx([60.0, 0.0])
    assert sol.build.tolist() == pytest.approx([0.0, 20.0])
    assert sol.open.tolist() == [True, True]


def test_minimum_cluster_moves_training() -> None:
    """Raising the minimum cluster above B's spare room keeps training whole at A."""
    inst = _two_sites(training_mw=20.0, min_cluster_mw=0.0)
    # Without a cluster minimum training could split; at A it costs 1 M/MW vs B's 5 M/MW: A.
    sol = solve(build_arrays(inst), options=RunOptions(mip_gap=1e-9))
    assert sol.train.tolist() == pytest.approx([20.0, 0.0])


def test_sla_infeasible_names_the_hub() -> None:
    inst = _two_sites(
        pair_hub=np.array([], dtype=int),
        pair_site=np.array([], dtype=int),
        pair_km=np.array([]),
        pair_rtt_ms=np.array([]),
        pair_cost=np.array([]),
        nearest_site=np.array([0]),
        nearest_rtt_ms=np.array([9.4]),
    )
    with pytest.raises(
        InfeasibleError, match=r"hub 'hub': no site within 10 ms; the nearest is 'A' at 9.4 ms"
    ):
        solve(build_arrays(inst))


def test_staff_limit_infeasible_is_explained() -> None:
    inst = _two_sites(staff_per_mw=np.array([1.0, 1.0]))
    inst = dataclasses.replace(
        inst, sites=dataclasses.replace(inst.sites, staff_available=np.array([50.0]))
    )
    with pytest.raises(InfeasibleError, match=r"staff: serving all demand needs at least 80 FTE"):
        solve(build_arrays(inst))


def test_time_limit_reports_incumbent_or_optimal() -> None:
    inst = make_instance(3, n_sites=6, n_hubs=4)
    sol = solve(build_arrays(inst), options=RunOptions(time_limit=0.5, mip_gap=0.5))
    assert sol.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert sol.gap <= 0.5 + 1e-9 or sol.status is Status.FEASIBLE


def test_solution_arrays_match_instance(small_instance) -> None:
    sol = solve(build_arrays(small_instance))
    assert sol.serve.shape == (small_instance.n_pairs,)
    served = np.bincount(small_instance.pairs.hub, sol.serve, small_instance.n_hubs)
    assert served == pytest.approx(small_instance.hubs.demand_mw)
    assert dataclasses.is_dataclass(sol)


def test_margin_leaves_unprofitable_capacity_unbuilt() -> None:
    """At a rent below new capacity's cost, only the sunk site (A) is used; B is not built.

    Per MW and year: A runs at 1 M; new MW at B cost 3 M capex + 2 M running + 0.1 M network.
    Inference rent 4 M: A earns 3 M/MW but B loses 1.1 M/MW, so B is not built and Shanghai's
    demand goes unserved (A is out of its SLA). Training rent 4 M: 60 MW at A earn 180 M,
    less A's fixed 10 M: margin 170 M.
    """
    inst = _two_sites(rent=np.array([4e6, 4e6]), maximise_margin=True)
    sol = solve(build_arrays(inst), options=RunOptions(mip_gap=1e-9))
    assert sol.build.tolist() == pytest.approx([0.0, 0.0])
    assert sol.serve.tolist() == pytest.approx([0.0])
    assert sol.train.tolist() == pytest.approx([60.0, 0.0])
    assert -sol.objective == pytest.approx(170e6)
