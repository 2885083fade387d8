"""One year's market: use allocated to capacity, captive first, and the clearing rents.

docs/model.md "Market for compute" gives the maths. Each segment's use (per hub for
inference, national for training) buys the cheapest admissible capacity: posted rent, network
cost and friction, within its SLA and data residency. Captive capacity serves its owner first
(a captive stage), then every segment buys on what is left (the market stage). Both stages are
LPs written with :class:`~siting.model.arrays.Builder` and solved by HiGHS; the duals of the
market stage's capacity rows are the clearing premiums over the posted rents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.errors import SolverError
from siting.market.data import OWNER_TYPES, ROLES
from siting.model.arrays import ArrayModel, Builder
from siting.solve.highs import new_highs, pass_model, run

#: The LPs are solved in M CNY (costs of 1e8 CNY per MW-year would strain HiGHS's tolerances).
SCALE = 1e6
#: MW below which an allocation or idle capacity is reported as none.
NEGLIGIBLE_MW = 1e-9
#: Clearing premiums below this, CNY per MW-year, are reported as none (a solver's noise).
PREMIUM_TOLERANCE = 1.0
#: Seconds each stage may take.
TIME_LIMIT = 600.0


@dataclass(frozen=True)
class MarketInputs:
    """One year's market, as arrays over sites ``S``, classes ``K``, hubs ``H``, segments ``G``.

    Attributes
    ----------
    site_ids, owner_type, province
        Per site (``owner_type`` one of :data:`~siting.market.data.OWNER_TYPES`).
    classes, domestic
        Per accelerator class: its name and whether it is domestic (the software-ecosystem
        penalty applies).
    capacity
        ``(S, K)``: MW of IT load of each class at each site in the year.
    rent
        ``(K,)``: posted rent, CNY per MW of IT load per year.
    factor
        ``(2, K)``: demand MW one MW of the class serves, row 0 training, row 1 inference
        (``Horizon.factor``; ones without classes).
    hub_ids, hub_province
        Per hub.
    rtt_ms, network_cny
        ``(H, S)``: round trip, and network cost per MW served per year (CNY), hub to site.
    inference
        ``(G, H)``: inference use of each segment at each hub, demand MW.
    training
        ``(G,)``: national training use of each segment, demand MW.
    segments, frictions
        As :func:`~siting.market.data.read_segments` and
        :func:`~siting.market.data.read_frictions` return them (``G`` rows, ``G × 4`` rows).
    discount
        ``(S, K)`` or ``None``: CNY per MW-year taken off the cost of buyers whose segment is
        not the site's captive owner (compute vouchers, ``siting.simulate.levers``); the site
        still earns the clearing rent (the issuer pays the difference).
    """

    site_ids: list[str]
    owner_type: np.ndarray
    province: np.ndarray
    classes: list[str]
    domestic: np.ndarray
    capacity: np.ndarray
    rent: np.ndarray
    factor: np.ndarray
    hub_ids: list[str]
    hub_province: np.ndarray
    rtt_ms: np.ndarray
    network_cny: np.ndarray
    inference: np.ndarray
    training: np.ndarray
    segments: pd.DataFrame
    frictions: pd.DataFrame
    discount: np.ndarray | None = None

    def __post_init__(self) -> None:
        n_s, n_k, n_h, n_g = (
            len(self.site_ids), len(self.classes), len(self.hub_ids), len(self.segments)
        )  # fmt: skip
        shapes = {
            "owner_type": (self.owner_type, (n_s,)),
            "province": (self.province, (n_s,)),
            "domestic": (self.domestic, (n_k,)),
            "capacity": (self.capacity, (n_s, n_k)),
            "rent": (self.rent, (n_k,)),
            "factor": (self.factor, (2, n_k)),
            "hub_province": (self.hub_province, (n_h,)),
            "rtt_ms": (self.rtt_ms, (n_h, n_s)),
            "network_cny": (self.network_cny, (n_h, n_s)),
            "inference": (self.inference, (n_g, n_h)),
            "training": (self.training, (n_g,)),
        }
        if self.discount is not None:
            shapes["discount"] = (self.discount, (n_s, n_k))
        for name, (value, shape) in shapes.items():
            if np.shape(value) != shape:
                raise ValueError(f"MarketInputs.{name} has shape {np.shape(value)}, not {shape}")
        if len(self.frictions) != n_g * len(OWNER_TYPES):
            raise ValueError("MarketInputs.frictions needs one row per segment and owner type")
        unknown = set(self.owner_type) - set(OWNER_TYPES)
        if unknown:
            raise ValueError(f"MarketInputs.owner_type holds unknown types {sorted(unknown)}")


def segment_use(
    segments: pd.DataFrame, hub_inference: np.ndarray, training: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split the year's use over the segments by their shares.

    Parameters
    ----------
    segments
        As :func:`~siting.market.data.read_segments` returns them.
    hub_inference
        ``(H,)``: inference use of each hub, demand MW.
    training
        National training use, demand MW.

    Returns
    -------
    tuple of numpy.ndarray
        ``inference`` ``(G, H)`` and ``training`` ``(G,)`` for :class:`MarketInputs`.
    """
    inference = np.outer(segments["inference_share"].to_numpy(float), hub_inference)
    return inference, segments["training_share"].to_numpy(float) * float(training)


@dataclass(frozen=True)
class Streams:
    """The streams of use: one per segment and hub for inference, one per segment for training.

    Attributes
    ----------
    segment, hub, role
        Indices per stream (``hub`` is ``-1`` for training; ``role`` indexes ``factor``).
    demand
        Use, demand MW.
    """

    segment: np.ndarray
    hub: np.ndarray
    role: np.ndarray
    demand: np.ndarray

    @classmethod
    def of(cls, m: MarketInputs) -> Streams:
        """Make the streams of ``m`` with use above 0, inference first."""
        g_inf, h_inf = np.nonzero(m.inference > 0)
        g_tr = np.flatnonzero(m.training > 0)
        return cls(
            segment=np.concatenate([g_inf, g_tr]),
            hub=np.concatenate([h_inf, np.full(len(g_tr), -1)]),
            role=np.concatenate([np.ones(len(g_inf), int), np.zeros(len(g_tr), int)]),
            demand=np.concatenate([m.inference[g_inf, h_inf], m.training[g_tr]]).astype(float),
        )


@dataclass(frozen=True)
class Stage:
    """One solved stage (``captive`` or ``market``) of the allocation.

    Attributes
    ----------
    name
        ``"captive"`` or ``"market"``.
    model
        The LP (in M CNY): columns ``use_j`` (one per admissible stream, site and class), then
        ``unserved_q``; rows ``demand_q``, then ``capacity_i`` for site-class ``i = s·K + k``.
    stream, site, klass
        Per ``use`` column: its stream, site and class.
    mw
        Per ``use`` column: MW of capacity used.
    unserved
        Per stream: unserved use, demand MW.
    capacity, demand
        The right-hand sides: ``(S, K)`` MW and per stream demand MW.
    row_dual
        HiGHS's duals of the rows, in M CNY per unit.
    objective
        CNY.
    """

    name: str
    model: ArrayModel
    stream: np.ndarray
    site: np.ndarray
    klass: np.ndarray
    mw: np.ndarray
    unserved: np.ndarray
    capacity: np.ndarray
    demand: np.ndarray
    row_dual: np.ndarray
    objective: float

    @property
    def use_cost(self) -> float:
        """What the stage's allocation costs, without its unserved use, CNY."""
        return float(self.model.cost[: len(self.mw)] @ self.mw) * SCALE

    @property
    def used(self) -> np.ndarray:
        """``(S, K)``: MW used of each site and class."""
        used = np.zeros(self.capacity.shape)
        np.add.at(used, (self.site, self.klass), self.mw)
        return used

    @property
    def premium(self) -> np.ndarray:
        """``(S, K)``: clearing premium, CNY per MW-year: minus the capacity rows' duals."""
        n_q = len(self.demand)
        return -self.row_dual[n_q:].reshape(self.capacity.shape) * SCALE


@dataclass(frozen=True)
class MarketResult:
    """The year's allocation, clearing rents, utilisation, revenue and idle capacity.

    Attributes
    ----------
    inputs
        What was allocated.
    captive, market
        The two stages.
    streams
        Per stream: ``segment``, ``hub_id`` (empty for training), ``role``, ``demand_mw``,
        ``captive_mw`` and ``market_mw`` (served, demand MW), ``unserved_mw``.
    allocation
        Per stage, stream, site and class with use: ``stage``, ``segment``, ``hub_id``,
        ``role``, ``site_id``, ``accelerator_class``, ``mw`` (of capacity),
        ``cost_cny_per_mw_year``.
    rents
        Per site and class: ``capacity_mw``, ``captive_mw``, ``market_mw``, ``idle_mw``,
        ``posted_rent``, ``clearing_premium``, ``clearing_rent`` (CNY per MW-year).
    sites
        Per site (per row of the inputs: a simulation's market has a row per hall, a site's
        owner type, and ``site_id`` repeats): ``capacity_mw``, ``captive_mw``, ``market_mw``,
        ``idle_mw``,
        ``utilisation`` (used ÷ capacity, NaN without capacity) and ``revenue_cny`` (the market
        MW at the clearing rent).
    """

    inputs: MarketInputs
    captive: Stage
    market: Stage
    streams: pd.DataFrame
    allocation: pd.DataFrame
    rents: pd.DataFrame
    sites: pd.DataFrame

    @property
    def cost_cny(self) -> float:
        """What the allocation costs: rents, network, frictions and unserved use, CNY.

        The captive stage's allocation plus the market stage's objective: the owners' use the
        captive stage leaves unserved is priced in the market stage, where it buys or stays
        unserved.
        """
        return self.captive.use_cost + self.market.objective

    def idle(self, by: str) -> pd.DataFrame:
        """Capacity and idle MW, and the idle share, by owner type, province or class.

        Parameters
        ----------
        by
            ``"owner_type"``, ``"province"`` or ``"accelerator_class"``.

        Returns
        -------
        pandas.DataFrame
            As :func:`idle_by`.
        """
        if by not in ("owner_type", "province", "accelerator_class"):
            raise ValueError(f"idle MW by owner_type, province or accelerator_class, not {by!r}")
        return idle_by(self.rents, by)


def idle_by(rents: pd.DataFrame, by: str) -> pd.DataFrame:
    """Capacity and idle MW, and the idle share, of ``rents`` (:attr:`MarketResult.rents`).

    Parameters
    ----------
    rents
        Per site and class: ``capacity_mw``, ``idle_mw`` and the column ``by``.
    by
        The column to sum by.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by``: ``capacity_mw``, ``idle_mw`` and ``idle_share`` (idle ÷ capacity,
        NaN without capacity).
    """
    out = rents.groupby(by, sort=True)[["capacity_mw", "idle_mw"]].sum()
    share = out["idle_mw"] / out["capacity_mw"].where(out["capacity_mw"] > 0)
    return out.assign(idle_share=share)


def allocate(m: MarketInputs, *, threads: int | None = None) -> MarketResult:
    """Allocate one year's use to capacity by the market: captive first, then the market.

    Parameters
    ----------
    m
        The year's market.
    threads
        HiGHS threads (its default when ``None``).

    Returns
    -------
    MarketResult

    Raises
    ------
    siting.errors.SolverError
        If HiGHS fails on a stage (the LPs are always feasible and bounded).
    """
    streams = Streams.of(m)
    reach = admissible(m, streams)
    owner = _owner_index(m.owner_type)
    captive_of = _captive_owner(m.segments)[streams.segment]  # owner index, -1 if none
    first = _solve(
        "captive", m, streams, reach & (owner[None, :] == captive_of[:, None]),
        m.capacity.astype(float), np.where(captive_of >= 0, streams.demand, 0.0), threads,
    )  # fmt: skip
    served = _served(m, streams, first)
    second = _solve(
        "market", m, streams, reach, np.maximum(m.capacity - first.used, 0.0),
        np.maximum(streams.demand - served, 0.0), threads,
    )  # fmt: skip
    return _result(m, streams, first, second)


def _owner_index(owner_type: np.ndarray) -> np.ndarray:
    return np.array([OWNER_TYPES.index(o) for o in owner_type], dtype=int)


def _captive_owner(segments: pd.DataFrame) -> np.ndarray:
    """Per segment: the index of the owner type whose capacity is its own, or -1."""
    return np.array(
        [OWNER_TYPES.index(o) if isinstance(o, str) else -1 for o in segments["captive_owner"]],
        dtype=int,
    )


def _friction(m: MarketInputs, column: str) -> np.ndarray:
    """``(G, O)``: one column of the frictions."""
    return m.frictions[column].to_numpy().reshape(len(m.segments), len(OWNER_TYPES))


def admissible(m: MarketInputs, st: Streams) -> np.ndarray:
    """``(Q, S)``: may stream ``q`` use site ``s`` (owner type, SLA and residency)."""
    owner = _owner_index(m.owner_type)
    ok = _friction(m, "admissible").astype(bool)[st.segment][:, owner]
    inference = st.role == ROLES.index("inference")
    hub = np.where(inference, st.hub, 0)
    sla = m.segments["sla_ms"].to_numpy(float)[st.segment]
    within = m.rtt_ms[hub] <= sla[:, None] if len(m.hub_ids) else np.ones(ok.shape, bool)
    resident = _friction(m, "residency")[st.segment][:, owner] == "province"
    same_province = (
        m.province[None, :] == m.hub_province[hub][:, None]
        if len(m.hub_ids)
        else np.ones(ok.shape, bool)
    )
    return ok & (~inference[:, None] | (within & (~resident | same_province)))


@dataclass(frozen=True)
class StageLP:
    """The LP of a stage over given (stream, site, class) triples, before it is packed.

    Attributes
    ----------
    builder
        Columns ``use_j`` (one per triple), then ``unserved_q``; rows ``demand_q``, then
        ``capacity_i`` for site-class ``i = s·K + k``; callers may add columns before packing.
    stream, site, klass
        Per ``use`` column.
    use, unserved, capacity_rows
        Column and row indices.
    """

    builder: Builder
    stream: np.ndarray
    site: np.ndarray
    klass: np.ndarray
    use: np.ndarray
    unserved: np.ndarray
    capacity_rows: np.ndarray


def stage_lp(
    m: MarketInputs,
    st: Streams,
    triples: tuple[np.ndarray, ...],
    capacity: np.ndarray,
    demand: np.ndarray,
) -> StageLP:
    """Write a stage's LP (docs/model.md, "The allocation LP") over the triples ``(q, s, k)``.

    Parameters
    ----------
    m, st
        The market and its streams.
    triples
        Stream, site and class of each use column (admissible ones).
    capacity, demand
        ``(S, K)`` MW and per-stream demand MW: the right-hand sides.
    """
    n_s, n_k = capacity.shape
    q, s, k = triples
    owner = _owner_index(m.owner_type)[s]
    g = st.segment[q]
    inference = st.role[q] == ROLES.index("inference")
    network = np.where(inference, m.network_cny[np.where(inference, st.hub[q], 0), s], 0.0)
    cost = (
        m.rent[k]
        + network
        + _friction(m, "premium_cny_per_mw_year")[g, owner]
        + _friction(m, "domestic_penalty_cny_per_mw_year")[g, owner] * m.domestic[k]
    )
    if m.discount is not None:  # vouchers: for buyers other than the site's captive owner
        cost = cost - m.discount[s, k] * (_captive_owner(m.segments)[g] != owner)
    penalty = m.segments["unserved_penalty_cny_per_mw_year"].to_numpy(float)[st.segment]
    n_q = len(st.demand)
    b = Builder()
    use = b.add_cols(("use_", np.arange(len(q))), cost / SCALE, np.inf)
    unserved = b.add_cols(("unserved_", np.arange(n_q)), penalty / SCALE, np.inf)
    rows = b.add_rows(("demand_", np.arange(n_q)), demand, demand)
    b.add_entries(rows[q], use, m.factor[st.role[q], k])
    b.add_entries(rows, unserved, 1.0)
    cap = b.add_rows(("capacity_", np.arange(n_s * n_k)), -np.inf, capacity.ravel())
    b.add_entries(cap[s * n_k + k], use, 1.0)
    return StageLP(b, q, s, k, use, unserved, cap)


def _solve(
    name: str,
    m: MarketInputs,
    st: Streams,
    reach: np.ndarray,
    capacity: np.ndarray,
    demand: np.ndarray,
    threads: int | None,
) -> Stage:
    """Build and solve one stage's LP over the admissible (stream, site, class) triples."""
    triples = np.nonzero(reach[:, :, None] & (capacity > 0)[None, :, :])
    lp = stage_lp(m, st, triples, capacity, demand)
    model = lp.builder.finish([])
    highs = new_highs(0.0, threads)
    pass_model(highs, model)
    out = run(highs, TIME_LIMIT, is_mip=False, duals=True)
    if out.state != "optimal" or out.x is None or out.row_dual is None:
        raise SolverError(f"the market's {name} stage: {out.words}")
    return Stage(
        name=name,
        model=model,
        stream=lp.stream,
        site=lp.site,
        klass=lp.klass,
        mw=out.x[lp.use],
        unserved=out.x[lp.unserved],
        capacity=capacity,
        demand=demand,
        row_dual=out.row_dual,
        objective=out.objective * SCALE,
    )


def _served(m: MarketInputs, st: Streams, stage: Stage) -> np.ndarray:
    """Per stream: use served in the stage, demand MW."""
    served = m.factor[st.role[stage.stream], stage.klass] * stage.mw
    return np.bincount(stage.stream, served, len(st.demand))


def _result(m: MarketInputs, st: Streams, first: Stage, second: Stage) -> MarketResult:
    segment_ids = m.segments["segment"].to_numpy()
    hub_ids = np.array([*m.hub_ids, ""], dtype=object)  # -1: training, no hub
    roles = np.array(ROLES)
    streams = pd.DataFrame(
        {
            "segment": segment_ids[st.segment],
            "hub_id": hub_ids[st.hub],
            "role": roles[st.role],
            "demand_mw": st.demand,
            "captive_mw": _served(m, st, first),
            "market_mw": _served(m, st, second),
            "unserved_mw": second.unserved,
        }
    )
    allocation = pd.concat([_allocation(m, st, stage, hub_ids) for stage in (first, second)])
    n_s, n_k = m.capacity.shape
    captive, market = first.used, second.used
    premium = second.premium + 0.0  # -0.0 (a slack row) reads as 0
    idle = m.capacity - captive - market
    idle = np.where(idle > NEGLIGIBLE_MW, idle, 0.0)
    clearing = m.rent[None, :] + premium
    rents = pd.DataFrame(
        {
            "site_id": np.repeat(m.site_ids, n_k),
            "owner_type": np.repeat(m.owner_type, n_k),
            "province": np.repeat(m.province, n_k),
            "accelerator_class": np.tile(m.classes, n_s),
            "capacity_mw": m.capacity.ravel().astype(float),
            "captive_mw": captive.ravel(),
            "market_mw": market.ravel(),
            "idle_mw": idle.ravel(),
            "posted_rent": np.tile(m.rent.astype(float), n_s),
            "clearing_premium": premium.ravel(),
            "clearing_rent": clearing.ravel(),
        }
    )
    capacity = m.capacity.sum(axis=1).astype(float)
    used = (captive + market).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        utilisation = np.where(capacity > 0, used / capacity, np.nan)
    sites = pd.DataFrame(
        {
            "site_id": m.site_ids,
            "owner_type": m.owner_type,
            "province": m.province,
            "capacity_mw": capacity,
            "captive_mw": captive.sum(axis=1),
            "market_mw": market.sum(axis=1),
            "idle_mw": idle.sum(axis=1),
            "utilisation": utilisation,
            "revenue_cny": (market * clearing).sum(axis=1),
        }
    )
    return MarketResult(m, first, second, streams, allocation, rents, sites)


def _allocation(m: MarketInputs, st: Streams, stage: Stage, hub_ids: np.ndarray) -> pd.DataFrame:
    keep = stage.mw > NEGLIGIBLE_MW
    q = stage.stream[keep]
    return pd.DataFrame(
        {
            "stage": stage.name,
            "segment": m.segments["segment"].to_numpy()[st.segment[q]],
            "hub_id": hub_ids[st.hub[q]],
            "role": np.array(ROLES)[st.role[q]],
            "site_id": np.asarray(m.site_ids)[stage.site[keep]],
            "accelerator_class": np.asarray(m.classes)[stage.klass[keep]],
            "mw": stage.mw[keep],
            "cost_cny_per_mw_year": stage.model.cost[: len(stage.mw)][keep] * SCALE,
        }
    )


def owner_sites(result: MarketResult, places: pd.DataFrame) -> pd.DataFrame:
    """Return a market's table for the owner map (:func:`siting.maps.owners.make_owner_map`).

    Parameters
    ----------
    result
        The market: a row of its ``sites`` per site, or per hall of a simulation.
    places
        The layers' sites: ``site_id``, ``name``, ``lon`` and ``lat``.

    Returns
    -------
    pandas.DataFrame
        ``result.sites``' rows with their site's name and position, ``used_mw`` (captive plus
        market MW) and ``clearing_premium``: the largest of the row's classes' premia over
        the posted rent (0 below :data:`PREMIUM_TOLERANCE`), CNY per MW-year.
    """
    rents, keys = result.rents, ["site_id", "owner_type"]
    premium = rents["clearing_premium"].where(rents["clearing_premium"] > PREMIUM_TOLERANCE, 0.0)
    largest = premium.groupby([rents[k] for k in keys]).max()
    sites = result.sites.merge(
        pd.DataFrame(places[["site_id", "name", "lon", "lat"]]),
        on="site_id", how="left", validate="many_to_one",
    )  # fmt: skip
    return sites.assign(
        used_mw=sites["captive_mw"] + sites["market_mw"],
        clearing_premium=largest.reindex(pd.MultiIndex.from_frame(sites[keys])).to_numpy(float),
    )
