"""The rendered map pages: layers, offline assets, size, panel and popups, escaping.

Structure only; tests/test_browser.py opens the same pages in a real browser, and
tests/test_map_security.py puts hostile strings in every field.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from branca.colormap import LinearColormap
from shapely import LineString, Point

from siting import maps
from siting._assets import REMOTE_TAG, OfflineAssetError, inline_assets
from siting.errors import InputError
from siting.layers import Layers
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
from siting.maps.escape import esc, script_json
from siting.maps.owners import OWNER_COLOURS, OWNER_LABELS, make_owner_map
from siting.market import OWNER_TYPES
from siting.pipeline import optimize, prepare
from siting.results import Results

MAX_BYTES = 5_000_000

#: Data strings that would run code if they reached the page unescaped, in every context
#: the page has: HTML, a <script> block, a JS string or template literal, a Jinja template.
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
    "template": "{{ 7*7 }} {% for x in range(2) %}{{ x }}{% endfor %} {# c",
    "lipsum": "{{ lipsum.__globals__.os.popen(dict(id=1)|first).read()|trim }}",
}


@pytest.fixture(scope="module")
def results() -> Results:
    """The default plan with one inference class: all inference within 10 ms of its hub."""
    from siting.scenario import load_scenario

    return optimize(
        load_scenario("default")[0].with_overrides({"classes": {}}), write=False
    ).results


@pytest.fixture(scope="module")
def page(results) -> str:
    return to_html(make_map(results, title="siting · default"))


def page_data(page: str) -> dict:
    """The JSON document a page draws from (there is exactly one; class on a user's map)."""
    (block,) = re.findall(
        r'<script type="application/json" (?:id|class)="siting-data">(.*?)</script>', page
    )
    return json.loads(block)


def texts(value) -> list[str]:
    """Every string in a JSON value, HTML-unescaped: the text a browser would show."""
    if isinstance(value, str):
        return [html.unescape(value)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


def with_reach_and_backbone(results: Results, route: str = "Beijing–Shanghai trunk") -> Results:
    """Add made-up SLA reach polygons and backbone lines, as later stages will provide."""
    hubs = results.hubs
    reach = gpd.GeoDataFrame(
        {"hub_id": hubs["hub_id"], "sla_rtt_ms": hubs["sla_rtt_ms"]},
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
    sites.loc[4, "name"] = HOSTILE["template"]
    sites.loc[5, "name"] = HOSTILE["lipsum"]
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
    (data,) = page_data(page)["maps"]
    base = [spec["name"] for spec in data["layers"] if spec["base"]]
    overlays = [spec["name"] for spec in data["layers"] if not spec["base"]]
    assert base == [*CHOROPLETH_LAYERS, maps.LAYER_PLAIN]
    assert set(LAYERS) - set(base) <= set(overlays)
    # the default scenario routes over the backbone: its map has reach and backbone, no tiles
    for layer in (LAYER_REACH, LAYER_BACKBONE):
        assert layer in overlays, layer
    assert LAYER_TILES not in page


def test_default_layers_on_and_off(page) -> None:
    (data,) = page_data(page)["maps"]
    shown = {spec["name"] for spec in data["layers"] if spec["show"]}
    assert shown == {
        maps.LAYER_PROVINCES,
        maps.LAYER_SITES,
        maps.LAYER_EXISTING,
        maps.LAYER_HUBS,
        maps.LAYER_FLOWS,
        LAYER_BACKBONE,
        maps.LAYER_BOUNDARIES,
        f"{maps.LAYER_CANDIDATES} (6)",  # the default plan leaves 6 candidates unused
    }
    assert data["bounds"] == [list(maps.CHINA_BOUNDS[0]), list(maps.CHINA_BOUNDS[1])]


def test_optional_layers_absent_without_data(results) -> None:
    bare = dataclasses.replace(results, reach=None, backbone=None)
    page = to_html(make_map(bare, title="bare"))
    for layer in OPTIONAL_LAYERS:
        assert layer not in page, layer
    assert "Fibre backbone" not in page  # nor in the key


def test_one_choropleth_shown_and_geometry_embedded_once(page) -> None:
    data = page_data(page)
    (one,) = data["maps"]
    choropleths = [spec for spec in one["layers"] if spec["kind"] == "choropleth"]
    assert len(choropleths) == 5  # four shadings and none
    assert [spec["show"] for spec in choropleths] == [True, False, False, False, False]
    assert json.dumps(data).count('"FeatureCollection"') == 1 + sum(
        spec["kind"] == "shapes" for spec in one["layers"]
    )
    assert len(data["geometry"]["features"]) == len(one["provinces"])


def test_reach_and_backbone_are_drawn_when_given(results) -> None:
    page = to_html(make_map(with_reach_and_backbone(results), title="t"))
    assert LAYER_REACH in page and LAYER_BACKBONE in page
    assert "Beijing–Shanghai trunk" in page
    assert "reach within 10 ms" in page
    (data,) = page_data(page)["maps"]
    backbone = next(s for s in data["layers"] if s["name"] == LAYER_BACKBONE)
    style = backbone["shapes"]["features"][0]["properties"]["style"]
    assert style == maps.symbols.BACKBONE_STYLE and style["dashArray"]
    assert "Fibre backbone (route, not a border)" in data["legend"]["key"]


def test_sites_show_their_split_and_existing_capacity(page, results) -> None:
    (data,) = page_data(page)["maps"]
    assert len(data["sites"]) + len(data["candidates"]) == len(results.sites) >= 25
    used = (results.sites["hosted_mw"] > 1e-6) | results.sites["open"]
    assert len(data["sites"]) == int(used.sum())
    classes = {s["cls"] for s in data["sites"]}
    assert {"siting-site siting-training", "siting-site siting-inference"} <= classes
    assert len(data["existing"]) == int((results.sites["existing_mw"] > 0).sum())
    assert len(data["hubs"]) == len(results.hubs)
    assert len(data["flows"]) == len(results.flows)
    assert [h["mw"] for h in data["hubs"]] == pytest.approx(results.hubs["demand_mw"], abs=0.01)
    assert maps.TRAINING_COLOUR in page and maps.INFERENCE_COLOUR in page
    assert maps.STRANDED_COLOUR in page


def test_flows_refer_to_their_hub_and_site(page, results) -> None:
    (data,) = page_data(page)["maps"]
    pairs = {(data["hubs"][f["h"]]["label"], data["sites"][f["s"]]["label"]) for f in data["flows"]}
    hub_name = dict(zip(results.hubs["hub_id"], results.hubs["name"], strict=True))
    site_name = dict(zip(results.sites["site_id"], results.sites["name"], strict=True))
    expected = {
        (esc(hub_name[h]), esc(site_name[s]))
        for h, s in zip(results.flows["hub_id"], results.flows["site_id"], strict=True)
    }
    assert pairs == expected
    served = sum(len(h["served"]) for h in data["hubs"])
    assert served == sum(len(s["serves"]) for s in data["sites"]) == len(results.flows)


def test_coordinates_are_rounded(page) -> None:
    data = page_data(page)
    coords = re.findall(r"-?\d+\.\d+", json.dumps(data["geometry"]))
    assert coords and max(len(c.split(".")[1]) for c in coords) <= 3


# --- scale ------------------------------------------------------------------------------


def many_hubs(results: Results, n: int, seed: int = 0) -> Results:
    """The same plan with ``n`` made-up hubs (and one flow each) spread over the east."""
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(100, 122, n), rng.uniform(22, 42, n)
    ids = [f"h{i}" for i in range(n)]
    hubs = gpd.GeoDataFrame(
        {
            "hub_id": ids,
            "name": [f"County {i}" for i in range(n)],
            "lon": lon,
            "lat": lat,
            "demand_mw": rng.lognormal(0.0, 1.0, n),
            "sla_rtt_ms": 10.0,
            "mean_rtt_ms": rng.uniform(1, 9, n),
            "n_sites": 1,
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    sites = results.sites["site_id"].to_numpy()
    flows = gpd.GeoDataFrame(
        {
            "hub_id": ids,
            "site_id": rng.choice(sites, n),
            "mw": hubs["demand_mw"],
            "rtt_ms": hubs["mean_rtt_ms"],
        },
        geometry=[None] * n,
        crs="EPSG:4326",
    )
    reach = gpd.GeoDataFrame(
        {"hub_id": ids, "sla_rtt_ms": 10.0},
        geometry=gpd.points_from_xy(lon, lat).buffer(1.0),
        crs="EPSG:4326",
    )
    return dataclasses.replace(results, hubs=hubs, flows=flows, reach=reach)


def test_many_hubs_are_clustered_and_the_page_stays_small(results) -> None:
    big = many_hubs(results, 3000)
    page = to_html(make_map(big, title="many"))
    (data,) = page_data(page)["maps"]
    assert data["hubOptions"]["cluster"] and len(data["hubs"]) == 3000
    shown = {spec["name"]: spec["show"] for spec in data["layers"]}
    assert LAYER_REACH not in shown  # 3,000 reach polygons would hide the map
    assert not shown[maps.LAYER_FLOWS]  # too many lines to start with
    assert "SLA reach not drawn: 3,000 hubs" in data["panel"]
    assert "n hubs nearby" in data["legend"]["key"]
    assert len(page.encode("utf-8")) < MAX_BYTES


def test_few_hubs_are_not_clustered(page) -> None:
    (data,) = page_data(page)["maps"]
    assert not data["hubOptions"]["cluster"]
    assert "n hubs nearby" not in data["legend"]["key"]


# --- offline assets -------------------------------------------------------------------------


def test_offline_page_requests_nothing(page) -> None:
    assert_offline(page)


def assert_offline(page: str) -> None:
    """The page loads nothing from the network: Leaflet and its images are inline."""
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", page, re.I)
    assert REMOTE_TAG.search(page) is None
    assert "Leaflet 1.9.3" in page  # leaflet.js, inlined
    assert ".leaflet-control-layers" in page  # leaflet.css, inlined
    assert 'url("data:image/png;base64,' in page  # its images
    for unused in ("bootstrap", "font-awesome", "fontawesome", "glyphicons", "AwesomeMarkers"):
        assert unused not in page, unused
    assert "jquery" not in page.lower()
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
    (data,) = page_data(page)["maps"]
    assert re.match(r"^tile_layer_[0-9a-f]{32}$", data["tiles"])  # folium's tile layer
    assert f"var {data['tiles']} = L.tileLayer(" in page
    assert REMOTE_TAG.search(page) is None
    with pytest.raises(ValueError, match="tiles must be 'none' or 'osm'"):
        make_map(results, title="t", tiles="google")  # type: ignore[arg-type]


def test_save_map_writes_utf8(results, tmp_path) -> None:
    path = save_map(make_map(results, title="t"), tmp_path / "m.html")
    assert path == tmp_path / "m.html"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "张家口" in text


def test_notebook_shows_the_offline_page_in_a_frame(results) -> None:
    shown = make_map(results, title="nb")._repr_html_()
    assert shown.startswith("<iframe srcdoc=")
    assert 'sandbox="allow-scripts allow-popups"' in shown  # not the notebook's origin
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
    assert inner.startswith("<!DOCTYPE html>") and "Leaflet 1.9.3" in inner
    assert REMOTE_TAG.search(inner) is None


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
    (data,) = page_data(page)["maps"]
    panel = data["panel"]
    assert "siting · default" in panel
    assert f"{k['total_cost_cny'] / 1e9:,.2f} bn CNY/yr" in panel
    assert f"{k['training_mw']:,.0f} MW" in panel and f"{k['inference_mw']:,.0f} MW" in panel
    assert f"{k['stranded_mw']:,.0f} MW of" in panel
    assert f"{k['status']}, gap {k['gap']:.2%}" in panel


def test_panel_without_a_gap(results) -> None:
    kpis = {**results.kpis, "gap": float("nan"), "status": "time_limit"}
    page = to_html(make_map(dataclasses.replace(results, kpis=kpis), title="t"))
    (data,) = page_data(page)["maps"]
    assert "<td class='n'>time_limit</td>" in data["panel"] and "gap nan" not in page


def test_site_popups_have_costs_and_hub_latency(page, results) -> None:
    (data,) = page_data(page)["maps"]
    popups = "".join(s["pop"] for s in data["sites"])
    for column in results.sites.filter(like="cost_").columns.drop("cost_total_cny"):
        label = column.removeprefix("cost_").removesuffix("_cny").capitalize()
        assert f"<td>{label}</td>" in popups, label
    assert "Cost (M CNY/yr)" in popups
    flow = results.flows.sort_values("mw").iloc[-1]
    chosen = results.sites[(results.sites["hosted_mw"] > 1e-6) | results.sites["open"]]
    site = data["sites"][int(np.flatnonzero(chosen["site_id"] == flow.site_id)[0])]
    hub = int(np.flatnonzero(results.hubs["hub_id"] == flow.hub_id)[0])
    assert [hub, round(flow.mw, 2), round(flow.rtt_ms, 2)] in site["serves"]


def test_a_plan_without_flows_still_draws(results) -> None:
    page = to_html(make_map(dataclasses.replace(results, flows=results.flows.iloc[:0]), title="t"))
    (data,) = page_data(page)["maps"]
    assert data["flows"] == [] and all(h["served"] == [] for h in data["hubs"])


def test_hostile_names_are_text(results, page) -> None:
    hostile = to_html(make_map(hostile_results(results), title=HOSTILE["title"]))
    for text in HOSTILE.values():
        assert text not in hostile, text
    for raw in ("<script>alert", "<img", "<svg onload", "</script><script>w", "${window", "`$"):
        assert raw not in hostile, raw
    # Each name is in the data as escaped HTML, and shows as itself once unescaped.
    shown = "\n".join(texts(page_data(hostile)))
    for text in HOSTILE.values():
        assert text in shown, text
    # The hostile page parses into the same tags as the harmless one: nothing was injected.
    plain = to_html(make_map(with_reach_and_backbone(results), title="siting"))
    ours, theirs = _tags(plain), _tags(hostile)
    assert theirs.tags == ours.tags
    assert theirs.attributes == ours.attributes
    assert len(theirs.scripts) == len(ours.scripts)
    assert "<title>&#60;script&#62;window.__pwned=7&#60;/script&#62;</title>" in hostile


def test_json_cannot_leave_a_script_block() -> None:
    text = script_json({"a": "</script><!-- \u2028 & >", "b": [1.5, None]})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert text.startswith('{"a":"\\u003c/script\\u003e')
    assert json.loads(text) == {"a": "</script><!-- \u2028 & >", "b": [1.5, None]}
    with pytest.raises(ValueError):
        script_json(float("nan"))


# --- comparison -----------------------------------------------------------------------------


def test_comparison_page_has_two_synced_maps(results, tmp_path) -> None:
    other = with_reach_and_backbone(results)
    figure = make_comparison_map(results, other, titles=("default", "with backbone"))
    page = to_html(figure)
    data = page_data(page)
    assert len(data["maps"]) == 2
    for one in data["maps"]:  # two folium maps, side by side
        assert f'<div class="folium-map siting-map" id="{one["map"]}" ></div>' in page
    assert data["maps"][0]["map"] != data["maps"][1]["map"]
    assert page.count("position: absolute;\n                    width: 50.0%;") == 2
    assert "function sync(a, b)" in page
    assert [m["collapsed"] for m in data["maps"]] == [True, True]
    assert "default" in data["maps"][0]["panel"] and "with backbone" in data["maps"][1]["panel"]
    assert page.count('"geometry":{"type":"FeatureCollection"') == 1  # shared by both maps
    assert REMOTE_TAG.search(page) is None and "<script src" not in page
    assert len(page.encode("utf-8")) < MAX_BYTES
    assert "<title>default | with backbone</title>" in page
    path = save_map(figure, tmp_path / "cmp.html")
    saved = page_data(path.read_text(encoding="utf-8"))
    for one in (*saved["maps"], *data["maps"]):
        assert FOLIUM_MAP.match(one.pop("map"))  # a new folium map each time it is written
    assert saved == data


def test_comparison_maps_share_scales(results) -> None:
    bigger = results.sites.copy()
    bigger.loc[0, "hosted_mw"] = 4 * float(results.sites["hosted_mw"].max())
    left = page_data(to_html(make_map(results, title="a")))["maps"][0]
    pair = page_data(
        to_html(
            make_comparison_map(
                results, dataclasses.replace(results, sites=bigger), titles=("a", "b")
            )
        )
    )["maps"]
    # The same site is drawn smaller next to a much bigger one than on its own.
    sizes = sorted(s["d"] for s in pair[0]["sites"])
    assert max(s["d"] for s in left["sites"]) > sizes[-1]
    assert pair[0]["hubOptions"]["maxMw"] == pair[1]["hubOptions"]["maxMw"]


# --- folium ---------------------------------------------------------------------------------


FOLIUM_MAP = re.compile(r"^map_[0-9a-f]{32}$")


def test_the_page_is_a_folium_page(page) -> None:
    """folium made the page and its Leaflet map; the page's script draws on that map."""
    (data,) = page_data(page)["maps"]
    name = data["map"]
    assert FOLIUM_MAP.match(name) and data["tiles"] is None
    assert page.startswith("<!DOCTYPE html>\n<html>\n<head>")
    assert f'<div class="folium-map siting-map" id="{name}" ></div>' in page
    assert f'var {name} = L.map(\n                "{name}",' in page
    assert f"L.control.scale().addTo({name});" in page
    # the title, stylesheet, data and script come after folium's own head and map script
    assert page.index(f"var {name} = L.map(") < page.index('id="siting-data"')
    assert page.index("</head>") > page.index("<title>") > page.index("Leaflet 1.9.3")


def test_folium_sees_only_constants(results, monkeypatch) -> None:
    """folium.Map gets the same arguments whatever the data and title."""
    import folium

    monkeypatch.setattr(maps.skeleton, "_shipped", dict)  # folium renders every page
    calls: list[tuple] = []
    real = folium.Map.__init__

    def record(self, *args, **kwargs) -> None:
        calls.append((args, {k: v for k, v in kwargs.items() if k != "tiles"}))
        real(self, *args, **kwargs)

    monkeypatch.setattr(folium.Map, "__init__", record)
    to_html(make_map(results, title="siting"))
    to_html(make_map(hostile_results(results), title=HOSTILE["lipsum"], description="{{ 1 }}"))
    assert len(calls) == 2 and calls[0] == calls[1]


def test_colour_ramp_ends_midpoint_and_missing() -> None:
    from siting.maps.panel import NO_DATA, ramp

    colours = ("#000000", "#ff0000", "#ffffff")
    values = np.array([-5.0, 0.0, 0.5, 0.75, 1.0, 9.0, np.nan])
    assert ramp(colours, values, (0.0, 1.0)) == [
        "#000000",
        "#000000",
        "#ff0000",
        "#ff8080",
        "#ffffff",
        "#ffffff",
        NO_DATA,
    ]


def test_folium_loads_only_when_a_page_is_drawn() -> None:
    code = "import sys, siting.maps; print('folium' in sys.modules, 'branca' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False", "False"]


def test_shipped_pages_are_what_folium_renders() -> None:
    """The shipped skeletons are the installed folium's (else: scripts/build_skeleton.py)."""
    from importlib import resources

    from siting.maps.skeleton import SHIPPED, SHIPPED_FILE, shipped_pages

    shipped = json.loads(resources.files(maps).joinpath("static", SHIPPED_FILE).read_text())
    assert shipped == shipped_pages(), "rerun scripts/build_skeleton.py"
    assert sorted(shipped["pages"]) == sorted(f"{n} {tiles}" for n, tiles in SHIPPED)


def test_other_folium_versions_render_the_page_themselves(monkeypatch) -> None:
    shipped = maps.skeleton._shipped.__wrapped__  # uncached
    assert sorted(shipped()) == ["1 none", "1 osm"]
    monkeypatch.setattr(maps.skeleton, "_versions", lambda: {"folium": "0.0.1"})
    assert shipped() == {}
    monkeypatch.setattr(maps.skeleton, "_versions", lambda: None)  # folium not installed
    assert shipped() == {}


@pytest.mark.parametrize("tiles", ["none", "osm"])
@pytest.mark.parametrize("offline", [True, False])
def test_a_shipped_skeleton_is_folium_s_with_new_names(monkeypatch, tiles, offline) -> None:
    from siting.maps.skeleton import skeleton

    shipped = skeleton(1, tiles, offline=offline)
    again = skeleton(1, tiles, offline=offline)
    monkeypatch.setattr(maps.skeleton, "_shipped", dict)
    rendered = skeleton(1, tiles, offline=offline)
    for one in (shipped, again):
        assert FOLIUM_MAP.match(one.maps[0])
        assert (one.tiles[0] is None) == (tiles == "none")
        assert one.tiles[0] is None or re.match(r"^tile_layer_[0-9a-f]{32}$", one.tiles[0])
    assert shipped.maps != again.maps and shipped.maps != rendered.maps  # new names each time

    def anonymous(one) -> str:
        text = (one.head + one.body).replace(one.maps[0], "MAP")
        return text if one.tiles[0] is None else text.replace(one.tiles[0], "TILES")

    assert anonymous(shipped) == anonymous(rendered) == anonymous(again)


# --- unused candidates and panels (issue 18) -------------------------------------------------


def many_candidates(results: Results, n: int, seed: int = 1) -> Results:
    """The same plan with ``n`` made-up unused candidate sites over the east (as county-all)."""
    rng = np.random.default_rng(seed)
    template = results.sites[results.sites["role"] == "unused"].iloc[[0] * n].copy()
    lon, lat = rng.uniform(100, 122, n), rng.uniform(22, 42, n)
    template["site_id"] = [f"c{i}" for i in range(n)]
    template["name"] = [f"County seat {i}" for i in range(n)]
    template["lon"], template["lat"] = lon, lat
    template[["existing_mw", "stranded_mw"]] = 0.0  # as most county seats: none built yet
    template = template.set_geometry(gpd.points_from_xy(lon, lat, crs="EPSG:4326"))
    sites = gpd.GeoDataFrame(
        pd.concat([results.sites, template], ignore_index=True), crs="EPSG:4326"
    )
    return dataclasses.replace(results, sites=sites)


def test_many_unused_candidates_lie_below_the_chosen_sites_and_show_zoomed_in(results) -> None:
    big = many_candidates(results, 3000)
    page = to_html(make_map(big, title="county-all-like"))
    (data,) = page_data(page)["maps"]
    used = (big.sites["hosted_mw"] > 1e-6) | big.sites["open"]
    # the map's site markers are the chosen sites only; the candidates are a layer of their own
    assert len(data["sites"]) == int(used.sum()) < 40
    assert len(data["candidates"]) == int((~used).sum()) == 3006
    (layer,) = [spec for spec in data["layers"] if spec["kind"] == "candidates"]
    assert layer["name"] == f"{maps.LAYER_CANDIDATES} (3,006, from zoom {maps.CANDIDATES_ZOOM})"
    assert layer["show"] and layer["minZoom"] == maps.CANDIDATES_ZOOM
    # a few dozen bytes each, not a popup of zeros and an SVG each (about 1.2 kB before)
    assert len(script_json(data["candidates"])) / 3006 < 120
    assert "County seat 2999" in json.dumps(data["candidates"])
    # their pane is below Leaflet's marker pane (600), where the chosen sites are drawn
    script = maps.page._static("siting.js")
    assert int(re.search(r'\["sitingCandidates", (\d+)\]', script).group(1)) < 600  # type: ignore[union-attr]


def test_few_unused_candidates_show_at_every_zoom(page, results) -> None:
    (data,) = page_data(page)["maps"]
    (layer,) = [spec for spec in data["layers"] if spec["kind"] == "candidates"]
    n = int((results.sites["role"] == "unused").sum())
    assert layer["name"] == f"{maps.LAYER_CANDIDATES} ({n})" and layer["minZoom"] == 0
    assert {frozenset(c) for c in data["candidates"]} == {
        frozenset({"lat", "lon", "label", "where", "room"})
    }


def test_panels_can_fold(results) -> None:
    """The panel is folded by a button in the page's script (checked in tests/test_browser.py)."""
    script = maps.page._static("siting.js")
    assert 'L.DomUtil.create("button", "siting-fold"' in script
    assert "aria-expanded" in script and "PANEL_FOLD_SHARE = 0.2" in script
    assert ".siting-folded .siting-panel-body" in maps.page._static("siting.css")


# --- explore: a user's folium map, colours by a column, tooltips -------------------------------


@pytest.fixture(scope="module")
def plan(results):
    from siting.api import Plan

    return Plan("default", "siting · default", results, {})


def composed_data(fmap: folium.Map) -> tuple[str, dict]:
    """A folium page's HTML and the one JSON document siting added to it."""
    page = fmap.get_root().render()
    (block,) = re.findall(
        r'<script type="application/json" class="siting-data">(.*?)</script>', page
    )
    return page, json.loads(block)


def test_explore_adds_its_layers_to_a_users_folium_map(plan) -> None:
    m = folium.Map(location=[30, 110], zoom_start=5)
    folium.Marker([39.9, 116.4], tooltip="my office").add_to(m)
    assert plan.explore(m=m) is m
    page, data = composed_data(m)
    (one,) = data["maps"]
    assert one["map"] == m.get_name()  # drawn on the user's map
    names = [spec["name"] for spec in one["layers"]]
    assert names[:5] == [
        f"{maps.LAYER_CANDIDATES} (6)",
        maps.LAYER_SITES,
        maps.LAYER_EXISTING,
        maps.LAYER_HUBS,
        maps.LAYER_FLOWS,
    ]
    assert maps.LAYER_BOUNDARIES in names
    assert not any(spec["base"] for spec in one["layers"])  # the user's base layers stay
    assert "my office" in page and "tile.openstreetmap.org" in page  # the user's own layers
    # siting's script runs after the user's map exists, once, and draws the document
    assert page.index(f"var {m.get_name()} = L.map(") < page.index("var sitingLib")
    assert page.count("var sitingLib") == 1 and ".siting-panel" in page
    # a second plan on the same map adds a second document, still one script
    plan.explore(m=m, column="role")
    page = m.get_root().render()
    assert page.count('class="siting-data"') == 2 and page.count("var sitingLib") == 1
    assert "siting-data" in html.unescape(m._repr_html_())  # folium's notebook display


def test_a_composed_map_can_be_made_self_contained(plan) -> None:
    from siting.api import MapView

    m = plan.explore(m=folium.Map())
    view = MapView.of(m)
    assert REMOTE_TAG.search(view.page) is None and "Leaflet 1.9.3" in view.page
    assert 'class="siting-data"' in view.page


def test_explore_colours_sites_by_a_category(plan, results) -> None:
    view = plan.explore(column="role")
    (data,) = page_data(view.page)["maps"]
    used = results.sites[(results.sites["hosted_mw"] > 1e-6) | results.sites["open"]]
    unused = results.sites.drop(index=used.index)
    roles = list(dict.fromkeys([*used["role"], *unused["role"]]))
    colour = {role: maps.columns.PALETTE[k] for k, role in enumerate(roles)}
    for item, role in zip(data["sites"], used["role"], strict=True):
        assert f"fill='{colour[role]}'" in item["svg"], role
    assert {c["fill"] for c in data["candidates"]} == {colour["unused"]}
    assert "Sites by role" in data["legend"]["key"]
    for role in roles:
        assert f"</span>{role}</div>" in data["legend"]["key"]


def test_explore_colours_sites_on_a_ramp(plan, results) -> None:
    (data,) = page_data(plan.explore(column="hosted_mw").page)["maps"]
    used = results.sites[(results.sites["hosted_mw"] > 1e-6) | results.sites["open"]]
    biggest = int(np.argmax(used["hosted_mw"].to_numpy()))
    assert f"fill='{maps.columns.RAMP[-1]}'" in data["sites"][biggest]["svg"]  # top of the ramp
    assert {c["fill"] for c in data["candidates"]} == {maps.columns.RAMP[0]}  # 0 MW: bottom
    assert "Sites by hosted_mw" in data["legend"]["key"]


def test_explore_tooltips_list_the_fields_asked(plan, results) -> None:
    (data,) = page_data(plan.explore(tooltip=["site_id", "province"]).page)["maps"]
    first = results.sites[(results.sites["hosted_mw"] > 1e-6) | results.sites["open"]].iloc[0]
    tip = data["sites"][0]["tip"]
    assert f"<td>site_id</td><td class='n'>{first.site_id}</td>" in tip
    assert f"<td>province</td><td class='n'>{first.province}</td>" in tip
    assert "cost_total_cny" not in tip
    (everything,) = page_data(plan.explore(tooltip=True).page)["maps"]
    assert "<td>cost_total_cny</td>" in everything["sites"][0]["tip"]
    (nothing,) = page_data(plan.explore(tooltip=False).page)["maps"]
    assert {s["tip"] for s in nothing["sites"] + nothing["candidates"]} == {""}


def test_explore_passes_folium_arguments_and_sizes_the_frame(plan) -> None:
    view = plan.explore(zoom_control=False, height=420, width=640)
    assert '"zoomControl": false' in view.page
    assert "height:420px" in view._repr_html_() and "width:640px" in view._repr_html_()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"column": "nope"}, "column"),
        ({"tooltip": ["site_id", "nope"]}, "tooltip"),
        ({"m": "a map"}, "m"),
        ({"m": folium.Map(), "zoom_start": 3}, "folium_kwargs"),
        ({"height": "80%"}, "height"),
    ],
)
def test_explore_refuses_bad_arguments_by_name(plan, kwargs, field) -> None:
    from siting.errors import InputError

    with pytest.raises(InputError, match=f"field '{field}'"):
        plan.explore(**kwargs)


# --- the owner map of a market year --------------------------------------------------------


@pytest.fixture(scope="module")
def default_layers() -> Layers:
    return prepare("default").layers


def owner_table(layers: Layers, empty: int = 2) -> pd.DataFrame:
    """A made-up year of the default sites: owners in turn, the first ``empty`` without MW."""
    sites = pd.DataFrame(layers.sites[["site_id", "name", "province", "lon", "lat"]])
    k = np.arange(len(sites))
    capacity = np.where(k < empty, 0.0, 10.0 + 7.0 * k)
    utilisation = np.where(capacity > 0, (k % 5) / 4, np.nan)
    used = capacity * np.nan_to_num(utilisation)
    return sites.assign(
        owner_type=[OWNER_TYPES[i % len(OWNER_TYPES)] for i in k],
        capacity_mw=capacity,
        used_mw=used,
        idle_mw=capacity - used,
        utilisation=utilisation,
        revenue_cny=used * 5e7,
        clearing_premium=np.where(k % 3 == 0, 2.5e6, 0.0),
    )


@pytest.fixture(scope="module")
def owner_page(default_layers) -> str:
    table = owner_table(default_layers)
    return to_html(make_owner_map(table, default_layers, year=2024, title="owners · 2024"))


def test_owner_map_has_one_marker_per_site_with_capacity(owner_page, default_layers) -> None:
    table = owner_table(default_layers)
    held = table[table["capacity_mw"] > 0]
    (one,) = page_data(owner_page)["maps"]
    assert [s["id"] for s in one["sites"]] == held["site_id"].tolist()
    assert [s["owner"] for s in one["sites"]] == held["owner_type"].tolist()
    assert [s["mw"] for s in one["sites"]] == pytest.approx(held["capacity_mw"].tolist())
    assert [s["util"] for s in one["sites"]] == pytest.approx(held["utilisation"].tolist())
    # one overlay per owner type, each drawing the rows of its owner's sites
    owners = [spec for spec in one["layers"] if spec["kind"] == "sites"]
    assert [spec["name"] for spec in owners] == [
        f"Owner: {o} ({(held['owner_type'] == o).sum()} sites)" for o in OWNER_TYPES
    ]
    assert sorted(r for spec in owners for r in spec["rows"]) == list(range(len(held)))
    for spec, owner in zip(owners, OWNER_TYPES, strict=True):
        assert {one["sites"][r]["owner"] for r in spec["rows"]} == {owner}
        assert spec["show"] and not spec["base"]
    assert sum(spec["base"] for spec in one["layers"]) == len(CHOROPLETH_LAYERS) + 1


def test_owner_map_legend_names_the_four_owner_types(owner_page) -> None:
    (one,) = page_data(owner_page)["maps"]
    key = html.unescape(one["legend"]["key"])
    for owner in OWNER_TYPES:
        assert f">{owner}</b>: {OWNER_LABELS[owner]}" in key
        assert OWNER_COLOURS[owner] in key
    assert "filled share = utilisation" in key and "area ∝ capacity MW" in key
    panel = html.unescape(one["panel"])
    assert "2024: sites by owner type" in panel and all(o in panel for o in OWNER_TYPES)


def test_owner_map_popups_give_the_year_s_figures(owner_page, default_layers) -> None:
    table = owner_table(default_layers).set_index("site_id")
    (one,) = page_data(owner_page)["maps"]
    for site in one["sites"]:
        row = table.loc[html.unescape(site["id"])]
        pop = html.unescape(site["pop"])
        for label in ("Capacity", "Used", "Idle", "Utilisation", "Revenue", "Clearing premium"):
            assert f"<td>{label}</td>" in pop, label
        assert f"{row['capacity_mw']:,.1f} MW" in pop and f"{row['idle_mw']:,.1f} MW" in pop
        assert f"{row['utilisation']:.1%}" in pop
        premium = "2.50 M CNY per MW-year" if row["clearing_premium"] > 0 else "none"
        assert premium in pop
        assert f"{row['utilisation']:.0%} used" in html.unescape(site["tip"])


def test_owner_map_is_offline(owner_page) -> None:
    assert_offline(owner_page)


def test_owner_map_refuses_a_missing_column_and_an_unknown_owner(default_layers) -> None:
    table = owner_table(default_layers)
    with pytest.raises(InputError, match="field 'used_mw': a column of the site table"):
        make_owner_map(table.drop(columns="used_mw"), default_layers, year=2024, title="t")
    bad = table.assign(owner_type=table["owner_type"].replace("telecom", "hyperscaler"))
    with pytest.raises(InputError, match=r"owner_type': one of cloud, .*; got 'hyperscaler'"):
        make_owner_map(bad, default_layers, year=2024, title="t")


def test_geos_geojson_is_what_python_writes() -> None:
    """GEOS's GeoJSON of rounded shapes joins the page as Python's json would write it.

    Holes, several parts, a coordinate rounding to -0.0, whole numbers, points, collections,
    empty and 3-D shapes, after simplification and rounding: the page's bytes stay those of
    parsing GEOS's text and writing it again.
    """
    import shapely

    from siting.maps.shapes import geojson

    square = [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]
    hole = [(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.2)]
    shapes = [
        shapely.Polygon(square, [hole]),
        shapely.MultiPolygon([shapely.Polygon(square), shapely.box(2, 2, 3, 3.12345)]),
        shapely.LineString([(-0.0004, 0.5), (1.23456, 2.0), (179.9996, -89.99951)]),
        shapely.MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 3), (4, 3.5)]]),
        shapely.Point(1.5, 2.5),
        shapely.GeometryCollection([shapely.Point(0, 0), shapely.LineString([(0, 0), (1, 1)])]),
        shapely.Polygon(),
        shapely.Polygon([(0, 0, 1), (1, 0, 1), (1, 1, 1)]),
        shapely.buffer(shapely.Point(100, 30), 2.0),
    ]
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(73, 135, 5000), rng.uniform(18, 54, 5000)
    shapes.append(shapely.LineString(np.column_stack([lon, lat])))
    for tolerance in (0.0, 0.05):
        written = script_json(geojson(shapes, tolerance))
        parsed = [json.loads(g.text) for g in geojson(shapes, tolerance)]
        assert written == script_json(parsed)


def test_raw_json_joins_the_script_escaped_and_only_where_placed() -> None:
    from siting.maps.escape import RawJSON

    raw = RawJSON('{"a":"</script>"}')
    lookalike = '"0"'  # a data string shaped like a placeholder stays a string
    text = script_json({"raw": raw, "list": [raw, 1.5], "text": lookalike})
    inner = '{"a":"\\u003c/script\\u003e"}'
    assert text == f'{{"raw":{inner},"list":[{inner},1.5],"text":"\\"0\\""}}'
    assert json.loads(text)["raw"] == {"a": "</script>"}
    with pytest.raises(TypeError, match="set"):
        script_json({"x": {1}})
