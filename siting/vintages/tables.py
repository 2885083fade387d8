"""The validated time tables of a data folder, read together and cached while unchanged."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from siting import settings
from siting._validate import CSV_ROWS
from siting.errors import InputError, Problem
from siting.layers import read_hubs, read_sites
from siting.prices import read_it_prices
from siting.vintages.accelerators import read_accelerators
from siting.vintages.capacity import read_capacity_vintages
from siting.vintages.clusters import CLUSTERS_FILE, read_training_clusters
from siting.vintages.constants import REST_OF_CHINA
from siting.vintages.rents import read_rents
from siting.vintages.series import read_demand_forecasts, read_national_compute
from siting.vintages.use import read_use_years


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
