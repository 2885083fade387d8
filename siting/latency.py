"""Round-trip latency between hubs and sites, by one of two models (docs/latency.md).

Great circle: the fibre route between two points is ``route_factor`` times their great-circle
distance; light covers ``fibre_km_per_ms`` km of fibre per millisecond (about 200 km/ms,
i.e. 1 ms of round trip per 100 km of route), and equipment adds a fixed
``equipment_delay_ms`` to every round trip.

Backbone: the route is the shortest path over the fibre backbone graph between the points'
nearest nodes plus the access legs; two points closer to each other than one of them is to
its node are joined directly by local fibre (access factor × their distance, no hop) when that
is shorter. Every backbone hop adds ``hop_delay_ms``.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

from siting.geo import haversine_km
from siting.network import routes_between, snap
from siting.scenario import Latency


def route_km(distance_km: ArrayLike, route_factor: float) -> NDArray[np.float64]:
    """Fibre route length from great-circle distance, km."""
    return np.asarray(distance_km, dtype=float) * route_factor


def round_trip_ms(
    route_length_km: ArrayLike, *, fibre_km_per_ms: float, equipment_delay_ms: float
) -> NDArray[np.float64]:
    """Round-trip time over a fibre route.

    Parameters
    ----------
    route_length_km
        One-way fibre route length, km.
    fibre_km_per_ms
        One-way propagation speed in fibre, km per ms.
    equipment_delay_ms
        Fixed round-trip equipment delay, ms.

    Returns
    -------
    numpy.ndarray
        ``2 * route_length_km / fibre_km_per_ms + equipment_delay_ms``, ms.
    """
    return 2.0 * np.asarray(route_length_km, dtype=float) / fibre_km_per_ms + equipment_delay_ms


def great_circle_matrix(
    from_lon: ArrayLike,
    from_lat: ArrayLike,
    to_lon: ArrayLike,
    to_lat: ArrayLike,
    *,
    route_factor: float,
    fibre_km_per_ms: float,
    equipment_delay_ms: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Route length and round-trip time between every pair of two point sets.

    Parameters
    ----------
    from_lon, from_lat
        Origins (hubs), degrees, shape (n,).
    to_lon, to_lat
        Destinations (sites), degrees, shape (m,).
    route_factor, fibre_km_per_ms, equipment_delay_ms
        See the module docstring.

    Returns
    -------
    tuple of numpy.ndarray
        Route km and RTT ms, each of shape (n, m).
    """
    distance = haversine_km(
        np.asarray(from_lon, dtype=float)[:, None],
        np.asarray(from_lat, dtype=float)[:, None],
        np.asarray(to_lon, dtype=float)[None, :],
        np.asarray(to_lat, dtype=float)[None, :],
    )
    km = route_km(distance, route_factor)
    rtt = round_trip_ms(km, fibre_km_per_ms=fibre_km_per_ms, equipment_delay_ms=equipment_delay_ms)
    return km, rtt


def backbone_round_trip_ms(
    route_length_km: ArrayLike, hops: ArrayLike, *, fibre_km_per_ms: float, hop_delay_ms: float
) -> NDArray[np.float64]:
    """Round-trip time over the fibre backbone (docs/latency.md).

    Parameters
    ----------
    route_length_km
        One-way route length, access legs included, km.
    hops
        Backbone edges on the route.
    fibre_km_per_ms
        One-way propagation speed in fibre, km per ms.
    hop_delay_ms
        Round-trip delay per hop, ms.

    Returns
    -------
    numpy.ndarray
        ``2 * route_length_km / fibre_km_per_ms + hops * hop_delay_ms``, ms.
    """
    route = np.asarray(route_length_km, dtype=float)
    return 2.0 * route / fibre_km_per_ms + np.asarray(hops, dtype=float) * hop_delay_ms


def backbone_matrix(
    graph: nx.MultiDiGraph,
    from_lon: ArrayLike,
    from_lat: ArrayLike,
    to_lon: ArrayLike,
    to_lat: ArrayLike,
    *,
    access_factor: float,
    fibre_km_per_ms: float,
    hop_delay_ms: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int32]]:
    """Route length, round-trip time and hops between every pair over the backbone.

    Parameters
    ----------
    graph
        From :func:`siting.network.build_graph`.
    from_lon, from_lat
        Origins (hubs), degrees, shape (n,).
    to_lon, to_lat
        Destinations (sites), degrees, shape (m,).
    access_factor, fibre_km_per_ms, hop_delay_ms
        See docs/latency.md.

    Returns
    -------
    tuple of numpy.ndarray
        Route km, RTT ms and hops, each of shape (n, m).
    """
    origin, from_access = snap(graph, from_lon, from_lat)
    dest, to_access = snap(graph, to_lon, to_lat)
    km, hops = routes_between(
        graph, origin, from_access, dest, to_access, access_factor=access_factor
    )
    # Two points closer to each other than one of them is to its backbone node share an access
    # region: local fibre joins them directly, not via the backbone and back.
    apart = haversine_km(
        np.asarray(from_lon, dtype=float)[:, None],
        np.asarray(from_lat, dtype=float)[:, None],
        np.asarray(to_lon, dtype=float)[None, :],
        np.asarray(to_lat, dtype=float)[None, :],
    )
    direct = access_factor * apart
    local = (apart <= np.maximum(from_access[:, None], to_access[None, :])) & (direct < km)
    km = np.where(local, direct, km)
    hops = np.where(local, 0, hops).astype(np.int32)
    rtt = backbone_round_trip_ms(
        km, hops, fibre_km_per_ms=fibre_km_per_ms, hop_delay_ms=hop_delay_ms
    )
    return km, rtt, hops


def pair_matrix(
    latency: Latency,
    from_lon: ArrayLike,
    from_lat: ArrayLike,
    to_lon: ArrayLike,
    to_lat: ArrayLike,
    graph: nx.MultiDiGraph | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Route km and RTT ms between every pair, by the scenario's latency model.

    Parameters
    ----------
    latency
        The scenario's ``[latency]`` table.
    from_lon, from_lat, to_lon, to_lat
        Origins and destinations, degrees.
    graph
        The backbone graph; required when ``latency.model`` is ``"backbone"``.

    Returns
    -------
    tuple of numpy.ndarray
        Route km and RTT ms, shape (n, m).
    """
    if latency.model == "great_circle":
        return great_circle_matrix(
            from_lon,
            from_lat,
            to_lon,
            to_lat,
            route_factor=latency.route_factor,
            fibre_km_per_ms=latency.fibre_km_per_ms,
            equipment_delay_ms=latency.equipment_delay_ms,
        )
    if graph is None:
        msg = "the backbone latency model needs the backbone graph"
        raise ValueError(msg)
    km, rtt, _ = backbone_matrix(
        graph,
        from_lon,
        from_lat,
        to_lon,
        to_lat,
        access_factor=latency.access_factor,
        fibre_km_per_ms=latency.fibre_km_per_ms,
        hop_delay_ms=latency.hop_delay_ms,
    )
    return km, rtt
