"""The optional sections: service classes, redundancy, policy and the multi-period horizon.

Each is off (or one class as in ``[inference]``) at its defaults (docs/model.md).
"""

from __future__ import annotations

import itertools
import re
from typing import Annotated, Literal, get_args

from pydantic import Field, RootModel, ValidationInfo, field_validator, model_validator

from siting.scenario.sections import MAX_CNY, MAX_FACTOR, MAX_MS, MAX_MW, MAX_YEARS, _Section

#: Allowed names of service classes (they become column names of the result tables).
CLASS_NAME = r"^[a-z][a-z0-9_]*$"
#: Tolerance on the sum of class shares.
SHARE_TOLERANCE = 1e-6


class ServiceClass(_Section):
    """One inference service class: its share of each hub's demand, SLA and running terms."""

    share: float | None = Field(
        None,
        ge=0,
        le=1,
        description=(
            "Share of every hub's inference demand in this class; the shares sum to 1. One "
            "class may leave it out and takes the rest."
        ),
    )
    sla_ms: float = Field(gt=0, le=MAX_MS, description="Latency limit hub <-> serving site, ms.")
    sla_direction: Literal["round_trip", "one_way"] = Field(
        "round_trip", description="Whether sla_ms is a round trip or one way."
    )
    layer: Literal["optical", "ip", "internet"] | None = Field(
        None, description="Network layer the SLA is checked at; unset takes latency.layer."
    )
    statistic: Literal["mean"] = Field(
        "mean", description="The latency model gives mean delays: SLAs are on the mean."
    )
    utilisation: float = Field(gt=0, le=1, description="Average IT load / installed IT MW.")
    staff_per_mw: float = Field(
        ge=0, le=MAX_FACTOR, description="Operations staff per MW hosted, FTE/MW."
    )
    min_sites: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="Serve each hub from at least this many sites (redundancy).",
    )
    max_site_share: float | None = Field(
        None, gt=0, le=1, description="Largest share of a hub's class demand one site serves."
    )
    failover_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share still served within the SLA when any one site is lost (0 = off).",
    )
    basis: str = Field("", description="Where the figures come from (documentation only).")

    @property
    def sla_round_trip_ms(self) -> float:
        """The SLA as a round trip, ms (a one-way SLA doubled)."""
        return self.sla_ms * (2.0 if self.sla_direction == "one_way" else 1.0)


class Classes(RootModel[dict[str, ServiceClass]]):
    """Inference service classes by name; empty means one class as in ``[inference]``."""

    root: dict[str, ServiceClass] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _shares(self) -> Classes:
        bad = [n for n in self.root if not re.match(CLASS_NAME, n)]
        if bad:
            msg = f"class names must be lower-case letters, digits and _, got {bad}"
            raise ValueError(msg)
        if not self.root:
            return self
        missing = [n for n, c in self.root.items() if c.share is None]
        total = sum(c.share for c in self.root.values() if c.share is not None)
        if len(missing) > 1:
            msg = f"at most one class may leave out its share; {', '.join(missing)} do"
            raise ValueError(msg)
        if missing and total > 1 + SHARE_TOLERANCE:
            msg = f"the class shares sum to {total:g} > 1, leaving nothing for {missing[0]!r}"
            raise ValueError(msg)
        if not missing and abs(total - 1) > SHARE_TOLERANCE:
            shares = ", ".join(f"{n} {c.share:g}" for n, c in self.root.items())
            msg = f"the class shares ({shares}) sum to {total:g}; expected 1"
            raise ValueError(msg)
        return self

    def shares(self) -> dict[str, float]:
        """Each class's share, the one left out taking the rest."""
        given = sum(c.share for c in self.root.values() if c.share is not None)
        return {
            n: c.share if c.share is not None else max(0.0, 1.0 - given)
            for n, c in self.root.items()
        }


class Redundancy(_Section):
    """How many sites serve each hub's demand (per class), and what survives losing one."""

    min_sites: int = Field(
        1,
        ge=1,
        le=1_000_000,
        description="Serve each hub's class demand from at least this many sites.",
    )
    failover_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description=(
            "Share of each hub's class demand still served within the SLA when any one "
            "serving site is lost (reserve capacity); 0 switches it off."
        ),
    )


class Policy(_Section):
    """Policy families (docs/model.md, data/policy_*.csv); each off by default."""

    size_limit: bool = Field(False, description="东数西算: limit sites outside the area.")
    size_limit_mw: float | None = Field(
        None,
        gt=0,
        le=MAX_MW,
        description="Largest IT MW a site outside the area may grow to (user's).",
    )
    size_limit_outside: Literal["clusters", "hub_nodes"] = Field(
        "clusters",
        description="clusters: the limit binds outside the 10 clusters; hub_nodes: outside the 8.",
    )
    green_share: float = Field(
        0.0, ge=0, le=1, description="Green-power share of new MW in the hub nodes (P7: 0.8)."
    )
    green_supply_gwh: dict[str, Annotated[float, Field(ge=0, le=MAX_MW * 8.76)]] = Field(
        default_factory=dict,
        description="Green supply for new data centres by province, GWh/yr (none shipped).",
    )
    power_subsidy: bool = Field(False, description="Provincial power subsidies (P8).")
    domestic_chips: bool = Field(
        False, description="The fleet uses domestic accelerators (the subsidy's condition)."
    )
    compute_vouchers: bool = Field(False, description="Compute vouchers (算力券).")
    voucher_contract_cny_per_mw_year: float = Field(
        0.0,
        ge=0,
        le=MAX_CNY,
        description="Rent of one MW of compute a voucher pays a share of, CNY/yr.",
    )

    @model_validator(mode="after")
    def _limit_needs_size(self) -> Policy:
        if self.size_limit and self.size_limit_mw is None:
            raise ValueError("size_limit = true needs size_limit_mw (no sourced threshold)")
        return self


#: Accelerator classes of ``data/accelerators.csv`` (``siting.vintages`` reads the table).
ACCELERATOR_CLASSES = ("imported_high_end", "export_compliant", "domestic")
#: Years a horizon may plan, first and last (``data/use_years.csv`` covers 2022-2030; the
#: first plan year is 2023, after the end-2022 stock).
DEMAND_YEARS = (2023, 2030)
#: Years IT hardware stays in service in a horizon: CAICT's installed series counts the AI
#: servers shipped in the last six years (SOURCES.md T3 step 8).
SERVICE_LIFE_YEARS = 6
#: Variants of the use series (``data/use_years.csv``, SOURCES.md T9).
UseVariant = Literal["low", "central", "high"]
USE_VARIANTS: tuple[str, ...] = get_args(UseVariant)
#: Years ``[horizon] existing_until`` may take: the year-end of the first vintage band
#: (``<=2022``, data/capacity_vintages.csv) to the last demand year; an earlier year would
#: leave out every existing MW.
EXISTING_YEARS = (2022, DEMAND_YEARS[1])


class Horizon(_Section):
    """``[horizon]``: a multi-period plan over consecutive years (``docs/model.md``)."""

    years: list[int] = Field(
        min_length=1,
        description="Planning years, consecutive and increasing, within 2023-2030.",
    )
    discount_rate: float | None = Field(
        None, gt=0, lt=1, description="Yearly discount rate of the present value; default costs'."
    )
    foresight: Literal["perfect", "myopic"] = Field(
        "perfect", description="One model over the horizon, or year by year with its forecast."
    )
    lead_time_years: int = Field(
        1, ge=0, description="Years from an order to service; shorter than the horizon."
    )
    standby_cny_per_mw_year: float = Field(
        0.0,
        ge=0,
        le=MAX_CNY,
        description="Cost of an installed MW left idle at an open site, CNY/(MW·yr).",
    )
    new_classes: list[str] = Field(
        default_factory=lambda: list(ACCELERATOR_CLASSES),
        min_length=1,
        description="Accelerator classes that new capacity may be built in.",
    )
    class_rent_cny_per_mw_year: dict[str, Annotated[float, Field(ge=0, le=MAX_CNY)]] = Field(
        default_factory=dict,
        description="Rent per installed MW by class where rents.csv has none (margin only).",
    )
    it_prices: Literal["by_year", "flat"] = Field(
        "by_year",
        description=(
            "IT capex of an order at its class's price in its order year (data/it_prices.csv), "
            "or the scenario's it_capex_cny_per_mw for every class and year."
        ),
    )
    existing: Literal["vintages", "flat"] = Field(
        "vintages",
        description="Existing MW from capacity_vintages.csv, or existing_mw in service throughout.",
    )
    announced: bool = Field(False, description="Count announced (2026+) capacity as committed.")
    existing_until: int | None = Field(
        None,
        description=(
            "Existing vintages entering service after this year are left out (planned); "
            f"a year from {EXISTING_YEARS[0]} (the first vintage band, <=2022) to "
            f"{EXISTING_YEARS[1]}."
        ),
    )
    training_cluster: Literal["by_year", "fixed"] = Field(
        "by_year",
        description=(
            "Minimum training cluster of each year from data/training_clusters.csv (the "
            "smallest cluster a model of that year was pretrained on), or training.min_cluster_mw "
            "in every year."
        ),
    )
    use: UseVariant = Field(
        "central",
        description=(
            "Variant of the use series (data/use_years.csv) the demand comes from: "
            + ", ".join(USE_VARIANTS)
            + "."
        ),
    )
    service_life_years: int = Field(
        SERVICE_LIFE_YEARS,
        ge=1,
        le=MAX_YEARS,
        description=(
            "Years IT hardware stays in service (the installed series counts six years of "
            "shipments); its capex annuity life stays costs.it_lifetime_years."
        ),
    )
    orders: bool = Field(
        True, description="The plan may order capacity; false: the vintages are the fleet."
    )
    unmet_penalty: Literal["rent"] | Annotated[float, Field(gt=0, le=MAX_CNY)] = Field(
        "rent",
        description=(
            'Cost of a demand MW not served, CNY/(MW·yr): "rent", the highest published rent '
            "(data/rents.csv) per demand MW, or a number."
        ),
    )
    unmet_penalty_premium: float = Field(
        0.0,
        ge=0,
        le=MAX_FACTOR,
        description='Share added to the rent of unmet_penalty = "rent" (0.2: 20 % more).',
    )

    @model_validator(mode="after")
    def _premium_needs_rent(self) -> Horizon:
        if self.unmet_penalty != "rent" and self.unmet_penalty_premium > 0:
            raise ValueError(
                'unmet_penalty_premium applies to unmet_penalty = "rent"; with a number, put '
                "the premium in the number"
            )
        return self

    @field_validator("years")
    @classmethod
    def _years(cls, years: list[int]) -> list[int]:
        first, last = DEMAND_YEARS
        for year in years:
            if not first <= year <= last:
                raise ValueError(f"expected years within {first}-{last} (use_years.csv)")
        if any(b != a + 1 for a, b in itertools.pairwise(years)):
            raise ValueError("expected consecutive increasing years, e.g. [2023, 2024, 2025]")
        return years

    @field_validator("existing_until")
    @classmethod
    def _until(cls, year: int | None) -> int | None:
        first, last = EXISTING_YEARS
        if year is not None and not first <= year <= last:
            raise ValueError(
                f"expected a year from {first} (the first vintage band, <=2022) to {last}; "
                f"{year} would leave out every existing MW"
                if year < first
                else f"expected a year from {first} to {last} (the last demand year), got {year}"
            )
        return year

    @field_validator("lead_time_years")
    @classmethod
    def _lead(cls, lead: int, info: ValidationInfo) -> int:
        years = info.data.get("years")
        if years and lead >= len(years):
            raise ValueError(f"expected a lead time shorter than the horizon ({len(years)} years)")
        return lead

    @field_validator("new_classes", "class_rent_cny_per_mw_year")
    @classmethod
    def _classes(cls, value: list[str] | dict[str, float]) -> list[str] | dict[str, float]:
        for name in value:
            if name not in ACCELERATOR_CLASSES:
                known = ", ".join(ACCELERATOR_CLASSES)
                raise ValueError(f"expected accelerator classes ({known}); {name!r} is not one")
        return value


class Levers(_Section):
    """``[levers]``: policy levers acting on the simulation's investors and market.

    Each switch is off by default; ``siting.simulate.levers`` turns the switched-on ones into
    each year's orderable sites and classes, cost deltas and voucher discounts from
    ``data/levers.csv`` and ``data/policy_*.csv`` (docs/model.md "Levers"). The planner's
    ``[policy]`` families are a separate thing: the planner is the efficient benchmark.
    """

    h20_licence: bool = Field(
        False, description="US licence requirement on export_compliant orders (2025, L1-L3)."
    )
    approval_tightening: bool = Field(
        False,
        description="No new orders in provinces whose last-year utilisation is low (2025, L4).",
    )
    domestic_mandate: bool = Field(
        False, description="State-funded new data centres use domestic chips only (2025, L6)."
    )
    ddsx_approvals: bool = Field(
        False, description="东数西算: new orders only at sites in a national cluster (P4, P6)."
    )
    vouchers: bool = Field(
        False, description="Compute vouchers (算力券) as a discount on rent at their sites."
    )
    power_subsidies: bool = Field(
        False, description="Provincial power subsidies for domestic accelerators (P8)."
    )

    def switched(self) -> list[str]:
        """Return the switches that are on."""
        return [key for key, on in self.model_dump().items() if on]
