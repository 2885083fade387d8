"""Build ``data/provinces.csv``: cost, climate, carbon and labour attributes per province.

One row per mainland provincial-level unit (31; Hong Kong, Macao and Taiwan are excluded),
sorted by adcode, with a value and a confidence flag (``secondary`` or ``estimate``) for:
power price (CNY/kWh), design PUE, grid CO2 factor (kg/kWh), hireable data-centre staff (FTE)
and annual wage (CNY per FTE-year); and the province's statistical region (NBS: east, central,
west, northeast; official, no flag column).

The inputs are published figures entered by hand from these tables:

- 2022 provincial grid CO2 emission factors, MEE/NBS announcement of 2024-12-20, read from a
  secondary data table (Tibet is missing there and takes the South-west regional grid value);
- average wages of urban non-private units, China Statistical Yearbook 2022 (2021 wages, all
  31 provinces) and 2024 (2023 wages, 20 provinces), both via news copies of the tables;
- year-end 2019 resident population, NBS.

The power-price tiers, the PUE rule, the staff index and the 2023 wages of the 11 provinces
missing from the 2024 table are estimates; their method and reasoning are documented in
``data/SOURCES.md``. Output is deterministic (same bytes on every run).

Run: ``.venv/bin/python scripts/build_province_attributes.py``
"""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "provinces.csv"

# (adcode, English name, Chinese name) of the 31 mainland units; row order of the output.
PROVINCES = [
    ("110000", "Beijing", "北京市"),
    ("120000", "Tianjin", "天津市"),
    ("130000", "Hebei", "河北省"),
    ("140000", "Shanxi", "山西省"),
    ("150000", "Inner Mongolia", "内蒙古自治区"),
    ("210000", "Liaoning", "辽宁省"),
    ("220000", "Jilin", "吉林省"),
    ("230000", "Heilongjiang", "黑龙江省"),
    ("310000", "Shanghai", "上海市"),
    ("320000", "Jiangsu", "江苏省"),
    ("330000", "Zhejiang", "浙江省"),
    ("340000", "Anhui", "安徽省"),
    ("350000", "Fujian", "福建省"),
    ("360000", "Jiangxi", "江西省"),
    ("370000", "Shandong", "山东省"),
    ("410000", "Henan", "河南省"),
    ("420000", "Hubei", "湖北省"),
    ("430000", "Hunan", "湖南省"),
    ("440000", "Guangdong", "广东省"),
    ("450000", "Guangxi", "广西壮族自治区"),
    ("460000", "Hainan", "海南省"),
    ("500000", "Chongqing", "重庆市"),
    ("510000", "Sichuan", "四川省"),
    ("520000", "Guizhou", "贵州省"),
    ("530000", "Yunnan", "云南省"),
    ("540000", "Tibet", "西藏自治区"),
    ("610000", "Shaanxi", "陕西省"),
    ("620000", "Gansu", "甘肃省"),
    ("630000", "Qinghai", "青海省"),
    ("640000", "Ningxia", "宁夏回族自治区"),
    ("650000", "Xinjiang", "新疆维吾尔自治区"),
]

# --- Grid CO2 ------------------------------------------------------------------------------
# 2022 provincial average grid CO2 emission factors, kgCO2/kWh. Source: MEE and NBS
# announcement of 2024-12-20, via a secondary public data table (emissionConstants.js);
# cross-checked against the regional values and the Beijing News report of 2024-12-27.
GRID_CO2_2022 = {
    "Beijing": 0.558,
    "Tianjin": 0.7041,
    "Hebei": 0.7252,
    "Shanxi": 0.7096,
    "Inner Mongolia": 0.6849,
    "Liaoning": 0.5626,
    "Jilin": 0.4932,
    "Heilongjiang": 0.5368,
    "Shanghai": 0.5849,
    "Jiangsu": 0.5978,
    "Zhejiang": 0.5153,
    "Anhui": 0.6782,
    "Fujian": 0.4092,
    "Jiangxi": 0.5752,
    "Shandong": 0.641,
    "Henan": 0.6058,
    "Hubei": 0.4364,
    "Hunan": 0.49,
    "Guangdong": 0.4403,
    "Guangxi": 0.4044,
    "Hainan": 0.4184,
    "Chongqing": 0.5227,
    "Sichuan": 0.1404,
    "Guizhou": 0.4989,
    "Yunnan": 0.1073,
    "Shaanxi": 0.6558,
    "Gansu": 0.4772,
    "Qinghai": 0.1567,
    "Ningxia": 0.6423,
    "Xinjiang": 0.6231,
}
# Same announcement, South-west regional grid (Sichuan, Chongqing, Tibet): used for Tibet,
# which has no provincial value in the table.
SOUTHWEST_GRID_CO2_2022 = 0.2268

# --- Wages ---------------------------------------------------------------------------------
# Average annual wage, urban non-private units, all sectors, CNY.
# 2021: China Statistical Yearbook 2022, as reproduced at wuhanx.com (all 31 provinces).
WAGE_2021 = {
    "Beijing": 194651,
    "Tianjin": 123528,
    "Hebei": 82526,
    "Shanxi": 82413,
    "Inner Mongolia": 90426,
    "Liaoning": 86062,
    "Jilin": 83028,
    "Heilongjiang": 80369,
    "Shanghai": 191844,
    "Jiangsu": 115133,
    "Zhejiang": 122309,
    "Anhui": 93861,
    "Fujian": 98071,
    "Jiangxi": 83766,
    "Shandong": 94768,
    "Henan": 74872,
    "Hubei": 96994,
    "Hunan": 85438,
    "Guangdong": 118133,
    "Guangxi": 88170,
    "Hainan": 97471,
    "Chongqing": 101670,
    "Sichuan": 96741,
    "Guizhou": 94487,
    "Yunnan": 98730,
    "Tibet": 140355,
    "Shaanxi": 90996,
    "Gansu": 84500,
    "Qinghai": 109346,
    "Ningxia": 105266,
    "Xinjiang": 94281,
}
# 2023: China Statistical Yearbook 2024, as summarised at monvtuan.com (20 provinces only).
WAGE_2023 = {
    "Beijing": 218312,
    "Tianjin": 138007,
    "Inner Mongolia": 108856,
    "Shanghai": 229337,
    "Jiangsu": 125102,
    "Zhejiang": 133045,
    "Anhui": 103688,
    "Fujian": 108520,
    "Shandong": 107131,
    "Hubei": 109227,
    "Hunan": 97015,
    "Guangdong": 131418,
    "Hainan": 114572,
    "Chongqing": 113653,
    "Sichuan": 110160,
    "Tibet": 165004,
    "Shaanxi": 106969,
    "Qinghai": 121457,
    "Ningxia": 117681,
    "Xinjiang": 112305,
}
# National averages (same yearbooks), printed only as a check on the growth factor.
NATIONAL_WAGE_2021 = 106837
NATIONAL_WAGE_2023 = 120698

# --- Staff index ---------------------------------------------------------------------------
# Year-end 2019 resident population, 10k persons. Source: NBS, as tabulated in news copies;
# Tianjin from its 2019 statistical communiqué; Hainan, Ningxia, Qinghai unverified (SOURCES.md).
POPULATION_2019 = {
    "Beijing": 2153.6,
    "Tianjin": 1561.83,
    "Hebei": 7591.97,
    "Shanxi": 3729.22,
    "Inner Mongolia": 2539.6,
    "Liaoning": 4351.7,
    "Jilin": 2690.73,
    "Heilongjiang": 3751.3,
    "Shanghai": 2428.14,
    "Jiangsu": 8070,
    "Zhejiang": 5850,
    "Anhui": 6365.9,
    "Fujian": 3973,
    "Jiangxi": 4666.1,
    "Shandong": 10070.21,
    "Henan": 9640,
    "Hubei": 5927,
    "Hunan": 6918.4,
    "Guangdong": 11521,
    "Guangxi": 4960,
    "Hainan": 944.72,
    "Chongqing": 3124.32,
    "Sichuan": 8375,
    "Guizhou": 3622.95,
    "Yunnan": 4858.3,
    "Tibet": 350.56,
    "Shaanxi": 3876.21,
    "Gansu": 2647.43,
    "Qinghai": 607.82,
    "Ningxia": 694.66,
    "Xinjiang": 2523.22,
}
# Estimate: hireable data-centre operations staff per resident at IT-density multiplier 1.
STAFF_PER_RESIDENT = 0.0002
# Estimate: IT-labour-density multiplier t by city tier (judgement; reasons in SOURCES.md).
IT_DENSITY_GROUPS = {
    5.0: ["Beijing"],
    4.5: ["Shanghai"],
    2.0: ["Guangdong", "Zhejiang"],
    1.8: ["Jiangsu"],
    1.5: ["Tianjin"],
    1.0: [
        "Sichuan",
        "Hubei",
        "Shaanxi",
        "Chongqing",
        "Fujian",
        "Shandong",
        "Anhui",
        "Hunan",
        "Henan",
        "Liaoning",
    ],
    0.6: [
        "Hebei",
        "Shanxi",
        "Inner Mongolia",
        "Jilin",
        "Heilongjiang",
        "Jiangxi",
        "Guangxi",
        "Hainan",
        "Guizhou",
        "Yunnan",
    ],
    0.5: ["Tibet", "Gansu", "Qinghai", "Ningxia", "Xinjiang"],
}
IT_DENSITY = {name: t for t, names in IT_DENSITY_GROUPS.items() for name in names}

# --- Power price ---------------------------------------------------------------------------
# Estimate: large-industry all-in price, CNY/kWh, one level per tier, anchored on secondary
# figures (China Briefing national average, FT/GreenergyDaily west-vs-coast gap, DATA.md).
POWER_PRICE_TIERS = {
    "A": (0.68, ["Beijing", "Shanghai", "Jiangsu", "Zhejiang", "Guangdong"]),
    "B": (
        0.64,
        [
            "Tianjin",
            "Shandong",
            "Fujian",
            "Hainan",
            "Hunan",
            "Hubei",
            "Jiangxi",
            "Anhui",
            "Chongqing",
            "Liaoning",
            "Jilin",
            "Heilongjiang",
            "Henan",
            "Guangxi",
        ],
    ),
    "C": (0.58, ["Hebei", "Shanxi", "Shaanxi", "Sichuan", "Tibet"]),
    "D": (0.48, ["Gansu", "Xinjiang", "Qinghai", "Yunnan", "Guizhou"]),
    "D-": (0.45, ["Inner Mongolia", "Ningxia"]),
}
POWER_PRICE = {name: price for price, names in POWER_PRICE_TIERS.values() for name in names}

# --- PUE -----------------------------------------------------------------------------------
# Estimate: pue = min(cap, zone value - arid bonus + altitude penalty).
# Climate zone of the main DC sites (GB 50176): severe cold, cold, temperate,
# hot-summer/cold-winter, hot-summer/warm-winter.
CLIMATE_ZONE_GROUPS = {
    "SC": ["Heilongjiang", "Jilin", "Liaoning", "Inner Mongolia", "Xinjiang", "Qinghai"],
    "C": [
        "Beijing",
        "Tianjin",
        "Hebei",
        "Shanxi",
        "Shandong",
        "Henan",
        "Shaanxi",
        "Gansu",
        "Ningxia",
        "Tibet",
    ],
    "HSCW": [
        "Shanghai",
        "Jiangsu",
        "Zhejiang",
        "Anhui",
        "Jiangxi",
        "Hubei",
        "Hunan",
        "Chongqing",
        "Sichuan",
    ],
    "HSWW": ["Fujian", "Guangdong", "Guangxi", "Hainan"],
    "T": ["Guizhou", "Yunnan"],
}
CLIMATE_ZONE = {name: zone for zone, names in CLIMATE_ZONE_GROUPS.items() for name in names}
# Design PUE per zone (judgement).
ZONE_PUE = {"SC": 1.18, "C": 1.22, "T": 1.22, "HSCW": 1.28, "HSWW": 1.30}
# Dry climates allowing evaporative cooling most of the year.
ARID = {"Inner Mongolia", "Ningxia", "Gansu", "Xinjiang", "Qinghai", "Tibet"}
ARID_BONUS = 0.03
# Capital above 2,000 m: thinner air, less air-side cooling capacity.
HIGH_ALTITUDE = {"Qinghai", "Tibet"}
ALTITUDE_PENALTY = 0.02
# Policy caps (NDRC et al. 2021 East-Data-West-Computing documents, via DATA.md):
# 1.30 for new large DCs, < 1.25 at national hub nodes, <= 1.25 in the Yangtze Delta cluster
# and Wuhu, <= 1.20 in the Qingyang cluster.
DEFAULT_PUE_CAP = 1.30
PUE_CAP_GROUPS = {
    1.24: ["Hebei", "Inner Mongolia", "Ningxia", "Guizhou", "Sichuan", "Chongqing", "Guangdong"],
    1.25: ["Shanghai", "Jiangsu", "Zhejiang", "Anhui"],
    1.20: ["Gansu"],
}
PUE_CAP = {name: cap for cap, names in PUE_CAP_GROUPS.items() for name in names}

# --- Statistical region -----------------------------------------------------------------
# The four economic regions of the National Bureau of Statistics, "东西中部和东北地区划分方法"
# (2011-06-13, stats.gov.cn/tjzs/t20110613_402731597.htm): east 10, central 6, west 12,
# northeast 3 provincial units.
REGIONS = {
    "east": ["Beijing", "Tianjin", "Hebei", "Shanghai", "Jiangsu", "Zhejiang", "Fujian",
             "Shandong", "Guangdong", "Hainan"],
    "central": ["Shanxi", "Anhui", "Jiangxi", "Henan", "Hubei", "Hunan"],
    "west": ["Inner Mongolia", "Guangxi", "Chongqing", "Sichuan", "Guizhou", "Yunnan", "Tibet",
             "Shaanxi", "Gansu", "Qinghai", "Ningxia", "Xinjiang"],
    "northeast": ["Liaoning", "Jilin", "Heilongjiang"],
}  # fmt: skip
REGION = {name: region for region, names in REGIONS.items() for name in names}

COLUMNS = [
    "adcode",
    "name_en",
    "name_zh",
    "power_price_cny_kwh",
    "power_price_confidence",
    "pue",
    "pue_confidence",
    "grid_co2_kg_kwh",
    "grid_co2_confidence",
    "staff_available_fte",
    "staff_confidence",
    "wage_cny_year",
    "wage_confidence",
    "region",
]


def wage_growth_2021_2023() -> float:
    """Median 2023/2021 wage ratio over the provinces that have both years."""
    return statistics.median(WAGE_2023[k] / WAGE_2021[k] for k in WAGE_2023)


def pue(name: str) -> float:
    value = (
        ZONE_PUE[CLIMATE_ZONE[name]]
        - (ARID_BONUS if name in ARID else 0)
        + (ALTITUDE_PENALTY if name in HIGH_ALTITUDE else 0)
    )
    return round(min(PUE_CAP.get(name, DEFAULT_PUE_CAP), value), 2)


def wage(name: str, growth: float) -> tuple[int, str]:
    if name in WAGE_2023:
        return WAGE_2023[name], "secondary"
    return int(round(WAGE_2021[name] * growth, -2)), "estimate"


def staff(name: str) -> int:
    return int(round(POPULATION_2019[name] * 1e4 * STAFF_PER_RESIDENT * IT_DENSITY[name], -1))


def build_rows() -> list[dict[str, object]]:
    growth = wage_growth_2021_2023()
    rows = []
    for adcode, name_en, name_zh in PROVINCES:
        grid_co2 = GRID_CO2_2022.get(name_en, SOUTHWEST_GRID_CO2_2022)
        wage_value, wage_confidence = wage(name_en, growth)
        rows.append(
            {
                "adcode": adcode,
                "name_en": name_en,
                "name_zh": name_zh,
                "power_price_cny_kwh": f"{POWER_PRICE[name_en]:.2f}",
                "power_price_confidence": "estimate",
                "pue": f"{pue(name_en):.2f}",
                "pue_confidence": "estimate",
                "grid_co2_kg_kwh": f"{grid_co2:.4f}",
                "grid_co2_confidence": "secondary",
                "staff_available_fte": staff(name_en),
                "staff_confidence": "estimate",
                "wage_cny_year": wage_value,
                "wage_confidence": wage_confidence,
                "region": REGION[name_en],
            }
        )
    return rows


def main() -> None:
    rows = build_rows()
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    n_estimated_wages = sum(r["wage_confidence"] == "estimate" for r in rows)
    print(f"wrote {OUT} ({len(rows)} provinces)")
    print(
        f"wage growth 2021-2023: median {wage_growth_2021_2023():.5f} "
        f"(national {NATIONAL_WAGE_2023 / NATIONAL_WAGE_2021:.5f}); "
        f"{n_estimated_wages} wages estimated"
    )
    print(f"staff index total: {sum(r['staff_available_fte'] for r in rows):,} FTE")


if __name__ == "__main__":
    main()
