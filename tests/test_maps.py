"""The rendered map pages: layers, offline assets, size, panel and popups, escaping.

Structure only; tests/test_browser.py opens the same pages in a real browser.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from html.parser import HTMLParser

import folium
import geopandas as gpd
import numpy as np
import pytest
from branca.colormap import LinearColormap
from shapely import LineString, Point

from siting import maps
from siting._assets import REMOTE_TAG, OfflineAssetError, inline_assets
from siting.maps import (
    CHOROPLETH_LAYERS,
    LAYER_BACKBONE,
    LAYER_REACH,
    LAYER_TILES,
    LAYERS,
    OPTIONAL_LAYERS,
    make_comparison_map,
    make_map,
    save_map,
    to_html,
)
from siting.pipeline import optimize
from siting.results import Results

MAX_BYTES = 5_000_000

#: Data strings that would run code if they reached the page unescaped, in every context
#: the page has: HTML, a <script> block, a JS string or template literal.
HOSTILE = {
    "site0": "<script>alert(1)</script>",
    "site1": '<img src=x onerror="window.__pwned=1">',
    "site2": "</script><script>window.__pwned=2</script>",
    "site3": "`${window.__pwned=3}` \\u0041 \u2028 '\" &amp;",
    "hub": "<b onmouseover=window.__pwned=4>hub</b><!--",
    "province": "<svg onload=window.__pwned=5>",
    "status": "<img src=y onerror=window.__pwned=6>",
    "title": "<script>window.__pwned=7</script>",
    "route": "</script><img src=z onerror=window.__pwned=8>",
}


@pytest.fixture(scope="module")
def results() -> Results:
    return optimize(write=False).results


@pytest.fixture(scope="module")
def page(results) -> str:
    return to_html(make_map(results, title="siting · default"))


def with_reach_and_backbone(results: Results, route: str = "Beijing–Shanghai trunk") -> Results:
    """Add made-up SLA reach polygons and backbone lines, as later stages will provide."""
    hubs = results.hubs
    reach = gpd.GeoDataFrame(
        {"hub_id": hubs["hub_id"], "sla_ms": hubs["sla_ms"]},
        geometry=[Point(x, y).buffer(3.0) for x, y in zip(hubs["lon"], hubs["lat"], strict=True)],
        crs="EPSG:4326",
    )
    ends = list(zip(hubs["hub_id"], hubs["lon"], hubs["lat"], strict=True))
    backbone = gpd.GeoDataFrame(
        {
            "u": [a[0] for a in ends[:-1]],
            "v": [b[0] for b in ends[1:]],
            "route_km": np.arange(len(ends) - 1) * 100.0 + 250.0,
            "route": [route] * (len(ends) - 1),
        },
        geometry=[LineString([a[1:], b[1:]]) for a, b in itertools.pairwise(ends)],
        crs="EPSG:4326",
    )
    return dataclasses.replace(results, reach=reach, backbone=backbone)


def hostile_results(results: Results) -> Results:
    """The same plan with names that try to inject HTML and JavaScript everywhere."""
    sites = results.sites.copy()
    for i in range(4):
        sites.loc[i, "name"] = HOSTILE[f"site{i}"]
    sites.loc[0, "name_zh"] = HOSTILE["site2"]
    sites.loc[1, "province"] = HOSTILE["hub"]
    hubs = results.hubs.copy()
    hubs.loc[:, "name"] = HOSTILE["hub"]
    provinces = results.provinces.copy()
    provinces.loc[0, "name_en"] = HOSTILE["province"]
    kpis = {**results.kpis, "status": HOSTILE["status"]}
    out = dataclasses.replace(results, sites=sites, hubs=hubs, provinces=provinces, kpis=kpis)
    return with_reach_and_backbone(out, route=HOSTILE["route"])


class _Tags(HTMLParser):
    """The tag structure of a page, parsed as a browser does (script content is raw text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        self.attributes |= {name for name, _ in attrs}
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag) -> None:
        self.tags.append("/" + tag)
        self._in_script = False

    def handle_data(self, data) -> None:
        if self._in_script:
            self.scripts[-1] += data


def _tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


# --- layers ---------------------------------------------------------------------------------


def test_every_layer_is_in_the_layer_control(page) -> None:
    control = re.search(r"base_layers : \{(.*?)\},\s*overlays :\s*\{(.*?)\},", page, re.S)
    assert control is not None
    base, overlays = control.groups()
    for layer in CHOROPLETH_LAYERS:
        assert f'"{layer}"' in base, layer
    for layer in set(LAYERS) - set(CHOROPLETH_LAYERS) - {maps.LAYER_PLAIN}:
        assert f'"{layer}"' in overlays, layer
    # the default scenario routes over the backbone: its map has reach and backbone, no tiles
    for layer in (LAYER_REACH, LAYER_BACKBONE):
        assert f'"{layer}"' in overlays, layer
    assert LAYER_TILES not in page


def test_optional_layers_absent_without_data(results) -> None:
    bare = dataclasses.replace(results, reach=None, backbone=None)
    html = to_html(make_map(bare, title="bare"))
    for layer in OPTIONAL_LAYERS:
        assert layer not in html, layer


def test_one_choropleth_shown_and_geometry_embedded_once(page) -> None:
    added = re.findall(r"(siting_layer_\w+)\.addTo\(map_\w+\)", page)
    defined = dict(re.findall(r"var (siting_layer_\w+) = sitingLib\.(\w+)\(", page))
    assert [defined[name] for name in added].count("choropleth") == 1
    assert list(defined.values()).count("choropleth") == 5  # four shadings and none
    assert page.count("var siting_geometry_") == 1


def test_reach_and_backbone_are_drawn_when_given(results) -> None:
    page = to_html(make_map(with_reach_and_backbone(results), title="t"))
    assert LAYER_REACH in page and LAYER_BACKBONE in page
    assert "Beijing–Shanghai trunk" in page
    assert "reach within 10 ms" in page


def test_sites_show_their_split_and_existing_capacity(page, results) -> None:
    assert page.count("siting-site") >= len(results.sites) >= 25
    assert "siting-site siting-training" in page and "siting-site siting-inference" in page
    assert page.count('"cls":"siting-existing"') == int((results.sites["existing_mw"] > 0).sum())
    assert page.count('"cls":"siting-hub"') == len(results.hubs)
    assert page.count('"cls":"siting-flow"') == len(results.flows)
    assert maps.TRAINING_COLOUR in page and maps.INFERENCE_COLOUR in page
    assert maps.STRANDED_COLOUR in page


# --- offline assets -------------------------------------------------------------------------


def test_offline_page_requests_nothing(page) -> None:
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", page, re.I)
    assert REMOTE_TAG.search(page) is None
    assert "Leaflet 1.9.3" in page  # leaflet.js, inlined
    assert ".leaflet-control-layers" in page  # leaflet.css, inlined
    assert 'url("data:image/png;base64,' in page  # its images
    for unused in ("bootstrap", "font-awesome", "fontawesome", "glyphicons", "AwesomeMarkers"):
        assert unused not in page, unused
    assert "sourceMappingURL" not in page


def test_offline_page_is_small(page) -> None:
    assert len(page.encode("utf-8")) < MAX_BYTES


def test_cdn_page_links_leaflet_only(results) -> None:
    page = to_html(make_map(results, title="t"), offline=False)
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js">' in page
    assert re.search(r'<link rel="stylesheet" href="https://cdn\.jsdelivr\.net/npm/leaflet', page)
    assert "bootstrap" not in page and "awesome" not in page
    assert "Leaflet 1.9.3" not in page


def test_osm_tiles_are_an_online_overlay(results) -> None:
    page = to_html(make_map(results, title="t", tiles="osm"))
    assert LAYER_TILES in page and "tile.openstreetmap.org" in page
    assert REMOTE_TAG.search(page) is None
    with pytest.raises(ValueError, match="tiles must be 'none' or 'osm'"):
        make_map(results, title="t", tiles="google")  # type: ignore[arg-type]


def test_save_map_writes_utf8(results, tmp_path) -> None:
    path = save_map(make_map(results, title="t"), tmp_path / "m.html")
    assert path == tmp_path / "m.html"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "张家口" in text


def test_unknown_remote_asset_is_refused() -> None:
    page = "<html><head><script src='https://example.com/plugin.js'></script></head></html>"
    with pytest.raises(OfflineAssetError, match=r"no offline copy of https://example\.com/plugin"):
        inline_assets(page)


def test_awesome_markers_are_refused_not_dropped() -> None:
    fmap = folium.Map(tiles=None)
    folium.Marker([30, 110], icon=folium.Icon(color="red")).add_to(fmap)
    with pytest.raises(OfflineAssetError, match=r"L\.AwesomeMarkers needs"):
        inline_assets(fmap.get_root().render())


def test_plain_folium_map_and_branca_legend_inline() -> None:
    fmap = folium.Map(tiles=None)
    LinearColormap(["#ffffff", "#000000"], vmin=0, vmax=1, caption="c").add_to(fmap)
    page = inline_assets(fmap.get_root().render())
    assert REMOTE_TAG.search(page) is None
    assert "d3.js from xstatic-d3" in page
    assert "bootstrap" not in page


def test_remote_css_image_is_refused() -> None:
    page = "<head><style>.x {background: url(https://example.com/a.png)}</style></head>"
    with pytest.raises(OfflineAssetError, match="remote reference left"):
        inline_assets(page)


# --- panel, popups, escaping ----------------------------------------------------------------


def test_panel_shows_the_kpis(page, results) -> None:
    k = results.kpis
    assert "siting-panel" in page and "siting · default" in page
    assert f"{k['total_cost_cny'] / 1e9:,.2f} bn CNY/yr" in page
    assert f"{k['training_mw']:,.0f} MW" in page and f"{k['inference_mw']:,.0f} MW" in page
    assert f"{k['stranded_mw']:,.0f} MW of" in page
    assert f"{k['status']}, gap {k['gap']:.2%}" in page


def test_panel_without_a_gap(results) -> None:
    kpis = {**results.kpis, "gap": float("nan"), "status": "time_limit"}
    page = to_html(make_map(dataclasses.replace(results, kpis=kpis), title="t"))
    assert "time_limit\\u003c/td" in page and "gap nan" not in page


def test_site_popups_have_costs_and_hub_latency(page, results) -> None:
    for column in results.sites.filter(like="cost_").columns.drop("cost_total_cny"):
        label = column.removeprefix("cost_").removesuffix("_cny").capitalize()
        assert f"{label}\\u003c/td" in page, label
    assert "Cost (M CNY/yr)" in page and "Serves inference to" in page
    flow = results.flows.sort_values("mw").iloc[-1]
    assert (
        f"{flow.mw:,.1f} MW\\u003c/td\\u003e\\u003ctd class='n'\\u003e{flow.rtt_ms:.1f} ms" in page
    )


def test_a_plan_without_flows_still_draws(results) -> None:
    page = to_html(make_map(dataclasses.replace(results, flows=results.flows.iloc[:0]), title="t"))
    assert "sitingLib.lines([]," in page


def test_hostile_names_are_text(results, page) -> None:
    hostile = to_html(make_map(hostile_results(results), title=HOSTILE["title"]))
    for text in HOSTILE.values():
        assert text not in hostile, text
    for raw in ("<script>alert", "<img", "<svg onload", "</script><", "${window", "`$"):
        assert raw not in hostile, raw
    # Each name is in the page as escaped HTML inside a script-safe JS string.
    for text in HOSTILE.values():
        assert maps._js(maps._esc(text))[1:-1] in hostile, text
    # The hostile page parses into the same tags as the harmless one: nothing was injected.
    plain = to_html(make_map(with_reach_and_backbone(results), title="siting"))
    ours, theirs = _tags(plain), _tags(hostile)
    assert theirs.tags == ours.tags
    assert theirs.attributes == ours.attributes
    assert len(theirs.scripts) == len(ours.scripts)
    assert "<title>&lt;script&gt;window.__pwned=7&lt;/script&gt;</title>" in hostile


def test_js_literals_cannot_leave_a_script_block() -> None:
    text = maps._js({"a": "</script><!-- \u2028 & >", "b": [1.5, None]})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert text.startswith('{"a":"\\u003c/script\\u003e')
    with pytest.raises(ValueError):
        maps._js(float("nan"))


# --- comparison -----------------------------------------------------------------------------


def test_comparison_page_has_two_synced_maps(results, tmp_path) -> None:
    other = with_reach_and_backbone(results)
    figure = make_comparison_map(results, other, titles=("default", "with backbone"))
    page = to_html(figure)
    names = re.findall(r"var (map_\w+) = L\.map\(", page)
    assert len(names) == 2
    assert f"sitingLib.sync({names[0]}, {names[1]});" in page
    assert "function sync(a, b)" in page
    assert page.count("'siting-panel'") == 2
    assert "default" in page and "with backbone" in page
    assert page.count("var siting_geometry_") == 1  # shared by both maps
    assert "left: 50.0%" in page or "left: 50%" in page
    assert REMOTE_TAG.search(page) is None and "<script src" not in page
    assert len(page.encode("utf-8")) < MAX_BYTES
    path = save_map(figure, tmp_path / "cmp.html")
    assert path.read_text(encoding="utf-8").count("L.map(") == 2


def test_comparison_maps_share_scales(results) -> None:
    bigger = results.sites.copy()
    bigger.loc[0, "hosted_mw"] = 4 * float(results.sites["hosted_mw"].max())
    left = to_html(make_map(results, title="a"))
    pair = to_html(
        make_comparison_map(results, dataclasses.replace(results, sites=bigger), titles=("a", "b"))
    )
    # The same site is drawn smaller next to a much bigger one than on its own.
    size = re.compile(r'"d":(\d+),"svg"')
    assert max(map(int, size.findall(left))) > sorted(map(int, size.findall(pair)))[-2]
