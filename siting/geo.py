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


#: Semi-major axis of the Krasovsky 1940 ellipsoid used by the GCJ-02 formula, m.
GCJ02_A = 6378245.0

#: First eccentricity squared of the Krasovsky 1940 ellipsoid used by the GCJ-02 formula.
GCJ02_EE = 0.00669342162296594323

#: The rough box (longitude, latitude, degrees) inside which GCJ-02 is applied. It is the box
#: every common open implementation uses (eviltransform, coordtransform, gcoord): it holds all
#: of China but also neighbouring countries; points outside it are left unchanged.
GCJ02_LON = (72.004, 137.8347)
GCJ02_LAT = (0.8293, 55.8271)

#: Stop the inverse when no coordinate moves by more than this, degrees (~0.1 mm).
GCJ02_TOLERANCE_DEG = 1e-9

#: Upper bound on the inverse's fixed-point iterations (it needs 5–6 inside China).
GCJ02_MAX_ITERATIONS = 30


def wgs84_to_gcj02(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Shift WGS84 coordinates into GCJ-02, the datum of maps published in mainland China.

    GCJ-02 (国测局坐标, "Mars coordinates") is WGS84 plus a deliberately obfuscating,
    smoothly varying offset that Chinese law requires of published maps. Amap (Gaode),
    Tencent Maps, Google Maps' China tiles and many Chinese data sets (such as ``cpca``)
    use it; Baidu adds a further offset (BD-09) on top. The offset is typically 300–700 m:
    east of 100° E its median is about 540 m (5th–95th percentile 350–620 m, at most about
    680 m); in the north-west it is smaller (median about 240 m, down to a few tens of metres
    around western Inner Mongolia and Gansu). GCJ-02 coordinates drawn on a WGS84 map
    therefore land a few hundred metres off.

    This is the widely published forward formula (as in eviltransform, coordtransform and
    gcoord) on the Krasovsky ellipsoid (:data:`GCJ02_A`, :data:`GCJ02_EE`), without the
    random jitter of the official implementation. Points outside the rough box
    :data:`GCJ02_LON` × :data:`GCJ02_LAT` are returned unchanged.

    Parameters
    ----------
    lon, lat
        WGS84 longitude and latitude, degrees; scalars or arrays that broadcast.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitude and latitude, degrees, in the broadcast shape of the inputs
        (numpy floats for scalar inputs).

    See Also
    --------
    gcj02_to_wgs84 : The inverse.
    """
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    inside = _in_gcj02_box(x, y)
    dlon, dlat = _gcj02_offset(x, y)
    out_lon = np.where(inside, x + dlon, x)
    out_lat = np.where(inside, y + dlat, y)
    return _unwrap(out_lon), _unwrap(out_lat)


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Remove the GCJ-02 offset: turn Amap/Tencent/``cpca`` coordinates into WGS84.

    GCJ-02 is WGS84 shifted by a smooth offset of typically 300–700 m (see
    :func:`wgs84_to_gcj02`). The offset has no closed-form inverse; this solves
    ``wgs84_to_gcj02(w) = g`` by the fixed-point iteration ``w ← w − (wgs84_to_gcj02(w) − g)``
    starting from ``w = g``. Because the offset varies slowly with position (its derivative
    is below 1 %), the error shrinks more than a hundredfold per step: the loop stops once no
    coordinate moves by more than :data:`GCJ02_TOLERANCE_DEG` (after 5–6 steps, at most
    :data:`GCJ02_MAX_ITERATIONS`), so the result maps back onto the input within about
    1e-11 degrees. Points outside the rough box :data:`GCJ02_LON` × :data:`GCJ02_LAT` are
    returned unchanged. Baidu's BD-09 coordinates must first be turned into GCJ-02.

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude, degrees; scalars or arrays that broadcast.

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 longitude and latitude, degrees, in the broadcast shape of the inputs
        (numpy floats for scalar inputs).

    See Also
    --------
    wgs84_to_gcj02 : The forward transform.
    """
    g_lon, g_lat = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    inside = _in_gcj02_box(g_lon, g_lat)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(GCJ02_MAX_ITERATIONS):
        dlon, dlat = _gcj02_offset(w_lon, w_lat)
        step_lon = np.where(inside, w_lon + dlon - g_lon, 0.0)
        step_lat = np.where(inside, w_lat + dlat - g_lat, 0.0)
        w_lon, w_lat = w_lon - step_lon, w_lat - step_lat
        if not (
            np.any(np.abs(step_lon) > GCJ02_TOLERANCE_DEG)
            or np.any(np.abs(step_lat) > GCJ02_TOLERANCE_DEG)
        ):
            break
    return _unwrap(w_lon), _unwrap(w_lat)


def _in_gcj02_box(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    return (
        (lon >= GCJ02_LON[0])
        & (lon <= GCJ02_LON[1])
        & (lat >= GCJ02_LAT[0])
        & (lat <= GCJ02_LAT[1])
    )


def _gcj02_offset(
    lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """GCJ-02 minus WGS84 at WGS84 points, degrees (longitude, latitude)."""
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    t_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    t_lat = t_lat + common
    t_lat = t_lat + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    t_lat = t_lat + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    t_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    t_lon = t_lon + common
    t_lon = t_lon + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    t_lon = t_lon + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1.0 - GCJ02_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = t_lat * 180.0 / ((GCJ02_A * (1.0 - GCJ02_EE)) / (magic * sqrt_magic) * pi)
    dlon = t_lon * 180.0 / (GCJ02_A / sqrt_magic * np.cos(rad) * pi)
    return dlon, dlat


def _unwrap(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return 0-d arrays as numpy floats, like numpy's own ufuncs do."""
    return values[()] if values.ndim == 0 else values
