"""Time tables: national compute and its forecasts, accelerator classes, vintages, use, rents, runs.

Every reader checks its file column by column (:mod:`siting._validate`), then row against row
(years in range and in order, vintages that add up to the site's total, known classes and
areas) and raises one :class:`~siting.errors.InputError` naming the file, the row, the field
and what was expected. ``data/SOURCES.md`` section T documents every column;
``docs/model.md`` ("Multi-period model") says how the tables enter the model.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting import settings
from siting._validate import (
    CONFIDENCE,
    CSV_ROWS,
    Column,
    check_unique,
    read_table,
)
from siting.errors import InputError, Problem
from siting.layers import read_hubs, read_sites
from siting.prices import read_it_prices
from siting.scenario import ACCELERATOR_CLASSES, MAX_CNY, USE_VARIANTS

#: Commissioning bands, in order; a band's capacity is in service from the year-end it names
#: (``2026+``: announced, not in service by end-2025).
YEAR_BANDS = ("<=2022", "2023", "2024", "2025", "2026+")
#: Year-end by which each band is in service.
BAND_YEAR = {"<=2022": 2022, "2023": 2023, "2024": 2024, "2025": 2025, "2026+": 2026}
#: The pseudo-site of the vintages and the pseudo-hub of the use series that hold what the
#: sites and hubs leave of the national totals.
REST_OF_CHINA = "rest_of_china"
#: Area of the use series that holds national training (not tied to a hub).
NATIONAL = "national"
ROLES = ("inference", "training")
#: Components of the use series (``data/use_years.csv``, SOURCES.md T9).
COMPONENTS = ("llm", "non_llm")
#: ``kind`` of a use row: published figures (years up to :data:`MEASURED_LAST`) or scenario.
USE_KINDS = ("measured", "scenario")
#: Last year of the use series built from published figures; later years are scenarios.
MEASURED_LAST = 2025
SERIES_KINDS = ("measured", "forecast", "interpolated", "extrapolated")
#: Years the national series and the use series cover.
SERIES_YEARS = (2022, 2030)
#: Year of the hubs' ``inference_mw`` in ``data/hubs.csv`` (the 2027 planning year).
HUBS_YEAR = 2027
#: National inference of that planning year which ``hubs.csv`` apportions, MW (SOURCES.md B
#: step 3): the hub weights of the use series are ``inference_mw`` over it.
PLANNING_INFERENCE_MW = 2821.8
#: Cohorts over which band ``<=2022`` is spread for retirement: CAICT counts the AI servers
#: shipped in the last six years in the national stock (SOURCES.md T3).
FIRST_BAND_COHORTS = 6
#: kW of IT load per PF with which ``data/sites.csv`` turned reported PF into ``existing_mw``.
SITE_KW_PER_PF = 2.0
#: The reference serving server: an inference demand MW is one MW of its IT load
#: (``docs/model.md``, "Capability per workload"; SOURCES.md T2). 8×H800 (DGX-H100 class):
#: server kW, accelerators, dense FP16 TFLOPS and HBM TB/s per accelerator.
REFERENCE_SERVER = (10.2, 8, 989.0, 3.35)
#: ``kw_per_pf`` of a class equals its server's kW per PF, and ``train_factor`` and
#: ``serve_factor`` their recomputed values, within this (all are stored to 0.001).
CAPABILITY_TOLERANCE = 0.001
#: Bounds far above any real server: accelerators per server, TFLOPS and TB/s per accelerator.
MAX_ACCELERATORS = 1e4
MAX_TFLOPS = 1e6
MAX_TBPS = 1e4
#: Bound far above any capability: demand MW per installed MW.
MAX_FACTOR = 1e3
#: A site's vintages add up to its ``existing_mw`` within half the 0.1 MW it is rounded to.
SITE_TOTAL_TOLERANCE_MW = 0.05
#: ``mw`` = ``pf`` × kW/PF of the class within the 0.001 MW it is rounded to.
ROW_MW_TOLERANCE = 0.001
#: Bounds far above any real value, so absurd numbers (1e300) stop at the reader: PF of one
#: row (a million EFLOPS), MW of one row, kW per PF, rent per server-month (CNY).
MAX_PF = 1e9
MAX_MW = 1e6
MAX_KW_PER_PF = 1e3
MAX_RENT_CNY_MONTH = 1e9
#: Tolerance of the reconciliation with the national series, PF: half the 0.1 EFLOPS to which
#: the series is published (SOURCES.md T3).
RECONCILE_TOLERANCE_PF = 50.0
#: File of the known training runs, in the data folder.
CLUSTERS_FILE = "training_clusters.csv"
#: What a run trained: a model from scratch, or an existing model further (not counted).
STAGES = ("pretraining", "post_training")
#: The stage whose runs set the minimum cluster.
PRETRAINING = "pretraining"
#: A run's ``it_mw`` and ``demand_mw`` match their inputs within the 0.001 MW they are rounded to.
CLUSTER_MW_TOLERANCE = 0.001

NATIONAL_COLUMNS = (
    Column("year", number=True),
    Column("eflops_fp16", number=True, minimum=0, positive=True, maximum=MAX_PF / 1000),
    Column("kind", choices=SERIES_KINDS),
    Column("source"),
    Column("confidence", choices=CONFIDENCE),
)
FORECAST_COLUMNS = (
    Column("published", number=True),
    Column("report"),
    Column("year", number=True),
    Column("eflops_fp16", number=True, minimum=0, positive=True, maximum=MAX_PF / 1000),
    Column("kind", choices=("published", "interpolated")),
    Column("source"),
    Column("confidence", choices=CONFIDENCE),
)
ACCELERATOR_COLUMNS = (
    Column("accelerator_class", choices=ACCELERATOR_CLASSES),
    Column("examples"),
    Column("kw_per_pf", number=True, minimum=0, positive=True, maximum=MAX_KW_PER_PF),
    Column("server_kw", number=True, minimum=0, positive=True, maximum=MAX_KW_PER_PF),
    Column(
        "accelerators_per_server", number=True, minimum=0, positive=True, maximum=MAX_ACCELERATORS
    ),
    Column("tflops_fp16_dense", number=True, minimum=0, positive=True, maximum=MAX_TFLOPS),
    Column("hbm_tbps", number=True, minimum=0, positive=True, maximum=MAX_TBPS),
    Column("prefill_share", number=True, minimum=0, maximum=1),
    Column("train_factor", number=True, minimum=0, positive=True, maximum=MAX_FACTOR),
    Column("serve_factor", number=True, minimum=0, positive=True, maximum=MAX_FACTOR),
    Column("basis"),
    Column("source"),
    Column("confidence", choices=CONFIDENCE),
)
VINTAGE_COLUMNS = (
    Column("site_id"),
    Column("year_band", choices=YEAR_BANDS),
    Column("accelerator_class", choices=ACCELERATOR_CLASSES),
    Column("pf", number=True, minimum=0, maximum=MAX_PF),
    Column("mw", number=True, minimum=0, maximum=MAX_MW),
    Column("source"),
    Column("confidence", choices=CONFIDENCE),
)
USE_COLUMNS = (
    Column("year", number=True),
    Column("variant", choices=USE_VARIANTS),
    Column("area_id"),
    Column("role", choices=ROLES),
    Column("component", choices=COMPONENTS),
    Column("mw", number=True, minimum=0, maximum=MAX_MW),
    Column("kind", choices=USE_KINDS),
    Column("basis"),
    Column("confidence", choices=CONFIDENCE),
)
RENT_COLUMNS = (
    Column("period"),
    Column("accelerator_class", choices=ACCELERATOR_CLASSES),
    Column("server"),
    Column("server_kw", number=True, minimum=0, positive=True, maximum=MAX_KW_PER_PF),
    Column("rent_low_cny_month", number=True, minimum=0, positive=True, maximum=MAX_RENT_CNY_MONTH),
    Column(
        "rent_high_cny_month", number=True, minimum=0, positive=True, maximum=MAX_RENT_CNY_MONTH
    ),
    Column("rent_mid_cny_per_mw_year", number=True, minimum=0, positive=True, maximum=MAX_CNY),
    Column("source"),
    Column("confidence", choices=CONFIDENCE),
)
CLUSTER_COLUMNS = (
    Column("year", number=True),
    Column("model"),
    Column("developer"),
    Column("stage", choices=STAGES),
    Column("released"),
    Column("accelerators", number=True, minimum=0, positive=True, maximum=1e7),
    Column("accelerator"),
    Column("accelerator_class", choices=ACCELERATOR_CLASSES),
    Column("tflops_fp16_dense", number=True, minimum=0, positive=True, maximum=1e5),
    Column("server_kw_per_accelerator", number=True, minimum=0, positive=True, maximum=100.0),
    Column("it_mw", number=True, minimum=0, positive=True, maximum=1e5),
    Column("demand_mw", number=True, minimum=0, positive=True, maximum=1e5),
    Column("source"),
    Column("confidence", choices=CONFIDENCE),
)


@dataclass(frozen=True)
class TimeTables:
    """The validated time tables of one data directory.

    Parameters
    ----------
    national
        National compute per year-end (``year``, ``eflops_fp16``, ``kind``).
    forecasts
        The national series as forecast in each year a report was public (``published``).
    accelerators
        kW per PF, server and capability per accelerator class (:func:`capability`).
    vintages
        PF and MW per site (and ``rest_of_china``), commissioning band and class.
    demand
        AI compute in use (the demand) per year, variant, area, role and component
        (``use_years.csv``).
    rents
        Published server rents per month and class.
    clusters
        Known Chinese training runs and their clusters (``training_clusters.csv``,
        :func:`read_training_clusters`).
    it_prices
        Server prices per year and class (:mod:`siting.prices`); ``None``: none known.
    """

    national: pd.DataFrame
    forecasts: pd.DataFrame
    accelerators: pd.DataFrame
    vintages: pd.DataFrame
    demand: pd.DataFrame
    rents: pd.DataFrame
    clusters: pd.DataFrame
    it_prices: pd.DataFrame | None = None


#: The files :func:`load_time_tables` reads; a change to any of them is read again.
TIME_FILES = (
    "sites.csv", "hubs.csv", "accelerators.csv", "national_compute.csv", "demand_forecasts.csv",
    "capacity_vintages.csv", "use_years.csv", "rents.csv", "it_prices.csv", CLUSTERS_FILE,
)  # fmt: skip


def load_time_tables(data_dir: Path | None = None) -> TimeTables:
    """Read and cross-check the eight time tables of ``data_dir`` against its sites and hubs.

    ``data_dir`` defaults to the shipped data (:data:`siting.settings.data_dir`). The tables
    of a folder are read once while its files stay unchanged (size and modification time), and
    shared: callers must not change them in place.
    """
    data_dir = Path(settings.data_dir if data_dir is None else data_dir).resolve()
    stamps = tuple(
        (p.stat().st_mtime_ns, p.stat().st_size) if p.is_file() else None
        for p in (data_dir / name for name in TIME_FILES)
    )
    return _read_time_tables(data_dir, stamps)


@functools.lru_cache(maxsize=4)
def _read_time_tables(data_dir: Path, stamps: tuple[object, ...]) -> TimeTables:
    """Read the tables of ``data_dir``; ``stamps`` only keys the cache."""
    del stamps
    sites = read_sites(data_dir / "sites.csv")
    hubs = read_hubs(data_dir / "hubs.csv")
    for path, frame, key in (
        (data_dir / "sites.csv", sites, "site_id"),
        (data_dir / "hubs.csv", hubs, "hub_id"),
    ):
        if REST_OF_CHINA in set(frame[key]):
            where = CSV_ROWS.label(frame[key].tolist().index(REST_OF_CHINA), key, REST_OF_CHINA)
            expected = f"an id other than {REST_OF_CHINA!r}: the time tables' pseudo-area has it"
            raise InputError([Problem(str(path), where, key, expected)])
    accelerators = read_accelerators(data_dir / "accelerators.csv")
    kw_per_pf = dict(zip(accelerators["accelerator_class"], accelerators["kw_per_pf"], strict=True))
    return TimeTables(
        national=read_national_compute(data_dir / "national_compute.csv"),
        forecasts=read_demand_forecasts(data_dir / "demand_forecasts.csv"),
        accelerators=accelerators,
        vintages=read_capacity_vintages(
            data_dir / "capacity_vintages.csv",
            site_totals_mw=dict(zip(sites["site_id"], sites["existing_mw"], strict=True)),
            kw_per_pf=kw_per_pf,
        ),
        demand=read_use_years(data_dir / "use_years.csv", hub_ids=list(hubs["hub_id"])),
        rents=read_rents(data_dir / "rents.csv", classes=list(kw_per_pf)),
        clusters=read_training_clusters(data_dir / CLUSTERS_FILE),
        it_prices=read_it_prices(data_dir / "it_prices.csv", classes=list(kw_per_pf)),
    )


def read_national_compute(path: Path) -> pd.DataFrame:
    """Read the national compute series (supply): one row per year, years strictly increasing."""
    table, problems = _read(path, NATIONAL_COLUMNS, key="year")
    problems += _check_years(table, path, SERIES_YEARS, strict=True)
    return _done(table, problems, NATIONAL_COLUMNS, ints=("year",))


def read_demand_forecasts(path: Path) -> pd.DataFrame:
    """Read forecast vintages: publication years in order, years increasing within each."""
    table, problems = _read(path, FORECAST_COLUMNS, key="report")
    problems += _check_years(table, path, SERIES_YEARS, strict=False, field="published")
    problems += _check_years(table, path, SERIES_YEARS, strict=True, group="published")
    return _done(table, problems, FORECAST_COLUMNS, ints=("published", "year"))


def read_accelerators(path: Path) -> pd.DataFrame:
    """Read kW per PF, the server and the capability per accelerator class.

    Every class exactly once; ``kw_per_pf`` is the server's kW per PF, ``prefill_share`` the
    same in every row, ``train_factor`` and ``serve_factor`` what :func:`capability` makes of
    the row, each within :data:`CAPABILITY_TOLERANCE`.
    """
    source = str(path)
    table, problems = _read(path, ACCELERATOR_COLUMNS, key="accelerator_class")
    problems += check_unique(table, "accelerator_class", source=source)
    missing = sorted(set(ACCELERATOR_CLASSES) - set(table["accelerator_class"]))
    if missing:
        problems.append(Problem(source, "", "accelerator_class", f"no row for {missing}"))
    if not problems:
        problems += _check_capability(table, source)
    return _done(table, problems, ACCELERATOR_COLUMNS)


def server_kw_per_pf(accelerators: pd.DataFrame) -> np.ndarray:
    """Return the kW of IT load per PF (dense FP16) of each row's server, shape (rows,)."""
    tflops = accelerators["accelerators_per_server"] * accelerators["tflops_fp16_dense"]
    return (accelerators["server_kw"] / tflops * 1000).to_numpy(float)


def capability(accelerators: pd.DataFrame) -> np.ndarray:
    """``φ_wk``: demand MW of training (row 0) and inference (row 1) per installed MW.

    Training ``φ^T = κ̄ / kw_per_pf``; inference ``φ^I = 1 / (p/ρ^F + (1 − p)/ρ^B)`` with
    ``ρ^F``, ``ρ^B`` the server's dense FP16 TFLOPS and HBM TB/s per kW over those of
    :data:`REFERENCE_SERVER` and ``p`` the ``prefill_share`` (``docs/model.md``, "Capability
    per workload").

    Returns
    -------
    numpy.ndarray
        Shape (2, rows).
    """
    kw, n, tflops, tbps = REFERENCE_SERVER
    a = accelerators
    per_kw = a["accelerators_per_server"] / a["server_kw"]
    rho_f = (per_kw * a["tflops_fp16_dense"]).to_numpy(float) / (n * tflops / kw)
    rho_b = (per_kw * a["hbm_tbps"]).to_numpy(float) / (n * tbps / kw)
    p = a["prefill_share"].to_numpy(float)
    train = SITE_KW_PER_PF / a["kw_per_pf"].to_numpy(float)
    return np.stack([train, 1.0 / (p / rho_f + (1.0 - p) / rho_b)])


def _check_capability(table: pd.DataFrame, source: str) -> list[Problem]:
    """``kw_per_pf`` is the server's; one ``prefill_share``; the factors are recomputed."""
    problems = []
    computed = {
        "kw_per_pf": server_kw_per_pf(table),
        **dict(zip(("train_factor", "serve_factor"), capability(table), strict=True)),
    }
    first = float(table["prefill_share"].iloc[0])
    for i, name in enumerate(table["accelerator_class"]):
        where = CSV_ROWS.label(i, "accelerator_class", name)
        share = float(table["prefill_share"].iloc[i])
        if share != first:
            expected = (
                f"the same prefill_share in every row ({first:g} on the first), got {share:g}"
            )
            problems.append(Problem(source, where, "prefill_share", expected))
        for field, values in computed.items():
            got = float(table[field].iloc[i])
            if abs(got - values[i]) > CAPABILITY_TOLERANCE:
                what = (
                    "server_kw / (accelerators × TFLOPS / 1000)"
                    if field == "kw_per_pf"
                    else ("the capability of the row (docs/model.md)")
                )
                expected = f"{what} = {values[i]:.3f} ± {CAPABILITY_TOLERANCE:g}, got {got:g}"
                problems.append(Problem(source, where, field, expected))
    return problems


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
    table, problems = _read(path, VINTAGE_COLUMNS, key="site_id")
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
            _number(row.pf, row.mw)
            and min(row.pf, row.mw) >= 0
            and row.accelerator_class in kw_per_pf
        ):
            want = row.pf * kw_per_pf[row.accelerator_class] / 1000
            if abs(row.mw - want) > ROW_MW_TOLERANCE:
                expected = f"pf × kW/PF of the class = {want:.3f} MW, got {row.mw:g}"
                problems.append(Problem(source, where, "mw", expected))
    if not problems:
        problems += _check_site_totals(table, site_totals_mw, source)
    return _done(table, problems, VINTAGE_COLUMNS)


def read_use_years(path: Path, *, hub_ids: Iterable[str]) -> pd.DataFrame:
    """Read the use series: every variant and year complete, years in order, known areas.

    Inference rows belong to a hub or ``rest_of_china``, training rows to ``national``;
    ``kind`` is ``measured`` up to :data:`MEASURED_LAST` and ``scenario`` after; each
    (variant, year) has one row per area, role and component.
    """
    source = str(path)
    table, problems = _read(path, USE_COLUMNS, key="area_id")
    problems += _check_years(table, path, SERIES_YEARS, strict=False)
    inference_areas = set(hub_ids) | {REST_OF_CHINA}
    row: Any  # pandas types a row's cells as any scalar
    for i, row in enumerate(table.itertuples(index=False)):
        where = CSV_ROWS.label(i, "area_id", row.area_id)
        allowed = {NATIONAL} if row.role == "training" else inference_areas
        if row.role in ROLES and row.area_id not in allowed:
            expected = (
                f"training belongs to area {NATIONAL!r}"
                if row.role == "training"
                else f"unknown area {row.area_id!r}; expected a hub_id or {REST_OF_CHINA!r}"
            )
            problems.append(Problem(source, where, "area_id", expected))
        if _number(row.year) and row.kind in USE_KINDS:
            want = "measured" if row.year <= MEASURED_LAST else "scenario"
            if row.kind != want:
                expected = f"{want!r} for year {row.year:g} (measured up to {MEASURED_LAST})"
                problems.append(Problem(source, where, "kind", expected))
    if not problems:
        keys = ["variant", "year", "area_id", "role", "component"]
        repeated = table.duplicated(keys)
        for i in repeated[repeated].index:
            where = CSV_ROWS.label(i, "area_id", table["area_id"].iloc[i])
            expected = "one row per variant, year, area, role and component; this one repeats"
            problems.append(Problem(source, where, "area_id", expected))
        expected_rows = {
            (a, r, c)
            for c in COMPONENTS
            for a, r in [*((a, "inference") for a in inference_areas), (NATIONAL, "training")]
        }
        seen = {(v, int(y)) for v, y in zip(table["variant"], table["year"], strict=True)}
        first, last = SERIES_YEARS
        for variant in USE_VARIANTS:
            for year in range(first, last + 1):
                if (variant, year) not in seen:
                    where = f"variant {variant}"
                    problems.append(Problem(source, where, "year", f"no rows for {year}"))
        key: Any  # pandas types a group key as any scalar
        for key, group in table.groupby(["variant", "year"], sort=True):
            have = zip(group["area_id"], group["role"], group["component"], strict=True)
            missing = expected_rows - set(have)
            if missing:
                what = ", ".join(f"{a} {r} {c}" for a, r, c in sorted(missing))
                where = f"variant {key[0]}, year {int(key[1])}"
                problems.append(Problem(source, where, "area_id", f"no row for {what}"))
    return _done(table, problems, USE_COLUMNS, ints=("year",))


def use_by_year(demand: pd.DataFrame, variant: str, **where: str) -> pd.Series:
    """MW in use per year of ``variant``, summed over the rows matching ``where`` (column=value)."""
    rows = demand[demand["variant"] == variant]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return rows.groupby("year")["mw"].sum()


def read_rents(path: Path, *, classes: Iterable[str]) -> pd.DataFrame:
    """Read published rents: periods ``YYYY-MM`` in order, low ≤ high, known classes."""
    source = str(path)
    table, problems = _read(path, RENT_COLUMNS, key="period")
    known = set(classes)
    previous = ""
    row: Any  # pandas types a row's cells as any scalar
    for i, row in enumerate(table.itertuples(index=False)):
        where = CSV_ROWS.label(i, "period", row.period)
        period = str(row.period or "")
        if not _is_month(period):
            problems.append(Problem(source, where, "period", f"expected YYYY-MM, got {period!r}"))
        elif period < previous:
            expected = f"periods in order; {period} comes after {previous}"
            problems.append(Problem(source, where, "period", expected))
        else:
            previous = period
        if row.accelerator_class in ACCELERATOR_CLASSES and row.accelerator_class not in known:
            expected = f"class {row.accelerator_class!r} has no row in the accelerator table"
            problems.append(Problem(source, where, "accelerator_class", expected))
        if _number(row.rent_low_cny_month, row.rent_high_cny_month) and (
            row.rent_low_cny_month > row.rent_high_cny_month
        ):
            expected = f"at least rent_low_cny_month ({row.rent_low_cny_month:g})"
            problems.append(Problem(source, where, "rent_high_cny_month", expected))
    return _done(table, problems, RENT_COLUMNS)


def read_training_clusters(path: Path) -> pd.DataFrame:
    """Read training runs: years in range and in order, MW that match their inputs.

    ``it_mw`` = accelerators × server kW per accelerator / 1000 and ``demand_mw`` =
    accelerators × dense FP16 TFLOPS × :data:`SITE_KW_PER_PF` / 10⁶, each within
    :data:`CLUSTER_MW_TOLERANCE`; at least one pretraining run.
    """
    source = str(path)
    table, problems = read_table(path, CLUSTER_COLUMNS, what="run", key="model")
    problems += _check_years(table, path, SERIES_YEARS, strict=False)
    row: Any  # pandas types a row's cells as any scalar
    for i, row in enumerate(table.itertuples(index=False)):
        where = CSV_ROWS.label(i, "model", row.model)
        n, tflops, kw = row.accelerators, row.tflops_fp16_dense, row.server_kw_per_accelerator
        derived = {
            "it_mw": (n * kw / 1000, "accelerators x server_kw_per_accelerator / 1000"),
            "demand_mw": (
                n * tflops * SITE_KW_PER_PF / 1e6,
                f"accelerators x tflops_fp16_dense x {SITE_KW_PER_PF:g} kW/PF / 1e6",
            ),
        }
        for field, (value, how) in derived.items():
            stored = getattr(row, field)
            if np.isfinite([value, stored]).all() and abs(stored - value) > CLUSTER_MW_TOLERANCE:
                expected = f"{how} = {value:.3f} within {CLUSTER_MW_TOLERANCE:g}, got {stored:g}"
                problems.append(Problem(source, where, field, expected))
    if not problems and not (table["stage"] == PRETRAINING).any():
        problems.append(Problem(source, "", "stage", f"at least one {PRETRAINING!r} run"))
    return _done(table, problems, CLUSTER_COLUMNS, ints=("year",))


def min_cluster_by_year(clusters: pd.DataFrame, years: np.ndarray) -> np.ndarray:
    """``L_t``: the smallest pretraining cluster of each year, in demand MW, shape (T,).

    A year without a pretraining run takes the latest earlier year's value (``docs/model.md``,
    "Training cluster, service life, orders and the unmet penalty").

    Raises
    ------
    InputError
        If a year comes before the first pretraining run.
    """
    runs = clusters[clusters["stage"] == PRETRAINING]
    smallest = runs.groupby("year")["demand_mw"].min().sort_index()
    out = np.zeros(len(years))
    for t, year in enumerate(years):
        known = smallest[smallest.index <= year]
        if known.empty:
            expected = f"a pretraining run in or before {year} (the first is {smallest.index[0]})"
            raise InputError([Problem(CLUSTERS_FILE, "", "year", expected)])
        out[t] = float(known.iloc[-1])
    return out


# ---------------------------------------------------------------- derived series


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


# ---------------------------------------------------------------- helpers


def _read(
    path: Path, columns: tuple[Column, ...], *, key: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and convert the columns; a missing column stops here (rows cannot be checked)."""
    return read_table(path, columns, what=key.removesuffix("_id"), key=key)


def _done(
    table: pd.DataFrame,
    problems: list[Problem],
    columns: tuple[Column, ...],
    ints: tuple[str, ...] = (),
) -> pd.DataFrame:
    if problems:
        raise InputError(problems)
    out = table[[c.name for c in columns]].reset_index(drop=True)
    for name in ints:
        out[name] = out[name].astype(int)
    return out


def _check_years(
    table: pd.DataFrame,
    path: Path,
    bounds: tuple[int, int],
    *,
    strict: bool,
    field: str = "year",
    group: str | None = None,
) -> list[Problem]:
    """Years in ``field`` are whole, within ``bounds`` and in order (strictly if ``strict``).

    With ``group``, order is checked within each run of rows sharing that column's value.
    """
    problems, previous, current = [], None, None
    groups = table[group].tolist() if group else [None] * len(table)
    for i, (year, key) in enumerate(zip(table[field].tolist(), groups, strict=True)):
        if key != current:
            previous, current = None, key
        if not _number(year):
            continue
        where = CSV_ROWS.label(i)
        if year != int(year) or not bounds[0] <= year <= bounds[1]:
            expected = f"a whole year from {bounds[0]} to {bounds[1]}, got {year:g}"
            problems.append(Problem(str(path), where, field, expected))
        elif previous is not None and (year < previous or (strict and year == previous)):
            order = "increasing" if strict else "in order"
            expected = f"years {order}; {year:g} comes after {previous:g}"
            problems.append(Problem(str(path), where, field, expected))
        else:
            previous = year
    return problems


def _check_site_totals(
    table: pd.DataFrame, site_totals_mw: Mapping[str, float], source: str
) -> list[Problem]:
    problems = []
    pf = table.groupby("site_id")["pf"].sum()
    for site, total in site_totals_mw.items():
        got = float(pf.get(site, 0.0)) * SITE_KW_PER_PF / 1000
        if _number(total) and abs(got - total) > SITE_TOTAL_TOLERANCE_MW:
            expected = (
                f"vintages of site {site!r} add up to {got:.2f} MW (pf × {SITE_KW_PER_PF:g} "
                f"kW/PF); expected its existing_mw {total:g} ± {SITE_TOTAL_TOLERANCE_MW:g}"
            )
            problems.append(Problem(source, f"site_id {site!r}", "pf", expected))
    return problems


def _gap(table: pd.DataFrame, i: int) -> bool:
    """Row ``i`` continues a site whose rows were interrupted by another site's."""
    return i > 0 and table["site_id"].iloc[i - 1] != table["site_id"].iloc[i]


def _number(*values: object) -> bool:
    return all(isinstance(v, float) and math.isfinite(v) for v in values)


def _is_month(text: str) -> bool:
    parts = text.split("-")
    return (
        len(parts) == 2
        and len(parts[0]) == 4
        and parts[0].isdigit()
        and parts[1].isdigit()
        and 1 <= int(parts[1]) <= 12
        and len(parts[1]) == 2
    )
