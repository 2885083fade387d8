"""Interactive folium maps of a plan. This is the only module that uses folium.

Every string that comes from data is HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import branca.colormap as cm
import folium
import numpy as np
import pandas as pd

from siting.results import COST_COLUMNS, Results

#: Layer names, as they appear in the map's layer control.
LAYER_PROVINCES = "Provinces: power price"
LAYER_BOUNDARIES = "Boundary lines"
LAYER_SITES = "Sites"
LAYER_HUBS = "Demand hubs"
LAYER_FLOWS = "Inference flows"
LAYERS = (LAYER_PROVINCES, LAYER_BOUNDARIES, LAYER_SITES, LAYER_HUBS, LAYER_FLOWS)

_TRAINING_COLOURS = ["#2b83ba", "#abdda4", "#fdae61", "#d7191c"]  # inference -> training
_UNUSED = "#9e9e9e"


def make_map(results: Results, *, title: str) -> folium.Map:
    """Draw a plan: provinces by power price, sites, hubs and inference flows.

    Parameters
    ----------
    results
        From :func:`~siting.results.build_results`.
    title
        Shown in the map's summary panel (e.g. the scenario name).

    Returns
    -------
    folium.Map
    """
    fmap = folium.Map(location=[35.0, 104.0], zoom_start=4, tiles=None, control_scale=True)
    _provinces(results).add_to(fmap)
    if results.boundary_lines is not None and len(results.boundary_lines):
        folium.GeoJson(
            results.boundary_lines.to_json(),
            name=LAYER_BOUNDARIES,
            style_function=lambda _: {"color": "#555555", "weight": 1.2},
        ).add_to(fmap)
    _flows(results).add_to(fmap)
    _sites(results).add_to(fmap)
    _hubs(results).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(_panel(results, title)))
    bounds = results.sites.total_bounds
    fmap.fit_bounds([[bounds[1] - 1, bounds[0] - 1], [bounds[3] + 1, bounds[2] + 1]])
    return fmap


def save_map(fmap: folium.Map, path: Path) -> Path:
    """Write a map as one HTML file and return its path."""
    fmap.save(str(path))
    return path


def _provinces(results: Results) -> folium.FeatureGroup:
    provinces = results.provinces
    prices = provinces["power_price_cny_kwh"].dropna()
    scale = cm.LinearColormap(
        ["#f7fcf5", "#74c476", "#00441b"],
        vmin=float(prices.min()),
        vmax=float(prices.max()),
        caption="Electricity price, large industrial users (CNY/kWh)",
    )
    group = folium.FeatureGroup(name=LAYER_PROVINCES)
    for row in provinces.itertuples():
        price = row.power_price_cny_kwh
        colour = "#eeeeee" if pd.isna(price) else scale(price)
        folium.GeoJson(
            row.geometry.__geo_interface__,
            style_function=lambda _, c=colour: {
                "fillColor": c,
                "color": "#666666",
                "weight": 0.6,
                "fillOpacity": 0.7,
            },
            tooltip=folium.Tooltip(_province_tip(row)),
        ).add_to(group)
    scale.add_to(group)
    return group


def _province_tip(row: Any) -> str:
    name = f"<b>{_esc(row.name_en)}</b> {_esc(row.name_zh)}"
    if pd.isna(row.power_price_cny_kwh):
        return f"{name}<br>no attributes (outside the mainland data)"
    return (
        f"{name}<br>power {row.power_price_cny_kwh:.3f} CNY/kWh · PUE {row.pue:.2f}"
        f"<br>grid {row.grid_co2_kg_kwh:.3f} kgCO2/kWh · staff {row.staff_available_fte:,.0f} FTE"
    )


def _sites(results: Results) -> folium.FeatureGroup:
    sites = results.sites
    colours = cm.LinearColormap(
        _TRAINING_COLOURS, vmin=0.0, vmax=1.0, caption="Site: share of hosted MW that is training"
    )
    group = folium.FeatureGroup(name=LAYER_SITES)
    biggest = max(float(sites[["hosted_mw", "existing_mw"]].to_numpy().max()), 1.0)
    for row in sites.itertuples():
        shown = max(row.hosted_mw, row.existing_mw)
        radius = 4 + 18 * math.sqrt(shown / biggest)
        used = row.hosted_mw > 1e-6
        colour = colours(row.training_share) if used else _UNUSED
        folium.CircleMarker(
            location=[row.lat, row.lon],
            radius=radius,
            color="#222222" if used else _UNUSED,
            weight=1.5 if row.stranded_mw > 1e-6 else 1.0,
            dash_array="4" if row.stranded_mw > 1e-6 else None,
            fill=True,
            fill_color=colour,
            fill_opacity=0.85 if used else 0.35,
            tooltip=folium.Tooltip(f"{_esc(row.name)}: {row.role}, {row.hosted_mw:,.0f} MW"),
            popup=folium.Popup(_site_popup(row), max_width=360),
            class_name=f"siting-site siting-{row.role}",
        ).add_to(group)
    colours.add_to(group)
    return group


def _site_popup(row: Any) -> str:
    rows = [
        ("Province", _esc(row.province)),
        ("Role", row.role),
        ("Training MW", f"{row.training_mw:,.1f}"),
        ("Inference MW", f"{row.inference_mw:,.1f}"),
        ("Existing MW (stranded)", f"{row.existing_mw:,.1f} ({row.stranded_mw:,.1f})"),
        ("New MW built", f"{row.new_mw:,.1f} of {row.headroom_mw:,.1f} headroom"),
    ]
    rows += [
        (
            c.removeprefix("cost_").removesuffix("_cny").capitalize() + " (M CNY/yr)",
            f"{getattr(row, c) / 1e6:,.1f}",
        )
        for c in COST_COLUMNS
    ]
    rows.append(("<b>Total (M CNY/yr)</b>", f"<b>{row.cost_total_cny / 1e6:,.1f}</b>"))
    body = "".join(f"<tr><td>{k}</td><td style='text-align:right'>{v}</td></tr>" for k, v in rows)
    zh = f" {_esc(row.name_zh)}" if isinstance(row.name_zh, str) else ""
    return f"<b>{_esc(row.name)}</b>{zh}<table>{body}</table>"


def _hubs(results: Results) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=LAYER_HUBS)
    for row in results.hubs.itertuples():
        rtt = "none served" if np.isnan(row.mean_rtt_ms) else f"{row.mean_rtt_ms:.1f} ms mean"
        tip = (
            f"<b>{_esc(row.name)}</b><br>{row.demand_mw:,.0f} MW inference demand<br>"
            f"SLA {row.sla_ms:g} ms, {rtt}, {row.n_sites} serving sites"
        )
        folium.RegularPolygonMarker(
            location=[row.lat, row.lon],
            number_of_sides=4,
            radius=7,
            rotation=45,
            color="#000000",
            weight=1,
            fill=True,
            fill_color="#ffd92f",
            fill_opacity=1.0,
            tooltip=folium.Tooltip(tip),
        ).add_to(group)
    return group


def _flows(results: Results) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=LAYER_FLOWS)
    flows = results.flows
    biggest = max(float(flows["mw"].max()) if len(flows) else 1.0, 1.0)
    for row in flows.itertuples():
        (x0, y0), (x1, y1) = row.geometry.coords
        folium.PolyLine(
            [[y0, x0], [y1, x1]],
            weight=1 + 7 * row.mw / biggest,
            color="#6a3d9a",
            opacity=0.6,
            tooltip=folium.Tooltip(
                f"{_esc(row.hub_id)} → {_esc(row.site_id)}: {row.mw:,.1f} MW, {row.rtt_ms:.1f} ms"
            ),
        ).add_to(group)
    return group


def _panel(results: Results, title: str) -> str:
    k = results.kpis
    gap = "" if np.isnan(k["gap"]) else f" (gap {k['gap']:.2%})"
    lines = [
        f"<b>{_esc(title)}</b>",
        f"Total {k['total_cost_cny'] / 1e9:,.2f} bn CNY/yr",
        f"Training {k['training_mw']:,.0f} MW · inference {k['inference_mw']:,.0f} MW",
        f"New {k['new_mw']:,.0f} MW · stranded {k['stranded_mw']:,.0f} MW",
        f"Solver: {_esc(k['status'])}{gap}",
    ]
    return (
        "<div id='siting-panel' style='position:fixed;bottom:12px;left:12px;z-index:9999;"
        "background:white;padding:8px 10px;border:1px solid #999;border-radius:4px;"
        "font:12px sans-serif;line-height:1.5'>" + "<br>".join(lines) + "</div>"
    )


def _esc(value: object) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and np.isnan(value))
        else html.escape(str(value))
    )
