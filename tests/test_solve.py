"""Honest statuses: optimal only within the gap asked for; failures name their cause."""

from __future__ import annotations

import dataclasses
import math

import highspy
import numpy as np
import pytest

from siting.errors import InputError, SolverError
from siting.model import build_arrays
from siting.solve import Status, direct, solve
from siting.solve.cbc import printed_lower_bound
from siting.solve.highs import HighsRun, new_highs, pass_model
from siting.solve.options import RunOptions
from siting.solve.status import verdict

from .conftest import brute_force, make_instance


def test_optimal_only_within_the_requested_gap() -> None:
    assert verdict(True, 1e-5, 1e-4, "Optimal") == (Status.OPTIMAL, "Optimal")
    status, words = verdict(True, 0.8976, 0.01, "Optimal")
    assert status is Status.FEASIBLE
    assert words == "feasible, stopped at gap 89.760% (Optimal)"
    status, words = verdict(False, 0.02, 0.01, "time limit")
    assert (status, words) == (Status.FEASIBLE, "feasible, stopped at gap 2.000% (time limit)")
    # a plan stopped at a limit but already within the gap is optimal within it
    assert verdict(False, 0.005, 0.01, "time limit")[0] is Status.OPTIMAL
    assert verdict(False, math.nan, 0.01, "time limit")[0] is Status.FEASIBLE
    assert verdict(True, math.nan, 0.01, "Optimal")[0] is Status.OPTIMAL


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_gap_tolerance_is_respected(solver: str) -> None:
    for seed in range(6):
        inst = make_instance(seed, n_sites=5, n_hubs=4, staff_scale=2.0)
        if math.isinf(brute_force(inst)):
            continue
        sol = solve(build_arrays(inst), options=RunOptions(solver=solver, mip_gap=0.3))
        if sol.status is Status.OPTIMAL:
            assert sol.gap <= 0.3 + 1e-9
        else:
            assert sol.gap > 0.3 and "stopped at gap" in sol.termination


def test_limit_stop_is_feasible_with_its_gap(monkeypatch) -> None:
    """A search cut short (here by a node limit) returns its plan as feasible, with its gap."""
    made = direct.new_highs

    def one_node(*args, **kwargs):
        highs = made(*args, **kwargs)
        highs.setOptionValue("mip_max_nodes", 1)
        highs.setOptionValue("presolve", "off")
        return highs

    monkeypatch.setattr(direct, "new_highs", one_node)
    inst = make_instance(
        6, n_sites=40, n_hubs=30, pair_density=0.5, staff_scale=50.0, training_mw=300.0,
        min_cluster_mw=90.0,
    )  # fmt: skip
    sol = solve(build_arrays(inst), options=RunOptions(mip_gap=0.0, strategy="direct"))
    assert sol.status is Status.FEASIBLE
    assert sol.gap > 0 and sol.bound < sol.objective
    assert sol.termination.startswith(f"feasible, stopped at gap {sol.gap:.3%}")


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        (
            HighsRun("limit", "time limit", None, math.nan, math.nan),
            r"highs found no feasible plan within the time limit \(5 s\); raise the time limit",
        ),
        (
            HighsRun("error", "Solve error: numerical trouble or a solver error", None, 0, 0),
            "highs failed: Solve error: numerical trouble",
        ),
        (
            HighsRun("error", "Unbounded: unbounded", None, math.nan, math.nan),
            "highs failed: Unbounded: unbounded",
        ),
    ],
)
def test_failures_name_their_cause(monkeypatch, outcome: HighsRun, message: str) -> None:
    monkeypatch.setattr(direct, "run", lambda *args, **kwargs: outcome)
    with pytest.raises(SolverError, match=message):
        solve(build_arrays(make_instance(1)), options=RunOptions(time_limit=5, strategy="direct"))


def test_cbc_bound_is_valid_and_below_the_plan() -> None:
    """The CBC bound is read at log precision, so it is lowered by half a printed digit."""
    checked = 0
    for seed in range(44):
        inst = make_instance(seed, staff_scale=2.0)
        best = brute_force(inst)
        if math.isinf(best):
            continue
        sol = solve(build_arrays(inst), options=RunOptions(solver="cbc", mip_gap=1e-9))
        assert sol.bound <= sol.objective
        assert sol.bound <= best + 1e-9 * abs(best) + 1e-3
        checked += 1
    assert checked >= 20


def test_printed_bound_is_lowered_to_a_valid_one() -> None:
    # the case seen: bound printed as 1.67578e+09 for a plan costing 1,675,775,861
    assert printed_lower_bound("1.67578e+09") == pytest.approx(1675775000.0)
    assert printed_lower_bound("1.67578e+09") <= 1675775861
    assert printed_lower_bound("12.5") == pytest.approx(12.45)
    assert math.isnan(printed_lower_bound("n/a"))


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (dict(capex_cost=np.full(4, np.inf)), "objective coefficient of 'build_"),
        (dict(capex_cost=np.full(4, 1e300)), "objective coefficient of 'build_"),
        (dict(fixed_cost=np.full(4, np.nan)), "objective coefficient of 'open_"),
        (dict(staff_per_mw=np.array([np.inf, 1.0])), "coefficient of 'train_"),
    ],
)
def test_absurd_numbers_are_blamed_not_the_time_limit(change: dict, named: str) -> None:
    inst = make_instance(1)
    staff = change.pop("staff_per_mw", inst.staff_per_mw)
    sites = dataclasses.replace(inst.sites, **change)
    inst = dataclasses.replace(inst, sites=sites, staff_per_mw=staff)
    for solver in ("highs", "cbc"):
        with pytest.raises(SolverError, match="cannot be solved") as info:
            solve(build_arrays(inst), RunOptions(solver=solver))
        assert named in str(info.value)
        assert "time limit" not in str(info.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(mip_gap=2.0), r"field 'mip_gap': a relative gap in \[0, 1\), .*got 2.0"),
        (dict(mip_gap=-0.1), r"field 'mip_gap': a relative gap in \[0, 1\)"),
        (dict(time_limit=math.inf), "field 'time_limit': a finite number of seconds > 0"),
        (dict(time_limit=float("nan")), "field 'time_limit': a finite number of seconds > 0"),
        (dict(time_limit=0), "field 'time_limit': a finite number of seconds > 0; got 0"),
        (dict(strategy="magic"), "field 'strategy': one of auto, direct, decompose; got 'magic'"),
        (dict(solver="gurobi"), "field 'solver': one of highs, cbc or a PuLP solver; got 'gurobi'"),
        (dict(solver=3), "field 'solver': a solver name or a PuLP solver object; got int"),
        (dict(threads=0), "field 'threads': a whole number of at least 1; got 0"),
    ],
)
def test_options_are_checked_when_made(options: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        RunOptions(**options)


@pytest.mark.parametrize("relax", [False, True])
def test_highs_holds_the_model_passed(relax: bool) -> None:
    model = build_arrays(make_instance(2, n_sites=5, n_hubs=4))
    model.col_upper[-1] = np.inf  # an open column bound; open row sides are there already
    assert np.isinf(model.row_lower).any() and np.isinf(model.row_upper).any()
    highs = new_highs(0.0, None)
    pass_model(highs, model)
    pass_model(highs, model, relax=relax)  # replaces what HiGHS holds
    lp = highs.getLp()
    assert (lp.num_col_, lp.num_row_) == (model.n_cols, model.n_rows)
    for held, given in [
        (lp.col_cost_, model.cost),
        (lp.col_lower_, model.col_lower),
        (lp.col_upper_, model.col_upper),
        (lp.row_lower_, model.row_lower),
        (lp.row_upper_, model.row_upper),
        (lp.a_matrix_.start_, model.start),
        (lp.a_matrix_.index_, model.index),
        (lp.a_matrix_.value_, model.value),
    ]:
        np.testing.assert_array_equal(np.asarray(held), given)
    assert lp.a_matrix_.format_ == highspy.MatrixFormat.kColwise
    integer = [] if relax else [int(i) for i in model.integer]
    assert model.integer.any() and [int(kind) for kind in lp.integrality_] == integer
