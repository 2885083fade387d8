"""Static and interactive charts of analysis tables (matplotlib PNG, self-contained SVG page)."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

_WIDTH, _HEIGHT, _PAD = 720, 420, 60


def tradeoff_png(table: pd.DataFrame, parameter: str, path: Path, *, title: str) -> Path:
    """Plot total cost (and stranded MW) against a parameter as a PNG.

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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = table[table["status"] != "infeasible"]
    fig, ax = plt.subplots(figsize=(7.2, 4.2), dpi=100)
    ax.plot(ok[parameter], ok["total_cost_cny"] / 1e9, marker="o", color="#6a3d9a")
    ax.set_xlabel(parameter)
    ax.set_ylabel("total cost (bn CNY/yr)", color="#6a3d9a")
    if "stranded_mw" in ok:
        twin = ax.twinx()
        twin.plot(ok[parameter], ok["stranded_mw"], marker="s", color="#e08214", linestyle="--")
        twin.set_ylabel("stranded existing capacity (MW)", color="#e08214")
    for x in table.loc[table["status"] == "infeasible", parameter]:
        ax.axvline(x, color="#999999", linestyle=":", linewidth=1)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def tradeoff_html(table: pd.DataFrame, parameter: str, path: Path, *, title: str) -> Path:
    """Write total cost against a parameter as a self-contained HTML page (inline SVG).

    Hovering a point shows its cost, stranded MW, new MW and mean latency; infeasible values
    are marked with their reason. The page needs no network.

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
    ok = table[table["status"] != "infeasible"]
    xs = table[parameter].to_numpy(float)
    ys = ok["total_cost_cny"].to_numpy(float) / 1e9
    x0, x1 = _span(xs)
    y0, y1 = _span(ys) if len(ys) else (0.0, 1.0)

    def px(x: float) -> float:
        return _PAD + (x - x0) / (x1 - x0) * (_WIDTH - 2 * _PAD)

    def py(y: float) -> float:
        return _HEIGHT - _PAD - (y - y0) / (y1 - y0) * (_HEIGHT - 2 * _PAD)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'font-family="sans-serif" font-size="12">',
        f'<line x1="{_PAD}" y1="{_HEIGHT - _PAD}" x2="{_WIDTH - _PAD}" y2="{_HEIGHT - _PAD}" '
        'stroke="#333"/>',
        f'<line x1="{_PAD}" y1="{_PAD}" x2="{_PAD}" y2="{_HEIGHT - _PAD}" stroke="#333"/>',
    ]
    for x in np.linspace(x0, x1, 5):
        parts.append(
            f'<text x="{px(x):.1f}" y="{_HEIGHT - _PAD + 16}" text-anchor="middle">{x:.3g}</text>'
        )
    for y in np.linspace(y0, y1, 5):
        parts.append(f'<text x="{_PAD - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.3g}</text>')
    parts.append(
        f'<text x="{_WIDTH / 2}" y="{_HEIGHT - 14}" text-anchor="middle">'
        f"{html.escape(parameter)}</text>"
    )
    parts.append(
        f'<text x="16" y="{_HEIGHT / 2}" transform="rotate(-90 16 {_HEIGHT / 2})" '
        'text-anchor="middle">total cost (bn CNY/yr)</text>'
    )
    if len(ok) > 1:
        points = " ".join(
            f"{px(x):.1f},{py(y):.1f}" for x, y in zip(ok[parameter], ys, strict=True)
        )
        parts.append(f'<polyline points="{points}" fill="none" stroke="#6a3d9a" stroke-width="2"/>')
    for x, y, (_, row) in zip(ok[parameter], ys, ok.iterrows(), strict=True):
        tip = (
            f"{parameter} = {x:g}\ncost {y:.3f} bn CNY/yr\nstranded {row['stranded_mw']:,.0f} MW\n"
            f"new {row['new_mw']:,.0f} MW\nmean RTT {row['mean_rtt_ms']:.1f} ms"
        )
        parts.append(
            f'<circle class="point" cx="{px(x):.1f}" cy="{py(y):.1f}" r="5" fill="#6a3d9a">'
            f"<title>{html.escape(tip)}</title></circle>"
        )
    infeasible = table[table["status"] == "infeasible"]
    for x, reason in zip(infeasible[parameter], infeasible["reason"], strict=True):
        tip = f"{parameter} = {x:g}: infeasible\n{reason}"
        parts.append(
            f'<line class="infeasible" x1="{px(x):.1f}" y1="{_PAD}" x2="{px(x):.1f}" '
            f'y2="{_HEIGHT - _PAD}" stroke="#999" stroke-dasharray="3,3" stroke-width="6" '
            f'stroke-opacity="0.5"><title>{html.escape(tip)}</title></line>'
        )
    parts.append("</svg>")
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "</head><body style='font-family:sans-serif'>"
        f"<h3>{html.escape(title)}</h3><p>Hover a point for its plan.</p>"
        + "".join(parts)
        + "</body></html>"
    )
    path.write_text(page, encoding="utf-8")
    return path


def _span(values: np.ndarray) -> tuple[float, float]:
    low, high = float(np.min(values)), float(np.max(values))
    if math.isclose(low, high):
        return low - 1.0, high + 1.0
    margin = (high - low) * 0.05
    return low - margin, high + margin
