"""Static and interactive charts of analysis tables (matplotlib PNG, self-contained SVG page).

Both charts share one tick rule (:func:`nice_ticks`: steps of 1, 2, 2.5 or 5 times a power of
ten, never an offset or scientific notation) and one set of axis labels with units
(:func:`parameter_label`), so the PNG and the page read the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from siting.maps.escape import esc
from siting.scenario import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_WIDTH, _HEIGHT, _PAD = 720, 420, 70

COST_LABEL = "total cost (bn CNY/yr)"
STRANDED_LABEL = "stranded existing capacity (MW)"

#: Axis labels of the parameters most often swept; others come from the scenario's field docs.
LABELS = {
    "demand.inference_sla_ms": "round-trip latency limit, hub to site (ms)",
    "demand.training_mw": "national training demand (MW of IT load)",
    "demand.training_share": "training share of all demand",
    "demand.inference_scale": "inference demand multiplier (×)",
    "demand.max_site_share": "largest share of a hub one site may serve",
    "training.min_cluster_mw": "smallest training cluster (MW)",
    "training.utilisation": "training utilisation (IT load / installed MW)",
    "inference.utilisation": "inference utilisation (IT load / installed MW)",
    "costs.carbon_cny_per_t": "carbon price (CNY per tCO₂)",
    "costs.power_price_multiplier": "electricity price multiplier (×)",
    "costs.capex_cny_per_mw": "facility capex (CNY per MW of IT load)",
    "costs.it_capex_cny_per_mw": "IT hardware capex (CNY per MW of IT load)",
    "costs.network_cny_per_mw_km_year": "long-haul network cost (CNY per MW·km·yr)",
    "costs.discount_rate": "real discount rate",
    "latency.hop_delay_ms": "round-trip delay per backbone hop (ms)",
    "latency.access_factor": "access leg / great-circle distance (×)",
}


def parameter_label(parameter: str) -> str:
    """Return a readable axis label with units for a dotted scenario key.

    Parameters
    ----------
    parameter
        E.g. ``"costs.carbon_cny_per_t"``.

    Returns
    -------
    str
        From :data:`LABELS`, else the scenario field's description ("text, unit." becomes
        "text (unit)"), else the key's last part with spaces.
    """
    if parameter in LABELS:
        return LABELS[parameter]
    section, _, key = parameter.partition(".")
    table = Scenario.model_fields.get(section)
    fields = getattr(table.annotation, "model_fields", {}) if table is not None else {}
    description = fields[key].description if key in fields else None
    if not description:
        return (key or section).replace("_", " ")
    text = description.split(". ")[0].split(" (")[0].split(";")[0].rstrip(".")
    head, _, unit = text.rpartition(", ")
    if head and len(unit) <= 12:
        text = f"{head} ({unit})"
    return text[:1].lower() + text[1:]


def nice_ticks(low: float, high: float, count: int = 5) -> np.ndarray:
    """Return round tick values covering ``[low, high]``: about ``count`` of them.

    Parameters
    ----------
    low, high
        The data range (``low == high`` is widened around the value).
    count
        Wanted number of intervals.

    Returns
    -------
    numpy.ndarray
        Multiples of a step of 1, 2, 2.5 or 5 times a power of ten; the first is at or
        below ``low``, the last at or above ``high``.
    """
    low, high = float(min(low, high)), float(max(low, high))
    if high - low <= 1e-9 * max(abs(low), abs(high), 1.0):
        pad = max(abs(low) * 0.01, 1.0) if low else 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw * 0.999)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    n = round((last - first) / step)
    return np.round(first + step * np.arange(n + 1), 12)


def tick_labels(ticks: np.ndarray) -> list[str]:
    """Format round ticks alike: thousands separators, just enough decimals, no exponent."""
    step = float(np.min(np.diff(ticks))) if len(ticks) > 1 else 1.0
    decimals = 0
    while decimals < 12 and abs(round(step, decimals) - step) > step * 1e-6:
        decimals += 1
    return [f"{0.0 if abs(t) < step * 1e-9 else t:,.{decimals}f}" for t in ticks]


def _x_axis(table: pd.DataFrame, parameter: str) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Place swept values on the x axis: numbers as they are, names (e.g. layers) in order."""
    values = table[parameter]
    if pd.api.types.is_numeric_dtype(values):
        ticks = nice_ticks(*_range(values.to_numpy(float)))
        return table, ticks, tick_labels(ticks)
    names = list(dict.fromkeys(values.astype(str)))
    position = values.astype(str).map({n: float(i) for i, n in enumerate(names)})
    ticks = np.arange(len(names), dtype=float)
    if len(names) == 1:  # one category: an axis around it
        ticks = np.array([-0.5, 0.0, 0.5])
        names = ["", names[0], ""]
    return table.assign(**{parameter: position}), ticks, names


def tradeoff_figure(table: pd.DataFrame, parameter: str, *, title: str) -> Figure:
    """Draw total cost and stranded MW against a parameter, in two panels sharing the x axis.

    Parameters
    ----------
    table
        From :func:`siting.analysis.tradeoff`.
    parameter
        The column on the x axis.
    title
        Chart title.

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot (close is not needed).
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedFormatter, FixedLocator

    table, xticks, xlabels = _x_axis(table, parameter)
    ok = table[table["status"] != "infeasible"]
    panels = [("total_cost_cny", 1e-9, COST_LABEL, "#6a3d9a", "o")]
    if "stranded_mw" in ok:
        panels.append(("stranded_mw", 1.0, STRANDED_LABEL, "#e08214", "s"))
    fig = Figure(figsize=(7.2, 2.4 + 2.2 * len(panels)), dpi=100)
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (column, scale, label, color, marker) in zip(axes, panels, strict=True):
        values = ok[column].to_numpy(float) * scale
        ax.plot(ok[parameter], values, marker=marker, color=color, clip_on=False, zorder=3)
        yticks = nice_ticks(*_range(values))
        ax.yaxis.set_major_locator(FixedLocator(yticks.tolist()))
        ax.yaxis.set_major_formatter(FixedFormatter(tick_labels(yticks)))
        ax.set_ylim(yticks[0], yticks[-1])
        ax.set_ylabel(label, color=color)
        ax.grid(axis="y", color="#dddddd", linewidth=0.8)
        for x in table.loc[table["status"] == "infeasible", parameter]:
            ax.axvline(x, color="#999999", linestyle=":", linewidth=1)
    axes[-1].xaxis.set_major_locator(FixedLocator(list(xticks)))
    axes[-1].xaxis.set_major_formatter(FixedFormatter(xlabels))
    axes[-1].set_xlim(xticks[0], xticks[-1])
    axes[-1].set_xlabel(parameter_label(parameter))
    axes[0].set_title(title)
    fig.tight_layout()
    return fig


def tradeoff_png(table: pd.DataFrame, parameter: str, path: Path, *, title: str) -> Path:
    """Plot total cost and stranded MW against a parameter as a PNG.

    Parameters
    ----------
    table
        From :func:`siting.analysis.tradeoff`.
    parameter
        The column on the x axis.
    path
        The PNG to write.
    title
        Chart title.

    Returns
    -------
    Path
    """
    tradeoff_figure(table, parameter, title=title).savefig(path)
    return path


def tradeoff_html(table: pd.DataFrame, parameter: str, path: Path, *, title: str) -> Path:
    """Write total cost against a parameter as a self-contained HTML page (inline SVG).

    Hovering a point shows its cost, stranded MW, new MW and mean latency; infeasible values
    are marked with their reason. The page needs no network and has no script; every text
    from data (title, parameter, reasons) is escaped HTML.

    Parameters
    ----------
    table
        From :func:`siting.analysis.tradeoff`.
    parameter
        The column on the x axis.
    path
        The HTML file to write.
    title
        Page and chart title.

    Returns
    -------
    Path
    """
    path.write_text(tradeoff_page(table, parameter, title=title), encoding="utf-8")
    return path


def tradeoff_page(table: pd.DataFrame, parameter: str, *, title: str) -> str:
    """Return the page of :func:`tradeoff_html` as a string."""
    table, xticks, xlabels = _x_axis(table, parameter)
    ok = table[table["status"] != "infeasible"]
    ys = ok["total_cost_cny"].to_numpy(float) / 1e9
    yticks = nice_ticks(*_range(ys))
    label = parameter_label(parameter)
    shown = dict(zip(xticks.tolist(), xlabels, strict=True))
    px, py = _scales(xticks, yticks)
    bottom = _HEIGHT - _PAD
    parts = _svg_axes(xticks, xlabels, yticks, px, py, label, COST_LABEL)
    if len(ok) > 1:
        points = " ".join(
            f"{px(x):.1f},{py(y):.1f}" for x, y in zip(ok[parameter], ys, strict=True)
        )
        parts.append(f'<polyline points="{points}" fill="none" stroke="#6a3d9a" stroke-width="2"/>')
    for x, y, (_, row) in zip(ok[parameter], ys, ok.iterrows(), strict=True):
        tip = (
            f"{label}: {shown.get(x, f'{x:,g}')}\ncost {y:,.3f} bn CNY/yr\n"
            f"stranded {row['stranded_mw']:,.0f} MW\n"
            f"new {row['new_mw']:,.0f} MW\nmean RTT {row['mean_rtt_ms']:.1f} ms"
        )
        parts.append(
            f'<circle class="point" cx="{px(x):.1f}" cy="{py(y):.1f}" r="5" fill="#6a3d9a">'
            f"<title>{esc(tip)}</title></circle>"
        )
    infeasible = table[table["status"] == "infeasible"]
    for x, reason in zip(infeasible[parameter], infeasible["reason"], strict=True):
        tip = f"{label}: {shown.get(x, f'{x:,g}')}: infeasible\n{reason}"
        parts.append(
            f'<line class="infeasible" x1="{px(x):.1f}" y1="{_PAD}" x2="{px(x):.1f}" '
            f'y2="{bottom}" stroke="#999" stroke-dasharray="3,3" stroke-width="6" '
            f'stroke-opacity="0.5"><title>{esc(tip)}</title></line>'
        )
    parts.append("</svg>")
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(title)}</title>"
        "</head><body style='font-family:sans-serif'>"
        f"<h3>{esc(title)}</h3><p>Hover a point for its plan.</p>"
        + "".join(parts)
        + "</body></html>"
    )


def _svg_axes(
    xticks: np.ndarray,
    xlabels: list[str],
    yticks: np.ndarray,
    px: Callable[[float], float],
    py: Callable[[float], float],
    xlabel: str,
    ylabel: str,
) -> list[str]:
    """Open an SVG chart: its axes, ticks with labels, grid lines and axis labels (escaped)."""
    bottom = _HEIGHT - _PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'font-family="sans-serif" font-size="12">',
        f'<line x1="{_PAD}" y1="{bottom}" x2="{_WIDTH - _PAD}" y2="{bottom}" stroke="#333"/>',
        f'<line x1="{_PAD}" y1="{_PAD}" x2="{_PAD}" y2="{bottom}" stroke="#333"/>',
    ]
    for x, text in zip(xticks, xlabels, strict=True):
        parts.append(
            f'<line x1="{px(x):.1f}" y1="{bottom}" x2="{px(x):.1f}" y2="{bottom + 5}" '
            f'stroke="#333"/><text class="xtick" x="{px(x):.1f}" y="{bottom + 18}" '
            f'text-anchor="middle">{esc(text)}</text>'
        )
    for y, text in zip(yticks, tick_labels(yticks), strict=True):
        parts.append(
            f'<line x1="{_PAD}" y1="{py(y):.1f}" x2="{_WIDTH - _PAD}" y2="{py(y):.1f}" '
            f'stroke="#eee"/><text class="ytick" x="{_PAD - 6}" y="{py(y) + 4:.1f}" '
            f'text-anchor="end">{text}</text>'
        )
    parts.append(
        f'<text class="xlabel" x="{_WIDTH / 2}" y="{_HEIGHT - 20}" text-anchor="middle">'
        f"{esc(xlabel)}</text>"
    )
    parts.append(
        f'<text class="ylabel" x="16" y="{_HEIGHT / 2}" '
        f'transform="rotate(-90 16 {_HEIGHT / 2})" text-anchor="middle">{esc(ylabel)}</text>'
    )
    return parts


def _scales(
    xticks: np.ndarray, yticks: np.ndarray
) -> tuple[Callable[[float], float], Callable[[float], float]]:
    """Map data to SVG pixels inside the padding: ``px(x)``, ``py(y)``."""
    x0, x1, y0, y1 = xticks[0], xticks[-1], yticks[0], yticks[-1]

    def px(x: float) -> float:
        return _PAD + (x - x0) / (x1 - x0) * (_WIDTH - 2 * _PAD)

    def py(y: float) -> float:
        return _HEIGHT - _PAD - (y - y0) / (y1 - y0) * (_HEIGHT - 2 * _PAD)

    return px, py


#: What the band chart draws per year: column of ``years.csv`` → axis label.
BAND_COLUMNS = {
    "stranded_mw": "idle MW (installed MW of IT load)",
    "stranded_capital_bn_cny": "stranded capital (bn CNY)",
}


def band_table(years: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """Low, central and high of idle MW and stranded capital per year over a sweep's plans.

    Parameters
    ----------
    years
        One row per scenario and year: ``name``, ``year``, the swept keys and the columns of
        :data:`BAND_COLUMNS` (the ``years.csv`` of a horizon batch).
    parameters
        The swept keys, in the sweep's order.

    Returns
    -------
    pandas.DataFrame
        One row per column of :data:`BAND_COLUMNS` and year: ``column``, ``year``, ``low``
        and ``high`` (the least and most over the scenarios), ``central`` and ``central_is``:
        with one swept key and an odd number of values, the scenario of the middle value as
        listed in the sweep (``horizon.use = "central"`` of low, central, high); otherwise the
        median over the scenarios.
    """
    central_is, pick = f"median of {years['name'].nunique()} scenarios", None
    if len(parameters) == 1:
        values = list(dict.fromkeys(years[parameters[0]].tolist()))
        if len(values) % 2 == 1:
            middle = values[len(values) // 2]
            central_is, pick = f"{parameters[0]} = {middle}", years[parameters[0]] == middle
    rows = []
    for column in BAND_COLUMNS:
        for year in sorted(years["year"].unique().tolist()):
            now = years["year"] == year
            values = years.loc[now, column]
            middle_value = values.median() if pick is None else years.loc[now & pick, column].mean()
            rows.append(
                {
                    "column": column,
                    "year": int(year),
                    "low": float(values.min()),
                    "central": float(middle_value),
                    "high": float(values.max()),
                    "central_is": central_is,
                }
            )
    return pd.DataFrame(rows)


def band_figure(band: pd.DataFrame, *, title: str) -> Figure:
    """Draw idle MW and stranded capital by year: the low–high band and the central line.

    Parameters
    ----------
    band
        From :func:`band_table`.
    title
        Chart title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedFormatter, FixedLocator

    fig = Figure(figsize=(7.2, 6.8), dpi=100)
    axes = fig.subplots(len(BAND_COLUMNS), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (column, label) in zip(axes, BAND_COLUMNS.items(), strict=True):
        part = band[band["column"] == column]
        ax.fill_between(part["year"], part["low"], part["high"], color="#fdb863", alpha=0.5,
                        label="low–high", linewidth=0)  # fmt: skip
        ax.plot(part["year"], part["central"], marker="o", color="#b35806",
                label=str(part["central_is"].iloc[0]))  # fmt: skip
        yticks = nice_ticks(*_range(part[["low", "high"]].to_numpy(float).ravel()))
        ax.yaxis.set_major_locator(FixedLocator(yticks.tolist()))
        ax.yaxis.set_major_formatter(FixedFormatter(tick_labels(yticks)))
        ax.set_ylim(yticks[0], yticks[-1])
        ax.set_ylabel(label)
        ax.grid(axis="y", color="#dddddd", linewidth=0.8)
        ax.legend(loc="upper left", frameon=False)
    years = sorted(band["year"].unique().tolist())
    axes[-1].xaxis.set_major_locator(FixedLocator(years))
    axes[-1].xaxis.set_major_formatter(FixedFormatter([str(y) for y in years]))
    axes[-1].set_xlabel("year (stock at year end)")
    axes[0].set_title(title)
    fig.tight_layout()
    return fig


def band_png(band: pd.DataFrame, path: Path, *, title: str) -> Path:
    """Write :func:`band_figure` as a PNG; return its path."""
    band_figure(band, title=title).savefig(path, format="png")
    return path


def band_page(band: pd.DataFrame, *, title: str) -> str:
    """Return :func:`band_figure` as a self-contained HTML page (inline SVG, no script).

    Hovering a year shows its low, central and high values; every text from data is escaped.
    """
    charts = []
    for column, label in BAND_COLUMNS.items():
        part = band[band["column"] == column].sort_values("year")
        years = part["year"].to_numpy(float)
        xticks = years if len(years) > 1 else np.array([years[0] - 1, years[0], years[0] + 1])
        yticks = nice_ticks(*_range(part[["low", "high"]].to_numpy(float).ravel()))
        px, py = _scales(xticks, yticks)
        parts = _svg_axes(
            xticks, [f"{x:.0f}" for x in xticks], yticks, px, py, "year (stock at year end)", label
        )
        edge = [(px(x), py(y)) for x, y in zip(years, part["high"], strict=True)]
        edge += [(px(x), py(y)) for x, y in zip(years[::-1], part["low"].iloc[::-1], strict=True)]
        parts.append(
            '<polygon class="band" points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in edge)
            + '" fill="#fdb863" fill-opacity="0.5" stroke="none"/>'
        )
        line = " ".join(
            f"{px(x):.1f},{py(y):.1f}" for x, y in zip(years, part["central"], strict=True)
        )
        parts.append(f'<polyline class="central" points="{line}" fill="none" stroke="#b35806" '
                     'stroke-width="2"/>')  # fmt: skip
        for row in part.to_dict("records"):
            tip = (
                f"{row['year']}: {label}\nlow {row['low']:,.1f} · central {row['central']:,.1f} "
                f"· high {row['high']:,.1f}\ncentral: {row['central_is']}"
            )
            parts.append(
                f'<circle class="point" cx="{px(row["year"]):.1f}" cy="{py(row["central"]):.1f}" '
                f'r="5" fill="#b35806"><title>{esc(tip)}</title></circle>'
            )
        parts.append("</svg>")
        charts.append("".join(parts))
    central = esc(str(band["central_is"].iloc[0])) if len(band) else ""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(title)}</title>"
        "</head><body style='font-family:sans-serif'>"
        f"<h3>{esc(title)}</h3><p>Band: lowest to highest over the sweep's plans; line: "
        f"{central}. Hover a year for its values.</p>" + "<br>".join(charts) + "</body></html>"
    )


def band_html(band: pd.DataFrame, path: Path, *, title: str) -> Path:
    """Write :func:`band_page` to ``path``; return it."""
    path.write_text(band_page(band, title=title), encoding="utf-8")
    return path


def _range(values: np.ndarray) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 1.0
    return float(values.min()), float(values.max())
