"""Twin hubs aggregated: a relaxation of the multi-period model, exact when twins cost alike."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from siting.horizon import Horizon
from siting.instance import Hubs, Pairs
from siting.model.horizon import build_horizon_model
from siting.solve import Status
from siting.solve.aggregate import aggregated, twin_groups
from siting.solve.horizon import aggregated_plan, solve_horizon
from siting.solve.options import RunOptions

from .test_periods import make_horizon

#: Hubs 0-2 reach sites 0 and 1, hubs 3-4 sites 1 and 2, hub 5 site 2 only.
REACH = ((0, 1), (0, 1), (0, 1), (1, 2), (1, 2), (2,))


def twin_horizon(seed: int, *, equal_costs: bool = False, **kwargs: object) -> Horizon:
    """A random horizon over three sites whose six hubs reach the sites of :data:`REACH`.

    Network costs differ between twins unless ``equal_costs``; the demand of each hub grows
    as its own share of the total, so twins' shares vary by year.
    """
    h = make_horizon(seed, n_sites=3, **kwargs)  # type: ignore[arg-type]
    rng = np.random.default_rng(seed)
    hub = np.array([i for i, sites in enumerate(REACH) for _ in sites], np.int64)
    site = np.array([s for sites in REACH for s in sites], np.int64)
    km = rng.uniform(100, 900, len(hub))
    if equal_costs:
        km = np.array([100.0 + 200 * s for s in site])
    demand = rng.uniform(5, 25, len(REACH))
    growth = rng.uniform(1.0, 1.8, (len(REACH), h.n_years)).cumprod(axis=1)
    base = dataclasses.replace(
        h.base,
        hubs=Hubs(np.array([f"h{i}" for i in range(len(REACH))]), demand),
        classes=dataclasses.replace(
            h.base.classes,
            sla_ms=np.full((1, len(REACH)), 10.0),
            nearest_site=np.zeros((1, len(REACH)), np.int64),
            nearest_rtt_ms=np.ones((1, len(REACH))),
        ),
        pairs=Pairs(hub, site, np.zeros(len(hub), np.int64), km, km / 100 + 1, km * 3e4),
    )
    return dataclasses.replace(h, base=base, demand=demand[:, None] * growth)


def optimum(h: Horizon) -> float:
    """The exact optimum of a small horizon, solved directly."""
    sol = solve_horizon(build_horizon_model(h), RunOptions(mip_gap=1e-9))
    assert sol.status is Status.OPTIMAL
    return sol.objective


def test_twins_are_the_hubs_that_reach_the_same_sites() -> None:
    h = twin_horizon(1)
    twins = twin_groups(h.base)
    assert twins.group.tolist() == [0, 0, 0, 1, 1, 2]
    assert twins.first.tolist() == [0, 3, 5]
    unreached = dataclasses.replace(
        h.base.pairs, **{f: getattr(h.base.pairs, f)[h.base.pairs.hub != 1] for f in
                         ("hub", "site", "service_class", "km", "rtt_ms", "cost")}
    )  # fmt: skip
    lonely = twin_groups(dataclasses.replace(h.base, pairs=unreached))
    assert lonely.group.tolist() == [0, 1, 0, 2, 2, 3]


def test_aggregated_horizon_sums_demand_and_takes_the_cheapest_pair() -> None:
    h = twin_horizon(2)
    small = aggregated(h, twin_groups(h.base))
    np.testing.assert_allclose(small.demand[0], h.demand[:3].sum(axis=0))
    np.testing.assert_allclose(small.demand[2], h.demand[5])
    assert small.base.pairs.hub.tolist() == [0, 0, 1, 1, 2]
    assert small.base.pairs.site.tolist() == [0, 1, 1, 2, 2]
    cost, hub, site = h.base.pairs.cost, h.base.pairs.hub, h.base.pairs.site
    assert small.base.pairs.cost[0] == cost[(hub < 3) & (site == 0)].min()
    assert small.base.pairs.cost[3] == cost[np.isin(hub, (3, 4)) & (site == 2)].min()


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_aggregated_model_bounds_the_full_one(seed: int) -> None:
    """Its optimum is at most the full optimum, and lies within the twins' cost spread."""
    h = twin_horizon(seed, n_years=3, lead=1, life=2, penalty=1e8)
    full, small = optimum(h), optimum(aggregated(h, twin_groups(h.base)))
    assert small <= full * (1 + 1e-9) + 1e-6
    spread = h.base.pairs.cost.max() - h.base.pairs.cost.min()
    served = h.demand.sum(axis=0) @ h.discount
    assert full - small <= spread * served * (1 + 1e-9) + 1e-6


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_twins_with_equal_costs_aggregate_exactly(seed: int) -> None:
    h = twin_horizon(seed, equal_costs=True, n_years=3, lead=1, life=2, penalty=1e8)
    assert optimum(aggregated(h, twin_groups(h.base))) == pytest.approx(optimum(h), rel=1e-7)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_solve_through_the_aggregated_model_is_honest(monkeypatch, seed: int) -> None:
    """Forced on small cases: the bound is below the optimum, the plan above it, within gap."""
    from siting.solve import horizon

    monkeypatch.setattr(horizon, "RESTRICT_COLUMNS", 0)
    h = twin_horizon(seed, n_years=3, lead=1, life=2, penalty=1e8)
    exact = optimum(h)
    monkeypatch.setattr(horizon, "RESTRICT_COLUMNS", 0)
    sol = solve_horizon(build_horizon_model(h), RunOptions(mip_gap=0.02))
    assert sol.objective >= exact * (1 - 1e-9) - 1e-6
    assert sol.bound <= exact * (1 + 1e-9) + 1e-6
    assert "twin groups" in sol.termination
    assert sol.gap <= 0.02 or sol.status is Status.FEASIBLE
    assert sol.serve.shape == (h.base.n_pairs, h.n_years)  # every hub's own flows


def test_no_aggregation_without_twins_or_with_failover() -> None:
    h = twin_horizon(3)
    opts = RunOptions(mip_gap=0.01).resolve()
    own = dataclasses.replace(h.base.pairs, site=np.arange(h.base.n_pairs) % 3)
    assert aggregated_plan(build_horizon_model(dataclasses.replace(
        h, base=dataclasses.replace(h.base, pairs=own))), opts) is None  # fmt: skip
    guarded = dataclasses.replace(h.base.classes, failover=np.array([0.2]))
    model = build_horizon_model(
        dataclasses.replace(h, base=dataclasses.replace(h.base, classes=guarded))
    )
    assert aggregated_plan(model, opts) is None
    assert aggregated_plan(build_horizon_model(h), opts) is not None
