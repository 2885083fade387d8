"""The text of a map: KPI panel, province shadings with their legends and tooltips.

Every data string is escaped with :func:`~siting.maps.escape.esc` before it joins the HTML.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from siting.maps.escape import esc, missing

NO_DATA = "#e0e0e0"


@dataclass(frozen=True)
class Choropleth:
    """One province shading: its layer name, column, legend caption, colour ramp, format."""

    layer: str
    column: str
    caption: str
    colours: tuple[str, ...]
    fmt: str


def table(
    rows: Iterable[tuple[str, ...]], *, header: tuple[str, ...] | None = None, th: bool = False
) -> str:
    """Make an HTML table of already-escaped cells, numbers right-aligned."""
    out = ["<table>"]
    if header:
        out.append("<tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>")
    cell = "th" if th else "td"
    for first, *rest in rows:
        out.append(
            f"<tr><{cell}>{first}</{cell}>"
            + "".join(f"<td class='n'>{v}</td>" for v in rest)
            + "</tr>"
        )
    return "".join(out) + "</table>"


def num(value: Any, fmt: str) -> str:
    """Format a number, or ``–`` for a missing one."""
    return "–" if missing(value) else format(float(value), fmt)


def _get(kpis: Mapping[str, Any], key: str) -> float:
    value = kpis.get(key, float("nan"))
    return float("nan") if missing(value) else float(value)


def panel(
    kpis: Mapping[str, Any], title: str, description: str = "", notes: Sequence[str] = ()
) -> str:
    """Return the panel: title, description and the plan's KPIs; ``notes`` are escaped HTML.

    A classic location model's plan (``objective_kind`` p-median, p-center, mclp or lscp)
    shows its objective, open sites, assigned MW and mean round trip instead of the cost
    rows: its costs were not optimised.
    """
    gap = kpis.get("gap", float("nan"))
    status = esc(kpis.get("status", "unknown"))
    solver = status if missing(gap) else f"{status}, gap {float(gap):.2%}"
    if kpis.get("objective_kind", "cost") in ("cost", "margin"):
        rows = [
            ("Total cost", f"{_get(kpis, 'total_cost_cny') / 1e9:,.2f} bn CNY/yr"),
            ("Training", f"{_get(kpis, 'training_mw'):,.0f} MW"),
            ("Inference", f"{_get(kpis, 'inference_mw'):,.0f} MW"),
            ("New build", f"{_get(kpis, 'new_mw'):,.0f} MW"),
            (
                "Stranded",
                f"{_get(kpis, 'stranded_mw'):,.0f} MW of {_get(kpis, 'existing_mw'):,.0f} existing",
            ),
            ("Solver", solver),
        ]
    else:
        rows = [
            (esc(kpis["objective_kind"]), esc(objective_text(kpis))),
            ("Open sites", f"{_get(kpis, 'sites_open'):,.0f}"),
            ("Assigned", f"{_get(kpis, 'inference_mw'):,.0f} MW"),
            ("Solver", solver),
        ]
    if not missing(kpis.get("mean_rtt_ms")):
        rows.insert(len(rows) - 1, ("Mean RTT", f"{float(kpis['mean_rtt_ms']):.1f} ms"))
    extra = "".join(f"<div class='siting-nodata'>{n}</div>" for n in notes)
    about = f"<div class='siting-desc'>{esc(description)}</div>" if description else ""
    return f"<div class='siting-title'>{esc(title)}</div>{about}{table(rows, th=True)}{extra}"


def objective_text(kpis: Mapping[str, Any]) -> str:
    """Format a plan's objective in its unit, e.g. ``6,919.4 MW·ms`` or ``24.46 bn CNY/yr``."""
    value, unit = _get(kpis, "objective_value"), str(kpis.get("objective_unit", ""))
    if unit == "CNY/yr":
        return f"{value / 1e9:,.2f} bn CNY/yr"
    if unit == "sites":
        return f"{value:,.0f} sites"
    return f"{value:,.{2 if unit == 'ms' else 1}f} {unit}"


def scale_legend(spec: Choropleth, limits: tuple[float, float]) -> str:
    """Return a shading's legend: caption, colour bar, three ticks and the no-data colour."""
    lo, hi = limits
    stops = ", ".join(spec.colours)
    ticks = "".join(f"<span>{num(v, spec.fmt)}</span>" for v in (lo, (lo + hi) / 2, hi))
    return (
        f"<div class='siting-h'>{esc(spec.caption)}</div>"
        f"<div class='siting-bar' style='background:linear-gradient(to right, {stops})'></div>"
        f"<div class='siting-ticks'>{ticks}</div>"
        f"<div class='siting-nodata'><i style='background:{NO_DATA}'></i>no data</div>"
    )


def ramp(colours: Sequence[str], values: ArrayLike, limits: tuple[float, float]) -> list[str]:
    """Colour each value on a linear ramp through ``colours``; NaN gets ``NO_DATA``."""
    lo, hi = limits
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colours], float)
    stops = np.linspace(0.0, 1.0, len(colours))
    values = np.asarray(values, float)
    t = np.nan_to_num(np.clip((values - lo) / (hi - lo), 0.0, 1.0))
    channels = np.column_stack([np.interp(t, stops, rgb[:, k]) for k in range(3)])
    out = []
    for value, row in zip(values, np.rint(channels).astype(int), strict=True):
        out.append(NO_DATA if missing(value) else "#{:02x}{:02x}{:02x}".format(*row))
    return out


def province_values(
    provinces: gpd.GeoDataFrame,
    specs: Sequence[Choropleth],
    ranges: Mapping[str, tuple[float, float]],
) -> list[dict[str, Any]]:
    """Per province (in geometry order): its fill colour in each shading, and a tooltip."""
    frame = pd.DataFrame(provinces.drop(columns="geometry", errors="ignore"))
    nan = pd.Series(np.nan, index=frame.index)
    colours = [
        ramp(s.colours, pd.to_numeric(frame.get(s.column, nan), errors="coerce"), ranges[s.column])
        for s in specs
    ]
    return [
        {"c": [c[i] for c in colours], "tip": _province_tip(rec, specs)}
        for i, rec in enumerate(frame.to_dict("records"))
    ]


def _province_tip(rec: Mapping[Hashable, Any], specs: Sequence[Choropleth]) -> str:
    name = f"<b>{esc(rec.get('name_en'))}</b> {esc(rec.get('name_zh'))}"
    if all(missing(rec.get(s.column)) for s in specs):
        return f"{name}<br>no attributes (outside the mainland data)"
    rows = "".join(
        f"<tr><td>{esc(s.caption)}</td><td class='n'>{num(rec.get(s.column), s.fmt)}</td></tr>"
        for s in specs
    )
    return f"{name}<table>{rows}</table>"
