"""Tables: CSV safe to open in a spreadsheet, GeoJSON and GeoParquet, for plans and schedules."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

if TYPE_CHECKING:
    from siting.horizon import Horizon
    from siting.results import Results
    from siting.solve.horizon import HorizonSolution

#: First characters that make a spreadsheet read a text cell as a formula (OWASP, "CSV
#: Injection"): such cells are written with a leading ``'``.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table as CSV at full precision (shortest text that reads back to each float).

    Every CSV siting writes goes through here, safe to open in a spreadsheet: a text cell
    or column name that begins with a formula character (:data:`FORMULA_STARTS`) gets a
    leading ``'``, so it is shown as text, never run; if any text holds a carriage return,
    every text cell is quoted (a bare one would start a new row in some readers). Numbers
    (negative ones too) are written as they are, but ``-0.0`` as ``0.0``.

    Parameters
    ----------
    frame
        The table; its index is not written.
    path
        The CSV file.

    Returns
    -------
    Path
    """
    safe = frame.copy()
    carriage = any("\r" in c for c in frame.columns if isinstance(c, str))
    for i, dtype in enumerate(frame.dtypes):
        column = frame.iloc[:, i]
        if pd.api.types.is_float_dtype(dtype):
            # -0.0 + 0.0 is 0.0; nothing else changes. pandas-stubs leave a Series out of
            # isetitem's values, which pandas takes (here and below)
            safe.isetitem(i, column + 0.0)  # type: ignore[arg-type]
        elif not (
            pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)
        ):
            safe.isetitem(i, column.map(spreadsheet_text))  # type: ignore[arg-type]
            carriage = carriage or bool(
                column.map(lambda v: isinstance(v, str) and "\r" in v).any()
            )
    safe.columns = [spreadsheet_text(c) for c in frame.columns]
    safe.to_csv(path, index=False, quoting=csv.QUOTE_NONNUMERIC if carriage else csv.QUOTE_MINIMAL)
    return path


def spreadsheet_text(value: Any) -> Any:
    """Return a text value that a spreadsheet shows as text: ``'`` before a formula start.

    Parameters
    ----------
    value
        Any cell; only text beginning with one of :data:`FORMULA_STARTS` changes.

    Returns
    -------
    object
    """
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def write_geoparquet(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write a GeoDataFrame as GeoParquet (geometry as WKB, CRS in the ``geo`` metadata).

    Parameters
    ----------
    frame
        The table with a geometry column and a CRS.
    path
        The ``.parquet`` file.

    Returns
    -------
    Path
    """
    frame.to_parquet(path, index=False)
    return path


def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write a GeoDataFrame as GeoJSON; an empty one as an empty feature collection.

    Parameters
    ----------
    frame
        The table with a geometry column and a CRS.
    path
        The ``.geojson`` file.

    Returns
    -------
    Path
    """
    if len(frame):
        frame.to_file(path, driver="GeoJSON")
    else:
        path.write_text('{"type": "FeatureCollection", "features": []}\n')
    return path


def write_tables(results: Results, folder: Path) -> list[Path]:
    """Write the result tables into a folder: CSV, GeoJSON and GeoParquet per table.

    CSV holds every column but the geometry at full precision (values read back equal);
    GeoJSON and GeoParquet hold the geometry in WGS 84 (GeoParquet with its CRS metadata).

    Parameters
    ----------
    results
        From :func:`siting.results.build_results`.
    folder
        Existing folder to write into.

    Returns
    -------
    list of Path
        The files written.
    """
    written = []
    for name, frame in (("sites", results.sites), ("flows", results.flows), ("hubs", results.hubs)):
        csv = write_csv(pd.DataFrame(frame.drop(columns="geometry")), folder / f"{name}.csv")
        geojson = write_geojson(frame, folder / f"{name}.geojson")
        written += [csv, geojson, write_geoparquet(frame, folder / f"{name}.parquet")]
    return written


def write_schedule(
    h: Horizon, sol: HorizonSolution, sites: gpd.GeoDataFrame, folder: Path
) -> list[Path]:
    """Write ``schedule.csv``, ``stranded.csv`` and per year ``sites_YEAR.csv``/``.geojson``."""
    # the multi-period tables load with a plan only: a single-period run never imports them
    from siting.horizon_tables import schedule_table, stranded_by, year_sites

    table = schedule_table(h, sol)
    written = [write_csv(table, folder / "schedule.csv")]
    by = stranded_by(table, ["year", "province", "accelerator_class"])
    written.append(write_csv(by, folder / "stranded.csv"))
    for year in h.years.tolist():
        frame = year_sites(table, year, sites)
        written.append(write_csv(pd.DataFrame(frame.drop(columns="geometry")),
                                 folder / f"sites_{year}.csv"))  # fmt: skip
        written.append(write_geojson(frame, folder / f"sites_{year}.geojson"))
    return written
