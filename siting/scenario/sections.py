"""The scenario's core sections: demand, workloads, costs, latency, objective, solve and data.

Every section is a strict pydantic model: unknown keys, wrong types and out-of-range values
are rejected (:mod:`siting.scenario.schema` turns the rejections into clear messages).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    mip_gap: float | None = Field(
        None,
        gt=0,
        lt=1,
        description=(
            "Relative gap at which a solve of this scenario stops as optimal unless --gap says "
            "otherwise; default siting.settings.mip_gap."
        ),
    )


class DataFiles(_Section):
    """Input layers; relative paths are taken from the scenario file's folder."""

    provinces: _FilePath | None = None
    province_attributes: _FilePath | None = None
    sites: _FilePath | None = None
    hubs: _FilePath | None = None
    boundary_lines: _FilePath | None = None
    backbone_nodes: _FilePath | None = None
    backbone_edges: _FilePath | None = None
