"""The use series: AI compute in use per year, variant, area, role and component."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from siting._validate import CONFIDENCE, CSV_ROWS, Column
from siting.errors import Problem
from siting.scenario import USE_VARIANTS
from siting.vintages.checks import check_years, finish, is_number, read_columns
from siting.vintages.constants import MAX_MW, REST_OF_CHINA, SERIES_YEARS

#: Area of the use series that holds national training (not tied to a hub).
NATIONAL = "national"
ROLES = ("inference", "training")
#: Components of the use series (``data/use_years.csv``, SOURCES.md T9).
COMPONENTS = ("llm", "non_llm")
#: ``kind`` of a use row: published figures (years up to :data:`MEASURED_LAST`) or scenario.
USE_KINDS = ("measured", "scenario")
#: Last year of the use series built from published figures; later years are scenarios.
MEASURED_LAST = 2025
#: Year of the hubs' ``inference_mw`` in ``data/hubs.csv`` (the 2027 planning year).
HUBS_YEAR = 2027
#: National inference of that planning year which ``hubs.csv`` apportions, MW (SOURCES.md B
#: step 3): the hub weights of the use series are ``inference_mw`` over it.
PLANNING_INFERENCE_MW = 2821.8
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


def read_use_years(path: Path, *, hub_ids: Iterable[str]) -> pd.DataFrame:
    """Read the use series: every variant and year complete, years in order, known areas.

    Inference rows belong to a hub or ``rest_of_china``, training rows to ``national``;
    ``kind`` is ``measured`` up to :data:`MEASURED_LAST` and ``scenario`` after; each
    (variant, year) has one row per area, role and component.
    """
    source = str(path)
    table, problems = read_columns(path, USE_COLUMNS, key="area_id")
    problems += check_years(table, path, SERIES_YEARS, strict=False)
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
        if is_number(row.year) and row.kind in USE_KINDS:
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
    return finish(table, problems, USE_COLUMNS, ints=("year",))


def use_by_year(demand: pd.DataFrame, variant: str, **where: str) -> pd.Series:
    """MW in use per year of ``variant``, summed over the rows matching ``where`` (column=value)."""
    rows = demand[demand["variant"] == variant]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return rows.groupby("year")["mw"].sum()
