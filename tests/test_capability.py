"""Capability per workload (issue 19): training by dense FLOPs, serving by prefill and decode.

The model against the brute force of ``tests/test_periods.py`` (written from
``docs/model.md``) when the classes' capabilities cross, the dominance presolve when a class is
dominated in one workload or in both, and the reader of ``accelerators.csv``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil

import numpy as np
import pandas as pd
import pytest

from siting.errors import InputError
from siting.horizon import Horizon, one_year
from siting.model.horizon import build_horizon_model, dominated_classes
from siting.solve.horizon import solve_horizon
from siting.solve.options import RunOptions
from siting.vintages import REFERENCE_SERVER, capability, read_accelerators

from .conftest import DATA, make_instance
from .test_periods import brute_force, make_horizon

EXACT = RunOptions(mip_gap=1e-9)


def crossing(factor: tuple[tuple[float, float], tuple[float, float]], **kwargs) -> Horizon:
    """Two sites, two years, nothing installed: every MW is ordered, both classes cost alike."""
    h = make_horizon(3, n_sites=2, same_capex=True, penalty=1e9, factor=factor, **kwargs)
    return dataclasses.replace(h, existing=np.zeros_like(h.existing))


def test_crossing_classes_each_serve_the_workload_they_are_better_at() -> None:
    """Class 0 trains at 1.0 and serves at 0.4, class 1 the other way round."""
    h = crossing(((1.0, 0.4), (0.4, 1.0)))
    sol = solve_horizon(build_horizon_model(h), options=EXACT)
    assert sol.objective == pytest.approx(brute_force(h), rel=1e-7)
    assert sol.unmet.sum() == pytest.approx(0.0, abs=1e-6)
    training, inference = sol.use[0].sum(axis=(0, 2)), sol.use[1:].sum(axis=(0, 1, 3))
    assert training[0] > 1.0 and training[1] == pytest.approx(0.0, abs=1e-6)
    assert inference[1] > 1.0 and inference[0] == pytest.approx(0.0, abs=1e-6)
    # each installed MW serves its own workload's capability in demand MW
    assert training[0] * 1.0 == pytest.approx(h.training.sum(), rel=1e-6)
    assert inference[1] * 1.0 == pytest.approx(h.demand.sum(), rel=1e-6)


@pytest.mark.parametrize(
    "factor",
    [
        pytest.param(((1.0, 0.4), (0.4, 1.0)), id="crossing"),
        pytest.param(((0.8, 1.0), (1.0, 0.7)), id="crossing-other-way"),
        pytest.param(((1.0, 0.5), (0.6, 0.9)), id="serving-below-training"),
    ],
)
def test_optimum_equals_brute_force_with_two_capabilities(factor) -> None:
    h = crossing(factor, lead=1, standby=1e6)
    sol = solve_horizon(build_horizon_model(h), options=EXACT)
    assert sol.objective == pytest.approx(brute_force(h), rel=1e-7)


def test_a_class_dominated_in_one_workload_only_is_kept() -> None:
    """Class 1 trains at half class 0's rate but serves 1.2 times: never removed (r = 1.2)."""
    h = crossing(((1.0, 0.5), (1.0, 1.2)), standby=1e6)
    assert dominated_classes(h).tolist() == [False, False]
    optimum = brute_force(h)
    sol = solve_horizon(build_horizon_model(h), options=EXACT)
    assert sol.objective == pytest.approx(optimum, rel=1e-7)
    assert sol.order[:, 1].sum() > 1.0  # it is ordered, for inference
    without = dataclasses.replace(h, buildable=np.array([True, False]))
    kept = solve_horizon(build_horizon_model(without), options=EXACT).objective
    assert kept > optimum * (1 + 1e-6)  # removing it would cost more


def test_a_class_dominated_in_both_workloads_is_removed_and_the_optimum_kept() -> None:
    """Class 1 does 0.5 and 0.8 of class 0 for the same price: r = 0.8, removed."""
    h = crossing(((1.0, 0.5), (1.0, 0.8)), standby=1e6)
    assert dominated_classes(h).tolist() == [False, True]
    model = build_horizon_model(h)
    assert (model.order[:, 1] == -1).all()
    sol = solve_horizon(model, options=EXACT)
    assert sol.objective == pytest.approx(brute_force(h), rel=1e-7)  # brute force orders both


def test_dominance_needs_the_price_of_r_megawatts() -> None:
    """Dominated in both (r = 0.8) but 0.8 MW of class 0 cost more than 1 MW of class 1: kept."""
    h = crossing(((1.0, 0.5), (1.0, 0.8)), standby=1e6)
    capex = h.capex.copy()
    capex[:, 1] = 0.7 * capex[:, 0]
    h = dataclasses.replace(h, capex=capex)
    assert dominated_classes(h).tolist() == [False, False]
    sol = solve_horizon(build_horizon_model(h), options=EXACT)
    assert sol.objective == pytest.approx(brute_force(h), rel=1e-7)


def test_dominance_needs_the_same_years_in_service() -> None:
    """A longer-lived class pays capex in more years: it does not dominate a shorter-lived one.

    Demand falls after the first year; class 0 is a little better (1.0 against 0.95) but its
    orders stay in service, and are paid for, three years against one. The earlier rule ("at
    least the life") removed class 1 and cost 13 % more than the optimum here.
    """
    h = make_horizon(0, n_years=3, same_capex=True, standby=1e6, penalty=1e8, factor=(1.0, 0.95))
    falls = np.array([1.0, 0.1, 0.1])
    h = dataclasses.replace(
        h,
        life=np.array([3, 1]),
        existing=np.zeros_like(h.existing),
        demand=h.demand[:, :1] * falls,
        training=h.training[:1] * falls,
    )
    assert not dominated_classes(h).any()
    sol = solve_horizon(build_horizon_model(h), options=EXACT)
    assert sol.objective == pytest.approx(brute_force(h), rel=1e-7)
    assert sol.order[:, 1].sum() > 1.0  # the short-lived class is the one ordered


def test_cluster_bound_uses_the_training_capability() -> None:
    """``t_st ≤ φ̄^T (Ē_s + G_s) z_st``; the pair bound keeps ``φ̄`` over both workloads."""
    h = make_horizon(3, n_sites=2, min_cluster_mw=5.0, factor=((0.5, 0.4), (1.0, 0.9)))
    model = build_horizon_model(h)
    arrays, rows = model.arrays, model.arrays.names("rows")
    room = h.peak_existing + h.base.sites.headroom_mw
    assert (model.hosts[:, 0] >= 0).sum() == 2
    for s in np.flatnonzero(model.hosts[:, 0] >= 0):
        row = np.flatnonzero(rows == f"y0_cluster_max_{s}")[0]
        entries = arrays.index == row
        z = entries & (arrays.entry_col == model.hosts[s, 0])
        assert arrays.value[z] == pytest.approx([-0.5 * room[s]])
    upper = arrays.col_upper[model.serve[:, 0]]
    assert upper.max() <= 1.0 * room.max() + 1e-9
    assert np.isclose(h.year_instance(0).sites.capacity_mw, 1.0 * room).all()
    assert np.isclose(h.year_instance(0, training=True).sites.capacity_mw, 0.5 * room).all()


def test_one_year_has_unit_capability_for_both_workloads() -> None:
    h = one_year(make_instance(0))
    assert h.factor.shape == (2, 1) and (h.factor == 1.0).all()


# ---------------------------------------------------------------- the table


def test_shipped_capabilities() -> None:
    """SOURCES.md T2: training by dense FP16, serving by the harmonic prefill/decode blend."""
    table = read_accelerators(DATA / "accelerators.csv").set_index("accelerator_class")
    phi = dict(zip(table.index, capability(table).T, strict=True))
    assert phi["export_compliant"] == pytest.approx([0.406, 0.531], abs=1e-3)
    assert phi["imported_high_end"] == pytest.approx([1.027, 0.812], abs=1e-3)
    assert phi["domestic"] == pytest.approx([1.004, 0.796], abs=1e-3)
    # the H20's serving: 0.26 of the reference's compute per kW, 2.09 times its bandwidth
    kw, _, tflops, tbps = REFERENCE_SERVER
    h20 = table.loc["export_compliant"]
    rho_f = h20["tflops_fp16_dense"] / h20["server_kw"] / (tflops / kw)
    rho_b = h20["hbm_tbps"] / h20["server_kw"] / (tbps / kw)
    assert (rho_f, rho_b) == pytest.approx((0.262, 2.089), abs=1e-3)
    p = h20["prefill_share"]
    assert phi["export_compliant"][1] == pytest.approx(1 / (p / rho_f + (1 - p) / rho_b))


def test_the_reference_server_serves_one_demand_mw() -> None:
    kw, n, tflops, tbps = REFERENCE_SERVER
    row = {"server_kw": kw, "accelerators_per_server": n, "tflops_fp16_dense": tflops,
           "hbm_tbps": tbps, "prefill_share": 0.42, "kw_per_pf": 2.0}  # fmt: skip
    assert capability(pd.DataFrame([row]))[:, 0] == pytest.approx([1.0, 1.0])


@pytest.fixture
def table(tmp_path):
    """A copy of the shipped table; ``edit(line, column, value)`` sets one cell."""
    path = tmp_path / "accelerators.csv"
    shutil.copy(DATA / "accelerators.csv", path)

    def edit(line: int, column: str, value: str):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        rows[line - 1][rows[0].index(column)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
        return path

    return edit


@pytest.mark.parametrize(
    ("line", "column", "value", "message"),
    [
        (
            3, "serve_factor", "0.921",
            r"accelerators.csv: line 3 \(accelerator_class 'export_compliant'\): field "
            r"'serve_factor': the capability of the row \(docs/model.md\) = 0.531 ± 0.001, "
            r"got 0.921",
        ),
        (
            2, "train_factor", "1.1",
            r"line 2 .*field 'train_factor': the capability of the row .* = 1.027 ± 0.001",
        ),
        (
            4, "server_kw", "6.0",
            r"line 4 .*field 'kw_per_pf': server_kw / \(accelerators × TFLOPS / 1000\) = 2.344",
        ),
        (
            3, "prefill_share", "0.18",
            r"line 3 .*field 'prefill_share': the same prefill_share in every row \(0.42 on the "
            r"first\), got 0.18",
        ),
        (2, "hbm_tbps", "0", r"line 2 .*field 'hbm_tbps': expected a number > 0"),
        (2, "prefill_share", "1.5", r"line 2 .*'prefill_share': expected a number ≥ 0 and ≤ 1"),
        (4, "accelerators_per_server", "x", r"line 4 .*field 'accelerators_per_server'"),
    ],
)  # fmt: skip
def test_bad_capability_gets_one_clear_message(table, line, column, value, message) -> None:
    path = table(line, column, value)
    with pytest.raises(InputError, match=message) as error:
        read_accelerators(path)
    assert len(error.value.problems) >= 1
    assert all(str(path) in p.source for p in error.value.problems)
