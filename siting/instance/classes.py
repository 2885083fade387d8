"""Service classes: each class's demand, latency limit and redundancy at every hub."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from siting.instance.types import FloatArray, IntArray
from siting.latency import Layer
from siting.scenario import Scenario


@dataclass(frozen=True)
class ServiceClasses:
    """The inference service classes ``q`` (docs/model.md, "Service classes").

    A scenario without ``[classes]`` has one, ``inference``. The workload axis of
    :attr:`Sites.opex`, :attr:`Sites.energy_mwh`, :attr:`Sites.emissions_t`,
    :attr:`Instance.staff_per_mw` and :attr:`Instance.rent` is training then each class.

    Attributes
    ----------
    names
        Class names, shape (C,).
    share
        Share of each hub's demand (:attr:`Hubs.demand_mw`) in the class, shape (C,).
    sla_ms
        Round-trip limit at each hub, at the class's layer, ms, shape (C, H); a classic kind
        with a coverage radius holds the radius.
    share_cap
        Largest share of a hub's class demand one site may serve, ``min(ρ, ρ_q, 1/k_q)``,
        shape (C,).
    min_sites
        Fewest sites serving each hub's class demand (``k_q``), shape (C,).
    failover
        Failover share (0 = none), shape (C,).
    layer
        Latency layer of the class's SLA, shape (C,).
    nearest_site, nearest_rtt_ms
        For each hub the lowest-RTT site at the class's layer and that RTT, whether within the
        SLA or not (diagnostics), shape (C, H).
    """

    names: NDArray[np.str_]
    share: FloatArray
    sla_ms: FloatArray
    share_cap: FloatArray
    min_sites: IntArray
    failover: FloatArray
    layer: NDArray[np.str_]
    nearest_site: IntArray
    nearest_rtt_ms: FloatArray

    @classmethod
    def one(
        cls,
        sla_ms: FloatArray,
        max_site_share: float = 1.0,
        nearest_site: IntArray | None = None,
        nearest_rtt_ms: FloatArray | None = None,
    ) -> ServiceClasses:
        """Make the one class ``inference`` of a scenario without ``[classes]``.

        Parameters
        ----------
        sla_ms
            Round-trip limit of each hub, ms, shape (H,).
        max_site_share
            Largest share of a hub's demand one site may serve (1 = no limit).
        nearest_site, nearest_rtt_ms
            Each hub's lowest-RTT site and that RTT, shape (H,) (default: site 0 at an unknown RTT).

        Returns
        -------
        ServiceClasses
        """
        hubs = len(sla_ms)
        near = np.zeros(hubs, np.int64) if nearest_site is None else nearest_site
        near_ms = np.full(hubs, np.nan) if nearest_rtt_ms is None else nearest_rtt_ms
        return cls(
            names=np.array(["inference"]),
            share=np.ones(1),
            sla_ms=np.asarray(sla_ms, float).reshape(1, hubs),
            share_cap=np.array([min(max_site_share, 1.0)]),
            min_sites=np.ones(1, np.int64),
            failover=np.zeros(1),
            layer=np.array(["ip"]),
            nearest_site=np.asarray(near, np.int64).reshape(1, hubs),
            nearest_rtt_ms=np.asarray(near_ms, float).reshape(1, hubs),
        )


@dataclass(frozen=True)
class ClassTerms:
    """One service class as the scenario states it (docs/model.md, "Service classes").

    ``sla_ms`` is a round trip at ``layer`` (``None``: the hubs' SLAs of ``[demand]``).
    """

    name: str
    share: float
    sla_ms: float | None
    layer: Layer
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


def build_classes(
    terms: list[ClassTerms],
    sla_ms: FloatArray,
    rtt_ms: FloatArray,
    max_site_share: float,
) -> ServiceClasses:
    """Gather the classes' shares, limits and redundancy, and find their nearest sites.

    Parameters
    ----------
    terms
        The classes (:func:`service_classes`).
    sla_ms
        Each class's round-trip limit at each hub, ms, shape (C, H).
    rtt_ms
        Round-trip times at each class's layer, shape (C, H, S).
    max_site_share
        ``ρ``: largest share of a hub's demand one site may serve, ``[demand]``.

    Returns
    -------
    ServiceClasses
    """
    empty = rtt_ms.size == 0
    return ServiceClasses(
        names=np.array([c.name for c in terms], dtype=str),
        share=np.array([c.share for c in terms], dtype=float),
        sla_ms=sla_ms,
        share_cap=np.array([min(max_site_share, c.max_share, 1.0 / c.min_sites) for c in terms]),
        min_sites=np.array([c.min_sites for c in terms], dtype=np.int64),
        failover=np.array([c.failover for c in terms], dtype=float),
        layer=np.array([c.layer for c in terms], dtype=str),
        nearest_site=np.zeros((len(terms), 0), np.int64) if empty else rtt_ms.argmin(axis=2),
        nearest_rtt_ms=np.zeros((len(terms), 0)) if empty else rtt_ms.min(axis=2),
    )
