"""Pairs: the admissible (service class, hub, site) triples and what serving over them costs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.instance.types import FloatArray, IntArray


@dataclass(frozen=True)
class Pairs:
    """The admissible pairs ``k``, sorted by service class, hub, site.

    Attributes
    ----------
    hub, site, service_class
        Hub, site and service class of each pair, shape (K,): the site is within the class's
        SLA at the hub (a classic kind's pairs: see :attr:`Instance.objective_kind`).
    km
        Fibre route length, km, shape (K,).
    rtt_ms
        Round-trip time at the class's latency layer, ms, shape (K,).
    cost
        Network cost per MW served, CNY/(MW·yr), shape (K,).
    """

    hub: IntArray
    site: IntArray
    service_class: IntArray
    km: FloatArray
    rtt_ms: FloatArray
    cost: FloatArray


def build_pairs(
    rtt_ms: FloatArray,
    sla_ms: FloatArray,
    km: FloatArray,
    network_cny_per_mw_km: float,
    max_sites: int | None,
) -> Pairs:
    """Find each class's admissible pairs and cost them.

    Parameters
    ----------
    rtt_ms
        Round-trip times at each class's layer, shape (C, H, S).
    sla_ms
        Each class's limit at each hub, shape (C, H).
    km
        Fibre route lengths, shape (H, S).
    network_cny_per_mw_km
        Network cost per MW and km, CNY/yr.
    max_sites
        Keep at most this many lowest-RTT sites per class and hub (``None``: all).

    Returns
    -------
    Pairs
    """
    found = [admissible_pairs(rtt_ms[q], sla_ms[q], max_sites) for q in range(len(rtt_ms))]
    service_class = np.concatenate([np.full(len(h), q, np.int64) for q, (h, _) in enumerate(found)])
    hub = np.concatenate([h for h, _ in found]).astype(np.int64)
    site = np.concatenate([s for _, s in found]).astype(np.int64)
    pair_km = km[hub, site]
    return Pairs(
        hub=hub,
        site=site,
        service_class=service_class,
        km=pair_km,
        rtt_ms=rtt_ms[service_class, hub, site],
        cost=pair_km * network_cny_per_mw_km,
    )


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
