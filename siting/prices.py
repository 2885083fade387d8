"""IT hardware prices per accelerator class and year (``data/it_prices.csv``).

Prices are of eight-accelerator servers; ``price_cny_per_mw`` is the same per MW of IT load
(price × 1000 / ``server_kw``). The multi-period model pays a class's capex at the price of the
year it is ordered (``docs/model.md``, "Multi-period model", ``P_kτ``);
``data/SOURCES.md`` T8 says where each price comes from and how sure it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting._validate import CONFIDENCE, CSV_ROWS, Column, read_table
from siting.errors import InputError, Problem
from siting.scenario import ACCELERATOR_CLASSES, DEMAND_YEARS

#: ``price_cny_per_mw`` = ``price_cny_per_server`` × 1000 / ``server_kw`` within 1 CNY (rounding).
PER_MW_TOLERANCE = 1.0
PRICE_COLUMNS = (
    Column("year", number=True),
    Column("accelerator_class", choices=ACCELERATOR_CLASSES),
    Column("server"),
    Column("server_kw", number=True, minimum=0, positive=True, maximum=1000),
    Column("price_cny_per_server", number=True, minimum=0, positive=True, maximum=1e9),
    Column("price_cny_per_mw", number=True, minimum=0, positive=True, maximum=1e12),
    Column("basis"),
    Column("source"),
    Column("confidence", choices=CONFIDENCE),
)


def read_it_prices(path: Path, *, classes: Iterable[str]) -> pd.DataFrame:
    """Read server prices: whole years within the demand years, known classes, one row each.

    Raises
    ------
    InputError
        Naming the file, row and field of every problem.
    """
    source = str(path)
    table, problems = read_table(path, PRICE_COLUMNS, what="price", key="accelerator_class")
    known, seen = set(classes), set()
    low, high = DEMAND_YEARS
    row: Any  # pandas types a row's cells as any scalar
    for i, row in enumerate(table.itertuples(index=False)):
        where = CSV_ROWS.label(i, "accelerator_class", row.accelerator_class)
        if row.accelerator_class in ACCELERATOR_CLASSES and row.accelerator_class not in known:
            expected = f"class {row.accelerator_class!r} has no row in the accelerator table"
            problems.append(Problem(source, where, "accelerator_class", expected))
        year = row.year
        if isinstance(year, float) and np.isfinite(year):
            if year != int(year) or not low <= year <= high:
                expected = f"a whole year from {low} to {high}, got {year:g}"
                problems.append(Problem(source, where, "year", expected))
            elif (int(year), row.accelerator_class) in seen:
                expected = "one row per year and class; this one repeats an earlier row"
                problems.append(Problem(source, where, "year", expected))
            seen.add((int(year), row.accelerator_class))
        numbers = (row.price_cny_per_server, row.server_kw, row.price_cny_per_mw)
        if all(isinstance(v, float) and np.isfinite(v) and v > 0 for v in numbers):
            want = row.price_cny_per_server * 1000.0 / row.server_kw
            if abs(row.price_cny_per_mw - want) > PER_MW_TOLERANCE:
                expected = f"price_cny_per_server × 1000 / server_kw = {want:.0f}"
                problems.append(Problem(source, where, "price_cny_per_mw", expected))
    if problems:
        raise InputError(problems)
    out = table[[c.name for c in PRICE_COLUMNS]].reset_index(drop=True)
    out["year"] = out["year"].astype(int)
    return out


def price_per_mw(
    prices: pd.DataFrame, classes: Sequence[str], years: Sequence[int], default: float
) -> NDArray[np.float64]:
    """``P_kτ``: CNY per MW of IT load of class ``k`` bought in year ``τ``, shape (C, T).

    A year without a row takes the class's latest earlier row, a year before its first row the
    first; a class without rows takes ``default`` (the scenario's ``it_capex_cny_per_mw``).
    """
    out = np.full((len(classes), len(years)), float(default))
    for k, name in enumerate(classes):
        mine = prices[prices["accelerator_class"] == name].sort_values("year")
        if mine.empty:
            continue
        for t, year in enumerate(years):
            known = mine[mine["year"] <= year]
            row = known.iloc[-1] if len(known) else mine.iloc[0]
            out[k, t] = float(row["price_cny_per_mw"])
    return out
