"""Published server rents per month and accelerator class."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from siting._validate import CONFIDENCE, CSV_ROWS, Column
from siting.errors import Problem
from siting.scenario import ACCELERATOR_CLASSES, MAX_CNY
from siting.vintages.checks import finish, is_number, read_columns
from siting.vintages.constants import MAX_KW_PER_PF

#: Bound far above any real rent per server-month, CNY.
MAX_RENT_CNY_MONTH = 1e9
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


def read_rents(path: Path, *, classes: Iterable[str]) -> pd.DataFrame:
    """Read published rents: periods ``YYYY-MM`` in order, low ≤ high, known classes."""
    source = str(path)
    table, problems = read_columns(path, RENT_COLUMNS, key="period")
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
        if is_number(row.rent_low_cny_month, row.rent_high_cny_month) and (
            row.rent_low_cny_month > row.rent_high_cny_month
        ):
            expected = f"at least rent_low_cny_month ({row.rent_low_cny_month:g})"
            problems.append(Problem(source, where, "rent_high_cny_month", expected))
    return finish(table, problems, RENT_COLUMNS)


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
