"""Audit, robust plan and "why not there" on instances small enough to check by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from siting.analysis import audit, robust_plan, why_not
from siting.costs import annuity_factor
from siting.scenario import load_scenario
from siting.solve.options import RunOptions

CRF = annuity_factor(0.08, 15)


def test_audit_by_hand(tiny) -> None:
    """The boom builds 100 MW in the west for training; the shift needs it in the east.

    Sunk: 100 MW in the west, all idle under the shift (Shanghai is out of the west's reach).
    The shift's use of it costs what the shift's own plan costs (the west stays closed), so
    the mismatch is the boom plan's sunk cost: 100 MW x (facility + IT hardware annuities) +
    one site development.
    """
    scenario, _ = load_scenario(tiny / "boom.toml")
    result = audit(tiny / "boom.toml", tiny / "shift.toml", options=RunOptions(mip_gap=1e-9))
    sites = result.sites.set_index("site_id")
    assert sites.loc["west", "added_mw"] == pytest.approx(100.0)
    assert sites.loc["west", "idle_mw"] == pytest.approx(100.0)
    assert sites.loc["west", "utilisation"] == pytest.approx(0.0)
    assert sites.loc["east", "hosted_mw"] == pytest.approx(100.0)
    costs = scenario.costs
    it_crf = annuity_factor(costs.discount_rate, costs.it_lifetime_years)
    per_mw = costs.capex_cny_per_mw * CRF + costs.it_capex_cny_per_mw * it_crf
    sunk = 100.0 * per_mw + costs.site_development_cny * CRF
    assert result.kpis["plan_sunk_cost_cny"] == pytest.approx(sunk)
    assert result.kpis["cost_under_plan_cny"] == pytest.approx(result.kpis["cost_optimal_cny"])
    assert result.kpis["mismatch_cny"] == pytest.approx(sunk)
    assert result.kpis["idle_mw"] == pytest.approx(100.0)
    provinces = result.provinces.set_index("province")
    assert provinces.loc["Ningxia", "idle_mw"] == pytest.approx(100.0)
    assert provinces.loc["Shanghai", "new_mw"] == pytest.approx(100.0)
    assert math.isnan(provinces.loc["Shanghai", "utilisation"])  # nothing sunk there


def test_audit_of_existing_capacity_has_no_mismatch(tiny) -> None:
    result = audit("existing", tiny / "shift.toml")
    assert result.kpis["mismatch_cny"] == pytest.approx(0.0, abs=1e-3)
    assert result.kpis["sunk_mw"] == pytest.approx(0.0)


@pytest.mark.parametrize("criterion", ["expected", "regret"])
def test_robust_plan_never_worse_than_single_plans(tiny, criterion: str) -> None:
    report = robust_plan(
        [tiny / "boom.toml", tiny / "shift.toml"],
        criterion=criterion,
        options=RunOptions(mip_gap=1e-9),
    )
    table = report.table.set_index("plan")
    singles = table.drop(index="robust")
    key = "expected_cost_cny" if criterion == "expected" else "worst_regret_cny"
    assert table.loc["robust", key] <= singles[key].min() * (1 + 1e-6)
    # Neither single plan serves both futures: the boom's west-only plan cannot serve
    # Shanghai, the shift's east plan can host the boom's training (200 MW of headroom).
    assert math.isinf(table.loc["plan of boom", "expected_cost_cny"])
    assert math.isfinite(table.loc["plan of shift", "expected_cost_cny"])
    builds = [r.sites.set_index("site_id")["new_mw"] for r in report.results]
    assert np.allclose(builds[0].to_numpy(), builds[1].to_numpy())  # one shared plan


def test_robust_on_shipped_story_scenarios() -> None:
    report = robust_plan(["2023-training-boom", "2025-inference-shift"])
    table = report.table.set_index("plan")
    finite = table["expected_cost_cny"][np.isfinite(table["expected_cost_cny"])]
    assert table.loc["robust", "expected_cost_cny"] <= finite.drop("robust").min() * (1 + 2e-4)


def test_why_not_prices_alternatives(tiny) -> None:
    result = why_not(
        tiny / "shift.toml", inference_mw=10.0, training_mw=60.0, options=RunOptions(mip_gap=1e-9)
    )
    west = result.sites.set_index(["site_id", "workload"])
    assert west.loc[("west", "inference"), "reason"] == "no hub within its SLA"
    assert math.isinf(west.loc[("west", "inference"), "extra_cost_cny"])
    # The shift has no training demand to move there.
    assert "cannot host 60 MW of training" in west.loc[("west", "training"), "reason"]
    hubs = result.hubs.set_index("hub_id")
    assert hubs.loc["shanghai", "tightened_rtt_ms"] == pytest.approx(4.0)
    assert hubs.loc["shanghai", "extra_cost_cny"] == pytest.approx(0.0, abs=1.0)


def test_why_not_forced_training_costs_the_difference(tiny) -> None:
    """In the boom, 100 MW of training sits in the cheap west; moving 60 MW east costs the
    east's site, its capex and dearer power, less what the west no longer spends."""
    result = why_not(tiny / "boom.toml", training_mw=60.0, options=RunOptions(mip_gap=1e-9))
    east = result.sites.set_index(["site_id", "workload"]).loc[("east", "training")]
    assert 0 < east["extra_cost_cny"] < math.inf
    assert east["reason"] == ""


def _as_built_costs(built, under, **options) -> tuple[float, float]:
    """The built plan's cost under ``under`` by audit and by robust (column of ``under``)."""
    by_audit = audit(built, under, **options)
    report = robust_plan([built, under], **options)
    row = report.table.set_index("plan").loc[f"plan of {by_audit.built_name}"]
    return by_audit.kpis["cost_as_built_cny"], row[f"cost_{by_audit.under_name}_cny"]


def test_audit_and_robust_agree_on_a_plan_as_built(tiny) -> None:
    """audit reports the built plan as robust prices it (open sites and MW fixed), beside its
    mismatch (new sites and MW allowed); on the tiny pair the boom plan cannot serve the shift.
    """
    by_audit, by_robust = _as_built_costs(
        tiny / "boom.toml", tiny / "shift.toml", options=RunOptions(mip_gap=1e-9)
    )
    assert by_audit == by_robust
    boom = audit(tiny / "shift.toml", tiny / "shift.toml", options=RunOptions(mip_gap=1e-9)).kpis
    assert boom["cost_as_built_cny"] == pytest.approx(boom["cost_optimal_cny"], rel=1e-6)


@pytest.mark.slow
def test_audit_and_robust_agree_on_shipped_story_scenarios() -> None:
    """Issue 18: audit said mismatch 0.000 while robust said the 2023 plan cannot serve 2025."""
    by_audit, by_robust = _as_built_costs("2023-training-boom", "2025-inference-shift")
    assert by_audit == by_robust == math.inf
