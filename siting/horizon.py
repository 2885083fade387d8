"""The multi-period instance: arrays over sites, accelerator classes and years.

:func:`build_horizon` turns an :class:`~siting.instance.Instance` (sites, hubs, pairs, costs),
the time tables (:mod:`siting.vintages`) and a scenario's ``[horizon]`` table into a
:class:`Horizon`; :func:`one_year` makes the one-year horizon that reproduces the single-period
model. The maths is ``docs/model.md``, section "Multi-period model"; symbols follow it.

Units: MW of IT load (installed MW per class; training demand MW at the reference 2.0 kW/PF,
inference demand MW of the reference serving server: ``docs/model.md``), costs in
CNY per year inside a year, discount factors turn them into CNY of the first year.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting.costs import annuity_factor
from siting.errors import InputError, Problem
from siting.instance import FloatArray, Instance, IntArray
from siting.prices import price_per_mw
from siting.rest_of_china import PREFIX, load_allocation, shares
from siting.scenario import Horizon as HorizonSpec
from siting.scenario import Scenario
from siting.vintages import (
    BAND_YEAR,
    HUBS_YEAR,
    PLANNING_INFERENCE_MW,
    REST_OF_CHINA,
    TimeTables,
    capability,
    cohorts,
    min_cluster_by_year,
    use_by_year,
)

#: The last year-end whose stock the vintages' bands count (band ``2025``); later bands are
#: announced, not in service.
LAST_COUNTED_YEAR = BAND_YEAR["2025"]


@dataclass(frozen=True)
class Horizon:
    """Everything the multi-period MILP needs, as arrays (``docs/model.md``).

    Attributes
    ----------
    base
        Sites, hubs, admissible pairs, staff and per-MW costs; its ``sites.existing_mw``,
        ``sites.headroom_mw``, ``hubs.demand_mw`` and ``training_mw`` are replaced year by year
        (:meth:`year_instance`).
    years
        Planning years ``T``, consecutive, shape (T,).
    classes
        Accelerator classes ``K``, shape (C,).
    factor
        ``φ_wk``: demand MW of workload ``w`` served per installed MW of class ``k``, shape
        (2, C): row 0 training ``φ^T``, row 1 inference ``φ^I`` (every service class).
    lead
        ``L_k``: years from order to service, shape (C,).
    life
        ``ℓ_k``: years a class's hardware stays in service, shape (C,).
    buildable
        Whether new capacity may be ordered in class ``k``, shape (C,); none with
        ``[horizon] orders = false``.
    existing
        ``E_skt``: existing MW in service, shape (S, C, T).
    demand
        ``D_ht``: inference demand, MW, shape (H, T).
    training
        ``D^T_t``: national training demand, MW, shape (T,).
    capex
        ``K_skτ``: annualised capex of a MW ordered in ``τ``, paid every year it is in service,
        CNY/(MW·yr), shape (S, C, T).
    capital
        ``c_kτ``: capital of one class-``k`` MW ordered in ``τ`` (facility and IT hardware at
        that year's price), CNY/MW, shape (C, T).
    fixed
        ``F_s``: yearly cost of an open site, CNY/yr, shape (S,).
    rent
        ``R_wkt``: rent per installed MW used, CNY/(MW·yr), by workload (training, then each
        service class of ``base``), shape (1 + Q, C, T) (margin only).
    standby
        ``β_s``: cost of an installed MW left idle at an open site, CNY/(MW·yr), shape (S,).
    discount
        ``δ_t``, shape (T,).
    penalty
        ``π``: cost of a MW of demand not served, CNY/(MW·yr); ``0`` means demand must be met.
    cohort_site, cohort_class, cohort_start, cohort_mw, cohort_capital
        The existing cohorts (for stranded capital): site, class, first year in service, MW,
        and capital per MW when bought (CNY/MW, at the price of the year it entered service).
    must_open
        Sites that must be open in every year (earlier openings of a myopic run), shape (S,).
    forecast_ratio
        Demand of year ``t`` as forecast in year ``τ`` over the actual, shape (T, T) indexed
        ``[τ, t]`` (``demand_forecasts.csv`` over ``national_compute.csv``); ``None``: 1.
    inference_only
        Sites that may not host training (the rest-of-China pseudo-sites: many scattered
        halls, no single fabric for a cluster), shape (S,); ``None``: none. The pseudo-sites
        are also ``must_open`` (a province's halls are not closed to save one site's fixed
        cost).
    min_cluster
        ``L_t``: minimum training cluster of each year, demand MW, shape (T,); ``None``: the
        base's ``min_cluster_mw`` in every year.
    annuity
        ``ℓ^a``: years an order pays its capex (the annuity's life), shape (C,); ``None``: its
        whole service life. An order pays in its first ``min(ℓ^a_k, ℓ_k)`` years of service.
    """

    base: Instance
    years: IntArray
    classes: NDArray[np.str_]
    factor: FloatArray
    lead: IntArray
    life: IntArray
    buildable: NDArray[np.bool_]
    existing: FloatArray
    demand: FloatArray
    training: FloatArray
    capex: FloatArray
    capital: FloatArray
    fixed: FloatArray
    rent: FloatArray
    standby: FloatArray
    discount: FloatArray
    penalty: float = 0.0
    cohort_site: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    cohort_class: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    cohort_start: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    cohort_mw: FloatArray = field(default_factory=lambda: np.zeros(0))
    cohort_capital: FloatArray = field(default_factory=lambda: np.zeros(0))
    must_open: NDArray[np.bool_] | None = None
    forecast_ratio: FloatArray | None = None
    inference_only: NDArray[np.bool_] | None = None
    min_cluster: FloatArray | None = None
    annuity: IntArray | None = None

    @property
    def n_years(self) -> int:
        """Number of planning years."""
        return len(self.years)

    @property
    def n_accelerator_classes(self) -> int:
        """Number of accelerator classes."""
        return len(self.classes)

    @property
    def peak_existing(self) -> FloatArray:
        """``Ē_s``: the most existing MW a site holds in any year, shape (S,)."""
        return self.existing.sum(axis=1).max(axis=1)

    def can_order(self, k: int, tau: int) -> bool:
        """Whether an order of class ``k`` in year index ``tau`` enters service in the horizon."""
        return bool(self.buildable[k]) and tau + int(self.lead[k]) < self.n_years

    def in_service(self, k: int, tau: int, t: int) -> bool:
        """Whether an order of class ``k`` placed in year index ``tau`` serves in year ``t``."""
        start = tau + int(self.lead[k])
        return start <= t < start + int(self.life[k])

    def pays(self, k: int, tau: int, t: int) -> bool:
        """Whether an order of class ``k`` placed in year index ``tau`` pays its capex in ``t``."""
        years = int(self.life[k]) if self.annuity is None else int(self.annuity[k])
        start = tau + int(self.lead[k])
        return start <= t < start + min(years, int(self.life[k]))

    def forecast(self, tau: int, t: int) -> float:
        """Return demand of year index ``t`` as expected in year index ``tau``, over actual."""
        return 1.0 if self.forecast_ratio is None else float(self.forecast_ratio[tau, t])

    def year_instance(self, t: int, *, training: bool = False) -> Instance:
        """Return the single-period arrays of year index ``t`` (for the shared families).

        Capacity is ``φ̄ (Ē_s + G_s)`` in demand MW (``sites.existing_mw`` holds ``φ̄ Ē_s``),
        so that the pair and cluster bounds read as in ``docs/model.md``: ``φ̄`` is the largest
        capability over both workloads, or over training only with ``training`` (the cluster
        bound); the minimum training cluster is the year's ``L_t``.
        """
        most = float((self.factor[0] if training else self.factor).max())
        base = self.base
        return replace(
            base,
            sites=replace(
                base.sites,
                existing_mw=most * self.peak_existing,
                headroom_mw=most * base.sites.headroom_mw,
            ),
            hubs=replace(base.hubs, demand_mw=self.demand[:, t]),  # each class keeps its share
            training_mw=float(self.training[t]),
            min_cluster_mw=(
                base.min_cluster_mw if self.min_cluster is None else float(self.min_cluster[t])
            ),
        )


def one_year(instance: Instance, year: int = HUBS_YEAR) -> Horizon:
    """Make the one-year horizon of an instance (one class, ``φ = 1`` in both workloads, no lead).

    Its optimum equals the single-period optimum (``docs/model.md``, "One year reproduces the
    single-period model").
    """
    n = instance.n_sites
    return Horizon(
        base=instance,
        years=np.array([year], np.int64),
        classes=np.array(["reference"]),
        factor=np.ones((2, 1)),
        lead=np.zeros(1, np.int64),
        life=np.ones(1, np.int64),
        buildable=np.ones(1, bool),
        existing=instance.sites.existing_mw.reshape(n, 1, 1).astype(float),
        demand=instance.hubs.demand_mw.reshape(-1, 1).astype(float),
        training=np.array([instance.training_mw], float),
        capex=instance.sites.capex_cost.reshape(n, 1, 1).astype(float),
        capital=np.zeros((1, 1)),
        fixed=instance.sites.fixed_cost.astype(float),
        rent=instance.rent.reshape(-1, 1, 1).astype(float),
        standby=np.zeros(n),
        discount=np.ones(1),
    )


def build_horizon(
    instance: Instance,
    scenario: Scenario,
    tables: TimeTables,
    *,
    inference_mw: FloatArray | None = None,
) -> Horizon:
    """Turn a year's instance, the time tables and ``[horizon]`` into a :class:`Horizon`.

    Parameters
    ----------
    instance
        The single-period instance of the scenario (sites, hubs, pairs, per-MW costs).
    scenario
        The scenario; must have a ``[horizon]`` table.
    tables
        The validated time tables (:func:`~siting.vintages.load_time_tables`).
    inference_mw
        The hubs' ``inference_mw`` (the 2027 year of ``hubs.csv``) times the scenario's
        ``inference_scale``; default the instance's demand.

    Notes
    -----
    Demand comes from the use series (``use_years.csv``) of the scenario's variant
    (``[horizon] use``): hub ``h`` in year ``t`` has its planning-year demand times national
    inference in use in ``t`` over :data:`~siting.vintages.PLANNING_INFERENCE_MW`, the national
    inference ``hubs.csv`` apportions (for the shipped hubs exactly their rows; a
    rest-of-China pseudo-hub, ``[demand] rest_of_china = "serve"``, likewise its share of the
    ``rest_of_china`` rows). Training is the national training rows times the hubs' share of
    national inference, or the whole rows when the rest of China is served
    (``docs/model.md``). Capex and capital of an order are at the IT price of its class in its
    order year (``it_prices.csv``; ``[horizon] it_prices = "flat"``: the scenario's).
    """
    spec = scenario.horizon
    if spec is None:
        raise ValueError(f"scenario {scenario.name!r} has no [horizon] table")
    costs = scenario.costs
    years = np.array(spec.years, np.int64)
    classes = np.array(list(tables.accelerators["accelerator_class"]))
    life = spec.service_life_years
    n, c = instance.n_sites, len(classes)

    serve = scenario.demand.rest_of_china == "serve"
    base_demand = instance.hubs.demand_mw if inference_mw is None else inference_mw
    demand = base_demand[:, None] * _growth(tables.demand, spec.use, years)[None, :]
    training = _training(tables.demand, spec.use, years, whole=serve)
    pseudo_sites = np.char.startswith(instance.sites.ids.astype(str), PREFIX) & serve
    weights = None
    if serve:
        allocation = load_allocation(instance.sites.group_names)
        weights = dict(zip(instance.sites.ids, shares(instance.sites.ids, allocation), strict=True))

    existing, cohort = _existing(
        instance,
        spec.existing,
        tables,
        classes,
        years,
        life,
        announced=spec.announced,
        until=spec.existing_until,
        rest_weights=weights,
    )
    first = existing[:, :, 0].sum(axis=1)
    crf = annuity_factor(costs.discount_rate, costs.lifetime_years)
    greenfield = first == 0
    fixed = costs.site_fixed_cny_per_year + greenfield * costs.site_development_cny * crf
    rate = costs.discount_rate if spec.discount_rate is None else spec.discount_rate
    it_crf = annuity_factor(costs.discount_rate, costs.it_lifetime_years)

    def it_price(when: IntArray) -> FloatArray:
        """Return the IT price per MW of each class bought in each year of ``when``, (C, len)."""
        if spec.it_prices == "flat" or tables.it_prices is None:
            return np.full((c, len(when)), costs.it_capex_cny_per_mw)
        return price_per_mw(tables.it_prices, list(classes), list(when), costs.it_capex_cny_per_mw)

    price = it_price(years)
    extra = it_crf * (price - costs.it_capex_cny_per_mw)  # over the instance's capex, (C, T)
    starts = np.unique(cohort[2]) if len(cohort[2]) else np.zeros(0, np.int64)
    start_price = it_price(starts)
    cohort_price = start_price[cohort[1], np.searchsorted(starts, cohort[2])]
    return Horizon(
        base=instance,
        years=years,
        classes=classes,
        factor=capability(tables.accelerators),
        lead=np.full(c, spec.lead_time_years, np.int64),
        life=np.full(c, life, np.int64),
        buildable=np.isin(classes, spec.new_classes) & spec.orders,
        existing=existing,
        demand=demand,
        training=training,
        capex=instance.sites.capex_cost[:, None, None] + extra[None, :, :],
        capital=costs.capex_cny_per_mw + price,
        fixed=fixed,
        rent=_rents(tables.rents, classes, years, instance.rent, spec.class_rent_cny_per_mw_year),
        standby=np.full(n, spec.standby_cny_per_mw_year),
        discount=(1.0 + rate) ** -(years - years[0]).astype(float),
        penalty=unmet_penalty(spec, tables.rents, tables.accelerators),
        cohort_site=cohort[0],
        cohort_class=cohort[1],
        cohort_start=cohort[2],
        cohort_mw=cohort[3],
        cohort_capital=costs.capex_cny_per_mw + cohort_price,
        forecast_ratio=forecast_ratios(tables, years),
        must_open=pseudo_sites if serve else None,
        inference_only=pseudo_sites,
        min_cluster=(
            min_cluster_by_year(tables.clusters, years)
            if spec.training_cluster == "by_year"
            else np.full(len(years), instance.min_cluster_mw)
        ),
        annuity=np.full(c, round(costs.it_lifetime_years), np.int64),
    )


def unmet_penalty(spec: HorizonSpec, rents: pd.DataFrame, accelerators: pd.DataFrame) -> float:
    """``π``: the cost of a demand MW not served, CNY/(MW·yr) (``docs/model.md``).

    ``"rent"``: the highest published rent per demand MW, ``max_r R_r / φ^T_k = max_r R_r κ_k / κ̄``
    over the rows of ``rents.csv`` (``R_r`` per installed MW of the row's class ``k``), times one
    plus the premium; a number is taken as it is.

    Raises
    ------
    InputError
        If the rent is asked for and ``rents.csv`` has no row.
    """
    if spec.unmet_penalty != "rent":
        return float(spec.unmet_penalty)
    if rents.empty:
        expected = 'a published rent (a row) for [horizon] unmet_penalty = "rent"'
        raise InputError([Problem("rents.csv", "", "rent_mid_cny_per_mw_year", expected)])
    phi = dict(zip(accelerators["accelerator_class"], capability(accelerators)[0], strict=True))
    per_demand_mw = rents["rent_mid_cny_per_mw_year"] / rents["accelerator_class"].map(phi)
    return float(per_demand_mw.max()) * (1.0 + spec.unmet_penalty_premium)


def forecast_ratios(tables: TimeTables, years: IntArray) -> FloatArray:
    """National demand of year ``t`` as forecast in ``τ`` over the series, shape (T, T).

    The planner of ``τ`` uses the latest report published by ``τ`` (``demand_forecasts.csv``);
    beyond the report's last year its last yearly growth is continued.
    """
    actual = tables.national.set_index("year")["eflops_fp16"]
    fc = tables.forecasts
    out = np.ones((len(years), len(years)))
    for i, tau in enumerate(years):
        known = fc[fc["published"] <= tau]
        if known.empty:
            continue
        report = known[known["published"] == known["published"].max()].set_index("year")
        series = report["eflops_fp16"]
        growth = series.iloc[-1] / series.iloc[-2] if len(series) > 1 else 1.0
        for j, year in enumerate(years):
            if year in series.index:
                value = series[year]
            elif year > series.index[-1]:
                value = series.iloc[-1] * growth ** (year - series.index[-1])
            else:
                continue  # a year before the report's first row: taken as known
            out[i, j] = value / actual[year]
    return out


def _training(
    demand: pd.DataFrame, variant: str, years: IntArray, *, whole: bool = False
) -> FloatArray:
    """National training in use times the hubs' share of national inference, per year.

    ``rest_of_china`` inference and capacity are left out together; training, national rows,
    is split between the hubs' regions and the rest of China as inference is. With ``whole``
    (the rest of China served) the whole national training is returned.
    """
    training = use_by_year(demand, variant, role="training")
    if whole:
        return training.reindex(years).to_numpy(float)
    inference = demand[(demand["variant"] == variant) & (demand["role"] == "inference")]
    hubs = inference[inference["area_id"] != REST_OF_CHINA].groupby("year")["mw"].sum()
    share = hubs / inference.groupby("year")["mw"].sum()
    return (training * share).reindex(years).to_numpy(float)


def _growth(demand: pd.DataFrame, variant: str, years: IntArray) -> FloatArray:
    """National inference in use in each year over the planning year's, shape (T,).

    The planning year's national inference is the one ``hubs.csv`` apportions
    (:data:`~siting.vintages.PLANNING_INFERENCE_MW`), so a hub's ``inference_mw`` times this
    is its row of the use series; pseudo-hubs hold their share of what the hubs leave, so the
    same factor gives their share of the ``rest_of_china`` rows.
    """
    inference = use_by_year(demand, variant, role="inference")
    return (inference.reindex(years) / PLANNING_INFERENCE_MW).to_numpy(float)


def _existing(
    instance: Instance,
    mode: str,
    tables: TimeTables,
    classes: NDArray[np.str_],
    years: IntArray,
    life: int,
    *,
    announced: bool,
    until: int | None = None,
    rest_weights: dict[str, float] | None = None,
) -> tuple[FloatArray, tuple[IntArray, IntArray, IntArray, FloatArray]]:
    """``E_skt`` and the cohorts behind it.

    ``vintages``: the sites' rows of ``capacity_vintages.csv`` (cohorts, retired after
    ``life``); with ``rest_weights`` (pseudo-site id → weight) the ``rest_of_china`` rows are
    split over the pseudo-sites by weight. ``flat``: each site's ``existing_mw`` in service in
    every year, class ``domestic`` (``φ^T`` ≈ 1), one cohort entering in the first year. Cohorts
    entering service after ``until`` are left out (they are the plan's to decide).
    """
    n = instance.n_sites
    site_index = {s: i for i, s in enumerate(instance.sites.ids)}
    class_index = {k: i for i, k in enumerate(classes)}
    if mode == "flat":
        k = class_index["domestic"]
        existing = np.zeros((n, len(classes), len(years)))
        existing[:, k, :] = instance.sites.existing_mw[:, None]
        nonzero = np.flatnonzero(instance.sites.existing_mw > 0)
        cohort = (
            nonzero.astype(np.int64),
            np.full(len(nonzero), k, np.int64),
            np.full(len(nonzero), int(years[0]), np.int64),
            instance.sites.existing_mw[nonzero].astype(float),
        )
        return existing, cohort
    stock = renewed(cohorts(tables.vintages, announced=announced), life)
    if rest_weights:
        rest = stock[stock["site_id"] == REST_OF_CHINA]
        split = [
            rest.assign(site_id=site, mw=rest["mw"] * w, pf=rest["pf"] * w)
            for site, w in rest_weights.items()
            if w > 0
        ]
        stock = pd.concat([stock, *split], ignore_index=True)
    stock = stock[stock["site_id"].isin(site_index)]
    if until is not None:
        stock = stock[stock["start"] <= until]
    site = stock["site_id"].map(site_index).to_numpy(np.int64)
    klass = stock["accelerator_class"].map(class_index).to_numpy(np.int64)
    start = stock["start"].to_numpy(np.int64)
    mw = stock["mw"].to_numpy(float)
    existing = np.zeros((n, len(classes), len(years)))
    for t, year in enumerate(years):
        alive = (start <= year) & (year < start + life)
        np.add.at(existing[:, :, t], (site[alive], klass[alive]), mw[alive])
    return existing, (site, klass, start, mw)


def renewed(stock: pd.DataFrame, life: int) -> pd.DataFrame:
    """Add the renewal of every cohort that ends its life by :data:`LAST_COUNTED_YEAR`.

    The bands of ``capacity_vintages.csv`` are the national series' net additions, and the
    series counts the stock in service at each year-end to 2025: a cohort retiring by then
    (``start + life ≤ 2025``) is renewed at its site in that year (same class, MW and PF, a new
    cohort bought that year), so the stock in service at each year-end 2022–2025 is the
    series' (``docs/model.md``). Renewals retire in turn, and are renewed while within 2025.
    """
    parts, due = [stock], stock
    while True:
        due = due[due["start"] + life <= LAST_COUNTED_YEAR].assign(
            start=lambda d: d["start"] + life
        )
        if due.empty:
            return pd.concat(parts, ignore_index=True)
        parts.append(due)


def _rents(
    rents: pd.DataFrame,
    classes: NDArray[np.str_],
    years: IntArray,
    scenario_rent: FloatArray,
    class_rent: dict[str, float],
) -> FloatArray:
    """``R_wkt``: a class's mean published rent in the year, else the latest earlier one.

    Classes without a published rent take ``class_rent_cny_per_mw_year``, else the scenario's
    rent per workload (``scenario_rent``: training, then each service class); a year before
    the first published rent takes the first. A published or class rent holds for every
    workload.
    """
    shape = (len(scenario_rent), len(classes), len(years))  # workloads: training, then service
    out = np.broadcast_to(scenario_rent[:, None, None], shape).copy()
    year = rents["period"].str[:4].astype(int)
    for k, name in enumerate(classes):
        if name in class_rent:
            out[:, k, :] = class_rent[name]
        mine = rents[rents["accelerator_class"] == name]
        if mine.empty:
            continue
        per_year = mine.groupby(year[mine.index])["rent_mid_cny_per_mw_year"].mean()
        for t, y in enumerate(years):
            known = per_year[per_year.index <= y]
            out[:, k, t] = float(known.iloc[-1] if len(known) else per_year.iloc[0])
    return out
