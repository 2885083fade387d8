"""Polygons and lines of a map as GeoJSON: provinces, SLA reach, backbone, boundary lines.

Geometries are simplified and their coordinates rounded to ``DECIMALS`` in one vectorised
pass (shapely and numpy), then written by GEOS; tooltips are escaped HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.maps.escape import RawJSON, esc, missing
from siting.maps.symbols import BACKBONE_STYLE, REACH_COLOUR

DECIMALS = 3  # of coordinates, ~100 m
PROVINCE_TOLERANCE = 0.02  # degrees, for simplifying the province coverage
LINE_TOLERANCE = 0.005


def geojson(geoms: Sequence[Any] | np.ndarray, tolerance: float = 0.0) -> list[RawJSON]:
    """Write geometries as GeoJSON geometry objects, simplified and rounded.

    GEOS writes the text (its numbers are those Python's ``json`` writes for the rounded
    coordinates: the shortest that read back equal), so the page joins it as it is.

    Parameters
    ----------
    geoms
        Shapely geometries (none missing or empty).
    tolerance
        Simplification tolerance in degrees (topology preserved); 0 for none.

    Returns
    -------
    list of RawJSON
        One GeoJSON geometry per input, coordinates rounded to ``DECIMALS``.
    """
    array = np.asarray(geoms, dtype=object)
    if tolerance:
        array = shapely.simplify(array, tolerance, preserve_topology=True)
    rounded = shapely.transform(array, lambda xy: np.round(xy, DECIMALS))
    return [RawJSON(text) for text in shapely.to_geojson(rounded)]


def collection(geoms: Sequence[Any], properties: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Make a GeoJSON FeatureCollection of geometry objects and their properties."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": g, "properties": p}
            for g, p in zip(geoms, properties, strict=True)
        ],
    }


def province_geometry(provinces: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the province polygons, simplified as a coverage (no gaps between neighbours)."""
    geoms = shapely.coverage_simplify(provinces.geometry.values, PROVINCE_TOLERANCE)
    return collection(geojson(geoms), [{"i": i} for i in range(len(geoms))])


def _drawable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    geoms = frame.geometry.values
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return frame[keep]


def reach_features(reach: gpd.GeoDataFrame, hub_names: dict[Any, str]) -> dict[str, Any]:
    """Each hub's SLA reach as a dashed outline with a tooltip.

    Parameters
    ----------
    reach
        ``hub_id``, ``sla_rtt_ms`` and polygon geometry.
    hub_names
        Display name of each hub id.
    """
    reach = _drawable(reach)
    style = {
        "color": REACH_COLOUR,
        "weight": 1.2,
        "dashArray": "5 4",
        "fillColor": REACH_COLOUR,
        "fillOpacity": 0.06,
    }
    sla = reach["sla_rtt_ms"] if "sla_rtt_ms" in reach else pd.Series([None] * len(reach))
    tips = [
        f"<b>{esc(hub_names.get(hub, hub))}</b><br>reach within "
        f"{'–' if missing(ms) else format(float(ms), 'g')} ms"
        for hub, ms in zip(reach["hub_id"], sla, strict=True)
    ]
    geoms = geojson(reach.geometry.values, LINE_TOLERANCE)
    return collection(geoms, [{"style": style, "tip": t} for t in tips])


def backbone_features(backbone: gpd.GeoDataFrame) -> dict[str, Any]:
    """Draw the fibre backbone's edges unlike borders, with their ends and length."""
    backbone = _drawable(backbone)
    tips = []
    for rec in pd.DataFrame(backbone.drop(columns="geometry")).to_dict("records"):
        route = next((rec[c] for c in ("route", "name") if not missing(rec.get(c))), "")
        km = "" if missing(rec.get("route_km")) else f", {rec['route_km']:,.0f} km"
        tip = f"Backbone: {esc(rec.get('u'))} – {esc(rec.get('v'))}{km}"
        tips.append(tip + (f"<br>{esc(route)}" if route else ""))
    geoms = geojson(backbone.geometry.values, LINE_TOLERANCE)
    return collection(geoms, [{"style": BACKBONE_STYLE, "tip": t} for t in tips])


def boundary_features(lines: gpd.GeoDataFrame) -> dict[str, Any]:
    """Draw the official-view boundary lines, styled by kind."""
    styles = {
        "international_boundary_segment": {"color": "#404040", "weight": 1.4},
        "south_china_sea_dashed_line": {"color": "#404040", "weight": 1.4, "dashArray": "6 4"},
    }
    default = {"color": "#707070", "weight": 0.9, "dashArray": "3 3"}
    lines = _drawable(lines)
    kinds = lines["kind"] if "kind" in lines else pd.Series([None] * len(lines))
    geoms = geojson(lines.geometry.values, LINE_TOLERANCE)
    return collection(geoms, [{"style": styles.get(k, default)} for k in kinds])
