"""Build ``data/rest_of_china.csv`` and ``data/it_prices.csv`` (issue #9, model inputs).

* ``rest_of_china.csv``: how demand outside the 15 hubs (and capacity outside the sites) is
  split over the provinces, one pseudo-hub and pseudo-site per province at its capital. The key
  is the remainder of the hub weight of ``data/SOURCES.md`` section B step 4 (half GDP share,
  half share of CAC algorithm filings) province by province, so that hubs and provinces
  together hold every yuan of GDP and every filing once.
* ``it_prices.csv``: prices of eight-accelerator servers per class and year, and the same per
  MW of IT load.

Every number is documented in ``data/SOURCES.md`` section T (T7, T8). Inputs: ``data/cities.csv``
(capital coordinates) and the constants below and in ``build_sites_hubs.py``. Deterministic.

Run: ``.venv/bin/python scripts/build_time_inputs.py [OUTDIR]`` (default: the repo's ``data/``).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from build_sites_hubs import FIL, GDP, HUBS, write_csv

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data"

# ---------------------------------------------------------------- rest of China [T7]
#: 2024 GDP per province, 100 million CNY: provincial statistical bureaus' first estimates as
#: tabulated in public code (secondary); Liaoning, Guizhou and Hainan were not in the stored
#: table and are the provinces' published figures as recalled (estimate, to verify).
PROVINCE_GDP = {
    "Beijing": (49843.1, "secondary"),
    "Tianjin": (18024.32, "secondary"),
    "Hebei": (47526.9, "secondary"),
    "Shanxi": (25494.69, "secondary"),
    "Inner Mongolia": (26314.6, "secondary"),
    "Liaoning": (32612.7, "estimate"),
    "Jilin": (14361.22, "secondary"),
    "Heilongjiang": (16476.9, "secondary"),
    "Shanghai": (53926.71, "secondary"),
    "Jiangsu": (137008.0, "secondary"),
    "Zhejiang": (90131.0, "secondary"),
    "Anhui": (50625.0, "secondary"),
    "Fujian": (57761.02, "secondary"),
    "Jiangxi": (34202.5, "secondary"),
    "Shandong": (98565.8, "secondary"),
    "Henan": (63589.99, "secondary"),
    "Hubei": (60012.97, "secondary"),
    "Hunan": (53231.0, "secondary"),
    "Guangdong": (141633.81, "secondary"),
    "Guangxi": (28649.4, "secondary"),
    "Hainan": (7935.7, "estimate"),
    "Chongqing": (32193.15, "secondary"),
    "Sichuan": (64697.0, "secondary"),
    "Guizhou": (22667.1, "estimate"),
    "Yunnan": (31534.1, "secondary"),
    "Tibet": (2764.94, "secondary"),
    "Shaanxi": (35538.77, "secondary"),
    "Gansu": (13002.9, "secondary"),
    "Qinghai": (3950.79, "secondary"),
    "Ningxia": (5502.76, "secondary"),
    "Xinjiang": (20534.08, "secondary"),
}
#: Provincial capital (prefecture seat of ``cities.csv``, by adcode).
CAPITAL_ADCODE = {
    "Hebei": 130100, "Shanxi": 140100, "Inner Mongolia": 150100, "Liaoning": 210100,
    "Jilin": 220100, "Heilongjiang": 230100, "Jiangsu": 320100, "Zhejiang": 330100,
    "Anhui": 340100, "Fujian": 350100, "Jiangxi": 360100, "Shandong": 370100, "Henan": 410100,
    "Hubei": 420100, "Hunan": 430100, "Guangdong": 440100, "Guangxi": 450100, "Hainan": 460100,
    "Sichuan": 510100, "Guizhou": 520100, "Yunnan": 530100, "Tibet": 540100, "Shaanxi": 610100,
    "Gansu": 620100, "Qinghai": 630100, "Ningxia": 640100, "Xinjiang": 650100,
    "Beijing": 110000, "Tianjin": 120000, "Shanghai": 310000, "Chongqing": 500000,
}  # fmt: skip
GDP_SOURCE = "provincial statistical bureau, 2024 first estimate, as tabulated [T7]"
#: Rows of the allocation key are rounded to this many decimals; the last digit is assigned by
#: largest remainder so that the rows add up to exactly 1.
WEIGHT_DECIMALS = 6

ALLOCATION_COLUMNS = [
    "province", "capital", "capital_zh", "lon", "lat", "gdp_2024_100m_cny", "gdp_confidence",
    "hub_gdp_2024_100m_cny", "filing_share_pct", "weight", "grid_headroom_mw", "basis", "source",
    "confidence",
]  # fmt: skip
#: Grid headroom of a pseudo-site, MW: class M of section B (central/western metro), the
#: class of a provincial capital that is not a coastal tier-1/2 metro [estimate].
PSEUDO_HEADROOM_MW = 150.0


def allocation_rows() -> list[dict[str, str]]:
    """One row per province with demand left outside the hubs (weight > 0)."""
    hub_gdp: dict[str, float] = {}
    for hub_id, _, _, province, _ in HUBS:
        hub_gdp[province] = hub_gdp.get(province, 0.0) + GDP[hub_id]
    national = sum(v for v, _ in PROVINCE_GDP.values())
    rest_filings = 100.0 - sum(FIL.values())  # % of filings outside the hub provinces
    no_hub = [p for p in PROVINCE_GDP if p not in hub_gdp]
    no_hub_gdp = sum(PROVINCE_GDP[p][0] for p in no_hub)
    keys, filings = {}, {}
    for province, (gdp, _) in PROVINCE_GDP.items():
        filings[province] = rest_filings * gdp / no_hub_gdp if province in no_hub else 0.0
        rest_gdp = max(gdp - hub_gdp.get(province, 0.0), 0.0)
        keys[province] = 0.5 * rest_gdp / national + 0.5 * filings[province] / 100.0
    weights = _largest_remainder({p: k for p, k in keys.items() if k > 0}, WEIGHT_DECIMALS)
    with open(ROOT / "data" / "cities.csv", encoding="utf-8") as f:
        cities = {int(r["adcode"]): r for r in csv.DictReader(f)}
    rows = []
    for province, weight in weights.items():
        city = cities[CAPITAL_ADCODE[province]]
        gdp, flag = PROVINCE_GDP[province]
        if province in hub_gdp:
            basis = "0.5 x (province GDP - its hubs' GDP) / national; its filings are the hubs'"
        else:
            basis = "0.5 x province GDP / national + 0.5 x filings outside hub provinces by GDP"
        rows.append(
            {
                "province": province,
                "capital": city["name_en"],
                "capital_zh": city["name_zh"],
                "lon": city["lon"],
                "lat": city["lat"],
                "gdp_2024_100m_cny": f"{gdp:.2f}",
                "gdp_confidence": flag,
                "hub_gdp_2024_100m_cny": f"{hub_gdp.get(province, 0.0):.2f}",
                "filing_share_pct": f"{filings[province]:.3f}",
                "weight": f"{weight:.{WEIGHT_DECIMALS}f}",
                "grid_headroom_mw": f"{PSEUDO_HEADROOM_MW:g}",
                "basis": basis + ", normalised",
                "source": "[T7]; section B [23][24]; cities.csv (GeoNames)",
                "confidence": "estimate",
            }
        )
    return rows


def _largest_remainder(keys: dict[str, float], decimals: int) -> dict[str, float]:
    unit = 10**decimals
    total = sum(keys.values())
    exact = {p: k / total * unit for p, k in keys.items()}
    floor = {p: int(v) for p, v in exact.items()}
    short = unit - sum(floor.values())
    for p in sorted(exact, key=lambda p: floor[p] - exact[p])[:short]:
        floor[p] += 1
    return {p: floor[p] / unit for p in keys}


# ---------------------------------------------------------------- IT prices [T8]
#: Server IT power, kW: DGX H100 10.2 (SC3); an 8 x H20 server 8 x 0.4 kW / 0.549 (the GPUs'
#: share of a DGX H100's power, section T2).
H100_SERVER_KW = 10.2
H20_SERVER_KW = round(8 * 0.400 / (8 * 0.700 / 10.2), 3)
#: (year, class, server, kW, CNY per server, confidence, how the price was obtained).
PRICES = [
    (2023, "imported_high_end", "8xH100", H100_SERVER_KW, 2_100_000, "estimate",
     "8 GPUs at the 2023 grey-market top of 200,000 CNY each (DATA.md) + 0.5 M CNY for the "
     "rest of the server (the 2024 8xH20 server's 1.2 M less 8 H20 at ~US$12k, section T3)"),
    (2024, "imported_high_end", "8xH100", H100_SERVER_KW, 2_700_000, "secondary",
     "8xH100 NVLink server quoted by Chinese dealers, July 2024 (SC10)"),
    (2025, "imported_high_end", "8xH100", H100_SERVER_KW, 2_250_000, "estimate",
     "the July 2024 quote x 12.5/15: the H100 card fell from over US$15k (Q3 2024) to "
     "US$12-13k (Jan 2025) (dt-stor.com, [T8])"),
    (2024, "export_compliant", "8xH20", H20_SERVER_KW, 1_200_000, "secondary",
     "8xH20 server quoted by Chinese dealers, July 2024 (SC10)"),
    (2025, "export_compliant", "8xH20", H20_SERVER_KW, 1_100_000, "estimate",
     "an 8xH200 machine at ~1.5 M CNY, 30-40 % dearer than the H20 one (Jan 2026, [T8]): "
     "1.5 M / 1.35"),
]  # fmt: skip
PRICE_COLUMNS = [
    "year", "accelerator_class", "server", "server_kw", "price_cny_per_server",
    "price_cny_per_mw", "basis", "source", "confidence",
]  # fmt: skip


def price_rows() -> list[dict[str, str]]:
    """One row per year and class with a price; per MW = per server x 1000 / server kW."""
    return [
        {
            "year": str(year),
            "accelerator_class": klass,
            "server": server,
            "server_kw": f"{kw:g}",
            "price_cny_per_server": str(price),
            "price_cny_per_mw": str(round(price * 1000 / kw)),
            "basis": basis,
            "source": "[T8]",
            "confidence": flag,
        }
        for year, klass, server, kw, price, flag, basis in PRICES
    ]


def main(out: Path = DEFAULT_OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "rest_of_china.csv", ALLOCATION_COLUMNS, allocation_rows())
    write_csv(out / "it_prices.csv", PRICE_COLUMNS, price_rows())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
