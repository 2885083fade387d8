"""Sites: capacities and costs of the candidate sites, and the staff pools they hire from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting.costs import KWH_PER_MWH, annuity_factor, energy_mwh_per_mw_year
from siting.instance.types import FloatArray, IntArray
from siting.layers import Layers
from siting.policy import limited_headroom, site_status, subsidised_price
from siting.scenario import Policy, Scenario


@dataclass(frozen=True)
class Sites:
    """The candidate sites ``s`` and the staff pools ``p`` (provinces) they hire from.

    Attributes
    ----------
    ids
        Identifiers, shape (S,).
    group
        Staff pool of each site, indices into ``group_names``, shape (S,).
    group_names
        Staff pools, shape (P,).
    staff_available
        Staff that can be hired in each pool, FTE, shape (P,).
    existing_mw
        Built IT capacity (sunk), MW, shape (S,).
    headroom_mw
        Largest new IT capacity the grid can supply, MW, shape (S,).
    fixed_cost
        Yearly cost of an open site, CNY/yr, shape (S,).
    capex_cost
        Annualised capex of one new MW (facility and IT hardware), CNY/(MW·yr), shape (S,).
    opex
        Running cost per MW hosted, CNY/(MW·yr), shape (W, 3, S): workloads (training, then
        each service class) and :data:`siting.instance.OPEX_COMPONENTS`.
    energy_mwh
        Grid electricity per MW hosted, MWh/(MW·yr), shape (W, S).
    emissions_t
        CO2 per MW hosted, t/(MW·yr), shape (W, S).
    power_price
        Electricity price paid at each site, CNY/kWh, shape (S,): its tariff, else its
        province's price, times the scenario's multiplier, subsidised where the policy's power
        subsidy acts (the price in ``opex``'s power component).
    """

    ids: NDArray[np.str_]
    group: IntArray
    group_names: NDArray[np.str_]
    staff_available: FloatArray
    existing_mw: FloatArray
    headroom_mw: FloatArray
    fixed_cost: FloatArray
    capex_cost: FloatArray
    opex: FloatArray
    energy_mwh: FloatArray = field(default_factory=lambda: np.zeros((2, 0)))
    emissions_t: FloatArray = field(default_factory=lambda: np.zeros((2, 0)))
    power_price: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def capacity_mw(self) -> FloatArray:
        """Largest IT load each site can host: existing plus headroom, MW."""
        return self.existing_mw + self.headroom_mw

    @property
    def unit_opex(self) -> FloatArray:
        """Running cost per MW hosted summed over components, CNY/(MW·yr), shape (W, S)."""
        return self.opex.sum(axis=1)


def build_sites(
    layers: Layers,
    scenario: Scenario,
    workloads: tuple[FloatArray, FloatArray],
    built_mw: FloatArray | None,
    notes: list[str],
) -> Sites:
    """Cost and size the sites of the layers under the scenario's costs and policy.

    Parameters
    ----------
    layers
        The input layers.
    scenario
        The assumptions.
    workloads
        Utilisation and staff per MW of each workload (training, then each service class).
    built_mw
        New MW already built at each site by an earlier plan: added to the existing (sunk)
        capacity and taken off the grid headroom.
    notes
        What the power subsidy and size limit did or could not do; appended to.

    Returns
    -------
    Sites
    """
    sites = layers.sites
    attrs = site_attributes(layers)
    costs, policy = scenario.costs, scenario.policy
    utilisation, staff_per_mw = workloads

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
    if policy.power_subsidy and policy.domestic_chips:
        price = subsidised_price(price, site_province)
    elif policy.power_subsidy:
        notes.append("power subsidy: inactive (it requires domestic chips; policy.domestic_chips)")
    co2_kg_kwh = attrs["grid_co2_kg_kwh"].to_numpy(float)
    wage = attrs["wage_cny_year"].to_numpy(float)
    pue = attrs["pue"].to_numpy(float)

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
    provinces = pd.Index(layers.provinces["name_en"])
    staff = layers.provinces["staff_available_fte"].iloc[provinces.get_indexer(groups)]
    site_ids = sites["site_id"].to_numpy(str)
    return Sites(
        ids=site_ids,
        group=site_group.astype(np.int64),
        group_names=groups,
        staff_available=staff.to_numpy(float),
        existing_mw=existing,
        headroom_mw=_size_limit(policy, site_ids, existing, headroom, notes),
        fixed_cost=fixed,
        capex_cost=capex,
        opex=opex,
        energy_mwh=energy,
        emissions_t=emissions,
        power_price=price,
    )


def site_attributes(layers: Layers) -> pd.DataFrame:
    """Return the province attributes (prices, PUE, wages...) of each site, one row per site.

    Parameters
    ----------
    layers
        The input layers.

    Returns
    -------
    pandas.DataFrame
    """
    provinces = pd.Index(layers.provinces["name_en"])
    return layers.provinces.iloc[provinces.get_indexer(layers.sites["province"])]


def _size_limit(
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
