"""The folium page a map is drawn on: its Leaflet maps, and nothing from the data.

:func:`skeleton` has folium build and render (with its own templates only) a page of one
Leaflet map, or several side by side (up to :data:`MAX_MAPS`), from constants alone: the
view of the whole mainland, the map options and, when asked, an OpenStreetMap tile layer.
Its arguments are a count, a tile choice and a flag, so no name, title or other data string
can reach folium, branca or Jinja. :func:`~siting.maps.page.to_html` then adds the title,
the data (as JSON) and the page's script and stylesheet to the rendered page by plain string
joining; the script draws the layers on the maps folium made, found by their JavaScript
names.

folium is imported here, on first use, so ``import siting`` and runs without a map stay
fast. A page depends on nothing but those constants and the versions of folium, branca and
Jinja, so the pages of one map (as ``siting optimize`` draws) ship rendered by folium in
``static/skeleton.json`` (written by ``scripts/build_skeleton.py``), the map and tile layer
names left as placeholders. Under the same versions a run fills in new random names, as
folium would, instead of importing folium (most of a map's cost in a fresh process); under
others, or with further map options, folium renders the page.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from typing import Any, Literal

from siting._assets import inline_assets

Tiles = Literal["none", "osm"]

#: South-west and north-east corners (lat, lon) of the initial view: the whole mainland,
#: from the Pamirs to the Ussuri and from Mohe to Hainan.
CHINA_BOUNDS = ((18.0, 73.4), (53.6, 135.1))

#: The only browser assets a page links: Leaflet (folium's own URLs, inlined when offline).
_LEAFLET_JS = ("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
_LEAFLET_CSS = ("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")
#: Most maps a page holds (a comparison of the cost plan with the four classic models has 5).
MAX_MAPS = 6

#: The pages shipped rendered, as (maps, tiles): one map, as ``siting optimize`` draws it.
SHIPPED: tuple[tuple[int, Tiles], ...] = ((1, "none"), (1, "osm"))
#: The packages a rendered page depends on: a shipped page is used under the same versions.
RENDERERS = ("folium", "branca", "jinja2")
#: The file of shipped pages, in ``siting/maps/static``.
SHIPPED_FILE = "skeleton.json"


def places(n_maps: int) -> list[tuple[float, float, float, float]]:
    """Where folium puts each map of a page: (width, height, left, top) in % of the page.

    Up to three maps share one row; four make a 2 × 2 grid, five or six a 3 × 2 grid, filled
    row by row.
    """
    columns = n_maps if n_maps <= 3 else (2 if n_maps == 4 else 3)
    rows = -(-n_maps // columns)
    width, height = 100 / columns, 100 / rows
    return [(width, height, (k % columns) * width, (k // columns) * height) for k in range(n_maps)]


@dataclass(frozen=True)
class Skeleton:
    """A rendered folium page, cut where the page's own parts go.

    Attributes
    ----------
    head
        From ``<!DOCTYPE html>`` to the end of the head (Leaflet inlined when offline),
        ``</head>`` excluded: the title and the stylesheet follow.
    body
        From ``</head>`` to folium's map script included, before ``</html>``: the data and
        the script follow.
    maps
        The JavaScript name of each Leaflet map, left to right.
    tiles
        The JavaScript name of each map's tile layer, ``None`` without tiles.
    """

    head: str
    body: str
    maps: tuple[str, ...]
    tiles: tuple[str | None, ...]


def skeleton(
    n_maps: int, tiles: Tiles, *, offline: bool, options: Mapping[str, Any] | None = None
) -> Skeleton:
    """Return a page of ``n_maps`` empty Leaflet maps as folium renders it (or rendered it).

    Parameters
    ----------
    n_maps
        1, or 2 to :data:`MAX_MAPS` for a comparison page (laid out by :func:`places`).
    tiles
        ``"osm"`` adds an OpenStreetMap tile layer to each map; ``"none"`` adds none.
    offline
        Inline Leaflet's script and stylesheet (see :func:`siting._assets.inline_assets`).
    options
        Further ``folium.Map`` arguments of each map, over siting's own: the caller's code
        (``Plan.explore``'s keywords), never data.

    Returns
    -------
    Skeleton

    Raises
    ------
    ValueError
        For another number of maps or tile choice.
    """
    if not (isinstance(n_maps, int) and 1 <= n_maps <= MAX_MAPS) or tiles not in ("none", "osm"):
        msg = (
            f"a page has 1 to {MAX_MAPS} maps and tiles 'none' or 'osm', not {n_maps!r}, {tiles!r}"
        )
        raise ValueError(msg)
    shipped = None if options else _shipped_page(n_maps, tiles)
    rendered, maps, layers = shipped or render(n_maps, tiles, options)
    head, body = _cut(rendered)
    # Mark folium's map elements as siting's, for the stylesheet.
    body = body.replace('class="folium-map"', 'class="folium-map siting-map"')
    head = inline_assets(head) if offline else head
    return Skeleton(head, body, tuple(maps), tuple(layers))


def render(
    n_maps: int, tiles: Tiles, options: Mapping[str, Any] | None = None
) -> tuple[str, list[str], list[str | None]]:
    """Have folium render a page of ``n_maps`` empty Leaflet maps (see :func:`skeleton`).

    Parameters
    ----------
    n_maps, tiles, options
        As for :func:`skeleton`.

    Returns
    -------
    tuple
        folium's whole page, the JavaScript name of each map and of each map's tile layer
        (``None`` without tiles).
    """
    import folium
    from branca.element import Figure

    figure = Figure()
    maps: list[str] = []
    layers: list[str | None] = []
    for width, height, left, top in places(n_maps):
        layer = None if tiles == "none" else folium.TileLayer("OpenStreetMap", max_zoom=18)
        arguments = {
            "location": [sum(c) / 2 for c in zip(*CHINA_BOUNDS, strict=True)],
            "zoom_start": 4,
            "tiles": layer,
            "width": f"{width:g}%",
            "height": f"{height:g}%",
            "left": f"{left:g}%",
            "top": f"{top:g}%",
            "position": "absolute",
            "control_scale": True,
            "zoom_snap": 0.25,
            "zoom_delta": 0.5,
        }
        fmap = folium.Map(**{**arguments, **(options or {})})
        fmap.default_js, fmap.default_css = [_LEAFLET_JS], [_LEAFLET_CSS]
        figure.add_child(fmap)
        maps.append(fmap.get_name())
        layers.append(None if layer is None else layer.get_name())
    return figure.render(), maps, layers


def shipped_pages() -> dict[str, Any]:
    """Render the :data:`SHIPPED` pages with folium, for :data:`SHIPPED_FILE`.

    Returns
    -------
    dict
        ``versions``: the :data:`RENDERERS`' versions; ``pages``: each page by
        ``"<maps> <tiles>"``, its k-th map's name replaced by ``@@map<k>@@`` and its tile
        layer's by ``@@tiles<k>@@``.
    """
    pages = {}
    for n_maps, tiles in SHIPPED:
        page, maps, layers = render(n_maps, tiles)
        if "@@" in page:
            msg = "folium's page holds '@@', which marks the name placeholders"
            raise ValueError(msg)
        for k, (name, layer) in enumerate(zip(maps, layers, strict=True)):
            page = page.replace(name, f"@@map{k}@@")
            page = page if layer is None else page.replace(layer, f"@@tiles{k}@@")
        pages[f"{n_maps} {tiles}"] = page
    return {"versions": _versions(), "pages": pages}


def _versions() -> dict[str, str] | None:
    """Return the installed versions of the :data:`RENDERERS` (``None`` if one is missing)."""
    try:
        return {name: metadata.version(name) for name in RENDERERS}
    except metadata.PackageNotFoundError:
        return None


@cache
def _shipped() -> dict[str, str]:
    """Return the shipped pages if the installed folium, branca and Jinja rendered them."""
    try:
        text = resources.files("siting.maps").joinpath("static", SHIPPED_FILE).read_text("utf-8")
        shipped = json.loads(text)
    except (OSError, ValueError):
        return {}
    versions = _versions()
    return shipped["pages"] if versions is not None and shipped["versions"] == versions else {}


def _shipped_page(n_maps: int, tiles: Tiles) -> tuple[str, list[str], list[str | None]] | None:
    """Return a shipped page with new names, as :func:`render` does; ``None`` if none."""
    page = _shipped().get(f"{n_maps} {tiles}")
    if page is None:
        return None
    maps = [f"map_{_new_id()}" for _ in range(n_maps)]
    layers = [None if tiles == "none" else f"tile_layer_{_new_id()}" for _ in range(n_maps)]
    for k, (name, layer) in enumerate(zip(maps, layers, strict=True)):
        page = page.replace(f"@@map{k}@@", name)
        page = page if layer is None else page.replace(f"@@tiles{k}@@", layer)
    return page, maps, layers


def _new_id() -> str:
    """Return a new element id as branca makes them: 32 random hexadecimal digits."""
    return os.urandom(16).hex()


def _cut(page: str) -> tuple[str, str]:
    """Cut folium's page before ``</head>`` and drop its ``</html>``."""
    for tag in ("</head>", "</html>"):
        if page.count(tag) != 1:
            msg = f"folium's page has {page.count(tag)} {tag} tags, expected one"
            raise ValueError(msg)
    head, _, rest = page.partition("</head>")
    body, _, _ = rest.partition("</html>")
    return head, "</head>" + body
