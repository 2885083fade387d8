"""Halls: a site's capacity owned by several owner types (docs/model.md, "Many investors")."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest

from siting.market import OWNER_TYPES, MarketData, MarketInputs, allocate, year_market
from siting.simulate.agents import Agents
from siting.simulate.engine import World, open_year, take_turn
from siting.simulate.halls import Halls
from siting.simulate.respond import BUILD_COST, ForecastLP

#: Two sites; site 0 has a cloud hall and a telecom hall, site 1 a telecom hall.
SITE, OWNER = np.array([0, 0, 1]), np.array(["cloud", "telecom", "telecom"], dtype=object)
PENALTY = 1e4


def _agents(owner: list[str], site: list[int], share: list[float]) -> Agents:
    """One investor per entry (owner type, site, share), every type's rule a margin's."""
    n = len(owner)
    return Agents(
        ids=np.array([f"i{n}" for n in range(n)], dtype=object),
        owner_type=np.array(owner, dtype=object), objective=np.full(n, "margin", dtype=object),
        forecast=np.full(n, "use", dtype=object), hurdle=np.zeros(n), subsidy=np.zeros(n),
        jobs_value=np.zeros(n), investor=np.arange(n), site=np.array(site, int),
        share=np.array(share, float),
    )  # fmt: skip


def _frictions(segments: list[str], premium: dict[str, float]) -> pd.DataFrame:
    rows = [(g, o, True, premium.get(o, 0.0), 0.0, "none") for g in segments for o in OWNER_TYPES]
    columns = ["segment", "owner_type", "admissible", "premium_cny_per_mw_year",
               "domestic_penalty_cny_per_mw_year", "residency"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _market(rng: np.random.Generator, captive: str | None) -> MarketInputs:
    """Two sites as three halls: a segment ``c`` (captive of ``captive``) and a segment ``m``."""
    segments = pd.DataFrame({
        "segment": ["c", "m"], "name": ["c", "m"], "inference_share": [0.5, 0.5],
        "training_share": [0.5, 0.5], "captive_owner": [captive, None], "sla_ms": [100.0] * 2,
        "unserved_penalty_cny_per_mw_year": [PENALTY] * 2,
    })  # fmt: skip
    sites = MarketInputs(
        site_ids=["a", "b"], owner_type=np.array(["telecom"] * 2), province=np.array(["P"] * 2),
        classes=["k"], domestic=np.zeros(1, bool), capacity=np.zeros((2, 1)),
        rent=np.array([10.0]), factor=np.ones((2, 1)), hub_ids=["h"],
        hub_province=np.array(["P"]), rtt_ms=np.zeros((1, 2)),
        network_cny=rng.integers(0, 300, (1, 2)).astype(float),
        inference=rng.integers(1, 4, (2, 1)).astype(float), training=np.zeros(2),
        segments=segments, frictions=_frictions(["c", "m"], {"telecom": 40.0}),
    )  # fmt: skip
    halls = Halls(SITE, OWNER, np.ones(3), OWNER[[0, 2]], np.zeros((2, 4), int))
    return halls.market(sites, rng.integers(0, 3, (3, 1)).astype(float))


def _brute_force(m: MarketInputs) -> float:
    """The market stage's cost by enumeration: the captive use first on its owner's halls."""
    cost = m.rent[0] + m.network_cny[0] + np.where(m.owner_type == "telecom", 40.0, 0.0)
    cap = m.capacity[:, 0].astype(int)
    demand = m.inference[:, 0].astype(int)
    owner = m.segments["captive_owner"].iloc[0]
    own = m.owner_type == owner
    captive_cost, captive_use = np.inf, None
    for x in itertools.product(
        *[range(c + 1) if o else [0] for c, o in zip(cap, own, strict=True)]
    ):
        if sum(x) <= demand[0]:  # the captive stage: most served, then cheapest
            key = (-sum(x), float(cost @ x))
            if captive_use is None or key < captive_cost:
                captive_cost, captive_use = key, np.array(x)
    left, d_c = cap - captive_use, demand[0] - captive_use.sum()
    best = np.inf
    for xc in itertools.product(*[range(c + 1) for c in left]):
        for xm in itertools.product(*[range(c + 1) for c in left]):
            if (np.add(xc, xm) > left).any() or sum(xc) > d_c or sum(xm) > demand[1]:
                continue
            unserved = d_c - sum(xc) + demand[1] - sum(xm)
            best = min(best, float(cost @ np.add(xc, xm)) + PENALTY * unserved)
    return best


@pytest.mark.parametrize("seed", range(4))
def test_the_captive_use_fills_its_own_hall_first_and_the_market_is_the_brute_force(
    seed: int,
) -> None:
    m = _market(np.random.default_rng(seed), "cloud")
    r = allocate(m)
    own = r.captive.used[:, 0]
    assert own[1:].sum() == 0  # only the cloud hall serves the clouds' segment captively
    assert own[0] == pytest.approx(min(m.capacity[0, 0], m.inference[0, 0]))
    assert r.market.objective == pytest.approx(_brute_force(m), abs=1e-6)
    assert list(r.rents["site_id"]) == ["a", "a", "b"]  # a row per hall, its owner type
    assert list(r.rents["owner_type"]) == list(OWNER)


def _cost_with(m: MarketInputs, built: np.ndarray) -> float:
    result = allocate(dataclasses.replace(m, capacity=m.capacity + built))
    return result.market.objective + BUILD_COST * built.sum()


@pytest.mark.parametrize("seed", range(3))
def test_the_halls_of_a_site_share_its_headroom_row(seed: int) -> None:
    rng = np.random.default_rng(10 + seed)
    m = _market(rng, None)
    allowed = np.ones((3, 1), bool)
    lp = ForecastLP.of(m, np.ones(2, bool), allowed, SITE)
    assert len(lp.headroom_rows) == 2  # one row per site, not per hall
    room = np.array([2.0, 0.0, 0.0])  # the cloud investor of site a
    first = lp.respond(room, allowed, skip=False)
    room = np.array([0.0, 2.0, 2.0])  # then a telecom investor at both sites
    second = lp.respond(room, allowed, skip=False)
    assert second[0].sum() == 0
    grid = [range(3) if r else [0] for r in room]
    costs = [_cost_with(m, first + np.reshape(b, (3, 1))) for b in itertools.product(*grid)]
    assert _cost_with(m, first + second) == pytest.approx(min(costs), rel=1e-9, abs=1e-6)


def test_the_stock_goes_to_the_owners_row_else_by_headroom_shares() -> None:
    owners = pd.DataFrame({"site_id": ["a"], "owner_type": ["cloud"]})
    data = MarketData(owners, pd.DataFrame(), _frictions(["c"], {}))
    agents = _agents(["telecom", "local_gov", "telecom"], [0, 1, 1], [0.5, 0.6, 0.2])
    halls = Halls.of(["a", "b"], data, agents)
    assert list(zip(halls.site, halls.owner_type, halls.stock, strict=True)) == [
        (0, "cloud", 1.0), (0, "telecom", 0.0),
        (1, "telecom", pytest.approx(0.25)), (1, "local_gov", pytest.approx(0.75)),
    ]  # fmt: skip
    assert list(halls.site_owner) == ["cloud", "local_gov"]
    assert halls.index(np.array([1, 0]), "telecom").tolist() == [2, 1]
    split = halls.split(np.array([[4.0], [8.0]]))
    np.testing.assert_allclose(halls.to_sites(split, 2), [[4.0], [8.0]])


# -- on the shipped default layer (one owner type per site) nothing changes --------------------


@pytest.fixture(scope="module")
def world() -> World:
    from siting.horizon_run import horizon_for
    from siting.market import load_market_data
    from siting.pipeline import prepare
    from siting.simulate.agents import load_agents
    from siting.simulate.forecast import installed_over_use
    from siting.vintages import load_time_tables

    prepared = prepare("2023-2025-simulate")
    h = horizon_for(prepared.instance, prepared.scenario, source="2023-2025-simulate")
    ids = [str(s) for s in h.base.sites.ids]
    published = installed_over_use(load_time_tables(), "central", h.years)
    return World(
        h, load_market_data(), prepared.layers.hubs, load_agents("default", ids), published
    )


def test_on_the_default_layer_a_hall_is_a_site(world: World) -> None:
    halls, h = world.halls, world.h
    assert (halls.site == np.arange(h.base.n_sites)).all()
    owners, _ = world.data.owner_type(list(world.site_ids))
    assert list(halls.owner_type) == list(owners)
    for t in range(h.n_years):
        old = year_market(h, t, world.data, world.hubs)
        new = world.market(world.existing[:, :, t], t)
        for f in dataclasses.fields(MarketInputs):
            a, b = getattr(old, f.name), getattr(new, f.name)
            if isinstance(a, pd.DataFrame):
                pd.testing.assert_frame_equal(a, b)
            else:
                np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_second_owner_type_at_a_site_orders_in_its_own_hall_within_the_shared_headroom(
    world: World,
) -> None:
    h = world.h
    site = int(np.argmax(h.base.sites.headroom_mw))
    owner = str(world.halls.owner_type[site])
    other = next(o for o in ("local_gov", "telecom") if o != owner)
    agents = _agents([owner, other], [site, site], [0.5, 0.5])
    agents = dataclasses.replace(agents, jobs_value=np.full(2, 1e12))  # both would build
    two = dataclasses.replace(world, agents=agents)
    mine, theirs = (two.halls.at[site, OWNER_TYPES.index(o)] for o in (owner, other))
    assert two.halls.site[[mine, theirs]].tolist() == [site, site]
    empty = np.zeros(two.existing.shape)
    year, rules, rent, room = open_year(two, 0, empty, None)
    for i, hall in ((1, theirs), (0, mine)):  # each orders in its own type's hall
        new = dataclasses.replace(year, views={}, ordered=None)
        orders = take_turn(two, new, i, rent, room, rules, skip=False).orders
        assert orders.sum() > 0
        assert orders[hall].sum() == pytest.approx(orders.sum())
    ordered = empty.copy()
    ordered[theirs, :, 0] = 100.0  # the other type's orders take the site's headroom
    _, _, _, left = open_year(two, 0, ordered, None)
    assert left[site] == pytest.approx(max(room[site] - 100.0 * len(world.h.classes), 0.0))


# -- the prefecture layer: several owner types at every seat -----------------------------------


def test_the_prefecture_investors_make_a_market_of_halls() -> None:
    from siting.horizon_run import horizon_for
    from siting.market import load_market_data
    from siting.pipeline import prepare
    from siting.simulate.agents import load_agents

    name = "prefecture-2023-2030-simulate"
    prepared = prepare(name)
    h = horizon_for(prepared.instance, prepared.scenario, source=name)
    ids = [str(s) for s in h.base.sites.ids]
    agents = load_agents("prefecture", ids)
    world = World(h, load_market_data(), prepared.layers.hubs, agents, np.ones(h.n_years))
    halls = world.halls
    assert len(agents) >= 500
    assert (np.bincount(halls.site, minlength=len(ids)) >= 2).all()  # several types a seat
    np.testing.assert_allclose(halls.to_sites(halls.stock, len(ids)), 1.0)
    np.testing.assert_allclose(world.existing.sum(axis=0), h.existing.sum(axis=0))
    r = allocate(world.market(world.existing[:, :, 0], 0))
    assert len(r.rents) == len(halls) * len(h.classes)
    assert set(r.rents["owner_type"]) == set(halls.owner_type)
