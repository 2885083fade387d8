"""Read, validate and reproject the input layers into GeoDataFrames (EPSG:4326).

Every reader collects all problems of its file and raises one :class:`InputError` naming the
file, the row or feature, the field and what was expected.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.validation import explain_validity

from siting._validate import (
    CONFIDENCE,
    CSV_ROWS,
    FEATURE_ROWS,
    Column,
    Rows,
    check_columns,
    check_unique,
    read_csv,
)
from siting.errors import InputError, Problem
from siting.geo import CHINA_LAT, CHINA_LON, gcj02_to_wgs84
from siting.scenario import DataPaths

#: CRS of every layer this module returns.
CRS = "EPSG:4326"

#: How far (degrees, ~11 km) a point may lie outside the province it names before it is an
#: error: the simplified boundaries are accurate to about 1 km, coasts less.
PROVINCE_TOLERANCE_DEG = 0.1

#: Upper bounds of the numeric columns: far above any real value (see Column.maximum).
MAX_CNY_KWH = 100.0
MAX_MW = 1e6

PROVINCE_COLUMNS = (
    Column("adcode"),
    Column("name_zh"),
    Column("name_en"),
)

#: The four statistical regions of the National Bureau of Statistics (``provinces.csv`` ``region``).
REGIONS = ("east", "central", "west", "northeast")

ATTRIBUTE_COLUMNS = (
    Column("adcode"),
    Column("name_en"),
    Column("name_zh", required=False, blank_ok=True),
    Column("power_price_cny_kwh", number=True, minimum=0, positive=True, maximum=MAX_CNY_KWH),
    Column("power_price_confidence", choices=CONFIDENCE),
    Column("pue", number=True, minimum=1, maximum=10),
    Column("pue_confidence", choices=CONFIDENCE),
    Column("grid_co2_kg_kwh", number=True, minimum=0, maximum=10),
    Column("grid_co2_confidence", choices=CONFIDENCE),
    Column("staff_available_fte", number=True, minimum=0, maximum=1e9),
    Column("staff_confidence", choices=CONFIDENCE),
    Column("wage_cny_year", number=True, minimum=0, maximum=1e9),
    Column("wage_confidence", choices=CONFIDENCE),
    Column("region", required=False, blank_ok=True, choices=REGIONS),
)

SITE_COLUMNS = (
    Column("site_id"),
    Column("name"),
    Column("name_zh", required=False, blank_ok=True),
    Column("province"),
    Column("cluster", required=False, blank_ok=True),
    Column("grid_headroom_mw", number=True, minimum=0, maximum=MAX_MW),
    Column("headroom_confidence", required=False, blank_ok=True, choices=CONFIDENCE),
    Column("existing_mw", number=True, minimum=0, maximum=MAX_MW),
    Column("existing_confidence", required=False, blank_ok=True, choices=CONFIDENCE),
    Column(
        "tariff_cny_kwh",
        number=True,
        required=False,
        blank_ok=True,
        minimum=0,
        positive=True,
        maximum=MAX_CNY_KWH,
    ),
    Column("tariff_confidence", required=False, blank_ok=True, choices=CONFIDENCE),
    Column("note", required=False, blank_ok=True),
)

HUB_COLUMNS = (
    Column("hub_id"),
    Column("name"),
    Column("name_zh", required=False, blank_ok=True),
    Column("province"),
    Column("inference_mw", number=True, minimum=0, maximum=MAX_MW),
    Column("demand_confidence", required=False, blank_ok=True, choices=CONFIDENCE),
    Column("note", required=False, blank_ok=True),
)

_LONLAT = (Column("lon", number=True), Column("lat", number=True))

#: Coordinate systems a point layer may declare per row (column ``coords``; blank = WGS84).
COORDINATE_SYSTEMS = ("wgs84", "gcj02")
_COORDS = Column("coords", required=False, blank_ok=True, choices=COORDINATE_SYSTEMS)


@dataclass(frozen=True)
class Layers:
    """The validated input layers, all in EPSG:4326.

    Attributes
    ----------
    provinces
        One row per provincial unit: ``adcode``, ``name_zh``, ``name_en``, geometry, and the
        attribute columns (missing outside the mainland).
    sites
        Candidate sites, point geometry, columns as in :data:`SITE_COLUMNS` plus ``lon``, ``lat``.
    hubs
        Demand hubs, point geometry, columns as in :data:`HUB_COLUMNS` plus ``lon``, ``lat``.
    boundary_lines
        Official-view boundary lines (South China Sea), or ``None``.
    """

    provinces: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    hubs: gpd.GeoDataFrame
    boundary_lines: gpd.GeoDataFrame | None = None


def load_layers(paths: DataPaths) -> Layers:
    """Read every input layer and check them against each other.

    Parameters
    ----------
    paths
        The files, as resolved from a scenario.

    Returns
    -------
    Layers

    Raises
    ------
    InputError
        Listing every problem in every file.
    """
    problems: list[Problem] = []
    readers = (
        (read_provinces, paths.provinces),
        (read_province_attributes, paths.province_attributes),
        (read_sites, paths.sites),
        (read_hubs, paths.hubs),
    )
    frames = []
    for reader, path in readers:
        try:
            frames.append(reader(path))
        except InputError as exc:
            problems.extend(exc.problems)
            frames.append(None)
    if problems:
        raise InputError(problems)
    shapes, attributes, sites, hubs = frames
    provinces = _join_attributes(shapes, attributes, str(paths.province_attributes))
    for frame, path, key in ((sites, paths.sites, "site_id"), (hubs, paths.hubs, "hub_id")):
        problems.extend(_check_provinces(frame, provinces, source=str(path), key=key))
    if problems:
        raise InputError(problems)
    lines = read_boundary_lines(paths.boundary_lines) if paths.boundary_lines else None
    return Layers(provinces=provinces, sites=sites, hubs=hubs, boundary_lines=lines)


def province_regions(provinces: pd.DataFrame) -> dict[str, str]:
    """Province (``name_en``) → its statistical region, ``"unknown"`` where ``region`` is blank."""
    return {
        name: region if isinstance(region, str) and region else "unknown"
        for name, region in zip(provinces["name_en"], provinces["region"], strict=True)
    }


def read_provinces(path: Path) -> gpd.GeoDataFrame:
    """Read the province polygons (``adcode``, ``name_zh``, ``name_en``)."""
    frame = _read_layer(path, what="province")
    rows = FEATURE_ROWS
    table, problems = check_columns(
        pd.DataFrame(frame.drop(columns="geometry")),
        PROVINCE_COLUMNS,
        source=str(path),
        key="name_en",
        rows=rows,
    )
    problems += check_unique(table, "name_en", source=str(path), rows=rows)
    problems += check_unique(table, "adcode", source=str(path), rows=rows)
    names = table["name_en"]
    for i, geom in enumerate(frame.geometry):
        where = rows.label(i, "name_en", names.iloc[i])
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            kind = "nothing" if geom is None or geom.is_empty else geom.geom_type
            problems.append(
                Problem(str(path), where, "geometry", f"expected a polygon, got {kind}")
            )
        elif not geom.is_valid:
            expected = (
                f"an invalid polygon ({explain_validity(geom)}); expected a valid polygon "
                "(no self-intersections; repair it, e.g. with shapely.make_valid)"
            )
            problems.append(Problem(str(path), where, "geometry", expected))
    problems += _check_bounds(frame, str(path), rows)
    if problems:
        raise InputError(problems)
    out = gpd.GeoDataFrame(
        table[[c.name for c in PROVINCE_COLUMNS]], geometry=frame.geometry.values, crs=CRS
    )
    return out.reset_index(drop=True)


def read_province_attributes(path: Path) -> pd.DataFrame:
    """Read the province attribute table (power price, PUE, grid CO2, staff, wage)."""
    raw = read_csv(path, what="province")
    table, problems = check_columns(raw, ATTRIBUTE_COLUMNS, source=str(path), key="name_en")
    problems += check_unique(table, "name_en", source=str(path))
    if problems:
        raise InputError(problems)
    return table[[c.name for c in ATTRIBUTE_COLUMNS]].reset_index(drop=True)


def read_sites(path: Path) -> gpd.GeoDataFrame:
    """Read candidate sites from a CSV file (``lon``/``lat``) or a point layer.

    A row may declare its coordinate system in a ``coords`` column: ``wgs84`` (the default)
    or ``gcj02`` (Amap, Tencent), which is converted to WGS84.
    """
    return _read_points(path, SITE_COLUMNS, key="site_id")


def read_hubs(path: Path) -> gpd.GeoDataFrame:
    """Read demand hubs from a CSV file or a point layer, as :func:`read_sites` reads sites."""
    return _read_points(path, HUB_COLUMNS, key="hub_id")


def read_boundary_lines(path: Path) -> gpd.GeoDataFrame:
    """Read the official-view boundary lines drawn on maps."""
    return _read_layer(path, what="boundary line")


def _read_layer(path: Path, *, what: str) -> gpd.GeoDataFrame:
    if not Path(path).is_file():
        kind = "a folder" if Path(path).is_dir() else "no such file"
        raise InputError([Problem(str(path), "", "", f"{kind}; expected a layer of {what}s")])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = (
                gpd.read_parquet(path) if Path(path).suffix == ".parquet" else gpd.read_file(path)
            )
    except Exception as exc:
        raise InputError([Problem(str(path), "", "", f"not a readable layer: {exc}")]) from None
    if frame.crs is None:
        expected = "the layer declares no CRS; expected one (e.g. EPSG:4326)"
        raise InputError([Problem(str(path), "", "crs", expected)])
    if frame.empty:
        expected = f"no features; expected at least one {what}"
        raise InputError([Problem(str(path), "", "", expected)])
    if not frame.crs.equals(CRS):
        frame = frame.to_crs(CRS)
    return frame


def _read_points(path: Path, columns: tuple[Column, ...], *, key: str) -> gpd.GeoDataFrame:
    source = str(path)
    what = key.removesuffix("_id")
    if Path(path).suffix.lower() == ".csv":
        raw = read_csv(path, what=what)
        rows = CSV_ROWS
        table, problems = check_columns(
            raw, (*columns, *_LONLAT, _COORDS), source=source, key=key, rows=rows
        )
    else:
        layer = _read_layer(path, what=what)
        rows = FEATURE_ROWS
        table, problems = check_columns(
            pd.DataFrame(layer.drop(columns="geometry")),
            (*columns, _COORDS),
            source=source,
            key=key,
            rows=rows,
        )
        kinds = layer.geometry.geom_type.fillna("nothing")
        bad = kinds.ne("Point").to_numpy() | layer.geometry.is_empty.to_numpy()
        for i in np.flatnonzero(bad):
            expected = f"expected a point, got {'an empty ' if kinds.iloc[i] == 'Point' else ''}"
            expected += kinds.iloc[i]
            problems.append(
                Problem(source, rows.label(i, key, table[key].iloc[i]), "geometry", expected)
            )
        if not problems:
            table["lon"], table["lat"] = layer.geometry.x.to_numpy(), layer.geometry.y.to_numpy()
    problems += check_unique(table, key, source=source, rows=rows)
    if problems:
        raise InputError(problems)
    gcj = (table["coords"] == "gcj02").to_numpy()
    if gcj.any():  # Amap/Tencent coordinates: convert to WGS84
        lon, lat = gcj02_to_wgs84(
            table.loc[gcj, "lon"].to_numpy(), table.loc[gcj, "lat"].to_numpy()
        )
        table.loc[gcj, "lon"], table.loc[gcj, "lat"] = lon, lat
    points = gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs=CRS
    )
    problems = _check_bounds(points, source, rows, key=key)
    if problems:
        raise InputError(problems)
    return points.reset_index(drop=True)


def _check_bounds(
    frame: gpd.GeoDataFrame, source: str, rows: Rows, key: str | None = None
) -> list[Problem]:
    bounds = frame.geometry.bounds
    outside = (
        (bounds["minx"] < CHINA_LON[0])
        | (bounds["maxx"] > CHINA_LON[1])
        | (bounds["miny"] < CHINA_LAT[0])
        | (bounds["maxy"] > CHINA_LAT[1])
    )
    problems = []
    for i in np.flatnonzero(outside.to_numpy()):
        b = bounds.iloc[i]
        where = rows.label(i, key or "", frame[key].iloc[i] if key else None)
        expected = (
            f"coordinates ({b['minx']:.4g}, {b['miny']:.4g}) lie outside China "
            f"(lon {CHINA_LON[0]:g}–{CHINA_LON[1]:g}, lat {CHINA_LAT[0]:g}–{CHINA_LAT[1]:g}); "
            "expected WGS84 longitude/latitude in degrees (wrong CRS, or lon and lat swapped?)"
        )
        problems.append(Problem(source, where, "geometry" if key is None else "lon/lat", expected))
    return problems


def _join_attributes(
    shapes: gpd.GeoDataFrame, attributes: pd.DataFrame, source: str
) -> gpd.GeoDataFrame:
    known = set(shapes["name_en"])
    problems = [
        Problem(
            source,
            CSV_ROWS.label(i, "name_en", name),
            "name_en",
            f"unknown province {name!r}; expected a name_en of the province layer",
        )
        for i, name in enumerate(attributes["name_en"])
        if name not in known
    ]
    if problems:
        raise InputError(problems)
    extra = attributes.drop(columns=[c for c in ("adcode", "name_zh") if c in attributes])
    return shapes.merge(extra, on="name_en", how="left")


def _check_provinces(
    points: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame, *, source: str, key: str
) -> list[Problem]:
    priced = provinces.dropna(subset=["power_price_cny_kwh"])
    shapes = priced.set_index("name_en").geometry
    valid = ", ".join(sorted(shapes.index))
    problems = []
    for i, (name, point, ident) in enumerate(
        zip(points["province"], points.geometry, points[key], strict=True)
    ):
        where = CSV_ROWS.label(i, key, ident)
        if name not in shapes.index:
            expected = f"unknown province {name!r}; expected one of: {valid}"
            problems.append(Problem(source, where, "province", expected))
        elif shapes[name].distance(point) > PROVINCE_TOLERANCE_DEG:
            inside = provinces.loc[provinces.contains(point), "name_en"].tolist()
            found = f"lies in {inside[0]}" if inside else "lies in no province"
            expected = (
                f"the point ({point.x:.5f}, {point.y:.5f}) {found}, not in {name}; "
                "check the coordinates (WGS84, not GCJ-02) or the province"
            )
            problems.append(Problem(source, where, "province", expected))
    return problems
