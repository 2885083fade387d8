"""Sites coloured by a column of the sites table, and tooltips of chosen fields.

What ``Plan.explore(column=..., tooltip=...)`` asks, as geopandas' ``GeoDataFrame.explore``
does: a numeric column colours the sites on a ramp, any other by category; ``tooltip``
names the fields each site's tooltip lists. Every value is escaped
(:func:`~siting.maps.escape.esc`); colours come from the constants here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError, Problem
from siting.maps.escape import esc, missing
from siting.maps.panel import Choropleth, ramp, scale_legend, table
from siting.maps.points import names
from siting.maps.symbols import MIN_RADIUS, dot_svg, radius

#: Ramp of a numeric column (viridis), and the colours of categories (Tableau 10, cycled).
RAMP = ("#440154", "#21918c", "#fde725")
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
#: The legend of a categorical column lists at most this many categories.
LEGEND_MAX = 12

Tooltip = bool | str | Sequence[str] | None


def tooltip_fields(sites: pd.DataFrame, column: str | None, tooltip: Tooltip) -> list[str] | None:
    """Check ``column`` and ``tooltip`` against the sites table; return the tooltip's fields.

    Parameters
    ----------
    sites
        The plan's sites table.
    column
        A column to colour the sites by, or ``None``.
    tooltip
        ``None``: siting's own tooltips; ``True``: every column; ``False``: none; a column
        name or a list of them: those fields.

    Returns
    -------
    list of str or None
        The fields to list (``[]`` for no tooltip), ``None`` for siting's own.

    Raises
    ------
    siting.errors.InputError
        Naming each argument that is not a column of ``plan.sites``.
    """
    known = [str(c) for c in sites.columns if c != "geometry"]
    expected = f"a column of plan.sites ({', '.join(known)})"
    problems = []
    if column is not None and column not in known:
        problems.append(Problem("explore", "", "column", f"{expected}; got {column!r}"))
    fields: list[str] | None
    if tooltip is None:
        fields = None
    elif isinstance(tooltip, bool):
        fields = known if tooltip else []
    elif isinstance(tooltip, str):
        fields = [tooltip]
    else:
        fields = list(tooltip)
    wrong = [f for f in fields or [] if f not in known]
    if wrong:
        shown = ", ".join(repr(f) for f in wrong)
        problems.append(Problem("explore", "", "tooltip", f"{expected}; got {shown}"))
    if problems:
        raise InputError(problems)
    return fields


def restyle(
    one: dict[str, Any],
    sites: pd.DataFrame,
    unused: pd.DataFrame,
    *,
    column: str | None,
    fields: list[str] | None,
    max_mw: float,
) -> None:
    """Colour a map's sites by ``column`` and give them the tooltips of ``fields``, in place.

    Parameters
    ----------
    one
        One map's JSON, with ``sites`` drawn from ``sites`` and ``candidates`` from
        ``unused`` (in their row order).
    sites, unused
        The chosen sites and the unused candidates.
    column
        Colour by this column (chosen sites keep their size: area ∝ MW hosted).
    fields
        From :func:`tooltip_fields`: ``None`` keeps siting's tooltips.
    max_mw
        The MW of the largest symbol on the page.
    """
    if column is not None:
        colours, legend = _colours(pd.concat([sites[column], unused[column]]), column)
        chosen = colours[: len(sites)]
        for item, hosted, colour in zip(one["sites"], sites["hosted_mw"], chosen, strict=True):
            r = radius(float(hosted), max_mw) if float(hosted) > 1e-6 else MIN_RADIUS
            item["svg"] = dot_svg(r, colour, "#222")
        for item, colour in zip(one["candidates"], colours[len(sites) :], strict=True):
            item["fill"] = colour
        one["legend"]["key"] = legend + one["legend"]["key"]
    if fields is not None:
        for items, frame in ((one["sites"], sites), (one["candidates"], unused)):
            for item, tip in zip(items, _tips(frame, fields), strict=True):
                item["tip"] = tip


def _colours(values: pd.Series, column: str) -> tuple[list[str], str]:
    """Each value's colour and the legend: a ramp for numbers, a palette for categories."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
        finite = numbers[np.isfinite(numbers)]
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        limits = (lo, hi if hi > lo else lo + 1.0)
        fmt = ",.0f" if max(abs(lo), abs(hi)) >= 1e4 else ",.4g"
        spec = Choropleth(column, column, f"Sites by {column}", RAMP, fmt)
        legend = scale_legend(spec, limits).replace("no data", "missing")
        return ramp(RAMP, numbers, limits), f"<div class='siting-column'>{legend}</div>"
    labels = ["" if missing(v) else str(v) for v in values]
    categories = list(dict.fromkeys(labels))
    colour = {c: PALETTE[k % len(PALETTE)] for k, c in enumerate(categories)}
    rows = "".join(
        f"<div><span class='siting-sym'>{dot_svg(5, colour[c], '#222')}</span>"
        f"{esc(c) or '(missing)'}</div>"
        for c in categories[:LEGEND_MAX]
    )
    more = len(categories) - LEGEND_MAX
    rows += f"<div class='siting-nodata'>… {more:,} more</div>" if more > 0 else ""
    head = f"<div class='siting-h'>Sites by {esc(column)}</div>"
    return [colour[v] for v in labels], f"<div class='siting-column'>{head}{rows}</div>"


def _tips(frame: pd.DataFrame, fields: list[str]) -> list[str]:
    """Each row's tooltip: its name in bold and a table of ``fields`` (``""`` for none)."""
    if not fields:
        return [""] * len(frame)
    labels = names(frame, "site_id")
    out = []
    for label, (_, row) in zip(labels, frame[fields].iterrows(), strict=True):
        rows = [(esc(f), _value(row[f])) for f in fields]
        out.append(f"<b>{esc(label)}</b>{table(rows)}")
    return out


def _value(value: Any) -> str:
    """Format a cell as tooltip text: numbers grouped, booleans and text as they are."""
    if missing(value):
        return "–"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        number = float(value)
        return f"{number:,.6g}" if abs(number) < 1e6 else f"{number:,.0f}"
    return esc(value)
