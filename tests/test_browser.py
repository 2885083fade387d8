"""The generated maps in a real browser: headless Debian Chromium with no network.

Each page is opened from a file with every request sent to a proxy on a closed local port,
so nothing can leave the machine, and Chromium's NetLog records each request the page
tried. A probe (tests/browser.js), injected into a copy of the page, reports what the live
page holds: Leaflet, the maps, layers, markers, popups, legend switching and view sync.
The layers must be drawn on the Leaflet maps that folium created. A screenshot of the
untouched page must not be blank; screenshots are kept in tests/artifacts/ to look at.

Needs /usr/bin/chromium (``scripts/install_browser.sh``): skipped without it, except under
CI (``CI=true``), where its absence is a failure.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from siting.maps import (
    CANDIDATES_ZOOM,
    LAYER_BACKBONE,
    LAYER_CANDIDATES,
    LAYER_REACH,
    LAYERS,
    make_comparison_map,
    make_comparison_page,
    make_map,
    save_map,
)

from .test_map_security import HTML, PAYLOADS, hostile, tagged
from .test_maps import (
    HOSTILE,
    MAX_BYTES,
    hostile_results,
    many_candidates,
    many_hubs,
    owner_table,
    page_data,
    with_reach_and_backbone,
)

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).parent
ARTIFACTS = HERE / "artifacts"
PROBE = (HERE / "browser.js").read_text(encoding="utf-8")
WINDOW = (1400, 900)
LARGE = 3000  # hubs on the large map, about as many as counties
ALL_PAYLOADS = " ".join(PAYLOADS)  # template, HTML and JS payloads, in every text field
#: As ``siting classic`` describes each plan under its title.
CLASSIC_DESCRIPTION = (
    "24 sites; from the nearest: mean 0.19 ms, worst 0.74 ms round trip; 100.0% of demand "
    "within the radius"
)
#: Most of its map a panel may cover, unless folded to its title.
PANEL_SHARE_MAX = 0.25


@pytest.fixture(scope="module")
def chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    msg = f"{CHROMIUM} is missing: run scripts/install_browser.sh (as root) to install it"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="module")
def closed_port() -> Iterator[int]:
    """A local port that refuses connections: bound, never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def default_results():
    """The default plan with one inference class: unused candidates, as the maps tests pin."""
    from siting.pipeline import optimize
    from siting.scenario import load_scenario

    one_class = load_scenario("default")[0].with_overrides({"classes": {}})
    return optimize(one_class, write=False).results


@pytest.fixture(scope="module")
def pages(default_results) -> dict[str, Path]:
    """The pages under test, written to tests/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    other = with_reach_and_backbone(default_results)
    bare = dataclasses.replace(default_results, reach=None, backbone=None)
    return {
        "default": save_map(
            make_map(default_results, title="siting · default"), ARTIFACTS / "default.html"
        ),
        "cdn": save_map(
            make_map(default_results, title="cdn"), ARTIFACTS / "cdn.html", offline=False
        ),
        "comparison": save_map(
            make_comparison_map(bare, other, titles=("default", "with backbone")),
            ARTIFACTS / "comparison.html",
        ),
        "hostile": save_map(
            make_map(hostile_results(default_results), title=HOSTILE["title"]),
            ARTIFACTS / "hostile.html",
        ),
        "payloads": save_map(
            make_map(
                hostile(default_results, ALL_PAYLOADS),
                title=tagged(ALL_PAYLOADS, "scenario name"),
                description=tagged(ALL_PAYLOADS, "scenario description"),
            ),
            ARTIFACTS / "payloads.html",
        ),
        "large": save_map(
            make_map(many_hubs(default_results, LARGE), title="3,000 hubs"),
            ARTIFACTS / "large.html",
        ),
        "county": save_map(  # as county-all: thousands of hubs and of unused candidates
            make_map(
                many_candidates(many_hubs(default_results, LARGE), LARGE),
                title="3,000 hubs, 3,000 more candidates",
            ),
            ARTIFACTS / "county.html",
        ),
        "composed": composed_page(default_results, ARTIFACTS / "composed.html"),
        "classic": save_map(  # as siting classic: five plans in a 3 × 2 grid
            make_comparison_page(
                [default_results] * 5,
                titles=[f"default · model {k}" for k in range(5)],
                descriptions=[CLASSIC_DESCRIPTION] * 5,
            ),
            ARTIFACTS / "classic.html",
        ),
    }


def composed_page(results, path: Path) -> Path:
    """A user's folium map (no tiles, one marker) with the plan added, made self-contained."""
    import folium

    from siting.api import MapView, Plan

    m = folium.Map(location=[35, 105], zoom_start=4, tiles=None)
    folium.CircleMarker([39.9, 116.4], tooltip="my office").add_to(m)
    Plan("default", "siting · default", results, {}).explore(m=m, column="role")
    return MapView.of(m).save(path)


@dataclass
class Visit:
    """What the probe saw in a page, and the URLs the page asked the network for."""

    probe: dict[str, Any]
    requests: list[str]


def _run(chromium: Path, port: int, profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        str(chromium),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        f"--proxy-server=127.0.0.1:{port}",
        "--proxy-bypass-list=<-loopback>",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--hide-scrollbars",
        "--virtual-time-budget=5000",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def visit(chromium: Path, port: int, page: Path, tmp_path: Path) -> Visit:
    """Open a copy of ``page`` with the probe in it; return the probe's report."""
    probed = tmp_path / f"{page.stem}.probed.html"
    text = page.read_text(encoding="utf-8")
    probed.write_text(text.replace("<head>", f"<head><script>{PROBE}</script>", 1), "utf-8")
    netlog = tmp_path / f"{page.stem}.netlog.json"
    result = _run(
        chromium,
        port,
        tmp_path / f"profile-{page.stem}",
        f"--log-net-log={netlog}",
        "--dump-dom",
        probed.as_uri(),
    )
    found = re.search(r"<pre id=\"siting-probe\">(\{.*?)</pre>", result.stdout, re.S)
    assert found, f"the probe did not report:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return Visit(json.loads(html.unescape(found.group(1))), page_requests(netlog))


def page_requests(netlog: Path) -> list[str]:
    """The network URLs that pages opened from files asked for, from Chromium's NetLog.

    Requests made for a page carry its network isolation key (``file://``); Chromium's own
    background requests (updates, accounts), which the proxy also stops, carry none.
    """
    text = netlog.read_text(encoding="utf-8")
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # cut short at exit: close the event list
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params", {})
        url = params.get("url", "")
        if event["type"] != start or url.startswith(("file:", "data:", "blob:", "about:")):
            continue
        if "file://" in params.get("network_isolation_key", ""):
            urls.append(url)
    return urls


def screenshot(chromium: Path, port: int, page: Path, tmp_path: Path) -> np.ndarray:
    """Screenshot of the untouched page, kept in tests/artifacts/; RGB array."""
    from matplotlib.image import imread

    png = ARTIFACTS / f"{page.stem}.png"
    png.unlink(missing_ok=True)
    _run(chromium, port, tmp_path / f"shot-{page.stem}", f"--screenshot={png}", page.as_uri())
    assert png.exists()
    image = imread(png)
    return np.round(image[..., :3] * 255).astype(np.uint8)


def assert_not_blank(image: np.ndarray) -> None:
    assert image.shape[:2] == (WINDOW[1], WINDOW[0])
    colours, counts = np.unique(image.reshape(-1, 3), axis=0, return_counts=True)
    assert len(colours) > 200, f"only {len(colours)} colours"
    assert counts.max() / counts.sum() < 0.75, "one colour covers most of the screenshot"


def assert_works_offline(seen: Visit) -> None:
    probe = seen.probe
    assert seen.requests == [], seen.requests
    assert [r for r in probe["resources"] if not r.startswith(("data:", "file:"))] == []
    assert probe["errors"] == []
    assert probe["leaflet"] and probe["version"] == "1.9.3"


def test_default_map_works_with_no_network(chromium, closed_port, pages, default_results, tmp_path):
    seen = visit(chromium, closed_port, pages["default"], tmp_path)
    assert_works_offline(seen)
    probe, sites = seen.probe, default_results.sites
    assert probe["maps"] == 1
    assert probe["containers"] == folium_maps(pages["default"])  # drawn on folium's map
    unused = int((sites["role"] == "unused").sum())
    assert probe["sites"] + unused == len(sites) >= 25
    assert probe["candidates"] == [{"n": unused, "shown": True}]  # few: shown at every zoom
    assert probe["existing"] == int((sites["existing_mw"] > 0).sum())
    assert probe["hubs"] == len(default_results.hubs)
    assert probe["flows"] == len(default_results.flows)
    assert probe["provinces"] == len(default_results.provinces)
    # the default scenario routes over the backbone: reach and backbone layers are drawn
    shadings, overlays = LAYERS[:5], LAYERS[5:-1]
    assert probe["layerLabels"] == [
        *shadings,
        f"{LAYER_CANDIDATES} ({unused})",
        *overlays,
        LAYER_REACH,
        LAYER_BACKBONE,
        LAYERS[-1],
    ]
    ((shown,),) = probe["panelsSeen"]  # one map, one panel: open, and it leaves the map free
    assert not shown["folded"] and shown["share"] < PANEL_SHARE_MAX
    assert probe["title"] == "siting · default"
    (panel,) = probe["panels"]
    assert panel.startswith("siting · default") and "bn CNY/yr" in panel
    assert "Stranded" in panel and "optimal" in panel
    switched = probe["switched"]
    assert switched["before"].startswith("Electricity price")
    assert switched["after"].startswith("Data-centre PUE")
    assert switched["restored"] == switched["before"]
    (opened,) = probe["opened"]
    assert opened["forbidden"] == 0
    # a popup per chosen site and hub; the unused candidates have a tooltip only
    assert len(opened["popups"]) == len(sites) - unused + len(default_results.hubs)
    assert sum("candidate, not used" in t for t in opened["tooltips"]) == unused
    assert any("Serves inference to" in p and "Total" in p for p in opened["popups"])
    assert probe["pwned"] is None
    assert_country_in_view(probe)


def folium_maps(page: Path) -> list[str]:
    """The names of the Leaflet maps folium created for a page, as given in its data."""
    return [one["map"] for one in page_data(page.read_text(encoding="utf-8"))["maps"]]


def assert_country_in_view(probe: dict[str, Any]) -> None:
    """The whole mainland is in the first view, Guangdong is not under a control, no scroll."""
    for view in probe["initial"]:
        assert all(view["edges"].values()), view["edges"]
        assert view["guangzhouOnScreen"] and view["guangzhouCoveredBy"] == [], view
    scroll = probe["scroll"]
    assert scroll["width"] <= scroll["client"] and scroll["height"] <= scroll["clientHeight"]


def test_default_map_screenshot_is_not_blank(chromium, closed_port, pages, tmp_path):
    assert_not_blank(screenshot(chromium, closed_port, pages["default"], tmp_path))


def test_probe_catches_a_page_that_needs_the_network(chromium, closed_port, pages, tmp_path):
    """The CDN version must fail here: proof that the sandbox and the request log work."""
    seen = visit(chromium, closed_port, pages["cdn"], tmp_path)
    assert not seen.probe["leaflet"]
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in seen.requests


def test_comparison_page_syncs_two_maps(chromium, closed_port, pages, tmp_path):
    seen = visit(chromium, closed_port, pages["comparison"], tmp_path)
    assert_works_offline(seen)
    probe = seen.probe
    assert probe["maps"] == 2
    assert sorted(probe["containers"]) == sorted(folium_maps(pages["comparison"]))
    assert probe["views"][0] == probe["views"][1]
    assert probe["sync"] == {"zoom": 7, "lat": pytest.approx(30.5), "lng": pytest.approx(114.3)}
    assert [p.split("Total cost")[0] for p in probe["panels"]] == ["default", "with backbone"]
    assert probe["layerLabels"].count("Fibre backbone") == 1
    assert probe["layerLabels"].count("Sites") == 2
    assert_country_in_view(probe)
    assert_not_blank(screenshot(chromium, closed_port, pages["comparison"], tmp_path))


def test_hostile_names_show_as_text(chromium, closed_port, pages, tmp_path):
    seen = visit(chromium, closed_port, pages["hostile"], tmp_path)
    assert_works_offline(seen)
    probe = seen.probe
    assert probe["pwned"] is None
    assert probe["title"] == HOSTILE["title"]
    assert probe["panels"][0].startswith(HOSTILE["title"])
    assert HOSTILE["status"] in probe["panels"][0]
    (opened,) = probe["opened"]
    assert opened["forbidden"] == 0
    shown = "\n".join(opened["popups"] + opened["tooltips"])
    for key, text in HOSTILE.items():
        if key not in ("title", "status"):  # in the panel, checked above
            assert text.replace("\u2028", " ") in shown.replace("\u2028", " "), key


def test_payloads_in_every_field_run_nothing(chromium, closed_port, pages, tmp_path):
    seen = visit(chromium, closed_port, pages["payloads"], tmp_path)
    assert_works_offline(seen)
    probe = seen.probe
    assert probe["pwned"] is None
    assert probe["title"] == tagged(ALL_PAYLOADS, "scenario name")
    (panel,) = probe["panels"]
    for field in ("scenario name", "scenario description", "status"):
        assert flat(tagged(ALL_PAYLOADS, field)) in flat(panel), field
    (opened,) = probe["opened"]
    assert opened["forbidden"] == 0
    shown = flat("\n".join(opened["popups"] + opened["tooltips"]))
    for field in ("site name", "site name_zh", "site province", "site id", "hub name", "hub id"):
        assert flat(tagged(ALL_PAYLOADS, field)) in shown, field
    for field in ("province name_en", "backbone u", "backbone route"):
        assert flat(tagged(ALL_PAYLOADS, field)) in shown, field


def flat(text: str) -> str:
    """Text as compared in the browser: line and paragraph separators and runs of space as one."""
    return re.sub(r"\s+", " ", text.replace("\u2028", " ").replace("\u2029", " "))


def test_large_map_gathers_hubs(chromium, closed_port, pages, tmp_path):
    page = pages["large"]
    assert page.stat().st_size < MAX_BYTES
    seen = visit(chromium, closed_port, page, tmp_path)
    assert_works_offline(seen)
    probe = seen.probe
    assert probe["maps"] == 1 and probe["pwned"] is None
    # at the first view, 3,000 hubs are drawn as a few hundred markers at most
    assert probe["hubClusters"] > 0
    assert probe["hubs"] + probe["hubClusters"] < LARGE / 5
    assert probe["hubs"] + sum(probe["clusterCounts"]) == LARGE
    assert probe["flows"] == 0  # 3,000 flow lines start hidden
    assert "Hub SLA reach" not in probe["layerLabels"]
    assert_country_in_view(probe)
    assert_not_blank(screenshot(chromium, closed_port, page, tmp_path))


def test_county_like_map_draws_chosen_sites_above_candidates(
    chromium, closed_port, pages, tmp_path
):
    """As county-all: thousands of unused candidates never bury the sites the plan chose."""
    page = pages["county"]
    assert page.stat().st_size < MAX_BYTES
    seen = visit(chromium, closed_port, page, tmp_path)
    assert_works_offline(seen)
    probe = seen.probe
    n = LARGE + 6  # the made-up candidates and the default plan's unused ones
    assert probe["sites"] < 40  # the chosen sites only are markers
    assert probe["candidates"] == [{"n": n, "shown": False}]  # hidden at the country view
    assert probe["flows"] == 0  # 3,000 flow lines start hidden
    label = f"{LAYER_CANDIDATES} ({n:,}, from zoom {CANDIDATES_ZOOM})"
    assert label in probe["layerLabels"]
    stacking = probe["stacking"]  # zoomed in to 7 over the east: candidates show ...
    assert stacking["zoom"] == 7 and stacking["candidates"] == {"n": n, "shown": True}
    assert stacking["checked"] >= 5  # ... and no chosen site's centre is under one
    assert stacking["underCandidate"] == 0, stacking
    assert_country_in_view(probe)
    assert_not_blank(screenshot(chromium, closed_port, page, tmp_path))


def test_classic_page_panels_leave_each_map_visible(chromium, closed_port, pages, tmp_path):
    """At 1400 × 900 the five maps of a classic page are small: their panels fold to a title."""
    seen = visit(chromium, closed_port, pages["classic"], tmp_path)
    assert_works_offline(seen)
    probe = seen.probe
    assert probe["maps"] == 5 and len(probe["panelsSeen"]) == 5
    for (panel,) in probe["panelsSeen"]:
        assert panel["share"] < PANEL_SHARE_MAX or panel["folded"], panel
        assert panel["folded"] and panel["share"] < 0.05  # the title line only
        # a keyboard-operable button unfolds it (and says so) and folds it again
        assert panel["button"] and panel["tabIndex"] == 0 and panel["expanded"] == "false"
        assert panel["toggled"]["expanded"] == "true" and not panel["toggled"]["folded"]
        assert panel["toggled"]["share"] > panel["share"] and panel["restored"]
    assert all(t.startswith("default · model") for t in probe["panels"])
    assert_country_in_view(probe)
    assert_not_blank(screenshot(chromium, closed_port, pages["classic"], tmp_path))


def test_plan_added_to_a_users_folium_map_draws_offline(
    chromium, closed_port, pages, default_results, tmp_path
):
    """explore(m=...) draws siting's layers on the user's own Leaflet map, next to theirs."""
    seen = visit(chromium, closed_port, pages["composed"], tmp_path)
    assert_works_offline(seen)
    probe, sites = seen.probe, default_results.sites
    assert probe["maps"] == 1 and probe["pwned"] is None
    unused = int((sites["role"] == "unused").sum())
    assert probe["sites"] == len(sites) - unused and probe["candidates"][0]["n"] == unused
    assert probe["hubs"] == len(default_results.hubs)
    assert probe["provinces"] == 0  # no shading over the user's base layers
    assert probe["panels"][0].startswith("siting · default")
    assert "Sites by role" in " ".join(probe["legends"])
    (opened,) = probe["opened"]
    assert "my office" in [t.strip() for t in opened["tooltips"]]  # the user's own layer
    assert LAYER_CANDIDATES + f" ({unused})" in probe["layerLabels"]


def test_owner_map_draws_each_owner_layer_offline(chromium, closed_port, tmp_path):
    """The owner map of a market year: a marker per site with capacity, an overlay per owner."""
    from siting.maps.owners import make_owner_map
    from siting.market import OWNER_TYPES
    from siting.pipeline import prepare

    layers = prepare("default").layers
    table = owner_table(layers)
    table.loc[2, "name"] = HTML[0] + " \"quoted\" 'name'"  # the first site with capacity
    held = table[table["capacity_mw"] > 0]
    ARTIFACTS.mkdir(exist_ok=True)
    page = make_owner_map(table, layers, year=2024, title="siting market · owners · 2024")
    path = save_map(page, ARTIFACTS / "owners.html")
    seen = visit(chromium, closed_port, path, tmp_path)
    assert_works_offline(seen)
    probe = seen.probe
    assert probe["maps"] == 1 and probe["pwned"] is None
    assert probe["sites"] == len(held)
    counts = held["owner_type"].value_counts()
    for owner in OWNER_TYPES:
        assert f"Owner: {owner} ({counts[owner]} sites)" in probe["layerLabels"]
        assert owner in " ".join(probe["legends"])
    (opened,) = probe["opened"]
    assert opened["forbidden"] == 0 and len(opened["popups"]) == len(held)
    assert all("Utilisation" in p and "Clearing premium" in p for p in opened["popups"])
    assert any(HTML[0] in p for p in opened["popups"])  # the hostile name, as text
    assert probe["panels"][0].startswith("siting market · owners · 2024")
    assert_country_in_view(probe)
    assert_not_blank(screenshot(chromium, closed_port, path, tmp_path))
