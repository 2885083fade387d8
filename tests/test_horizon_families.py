"""Failover, compute vouchers and green power in the multi-period model (issue 17, item 1).

Each year composes the single-period families (``siting.model.horizon``): a one-year horizon
with a family is the single-period model with it, and over several years the family acts in
every year (docs/model.md, "Multi-period model").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import siting
from siting.horizon import Horizon
from siting.horizon_run import horizon_for
from siting.model import build_arrays
from siting.model.horizon import HorizonModel, build_horizon_model, in_service
from siting.pipeline import prepare
from siting.solve import solve
from siting.solve.highs import new_highs, pass_model, run
from siting.solve.horizon import plan
from siting.solve.options import RunOptions

from .test_periods import assert_one_year_is_single_period

#: Provinces where the default plan builds new MW in hub-node sites in every year.
NO_GREEN = ("Anhui", "Jiangsu", "Sichuan")
FAMILIES: dict[str, dict[str, Any]] = {
    "failover": {"redundancy.failover_share": 0.5},
    "vouchers": {"policy.compute_vouchers": True, "policy.voucher_contract_cny_per_mw_year": 3e7},
    "green": {"policy.green_share": 1.0, "policy.green_supply_gwh": dict.fromkeys(NO_GREEN, 0.0)},
}
#: Three years on the default scenario's sites, existing MW flat, orders in service at once.
YEARS = {"years": [2026, 2027, 2028], "existing": "flat", "lead_time_years": 0}


def _scenario(change: dict[str, Any], horizon: dict[str, Any] | None = None) -> siting.Scenario:
    """The default with one inference class (10 ms), with a family and maybe a horizon."""
    extra = {} if horizon is None else {"horizon": horizon}
    return siting.load_scenario("default").with_overrides({"classes": {}, **change, **extra})


@pytest.mark.parametrize("family", FAMILIES)
def test_one_year_with_the_family_is_the_single_period_model(family: str) -> None:
    """docs/model.md, "One year reproduces the single-period model", with the family on."""
    inst = prepare(_scenario(FAMILIES[family])).instance
    single = solve(build_arrays(inst)).objective
    plain = solve(build_arrays(prepare(_scenario({})).instance)).objective
    assert single != pytest.approx(plain, rel=1e-6)  # the family acts
    assert_one_year_is_single_period(inst)


def _solved(change: dict[str, Any]) -> tuple[Horizon, HorizonModel, Any, float]:
    """The three-year model of the default with a family, its columns' values and optimum."""
    prepared = prepare(_scenario(change, YEARS))
    h = horizon_for(prepared.instance, prepared.scenario, source="test")
    m = build_horizon_model(h)
    highs = new_highs(1e-9, None)
    pass_model(highs, m.arrays)
    out = run(highs, 120, is_mip=True)
    x = out.x
    assert x is not None

    def value(grid: np.ndarray) -> np.ndarray:
        return np.where(grid >= 0, x[np.maximum(grid, 0)], 0.0)

    return h, m, value, out.objective


def _new_in_service(h: Horizon, m: HorizonModel, value: Any) -> np.ndarray:
    """New MW in service per site and year, shape (S, T)."""
    return np.einsum("skT,kTt->st", value(m.order), in_service(h).astype(float))


def _installed(h: Horizon, m: HorizonModel, value: Any) -> np.ndarray:
    """Installed MW at open sites per year (existing at open sites plus new), shape (T,)."""
    existing = h.existing.sum(axis=1) * value(m.open)
    return (existing + _new_in_service(h, m, value)).sum(axis=0)


@pytest.fixture(scope="module")
def plain() -> tuple[Horizon, HorizonModel, Any, float]:
    return _solved({})


def test_failover_reserve_raises_capacity_in_every_year(plain) -> None:
    h, m, value, _ = _solved(FAMILIES["failover"])
    assert (_installed(h, m, value) > _installed(*plain[:3]) + 1.0).all()
    reserve = value(m.reserve).sum(axis=0)
    assert (reserve > 1.0).all()
    # held on installed MW, idle: a demand MW of reserve takes 1/φ^I installed MW
    held = np.einsum("skt,k->t", value(m.held), h.factor[1])
    assert np.allclose(held, reserve, atol=1e-6)


def test_vouchers_pay_their_yearly_budget_in_every_year(plain) -> None:
    h, m, value, objective = _solved(FAMILIES["vouchers"])
    paid = value(m.voucher)  # (V, T)
    budget = h.base.policy.vouchers.max_mw
    assert len(budget) and np.allclose(paid, budget[:, None], atol=1e-6)  # every year's
    value_pv = (h.base.policy.vouchers.cny_per_mw @ paid) @ h.discount / 1e6
    assert objective == pytest.approx(plain[3] - value_pv, rel=1e-6)  # same plan, less cost


def test_green_power_binds_in_every_year(plain) -> None:
    h, m, value, _ = _solved(FAMILIES["green"])
    counted = (h.base.policy.green.coef > 0).any(axis=0)
    assert (_new_in_service(*plain[:3])[counted].sum(axis=0) > 1.0).all()  # built there without
    assert np.allclose(_new_in_service(h, m, value)[counted], 0.0, atol=1e-6)
    assert np.allclose(value(m.new)[counted], 0.0, atol=1e-6)


def test_myopic_planners_share_the_green_supply() -> None:
    """Each planner sees the supply its predecessors' orders in service left.

    Without it, each planner drew the whole supply and the operation of their orders was
    infeasible (the green rows count every order in service).
    """
    supply = dict.fromkeys(NO_GREEN, 500.0)
    spec = _scenario({**FAMILIES["green"], "policy.green_supply_gwh": supply}, YEARS)
    prepared = prepare(spec)
    h = horizon_for(prepared.instance, prepared.scenario, source="test")
    sol = plan(h, "myopic", RunOptions(mip_gap=1e-9))
    new = np.einsum("skT,kTt->st", sol.order, in_service(h).astype(float))
    green = h.base.policy.green
    drawn = green.coef @ new  # (provinces, years)
    assert (drawn <= green.supply_gwh[:, None] + 1e-6).all()
    assert drawn.max() == pytest.approx(500.0, rel=1e-6)  # it binds


def test_plan_summary_says_when_green_power_is_inactive() -> None:
    """A green share without a province's supply is inactive there; ``siting plan`` says so."""
    from siting.horizon_run import run_horizon

    spec = _scenario({"policy.green_share": 0.8}, {**YEARS, "years": [2026]})
    run = run_horizon(spec, write=False, map=False, options=RunOptions(time_limit=60))
    notes = run.summary["policy_notes"]
    assert any("green-power share 0.8: inactive" in note for note in notes)
