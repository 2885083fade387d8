"""The national compute series (supply) and its forecasts as published each year."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from siting._validate import CONFIDENCE, Column
from siting.vintages.checks import check_years, finish, read_columns
from siting.vintages.constants import MAX_PF, SERIES_YEARS

SERIES_KINDS = ("measured", "forecast", "interpolated", "extrapolated")
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


def read_national_compute(path: Path) -> pd.DataFrame:
    """Read the national compute series (supply): one row per year, years strictly increasing."""
    table, problems = read_columns(path, NATIONAL_COLUMNS, key="year")
    problems += check_years(table, path, SERIES_YEARS, strict=True)
    return finish(table, problems, NATIONAL_COLUMNS, ints=("year",))


def read_demand_forecasts(path: Path) -> pd.DataFrame:
    """Read forecast vintages: publication years in order, years increasing within each."""
    table, problems = read_columns(path, FORECAST_COLUMNS, key="report")
    problems += check_years(table, path, SERIES_YEARS, strict=False, field="published")
    problems += check_years(table, path, SERIES_YEARS, strict=True, group="published")
    return finish(table, problems, FORECAST_COLUMNS, ints=("published", "year"))
