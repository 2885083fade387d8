"""The trade-off charts: round ticks, no offset or exponent, labels with units, two panels."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from siting.plots import (
    COST_LABEL,
    STRANDED_LABEL,
    nice_ticks,
    parameter_label,
    tick_labels,
    tradeoff_figure,
    tradeoff_page,
    tradeoff_png,
)

CARBON = "costs.carbon_cny_per_t"


def _table(costs: list[float], stranded: list[float]) -> pd.DataFrame:
    """A tradeoff table like the one behind the issue's carbon chart (cost flat to 1e-10)."""
    n = len(costs)
    return pd.DataFrame(
        {
            CARBON: np.linspace(0.0, 500.0, n),
            "status": ["optimal"] * n,
            "reason": [""] * n,
            "total_cost_cny": costs,
            "stranded_mw": stranded,
            "new_mw": np.full(n, 100.0),
            "mean_rtt_ms": np.full(n, 4.0),
        }
    )


FLAT = _table([99.1e9 + i * 1e-1 for i in range(6)], [1200.0] * 6)
RISING = _table([15.04e9, 15.06e9, 15.09e9, 15.11e9], [0.0, 300.0, 300.0, 950.0])


def _is_round(ticks: np.ndarray) -> bool:
    step = float(np.diff(ticks).min())
    mantissa = step / 10 ** math.floor(math.log10(step))
    on_grid = np.allclose(ticks / step, np.round(ticks / step), atol=1e-6)
    even = np.allclose(np.diff(ticks), step)
    return on_grid and even and any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5))


def _readable(text: str) -> bool:
    return bool(text) and not re.search(r"\d[eE][+-]?\d|\+\d", text)


@pytest.mark.parametrize(
    "low, high", [(0, 500), (99.1, 99.1 + 1e-10), (15.04, 15.13), (1.2e6, 9.9e6), (0, 0)]
)
def test_nice_ticks_are_round_and_cover_the_range(low, high) -> None:
    ticks = nice_ticks(low, high)
    assert _is_round(ticks) and 3 <= len(ticks) <= 11
    assert ticks[0] <= low and ticks[-1] >= high
    assert all(_readable(t) for t in tick_labels(ticks))


def test_tick_labels_use_separators_and_just_enough_decimals() -> None:
    assert tick_labels(np.array([0.0, 2e6, 4e6])) == ["0", "2,000,000", "4,000,000"]
    assert tick_labels(np.array([15.04, 15.06])) == ["15.04", "15.06"]


def test_parameter_labels_are_words_with_units() -> None:
    assert parameter_label(CARBON) == "carbon price (CNY per tCO₂)"
    assert parameter_label("demand.inference_sla_ms").endswith("(ms)")
    assert parameter_label("costs.lifetime_years") == "economic life of a facility (years)"
    assert "_" not in parameter_label("demand.max_sites_per_hub")


@pytest.mark.parametrize("table", [FLAT, RISING], ids=["flat", "rising"])
def test_png_chart_has_round_ticks_units_and_separate_panels(table, tmp_path) -> None:
    fig = tradeoff_figure(table, CARBON, title="Cost against carbon price")
    fig.canvas.draw()
    cost_ax, stranded_ax = fig.axes
    assert cost_ax.get_ylabel() == COST_LABEL and stranded_ax.get_ylabel() == STRANDED_LABEL
    assert stranded_ax.get_xlabel() == "carbon price (CNY per tCO₂)"
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            assert axis.get_offset_text().get_text() == ""
            assert _is_round(np.asarray(axis.get_ticklocs()))
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert all(_readable(t) for t in labels), labels
    # The two curves are in panels of their own: neither can hide the other.
    assert cost_ax.get_position().y0 > stranded_ax.get_position().y1
    assert tradeoff_png(table, CARBON, tmp_path / "c.png", title="t").stat().st_size > 1000


def test_svg_chart_has_round_ticks_and_a_readable_label() -> None:
    page = tradeoff_page(RISING, CARBON, title="Cost against carbon price")
    for kind in ("xtick", "ytick"):
        texts = re.findall(rf'class="{kind}"[^>]*>([^<]+)<', page)
        assert texts and all(_readable(t) for t in texts)
        assert _is_round(np.array([float(t.replace(",", "")) for t in texts]))
    assert re.search(r'class="xlabel"[^>]*>carbon price \(CNY per tCO₂\)<', page)
    assert CARBON not in page.split("<svg")[1].split("<title>")[0]
    assert page.count('class="point"') == len(RISING)


def _years() -> pd.DataFrame:
    """Three plans of a horizon sweep: low use strands most, high use least."""
    rows = []
    for use, scale in (("low", 3.0), ("central", 2.0), ("high", 1.0)):
        for year, base in ((2023, 100.0), (2024, 400.0), (2025, 250.0)):
            mw = base * scale
            rows.append({"name": f"s-{use}", "horizon.use": use, "year": year,
                         "stranded_mw": mw, "stranded_capital_bn_cny": mw / 50})  # fmt: skip
    return pd.DataFrame(rows)


def test_band_holds_the_central_line_and_spans_the_plans() -> None:
    from siting.plots import BAND_COLUMNS, band_table

    years = _years()
    band = band_table(years, ["horizon.use"])
    assert set(band["column"]) == set(BAND_COLUMNS) and len(band) == 2 * 3
    assert ((band["low"] <= band["central"]) & (band["central"] <= band["high"])).all()
    mw = band[band["column"] == "stranded_mw"].set_index("year")
    assert mw.loc[2024, ["low", "central", "high"]].tolist() == [400.0, 800.0, 1200.0]
    assert (band["central_is"] == "horizon.use = central").all()
    # the central line is the middle value's plan, not the median, when they differ
    skewed = years.assign(stranded_mw=years["stranded_mw"].where(years["horizon.use"] != "low", 0))
    skewed.loc[skewed["horizon.use"] == "central", "stranded_mw"] += 1000
    mw = band_table(skewed, ["horizon.use"]).query("column == 'stranded_mw'").set_index("year")
    assert mw.loc[2024, "central"] == mw.loc[2024, "high"] == 1800.0
    # two swept keys: the median over the plans
    two = band_table(years.assign(other=1.0), ["horizon.use", "other"])
    assert (two["central_is"] == "median of 3 scenarios").all()


def test_band_png_and_page(tmp_path) -> None:
    from siting.plots import band_figure, band_html, band_table

    band = band_table(_years(), ["horizon.use"])
    fig = band_figure(band, title="t")
    assert [ax.get_ylabel() for ax in fig.axes] == [
        "idle MW (installed MW of IT load)",
        "stranded capital (bn CNY)",
    ]
    page = band_html(band, tmp_path / "band.html", title="<use> & band").read_text()
    assert "&#60;use&#62; &#38; band" in page and "<use>" not in page
    assert page.count('class="band"') == 2 and page.count('class="central"') == 2
    assert page.count('class="point"') == 6 and "<script" not in page
    assert "horizon.use = central" in page
