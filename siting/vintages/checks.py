"""Row checks every time-table reader shares: read the columns, years in range and order."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from siting._validate import CSV_ROWS, Column, read_table
from siting.errors import InputError, Problem


def read_columns(
    path: Path, columns: tuple[Column, ...], *, key: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and convert the columns; a missing column stops here (rows cannot be checked)."""
    return read_table(path, columns, what=key.removesuffix("_id"), key=key)


def finish(
    table: pd.DataFrame,
    problems: list[Problem],
    columns: tuple[Column, ...],
    ints: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Raise the problems found, or return the table's columns in order (``ints`` as int)."""
    if problems:
        raise InputError(problems)
    out = table[[c.name for c in columns]].reset_index(drop=True)
    for name in ints:
        out[name] = out[name].astype(int)
    return out


def check_years(
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
        if not is_number(year):
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


def is_number(*values: object) -> bool:
    """Every value is a finite float (a cell read as a number)."""
    return all(isinstance(v, float) and math.isfinite(v) for v in values)
