"""The optimisation instance: plain arrays of costs, capacities and admissible pairs.

:func:`build_instance` turns layers and a scenario into an :class:`Instance`; tests and
notebooks may also build an :class:`Instance` straight from arrays. No geometry lives here.

Units: MW are MW of IT load; costs are CNY per year (annualised); latency is round-trip ms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting.costs import KWH_PER_MWH, annuity_factor, energy_mwh_per_mw_year
from siting.errors import InputError, Problem
from siting.latency import one_way_matrix
from siting.layers import Layers
from siting.policy import (
    Green,
    Vouchers,
    green_rows,
    limited_headroom,
    site_status,
    subsidised_price,
    vouchers,
)
from siting.scenario import CLASSIC_KINDS, Policy, Scenario

WORKLOADS = ("training", "inference")
#: Per-MW running-cost components, in the order of :attr:`Instance.opex`'s second axis.
OPEX_COMPONENTS = ("power", "carbon", "staff")

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Instance:
    """Everything the MILP needs, as arrays over sites ``s``, hubs ``h`` and pairs ``k``.

    Attributes
    ----------
    site_ids, hub_ids
        Identifiers, shape (S,) and (H,).
    group_names
        Staff pools (provinces), shape (P,).
    site_group
        Staff pool of each site, indices into ``group_names``, shape (S,).
    existing_mw
        Built IT capacity (sunk), MW, shape (S,).
    headroom_mw
        Largest new IT capacity the grid can supply, MW, shape (S,).
    fixed_cost
        Yearly cost of an open site, CNY/yr, shape (S,).
    capex_cost
        Annualised capex of one new MW (facility and IT hardware), CNY/(MW·yr), shape (S,).
    opex
        Running cost per MW hosted, CNY/(MW·yr), shape (2 workloads, 3 components, S); axes as
        :data:`WORKLOADS` and :data:`OPEX_COMPONENTS`.
    staff_per_mw
        Staff needed per MW hosted, FTE/MW, shape (2,) by workload.
    staff_available
        Staff that can be hired in each pool, FTE, shape (P,).
    demand_mw
        Inference demand of each hub, MW, shape (H,).
    sla_ms
        Latency limit of each hub, ms, shape (H,).
    training_mw
        National training demand, MW.
    min_cluster_mw
        Smallest training deployment at a site hosting any, MW.
    max_site_share
        Largest share of a hub's demand one site may serve (1 = no limit).
    pair_hub, pair_site
        The admissible (hub, site) pairs: RTT within the hub's SLA, shape (K,).
    pair_km
        Fibre route length of each pair, km, shape (K,).
    pair_rtt_ms
        Round-trip time of each pair, ms, shape (K,).
    pair_cost
        Network cost per MW served over each pair, CNY/(MW·yr), shape (K,).
    rent
        Rental revenue per MW hosted, CNY/(MW·yr), by workload, shape (2,).
    maximise_margin
        Maximise revenue minus cost with demand as an upper bound (else serve all demand at
        least cost).
    objective_kind
        ``"cost"``, ``"margin"`` or a classic location model: ``"p-median"``, ``"p-center"``,
        ``"mclp"``, ``"lscp"`` (docs/model.md, "Classic location models"). A classic kind's
        pairs are all (hub, site) pairs (p-median, p-center) or those within the coverage
        radius (``sla_ms``, ``class_sla_ms``; mclp, lscp).
    site_count
        ``p`` of the site-count row (0: no row).
    site_count_rule
        ``"exactly"`` (``Σ y_s = p``) or ``"at_most"`` (``Σ y_s ≤ p``).
    energy_mwh
        Grid electricity per MW hosted, MWh/(MW·yr), shape (2, S).
    emissions_t
        CO2 per MW hosted, t/(MW·yr), shape (2, S).
    nearest_site, nearest_rtt_ms
        For each hub the lowest-RTT site and that RTT, whether within the SLA or not
        (diagnostics), shape (H,).
    class_names
        Inference service classes ``q``, shape (C,); one, ``inference``, by default. The
        workload axis of ``opex``, ``staff_per_mw``, ``rent``, ``energy_mwh`` and
        ``emissions_t`` is training then each class (length 1 + C).
    class_demand_mw
        Demand of each class at each hub, MW, shape (C, H); empty means ``demand_mw``.
    pair_class
        Class of each pair, shape (K,); empty means class 0. Pairs are sorted by class, hub,
        site.
    class_share_cap
        Largest share of a hub's class demand one site may serve, ``min(ρ, ρ_q, 1/k_q)``,
        shape (C,); empty means ``max_site_share``.
    class_min_sites, class_failover
        k-site minimum and failover share of each class, shape (C,); empty means 1 and 0.
    class_layer
        Latency layer of each class's SLA, shape (C,).
    class_sla_ms, class_nearest_site, class_nearest_rtt_ms
        Round-trip SLA, nearest site and its round trip at the class's layer, shape (C, H).
    voucher_names, voucher_member, voucher_cny_per_mw, voucher_max_mw
        Active compute-voucher issuers (:class:`siting.policy.Vouchers`).
    green_names, green_coef, green_supply_gwh
        Green-power rows (:class:`siting.policy.Green`).
    notes
        What the policy families did or could not do (for the run summary).
    """

    site_ids: NDArray[np.str_]
    hub_ids: NDArray[np.str_]
    group_names: NDArray[np.str_]
    site_group: IntArray
    existing_mw: FloatArray
    headroom_mw: FloatArray
    fixed_cost: FloatArray
    capex_cost: FloatArray
    opex: FloatArray
    staff_per_mw: FloatArray
    staff_available: FloatArray
    demand_mw: FloatArray
    sla_ms: FloatArray
    training_mw: float
    min_cluster_mw: float
    max_site_share: float
    pair_hub: IntArray
    pair_site: IntArray
    pair_km: FloatArray
    pair_rtt_ms: FloatArray
    pair_cost: FloatArray
    rent: FloatArray = field(default_factory=lambda: np.zeros(2))
    maximise_margin: bool = False
    energy_mwh: FloatArray = field(default_factory=lambda: np.zeros((2, 0)))
    emissions_t: FloatArray = field(default_factory=lambda: np.zeros((2, 0)))
    nearest_site: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    nearest_rtt_ms: FloatArray = field(default_factory=lambda: np.zeros(0))
    class_names: NDArray[np.str_] = field(default_factory=lambda: np.array(["inference"]))
    class_demand_mw: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    pair_class: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    class_share_cap: FloatArray = field(default_factory=lambda: np.zeros(0))
    class_min_sites: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    class_failover: FloatArray = field(default_factory=lambda: np.zeros(0))
    class_layer: NDArray[np.str_] = field(default_factory=lambda: np.zeros(0, dtype=str))
    class_sla_ms: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    class_nearest_site: IntArray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    class_nearest_rtt_ms: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    voucher_names: NDArray[np.str_] = field(default_factory=lambda: np.zeros(0, dtype=str))
    voucher_member: NDArray[np.bool_] = field(default_factory=lambda: np.zeros((0, 0), bool))
    voucher_cny_per_mw: FloatArray = field(default_factory=lambda: np.zeros(0))
    voucher_max_mw: FloatArray = field(default_factory=lambda: np.zeros(0))
    green_names: NDArray[np.str_] = field(default_factory=lambda: np.zeros(0, dtype=str))
    green_coef: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    green_supply_gwh: FloatArray = field(default_factory=lambda: np.zeros(0))
    notes: tuple[str, ...] = ()
    objective_kind: str = "cost"
    site_count: int = 0
    site_count_rule: str = "exactly"

    @property
    def n_sites(self) -> int:
        """Number of candidate sites."""
        return len(self.site_ids)

    @property
    def n_hubs(self) -> int:
        """Number of demand hubs."""
        return len(self.hub_ids)

    @property
    def n_pairs(self) -> int:
        """Number of admissible (hub, site) pairs."""
        return len(self.pair_hub)

    @property
    def capacity_mw(self) -> FloatArray:
        """Largest IT load each site can host: existing plus headroom, MW."""
        return self.existing_mw + self.headroom_mw

    @property
    def classic(self) -> bool:
        """Whether the objective is a classic location model (no capacity side)."""
        return self.objective_kind in CLASSIC_KINDS

    @property
    def n_classes(self) -> int:
        """Number of inference service classes."""
        return len(self.class_names)

    @property
    def n_streams(self) -> int:
        """Number of (class, hub) demand streams, numbered ``q * H + h``."""
        return self.n_classes * self.n_hubs

    @property
    def stream_demand_mw(self) -> FloatArray:
        """Demand of each stream ``q * H + h``, MW, shape (C·H,)."""
        return self.class_demand_mw.ravel() if self.class_demand_mw.size else self.demand_mw

    @property
    def pair_stream(self) -> IntArray:
        """Stream of each pair, ``q * H + h``, shape (K,)."""
        return (
            self.pair_class * self.n_hubs + self.pair_hub if self.pair_class.size else self.pair_hub
        )

    @property
    def pair_workload(self) -> IntArray:
        """Workload row of each pair in ``opex``, ``staff_per_mw``, ``rent``: ``1 + q``."""
        return 1 + self.pair_class if self.pair_class.size else np.ones(self.n_pairs, np.int64)

    @property
    def stream_share_cap(self) -> FloatArray:
        """Largest share of a stream's demand one site may serve, shape (C·H,)."""
        cap = self.class_share_cap if self.class_share_cap.size else np.array([self.max_site_share])
        return np.repeat(np.minimum(cap, 1.0), self.n_hubs)

    @property
    def pair_upper_mw(self) -> FloatArray:
        """Upper bound of each pair's flow, ``min(ρ_q D_qh, C_s)``, MW, shape (K,)."""
        stream = self.stream_demand_mw * self.stream_share_cap
        return np.minimum(stream[self.pair_stream], self.capacity_mw[self.pair_site])

    @property
    def stream_failover(self) -> FloatArray:
        """Failover share of each stream (0 = none), shape (C·H,)."""
        share = self.class_failover if self.class_failover.size else np.zeros(self.n_classes)
        return np.repeat(share, self.n_hubs)

    @property
    def unit_opex(self) -> FloatArray:
        """Running cost per MW hosted summed over components, CNY/(MW·yr), shape (2, S)."""
        return self.opex.sum(axis=1)


def build_instance(
    layers: Layers,
    scenario: Scenario,
    *,
    source: str = "<scenario>",
    built_mw: NDArray[np.float64] | None = None,
    graph: nx.MultiDiGraph | None = None,
) -> Instance:
    """Turn validated layers and a scenario into arrays.

    Parameters
    ----------
    layers
        The input layers.
    scenario
        The assumptions.
    source
        Name of the scenario file, for messages.
    built_mw
        New MW already built at each site by an earlier plan: added to the existing (sunk)
        capacity and taken off the grid headroom.
    graph
        The fibre backbone (:func:`siting.network.build_graph`), needed by the backbone
        latency model.

    Returns
    -------
    Instance

    Raises
    ------
    InputError
        If the scenario names a hub that the hubs layer lacks.
    """
    sites, hubs = layers.sites, layers.hubs
    provinces = pd.Index(layers.provinces["name_en"])
    attrs = layers.provinces.iloc[provinces.get_indexer(sites["province"])]
    costs, dem = scenario.costs, scenario.demand

    crf = annuity_factor(costs.discount_rate, costs.lifetime_years)
    existing = sites["existing_mw"].to_numpy(float)
    headroom = sites["grid_headroom_mw"].to_numpy(float)
    if built_mw is not None:
        existing = existing + built_mw
        headroom = np.clip(headroom - built_mw, 0.0, None)
    greenfield = existing == 0
    fixed = costs.site_fixed_cny_per_year + greenfield * costs.site_development_cny * crf
    it_crf = annuity_factor(costs.discount_rate, costs.it_lifetime_years)
    capex = np.full(len(sites), costs.capex_cny_per_mw * crf + costs.it_capex_cny_per_mw * it_crf)

    province_price = attrs["power_price_cny_kwh"].to_numpy(float)
    tariff = sites["tariff_cny_kwh"].to_numpy(float)
    price = np.where(np.isnan(tariff), province_price, tariff) * costs.power_price_multiplier
    site_province = sites["province"].to_numpy(str)
    policy, notes = scenario.policy, []
    if policy.power_subsidy and policy.domestic_chips:
        price = subsidised_price(price, site_province)
    elif policy.power_subsidy:
        notes.append("power subsidy: inactive (it requires domestic chips; policy.domestic_chips)")
    co2_kg_kwh = attrs["grid_co2_kg_kwh"].to_numpy(float)
    wage = attrs["wage_cny_year"].to_numpy(float)
    pue = attrs["pue"].to_numpy(float)
    classes = service_classes(scenario)
    staff_per_mw = np.array([scenario.training.staff_per_mw, *(c.staff_per_mw for c in classes)])
    utilisation = (scenario.training.utilisation, *(c.utilisation for c in classes))

    energy = np.stack([energy_mwh_per_mw_year(pue, u) for u in utilisation])
    emissions = energy * co2_kg_kwh  # MWh x kg/kWh = t
    opex = np.stack(
        [
            energy * price * KWH_PER_MWH,
            emissions * costs.carbon_cny_per_t,
            staff_per_mw[:, None] * wage[None, :],
        ],
        axis=1,
    )

    groups, site_group = np.unique(site_province, return_inverse=True)
    staff = layers.provinces["staff_available_fte"].iloc[provinces.get_indexer(groups)]

    hub_ids = hubs["hub_id"].to_numpy(str)
    site_ids = sites["site_id"].to_numpy(str)
    demand = hubs["inference_mw"].to_numpy(float) * dem.inference_scale
    sla = _hub_sla(hub_ids, dem.inference_sla_ms, dem.hub_sla_ms, source)
    floor = _hub_sla(hub_ids, 0.0, dem.hub_sla_ms, source)  # with classes: relaxes each SLA
    layer_names = tuple(dict.fromkeys(c.layer for c in classes))
    km, _, one_way = one_way_matrix(
        scenario.latency, hubs["lon"], hubs["lat"], sites["lon"], sites["lat"], graph,
        layers=layer_names,
    )  # fmt: skip
    class_sla = np.stack(
        [sla if c.sla_ms is None else np.maximum(c.sla_ms, floor) for c in classes]
    )
    rtt = np.stack([2.0 * one_way[c.layer] for c in classes])  # (C, H, S)
    obj = scenario.objective
    if obj.kind in ("p-median", "p-center"):  # every pair: no SLA, no sparsification
        every = np.full(len(hub_ids), np.finfo(float).max)  # every finite round trip
        found = [admissible_pairs(rtt[q], every) for q in range(len(classes))]
    else:
        if obj.coverage_rtt_ms is not None and obj.classic:  # mclp, lscp: the radius is the SLA
            class_sla = np.full_like(class_sla, obj.coverage_rtt_ms)
        most = None if obj.classic else dem.max_sites_per_hub
        found = [admissible_pairs(rtt[q], class_sla[q], most) for q in range(len(classes))]
    pair_class = np.concatenate([np.full(len(h), q, np.int64) for q, (h, _) in enumerate(found)])
    pair_hub = np.concatenate([h for h, _ in found]).astype(np.int64)
    pair_site = np.concatenate([s for _, s in found]).astype(np.int64)
    pair_km = km[pair_hub, pair_site]
    share_cap = np.array([min(dem.max_site_share, c.max_share, 1.0 / c.min_sites) for c in classes])

    headroom = _policy_headroom(policy, site_ids, existing, headroom, notes)
    voucher, voucher_notes = _policy_vouchers(policy, site_ids)
    green = _policy_green(policy, site_ids, site_province, pue, notes)
    nearest = rtt.argmin(axis=2) if rtt.size else np.zeros((len(classes), 0), np.int64)
    nearest_rtt = rtt.min(axis=2) if rtt.size else np.zeros((len(classes), 0))

    return Instance(
        site_ids=site_ids,
        hub_ids=hub_ids,
        group_names=groups,
        site_group=site_group.astype(np.int64),
        existing_mw=existing,
        headroom_mw=headroom,
        fixed_cost=fixed,
        capex_cost=capex,
        opex=opex,
        staff_per_mw=staff_per_mw,
        staff_available=staff.to_numpy(float),
        demand_mw=demand,
        sla_ms=class_sla[0],
        training_mw=training_demand_mw(dem.training_mw, dem.training_share, demand.sum()),
        min_cluster_mw=scenario.training.min_cluster_mw,
        max_site_share=dem.max_site_share,
        rent=np.array(
            [
                scenario.objective.training_rent_cny_per_mw_year,
                *[scenario.objective.inference_rent_cny_per_mw_year] * len(classes),
            ]
        ),
        maximise_margin=scenario.objective.kind == "margin",
        pair_hub=pair_hub,
        pair_site=pair_site,
        pair_km=pair_km,
        pair_rtt_ms=rtt[pair_class, pair_hub, pair_site],
        pair_cost=pair_km * costs.network_cny_per_mw_km_year,
        energy_mwh=energy,
        emissions_t=emissions,
        nearest_site=nearest[0].astype(np.int64),
        nearest_rtt_ms=nearest_rtt[0],
        class_names=np.array([c.name for c in classes], dtype=str),
        class_demand_mw=np.outer([c.share for c in classes], demand),
        pair_class=pair_class,
        class_share_cap=share_cap,
        class_min_sites=np.array([c.min_sites for c in classes], dtype=np.int64),
        class_failover=np.array([c.failover for c in classes], dtype=float),
        class_layer=np.array([c.layer for c in classes], dtype=str),
        class_sla_ms=class_sla,
        class_nearest_site=nearest.astype(np.int64),
        class_nearest_rtt_ms=nearest_rtt,
        voucher_names=voucher.names,
        voucher_member=voucher.member,
        voucher_cny_per_mw=voucher.cny_per_mw,
        voucher_max_mw=voucher.max_mw,
        green_names=green.names,
        green_coef=green.coef,
        green_supply_gwh=green.supply_gwh,
        notes=tuple(notes + voucher_notes),
        objective_kind=obj.kind,
        site_count=obj.sites or 0,
        site_count_rule=obj.sites_rule,
    )


@dataclass(frozen=True)
class ClassTerms:
    """One service class as the instance uses it (docs/model.md, "Service classes").

    ``sla_ms`` is a round trip at ``layer`` (``None``: the hubs' SLAs of ``[demand]``).
    """

    name: str
    share: float
    sla_ms: float | None
    layer: str
    utilisation: float
    staff_per_mw: float
    min_sites: int
    max_share: float
    failover: float


def service_classes(scenario: Scenario) -> list[ClassTerms]:
    """List the scenario's service classes, or one class as ``[demand]`` and ``[inference]`` say.

    Parameters
    ----------
    scenario
        The scenario.

    Returns
    -------
    list of ClassTerms
        Redundancy settings of a class override those of ``[redundancy]``.
    """
    red, layer = scenario.redundancy, scenario.latency.layer
    if not scenario.classes.root:
        inf = scenario.inference
        return [
            ClassTerms("inference", 1.0, None, layer, inf.utilisation, inf.staff_per_mw,
                       red.min_sites, 1.0, red.failover_share)
        ]  # fmt: skip
    shares = scenario.classes.shares()
    return [  # a class with no share has no demand: it is left out
        ClassTerms(
            name,
            shares[name],
            c.sla_round_trip_ms,
            c.layer or layer,
            c.utilisation,
            c.staff_per_mw,
            c.min_sites or red.min_sites,
            c.max_site_share or 1.0,
            red.failover_share if c.failover_share is None else c.failover_share,
        )
        for name, c in scenario.classes.root.items()
        if shares[name] > 0
    ]


def _policy_headroom(
    policy: Policy, site_ids: NDArray[np.str_], existing: FloatArray, headroom: FloatArray,
    notes: list[str],
) -> FloatArray:  # fmt: skip
    if not policy.size_limit:
        return headroom
    limited = limited_headroom(policy, site_status(site_ids), existing, headroom)
    cut = headroom - limited
    notes.append(
        f"size limit {policy.size_limit_mw:g} MW outside the "
        f"{policy.size_limit_outside.replace('_', ' ')}: "
        f"{int((cut > 0).sum())} sites lose {cut.sum():,.0f} MW of headroom"
    )
    return limited


def _policy_vouchers(policy: Policy, site_ids: NDArray[np.str_]) -> tuple[Vouchers, list[str]]:
    if not policy.compute_vouchers:
        return Vouchers(
            np.zeros(0, str), np.zeros((0, len(site_ids)), bool), np.zeros(0), np.zeros(0)
        ), []
    return vouchers(policy, site_ids)


def _policy_green(
    policy: Policy, site_ids: NDArray[np.str_], provinces: NDArray[np.str_], pue: FloatArray,
    notes: list[str],
) -> Green:  # fmt: skip
    if policy.green_share <= 0:
        return Green(np.zeros(0, str), np.zeros((0, len(site_ids))), np.zeros(0))
    green, more = green_rows(policy, site_status(site_ids), provinces, pue)
    notes.extend(more)
    return green


def admissible_pairs(
    rtt_ms: FloatArray, sla_ms: FloatArray, max_sites: int | None = None
) -> tuple[IntArray, IntArray]:
    """Find the (hub, site) pairs within each hub's SLA, optionally the nearest few per hub.

    Parameters
    ----------
    rtt_ms
        Round-trip times, shape (H, S).
    sla_ms
        Each hub's limit, shape (H,).
    max_sites
        Keep at most this many lowest-RTT sites per hub (ties broken by site order).

    Returns
    -------
    tuple of numpy.ndarray
        Hub and site index of every admissible pair, sorted by hub then site.
    """
    within = rtt_ms <= sla_ms[:, None] + 1e-9
    if max_sites is not None and max_sites < rtt_ms.shape[1]:
        masked = np.where(within, rtt_ms, np.inf)
        nearest = np.argpartition(masked, max_sites - 1, axis=1)[:, :max_sites]
        keep = np.zeros_like(within)
        np.put_along_axis(keep, nearest, True, axis=1)
        within &= keep
    hub, site = np.nonzero(within)
    return hub.astype(np.int64), site.astype(np.int64)


def training_demand_mw(training_mw: float, share: float | None, inference_mw: float) -> float:
    """National training demand: ``training_mw``, or ``share`` of all demand when given.

    Parameters
    ----------
    training_mw
        Training demand stated in MW.
    share
        Training's share of total (training + inference) demand, in [0, 1); overrides
        ``training_mw`` when not ``None``.
    inference_mw
        Total inference demand, MW.

    Returns
    -------
    float
        ``share / (1 - share) * inference_mw`` if a share is given, else ``training_mw``.
    """
    return training_mw if share is None else share / (1.0 - share) * inference_mw


def _hub_sla(
    hub_ids: NDArray[np.str_], default_ms: float, overrides: dict[str, float], source: str
) -> FloatArray:
    known = {h: i for i, h in enumerate(hub_ids)}
    problems = []
    sla = np.full(len(hub_ids), float(default_ms))
    for hub, ms in overrides.items():
        if hub not in known:
            expected = f"unknown hub {hub!r}; expected a hub_id of the hubs layer"
            problems.append(Problem(source, "[demand.hub_sla_ms]", hub, expected))
        elif ms <= 0:
            problems.append(Problem(source, "[demand.hub_sla_ms]", hub, f"expected > 0, got {ms}"))
        else:
            sla[known[hub]] = ms
    if problems:
        raise InputError(problems)
    return sla
