"""Round-trip latency between hubs and sites (great-circle model).

The fibre route between two points is taken as ``route_factor`` times their great-circle
distance; light covers ``fibre_km_per_ms`` km of fibre per millisecond (about 200 km/ms,
i.e. 1 ms of round trip per 100 km of route), and switching and transmission equipment add a
fixed ``equipment_delay_ms`` to every round trip.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siting.geo import haversine_km


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
