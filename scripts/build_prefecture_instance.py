"""Build ``data/prefecture/sites.csv`` and ``data/prefecture/hubs.csv`` (338 seats).

Every prefecture-level seat in ``data/cities.csv`` (build it first with
``scripts/build_cities.py``) is both a candidate site and an inference demand hub, in exactly
the schema of ``data/sites.csv`` and ``data/hubs.csv``; ids are ``c`` + adcode.

Demand (``inference_mw``): the national 2027 inference IT load of SOURCES.md section B
(``NAT_INFER_MW`` = 2,821.8 MW: the 1,687.9 MW of the 15 hubs in ``data/hubs.csv`` plus the
dispersed ~40 %), shared out by ``population × TIER_WEIGHT[tier]``; a seat without a GeoNames
population takes the median population of its tier. Rounded to 0.1 MW by largest remainder,
so the rows add up to the national total exactly.

Sites: each shipped site of ``data/sites.csv`` is assigned to its nearest seat in the same
province, however far (Zhangjiakou's Huailai park is 67 km from its seat, Hami's Yiwu site
107 km); a seat with shipped sites takes the sum
of their ``existing_mw`` and ``grid_headroom_mw``, their cluster and tariff. Other seats get
``existing_mw`` 0 and the headroom of their class (:func:`headroom_class`), with the class
defaults of SOURCES.md B.

Run: ``.venv/bin/python scripts/build_prefecture_instance.py`` (deterministic).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from build_sites_hubs import DEFAULT_HEADROOM, HUB_COLS, NAT_INFER_MW, SITE_COLS

from siting.geo import haversine_km

ROOT = Path(__file__).resolve().parents[1]
CITIES = ROOT / "data" / "cities.csv"
SHIPPED_SITES = ROOT / "data" / "sites.csv"
SHIPPED_HUBS = ROOT / "data" / "hubs.csv"
OUT = ROOT / "data" / "prefecture"

#: National 2027 inference IT load as stated in SOURCES.md section B, step 3, MW.
SOURCES_NAT_INFER_MW = 2821.8

#: Demand weight per person by city tier (tier 1 first-tier ... tier 4 other seats).
TIER_WEIGHT = {1: 3.0, 2: 1.5, 3: 1.0, 4: 0.6}

#: A shipped site counts for a seat when it lies this close to it (and nearer than any other).

#: NBS "eastern region": tier 1–2 seats here are coastal metros (class E), elsewhere class M.
EASTERN = {
    "Beijing", "Tianjin", "Hebei", "Shanghai", "Jiangsu", "Zhejiang", "Fujian", "Shandong",
    "Guangdong", "Hainan",
}  # fmt: skip
#: Provinces of the four western 东数西算 hub nodes: tier 3–4 seats here are class W.
WESTERN_HUB = {"Inner Mongolia", "Guizhou", "Gansu", "Ningxia"}
#: Frontier energy bases outside the hubs (as for Hami, Xining, Datong): tier 3–4 → class F.
FRONTIER = {"Xinjiang", "Qinghai", "Shanxi"}

CLASS_NAME = {
    "W": "western hub province",
    "F": "frontier energy base",
    "C": "other non-metro seat",
    "M": "central/western metro",
    "E": "eastern metro",
}


def headroom_class(tier: int, province: str) -> str:
    """Headroom class of a seat without a shipped site.

    Tier 1–2 seats (metros) are ``E`` in the NBS eastern provinces and ``M`` elsewhere;
    tier 3–4 seats are ``W`` in the four western hub provinces, ``F`` in Xinjiang, Qinghai
    and Shanxi, and ``C`` everywhere else (including Sichuan, Chongqing, Tibet, the north-east
    and the east).
    """
    if tier <= 2:
        return "E" if province in EASTERN else "M"
    if province in WESTERN_HUB:
        return "W"
    if province in FRONTIER:
        return "F"
    return "C"


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def round_to_total(values: np.ndarray, decimals: int, keys: list[str]) -> np.ndarray:
    """Round ``values`` so that they add up to their rounded total (largest remainder).

    Ties are broken by ``keys`` so the result is deterministic.
    """
    scale = 10**decimals
    scaled = values * scale
    floor = np.floor(scaled)
    missing = round(float(scaled.sum())) - int(floor.sum())
    order = sorted(range(len(values)), key=lambda i: (-(scaled[i] - floor[i]), keys[i]))
    floor[order[:missing]] += 1
    return floor / scale


def seat_table() -> pd.DataFrame:
    """The seats with tier, demand weight, unrounded demand and headroom class."""
    if abs(NAT_INFER_MW - SOURCES_NAT_INFER_MW) > 0.05:
        msg = f"NAT_INFER_MW {NAT_INFER_MW:.2f} differs from SOURCES.md {SOURCES_NAT_INFER_MW}"
        raise ValueError(msg)
    seats = read_csv(CITIES)
    seats["tier"] = seats["tier"].astype(int)
    seats["lon_f"] = seats["lon"].astype(float)
    seats["lat_f"] = seats["lat"].astype(float)
    pop = pd.to_numeric(seats["population"].replace("", np.nan))
    median = pop.groupby(seats["tier"]).median()
    seats["pop_used"] = pop.fillna(seats["tier"].map(median))
    seats["pop_imputed"] = pop.isna()
    seats["weight"] = seats["pop_used"] * seats["tier"].map(TIER_WEIGHT)
    seats["demand_mw"] = NAT_INFER_MW * seats["weight"] / seats["weight"].sum()
    seats["class"] = [
        headroom_class(t, p) for t, p in zip(seats["tier"], seats["province"], strict=True)
    ]
    seats["tier_median"] = seats["tier"].map(median)
    return seats


def assign_shipped_sites(seats: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """For each shipped site: its nearest seat in the same province and the distance, km."""
    rows = []
    for site in sites.itertuples():
        dist = haversine_km(float(site.lon), float(site.lat), seats["lon_f"], seats["lat_f"])
        dist = np.where(seats["province"] == site.province, dist, np.inf)
        i = int(np.argmin(dist))
        rows.append({"site_id": site.site_id, "seat": i, "km": float(dist[i])})
    return pd.DataFrame(rows)


def fmt(x: float) -> str:
    return f"{x:.1f}"


def site_rows(seats: pd.DataFrame) -> list[dict[str, str]]:
    sites = read_csv(SHIPPED_SITES).set_index("site_id", drop=False)
    matched = assign_shipped_sites(seats, sites)
    rows = []
    for i, seat in enumerate(seats.itertuples()):
        mine = matched[matched["seat"] == i].sort_values(["km", "site_id"])
        base = {
            "site_id": f"c{seat.adcode}",
            "name": seat.name_en or seat.name_zh,
            "name_zh": seat.name_zh,
            "province": seat.province,
            "lon": seat.lon,
            "lat": seat.lat,
            "headroom_confidence": "estimate",
        }
        made = f"prefecture seat (cpca {seat.adcode}), tier {seat.tier}"
        if len(mine):
            shipped = sites.loc[mine["site_id"]]
            tariffs = shipped[shipped["tariff_cny_kwh"] != ""]
            pairs = zip(mine["site_id"], mine["km"], strict=True)
            where = ", ".join(f"{s} {k:.0f} km" for s, k in pairs)
            conf = set(shipped["existing_confidence"])
            base |= {
                "cluster": "; ".join(sorted({c for c in shipped["cluster"] if c})),
                "grid_headroom_mw": fmt(shipped["grid_headroom_mw"].astype(float).sum()),
                "existing_mw": fmt(shipped["existing_mw"].astype(float).sum()),
                "existing_confidence": "secondary" if conf == {"secondary"} else "estimate",
                "tariff_cny_kwh": tariffs["tariff_cny_kwh"].iloc[0] if len(tariffs) else "",
                "tariff_confidence": tariffs["tariff_confidence"].iloc[0] if len(tariffs) else "",
                "note": f"{made}; existing, headroom, tariff from data/sites.csv: {where}",
            }
            if len(tariffs) > 1:
                msg = f"seat {seat.adcode} has several tariffed shipped sites"
                raise ValueError(msg)
        else:
            cls = seats["class"].iloc[i]
            base |= {
                "cluster": "",
                "grid_headroom_mw": fmt(DEFAULT_HEADROOM[cls]),
                "existing_mw": "0.0",
                "existing_confidence": "estimate",
                "tariff_cny_kwh": "",
                "tariff_confidence": "",
                "note": (
                    f"{made}; no shipped site assigned: existing 0, "
                    f"headroom class {cls} ({CLASS_NAME[cls]}) default"
                ),
            }
        rows.append({c: base[c] for c in SITE_COLS})
    return rows


def hub_rows(seats: pd.DataFrame) -> list[dict[str, str]]:
    mw = round_to_total(seats["demand_mw"].to_numpy(), 1, seats["adcode"].tolist())
    total_weight = seats["weight"].sum()
    rows = []
    for seat, value in zip(seats.itertuples(), mw, strict=True):
        if seat.pop_imputed:
            pop = f"pop {seat.pop_used:,.0f} (median of tier {seat.tier}; no GeoNames match)"
        else:
            pop = f"pop {seat.pop_used:,.0f} ({seat.population_source})"
        share = 100 * seat.weight / total_weight
        note = (
            f"prefecture seat (cpca {seat.adcode}); {pop} x tier-{seat.tier} weight "
            f"{TIER_WEIGHT[seat.tier]:g} = {share:.3f}% of national 2027 inference "
            f"{NAT_INFER_MW:,.1f} MW (SOURCES.md B [3][4])"
        )
        row = {
            "hub_id": f"c{seat.adcode}",
            "name": seat.name_en or seat.name_zh,
            "name_zh": seat.name_zh,
            "province": seat.province,
            "lon": seat.lon,
            "lat": seat.lat,
            "inference_mw": f"{value:.1f}",
            "demand_confidence": "estimate",
            "note": note,
        }
        rows.append({c: row[c] for c in HUB_COLS})
    return rows


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    seats = seat_table()
    sites = site_rows(seats)
    hubs = hub_rows(seats)
    write_csv(OUT / "sites.csv", SITE_COLS, sites)
    write_csv(OUT / "hubs.csv", HUB_COLS, hubs)
    shipped_hubs = read_csv(SHIPPED_HUBS)["inference_mw"].astype(float).sum()
    print(f"national inference {NAT_INFER_MW:.1f} MW (hubs.csv {shipped_hubs:.1f} + dispersed)")
    print(f"sites {len(sites)}: existing {sum(float(r['existing_mw']) for r in sites):.1f} MW,")
    print(f"  headroom {sum(float(r['grid_headroom_mw']) for r in sites):.1f} MW")
    print(f"hubs {len(hubs)}: inference {sum(float(r['inference_mw']) for r in hubs):.1f} MW")
    print("tier medians used:", seats.groupby("tier")["tier_median"].first().round(0).to_dict())
    print("classes:", seats["class"].value_counts().sort_index().to_dict())


if __name__ == "__main__":
    main()
