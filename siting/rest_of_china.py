"""Rest of China served from sites: one pseudo-hub and one pseudo-site per province.

``data/use_years.csv`` holds, besides the 15 hubs, ``rest_of_china`` inference rows per year
and variant (40.2 % of national inference), and ``data/capacity_vintages.csv`` a ``rest_of_china``
capacity remainder that closes the national series. With ``[demand] rest_of_china = "serve"``
both are split over the provinces by the allocation key of ``data/rest_of_china.csv``
(``data/SOURCES.md`` T7): province ``p`` gets a pseudo-hub ``rest_<province>`` with the share
``w_p`` of the rest-of-China demand, and a pseudo-site of the same id at the same point (its
capital) with the share ``w_p`` of the rest-of-China capacity, the key's grid headroom and no
cluster; in the multi-period model it hosts inference only. Both enter the layers, so the
instance, the latency pairs (the class SLA on the scenario's layer) and every output treat them
as hubs and sites. ``docs/model.md`` ("Rest of China") has the definitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting import settings
from siting._validate import (
    CONFIDENCE,
    CSV_ROWS,
    FEATURE_ROWS,
    Column,
    check_unique,
    read_table,
)
from siting.errors import InputError, Problem
from siting.layers import CRS, Layers
from siting.vintages import (
    PLANNING_INFERENCE_MW,
    REST_OF_CHINA,
    SITE_KW_PER_PF,
    TimeTables,
    load_time_tables,
)

#: Prefix of the pseudo-hubs' and pseudo-sites' ids.
PREFIX = "rest_"
#: The key's rows add up to 1 within this (each is rounded to 6 decimals).
WEIGHT_TOLERANCE = 1e-4
ALLOCATION_COLUMNS = (
    Column("province"),
    Column("capital"),
    Column("capital_zh", required=False, blank_ok=True),
    Column("lon", number=True, minimum=73.0, maximum=136.0),
    Column("lat", number=True, minimum=3.0, maximum=54.0),
    Column("gdp_2024_100m_cny", number=True, minimum=0),
    Column("gdp_confidence", choices=CONFIDENCE),
    Column("hub_gdp_2024_100m_cny", number=True, minimum=0),
    Column("filing_share_pct", number=True, minimum=0, maximum=100),
    Column("weight", number=True, minimum=0, positive=True, maximum=1),
    Column("grid_headroom_mw", number=True, minimum=0, maximum=1e6),
    Column("basis"),
    Column("source"),
    Column("confidence", choices=CONFIDENCE),
)


def pseudo_id(province: str) -> str:
    """Id of a province's pseudo-hub and pseudo-site, e.g. ``rest_inner_mongolia``."""
    return PREFIX + province.lower().replace(" ", "_")


def read_allocation(path: Path, *, provinces: Iterable[str]) -> pd.DataFrame:
    """Read the allocation key: known provinces, each once, weights adding up to 1.

    Raises
    ------
    InputError
        Naming the file, row and field of every problem.
    """
    source = str(path)
    table, problems = read_table(path, ALLOCATION_COLUMNS, what="province", key="province")
    problems += check_unique(table, "province", source=source)
    known = set(provinces)
    for i, province in enumerate(table["province"].tolist()):
        if isinstance(province, str) and province not in known:
            where = CSV_ROWS.label(i, "province", province)
            expected = f"a province of provinces.csv; got {province!r}"
            problems.append(Problem(source, where, "province", expected))
    if not problems:
        total = float(table["weight"].sum())
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            expected = f"weights adding up to 1 ± {WEIGHT_TOLERANCE:g}; they add up to {total:.6f}"
            problems.append(Problem(source, f"{len(table)} rows", "weight", expected))
    if problems:
        raise InputError(problems)
    return table[[c.name for c in ALLOCATION_COLUMNS]].reset_index(drop=True)


def load_allocation(provinces: Iterable[str], data_dir: Path | None = None) -> pd.DataFrame:
    """Read ``rest_of_china.csv`` of ``data_dir`` (default the shipped data)."""
    folder = Path(settings.data_dir if data_dir is None else data_dir)
    return read_allocation(folder / "rest_of_china.csv", provinces=provinces)


def rest_demand_mw(tables: TimeTables) -> float:
    """Rest-of-China inference of the planning year of ``hubs.csv``, MW.

    The share of national inference the use series puts outside the hubs (the same in every
    year and variant: one minus the hub weights) of
    :data:`~siting.vintages.PLANNING_INFERENCE_MW`.
    """
    d = tables.demand
    inference = d[d["role"] == "inference"]
    rest = inference.loc[inference["area_id"] == REST_OF_CHINA, "mw"].sum()
    return float(PLANNING_INFERENCE_MW * rest / inference["mw"].sum())


def rest_capacity_mw(tables: TimeTables) -> float:
    """Rest-of-China capacity in service by end-2025, MW at 2.0 kW/PF (as ``existing_mw``)."""
    v = tables.vintages
    rows = v[(v["site_id"] == REST_OF_CHINA) & (v["year_band"] != "2026+")]
    return float(rows["pf"].sum()) * SITE_KW_PER_PF / 1000.0


def serve_rest_of_china(
    layers: Layers,
    tables: TimeTables,
    allocation: pd.DataFrame,
    *,
    files: tuple[Path | str, Path | str] = ("sites layer", "hubs layer"),
) -> Layers:
    """Add the pseudo-hubs and pseudo-sites to the layers.

    Parameters
    ----------
    layers
        The validated layers; their hubs must be those of ``use_years.csv`` (the
        rest-of-China rows are what those hubs leave of the national total).
    tables
        The time tables (the rest-of-China use and the capacity of end-2025).
    allocation
        The key (:func:`read_allocation`).
    files
        The sites and hubs files, for messages.

    Raises
    ------
    InputError
        If a real site or hub has a pseudo id (``rest_...``), or the hubs layer is not the set
        of hubs the demand table was built for.
    """
    check_pseudo_ids(layers, files)
    table_hubs = set(tables.demand["area_id"]) - {REST_OF_CHINA, "national"}
    hubs = set(layers.hubs["hub_id"])
    if hubs != table_hubs:
        expected = (
            f"'serve' splits what the {len(table_hubs)} hubs of use_years.csv leave of the "
            f"national demand; this hubs layer has {len(hubs)} other hubs (it may already "
            "cover the nation, e.g. prefecture): use 'omit'"
        )
        raise InputError([Problem("scenario", "[demand]", "rest_of_china", expected)])
    ids = allocation["province"].map(pseudo_id)
    weight = allocation["weight"].to_numpy(float)
    shared = {
        "name": "Rest of " + allocation["province"],
        "name_zh": allocation["capital_zh"].fillna(""),
        "province": allocation["province"],
        "lon": allocation["lon"],
        "lat": allocation["lat"],
    }
    note = "rest of China x weight of rest_of_china.csv [T7]"
    new_hubs = pd.DataFrame(
        {"hub_id": ids, **shared, "inference_mw": weight * rest_demand_mw(tables)}
    ).assign(demand_confidence="estimate", note=note)
    new_sites = pd.DataFrame(
        {
            "site_id": ids,
            **shared,
            "existing_mw": weight * rest_capacity_mw(tables),
            "grid_headroom_mw": allocation["grid_headroom_mw"].to_numpy(float),
        }
    ).assign(
        cluster="", headroom_confidence="estimate", existing_confidence="estimate",
        tariff_cny_kwh=np.nan, note=note,
    )  # fmt: skip
    hubs_out, sites_out = _append(layers.hubs, new_hubs), _append(layers.sites, new_sites)
    return replace(layers, hubs=hubs_out, sites=sites_out)


def check_pseudo_ids(
    layers: Layers, files: tuple[Path | str, Path | str] = ("sites layer", "hubs layer")
) -> None:
    """Refuse real sites and hubs whose ids are reserved for the pseudo ones (``rest_...``).

    A real ``rest_hebei`` would be merged with the pseudo-site of that name, and any id that
    starts with :data:`PREFIX` is taken for a pseudo one by the multi-period model.

    Parameters
    ----------
    layers
        The real layers, before the pseudo rows are added.
    files
        The sites and hubs files, for messages.

    Raises
    ------
    InputError
        Naming the file, row and id of every clash.
    """
    problems = []
    for frame, key, source in zip(
        (layers.sites, layers.hubs), ("site_id", "hub_id"), files, strict=True
    ):
        rows = CSV_ROWS if Path(source).suffix.lower() == ".csv" else FEATURE_ROWS
        for i, ident in enumerate(frame[key].astype(str).tolist()):
            if ident.startswith(PREFIX):
                expected = (
                    f"an id not starting with {PREFIX!r}: those name the rest-of-China "
                    f"pseudo-{key.removesuffix('_id')}s ([demand] rest_of_china = 'serve'); "
                    f"rename {ident!r}"
                )
                problems.append(Problem(str(source), rows.label(i, key, ident), key, expected))
    if problems:
        raise InputError(problems)


def with_rest_of_china(
    layers: Layers,
    data_dir: Path | None = None,
    *,
    files: tuple[Path | str, Path | str] = ("sites layer", "hubs layer"),
) -> Layers:
    """Add the pseudo-hubs and pseudo-sites from the time tables and key of ``data_dir``.

    ``data_dir`` defaults to the shipped data (the demand table's hubs are the shipped hubs);
    ``files`` name the sites and hubs files in messages.
    """
    check_pseudo_ids(layers, files)  # before the time tables, which would miss the real id
    tables = load_time_tables(data_dir)
    allocation = load_allocation(layers.provinces["name_en"], data_dir)
    return serve_rest_of_china(layers, tables, allocation, files=files)


def shares(ids: NDArray[np.str_], allocation: pd.DataFrame) -> NDArray[np.float64]:
    """Weight of each id's province in the key (0 for hubs and sites that are not pseudo)."""
    weight = dict(zip(allocation["province"].map(pseudo_id), allocation["weight"], strict=True))
    return np.array([float(weight.get(i, 0.0)) for i in ids])


def _append(frame: gpd.GeoDataFrame, rows: pd.DataFrame) -> gpd.GeoDataFrame:
    points = gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(rows["lon"], rows["lat"]), crs=CRS)
    both = pd.concat([frame, points.reindex(columns=frame.columns)], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs=frame.crs)
