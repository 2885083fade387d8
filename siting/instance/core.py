"""The :class:`Instance`: the records of one optimisation instance and the scalars beside them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from siting.instance.classes import ServiceClasses
from siting.instance.hubs import Hubs
from siting.instance.pairs import Pairs
from siting.instance.policy import PolicyRows
from siting.instance.sites import Sites
from siting.instance.types import FloatArray, IntArray
from siting.scenario import CLASSIC_KINDS


@dataclass(frozen=True)
class Instance:
    """Everything the MILP needs, as records over sites, hubs, pairs and service classes.

    Streams are (class, hub) demands, numbered ``g = q * H + h``; workloads ``w`` are training,
    then each service class (length ``W = 1 + C``).

    Attributes
    ----------
    sites, hubs, pairs, classes
        The records (:class:`Sites`, :class:`Hubs`, :class:`Pairs`, :class:`ServiceClasses`).
    staff_per_mw
        Staff needed per MW hosted, FTE/MW, shape (W,).
    training_mw
        National training demand, MW.
    min_cluster_mw
        Smallest training deployment at a site hosting any, MW.
    rent
        Rental revenue per MW hosted, CNY/(MW·yr), shape (W,).
    maximise_margin
        Maximise revenue minus cost with demand as an upper bound (else serve all demand at
        least cost).
    policy
        The policy families' rows (:class:`PolicyRows`).
    objective_kind
        ``"cost"``, ``"margin"`` or a classic location model: ``"p-median"``, ``"p-center"``,
        ``"mclp"``, ``"lscp"`` (docs/model.md, "Classic location models"). A classic kind's
        pairs are all (hub, site) pairs (p-median, p-center) or those within the coverage
        radius (``classes.sla_ms``; mclp, lscp).
    site_count
        ``p`` of the site-count row (0: no row).
    site_count_rule
        ``"exactly"`` (``Σ y_s = p``) or ``"at_most"`` (``Σ y_s ≤ p``).
    """

    sites: Sites
    hubs: Hubs
    pairs: Pairs
    classes: ServiceClasses
    staff_per_mw: FloatArray
    training_mw: float
    min_cluster_mw: float
    rent: FloatArray = field(default_factory=lambda: np.zeros(2))
    maximise_margin: bool = False
    policy: PolicyRows = field(default_factory=PolicyRows)
    objective_kind: str = "cost"
    site_count: int = 0
    site_count_rule: str = "exactly"

    @classmethod
    def one_class(
        cls,
        sites: Sites,
        hub_ids: NDArray[np.str_],
        demand_mw: FloatArray,
        sla_ms: FloatArray,
        *,
        pair_hub: IntArray,
        pair_site: IntArray,
        pair_km: FloatArray,
        pair_rtt_ms: FloatArray,
        pair_cost: FloatArray,
        max_site_share: float = 1.0,
        nearest_site: IntArray | None = None,
        nearest_rtt_ms: FloatArray | None = None,
        **rest: Any,
    ) -> Instance:
        """Make an instance with one service class from per-hub demand and SLA (tests, notebooks).

        Parameters
        ----------
        sites
            The sites.
        hub_ids
            The hubs, shape (H,).
        demand_mw
            Inference demand of each hub, MW, shape (H,).
        sla_ms
            Round-trip limit of each hub, ms, shape (H,).
        pair_hub, pair_site, pair_km, pair_rtt_ms, pair_cost
            The admissible pairs, sorted by hub then site (:class:`Pairs`).
        max_site_share
            Largest share of a hub's demand one site may serve (1 = no limit).
        nearest_site, nearest_rtt_ms
            Each hub's lowest-RTT site and that RTT (:class:`ServiceClasses`).
        **rest
            The other fields of :class:`Instance` (``staff_per_mw``, ``training_mw``...).

        Returns
        -------
        Instance
        """
        pairs = Pairs(
            hub=np.asarray(pair_hub, np.int64),
            site=np.asarray(pair_site, np.int64),
            service_class=np.zeros(len(pair_hub), np.int64),
            km=np.asarray(pair_km, float),
            rtt_ms=np.asarray(pair_rtt_ms, float),
            cost=np.asarray(pair_cost, float),
        )
        hubs = Hubs(np.asarray(hub_ids), np.asarray(demand_mw, float))
        classes = ServiceClasses.one(sla_ms, max_site_share, nearest_site, nearest_rtt_ms)
        return cls(sites=sites, hubs=hubs, pairs=pairs, classes=classes, **rest)

    @property
    def n_sites(self) -> int:
        """Number of candidate sites."""
        return len(self.sites.ids)

    @property
    def n_hubs(self) -> int:
        """Number of demand hubs."""
        return len(self.hubs.ids)

    @property
    def n_pairs(self) -> int:
        """Number of admissible pairs."""
        return len(self.pairs.hub)

    @property
    def n_service_classes(self) -> int:
        """Number of inference service classes."""
        return len(self.classes.names)

    @property
    def classic(self) -> bool:
        """Whether the objective is a classic location model (no capacity side)."""
        return self.objective_kind in CLASSIC_KINDS

    @property
    def n_streams(self) -> int:
        """Number of (class, hub) demand streams, numbered ``q * H + h``."""
        return self.n_service_classes * self.n_hubs

    @property
    def stream_demand_mw(self) -> FloatArray:
        """Demand of each stream ``q * H + h``, MW, shape (C·H,)."""
        return np.outer(self.classes.share, self.hubs.demand_mw).ravel()

    @property
    def pair_stream(self) -> IntArray:
        """Stream of each pair, ``q * H + h``, shape (K,)."""
        return self.pairs.service_class * self.n_hubs + self.pairs.hub

    @property
    def pair_workload(self) -> IntArray:
        """Workload row of each pair in ``opex``, ``staff_per_mw``, ``rent``: ``1 + q``."""
        return 1 + self.pairs.service_class

    @property
    def stream_share_cap(self) -> FloatArray:
        """Largest share of a stream's demand one site may serve, shape (C·H,)."""
        return np.repeat(np.minimum(self.classes.share_cap, 1.0), self.n_hubs)

    @property
    def pair_upper_mw(self) -> FloatArray:
        """Upper bound of each pair's flow, ``min(ρ_q D_qh, C_s)``, MW, shape (K,)."""
        stream = self.stream_demand_mw * self.stream_share_cap
        return np.minimum(stream[self.pair_stream], self.sites.capacity_mw[self.pairs.site])

    @property
    def stream_failover(self) -> FloatArray:
        """Failover share of each stream (0 = none), shape (C·H,)."""
        return np.repeat(self.classes.failover, self.n_hubs)
