"""Build the time tables of issue #9: national series, accelerator classes, vintages, rents.

Writes five files (every number documented in ``data/SOURCES.md`` section T):

* ``national_compute.csv``: China's intelligent compute (EFLOPS, FP16) per year-end, 2022–2030;
* ``demand_forecasts.csv``: the national series as forecast in 2023, 2024 and 2025 (what a
  myopic planner of each year knew);
* ``accelerators.csv``: kW of IT load per PFLOPS (dense FP16) per accelerator class, its
  server and its capability for training and serving (``siting.vintages.capability``);
* ``capacity_vintages.csv``: every site's compute (``data/sites.csv``) split by commissioning
  band and accelerator class, plus the ``rest_of_china`` remainder that closes the national
  series;
* ``rents.csv``: published rents of GPU servers by month and class.

Inputs: ``data/sites.csv`` (``existing_mw``) and the
constants below, with their references. The script is deterministic.

Run: ``.venv/bin/python scripts/build_vintages.py [OUTDIR]`` (default: the repo's ``data/``).
"""

from __future__ import annotations

import csv
import math
import sys
from itertools import pairwise
from pathlib import Path

import pandas as pd
from build_sites_hubs import IDC_2026, IDC_2028, KW_PER_PF, write_csv

from siting.vintages import ACCELERATOR_COLUMNS, capability

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data"

# ---------------------------------------------------------------- national series [T1][T2]
#: China's intelligent compute at each year-end, EFLOPS FP16: (value, kind, source, flag).
PUBLISHED = {
    2022: (259.9, "measured", "IDC/Inspur [T1]", "secondary"),
    2023: (414.0, "measured", "IDC/Inspur [T1]", "secondary"),
    2024: (725.3, "measured", "IDC/Inspur 2025 report [T1]", "secondary"),
    2025: (1037.3, "forecast", "IDC/Inspur 2025 report [T1]", "secondary"),
    2026: (IDC_2026, "forecast", "IDC/Inspur 2025 report [T1]", "secondary"),
    2028: (IDC_2028, "forecast", "IDC/Inspur 2025 report [T1]", "secondary"),
}
#: Yearly growth used past 2028: that of IDC's 2026→2028 forecast (about 38 %).
LATE_GROWTH = math.sqrt(IDC_2028 / IDC_2026)
FIRST_YEAR, LAST_YEAR = 2022, 2030


#: Forecasts as a planner held them: year the report was public -> (report, published
#: year-end values in EFLOPS, source) [T6]. Years between published points are geometric.
FORECASTS = {
    2023: (
        "IDC/Inspur 2022-2023",
        {2022: 268.0, 2026: 1271.4},
        "[T6] 2022 268.0, 2026 1,271.4 (CAGR 52.3 %)",
    ),
    2024: (
        "IDC/Inspur 2023-2024",
        {2022: 259.9, 2027: 1117.4},
        "[T6] 2022 259.9, 2027 1,117.4 (CAGR 33.9 %)",
    ),
    2025: (
        "IDC/Inspur 2025",
        {2024: 725.3, 2025: 1037.3, 2026: 1460.3, 2028: 2781.9},
        "[T1] 2024 725.3, 2025 1,037.3, 2026 1,460.3, 2028 2,781.9",
    ),
}


def forecast_rows() -> list[dict[str, str]]:
    rows = []
    for published, (report, points, source) in FORECASTS.items():
        years = sorted(points)
        for year in range(max(published, years[0]), years[-1] + 1):
            lo = max(y for y in years if y <= year)
            hi = min(y for y in years if y >= year)
            value = (
                points[lo]
                if lo == hi
                else points[lo] * (points[hi] / points[lo]) ** ((year - lo) / (hi - lo))
            )
            rows.append(
                {
                    "published": str(published),
                    "report": report,
                    "year": str(year),
                    "eflops_fp16": f"{value:.1f}",
                    "kind": "published" if year in points else "interpolated",
                    "source": source,
                    "confidence": "secondary" if year in points else "estimate",
                }
            )
    return rows


def national_eflops() -> dict[int, tuple[float, str, str, str]]:
    """Year-end national compute 2022–2030 (EFLOPS, to 0.1 as published) with kind, source, flag."""
    out = dict(PUBLISHED)
    out[2027] = (
        math.sqrt(IDC_2026 * IDC_2028),
        "interpolated",
        "geometric mean of IDC 2026 and 2028 [T1]",
        "estimate",
    )
    for year in (2029, 2030):
        out[year] = (
            out[year - 1][0] * LATE_GROWTH,
            "extrapolated",
            "IDC 2026→2028 growth rate continued [T1]",
            "estimate",
        )
    return {y: (round(v[0], 1), *v[1:]) for y, v in sorted(out.items())}


def national_pf(year_end: float) -> float:
    """National compute (PF) at a decimal date; year-end ``Y`` is date ``Y + 1``.

    Geometric interpolation between year-ends; e.g. ``national_pf(2025.5)`` is mid-2025.
    """
    series = {y: round(v[0] * 1000) for y, v in national_eflops().items()}
    year = math.floor(year_end) - 1  # the year-end at or before the date
    frac = year_end - (year + 1)
    if frac == 0 or year + 1 not in series:
        return series[year]
    return series[year] * (series[year + 1] / series[year]) ** frac


# ---------------------------------------------------------------- accelerator classes [T2]
#: (class, examples, kW/PF, basis, source, flag)
DGX_H100_KW_PER_PF = 10.2 / (8 * 0.989)  # 10.2 kW, 8 x 989 TFLOPS dense FP16
DGX_A100_KW_PER_PF = 6.5 / (8 * 0.312)  # 6.5 kW, 8 x 312 TFLOPS
GPU_SHARE_OF_SERVER = 8 * 0.700 / 10.2  # DGX H100: 8 x 700 W of 10.2 kW are GPUs
H20_KW_PER_PF = 8 * 0.400 / GPU_SHARE_OF_SERVER / (8 * 0.148)
ASCEND_KW_PER_PF = 8 * 0.350 / GPU_SHARE_OF_SERVER / (8 * 0.320)
ACCELERATORS = [
    (
        "imported_high_end",
        "A100, A800, H100, H800",
        0.5 * DGX_H100_KW_PER_PF + 0.5 * DGX_A100_KW_PER_PF,
        "equal-PF blend of DGX H100 (10.2 kW / 7.912 PF = 1.289) and DGX A100 "
        "(6.5 kW / 2.496 PF = 2.604); server: the blend's mean 8-GPU server, HBM 3.35 (H100) "
        "and 2.039 TB/s (A100 80 GB) per GPU",
        "NVIDIA datasheets as quoted [T2]",
        "estimate",
    ),
    (
        "export_compliant",
        "H20, L20",
        H20_KW_PER_PF,
        "8 x H20 (148 TFLOPS dense FP16, 4.0 TB/s HBM, 400 W) with the DGX H100 GPU share of "
        "server power (5.6 of 10.2 kW)",
        "H20 specifications as reported [T2]",
        "estimate",
    ),
    (
        "domestic",
        "Ascend 910B, 910C",
        ASCEND_KW_PER_PF,
        "8 x Ascend 910B (320 TFLOPS FP16, 1.6 TB/s HBM, 350 W) with the DGX H100 GPU share "
        "of server power",
        "Ascend 910B specifications as reported [T2]",
        "estimate",
    ),
]
CLASSES = [a[0] for a in ACCELERATORS]
#: HBM TB/s per accelerator [T2]: H100/H800 SXM 3.35, A100/A800 SXM 80 GB 2.039, H20 4.0,
#: Ascend 910B 1.6 (reported 1.2 to 1.8 by variant; flagged estimate).
HBM_TBPS = {"H100": 3.35, "A100": 2.039, "H20": 4.0, "Ascend 910B": 1.6}


def blend_server() -> tuple[float, float, float]:
    """Mean 8-accelerator server of the equal-PF blend of H100 and A100: kW, TFLOPS, TB/s.

    One PF of the blend is half a PF of H100 (0.5/0.989 GPUs) and half of A100 (0.5/0.312);
    per accelerator it has the blend's mean TFLOPS and HBM, and its kW per PF is the class's.
    """
    h100, a100 = 0.5 / 0.989, 0.5 / 0.312
    tflops = 1000 / (h100 + a100)
    tbps = (h100 * HBM_TBPS["H100"] + a100 * HBM_TBPS["A100"]) / (h100 + a100)
    return 8 * tflops / 1000 * ACCELERATORS[0][2], tflops, tbps


#: Server per class: kW of IT load, accelerators, dense FP16 TFLOPS and HBM TB/s per
#: accelerator [T2]; the H20 and Ascend servers take the DGX H100 GPU share of server power.
SERVERS = {
    "imported_high_end": (round(blend_server()[0], 3), 8, *blend_server()[1:]),
    "export_compliant": (8 * 0.400 / GPU_SHARE_OF_SERVER, 8, 148.0, HBM_TBPS["H20"]),
    "domestic": (8 * 0.350 / GPU_SHARE_OF_SERVER, 8, 320.0, HBM_TBPS["Ascend 910B"]),
}
#: Share of serving time in prefill on the reference 8×H800 servers [T2]: DeepSeek's day of
#: February 2025, 608 bn input tokens at 73.7k/s per node and 168 bn output tokens at 14.8k/s
#: per node: 8.25 M of 19.60 M node-seconds (226.75 nodes on average × 86,400 s = 19.59 M).
PREFILL_NODE_S = 608e9 / 73.7e3
PREFILL_SHARE = round(PREFILL_NODE_S / (PREFILL_NODE_S + 168e9 / 14.8e3), 2)
#: kW/PF per class as written to ``accelerators.csv`` (3 decimals); MW use these.
KW_PER_PF_CLASS = {a[0]: round(a[2], 3) for a in ACCELERATORS}

# ---------------------------------------------------------------- vintages [T3]
BANDS = ["<=2022", "2023", "2024", "2025", "2026+"]
#: Date at which each band closes (decimal years; year-end Y is Y + 1).
BAND_END = {"<=2022": 2023.0, "2023": 2024.0, "2024": 2025.0, "2025": 2026.0}
#: Share of each band's PF by accelerator class [T3].
CLASS_MIX = {
    "<=2022": {"imported_high_end": 0.95, "export_compliant": 0.0, "domestic": 0.05},
    "2023": {"imported_high_end": 0.80, "export_compliant": 0.0, "domestic": 0.20},
    "2024": {"imported_high_end": 0.13, "export_compliant": 0.50, "domestic": 0.37},
    "2025": {"imported_high_end": 0.05, "export_compliant": 0.46, "domestic": 0.49},
    "2026+": {"imported_high_end": 0.0, "export_compliant": 0.20, "domestic": 0.80},
}
#: Share of national compute held by the sites at end-2025 [T3]: CAICT's Top-20 cities held
#: 74 % of national compute (2022).
SITE_COVERAGE = 0.74
#: In-service figure and its date per site: "A" = reported in service at that date (decimal
#: year); "B" = a target, our growth estimate or a claim dated December 2025 or later, counted
#: in service only up to what the national series leaves (the rest is announced 2026+).
GDP_PROXY = [
    "chongqing", "shenzhen", "guangzhou", "hangzhou", "nanjing", "suzhou", "hefei", "tianjin",
    "changsha", "wuhan", "xian", "lanzhou",
]  # fmt: skip
ANCHOR: dict[str, tuple[str, float, str]] = {
    "zhangjiakou": ("A", 2025.5, "[6] Hebei 18 % of national, mid-2025"),
    "langfang": ("A", 2025.5, "[6] Hebei 18 % of national, mid-2025"),
    "horinger": ("B", 2026.0, "[8] Inner Mongolia end-2025 claim less Ulanqab; Hohhot target"),
    "ulanqab": ("B", 2026.0, "[8] claim of Dec 2025"),
    "zhongwei": ("B", 2026.0, "[9] '2025 scale 130,000 P' (year claim)"),
    "qingyang": ("A", 2025 + 8 / 12, "[10] 66,000 PF in Aug 2025"),
    "guian": ("A", 2025 + 3 / 12, "[11] Guizhou 56.9 EFLOPS in Mar 2025"),
    "shaoguan": ("B", 2026.0, "[12] our growth estimate from a target"),
    "wuhu": ("A", 2025 + 9 / 12, "[13] platform 26,000 P in Sept 2025"),
    "yrd_eco_green": ("A", 2025.0, "[14] Jiaxing >40,000 PF by end-2024"),
    "tianfu": ("B", 2026.0, "[15] estimate from a plan statement"),
    "yaan": ("A", 2025 + 5 / 12, "[15] 3,800 PF in May 2025"),
    "shanghai": ("B", 2026.0, "[16] claim of Jan 2026"),
    "beijing": ("B", 2026.0, "[17] 2025 target, not audited"),
    "zhengzhou": ("A", 2025 + 3 / 12, "[18] 10,000 P in Q1 2025"),
    "hami": ("A", 2025 + 1 / 12, "[20] Jan 2025"),
    "xining": ("A", 2025 + 9 / 12, "[21] 17,000 PF in Sept 2025"),
    "datong": ("A", 2024 + 11 / 12, "[19] racks of Nov 2024"),
} | {s: ("A", 2025.5, "[2][23] GDP proxy of the June 2025 national total") for s in GDP_PROXY}
#: Earlier dated in-service figures (decimal date, PF, reference): the split follows them.
EARLIER: dict[str, list[tuple[float, float, str]]] = {
    "guian": [(2024 + 5 / 12, 28_830, "[11] 28.83 EFLOPS intelligent in May 2024")],
    "yrd_eco_green": [(2024 + 10 / 12, 32_000, "[14] 32,000 PF in Oct 2024")],
    "shaoguan": [(2025.0, 10_000, "[12] 10,000 P at end-2024")],
    "hami": [(2024 + 4 / 12, 128, "[20] 128 P in Apr 2024")],
}
REST = "rest_of_china"

# ---------------------------------------------------------------- rents [T5]
#: IT power of the rented servers, kW: DGX H100 10.2, DGX A100 6.5 (section T2); the H20 and
#: Ascend servers of the derived rents are their classes' (``accelerators.csv``).
SERVER_KW = {
    "8xH100": 10.2,
    "8xA100": 6.5,
    "8xH20": round(SERVERS["export_compliant"][0], 3),
    "8xAscend910B": round(SERVERS["domestic"][0], 3),
}
#: 15.1 CNY per A100 GPU-hour (Aug 2023) as a server-month: 8 GPUs x 730 hours.
A100_2023 = round(15.1 * 8 * 730, -2)
RENTS = [  # period, class, server, low, high, source, flag
    ("2023-08", "imported_high_end", "8xA100", A100_2023, A100_2023, "[T5] 163.com", "estimate"),
    ("2024-01", "imported_high_end", "8xH100", 120_000, 180_000, "[T5] cnBeta", "secondary"),
    ("2024-11", "imported_high_end", "8xH100", 70_000, 70_000, "[T5] cnBeta", "secondary"),
    ("2025-02", "imported_high_end", "8xH100", 75_000, 75_000, "[T5] press", "secondary"),
]  # fmt: skip
#: No rent was found for these classes [T5]: each takes the imported rows' rent per PF of dense
#: FP16 (per training demand MW), from the first period the class was on sale.
DERIVED_RENTS = {"export_compliant": ("8xH20", "2024-01"), "domestic": ("8xAscend910B", "2023-08")}


# ---------------------------------------------------------------- builders
def read_table(path: Path, key: str, value: str) -> dict[str, float]:
    """One numeric column of a shipped CSV, keyed by its id column, in file order."""
    with open(path, encoding="utf-8") as f:
        return {r[key]: float(r[value]) for r in csv.DictReader(f)}


def split_integer(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Integers proportional to ``weights`` that add up to ``total`` (largest remainder)."""
    wsum = sum(weights.values())
    raw = {k: total * w / wsum for k, w in weights.items()}
    out = {k: math.floor(v) for k, v in raw.items()}
    short = total - sum(out.values())
    for k in sorted(raw, key=lambda k: (out[k] - raw[k], list(raw).index(k)))[:short]:
        out[k] += 1
    return out


def cumulative(date: float, points: list[tuple[float, float]]) -> float:
    """A site's PF in service at ``date``, from its dated ``points`` (date, PF), in order.

    Before the first point the site follows the national profile scaled to that point;
    between two points it gains in proportion to national growth; after the last it is flat.
    """
    first_date, first_pf = points[0]
    if date <= first_date:
        return first_pf * national_pf(date) / national_pf(first_date)
    for (d1, c1), (d2, c2) in pairwise(points):
        if date <= d2:
            growth = (national_pf(date) - national_pf(d1)) / (national_pf(d2) - national_pf(d1))
            return c1 + (c2 - c1) * growth
    return points[-1][1]


def band_weights(points: list[tuple[float, float]]) -> dict[str, float]:
    """PF a site adds in each band, from its dated points (see :func:`cumulative`)."""
    out, before = {}, 0.0
    for band, end in BAND_END.items():
        level = cumulative(end, points)
        out[band] = level - before
        before = level
    return out


def site_pf(sites: dict[str, float]) -> dict[str, int]:
    """Each site's compute in PF, as ``data/sites.csv`` encodes it (``existing_mw / KW_PER_PF``)."""
    return {s: round(mw * 1000 / KW_PER_PF) for s, mw in sites.items()}


def in_service_share(pf: dict[str, int]) -> float:
    """Share of the B-group claims in service at end-2025 (what the coverage leaves them)."""
    group_a = sum(p for s, p in pf.items() if ANCHOR[s][0] == "A")
    group_b = sum(p for s, p in pf.items() if ANCHOR[s][0] == "B")
    return (SITE_COVERAGE * national_pf(2026.0) - group_a) / group_b


def vintage_rows(sites: dict[str, float]) -> list[dict[str, str]]:
    pf = site_pf(sites)
    lam = in_service_share(pf)
    by_band: dict[str, dict[str, int]] = {}
    for s, total in pf.items():
        group, anchor, _ = ANCHOR[s]
        served = total if group == "A" else round(total * lam)
        points = [(d, pf) for d, pf, _ in EARLIER.get(s, [])] + [(anchor, served)]
        bands = split_integer(served, band_weights(points))
        bands["2026+"] = total - served
        by_band[s] = bands
    rest: dict[str, int] = {}
    before = 0
    for band, end in BAND_END.items():
        level = round(national_pf(end))
        rest[band] = level - before - sum(b[band] for b in by_band.values())
        before = level
    rows = []
    for s in pf:
        rows += _class_rows(s, by_band[s], _site_source(s, lam))
    rows += _class_rows(REST, rest, "[T3] national series less the sites")
    return rows


def _site_source(site: str, lam: float) -> str:
    group, _, ref = ANCHOR[site]
    how = "in service at that date" if group == "A" else f"{lam:.3f} in service by end-2025"
    earlier = "".join(f"; {r}" for _, _, r in EARLIER.get(site, []))
    return f"{ref}; {how}{earlier}; split by national profile and class mix [T3]"


def _class_rows(site: str, bands: dict[str, int], source: str) -> list[dict[str, str]]:
    rows = []
    for band in BANDS:
        if band not in bands or bands[band] == 0:
            continue
        for cls, pf in split_integer(bands[band], CLASS_MIX[band]).items():
            if pf:
                mw = pf * KW_PER_PF_CLASS[cls] / 1000
                rows.append(
                    {
                        "site_id": site,
                        "year_band": band,
                        "accelerator_class": cls,
                        "pf": str(pf),
                        "mw": f"{mw:.3f}",
                        "source": source,
                        "confidence": "estimate",
                    }
                )
    return rows


def national_rows() -> list[dict[str, str]]:
    return [
        {"year": str(y), "eflops_fp16": f"{v:.1f}", "kind": k, "source": src, "confidence": c}
        for y, (v, k, src, c) in national_eflops().items()
    ]


def accelerator_rows() -> list[dict[str, str]]:
    rows = [
        {
            "accelerator_class": cls,
            "examples": ex,
            "kw_per_pf": f"{KW_PER_PF_CLASS[cls]:.3f}",
            "server_kw": f"{SERVERS[cls][0]:.3f}",
            "accelerators_per_server": f"{SERVERS[cls][1]}",
            "tflops_fp16_dense": f"{SERVERS[cls][2]:.1f}",
            "hbm_tbps": f"{SERVERS[cls][3]:.3f}",
            "prefill_share": f"{PREFILL_SHARE:.2f}",
            "basis": basis,
            "source": src,
            "confidence": conf,
        }
        for cls, ex, _kw, basis, src, conf in ACCELERATORS
    ]
    numbers = [c.name for c in ACCELERATOR_COLUMNS if c.number and c.name in rows[0]]
    factors = capability(pd.DataFrame(rows)[numbers].astype(float))
    for row, train, serve in zip(rows, *factors, strict=True):
        row |= {"train_factor": f"{train:.3f}", "serve_factor": f"{serve:.3f}"}
    order = [c.name for c in ACCELERATOR_COLUMNS]
    return [{c: row[c] for c in order} for row in rows]


def derived_rents() -> list[tuple[str, str, str, float, float, str, str]]:
    """Every published row, then its equal-rent-per-PF rows for the classes without one [T5].

    A class's server of ``kw`` kW holds ``kw / kw_per_pf`` PF: its rent per server-month is the
    published row's rent per PF-month times that, rounded down to a yuan so that no derived row
    raises the highest rent per demand MW (the unmet-use penalty).
    """
    rows = []
    for period, cls, server, low, high, src, conf in RENTS:
        rows.append((period, cls, server, low, high, src, conf))
        pf = SERVER_KW[server] / KW_PER_PF_CLASS[cls]
        for other, (theirs, first) in DERIVED_RENTS.items():
            if period >= first:
                their_pf = SERVER_KW[theirs] / KW_PER_PF_CLASS[other]
                low_k, high_k = (math.floor(x / pf * their_pf) for x in (low, high))
                rows.append((period, other, theirs, low_k, high_k, f"{src}, per PF", "estimate"))
    return rows


def rent_rows() -> list[dict[str, str]]:
    return [
        {
            "period": period,
            "accelerator_class": cls,
            "server": server,
            "server_kw": f"{SERVER_KW[server]:g}",
            "rent_low_cny_month": f"{low:.0f}",
            "rent_high_cny_month": f"{high:.0f}",
            "rent_mid_cny_per_mw_year": f"{(low + high) / 2 * 12 * 1000 / SERVER_KW[server]:.0f}",
            "source": src,
            "confidence": conf,
        }
        for period, cls, server, low, high, src, conf in derived_rents()
    ]


def main(out: Path = DEFAULT_OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    sites = read_table(ROOT / "data" / "sites.csv", "site_id", "existing_mw")
    tables = {
        "national_compute.csv": national_rows(),
        "demand_forecasts.csv": forecast_rows(),
        "accelerators.csv": accelerator_rows(),
        "capacity_vintages.csv": vintage_rows(sites),
        "rents.csv": rent_rows(),
    }
    for name, rows in tables.items():
        write_csv(out / name, list(rows[0]), rows)
    print(f"B-group share in service by end-2025: {in_service_share(site_pf(sites)):.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
