"""Small geographic helpers on plain arrays (no GeoDataFrames)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088

#: Longitude and latitude bounds that every point in mainland China lies within, degrees.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


def haversine_km(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance on a spherical Earth, broadcast over the inputs.

    Parameters
    ----------
    lon1, lat1
        First points, degrees.
    lon2, lat2
        Second points, degrees.

    Returns
    -------
    numpy.ndarray
        Distances in km.
    """
    lam1, phi1, lam2, phi2 = (
        np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2)
    )
    h = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
