"""Capacity vintages: the reader, and the MW installed, in service and by cohort they give."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from siting._validate import CONFIDENCE, CSV_ROWS, Column
from siting.errors import Problem
from siting.scenario import ACCELERATOR_CLASSES
from siting.vintages.checks import finish, is_number, read_columns
from siting.vintages.constants import MAX_MW, MAX_PF, REST_OF_CHINA, SITE_KW_PER_PF

#: Commissioning bands, in order; a band's capacity is in service from the year-end it names
#: (``2026+``: announced, not in service by end-2025).
YEAR_BANDS = ("<=2022", "2023", "2024", "2025", "2026+")
#: Year-end by which each band is in service.
BAND_YEAR = {"<=2022": 2022, "2023": 2023, "2024": 2024, "2025": 2025, "2026+": 2026}
#: Cohorts over which band ``<=2022`` is spread for retirement: CAICT counts the AI servers
#: shipped in the last six years in the national stock (SOURCES.md T3).
FIRST_BAND_COHORTS = 6
#: A site's vintages add up to its ``existing_mw`` within half the 0.1 MW it is rounded to.
SITE_TOTAL_TOLERANCE_MW = 0.05
#: ``mw`` = ``pf`` × kW/PF of the class within the 0.001 MW it is rounded to.
ROW_MW_TOLERANCE = 0.001
#: Tolerance of the reconciliation with the national series, PF: half the 0.1 EFLOPS to which
#: the series is published (SOURCES.md T3).
RECONCILE_TOLERANCE_PF = 50.0
VINTAGE_COLUMNS = (
    Column("site_id"),
    Column("year_band", choices=YEAR_BANDS),
    Column("accelerator_class", choices=ACCELERATOR_CLASSES),
    Column("pf", number=True, minimum=0, maximum=MAX_PF),
    Column("mw", number=True, minimum=0, maximum=MAX_MW),
    Column("source"),
    Column("confidence", choices=CONFIDENCE),
)


def read_capacity_vintages(
    path: Path, *, site_totals_mw: Mapping[str, float], kw_per_pf: Mapping[str, float]
) -> pd.DataFrame:
    """Read capacity vintages and check them against the sites and the accelerator classes.

    Parameters
    ----------
    path
        The vintage table.
    site_totals_mw
        ``existing_mw`` of every site (``data/sites.csv``): a site's rows must add up to it
        (PF × :data:`SITE_KW_PER_PF`) within :data:`SITE_TOTAL_TOLERANCE_MW`.
    kw_per_pf
        kW per PF of every known accelerator class; ``mw`` must equal ``pf`` × it / 1000.
    """
    source = str(path)
    table, problems = read_columns(path, VINTAGE_COLUMNS, key="site_id")
    known = set(site_totals_mw) | {REST_OF_CHINA}
    seen: dict[tuple[str, str, str], int] = {}
    last: dict[str, int] = {}
    row: Any  # pandas types a row's cells as any scalar
    for i, row in enumerate(table.itertuples(index=False)):
        where = CSV_ROWS.label(i, "site_id", row.site_id)
        if row.site_id not in known:
            expected = f"unknown site {row.site_id!r}; expected a site_id of the sites table"
            problems.append(Problem(source, where, "site_id", f"{expected} or {REST_OF_CHINA!r}"))
        if row.accelerator_class in ACCELERATOR_CLASSES and row.accelerator_class not in kw_per_pf:
            expected = f"class {row.accelerator_class!r} has no kW/PF in the accelerator table"
            problems.append(Problem(source, where, "accelerator_class", expected))
        if row.year_band in YEAR_BANDS:
            rank = YEAR_BANDS.index(row.year_band)
            if rank < last.get(row.site_id, 0) or (row.site_id in last and _gap(table, i)):
                expected = "a site's rows together, bands in order (<=2022, 2023, ..., 2026+)"
                problems.append(Problem(source, where, "year_band", expected))
            last[row.site_id] = rank
        triple = (row.site_id, row.year_band, row.accelerator_class)
        if triple in seen:
            expected = f"repeats line {seen[triple] + CSV_ROWS.first}; one row per band and class"
            problems.append(Problem(source, where, "accelerator_class", expected))
        seen.setdefault(triple, i)
        if (
            is_number(row.pf, row.mw)
            and min(row.pf, row.mw) >= 0
            and row.accelerator_class in kw_per_pf
        ):
            want = row.pf * kw_per_pf[row.accelerator_class] / 1000
            if abs(row.mw - want) > ROW_MW_TOLERANCE:
                expected = f"pf × kW/PF of the class = {want:.3f} MW, got {row.mw:g}"
                problems.append(Problem(source, where, "mw", expected))
    if not problems:
        problems += _check_site_totals(table, site_totals_mw, source)
    return finish(table, problems, VINTAGE_COLUMNS)


def installed_pf(vintages: pd.DataFrame, *, sites_only: bool = False) -> pd.Series:
    """PF in service at each year-end 2022–2025 (bands ``<=2022`` … ``2025``), national.

    With ``sites_only`` the ``rest_of_china`` rows are left out.
    """
    rows = vintages[vintages["site_id"] != REST_OF_CHINA] if sites_only else vintages
    per_band = rows.groupby("year_band")["pf"].sum()
    years = [BAND_YEAR[b] for b in YEAR_BANDS[:-1]]
    added = [float(per_band.get(b, 0.0)) for b in YEAR_BANDS[:-1]]
    return pd.Series(pd.Series(added).cumsum().to_numpy(), index=years, name="pf")


def installed_mw(vintages: pd.DataFrame) -> pd.DataFrame:
    """MW in service at each year-end 2022–2025 per site and accelerator class (tidy)."""
    frames = []
    for band in YEAR_BANDS[:-1]:
        upto = YEAR_BANDS[: YEAR_BANDS.index(band) + 1]
        part = vintages[vintages["year_band"].isin(upto)]
        mw = part.groupby(["site_id", "accelerator_class"], sort=False)["mw"].sum()
        frames.append(mw.reset_index().assign(year=BAND_YEAR[band]))
    return pd.concat(frames, ignore_index=True)[["year", "site_id", "accelerator_class", "mw"]]


def in_service_mw(
    vintages: pd.DataFrame,
    years: Iterable[int],
    *,
    life_years: int,
    announced: bool = False,
    first_band_cohorts: int = FIRST_BAND_COHORTS,
) -> pd.DataFrame:
    """MW of the existing vintages in service in each year, after retirement (tidy).

    A row of band ``2023`` … ``2025`` enters service in that year and retires after
    ``life_years``; band ``<=2022`` is spread evenly over ``first_band_cohorts`` cohorts
    entering 2022, 2021, …; band ``2026+`` enters in 2026 only if ``announced``.

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``site_id``, ``accelerator_class``, ``mw``; rows with MW > 0 only.
    """
    if life_years < 1:
        raise ValueError("life_years must be at least 1")
    stock = cohorts(vintages, announced=announced, first_band_cohorts=first_band_cohorts)
    frames = []
    for year in years:
        alive = stock[(stock["start"] <= year) & (year < stock["start"] + life_years)]
        mw = alive.groupby(["site_id", "accelerator_class"], sort=False)["mw"].sum()
        frames.append(mw[mw > 0].reset_index().assign(year=year))
    out = pd.concat(frames, ignore_index=True)
    return out[["year", "site_id", "accelerator_class", "mw"]]


def cohorts(
    vintages: pd.DataFrame, *, announced: bool = False, first_band_cohorts: int = FIRST_BAND_COHORTS
) -> pd.DataFrame:
    """Split the vintage rows into cohorts with the year each enters service (``start``).

    Band ``2023`` … ``2025`` enters in that year; band ``<=2022`` is spread evenly over
    ``first_band_cohorts`` cohorts entering 2022, 2021, …; band ``2026+`` enters in 2026 only
    if ``announced``. ``mw`` (and ``pf`` if given) are each cohort's share.
    """
    if first_band_cohorts < 1:
        raise ValueError("first_band_cohorts must be at least 1")
    parts = []
    band: Any  # pandas types a group key as any scalar
    for band, part in vintages.groupby("year_band", sort=False):
        if band == "2026+" and not announced:
            continue
        starts = (
            [BAND_YEAR[band] - i for i in range(first_band_cohorts)]
            if band == YEAR_BANDS[0]
            else [BAND_YEAR[band]]
        )
        for start in starts:
            share = {c: part[c] / len(starts) for c in ("mw", "pf") if c in part}
            parts.append(part.assign(start=start, **share))
    return pd.concat(parts, ignore_index=True)


def reconcile_capacity(
    vintages: pd.DataFrame, national: pd.DataFrame, tolerance_pf: float = RECONCILE_TOLERANCE_PF
) -> pd.DataFrame:
    """Compare PF in service per year-end with the national series.

    Returns
    -------
    pandas.DataFrame
        One row per year 2022–2025: ``vintaged_pf``, ``published_pf``, ``sites_pf``,
        ``coverage`` (sites' share), ``diff_pf``, ``rel_diff`` and ``ok``
        (``|diff_pf| <= tolerance_pf``).
    """
    series = national.set_index("year")["eflops_fp16"] * 1000
    total, sites = installed_pf(vintages), installed_pf(vintages, sites_only=True)
    out = pd.DataFrame({"vintaged_pf": total, "sites_pf": sites})
    out["published_pf"] = series.reindex(out.index).to_numpy()
    out["coverage"] = out["sites_pf"] / out["published_pf"]
    out["diff_pf"] = out["vintaged_pf"] - out["published_pf"]
    out["rel_diff"] = out["diff_pf"] / out["published_pf"]
    out["ok"] = out["diff_pf"].abs() <= tolerance_pf
    return out.rename_axis("year").reset_index()


def _check_site_totals(
    table: pd.DataFrame, site_totals_mw: Mapping[str, float], source: str
) -> list[Problem]:
    problems = []
    pf = table.groupby("site_id")["pf"].sum()
    for site, total in site_totals_mw.items():
        got = float(pf.get(site, 0.0)) * SITE_KW_PER_PF / 1000
        if is_number(total) and abs(got - total) > SITE_TOTAL_TOLERANCE_MW:
            expected = (
                f"vintages of site {site!r} add up to {got:.2f} MW (pf × {SITE_KW_PER_PF:g} "
                f"kW/PF); expected its existing_mw {total:g} ± {SITE_TOTAL_TOLERANCE_MW:g}"
            )
            problems.append(Problem(source, f"site_id {site!r}", "pf", expected))
    return problems


def _gap(table: pd.DataFrame, i: int) -> bool:
    """Row ``i`` continues a site whose rows were interrupted by another site's."""
    return i > 0 and table["site_id"].iloc[i - 1] != table["site_id"].iloc[i]
