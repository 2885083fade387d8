"""The scenario: every assumption that changes the optimum, validated and serialisable.

A scenario is read from a TOML file (see ``siting/scenarios/default.toml`` for every key with
its unit and basis). Unknown keys, wrong types and out-of-range values are rejected with the
file, the table, the key and what was expected.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from siting import settings
from siting._validate import read_text
from siting.errors import InputError, Problem, did_you_mean

#: Upper bounds that no real input comes near; they keep absurd values (1e300) from reaching
#: the solver, where they would surface as numerical failures blamed on the time limit.
MAX_CNY = 1e12  # per MW, per site or per year: a trillion CNY
MAX_MW = 1e6  # a terawatt: ~40 x China's 2024 data-centre load
MAX_MS = 1e4  # ten seconds of round trip
MAX_FACTOR = 100.0  # multipliers and ratios
MAX_YEARS = 200.0
#: Light in vacuum; light in fibre is slower (~200 km/ms).
SPEED_OF_LIGHT_KM_PER_MS = 299.792458

#: Valid per-hub SLA override: a finite number of ms above 0.
_SlaMs = Annotated[float, Field(gt=0, le=MAX_MS)]
#: A file named in ``[data]``: not empty, no NUL byte.
_FilePath = Annotated[str, Field(min_length=1, pattern=r"^[^\x00]+$")]


class _Section(BaseModel):
    # strict: a boolean or a string is never read as a number (``true`` is not 1.0), but an
    # integer is a valid float; no infinities or NaN.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Demand(_Section):
    """What has to be served."""

    training_mw: float = Field(
        0.0, ge=0, le=MAX_MW, description="National training demand, MW of IT load."
    )
    training_share: float | None = Field(
        None,
        ge=0,
        lt=1,
        description=(
            "If set, training demand is this share of all demand and replaces training_mw: "
            "T = share / (1 - share) x total inference demand."
        ),
    )
    inference_scale: float = Field(
        1.0,
        ge=0,
        le=MAX_FACTOR,
        description="Multiplier on every hub's inference demand in the hubs layer.",
    )
    inference_sla_ms: float = Field(
        gt=0,
        le=MAX_MS,
        description="Round-trip latency limit between a hub and a site serving it, ms.",
    )
    hub_sla_ms: dict[str, _SlaMs] = Field(
        default_factory=dict, description="Per-hub overrides of inference_sla_ms, by hub_id."
    )
    max_site_share: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Largest share of one hub's inference demand one site may serve (1 = off).",
    )
    max_sites_per_hub: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description=(
            "Keep only this many lowest-latency sites within each hub's SLA as candidates to "
            "serve it (a sparsification for large instances; it can raise the optimum). "
            "Unset keeps every site within the SLA."
        ),
    )
    rest_of_china: Literal["omit", "serve"] = Field(
        "omit",
        description=(
            "Demand outside the hubs (and the capacity outside the sites): 'omit' leaves both "
            "out; 'serve' adds one pseudo-hub and one pseudo-site per province at its capital "
            "(data/rest_of_china.csv, docs/model.md)."
        ),
    )


class Training(_Section):
    """Training workload."""

    min_cluster_mw: float = Field(
        ge=0, le=MAX_MW, description="Smallest training deployment at a site that hosts any, MW."
    )
    utilisation: float = Field(gt=0, le=1, description="Average IT load / installed IT MW.")
    staff_per_mw: float = Field(
        ge=0, le=MAX_FACTOR, description="Operations staff per MW hosted, FTE/MW."
    )


class Inference(_Section):
    """Inference workload."""

    utilisation: float = Field(gt=0, le=1, description="Average IT load / installed IT MW.")
    staff_per_mw: float = Field(
        ge=0, le=MAX_FACTOR, description="Operations staff per MW hosted, FTE/MW."
    )


class Costs(_Section):
    """Cost assumptions, all in CNY (2024 prices)."""

    discount_rate: float = Field(gt=0, lt=1, description="Real discount rate for annuities.")
    lifetime_years: float = Field(
        gt=0, le=MAX_YEARS, description="Economic life of a facility, years."
    )
    capex_cny_per_mw: float = Field(
        ge=0,
        le=MAX_CNY,
        description="Facility capex (shell, power, cooling) per MW of new IT load.",
    )
    site_development_cny: float = Field(
        ge=0,
        le=MAX_CNY,
        description="One-off cost of developing a greenfield site (no existing MW).",
    )
    site_fixed_cny_per_year: float = Field(
        ge=0, le=MAX_CNY, description="Fixed yearly cost of running any open site."
    )
    network_cny_per_mw_km_year: float = Field(
        ge=0,
        le=MAX_CNY,
        description="Long-haul bandwidth for inference traffic, per MW served per route km.",
    )
    it_capex_cny_per_mw: float = Field(
        0.0,
        ge=0,
        le=MAX_CNY,
        description=(
            "IT hardware (GPU servers, network) bought per MW of new IT load; existing MW "
            "already has its hardware."
        ),
    )
    it_lifetime_years: float = Field(
        5.0, gt=0, le=MAX_YEARS, description="Economic life of IT hardware, years."
    )
    carbon_cny_per_t: float = Field(0.0, ge=0, le=MAX_CNY, description="Carbon price, CNY/tCO2.")
    power_price_multiplier: float = Field(
        1.0, gt=0, le=MAX_FACTOR, description="Multiplier on every site's electricity price."
    )


class Latency(_Section):
    """How latency between hubs and sites is estimated (docs/latency.md).

    Every delay term says its direction: ``*_one_way_ms`` is one way; ``hop_delay_ms`` and
    ``equipment_delay_ms`` (named before layers existed) are round trips. SLAs are round trips
    and are compared with the round trip at ``layer``.
    """

    model: Literal["backbone", "great_circle"] = Field(
        "backbone",
        description=(
            "backbone: shortest path over the fibre backbone graph; great_circle: great-circle "
            "distance times route_factor."
        ),
    )
    layer: Literal["optical", "ip", "internet"] = Field(
        "ip",
        description=(
            "Network layer whose latency the SLA is checked against: optical (a wavelength, "
            "propagation and transponders only), ip (carriers' private IP networks, routers "
            "added) or internet (public internet, exchange and inter-operator delay added)."
        ),
    )
    route_stretch: float = Field(
        1.15,
        ge=1,
        le=MAX_FACTOR,
        description=(
            "Fibre route / modelled route (both models, every layer); fitted to the CAICT "
            "Q1 2024 optical-layer mean (docs/latency.md)."
        ),
    )
    ip_hop_one_way_ms: float = Field(
        0.69,
        ge=0,
        le=MAX_MS,
        description=(
            "IP and internet layers: one-way delay added per backbone hop (routers, grooming, "
            "IP detours), ms; fitted to the CAICT Q1 2024 private-IP mean."
        ),
    )
    internet_one_way_ms: float = Field(
        2.1,
        ge=0,
        le=MAX_MS,
        description=(
            "Internet layer: fixed one-way delay (exchange points, inter-operator hand-over), "
            "ms; fitted to the CAICT Q1 2024 public-internet mean."
        ),
    )
    access_one_way_ms: float = Field(
        2.0,
        ge=0,
        le=MAX_MS,
        description=(
            "One-way delay of a user terminal's access network to its metro core, ms; reported "
            "by `siting latency` for terminal-to-site figures, not part of hub-site latency."
        ),
    )
    inter_operator_one_way_ms: float = Field(
        3.25,
        ge=0,
        le=MAX_MS,
        description=(
            "One-way delay added where a path crosses from one operator to another, ms; "
            "reported by `siting latency`, not part of hub-site latency."
        ),
    )
    km_per_hop: float = Field(
        230.0,
        gt=0,
        le=1e5,
        description="Great-circle model: route km per equivalent backbone hop.",
    )
    route_factor: float = Field(
        1.5,
        ge=1,
        le=MAX_FACTOR,
        description="Great-circle model: fibre route length / great-circle distance.",
    )
    fibre_km_per_ms: float = Field(
        gt=0,
        le=SPEED_OF_LIGHT_KM_PER_MS,
        description="One-way speed of light in fibre, km per ms (~200).",
    )
    equipment_delay_ms: float = Field(
        1.0,
        ge=0,
        le=MAX_MS,
        description="Great-circle model: fixed round-trip delay of equipment, ms.",
    )
    hop_delay_ms: float = Field(
        0.1,
        ge=0,
        le=MAX_MS,
        description="Round-trip delay per backbone hop on every layer (optical pass-through), ms.",
    )
    access_factor: float = Field(
        1.25,
        ge=1,
        le=MAX_FACTOR,
        description="Backbone model: access leg length / great-circle distance to the node.",
    )


#: Objective kinds: the siting models, then the classic location models (docs/model.md).
ObjectiveKind = Literal["cost", "margin", "p-median", "p-center", "mclp", "lscp"]
OBJECTIVE_KINDS: tuple[str, ...] = get_args(ObjectiveKind)
#: The classic location models (uncapacitated; docs/model.md, "Classic location models").
CLASSIC_KINDS = OBJECTIVE_KINDS[2:]
#: Classic kinds that need ``sites`` (p).
NEEDS_SITES = ("p-median", "p-center", "mclp")
#: Keys added with the classic kinds: left out of the content hash at their defaults.
_CLASSIC_DEFAULTS = {"sites": None, "sites_rule": "exactly", "coverage_rtt_ms": None}


class Objective(_Section):
    """What the optimisation minimises (or maximises), and how many sites may open."""

    kind: ObjectiveKind = Field(
        "cost",
        description=(
            "cost: serve all demand at least cost; margin: maximise rental revenue minus cost, "
            "with demand as an upper bound (capacity that does not pay is not built or used); "
            "p-median, p-center, mclp, lscp: the classic uncapacitated location models on "
            "round-trip latency (docs/model.md, 'Classic location models')."
        ),
    )
    training_rent_cny_per_mw_year: float = Field(
        0.0,
        ge=0,
        le=MAX_CNY,
        description="Margin: rental revenue per MW of training hosted, CNY/yr.",
    )
    inference_rent_cny_per_mw_year: float = Field(
        0.0,
        ge=0,
        le=MAX_CNY,
        description="Margin: rental revenue per MW of inference hosted, CNY/yr.",
    )
    sites: int | None = Field(
        None,
        ge=1,
        description="Number of sites to open, p (any kind; required by p-median, p-center, mclp).",
    )
    sites_rule: Literal["exactly", "at_most"] = Field(
        "exactly", description="Open exactly p sites, or at most p."
    )
    coverage_rtt_ms: float | None = Field(
        None,
        gt=0,
        le=MAX_MS,
        description=(
            "mclp, lscp: coverage radius, ms round trip at the scenario's latency layer "
            "(default: each hub's or class's SLA); other kinds ignore it."
        ),
    )

    @model_validator(mode="after")
    def _classic_keys(self) -> Objective:
        if self.kind in NEEDS_SITES and self.sites is None:
            raise ValueError(f"kind = {self.kind!r} needs sites (p, the number of sites to open)")
        return self

    @property
    def classic(self) -> bool:
        """Whether the kind is a classic location model (not cost or margin)."""
        return self.kind in CLASSIC_KINDS

    def hashed(self) -> dict[str, Any]:
        """Return the section as hashed: classic-kind keys left out at their defaults."""
        content = self.model_dump(mode="json")
        return {
            k: v
            for k, v in content.items()
            if k not in _CLASSIC_DEFAULTS or v != _CLASSIC_DEFAULTS[k]
        }


class Solve(_Section):
    """How the model is solved; it changes the time to a plan, not the optimum."""

    strategy: Literal["auto", "direct", "decompose"] = Field(
        "auto",
        description=(
            '"direct": one solver run; "decompose": LP-guided decomposition with a bound valid '
            'for the full model (HiGHS; docs/model.md); "auto": decompose large instances.'
        ),
    )
    time_limit: float | None = Field(
        None,
        gt=0,
        description=(
            "Seconds a solve of this scenario may take unless --time-limit says otherwise; "
            "default siting.settings.time_limit."
        ),
    )


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


class DataFiles(_Section):
    """Input layers; relative paths are taken from the scenario file's folder."""

    provinces: _FilePath | None = None
    province_attributes: _FilePath | None = None
    sites: _FilePath | None = None
    hubs: _FilePath | None = None
    boundary_lines: _FilePath | None = None
    backbone_nodes: _FilePath | None = None
    backbone_edges: _FilePath | None = None


#: Sections added with service classes, redundancy and policy (docs/model.md).
OPTIONAL_SECTIONS = ("classes", "redundancy", "policy")


#: Accelerator classes of ``data/accelerators.csv`` (``siting.vintages`` reads the table).
ACCELERATOR_CLASSES = ("imported_high_end", "export_compliant", "domestic")
#: Years that ``data/demand_years.csv`` covers, first and last.
DEMAND_YEARS = (2023, 2030)
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
    unmet_penalty_cny_per_mw_year: float = Field(
        1.0e9,
        gt=0,
        le=MAX_CNY,
        description="Cost of a MW of demand not served (rented in), myopic runs, CNY/(MW·yr).",
    )

    @field_validator("years")
    @classmethod
    def _years(cls, years: list[int]) -> list[int]:
        first, last = DEMAND_YEARS
        for year in years:
            if not first <= year <= last:
                raise ValueError(f"expected years within {first}-{last} (demand_years.csv)")
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


class Scenario(_Section):
    """All assumptions of one optimisation run."""

    # names an output folder: letters, digits, '_', '.', '-', starting with a letter or digit
    # (never '.', '..' or a hidden folder)
    name: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    demand: Demand
    training: Training
    inference: Inference
    costs: Costs
    latency: Latency
    objective: Objective = Objective()
    classes: Classes = Classes()
    redundancy: Redundancy = Redundancy()
    policy: Policy = Policy()
    data: DataFiles = DataFiles()
    solve: Solve = Solve()
    horizon: Horizon | None = None

    @model_validator(mode="after")
    def _single_period_objective(self) -> Scenario:
        obj = self.objective
        if self.horizon is not None and (obj.classic or obj.sites is not None):
            msg = (
                "[objective] kind 'p-median', 'p-center', 'mclp', 'lscp' and sites apply to "
                "single-period runs; expected no [horizon] table with them"
            )
            raise ValueError(msg)
        return self

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as plain JSON-compatible data."""
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        """Return a SHA-256 of the scenario's content, stable across runs and machines.

        The ``[data]`` paths are left out (they differ between machines); the content of the
        data files is hashed by :meth:`DataPaths.content_hash`. ``[solve]`` is left out too.
        """
        content = self.to_dict()
        content.pop("data")
        content["objective"] = self.objective.hashed()
        for key in OPTIONAL_SECTIONS:  # at their defaults they leave the hash as it was
            if content[key] == type(getattr(self, key))().model_dump(mode="json"):
                content.pop(key)
        content.pop("solve")  # how it is solved, not what is solved
        if content["horizon"] is None:  # single-period scenarios keep the hash they had
            content.pop("horizon")
        if content["demand"]["rest_of_china"] == "omit":  # as before the switch existed
            content["demand"].pop("rest_of_china")
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """Return a new validated scenario with some keys changed.

        Parameters
        ----------
        overrides
            Dotted keys and their new values, e.g. ``{"demand.inference_sla_ms": 6}`` or
            ``{"demand.hub_sla_ms.shanghai": 8.0, "name": "tight"}``.

        Returns
        -------
        Scenario

        Raises
        ------
        InputError
            Naming each unknown key or bad value; this scenario is unchanged.
        """
        raw = self.to_dict()
        for dotted, value in overrides.items():
            *tables, key = dotted.split(".")
            table = raw
            for part in tables:
                table = table.setdefault(part, {})
                if not isinstance(table, dict):
                    expected = f"{part!r} is a value, not a table; got key {dotted!r}"
                    raise InputError([Problem("overrides", dotted, key, expected)])
            table[key] = value
        return parse_scenario(raw, source="overrides")


#: Runners of single-period scenarios; a ``[horizon]`` scenario is planned by ``siting plan``.
SINGLE_PERIOD_RUNNERS = ("optimize", "compare", "audit", "robust", "whynot", "tradeoff", "classic")
#: Runners that compare costs: a classic location model (no costs) is refused by them.
COST_RUNNERS = ("audit", "robust", "whynot")
#: Runners of ``[horizon]`` scenarios (``batch`` takes both kinds, each point by its own).
HORIZON_RUNNERS = ("plan",)
#: Why a family is refused over a ``[horizon]``, and how to leave it out.
_NOT_OVER_HORIZON = (
    "not yet modelled over a [horizon] (multi-period runs: docs/model.md, 'Multi-period "
    "model'); remove it{off}, or plan a single year with siting optimize"
)


def horizon_gaps(scenario: Scenario, source: str) -> list[Problem]:
    """List the keys a ``[horizon]`` scenario sets that the multi-period model does not write.

    Failover reserves, compute vouchers and green power are single-period families; training
    demand over a horizon is the national row of ``data/demand_years.csv``, so
    ``training_share`` would be ignored.

    Parameters
    ----------
    scenario
        The scenario (with or without a ``[horizon]`` table; without, nothing is listed).
    source
        The scenario file or name, for messages.

    Returns
    -------
    list of Problem
        One per key, naming its table; empty if the horizon model writes every family set.
    """
    if scenario.horizon is None:
        return []
    off = " (or set it to 0)"
    found = []
    if scenario.redundancy.failover_share > 0:
        found.append(("[redundancy]", "failover_share", _NOT_OVER_HORIZON.format(off=off)))
    for name, klass in scenario.classes.root.items():
        if klass.failover_share:
            where = f"[classes.{name}]"
            found.append((where, "failover_share", _NOT_OVER_HORIZON.format(off=off)))
    policy = scenario.policy
    if policy.compute_vouchers:
        found.append(
            ("[policy]", "compute_vouchers", _NOT_OVER_HORIZON.format(off=" (or set it to false)"))
        )
    if policy.green_share > 0:
        found.append(("[policy]", "green_share", _NOT_OVER_HORIZON.format(off=off)))
    if scenario.demand.training_share is not None:
        expected = (
            "not used over a [horizon]: each year's training demand is the national row of "
            "data/demand_years.csv (docs/model.md, 'Multi-period model'); remove it"
        )
        found.append(("[demand]", "training_share", expected))
    return [Problem(source, table, key, expected) for table, key, expected in found]


def check_runner(scenario: Scenario, runner: str, *, source: str | None = None) -> None:
    """Refuse a scenario that a runner would not model as written, before any data loads.

    One check for every runner (docs/model.md, "What each runner models"): single-period
    runners refuse a ``[horizon]`` table (naming ``siting plan``), and those that compare
    costs (:data:`COST_RUNNERS`) a classic objective kind; ``plan`` needs a horizon, and
    refuses the families the multi-period model does not write (:func:`horizon_gaps`);
    ``batch`` checks each point as ``plan`` if it has a horizon.

    Parameters
    ----------
    scenario
        The validated scenario.
    runner
        ``"plan"``, ``"batch"`` or one of :data:`SINGLE_PERIOD_RUNNERS`.
    source
        The scenario file or name, for messages (default the scenario's name).

    Raises
    ------
    InputError
        Naming the runner or the scenario, the table, the key and what was expected.
    """
    where = source or f"scenario {scenario.name!r}"
    if runner in SINGLE_PERIOD_RUNNERS:
        if scenario.horizon is not None:
            expected = (
                f"a single-period scenario; {scenario.name!r} has a [horizon] table, so plan "
                f"it with 'siting plan {scenario.name}' (siting.plan.run_plan)"
            )
            raise InputError([Problem(runner, "", "SCENARIO", expected)])
        if runner in COST_RUNNERS and scenario.objective.classic:
            expected = (
                f"objective kind 'cost' or 'margin' ({runner} compares costs); a "
                f"{scenario.objective.kind} model is uncapacitated and has no costs to compare"
            )
            raise InputError([Problem(where, "[objective]", "kind", expected)])
        return
    if runner in HORIZON_RUNNERS and scenario.horizon is None:
        expected = "a [horizon] table (years, foresight, ...), e.g. the shipped '2023-2030'"
        raise InputError([Problem(where, "[horizon]", "years", expected)])
    problems = horizon_gaps(scenario, where)
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class DataPaths:
    """Resolved paths of the input layers."""

    provinces: Path
    province_attributes: Path
    sites: Path
    hubs: Path
    boundary_lines: Path | None = None
    backbone_nodes: Path | None = None
    backbone_edges: Path | None = None

    def content_hash(self) -> str:
        """Return a SHA-256 over the bytes of every input file, in a fixed order."""
        digest = hashlib.sha256()
        for path in vars(self).values():
            if path is not None and Path(path).is_file():
                digest.update(Path(path).read_bytes())
        return digest.hexdigest()


_DEFAULT_FILES = {
    "provinces": "provinces.geojson",
    "province_attributes": "provinces.csv",
    "sites": "sites.csv",
    "hubs": "hubs.csv",
    "boundary_lines": "boundary_lines.geojson",
    "backbone_nodes": "backbone_nodes.csv",
    "backbone_edges": "backbone_edges.csv",
}

#: Input files a scenario may go without (they are skipped when missing).
_OPTIONAL_FILES = ("boundary_lines", "backbone_nodes", "backbone_edges")


def data_paths(scenario: Scenario, base_dir: Path | None = None) -> DataPaths:
    """Resolve a scenario's input files.

    Parameters
    ----------
    scenario
        The scenario whose ``[data]`` table names the files.
    base_dir
        Folder that relative paths are taken from (the scenario file's folder).

    Returns
    -------
    DataPaths
        Files named in the scenario, else the shipped layers in ``settings.data_dir``.

    Raises
    ------
    InputError
        If a shipped layer is needed and ``settings.data_dir`` is missing.
    """
    resolved: dict[str, Path | None] = {}
    shipped = Path(settings.data_dir)
    required = [k for k in _DEFAULT_FILES if k not in _OPTIONAL_FILES]
    if not shipped.is_dir() and None in {getattr(scenario.data, k) for k in required}:
        expected = (
            "the shipped input layers are missing (they install as package data in "
            "siting/data/); reinstall siting, or name every file in the scenario's [data]"
        )
        raise InputError([Problem(str(shipped), "", "data_dir", expected)])
    for key, default in _DEFAULT_FILES.items():
        given = getattr(scenario.data, key)
        if given is None:
            path = Path(settings.data_dir) / default
            resolved[key] = path if key not in _OPTIONAL_FILES or path.exists() else None
        else:
            path = Path(given)
            resolved[key] = path if path.is_absolute() else (base_dir or Path.cwd()) / path
    return DataPaths(**resolved)  # type: ignore[arg-type]


def default_scenario_path() -> Path:
    """Return the path of the shipped default scenario."""
    return Path(settings.scenario_dir) / "default.toml"


def shipped_scenarios() -> dict[str, str]:
    """Return the shipped scenarios' names and descriptions, in name order.

    Returns
    -------
    dict
        Description by name (empty if a scenario has none).
    """
    return shipped_descriptions(Path(settings.scenario_dir), read_scenario_table)


def shipped_descriptions(folder: Path, read: Callable[[Path], dict[str, Any]]) -> dict[str, str]:
    """Return the names and descriptions of the TOML files in a folder, in name order.

    Parameters
    ----------
    folder
        The folder of shipped files (scenarios or sweeps).
    read
        Reads one file into its table.

    Returns
    -------
    dict
        Description by name (empty if a file has none).
    """
    rows = {}
    for path in sorted(folder.glob("*.toml")):
        description = read(path).get("description", "")
        rows[path.stem] = description if isinstance(description, str) else ""
    return rows


def resolve_scenario_path(name_or_path: str | Path | None) -> Path:
    """Turn a scenario file path, a shipped scenario name or ``None`` into a file path.

    Parameters
    ----------
    name_or_path
        A path to a TOML file, the name of a shipped scenario (``"default"``), or ``None``
        for the default scenario.

    Returns
    -------
    Path
        The scenario file.
    """
    if name_or_path is None:
        return default_scenario_path()
    path = Path(name_or_path)
    if path.suffix != ".toml" and not path.exists():
        shipped = Path(settings.scenario_dir) / f"{name_or_path}.toml"
        if shipped.exists():
            return shipped
    return path


def load_scenario(name_or_path: str | Path | None = None) -> tuple[Scenario, DataPaths]:
    """Read and validate a scenario file and resolve its data files.

    Parameters
    ----------
    name_or_path
        See :func:`resolve_scenario_path`.

    Returns
    -------
    tuple of Scenario and DataPaths

    Raises
    ------
    InputError
        If the file is missing, is not valid TOML, has an unknown key or a bad value, or names
        a data file that does not exist. Each problem names the file of the ``extends`` chain
        that set the key.
    """
    path = resolve_scenario_path(name_or_path)
    origins: dict[tuple[str, ...], str] = {}
    scenario = parse_scenario(
        read_scenario_table(path, origins=origins), source=str(path), origins=origins
    )
    paths = data_paths(scenario, path.parent)
    check_data_files(paths, source=str(path), origins=origins)
    # Store the resolved files, so the scenario stands on its own (e.g. when a variant of it
    # is built in memory); the content hash leaves [data] out.
    files = {k: str(v) for k, v in vars(paths).items() if v is not None}
    return scenario.model_copy(update={"data": DataFiles(**files)}), paths


def check_data_files(
    paths: DataPaths, *, source: str, origins: dict[tuple[str, ...], str] | None = None
) -> None:
    """Check that every input file a scenario names exists and is a file.

    Parameters
    ----------
    paths
        The resolved files.
    source
        The scenario file, for messages.
    origins
        Which file of an ``extends`` chain set each key (see :func:`read_scenario_table`).

    Raises
    ------
    InputError
        Naming the scenario file, ``[data]``, the key and the path of every missing file.
    """
    problems = []
    for key, value in vars(paths).items():
        if value is None or Path(value).is_file():
            continue
        what = "is a folder" if Path(value).is_dir() else "no such file"
        where = (origins or {}).get(("data", key), source)
        problems.append(Problem(where, "[data]", key, f"{what}: {value}; expected a data file"))
    if problems:
        raise InputError(problems)


def read_toml(path: Path, *, what: str = "TOML file") -> dict[str, Any]:
    """Read a TOML file (UTF-8, with or without a byte-order mark).

    Parameters
    ----------
    path
        The file.
    what
        What the file should be, for messages.

    Returns
    -------
    dict

    Raises
    ------
    InputError
        If the file is missing, not UTF-8 text or not valid TOML.
    """
    text = read_text(path, what=f"a {what}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(str(path), "", "", f"not valid TOML: {exc}")]) from None


def read_scenario_table(
    path: Path,
    *,
    origins: dict[tuple[str, ...], str] | None = None,
    _seen: tuple[Path, ...] = (),
) -> dict[str, Any]:
    """Read a scenario file as a table, with the scenario it ``extends`` merged underneath.

    A file may say ``extends = "default"`` (a shipped scenario) or ``extends = "base.toml"``
    (a path relative to it) and then override any key; tables merge key by key. The relative
    ``[data]`` paths of a parent are made absolute against the parent's folder.

    Parameters
    ----------
    path
        The scenario file.
    origins
        If given, filled with the file that set each key, by key path (``("demand",
        "training_mw")``), so a bad value is reported on the file it is in.

    Returns
    -------
    dict
        Tables and keys, not yet validated.

    Raises
    ------
    InputError
        If a file is missing or not valid TOML, the chain of ``extends`` loops, or a file that
        extends another has no ``name`` of its own.
    """
    if not path.is_file() and not path.is_dir():
        shipped = sorted(p.stem for p in Path(settings.scenario_dir).glob("*.toml"))
        expected = (
            f"no such file{did_you_mean(path.stem, shipped)}; expected a scenario TOML file or "
            f"a shipped scenario ({', '.join(shipped)})"
        )
        raise InputError([Problem(str(path), "", "", expected)])
    raw = read_toml(path, what="scenario TOML file")
    parent_name = raw.pop("extends", None)
    if parent_name is None:
        _record_origins(raw, str(path), origins)
        return raw
    if not isinstance(parent_name, str) or not parent_name.strip() or "\x00" in parent_name:
        expected = f"expected a scenario name or file, got {parent_name!r}"
        raise InputError([Problem(str(path), "top level", "extends", expected)])
    if "name" not in raw:
        expected = "missing; a scenario that extends another needs a name of its own"
        raise InputError([Problem(str(path), "top level", "name", expected)])
    relative = path.parent / parent_name
    parent = relative if relative.suffix == ".toml" else resolve_scenario_path(parent_name)
    if parent.resolve() in _seen or parent.resolve() == path.resolve():
        chain = " -> ".join(p.name for p in (*_seen, path.resolve(), parent.resolve()))
        raise InputError([Problem(str(path), "top level", "extends", f"a loop: {chain}")])
    if not parent.is_file():
        shipped = sorted(p.stem for p in Path(settings.scenario_dir).glob("*.toml"))
        expected = (
            f"no scenario {parent_name!r}{did_you_mean(Path(parent_name).stem, shipped)}: "
            f"neither a file beside this one nor a shipped scenario ({', '.join(shipped)})"
        )
        raise InputError([Problem(str(path), "top level", "extends", expected)])
    base = read_scenario_table(parent, origins=origins, _seen=(*_seen, path.resolve()))
    data = base.get("data", {})
    for key, value in data.items() if isinstance(data, dict) else ():
        if isinstance(value, str) and value and not Path(value).is_absolute():
            data[key] = str((parent.parent / value).resolve())
    _record_origins(raw, str(path), origins)
    return merge_tables(base, raw)


def _record_origins(
    table: dict[str, Any],
    source: str,
    origins: dict[tuple[str, ...], str] | None,
    prefix: tuple[str, ...] = (),
) -> None:
    if origins is None:
        return
    for key, value in table.items():
        origins[(*prefix, key)] = source
        if isinstance(value, dict):
            _record_origins(value, source, origins, (*prefix, key))


def merge_tables(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge two scenario tables: keys of ``override`` win, sub-tables merge recursively.

    Parameters
    ----------
    base
        The table underneath.
    override
        The table on top.

    Returns
    -------
    dict
        A new table; neither input is changed.
    """
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_tables(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_scenario(
    raw: dict[str, Any],
    *,
    source: str = "<scenario>",
    origins: dict[tuple[str, ...], str] | None = None,
) -> Scenario:
    """Validate a scenario given as a mapping (as read from TOML).

    Parameters
    ----------
    raw
        Tables and keys as in a scenario file.
    source
        Name used in error messages.
    origins
        The file that set each key (see :func:`read_scenario_table`); a problem is reported
        on that file, else on ``source``.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        Listing every unknown key, missing key and bad value.
    """
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_problems(exc, source, origins or {})) from None


def _problems(
    exc: ValidationError, source: str, origins: dict[tuple[str, ...], str]
) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(str(part) for part in err["loc"])
        key = loc[-1] if loc else ""
        table = f"[{'.'.join(loc[:-1])}]" if len(loc) > 1 else "top level"
        # the file that set the key (a missing key is the top file's to add)
        found = () if err["type"] == "missing" else range(len(loc), 0, -1)
        where = next((origins[loc[:n]] for n in found if loc[:n] in origins), "")
        expected = _expected(err)
        if err["type"] == "extra_forbidden":
            expected = expected.replace(";", did_you_mean(key, _keys_at(loc[:-1])) + ";", 1)
        problems.append(Problem(where or source, table, key, expected))
    return problems


def _keys_at(loc: tuple[str, ...]) -> list[str]:
    """Return the keys a scenario table takes, by its path (``("demand",)``); none if unknown."""
    model: Any = Scenario
    for part in loc:
        if model is Classes:
            model = ServiceClass
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = next(
            (
                t
                for t in (field.annotation, *get_args(field.annotation))
                if isinstance(t, type) and issubclass(t, BaseModel)
            ),
            None,
        )
        if model is None:
            return []
    return [] if model is Classes else list(model.model_fields)


def _expected(err: Any) -> str:
    """Say in words what a pydantic error means for a scenario key."""
    kind, given = err["type"], err.get("input")
    if kind == "extra_forbidden":
        return "unknown key; see siting/scenarios/default.toml for the keys"
    if kind == "missing":
        return "missing; this key is required"
    if kind == "value_error":  # a rule across keys: its message says it all
        return err["msg"].removeprefix("Value error, ")
    if kind == "string_too_short":
        return "empty; expected a non-empty text (a file path for [data])"
    if kind == "finite_number":
        return f"expected a finite number, got {given!r}"
    if kind in ("float_type", "int_type", "int_from_float"):
        number = "an integer" if kind != "float_type" else "a number"
        return f"expected {number}, got {type(given).__name__} {given!r}"
    if kind in ("dict_type", "model_type"):
        return f"expected a table, got {type(given).__name__} {given!r}"
    bound = " (a bound that no real input comes near)" if kind == "less_than_equal" else ""
    msg = err["msg"]  # "String should match pattern '^[A-Z]...'": lower the first letter only
    return f"{msg[:1].lower()}{msg[1:]}{bound}; got {given!r}"
