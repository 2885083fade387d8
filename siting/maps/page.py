"""A map page: its layers as one JSON document, drawn in the browser by ``static/siting.js``.

folium renders the page and its Leaflet maps from constants alone
(:func:`~siting.maps.skeleton.skeleton`, Leaflet inlined from the XStatic packages so the
page opens with no network). :func:`to_html` then adds, by plain string joining, the
escaped title, the module's static stylesheet and script (read once per process) and the
data, written exactly once, as JSON in a ``<script type="application/json">`` element
(:func:`~siting.maps.escape.script_json`) that also names folium's maps. No template engine
ever sees the data, so no name in a data file can become code.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from siting.errors import InputError, Problem
from siting.maps import columns, points, shapes, symbols
from siting.maps.columns import Tooltip
from siting.maps.escape import esc, script_json
from siting.maps.panel import Choropleth, panel, province_values, scale_legend
from siting.maps.skeleton import CHINA_BOUNDS, MAX_MAPS, Tiles, skeleton
from siting.results import Results

if TYPE_CHECKING:
    import geopandas as gpd

#: Layer names, as they appear in the map's layer control. The province choropleths are base
#: layers (one at a time, with its legend); the others are overlays.
LAYER_PROVINCES = "Provinces: power price"
LAYER_PUE = "Provinces: PUE"
LAYER_CARBON = "Provinces: grid carbon"
LAYER_STAFF = "Provinces: staff"
LAYER_PLAIN = "Provinces: no shading"
LAYER_BOUNDARIES = "Boundary lines"
LAYER_SITES = "Sites"
LAYER_CANDIDATES = "Unused candidates"
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
#: Layers drawn only when there is something to draw: ``results.reach`` (and at most
#: ``REACH_MAX_HUBS`` hubs), ``results.backbone``, ``tiles="osm"``. The unused candidate
#: sites are listed, whenever there are any, as ``LAYER_CANDIDATES`` with their count.
OPTIONAL_LAYERS = (LAYER_REACH, LAYER_BACKBONE, LAYER_TILES)

#: Above this many hubs, hubs close together on screen are drawn as one marker.
CLUSTER_ABOVE = 150
#: Above this many hubs the SLA-reach layer is left out (it would hide the map, and weigh
#: tens of MB at county scale).
REACH_MAX_HUBS = 200
#: The inference flows start shown only up to this many lines.
FLOWS_SHOWN_MAX = 400
#: Above this many unused candidate sites, they show only from zoom ``CANDIDATES_ZOOM`` on
#: (the layer list says so, with their count); fewer show at every zoom. Either way they are
#: light dots on a pane below the chosen sites, never on top of them.
CANDIDATES_SHOWN_MAX = 200
CANDIDATES_ZOOM = 6

CHOROPLETHS = (
    Choropleth(
        LAYER_PROVINCES,
        "power_price_cny_kwh",
        "Electricity price, large industrial users (CNY/kWh)",
        ("#ffffcc", "#addd8e", "#238443"),
        ".2f",
    ),
    Choropleth(LAYER_PUE, "pue", "Data-centre PUE", ("#f2f0f7", "#9e9ac8", "#54278f"), ".2f"),
    Choropleth(
        LAYER_CARBON,
        "grid_co2_kg_kwh",
        "Grid carbon intensity (kgCO₂/kWh)",
        ("#ffffd4", "#fe9929", "#993404"),
        ".2f",
    ),
    Choropleth(
        LAYER_STAFF,
        "staff_available_fte",
        "Data-centre staff available (FTE)",
        ("#f7f7f7", "#a0a0a0", "#303030"),
        ",.0f",
    ),
)


@dataclass(frozen=True)
class MapPage:
    """A page of one map or several side by side, ready to write.

    Attributes
    ----------
    title
        The page title (plain text; escaped when written).
    data
        What the page's script draws: the shared province geometry and one entry per map.
    tiles
        ``"osm"``: folium adds OpenStreetMap tiles to each map.
    extensions
        Further files of ``siting/maps/static`` the page needs (constants, never data):
        stylesheets (``.css``) join ``siting.css``; scripts (``.js``) run before
        ``siting.js``, which draws their layer kinds (see ``static/years.js``).
    options
        Further ``folium.Map`` arguments of each map (the caller's code, never data).
    """

    title: str
    data: dict[str, Any] = field(repr=False)
    tiles: Tiles = "none"
    extensions: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)

    def to_html(self, *, offline: bool = True) -> str:
        """Render the page as one HTML string; see :func:`to_html`."""
        return to_html(self, offline=offline)

    def save(self, path: Path | str, *, offline: bool = True) -> Path:
        """Write the page as one HTML file; see :func:`save_map`."""
        return save_map(self, path, offline=offline)

    def _repr_html_(self) -> str:
        """Show the self-contained page in a notebook, in a sandboxed frame (no network)."""
        page = html.escape(self.to_html(), quote=True)
        return (
            f'<iframe srcdoc="{page}" title="{esc(self.title)}" '
            'style="width:100%;height:620px;border:1px solid #ccc" '
            'sandbox="allow-scripts allow-popups"></iframe>'
        )


@dataclass(frozen=True)
class _Scales:
    """What must match between two maps for them to be compared: sizes and colour ranges."""

    max_mw: float
    max_flow_mw: float
    max_hub_mw: float
    ranges: dict[str, tuple[float, float]]


def make_map(
    results: Results,
    *,
    title: str,
    description: str = "",
    tiles: Tiles = "none",
    column: str | None = None,
    tooltip: Tooltip = None,
    options: dict[str, Any] | None = None,
) -> MapPage:
    """Draw a plan on an interactive map.

    Base layers (one at a time, with a legend): provinces shaded by power price (shown), PUE,
    grid carbon or staff, or not shaded. Overlays: sites as pies sized by MW hosted and split
    training/inference, the unused candidates as light dots below them (with their count;
    above ``CANDIDATES_SHOWN_MAX`` only from zoom ``CANDIDATES_ZOOM`` on), existing capacity
    as rings with the stranded part highlighted, demand hubs sized by demand (gathered into
    one marker per area above ``CLUSTER_ABOVE`` hubs until zoomed in), inference flows
    weighted by MW (shown up to ``FLOWS_SHOWN_MAX`` lines), official-view boundary lines,
    and, when the results have them, each hub's SLA reach (hidden; up to ``REACH_MAX_HUBS``
    hubs) and the fibre backbone (dashed purple). A panel shows the title and the plan's
    KPIs (a button folds it to the title; it starts folded where it would cover more than a
    fifth of its map); each site's popup its cost breakdown and the latency
    to each hub it serves. The view opens on the whole mainland.

    Parameters
    ----------
    results
        From :func:`~siting.results.build_results`.
    title
        Shown in the panel and as the page title (e.g. the scenario name).
    description
        Shown under the title in the panel (e.g. the scenario's description).
    tiles
        ``"none"`` (default): the province layer is the base and the page needs no network.
        ``"osm"``: add OpenStreetMap tiles as an overlay; they load from the network (the
        rest of the page still works without it).
    column
        Colour the sites by this column of ``results.sites`` (a ramp for numbers, else one
        colour per category, with a legend) instead of their training/inference split.
    tooltip
        ``None``: siting's tooltips; ``True``: every column of ``results.sites``; ``False``:
        none; a column name or a list of them: those fields.
    options
        Further ``folium.Map`` arguments (e.g. ``zoom_control=False``); the view still
        opens on the whole mainland.

    Returns
    -------
    MapPage
        Save it with :func:`save_map`.

    Raises
    ------
    siting.errors.InputError
        If ``column`` or a ``tooltip`` field is not a column of ``results.sites``.
    """
    _check_tiles(tiles)
    fields = columns.tooltip_fields(results.sites, column, tooltip)
    scales = _scales([results])
    geometry = shapes.province_geometry(results.provinces)
    one = _map(results, title, description, tiles, scales)
    if column is not None or fields is not None:
        used = points.chosen(results.sites)
        sites, unused = results.sites[used], results.sites[~used]
        columns.restyle(one, sites, unused, column=column, fields=fields, max_mw=scales.max_mw)
    return MapPage(title, {"geometry": geometry, "maps": [one]}, tiles, options=options or {})


def make_comparison_map(
    left: Results,
    right: Results,
    *,
    titles: tuple[str, str],
    descriptions: tuple[str, str] = ("", ""),
    tiles: Tiles = "none",
) -> MapPage:
    """Draw two plans side by side on one page, their views kept in step.

    Both maps share their marker sizes and colour scales, so equal symbols mean equal MW;
    panning or zooming one moves the other to the same view. :func:`make_comparison_page`
    draws more than two.

    Parameters
    ----------
    left, right
        From :func:`~siting.results.build_results`.
    titles
        The two panels' titles (e.g. the scenario names).
    descriptions
        Shown under the titles (e.g. the scenarios' descriptions).
    tiles
        As for :func:`make_map`.

    Returns
    -------
    MapPage
        Save it with :func:`save_map`.
    """
    return make_comparison_page(
        [left, right], titles=titles, descriptions=descriptions, tiles=tiles
    )


def make_comparison_page(
    plans: Sequence[Results],
    *,
    titles: Sequence[str],
    descriptions: Sequence[str] | None = None,
    tiles: Tiles = "none",
) -> MapPage:
    """Draw two to ``MAX_MAPS`` plans side by side on one page, their views kept in step.

    Up to three maps share one row; four to six fill two rows (see
    :func:`~siting.maps.skeleton.places`). All maps share their marker sizes and colour
    scales, so equal symbols mean equal MW; panning or zooming one moves all the others to
    the same view.

    Parameters
    ----------
    plans
        From :func:`~siting.results.build_results`, one per map, left to right and top to
        bottom.
    titles
        Each panel's title (e.g. the scenario or model name).
    descriptions
        Shown under the titles; default none.
    tiles
        As for :func:`make_map`.

    Returns
    -------
    MapPage
        Save it with :func:`save_map`.

    Raises
    ------
    ValueError
        For fewer than two or more than ``MAX_MAPS`` plans, or titles or descriptions not
        one per plan.
    """
    _check_tiles(tiles)
    descriptions = [""] * len(plans) if descriptions is None else list(descriptions)
    if not 2 <= len(plans) <= MAX_MAPS or not len(titles) == len(descriptions) == len(plans):
        msg = (
            f"a comparison page has 2 to {MAX_MAPS} plans, with one title and description "
            f"each; got {len(plans)} plans, {len(titles)} titles, {len(descriptions)} descriptions"
        )
        raise ValueError(msg)
    scales = _scales(plans)
    geometry = shapes.province_geometry(plans[0].provinces)
    maps = [
        _map(results, title, about, tiles, scales, collapsed=True)
        for results, title, about in zip(plans, titles, descriptions, strict=True)
    ]
    return MapPage(" | ".join(titles), {"geometry": geometry, "maps": maps}, tiles)


def to_html(page: MapPage, *, offline: bool = True) -> str:
    """Render a map or comparison page as one HTML string.

    folium renders the page with its maps from constants; the title (escaped), stylesheet,
    data (as script-safe JSON) and script are then joined to it as strings.

    Parameters
    ----------
    page
        From :func:`make_map`, :func:`make_comparison_map` or :func:`make_comparison_page`.
    offline
        Inline Leaflet's script and stylesheet (default), so the page needs no network; else
        load them from a CDN (a smaller file).

    Returns
    -------
    str

    Raises
    ------
    siting._assets.OfflineAssetError
        If ``offline`` and Leaflet has no offline copy (xstatic-leaflet missing).
    """
    frame = skeleton(len(page.data["maps"]), page.tiles, offline=offline, options=page.options)
    maps = [
        {**one, "map": name, "tiles": tiles}
        for one, name, tiles in zip(page.data["maps"], frame.maps, frame.tiles, strict=True)
    ]
    data = script_json({**page.data, "maps": maps})
    styles = "".join(_static(n) for n in ("siting.css", *page.extensions) if n.endswith(".css"))
    scripts = "".join(
        f"<script>{_static(n)}</script>"
        for n in (*page.extensions, "siting.js")
        if n.endswith(".js")
    )
    return (
        f"{frame.head}<title>{esc(page.title)}</title><style>{styles}</style>"
        f'{frame.body}<script type="application/json" id="siting-data">{data}</script>'
        f"{scripts}\n</html>\n"
    )


def save_map(page: MapPage, path: Path | str, *, offline: bool = True) -> Path:
    """Write a map or comparison page as one HTML file.

    Parameters
    ----------
    page
        From :func:`make_map`, :func:`make_comparison_map` or :func:`make_comparison_page`.
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
    path.write_text(to_html(page, offline=offline), encoding="utf-8")
    return path


def add_to(
    fmap: Any,
    results: Results,
    *,
    title: str,
    column: str | None = None,
    tooltip: Tooltip = None,
) -> Any:
    """Add a plan's layers to a folium map of the caller's, as ``GeoDataFrame.explore(m=)``.

    The sites (chosen ones, and the unused candidates below them), existing capacity, demand
    hubs, inference flows, boundary lines and, when the results have them, the SLA reach
    and the fibre backbone are added as overlays, listed in a layer control of their own,
    with the plan's panel and symbols key; the view is fitted to the mainland. The caller's
    base layers stay as they are (no province shading is added). siting's script, stylesheet
    and data are inline; Leaflet loads as the map's page loads it (folium's CDN links,
    unless the page is made self-contained with :func:`siting._assets.inline_assets`). The
    data joins folium's page as text, never as a template.

    Parameters
    ----------
    fmap
        A ``folium.Map``.
    results, title, column, tooltip
        As for :func:`make_map`.

    Returns
    -------
    folium.Map
        ``fmap``.

    Raises
    ------
    siting.errors.InputError
        If ``fmap`` is not a ``folium.Map``, or ``column`` or a ``tooltip`` field is not a
        column of ``results.sites``.
    """
    import folium

    if not isinstance(fmap, folium.Map):
        expected = f"a folium.Map; got {type(fmap).__name__}"
        raise InputError([Problem("explore", "", "m", expected)])
    (one,) = make_map(results, title=title, column=column, tooltip=tooltip).data["maps"]
    overlays = [spec for spec in one["layers"] if not spec["base"] and spec["kind"] != "tiles"]
    legend = {**one["legend"], "legends": {}}
    one = {**one, "map": fmap.get_name(), "tiles": None, "collapsed": True, "layers": overlays}
    data = script_json({"geometry": None, "maps": [{**one, "legend": legend, "provinces": []}]})
    fmap.add_child(
        _composed()(
            f"<style>{_static('siting.css')}</style>",
            f'<script type="application/json" class="siting-data">{data}</script>',
            _static("siting.js"),
        )
    )
    return fmap


@cache
def _composed() -> type:
    """Return the branca element that joins siting's parts to a folium page as text."""
    from branca.element import Element, Figure

    class Text(Element):
        """Text joined to the page as it is, never compiled as a template."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

        def render(self, **kwargs: Any) -> str:
            return self.text

    class SitingLayers(Element):
        """siting's stylesheet (head), data (body) and script (after the map's script)."""

        def __init__(self, style: str, data: str, script: str) -> None:
            super().__init__()
            self._name = "SitingLayers"
            self.parts = (style, data, script)

        def render(self, **kwargs: Any) -> str:
            figure = self.get_root()
            assert isinstance(figure, Figure), "a layer renders inside a Figure"
            style, data, script = self.parts
            figure.header.add_child(Text(style), name="siting_style")
            figure.html.add_child(Text(data), name=self.get_name())
            figure.script.add_child(Text(script), name="siting_script")
            return ""

    return SitingLayers


@cache
def _static(name: str) -> str:
    """Return a file of ``siting/maps/static`` (read once per process)."""
    text = resources.files("siting.maps").joinpath("static", name).read_text(encoding="utf-8")
    for closing in ("</script", "</style", "<!--"):
        if closing in text.lower():
            msg = f"siting/maps/static/{name} must not contain {closing!r}"
            raise ValueError(msg)
    return text


def _check_tiles(tiles: str) -> None:
    if tiles not in ("none", "osm"):
        msg = f"tiles must be 'none' or 'osm', not {tiles!r}"
        raise ValueError(msg)


def choropleth_ranges(provinces: Sequence[pd.DataFrame]) -> dict[str, tuple[float, float]]:
    """Return the colour range of each province shading over the given province tables."""
    ranges: dict[str, tuple[float, float]] = {}
    for spec in CHOROPLETHS:
        values = pd.concat(
            [
                pd.to_numeric(frame[spec.column], errors="coerce")
                for frame in provinces
                if spec.column in frame
            ]
        ).dropna()
        low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
        ranges[spec.column] = (low, high if high > low else low + 1.0)
    return ranges


def base_layers() -> list[dict[str, Any]]:
    """Return the province base layers: each shading (the first shown), then no shading."""
    layers: list[dict[str, Any]] = [
        {"kind": "choropleth", "k": k, "name": spec.layer, "base": True, "show": k == 0}
        for k, spec in enumerate(CHOROPLETHS)
    ]
    layers.append({"kind": "choropleth", "k": -1, "name": LAYER_PLAIN, "base": True})
    return layers


def _scales(all_results: Sequence[Results]) -> _Scales:
    def largest(frames: Sequence[pd.Series]) -> float:
        values = pd.concat(frames)
        return max(float(values.max()) if len(values) else 0.0, 1e-9)

    ranges = choropleth_ranges([r.provinces for r in all_results])
    return _Scales(
        max_mw=largest([r.sites[c] for r in all_results for c in ("hosted_mw", "existing_mw")]),
        max_flow_mw=largest([r.flows["mw"] for r in all_results]),
        max_hub_mw=largest([r.hubs["demand_mw"] for r in all_results]),
        ranges=ranges,
    )


def _map(
    results: Results,
    title: str,
    description: str,
    tiles: Tiles,
    scales: _Scales,
    *,
    collapsed: bool = False,
) -> dict[str, Any]:
    """Return the JSON of one map: its layers, items, panel and legend."""
    used = points.chosen(results.sites)
    sites, unused = results.sites[used], results.sites[~used]
    flows = points.flow_table(results, sites)
    n_hubs = len(results.hubs)
    layers = base_layers()
    layers += [
        *candidate_layers(len(unused)),
        {"kind": "sites", "name": LAYER_SITES, "show": True},
        {"kind": "existing", "name": LAYER_EXISTING, "show": True},
        {"kind": "hubs", "name": LAYER_HUBS, "show": True},
        {"kind": "flows", "name": LAYER_FLOWS, "show": len(flows) <= FLOWS_SHOWN_MAX},
    ]
    notes = []
    if results.reach is not None and n_hubs <= REACH_MAX_HUBS:
        labels = points.names(results.hubs, "hub_id")
        hub_names = dict(zip(results.hubs["hub_id"], labels, strict=True))
        reach = shapes.reach_features(results.reach, hub_names)
        layers.append(shape_layer(LAYER_REACH, reach, "sitingReach", show=False))
    elif n_hubs > REACH_MAX_HUBS:
        notes.append(f"SLA reach not drawn: {n_hubs:,} hubs (drawn up to {REACH_MAX_HUBS})")
    if results.backbone is not None:
        backbone = shapes.backbone_features(results.backbone)
        layers.append(shape_layer(LAYER_BACKBONE, backbone, "sitingLines", show=True))
    finish_layers(layers, results.boundary_lines, tiles)

    clustered = n_hubs > CLUSTER_ABOVE
    key = symbols.key(backbone=results.backbone is not None, clustered=clustered)
    return {
        **map_frame(key, results.provinces, scales.ranges, collapsed=collapsed),
        "panel": panel(results.kpis, title, description, notes),
        "layers": layers,
        "sites": points.site_items(sites, flows, scales.max_mw),
        "candidates": points.candidate_items(unused),
        "existing": points.existing_items(results, scales.max_mw),
        "hubs": points.hub_items(results, flows),
        "hubOptions": hub_options(clustered, scales.max_hub_mw),
        "flows": points.flow_items(flows, scales.max_flow_mw),
        "flowColour": symbols.INFERENCE_COLOUR,
    }


def candidate_layers(n: int) -> list[dict[str, Any]]:
    """Return the layer of ``n`` unused candidates (none for none), named with their count.

    It is shown, above ``CANDIDATES_SHOWN_MAX`` candidates only from zoom ``CANDIDATES_ZOOM``
    on (the name says so).
    """
    if n == 0:
        return []
    many = n > CANDIDATES_SHOWN_MAX
    when = f", from zoom {CANDIDATES_ZOOM}" if many else ""
    name = f"{LAYER_CANDIDATES} ({n:,}{when})"
    return [{"kind": "candidates", "name": name, "show": True, "minZoom": CANDIDATES_ZOOM * many}]


def hub_options(clustered: bool, max_mw: float) -> dict[str, Any]:
    """Return how the page draws hubs: sizes (px; ``max_mw`` the largest), gathering."""
    return {
        "cluster": clustered,
        "cell": 60,
        "detailZoom": 7,
        "minSize": 3.0,
        "maxSize": 10.0,
        "maxCluster": 26.0,
        "maxMw": max_mw,
    }


def finish_layers(
    layers: list[dict[str, Any]], boundary_lines: gpd.GeoDataFrame | None, tiles: Tiles
) -> None:
    """Add the boundary lines and any tiles on top, then finish every layer's entry.

    Each name (shown in the layer control) is escaped; ``base`` and ``show`` are filled in.
    """
    if boundary_lines is not None and len(boundary_lines):
        lines = shapes.boundary_features(boundary_lines)
        layers.append(shape_layer(LAYER_BOUNDARIES, lines, "sitingLines", show=True, tips=False))
    if tiles == "osm":
        layers.append({"kind": "tiles", "name": LAYER_TILES, "show": True})
    for spec in layers:
        spec["name"] = esc(spec["name"])
        spec.setdefault("base", False)
        spec.setdefault("show", False)


def map_frame(
    key: str,
    provinces: gpd.GeoDataFrame,
    ranges: dict[str, tuple[float, float]],
    *,
    collapsed: bool,
) -> dict[str, Any]:
    """Return what every map's JSON holds: its bounds, legend and shaded provinces.

    Parameters
    ----------
    key
        The symbol key's HTML (built from constants and escaped names).
    provinces
        The provinces layer with the shaded attributes.
    ranges
        Colour range of each shaded attribute (shared by the maps of one page).
    collapsed
        Fold the key and the layer control (pages of several maps).
    """
    legends = {esc(s.layer): scale_legend(s, ranges[s.column]) for s in CHOROPLETHS}
    return {
        "bounds": [list(CHINA_BOUNDS[0]), list(CHINA_BOUNDS[1])],
        "collapsed": collapsed,
        "legend": {
            "key": f"<details class='siting-key'{'' if collapsed else ' open'}>{key}</details>",
            "legends": legends,
            "first": esc(LAYER_PROVINCES),
        },
        "provinces": province_values(provinces, CHOROPLETHS, ranges),
    }


def shape_layer(
    name: str, features: dict[str, Any], pane: str, *, show: bool, tips: bool = True
) -> dict[str, Any]:
    """Return a layer of GeoJSON shapes (tooltips from ``properties.tip``) on a pane."""
    return {
        "kind": "shapes",
        "name": name,
        "shapes": features,
        "pane": pane,
        "interactive": tips,
        "show": show,
    }
