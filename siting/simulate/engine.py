"""The myopic year loop: investors order in turn on the forecast market, the market allocates.

docs/model.md, "Many investors": for each year ``τ`` whose orders enter service in the
horizon, each investor in a seeded random order takes its best response on the forecast
market of ``τ + L`` (:class:`~siting.simulate.respond.ForecastLP`), its orders sunk at once;
then the actual market of ``τ`` (:func:`siting.market.allocate`) decides use, and its clearing
rents are what investors observe in ``τ + 1``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from siting.costs import annuity_factor
from siting.horizon import Horizon
from siting.horizon_tables import installed
from siting.market import MarketData, MarketResult, allocate, year_market
from siting.market.allocate import MarketInputs
from siting.market.data import OWNER_TYPES
from siting.simulate.agents import Agents
from siting.simulate.forecast import belief
from siting.simulate.halls import Halls
from siting.simulate.levers import LeverContext, YearRules, no_levers
from siting.simulate.respond import ForecastLP

#: One investor's rules for a year: levers context → orderable, cost and voucher deltas.
Rules = Callable[[LeverContext], YearRules]
#: Columns of ``simulate_orders.csv``.
ORDER_COLUMNS = (
    "investor_id", "owner_type", "year", "site_id", "accelerator_class", "mw",
    "perceived_cost_cny_per_mw_year", "expected_rent_cny_per_mw_year", "margin_cny_per_mw_year",
)  # fmt: skip


@dataclass
class Simulation:
    """A simulated build-out.

    Attributes
    ----------
    orders
        ``x_skτ``: MW ordered per site, class and order year, shape (S, K, T).
    records
        One row per order (:data:`ORDER_COLUMNS`).
    markets
        Per year: the actual market of the year.
    turns
        Per order year (its text): the investors' ids in the order they decided.
    solves, skips
        Forecast-market re-solves done, and turns skipped by the reduced-cost test.
    notes
        Per order year (its text): the levers in force.
    hall_orders
        MW ordered per hall, class and order year, shape (N, K, T) (myopic runs; ``None``
        where the orders are known per site only).
    """

    orders: np.ndarray
    records: pd.DataFrame
    markets: dict[int, MarketResult]
    turns: dict[str, list[str]] = field(default_factory=dict)
    solves: int = 0
    skips: int = 0
    notes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hall_orders: np.ndarray | None = None


@dataclass(frozen=True)
class World:
    """What every year of a simulation shares: the horizon, its market tables, the investors.

    Attributes
    ----------
    h
        The horizon (end-2022 stock as existing; its costs, use and forecasts).
    data, hubs
        The market tables and the hubs layer (:func:`~siting.market.year_market`).
    agents
        The investors.
    published
        :func:`~siting.simulate.forecast.installed_over_use` of the horizon's years.
    rules
        The levers (default: none).
    """

    h: Horizon
    data: MarketData
    hubs: pd.DataFrame
    agents: Agents
    published: np.ndarray
    rules: Rules = no_levers

    @property
    def site_ids(self) -> np.ndarray:
        """The sites' ids."""
        return self.h.base.sites.ids.astype(str)

    @cached_property
    def halls(self) -> Halls:
        """The halls of the sites (:class:`~siting.simulate.halls.Halls`)."""
        return Halls.of(list(self.site_ids), self.data, self.agents)

    @cached_property
    def existing(self) -> np.ndarray:
        """``E_nkt``: the existing stock per hall, class and year, (N, K, T)."""
        return self.halls.split(self.h.existing)

    def market(
        self, capacity: np.ndarray, t: int, discount: np.ndarray | None = None
    ) -> MarketInputs:
        """Make the market of year index ``t`` on ``capacity`` (N, K) MW per hall.

        ``discount``: the levers' voucher discount of the year per hall, ``(N, K)`` (default
        none).
        """
        m = year_market(self.h, t, self.data, self.hubs, owner_type=self.halls.site_owner)
        m = self.halls.market(m, capacity)
        return m if discount is None else replace(m, discount=discount)

    def perceived_cost(self, i: int, sites: np.ndarray, tau: int, delta: np.ndarray) -> np.ndarray:
        """``κ_isk`` at ``sites`` of investor ``i`` for orders of year index ``tau``, (n, K).

        ``delta``: the levers' cost delta in ``i``'s hall at each of ``sites``, ``(n, K)``.
        """
        h, a = self.h, self.agents
        crf = np.array([annuity_factor(float(a.hurdle[i]), float(life)) for life in h.life])
        capital = h.capital[:, tau] * crf * (1.0 - a.subsidy[i])  # (K,)
        running = h.base.sites.opex[1, :, sites].sum(axis=1)  # (n,): inference, every component
        return capital[None, :] + running[:, None] + delta - a.jobs_value[i]


def in_service(world: World, orders: np.ndarray) -> np.ndarray:
    """``E_nkt`` plus the orders (N, K, T) per hall in service, shape (N, K, T)."""
    return installed(replace(world.h, existing=world.existing), orders)[1]


def view_key(world: World, i: int) -> str:
    """Investor ``i``'s view of the forecast market: whose segments, which forecast.

    ``own_demand`` investors see the segments whose ``captive_owner`` is their owner type,
    the others every segment (``*``).
    """
    a = world.agents
    owner = a.owner_type[i] if a.objective[i] == "own_demand" else "*"
    return f"{owner}|{a.forecast[i]}"


def _segments(world: World, key: str) -> np.ndarray:
    owner = key.split("|")[0]
    captive = world.data.segments["captive_owner"].to_numpy(object)
    if owner == "*":
        return np.ones(len(captive), bool)
    return np.array([c == owner for c in captive], bool)


def context(world: World, tau: int, last: MarketResult | None) -> LeverContext:
    """Make the levers' view of year index ``tau``: its halls, last year's market's utilisation."""
    h, sites, s = world.h, world.h.base.sites, world.halls.site
    utilisation: dict[str, float] = {}
    if last is not None:
        rents = last.rents
        used = (rents["captive_mw"] + rents["market_mw"]).groupby(rents["province"]).sum()
        cap = rents["capacity_mw"].groupby(rents["province"]).sum()
        utilisation = {p: float(used[p] / cap[p]) for p in cap.index if cap[p] > 0}
    return LeverContext(
        year=int(h.years[tau]),
        site_ids=world.site_ids[s],
        site_province=sites.group_names[sites.group[s]].astype(str),
        owner_type=world.halls.owner_type.astype(str),
        class_names=tuple(str(k) for k in h.classes),
        domestic=h.classes == "domestic",
        utilisation_by_province=utilisation,
        posted_rent=h.rent[0, :, tau],
        power_price_cny_kwh=sites.power_price[s],
        # inference, as the perceived cost's running cost
        energy_mwh_per_mw_year=sites.energy_mwh[1, s],
    )


@dataclass
class Year:
    """The forecast markets of one order year, one per view, built when first needed.

    ``capacity``, ``orderable`` and ``ordered`` (the MW ordered so far in the year, sunk in
    every view; a view built later starts with them) are per hall, ``(N, K)``, and so is
    ``discount``: the levers' voucher discount of the order year, which the investors expect
    buyers to get.
    """

    world: World
    tau: int
    capacity: np.ndarray
    orderable: np.ndarray
    discount: np.ndarray
    views: dict[str, ForecastLP] = field(default_factory=dict)
    ordered: np.ndarray | None = None

    def view(self, key: str) -> ForecastLP:
        """Return the forecast LP of ``key`` (built with every earlier order of the year sunk)."""
        if key not in self.views:
            world, h = self.world, self.world.h
            t = self.tau + int(h.lead.max())
            kind = key.split("|")[1]
            base = world.market(self.capacity, t, self.discount)
            scale = belief(h, self.tau, t, kind, world.published)
            m = replace(
                base,
                rent=h.rent[0, :, self.tau],
                inference=base.inference * scale,
                training=base.training * scale,
            )
            lp = ForecastLP.of(m, _segments(world, key), self.orderable, world.halls.site)
            if self.ordered is not None:
                lp.sink(self.ordered)
            self.views[key] = lp
        return self.views[key]

    def sink(self, key: str, orders: np.ndarray) -> None:
        """Sink ``key``'s investor's orders in every other view built so far, and in later ones."""
        self.ordered = orders.copy() if self.ordered is None else self.ordered + orders
        for other, lp in self.views.items():
            if other != key:
                lp.sink(orders)


@dataclass
class Turn:
    """What one investor ordered in its turn, and at what perceived cost and rent."""

    orders: np.ndarray
    rows: list[tuple]


def take_turn(
    world: World,
    year: Year,
    i: int,
    rent: np.ndarray,
    room: np.ndarray,
    rules: YearRules,
    *,
    skip: bool = True,
) -> Turn:
    """Investor ``i``'s best response in ``year`` (its orders are sunk in every view on return).

    ``rent``: the clearing rents it observed per hall, ``(N, K)``; ``room``: the headroom left
    per site. It orders in its type's hall at each of its sites.
    """
    h, agents = world.h, world.agents
    sites, shares = agents.sites_of(i)
    halls = world.halls.index(sites, str(agents.owner_type[i]))
    kappa = world.perceived_cost(i, sites, year.tau, rules.cost_delta[halls])
    margin = rent[halls] - kappa
    allowed = np.zeros(year.capacity.shape, bool)
    allowed[halls] = year.orderable[halls] & (margin >= 0)
    mine = np.zeros(len(year.capacity))
    np.add.at(mine, halls, shares * room[sites])
    key = view_key(world, i)
    new = year.view(key).respond(mine, allowed, skip=skip)
    rows = []
    if new.any():
        year.sink(key, new)
        for s, k in zip(*np.nonzero(new[halls]), strict=True):
            hall = halls[s]
            rows.append((
                agents.ids[i], agents.owner_type[i], int(h.years[year.tau]),
                world.site_ids[sites[s]], str(h.classes[k]), float(new[hall, k]),
                float(kappa[s, k]), float(rent[hall, k]), float(margin[s, k]),
            ))  # fmt: skip
    return Turn(new, rows)


def open_year(
    world: World, tau: int, orders: np.ndarray, last: MarketResult | None
) -> tuple[Year, YearRules, np.ndarray, np.ndarray]:
    """Open the forecast year of ``tau`` on ``orders`` per hall (N, K, T).

    Returns its markets, rules, observed rents per hall and headroom left per site.
    """
    h, halls = world.h, world.halls
    n_s, n_k, _ = h.existing.shape
    rules = rules_of(world, tau, last)
    capacity = in_service(world, orders)[:, :, tau + int(h.lead.max())]
    built = halls.to_sites(capacity.sum(axis=1), n_s)
    room = np.clip(h.base.sites.headroom_mw + h.peak_existing - built, 0.0, None)
    year = Year(world, tau, capacity, rules.orderable & h.buildable[None, :], rules.discount)
    rent = h.rent[0, :, tau] if last is None else _clearing(last, len(halls), n_k)
    return year, rules, np.broadcast_to(rent, (len(halls), n_k)), room


def simulate_myopic(world: World, seed: int, *, skip: bool = True) -> Simulation:
    """Run the myopic simulation (docs/model.md, "Many investors").

    Parameters
    ----------
    world
        The horizon, market tables and investors.
    seed
        Seeds the investors' order each year.
    skip
        Use the reduced-cost test (off: every turn re-solves; for checks).
    """
    h, agents = world.h, world.agents
    n_t = h.n_years
    lead = int(h.lead.max())
    rng = np.random.default_rng(seed)
    orders = np.zeros(world.existing.shape)  # per hall
    records: list[tuple] = []
    out = Simulation(orders, pd.DataFrame(), {})
    last: MarketResult | None = None
    for tau in range(n_t):
        if tau + lead < n_t:
            year, rules, rent, room = open_year(world, tau, orders, last)
            turn = rng.permutation(len(agents))
            out.turns[str(h.years[tau])] = [str(agents.ids[i]) for i in turn]
            for i in turn:
                done = take_turn(world, year, int(i), rent, room, rules, skip=skip)
                orders[:, :, tau] += done.orders
                room = room - world.halls.to_sites(done.orders.sum(axis=1), len(room))
                records += done.rows
            for lp in year.views.values():
                out.solves += lp.solves
                out.skips += lp.skips
        else:  # no orders: the levers still act on the year's market
            rules = rules_of(world, tau, last)
        out.notes[str(h.years[tau])] = rules.notes
        existing = in_service(world, orders)[:, :, tau]
        market = world.market(existing, tau, rules.discount)
        last = out.markets[int(h.years[tau])] = allocate(market, threads=1)
    out.records = pd.DataFrame(records, columns=list(ORDER_COLUMNS))
    out.orders, out.hall_orders = world.halls.to_sites(orders, h.existing.shape[0]), orders
    return out


def best_response(world: World, sim: Simulation, i: int) -> pd.DataFrame:
    """Investor ``i``'s best response in the last order year, everyone else's build given.

    Its own orders of that year are taken back; everyone else's (and its earlier ones) are
    sunk; it decides at the clearing rents of the year before (docs/model.md, item 5).

    Returns
    -------
    pandas.DataFrame
        Per site and class of ``i``: ``mw`` ordered (0 where it would not build), perceived
        cost, expected rent and margin per MW-year, and ``margin_cny`` (margin × MW).
    """
    h, halls = world.h, world.halls
    tau = h.n_years - 1 - int(h.lead.max())
    mine = world.agents.ids[i]
    owner = OWNER_TYPES.index(str(world.agents.owner_type[i]))
    if sim.hall_orders is None:
        raise ValueError("a best response needs a myopic run's orders per hall")
    orders = sim.hall_orders.copy()
    if len(sim.records):
        own = sim.records[(sim.records["investor_id"] == mine)
                          & (sim.records["year"] == int(h.years[tau]))]  # fmt: skip
        index = {s: n for n, s in enumerate(world.site_ids)}
        klass = {str(k): n for n, k in enumerate(h.classes)}
        for row in own.itertuples(index=False):
            orders[halls.at[index[row.site_id], owner], klass[row.accelerator_class], tau] -= row.mw
    last = sim.markets.get(int(h.years[tau - 1])) if tau > 0 else None
    year, rules, rent, room = open_year(world, tau, np.clip(orders, 0.0, None), last)
    done = take_turn(world, year, i, rent, room, rules, skip=False)
    sites, _ = world.agents.sites_of(i)
    mine_halls = halls.at[sites, owner]
    kappa = world.perceived_cost(i, sites, tau, rules.cost_delta[mine_halls])
    n_k = len(h.classes)
    table = pd.DataFrame(
        {
            "investor_id": mine,
            "year": int(h.years[tau]),
            "site_id": np.repeat(world.site_ids[sites], n_k),
            "accelerator_class": np.tile(h.classes.astype(str), len(sites)),
            "orderable": year.orderable[mine_halls].ravel(),
            "mw": done.orders[mine_halls].ravel(),
            "perceived_cost_cny_per_mw_year": kappa.ravel(),
            "expected_rent_cny_per_mw_year": rent[mine_halls].ravel(),
        }
    )
    table["margin_cny_per_mw_year"] = (
        table["expected_rent_cny_per_mw_year"] - table["perceived_cost_cny_per_mw_year"]
    )
    table["margin_cny"] = table["margin_cny_per_mw_year"] * table["mw"]
    return table


def rules_of(world: World, tau: int, last: MarketResult | None) -> YearRules:
    """Return the levers' rules of year index ``tau`` (``last``: the year before's market)."""
    return world.rules(context(world, tau, last))


def _clearing(result: MarketResult, n_n: int, n_k: int) -> np.ndarray:
    """``(N, K)``: last year's clearing rents per hall."""
    return result.rents["clearing_rent"].to_numpy(float).reshape(n_n, n_k)
