"""Interactive maps of a plan. This is the only package that draws maps.

A map is one self-contained HTML page (:mod:`siting.maps.page`). folium renders the page and
its Leaflet maps from constants alone (:mod:`siting.maps.skeleton`); Leaflet and its
stylesheet are inlined from the XStatic packages (see :mod:`siting._assets`), so it opens
with no network, on mainland China networks where the usual CDNs are blocked and on
air-gapped machines alike. The layers are drawn on folium's maps in the browser by
``static/siting.js`` from one JSON document joined to the rendered page as a string; no data
reaches a template engine, so data never becomes code (:mod:`siting.maps.escape`).

Modules: :mod:`~siting.maps.page` (the page and its layers), :mod:`~siting.maps.skeleton`
(folium's page and maps), :mod:`~siting.maps.points`
(sites, hubs, flows), :mod:`~siting.maps.shapes` (provinces, reach, backbone, boundaries),
:mod:`~siting.maps.panel` (KPI panel, shadings, legends), :mod:`~siting.maps.symbols` (SVG
symbols and key), :mod:`~siting.maps.escape` (HTML and script-safe JSON),
:mod:`~siting.maps.horizon` (the year map of a multi-period plan, drawn by ``static/years.js``),
:mod:`~siting.maps.owners` (the owner map of a market year: sites by owner type, filled to
their utilisation), :mod:`~siting.maps.columns` (sites coloured by a column, chosen
tooltips). :func:`add_to`
adds a plan's layers to a folium map of the caller's (``Plan.explore(m=...)``).
"""

from siting.maps.page import (
    CANDIDATES_SHOWN_MAX,
    CANDIDATES_ZOOM,
    CHINA_BOUNDS,
    CHOROPLETH_LAYERS,
    CLUSTER_ABOVE,
    FLOWS_SHOWN_MAX,
    LAYER_BACKBONE,
    LAYER_BOUNDARIES,
    LAYER_CANDIDATES,
    LAYER_CARBON,
    LAYER_EXISTING,
    LAYER_FLOWS,
    LAYER_HUBS,
    LAYER_PLAIN,
    LAYER_PROVINCES,
    LAYER_PUE,
    LAYER_REACH,
    LAYER_SITES,
    LAYER_STAFF,
    LAYER_TILES,
    LAYERS,
    MAX_MAPS,
    OPTIONAL_LAYERS,
    REACH_MAX_HUBS,
    MapPage,
    Tiles,
    add_to,
    make_comparison_map,
    make_comparison_page,
    make_map,
    save_map,
    to_html,
)
from siting.maps.symbols import INFERENCE_COLOUR, STRANDED_COLOUR, TRAINING_COLOUR

__all__ = [
    "CANDIDATES_SHOWN_MAX",
    "CANDIDATES_ZOOM",
    "CHINA_BOUNDS",
    "CHOROPLETH_LAYERS",
    "CLUSTER_ABOVE",
    "FLOWS_SHOWN_MAX",
    "INFERENCE_COLOUR",
    "LAYERS",
    "LAYER_BACKBONE",
    "LAYER_BOUNDARIES",
    "LAYER_CANDIDATES",
    "LAYER_CARBON",
    "LAYER_EXISTING",
    "LAYER_FLOWS",
    "LAYER_HUBS",
    "LAYER_PLAIN",
    "LAYER_PROVINCES",
    "LAYER_PUE",
    "LAYER_REACH",
    "LAYER_SITES",
    "LAYER_STAFF",
    "LAYER_TILES",
    "MAX_MAPS",
    "OPTIONAL_LAYERS",
    "REACH_MAX_HUBS",
    "STRANDED_COLOUR",
    "TRAINING_COLOUR",
    "MapPage",
    "Tiles",
    "add_to",
    "make_comparison_map",
    "make_comparison_page",
    "make_map",
    "save_map",
    "to_html",
]
