"""The folium page a map is drawn on: its Leaflet maps, and nothing from the data.

:func:`skeleton` has folium build and render (with its own templates only) a page of one
Leaflet map, or two side by side, from constants alone: the view of the whole mainland, the
map options and, when asked, an OpenStreetMap tile layer. Its arguments are a count, a tile
choice and a flag, so no name, title or other data string can reach folium, branca or
Jinja. :func:`~siting.maps.page.to_html` then adds the title, the data (as JSON) and the
page's script and stylesheet to the rendered page by plain string joining; the script
draws the layers on the maps folium made, found by their JavaScript names.

folium is imported here, on first use, so ``import siting`` and runs without a map stay
fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from siting._assets import inline_assets

Tiles = Literal["none", "osm"]

#: South-west and north-east corners (lat, lon) of the initial view: the whole mainland,
#: from the Pamirs to the Ussuri and from Mohe to Hainan.
CHINA_BOUNDS = ((18.0, 73.4), (53.6, 135.1))

#: The only browser assets a page links: Leaflet (folium's own URLs, inlined when offline).
_LEAFLET_JS = ("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
_LEAFLET_CSS = ("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")
#: Where folium puts each map of a page: one fills it, two share it side by side.
_PLACES = {1: (("100%", "0%"),), 2: (("50%", "0%"), ("50%", "50%"))}


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


def skeleton(n_maps: int, tiles: Tiles, *, offline: bool) -> Skeleton:
    """Have folium render a page of ``n_maps`` empty Leaflet maps.

    Parameters
    ----------
    n_maps
        1, or 2 for a comparison page.
    tiles
        ``"osm"`` adds an OpenStreetMap tile layer to each map; ``"none"`` adds none.
    offline
        Inline Leaflet's script and stylesheet (see :func:`siting._assets.inline_assets`).

    Returns
    -------
    Skeleton

    Raises
    ------
    ValueError
        For another number of maps or tile choice.
    """
    if n_maps not in _PLACES or tiles not in ("none", "osm"):
        msg = f"a page has 1 or 2 maps and tiles 'none' or 'osm', not {n_maps!r}, {tiles!r}"
        raise ValueError(msg)
    import folium
    from branca.element import Figure

    figure = Figure()
    maps, layers = [], []
    for width, left in _PLACES[n_maps]:
        layer = None if tiles == "none" else folium.TileLayer("OpenStreetMap", max_zoom=18)
        fmap = folium.Map(
            location=[sum(c) / 2 for c in zip(*CHINA_BOUNDS, strict=True)],
            zoom_start=4,
            tiles=layer,
            width=width,
            left=left,
            position="absolute",
            control_scale=True,
            zoom_snap=0.25,
            zoom_delta=0.5,
        )
        fmap.default_js, fmap.default_css = [_LEAFLET_JS], [_LEAFLET_CSS]
        figure.add_child(fmap)
        maps.append(fmap.get_name())
        layers.append(None if layer is None else layer.get_name())
    rendered = figure.render()
    head, body = _cut(rendered)
    # Mark folium's map elements as siting's, for the stylesheet.
    body = body.replace('class="folium-map"', 'class="folium-map siting-map"')
    head = inline_assets(head) if offline else head
    return Skeleton(head, body, tuple(maps), tuple(layers))


def _cut(page: str) -> tuple[str, str]:
    """Cut folium's page before ``</head>`` and drop its ``</html>``."""
    for tag in ("</head>", "</html>"):
        if page.count(tag) != 1:
            msg = f"folium's page has {page.count(tag)} {tag} tags, expected one"
            raise ValueError(msg)
    head, _, rest = page.partition("</head>")
    body, _, _ = rest.partition("</html>")
    return head, "</head>" + body
