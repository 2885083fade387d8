"""The prefecture and county instances load and (prefecture) solve."""

from __future__ import annotations

import numpy as np
import pytest

from siting.model import build_arrays
from siting.pipeline import prepare
from siting.solve import Status, solve
from siting.solve.options import RunOptions


def test_prefecture_scenario_solves() -> None:
    p = prepare("prefecture")
    inst = p.instance
    assert inst.n_sites == inst.n_hubs == 338
    assert inst.sites.existing_mw.sum() == pytest.approx(2282.0)  # every shipped site kept
    sol = solve(build_arrays(inst), options=RunOptions(mip_gap=1e-3))
    assert sol.status is Status.OPTIMAL and sol.gap <= 1e-3
    served = np.bincount(inst.pairs.hub, sol.serve, inst.n_hubs)
    assert served == pytest.approx(inst.hubs.demand_mw, abs=1e-6)
    assert sol.train.sum() == pytest.approx(inst.training_mw)
    hosts = sol.train[sol.train > 1e-6]
    assert (hosts >= inst.min_cluster_mw - 1e-6).all()


def test_county_instance_is_sparse_and_feasible() -> None:
    p = prepare("county")
    inst = p.instance
    assert inst.n_hubs > 2800 and inst.n_sites == 338
    assert inst.n_pairs < 0.2 * inst.n_hubs * inst.n_sites  # only pairs within the SLA
    assert set(np.unique(inst.pairs.hub)) == set(range(inst.n_hubs))  # every county reachable


def test_prefecture_decomposes_to_the_direct_optimum() -> None:
    inst = prepare("prefecture").instance
    direct = solve(build_arrays(inst), options=RunOptions(mip_gap=1e-4, strategy="direct"))
    split = solve(build_arrays(inst), options=RunOptions(mip_gap=1e-4, strategy="decompose"))
    assert split.strategy == "decompose" and split.status is Status.OPTIMAL
    assert split.bound <= direct.objective + 1e-6 * abs(direct.objective)
    assert split.objective == pytest.approx(direct.objective, rel=1e-4)


def test_all_counties_scenario_loads_with_every_county_a_site() -> None:
    from siting.scenario import load_scenario, resolve_scenario_path

    spec, paths = load_scenario(resolve_scenario_path("county-all"))
    assert spec.name == "county-all" and paths.sites.parent.name == "county"
    inst = prepare("county-all").instance
    assert inst.n_sites == inst.n_hubs > 2800
    assert inst.n_pairs > 300_000  # above FULL_LP_PAIRS: the decomposition prices pairs in
    assert inst.sites.existing_mw.sum() == pytest.approx(2282.0)  # the shipped capacity is kept
