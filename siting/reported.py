"""Reported figures on idle compute beside a plan's own (``siting plan``, ``comparison.csv``).

``data/reported_figures.csv`` holds published figures (utilisation of intelligent computing
centres, the share of new capacity unused; ``data/SOURCES.md`` section R). They are targets to
compare with, never inputs: this module is the only one that reads the file, and nothing it
returns flows back into a model. Each figure names the measure of the tool it is set beside
(:data:`MEASURES`), computed from the plan's idle table
(:func:`siting.horizon_tables.idle_table`) in the figure's year.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from siting import settings
from siting._validate import CONFIDENCE, Column, check_unique, read_table
from siting.errors import InputError

#: The shipped file of reported figures.
FILE = "reported_figures.csv"

#: What a figure may measure: the tool's figure of that measure, in words.
MEASURES = {
    "utilisation": "used / installed MW, nation",
    "added_idle_share": "idle / installed MW added since end-2022 (idle pro rata)",
    "added_utilisation": "used / installed MW added since end-2022 (used pro rata)",
    "domestic_utilisation": "used / installed MW of the domestic class, nation",
}

#: Whether a figure and the tool's measure the same thing (the file's judgement).
COMPARABLE = ("yes", "partly", "no")

COLUMNS = (
    Column("figure_id"),
    Column("figure"),
    Column("value", number=True, minimum=0, maximum=1),
    Column("low", number=True, blank_ok=True, minimum=0, maximum=1),
    Column("high", number=True, blank_ok=True, minimum=0, maximum=1),
    Column("unit", choices=("share",)),
    Column("year", number=True, minimum=2000, maximum=2100),
    Column("scope"),
    Column("measures", choices=tuple(MEASURES)),
    Column("source"),
    Column("url", blank_ok=True),
    Column("date", blank_ok=True),
    Column("confidence", choices=(*CONFIDENCE, "unverified")),
    Column("comparable", choices=COMPARABLE),
    Column("why"),
)

#: Columns of ``comparison.csv``.
COMPARISON_COLUMNS = (
    "figure_id", "figure", "year", "reported", "reported_low", "reported_high", "measures",
    "tool", "tool_measure", "comparable", "why", "source", "confidence",
)  # fmt: skip


def default_path() -> Path:
    """Return the shipped reported figures (``data/reported_figures.csv``)."""
    return Path(settings.data_dir) / FILE


def read_reported(path: Path) -> pd.DataFrame:
    """Read and check a file of reported figures.

    Raises
    ------
    InputError
        Naming the file, row and column of every bad cell.
    """
    table, problems = read_table(path, COLUMNS, what="reported figure", key="figure_id")
    problems += check_unique(table, "figure_id", source=str(path))
    if problems:
        raise InputError(problems)
    table["year"] = table["year"].astype(int)
    return table


def tool_figure(idle: pd.DataFrame, measure: str, year: int) -> float:
    """Return the tool's figure of ``measure`` in ``year`` from an idle table (nan if none)."""
    rows = {(r["by"], r["group"]): r for r in idle[idle["year"] == year].to_dict("records")}
    if measure == "domestic_utilisation":
        row = rows.get(("accelerator_class", "domestic"))
        return np.nan if row is None else float(row["utilisation"])
    nation = rows.get(("nation", "China"))
    if nation is None:
        return np.nan
    if measure == "utilisation":
        return float(nation["utilisation"])
    share = float(nation["added_stranded_share"])
    return share if measure == "added_idle_share" else 1.0 - share


def compare_figures(reported: pd.DataFrame, idle: pd.DataFrame) -> pd.DataFrame:
    """Set each reported figure beside the tool's figure of the same measure and year.

    A figure whose year is outside the plan, or whose measure the plan cannot give (no
    domestic capacity), gets no tool figure and ``comparable`` = ``no``, saying why.
    """
    rows = []
    years = set(idle["year"])
    for fig in reported.to_dict("records"):
        value = tool_figure(idle, fig["measures"], fig["year"])
        comparable, why = fig["comparable"], fig["why"]
        if fig["year"] not in years:
            comparable, why = "no", f"{fig['year']} is outside the plan's years"
        elif np.isnan(value):
            comparable, why = "no", "the plan has no installed MW of this measure in the year"
        rows.append(
            {
                **{c: fig[c] for c in ("figure_id", "figure", "year")},
                "reported": fig["value"],
                "reported_low": fig["low"],
                "reported_high": fig["high"],
                "measures": fig["measures"],
                "tool": value,
                "tool_measure": MEASURES[fig["measures"]],
                "comparable": comparable,
                "why": why,
                "source": fig["source"],
                "confidence": fig["confidence"],
            }
        )
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def comparison_lines(comparison: pd.DataFrame) -> list[str]:
    """Format the comparison for the report: figure, reported, the tool's, comparable."""
    lines = [
        "Reported figures beside the plan's (shares; targets to compare with, never inputs)",
        f"{'figure':<22} {'year':>4} {'reported':>9} {'tool':>6}  {'comparable':<10} measure",
    ]
    for row in comparison.to_dict("records"):
        bound = "≤" if row["reported_high"] == row["reported"] else ""  # "up to", "under"
        tool = "–" if pd.isna(row["tool"]) else f"{row['tool']:.0%}"
        reported = f"{bound}{row['reported']:.0%}"
        lines.append(
            f"{row['figure_id']:<22} {row['year']:>4} {reported:>9} {tool:>6}  "
            f"{row['comparable']:<10} {row['measures']}"
        )
        lines.append(f"{'':<22} {row['why']}")
    return lines
