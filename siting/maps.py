"""Interactive folium maps of a plan. This is the only module that uses folium.

A map is one self-contained HTML page: :func:`save_map` inlines Leaflet and its stylesheet
from the XStatic packages (see :mod:`siting._assets`), so it opens with no network, on
mainland China networks where the usual CDNs are blocked and on air-gapped machines alike.
The data layers are drawn by a few lines of JavaScript of this module from JSON embedded in
the page, rather than one folium object per feature: the page stays small, the province
geometry is embedded once for all four choropleths, and all data reaches the page through
one function (:func:`_js`) that makes it safe inside a ``<script>`` block.

Every string that comes from data is HTML-escaped (:func:`_esc`) before it is put in a
tooltip, popup or panel, so a site named ``<script>alert(1)</script>`` shows as text.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import branca.colormap as cm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from folium.template import Template

from siting._assets import inline_assets
from siting.results import COST_COLUMNS, Results

#: Layer names, as they appear in the map's layer control. The province choropleths are base
#: layers (one at a time, with its legend); the others are overlays.
LAYER_PROVINCES = "Provinces: power price"
LAYER_PUE = "Provinces: PUE"
LAYER_CARBON = "Provinces: grid carbon"
LAYER_STAFF = "Provinces: staff"
LAYER_PLAIN = "Provinces: no shading"
LAYER_BOUNDARIES = "Boundary lines"
LAYER_SITES = "Sites"
LAYER_EXISTING = "Existing capacity (stranded)"
LAYER_HUBS = "Demand hubs"
LAYER_FLOWS = "Inference flows"
LAYER_REACH = "Hub SLA reach"
LAYER_BACKBONE = "Fibre backbone"
LAYER_TILES = "OpenStreetMap tiles (online)"

#: The four province choropleths, the first shown by default.
CHOROPLETH_LAYERS = (LAYER_PROVINCES, LAYER_PUE, LAYER_CARBON, LAYER_STAFF)
#: Layers of every map (the boundary lines whenever the results have them).
LAYERS = (
    *CHOROPLETH_LAYERS,
    LAYER_PLAIN,
    LAYER_SITES,
    LAYER_EXISTING,
    LAYER_HUBS,
    LAYER_FLOWS,
    LAYER_BOUNDARIES,
)
#: Layers drawn only when there is something to draw: ``results.reach``,
#: ``results.backbone``, ``tiles="osm"``.
OPTIONAL_LAYERS = (LAYER_REACH, LAYER_BACKBONE, LAYER_TILES)

Tiles = Literal["none", "osm"]

#: Site colours: the training and inference parts of each site's pie, and flows.
TRAINING_COLOUR = "#d7191c"
INFERENCE_COLOUR = "#2c7bb6"
STRANDED_COLOUR = "#e7298a"
_EXISTING_COLOUR = "#252525"
_HUB_COLOUR = "#ffd92f"
_REACH_COLOUR = "#1b9e77"
_NO_DATA = "#e0e0e0"
_MAX_RADIUS = 22.0  # px, of the biggest site (by MW hosted or existing)
_MIN_RADIUS = 4.0
_DECIMALS = 3  # of coordinates, ~100 m
_PROVINCE_TOLERANCE = 0.02  # degrees, for simplifying the province coverage
_LINE_TOLERANCE = 0.005


@dataclass(frozen=True)
class _Choropleth:
    layer: str
    column: str
    caption: str
    colours: tuple[str, ...]
    fmt: str


_CHOROPLETHS = (
    _Choropleth(
        LAYER_PROVINCES,
        "power_price_cny_kwh",
        "Electricity price, large industrial users (CNY/kWh)",
        ("#ffffcc", "#addd8e", "#238443"),
        ".2f",
    ),
    _Choropleth(LAYER_PUE, "pue", "Data-centre PUE", ("#f2f0f7", "#9e9ac8", "#54278f"), ".2f"),
    _Choropleth(
        LAYER_CARBON,
        "grid_co2_kg_kwh",
        "Grid carbon intensity (kgCO₂/kWh)",
        ("#ffffd4", "#fe9929", "#993404"),
        ".2f",
    ),
    _Choropleth(
        LAYER_STAFF,
        "staff_available_fte",
        "Data-centre staff available (FTE)",
        ("#f7f7f7", "#a0a0a0", "#303030"),
        ",.0f",
    ),
)


@dataclass(frozen=True)
class _Scales:
    """What must match between two maps for them to be compared: sizes and colour ranges."""

    max_mw: float
    max_flow_mw: float
    ranges: Mapping[str, tuple[float, float]]


def make_map(results: Results, *, title: str, tiles: Tiles = "none") -> folium.Map:
    """Draw a plan on an interactive map.

    Base layers (one at a time, with a legend): provinces shaded by power price (shown), PUE,
    grid carbon or staff, or not shaded. Overlays: sites as pies sized by MW hosted and split
    training/inference, existing capacity as rings with the stranded part highlighted, demand
    hubs, inference flows weighted by MW, official-view boundary lines, and, when the results
    have them, each hub's SLA reach and the fibre backbone. A panel shows the title and the
    plan's KPIs; each site's popup its cost breakdown and the latency to each hub it serves.

    Parameters
    ----------
    results
        From :func:`~siting.results.build_results`.
    title
        Shown in the panel and as the page title (e.g. the scenario name).
    tiles
        ``"none"`` (default): the province layer is the base and the page needs no network.
        ``"osm"``: add OpenStreetMap tiles as an overlay; they load from the network (the
        rest of the page still works without it).

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`.
    """
    fmap = _map(results, title, tiles, _scales([results]), collapsed=False)
    fmap.get_root().title = _esc(title)
    south, west, north, east = _bounds([results])
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def make_comparison_map(
    left: Results, right: Results, *, titles: tuple[str, str], tiles: Tiles = "none"
) -> Figure:
    """Draw two plans side by side on one page, their views kept in step.

    Both maps share their marker sizes and colour scales, so equal symbols mean equal MW;
    panning or zooming one moves the other to the same view.

    Parameters
    ----------
    left, right
        From :func:`~siting.results.build_results`.
    titles
        The two panels' titles (e.g. the scenario names).
    tiles
        As for :func:`make_map`.

    Returns
    -------
    branca.element.Figure
        Save it with :func:`save_map`.
    """
    scales = _scales([left, right])
    south, west, north, east = _bounds([left, right])
    figure = Figure(title=_esc(f"{titles[0]} | {titles[1]}"))
    names = []
    for i, (results, title) in enumerate(zip((left, right), titles, strict=True)):
        fmap = _map(
            results,
            title,
            tiles,
            scales,
            collapsed=True,
            position="absolute",
            left=f"{50 * i}%",
            width="50%",
        )
        fmap.fit_bounds([[south, west], [north, east]])
        figure.add_child(fmap)
        names.append(fmap.get_name())
    figure.header.add_child(
        Element("<style>.folium-map + .folium-map {border-left: 2px solid #555;}</style>"),
        name="siting_divider",
    )
    figure.add_child(_Script(f"sitingLib.sync({names[0]}, {names[1]});"))
    return figure


def to_html(fmap: folium.Map | Figure, *, offline: bool = True) -> str:
    """Render a map or comparison page as one HTML string.

    Parameters
    ----------
    fmap
        From :func:`make_map` or :func:`make_comparison_map`.
    offline
        Inline every script and stylesheet (default), so the page needs no network; else
        load Leaflet from its CDN, as folium does (a smaller file).

    Returns
    -------
    str

    Raises
    ------
    siting._assets.OfflineAssetError
        If ``offline`` and the page needs an asset that has no offline copy.
    """
    page = fmap.get_root().render()
    return inline_assets(page) if offline else page


def save_map(fmap: folium.Map | Figure, path: Path | str, *, offline: bool = True) -> Path:
    """Write a map or comparison page as one HTML file.

    Parameters
    ----------
    fmap
        From :func:`make_map` or :func:`make_comparison_map`.
    path
        The file to write (UTF-8).
    offline
        As for :func:`to_html`: self-contained (default) or loading Leaflet from a CDN.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.write_text(to_html(fmap, offline=offline), encoding="utf-8")
    return path


# --- the map and its layers -------------------------------------------------------------


def _map(
    results: Results, title: str, tiles: Tiles, scales: _Scales, *, collapsed: bool, **kwargs: Any
) -> folium.Map:
    if tiles not in ("none", "osm"):
        msg = f"tiles must be 'none' or 'osm', not {tiles!r}"
        raise ValueError(msg)
    fmap = folium.Map(
        location=[35.0, 104.0], zoom_start=4, tiles=None, control_scale=True, **kwargs
    )
    # Leaflet (and jQuery, for folium's own popups) only: no Bootstrap, Font Awesome, etc.
    fmap.default_js = [(k, v) for k, v in fmap.default_js if k in ("leaflet", "jquery")]
    fmap.default_css = [(k, v) for k, v in fmap.default_css if k == "leaflet_css"]
    name = fmap.get_name()
    fmap.add_child(_Setup(f"sitingLib.panes({name});"))
    if tiles == "osm":
        folium.TileLayer("OpenStreetMap", name=LAYER_TILES, overlay=True).add_to(fmap)

    geometry = _Shared("siting_geometry", _province_geometry(results.provinces))
    fmap.add_child(geometry)
    values = _province_values(results.provinces, scales)
    provinces = _Shared("siting_provinces", values, unique=name)
    fmap.add_child(provinces)
    for k, spec in enumerate(_CHOROPLETHS):
        code = f"sitingLib.choropleth({geometry.get_name()}, {provinces.get_name()}, {k})"
        _JsLayer(code, name=spec.layer, overlay=False, show=k == 0).add_to(fmap)
    plain = f"sitingLib.choropleth({geometry.get_name()}, {provinces.get_name()}, -1)"
    _JsLayer(plain, name=LAYER_PLAIN, overlay=False, show=False).add_to(fmap)

    flows = _flow_table(results)
    sites = _site_items(results, flows, scales)
    _JsLayer(f"sitingLib.markers({_js(sites)}, 'markerPane')", name=LAYER_SITES).add_to(fmap)
    existing = _existing_items(results, scales)
    code = f"sitingLib.markers({_js(existing)}, 'sitingExisting')"
    _JsLayer(code, name=LAYER_EXISTING).add_to(fmap)
    hubs = _hub_items(results, flows)
    _JsLayer(f"sitingLib.markers({_js(hubs)}, 'sitingHubs')", name=LAYER_HUBS).add_to(fmap)
    lines = _flow_items(flows, scales)
    _JsLayer(f"sitingLib.lines({_js(lines)}, 'sitingFlows')", name=LAYER_FLOWS).add_to(fmap)
    if results.reach is not None:
        code = f"sitingLib.shapes({_js(_reach_features(results))}, 'sitingReach', true)"
        _JsLayer(code, name=LAYER_REACH, show=False).add_to(fmap)
    if results.backbone is not None:
        code = f"sitingLib.shapes({_js(_backbone_features(results.backbone))}, 'sitingLines', true)"
        _JsLayer(code, name=LAYER_BACKBONE).add_to(fmap)
    if results.boundary_lines is not None and len(results.boundary_lines):
        features = _boundary_features(results.boundary_lines)
        code = f"sitingLib.shapes({_js(features)}, 'sitingLines', false)"
        _JsLayer(code, name=LAYER_BOUNDARIES).add_to(fmap)

    folium.LayerControl(collapsed=collapsed).add_to(fmap)
    legends = {spec.layer: _scale_legend(spec, scales.ranges[spec.column]) for spec in _CHOROPLETHS}
    panel = _panel(results, title)
    key = f"<details class='siting-key'{'' if collapsed else ' open'}>{_KEY}</details>"
    fmap.add_child(
        _Script(
            f"sitingLib.control({name}, 'bottomleft', 'siting-panel', {_js(panel)});"
            f"sitingLib.legend({name}, {_js(key)}, {_js(legends)}, {_js(LAYER_PROVINCES)});"
        )
    )
    return fmap


def _scales(all_results: Sequence[Results]) -> _Scales:
    max_mw = max(
        max(float(r.sites[c].max()) if len(r.sites) else 0.0 for c in ("hosted_mw", "existing_mw"))
        for r in all_results
    )
    max_flow = max(float(r.flows["mw"].max()) if len(r.flows) else 0.0 for r in all_results)
    ranges = {}
    for spec in _CHOROPLETHS:
        values = pd.concat([r.provinces[spec.column] for r in all_results]).dropna()
        low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
        ranges[spec.column] = (low, high if high > low else low + 1.0)
    return _Scales(max(max_mw, 1e-9), max(max_flow, 1e-9), ranges)


def _bounds(all_results: Sequence[Results]) -> tuple[float, float, float, float]:
    """South, west, north, east of all sites and hubs, with a margin."""
    lon = np.concatenate([np.r_[r.sites["lon"], r.hubs["lon"]] for r in all_results])
    lat = np.concatenate([np.r_[r.sites["lat"], r.hubs["lat"]] for r in all_results])
    if not len(lon):
        return 18.0, 73.0, 54.0, 135.0
    return lat.min() - 1.0, lon.min() - 1.0, lat.max() + 1.0, lon.max() + 1.0


def _province_geometry(provinces: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the province polygons, simplified as a coverage (no gaps between neighbours)."""
    geoms = shapely.coverage_simplify(provinces.geometry.values, _PROVINCE_TOLERANCE)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": _geojson(g), "properties": {"i": i}}
            for i, g in enumerate(geoms)
        ],
    }


def _province_values(provinces: gpd.GeoDataFrame, scales: _Scales) -> list[dict[str, Any]]:
    """Per province (in geometry order): its fill colour in each choropleth, and a tooltip."""
    colour_maps = [
        cm.LinearColormap(list(spec.colours), vmin=lo, vmax=hi)
        for spec in _CHOROPLETHS
        for lo, hi in [scales.ranges[spec.column]]
    ]
    out = []
    for rec in _records(provinces):
        colours = [
            _NO_DATA if _missing(rec.get(s.column)) else scale.rgb_hex_str(float(rec[s.column]))
            for s, scale in zip(_CHOROPLETHS, colour_maps, strict=True)
        ]
        out.append({"c": colours, "tip": _province_tip(rec)})
    return out


def _province_tip(rec: Mapping[str, Any]) -> str:
    name = f"<b>{_esc(rec.get('name_en'))}</b> {_esc(rec.get('name_zh'))}"
    if all(_missing(rec.get(s.column)) for s in _CHOROPLETHS):
        return f"{name}<br>no attributes (outside the mainland data)"
    rows = "".join(
        f"<tr><td>{_esc(s.caption)}</td><td class='n'>{_num(rec.get(s.column), s.fmt)}</td></tr>"
        for s in _CHOROPLETHS
    )
    return f"{name}<table>{rows}</table>"


def _flow_table(results: Results) -> pd.DataFrame:
    """Join the flows with their hub and site names and coordinates."""
    flows = pd.DataFrame(results.flows.drop(columns="geometry", errors="ignore"))
    hubs = pd.DataFrame(
        {
            "hub_id": results.hubs["hub_id"],
            "hub_name": _names(results.hubs, "hub_id"),
            "hub_lon": results.hubs["lon"],
            "hub_lat": results.hubs["lat"],
            "sla_ms": results.hubs["sla_ms"],
        }
    )
    sites = pd.DataFrame(
        {
            "site_id": results.sites["site_id"],
            "site_name": _names(results.sites, "site_id"),
            "site_lon": results.sites["lon"],
            "site_lat": results.sites["lat"],
        }
    )
    return flows.merge(hubs, on="hub_id", how="left").merge(sites, on="site_id", how="left")


def _site_items(results: Results, flows: pd.DataFrame, scales: _Scales) -> list[dict[str, Any]]:
    items = []
    by_site = dict(iter(flows.groupby("site_id", sort=False))) if len(flows) else {}
    for rec, label in zip(_records(results.sites), _names(results.sites, "site_id"), strict=True):
        hosted = float(rec["hosted_mw"])
        share = float(rec["training_share"]) if hosted > 1e-6 else 0.0
        role = _css_word(rec.get("role"))
        if hosted > 1e-6:
            r = _radius(hosted, scales.max_mw)
            svg = _pie_svg(r, share)
            tip = (
                f"<b>{_esc(label)}</b><br>{hosted:,.0f} MW: {share:.0%} training, "
                f"{1 - share:.0%} inference"
            )
        else:
            r = _MIN_RADIUS
            opened = bool(rec.get("open", False))
            svg = _dot_svg(r, "#bdbdbd" if opened else "#ffffff", "#555" if opened else "#888")
            tip = f"<b>{_esc(label)}</b><br>{'open, idle' if opened else 'not used'}"
        served = by_site.get(rec["site_id"])
        items.append(
            {
                "lat": round(float(rec["lat"]), 5),
                "lon": round(float(rec["lon"]), 5),
                "d": _size(r),
                "svg": svg,
                "cls": f"siting-site siting-{role}",
                "z": -round(r * 40),
                "tip": tip,
                "pop": _site_popup(rec, label, served),
            }
        )
    return items


def _class_rows(
    rec: Mapping[str, Any], prefix: str, suffix: str, label: str
) -> list[tuple[str, str]]:
    """Rows of per-class MW columns (``prefix<class>suffix``), labelled by class."""
    names = [
        k.removeprefix(prefix).removesuffix(suffix)
        for k in rec
        if k.startswith(prefix) and k.endswith(suffix) and k != f"{prefix.rstrip('_')}{suffix}"
    ]
    return [(_esc(label.format(n)), f"{rec[f'{prefix}{n}{suffix}']:,.1f} MW") for n in names]


def _site_popup(rec: Mapping[str, Any], label: str, served: pd.DataFrame | None) -> str:
    zh = rec.get("name_zh")
    head = f"<b>{_esc(label)}</b>" + (f" {_esc(zh)}" if not _missing(zh) else "")
    where = ", ".join(_esc(rec[c]) for c in ("province", "cluster") if not _missing(rec.get(c)))
    rows = [
        ("Role", _esc(rec.get("role"))),
        ("Training", f"{rec['training_mw']:,.1f} MW"),
        ("Inference", f"{rec['inference_mw']:,.1f} MW"),
        *_class_rows(rec, "inference_", "_mw", "· {} inference"),
        ("Existing (stranded)", f"{rec['existing_mw']:,.1f} ({rec['stranded_mw']:,.1f}) MW"),
        ("New build", f"{rec['new_mw']:,.1f} of {rec['headroom_mw']:,.1f} MW headroom"),
    ]
    costs = [
        (c.removeprefix("cost_").removesuffix("_cny").capitalize(), f"{rec[c] / 1e6:,.1f}")
        for c in COST_COLUMNS
        if c in rec
    ]
    costs.append(("<b>Total</b>", f"<b>{rec['cost_total_cny'] / 1e6:,.1f}</b>"))
    parts = [
        f"<div class='siting-popup'>{head}<br><small>{where}</small>",
        _table(rows),
        "<div class='siting-h'>Cost (M CNY/yr)</div>",
        _table(costs),
    ]
    if served is not None and len(served):
        rows = [
            (_esc(f.hub_name), f"{f.mw:,.1f} MW", f"{f.rtt_ms:.1f} ms", f"{f.sla_ms:g} ms")
            for f in served.sort_values("mw", ascending=False).itertuples()
        ]
        parts += [
            "<div class='siting-h'>Serves inference to</div>",
            _table(rows, header=("Hub", "MW", "RTT", "SLA")),
        ]
    return "".join(parts) + "</div>"


def _existing_items(results: Results, scales: _Scales) -> list[dict[str, Any]]:
    items = []
    for rec, label in zip(_records(results.sites), _names(results.sites, "site_id"), strict=True):
        existing = float(rec["existing_mw"])
        if existing <= 1e-6:
            continue
        stranded = min(max(float(rec["stranded_mw"]), 0.0), existing)
        r = _radius(existing, scales.max_mw) + 2.0
        items.append(
            {
                "lat": round(float(rec["lat"]), 5),
                "lon": round(float(rec["lon"]), 5),
                "d": _size(r + 2),
                "svg": _ring_svg(r, stranded / existing),
                "cls": "siting-existing",
                "z": 0,
                "tip": (
                    f"<b>{_esc(label)}</b><br>existing {existing:,.0f} MW, "
                    f"{existing - stranded:,.0f} used, {stranded:,.0f} stranded"
                ),
            }
        )
    return items


def _hub_items(results: Results, flows: pd.DataFrame) -> list[dict[str, Any]]:
    items = []
    by_hub = dict(iter(flows.groupby("hub_id", sort=False))) if len(flows) else {}
    for rec, label in zip(_records(results.hubs), _names(results.hubs, "hub_id"), strict=True):
        mean = rec.get("mean_rtt_ms")
        rtt = "none served" if _missing(mean) else f"{mean:.1f} ms mean RTT"
        tip = (
            f"<b>{_esc(label)}</b><br>{rec['demand_mw']:,.0f} MW inference demand<br>"
            f"SLA {rec['sla_ms']:g} ms, {rtt}, {int(rec.get('n_sites', 0))} serving sites"
        )
        for name, mw in _class_rows(rec, "demand_", "_mw", "{}"):
            sla = rec.get(f"sla_{name}_rtt_ms")
            tip += f"<br>{name}: {mw}, SLA {sla:g} ms round trip"
        served = by_hub.get(rec["hub_id"])
        pop = f"<div class='siting-popup'>{tip}"
        if served is not None and len(served):
            rows = [
                (_esc(f.site_name), f"{f.mw:,.1f} MW", f"{f.rtt_ms:.1f} ms")
                for f in served.sort_values("mw", ascending=False).itertuples()
            ]
            pop += _table(rows, header=("Site", "MW", "RTT"))
        items.append(
            {
                "lat": round(float(rec["lat"]), 5),
                "lon": round(float(rec["lon"]), 5),
                "d": 16,
                "svg": _HUB_SVG,
                "cls": "siting-hub",
                "z": 0,
                "tip": tip,
                "pop": pop + "</div>",
            }
        )
    return items


def _flow_items(flows: pd.DataFrame, scales: _Scales) -> list[dict[str, Any]]:
    return [
        {
            "ll": [
                [round(f.hub_lat, 4), round(f.hub_lon, 4)],
                [round(f.site_lat, 4), round(f.site_lon, 4)],
            ],
            "color": INFERENCE_COLOUR,
            "w": round(1.5 + 7.0 * f.mw / scales.max_flow_mw, 2),
            "o": 0.55,
            "cls": "siting-flow",
            "tip": (
                f"{_esc(f.hub_name)} → {_esc(f.site_name)}: {f.mw:,.1f} MW inference, "
                f"{f.rtt_ms:.1f} ms RTT (SLA {f.sla_ms:g} ms)"
            ),
        }
        for f in flows.itertuples()
        if not (_missing(f.hub_lat) or _missing(f.site_lat))
    ]


def _reach_features(results: Results) -> dict[str, Any]:
    reach = results.reach
    assert reach is not None
    names = dict(zip(results.hubs["hub_id"], _names(results.hubs, "hub_id"), strict=True))
    style = {
        "color": _REACH_COLOUR,
        "weight": 1.2,
        "dashArray": "5 4",
        "fillColor": _REACH_COLOUR,
        "fillOpacity": 0.06,
    }
    features = []
    for rec, geom in zip(_records(reach), reach.geometry.values, strict=True):
        if geom is None or geom.is_empty:
            continue
        hub = rec.get("hub_id")
        tip = (
            f"<b>{_esc(names.get(hub, hub))}</b><br>reach within {_num(rec.get('sla_ms'), 'g')} ms"
        )
        features.append(_feature(geom, _LINE_TOLERANCE, {"style": style, "tip": tip}))
    return {"type": "FeatureCollection", "features": features}


def _backbone_features(backbone: gpd.GeoDataFrame) -> dict[str, Any]:
    style = {"color": "#4d4d4d", "weight": 1.6, "opacity": 0.8}
    features = []
    for rec, geom in zip(_records(backbone), backbone.geometry.values, strict=True):
        if geom is None or geom.is_empty:
            continue
        route = next((rec[c] for c in ("route", "name") if not _missing(rec.get(c))), "")
        km = "" if _missing(rec.get("route_km")) else f", {rec['route_km']:,.0f} km"
        tip = f"{_esc(rec.get('u'))} – {_esc(rec.get('v'))}{km}"
        if route:
            tip += f"<br>{_esc(route)}"
        features.append(_feature(geom, _LINE_TOLERANCE, {"style": style, "tip": tip}))
    return {"type": "FeatureCollection", "features": features}


def _boundary_features(lines: gpd.GeoDataFrame) -> dict[str, Any]:
    styles = {
        "international_boundary_segment": {"color": "#404040", "weight": 1.4},
        "south_china_sea_dashed_line": {"color": "#404040", "weight": 1.4, "dashArray": "6 4"},
    }
    default = {"color": "#707070", "weight": 0.9, "dashArray": "3 3"}
    kinds = lines["kind"] if "kind" in lines else pd.Series([None] * len(lines))
    features = [
        _feature(geom, _LINE_TOLERANCE, {"style": styles.get(kind, default)})
        for kind, geom in zip(kinds, lines.geometry.values, strict=True)
        if geom is not None and not geom.is_empty
    ]
    return {"type": "FeatureCollection", "features": features}


# --- panel, legend and symbols ------------------------------------------------------------


def _panel(results: Results, title: str) -> str:
    k = results.kpis
    gap = k.get("gap")
    status = _esc(k.get("status", "unknown"))
    solver = status if _missing(gap) else f"{status}, gap {float(gap):.2%}"
    rows = [
        ("Total cost", f"{_get(k, 'total_cost_cny') / 1e9:,.2f} bn CNY/yr"),
        ("Training", f"{_get(k, 'training_mw'):,.0f} MW"),
        ("Inference", f"{_get(k, 'inference_mw'):,.0f} MW"),
        ("New build", f"{_get(k, 'new_mw'):,.0f} MW"),
        ("Stranded", f"{_get(k, 'stranded_mw'):,.0f} MW of {_get(k, 'existing_mw'):,.0f} existing"),
        ("Solver", solver),
    ]
    if not _missing(k.get("mean_rtt_ms")):
        rows.insert(5, ("Mean RTT", f"{k['mean_rtt_ms']:.1f} ms"))
    return f"<div class='siting-title'>{_esc(title)}</div>{_table(rows, th=True)}"


def _scale_legend(spec: _Choropleth, limits: tuple[float, float]) -> str:
    lo, hi = limits
    stops = ", ".join(spec.colours)
    ticks = "".join(f"<span>{_num(v, spec.fmt)}</span>" for v in (lo, (lo + hi) / 2, hi))
    return (
        f"<div class='siting-h'>{_esc(spec.caption)}</div>"
        f"<div class='siting-bar' style='background:linear-gradient(to right, {stops})'></div>"
        f"<div class='siting-ticks'>{ticks}</div>"
        f"<div class='siting-nodata'><i style='background:{_NO_DATA}'></i>no data</div>"
    )


def _radius(mw: float, max_mw: float) -> float:
    """Marker radius in px: area proportional to MW, with a visible minimum."""
    return max(_MIN_RADIUS, _MAX_RADIUS * math.sqrt(max(mw, 0.0) / max_mw))


def _size(r: float) -> int:
    return math.ceil(2 * r + 3)


def _pie_svg(r: float, share: float) -> str:
    """Draw a circle of radius ``r`` in inference colour, its training share as a wedge."""
    d = _size(r)
    c = d / 2
    parts = [f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='{INFERENCE_COLOUR}'/>"]
    if share >= 0.999:
        parts = [f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='{TRAINING_COLOUR}'/>"]
    elif share > 0.001:
        parts.append(f"<path d='{_arc(c, r, share)} L{c:g},{c:g} Z' fill='{TRAINING_COLOUR}'/>")
    parts.append(
        f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='none' stroke='#fff' stroke-width='2'/>"
        f"<circle cx='{c:g}' cy='{c:g}' r='{r + 0.5:.1f}' fill='none' stroke='#222' "
        "stroke-width='1'/>"
    )
    return _svg(d, "".join(parts))


def _ring_svg(r: float, stranded: float) -> str:
    """Draw a ring of radius ``r``, its ``stranded`` share (clockwise from 12) highlighted."""
    d = _size(r + 2)
    c = d / 2
    parts = [
        f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='none' stroke='{_EXISTING_COLOUR}' "
        "stroke-width='2.5'/>"
    ]
    if stranded >= 0.999:
        parts = [
            f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='none' stroke='{STRANDED_COLOUR}' "
            "stroke-width='4'/>"
        ]
    elif stranded > 0.001:
        parts.append(
            f"<path d='{_arc(c, r, stranded)}' fill='none' stroke='{STRANDED_COLOUR}' "
            "stroke-width='4'/>"
        )
    return _svg(d, "".join(parts))


def _dot_svg(r: float, fill: str, stroke: str) -> str:
    d = _size(r)
    c = d / 2
    body = f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='{fill}' stroke='{stroke}' "
    return _svg(d, body + "stroke-width='1.5'/>")


def _arc(c: float, r: float, share: float) -> str:
    """SVG path data of an arc from the top, clockwise, over ``share`` of the circle."""
    angle = 2 * math.pi * share
    x, y = c + r * math.sin(angle), c - r * math.cos(angle)
    large = 1 if share > 0.5 else 0
    return f"M{c:g},{c - r:.2f} A{r:.2f},{r:.2f} 0 {large} 1 {x:.2f},{y:.2f}"


def _svg(d: int, body: str) -> str:
    return f"<svg width='{d}' height='{d}' viewBox='0 0 {d} {d}'>{body}</svg>"


_HUB_SVG = _svg(
    16, f"<path d='M8,1 L15,8 L8,15 L1,8 Z' fill='{_HUB_COLOUR}' stroke='#000' stroke-width='1.2'/>"
)


def _key() -> str:
    line = _svg(
        22,
        f"<path d='M1,11 L21,11' stroke='{INFERENCE_COLOUR}' stroke-width='4' "
        "stroke-opacity='0.6'/>",
    )
    rows = [
        (
            _pie_svg(9, 0.35),
            f"Site: <b style='color:{TRAINING_COLOUR}'>training</b> / "
            f"<b style='color:{INFERENCE_COLOUR}'>inference</b> MW, area ∝ MW",
        ),
        (_ring_svg(9, 0.3), f"Existing MW, <b style='color:{STRANDED_COLOUR}'>stranded</b> part"),
        (line, "Inference flow, width ∝ MW"),
        (_HUB_SVG, "Demand hub"),
        (_dot_svg(_MIN_RADIUS, "#ffffff", "#888"), "Candidate site, not used"),
    ]
    body = "".join(
        f"<div><span class='siting-sym'>{s}</span><span>{t}</span></div>" for s, t in rows
    )
    return f"<summary>Symbols</summary>{body}"


_KEY = _key()


# --- small helpers --------------------------------------------------------------------------


def _table(
    rows: Iterable[tuple[str, ...]], *, header: tuple[str, ...] | None = None, th: bool = False
) -> str:
    """Make an HTML table of already-escaped cells, numbers right-aligned."""
    out = ["<table>"]
    if header:
        out.append("<tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>")
    for row in rows:
        first, *rest = row
        cell = "th" if th else "td"
        out.append(
            f"<tr><{cell}>{first}</{cell}>" + "".join(f"<td class='n'>{v}</td>" for v in rest)
        )
        out.append("</tr>")
    return "".join(out) + "</table>"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).to_dict("records")


def _names(frame: pd.DataFrame, id_column: str) -> list[str]:
    """Each row's display name: ``name`` where present, else its id."""
    ids = frame[id_column].astype(str)
    if "name" not in frame:
        return list(ids)
    return [
        str(n) if not _missing(n) and str(n) else i for n, i in zip(frame["name"], ids, strict=True)
    ]


def _feature(geom: Any, tolerance: float, properties: dict[str, Any]) -> dict[str, Any]:
    geom = shapely.simplify(geom, tolerance, preserve_topology=True)
    return {"type": "Feature", "geometry": _geojson(geom), "properties": properties}


def _geojson(geom: Any) -> dict[str, Any]:
    """Convert a geometry to GeoJSON, coordinates rounded to ``_DECIMALS``."""
    mapping = shapely.geometry.mapping(geom)
    return {**mapping, "coordinates": _round(mapping["coordinates"])}


def _round(coords: Any) -> Any:
    if isinstance(coords, float | int):
        return round(float(coords), _DECIMALS)
    return [_round(c) for c in coords]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _get(kpis: Mapping[str, Any], key: str) -> float:
    value = kpis.get(key)
    return float("nan") if _missing(value) else float(value)


def _num(value: Any, fmt: str) -> str:
    return "–" if _missing(value) else format(float(value), fmt)


def _css_word(value: Any) -> str:
    """Make a value safe to use as (part of) a CSS class name."""
    return re.sub(r"[^a-z0-9_-]", "", str(value).lower()) or "none"


def _esc(value: object) -> str:
    """Escape a data string for HTML; backticks and dollars too, against JS template literals."""
    if _missing(value):
        return ""
    return html.escape(str(value), quote=True).replace("`", "&#96;").replace("$", "&#36;")


def _js(value: Any) -> str:
    r"""Write a JSON value as a JavaScript literal that is safe inside a ``<script>`` block.

    ``<``, ``>`` and ``&`` become ``\u00XX`` escapes, so no string can close the script
    (``</script>``) or open a comment; U+2028/9 are escaped for older JS engines.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


# --- folium elements ------------------------------------------------------------------------


class _JsLayer(Layer):
    """A layer built by a JavaScript expression; listed in the layer control under ``name``."""

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = {{ this.code }};{% endmacro %}"
    )

    def __init__(self, code: str, *, name: str, overlay: bool = True, show: bool = True) -> None:
        super().__init__(name=name, overlay=overlay, control=True, show=show)
        self._name = "SitingLayer"
        self.code = code


class _Script(MacroElement):
    """A statement run after the elements added before it."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "SitingScript"
        self.code = code


class _Setup(_Script):
    """Put the module's JavaScript and CSS in the page header (once), then run ``code``."""

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        figure.header.add_child(Element(f"<style>{_CSS}</style>"), name="siting_css")
        figure.header.add_child(Element(f"<script>{_LIB_JS}</script>"), name="siting_lib")
        super().render(**kwargs)


class _Shared(MacroElement):
    """A JSON value as a page-level variable, named by its content: emitted once per page.

    Two maps on one page with the same province geometry share it. With ``unique``, the
    variable is one map's own.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = {{ this.code }};{% endmacro %}"
    )

    def __init__(self, prefix: str, value: Any, *, unique: str = "") -> None:
        super().__init__()
        self._name = "SitingData"
        self.code = _js(value)
        digest = hashlib.sha1(f"{unique}\0{self.code}".encode()).hexdigest()[:12]
        self.shared_name = f"{prefix}_{digest}"

    def get_name(self) -> str:
        """Return the variable's name, the same for the same content."""
        return self.shared_name


_CSS = """
.leaflet-container {background: #e9eef2;}
.leaflet-control-layers {font: 12px/1.35 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif;}
.leaflet-control-layers-selector {margin: 2px 4px 2px 0;}
.siting-panel, .siting-legend {background: rgba(255,255,255,0.93); padding: 6px 9px;
  border-radius: 5px; box-shadow: 0 1px 5px rgba(0,0,0,0.35); color: #222;
  font: 12px/1.4 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; max-width: 290px;}
.siting-title {font-weight: bold; font-size: 13px; margin-bottom: 2px;}
.siting-panel table, .siting-popup table {border-collapse: collapse;}
.siting-panel th {text-align: left; font-weight: normal; color: #555; padding: 0 10px 0 0;}
.siting-popup th {text-align: left; color: #555; font-weight: normal; padding: 1px 4px;}
.siting-popup td {padding: 1px 4px;}
td.n {text-align: right; white-space: nowrap;}
.siting-h {font-weight: bold; margin-top: 5px;}
.siting-bar {height: 10px; border: 1px solid #888; margin-top: 2px;}
.siting-ticks {display: flex; justify-content: space-between; font-size: 11px;}
.siting-nodata {font-size: 11px; color: #555;}
.siting-nodata i {display: inline-block; width: 10px; height: 10px; margin-right: 4px;
  border: 1px solid #888; vertical-align: -1px;}
.siting-key {margin-top: 5px; border-top: 1px solid #ccc; padding-top: 3px;}
.siting-key summary {cursor: pointer; font-weight: bold;}
.siting-legend {max-width: 250px;}
.siting-key div {display: flex; align-items: center; margin: 2px 0;}
.siting-sym {display: inline-flex; width: 24px; justify-content: center; margin-right: 5px;}
.siting-site, .siting-hub, .siting-existing {background: none; border: none;}
.leaflet-pane .leaflet-marker-icon.siting-existing {pointer-events: none;}
.siting-existing circle, .siting-existing path {pointer-events: visibleStroke;}
.siting-site svg, .siting-hub svg, .siting-existing svg {display: block;}
.siting-popup {font-size: 12px; line-height: 1.35;}
"""

#: The module's JavaScript: builds layers from the embedded JSON (no string from data is
#: ever evaluated; tooltips and popups are HTML escaped in Python) and syncs two maps.
_LIB_JS = """
var sitingLib = (function () {
  "use strict";
  var PANES = [["sitingProvinces", 250], ["sitingReach", 380], ["sitingLines", 410],
               ["sitingFlows", 420], ["sitingExisting", 620], ["sitingHubs", 640]];
  function panes(map) {
    PANES.forEach(function (p) {
      if (!map.getPane(p[0])) { map.createPane(p[0]).style.zIndex = p[1]; }
    });
  }
  function bind(layer, item) {
    if (item.tip) { layer.bindTooltip(item.tip, {direction: "top", sticky: !!item.sticky}); }
    if (item.pop) { layer.bindPopup(item.pop, {maxWidth: 420}); }
    return layer;
  }
  function markers(items, pane) {
    var group = L.featureGroup();
    items.forEach(function (m) {
      var icon = L.divIcon({html: m.svg, className: m.cls, iconSize: [m.d, m.d],
                            iconAnchor: [m.d / 2, m.d / 2]});
      bind(L.marker([m.lat, m.lon], {icon: icon, pane: pane, zIndexOffset: m.z,
                                     keyboard: false}), m).addTo(group);
    });
    return group;
  }
  function lines(items, pane) {
    var group = L.featureGroup();
    items.forEach(function (m) {
      bind(L.polyline(m.ll, {pane: pane, color: m.color, weight: m.w, opacity: m.o,
                             className: m.cls}), m).addTo(group);
    });
    return group;
  }
  function shapes(collection, pane, interactive) {
    return L.geoJSON(collection, {
      pane: pane, interactive: interactive,
      style: function (f) { return f.properties.style; },
      onEachFeature: function (f, layer) {
        if (interactive && f.properties.tip) {
          layer.bindTooltip(f.properties.tip, {sticky: true});
        }
      }
    });
  }
  function choropleth(geometry, values, k) {
    return L.geoJSON(geometry, {
      pane: "sitingProvinces",
      style: function (f) {
        var v = values[f.properties.i];
        return {fillColor: k < 0 ? "#fafafa" : v.c[k], fillOpacity: k < 0 ? 0.5 : 0.75,
                color: "#7a7a7a", weight: 0.7};
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(values[f.properties.i].tip, {sticky: true});
      }
    });
  }
  function control(map, position, cls, html) {
    var c = L.control({position: position});
    c.onAdd = function () {
      var div = L.DomUtil.create("div", cls);
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    c.addTo(map);
    return c;
  }
  function legend(map, key, legends, first) {
    var c = control(map, "bottomright", "siting-legend",
                    "<div class='siting-scale'></div>" + key);
    var scale = c.getContainer().querySelector(".siting-scale");
    scale.innerHTML = legends[first] || "";
    map.on("baselayerchange", function (e) { scale.innerHTML = legends[e.name] || ""; });
  }
  function sync(a, b) {
    var busy = false;
    function follow(source, target) {
      source.on("move zoomend", function () {
        if (busy) { return; }
        busy = true;
        try { target.setView(source.getCenter(), source.getZoom(), {animate: false}); }
        finally { busy = false; }
      });
    }
    follow(a, b);
    follow(b, a);
    a.sitingSynced = b;
    b.sitingSynced = a;
  }
  return {panes: panes, markers: markers, lines: lines, shapes: shapes,
          choropleth: choropleth, control: control, legend: legend, sync: sync};
})();
"""
