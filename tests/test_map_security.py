"""Data never becomes code: hostile strings in every text field of every page type.

Each payload goes into every field that reaches a page (site, hub, province and backbone
names and ids, status, scenario name and description; on the classic comparison page also a
classic plan's objective kind and unit; with ``explore(column=..., tooltip=True)`` a sites
column's name and values; and on a user's own folium map, ``explore(m=...)``). Each page
must render (no template
error), show every payload literally once its JSON and HTML escapes are decoded, have
exactly the tags of a harmless page, and contain nothing a template engine would have
produced. folium renders each page's skeleton with its own templates: no template it
compiles or renders may hold a data string. tests/test_browser.py opens such a page in
Chromium; the last test here is the reproducer of issue 8 through the real command line.
"""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

from siting.horizon_run import HorizonRun, run_horizon, year_totals
from siting.horizon_tables import schedule_table
from siting.layers import Layers
from siting.maps import (
    MapPage,
    add_to,
    make_comparison_map,
    make_comparison_page,
    make_map,
    to_html,
)
from siting.maps.escape import esc
from siting.maps.horizon import YearPlan, make_plan_map
from siting.maps.owners import make_owner_map
from siting.pipeline import prepare
from siting.plots import tradeoff_html
from siting.results import Results

from .test_layers import set_cell
from .test_maps import _tags, owner_table, page_data, texts, with_reach_and_backbone

#: Runs ``id`` if it is ever rendered by Jinja (issue 8).
LIPSUM = "{{ lipsum.__globals__.os.popen(dict(id=1)|first).read()|trim }}"

TEMPLATE = [
    "{{7*7}}",
    "{{ 'siting' ~ 'pwn' }}",
    "{% for x in range(3) %}{{ x }}{% endfor %}",
    "{#",
    "{% raw %}",
    "}}{{",
    LIPSUM,
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
]
HTML = [
    "</script><script>window.__pwned=1</script>",
    "<img src=x onerror=window.__pwned=2>",
    "\"'\"' quotes",
    "back\\slash \\u003c \\",
    "line\u2028sep\u2029end",
    "<!-- <script>",
    "&amp; &lt; &#60;",
]
JS = [
    "`${window.__pwned=3}`",
    "');window.__pwned=4;//",
    '";window.__pwned=5;//',
    '\\"};window.__pwned=6;//',
]
PAYLOADS = TEMPLATE + HTML + JS

#: Every text field a page shows, as (table, column); "ids" fields are changed consistently.
FIELDS = (
    "site name",
    "site name_zh",
    "site province",
    "site cluster",
    "site id",
    "hub name",
    "hub id",
    "province name_en",
    "province name_zh",
    "backbone u",
    "backbone v",
    "backbone route",
    "status",
    "scenario name",
    "scenario description",
)


def tagged(payload: str, field: str) -> str:
    return f"{payload}·{field}"


def hostile(results: Results, payload: str) -> Results:
    """The plan with ``payload`` in every text field (ids renamed everywhere they occur)."""
    results = with_reach_and_backbone(results)
    sites, hubs, flows = results.sites.copy(), results.hubs.copy(), results.flows.copy()
    reach, backbone = results.reach.copy(), results.backbone.copy()
    provinces = results.provinces.copy()
    for column in ("name", "name_zh", "province", "cluster"):
        sites[column] = sites[column].astype(object)
        sites.loc[0, column] = tagged(payload, f"site {column}")
    site_id = tagged(payload, "site id")
    sites.loc[1, "name"] = None  # shown by its id
    old_site = sites.loc[1, "site_id"]
    sites.loc[1, "site_id"] = site_id
    flows.loc[flows["site_id"] == old_site, "site_id"] = site_id
    hubs["name"] = hubs["name"].astype(object)
    hubs.loc[0, "name"] = tagged(payload, "hub name")
    hubs.loc[1, "name"] = None
    old_hub, hub_id = hubs.loc[1, "hub_id"], tagged(payload, "hub id")
    for frame in (hubs, flows, reach):
        frame.loc[frame["hub_id"] == old_hub, "hub_id"] = hub_id
    for column in ("name_en", "name_zh"):
        provinces.loc[0, column] = tagged(payload, f"province {column}")
    for column in ("u", "v", "route"):
        backbone[column] = backbone[column].astype(object)
        backbone.loc[0, column] = tagged(payload, f"backbone {column}")
    kpis = {**results.kpis, "status": tagged(payload, "status")}
    return dataclasses.replace(
        results,
        sites=sites,
        hubs=hubs,
        flows=flows,
        reach=reach,
        backbone=backbone,
        provinces=provinces,
        kpis=kpis,
    )


def with_column(results: Results, payload: str) -> Results:
    """The plan with one more sites column, its name and values holding ``payload``."""
    sites = results.sites.copy()
    sites[tagged(payload, "site column")] = tagged(payload, "site value")
    return dataclasses.replace(results, sites=sites)


def pages(results: Results, payload: str) -> dict[str, str]:
    """Every page type with ``payload`` in every field."""
    bad = hostile(results, payload)
    name, about = tagged(payload, "scenario name"), tagged(payload, "scenario description")
    single = make_map(bad, title=name, description=about)
    column = tagged(payload, "site column")
    return {
        "map": to_html(single),
        # explore(column=..., tooltip=True): a legend of the column's values, tooltip tables
        "columns": to_html(
            make_map(
                with_column(bad, payload),
                title=name,
                description=about,
                column=column,
                tooltip=True,
            )
        ),
        "comparison": to_html(
            make_comparison_map(bad, bad, titles=(name, name), descriptions=(about, about))
        ),
        "classic": to_html(  # siting classic's page: a cost plan beside classic models
            make_comparison_page(
                [bad, classic(bad, payload), classic(bad, payload)],
                titles=[name] * 3,
                descriptions=[about] * 3,
            )
        ),
        "notebook": html.unescape(
            re.search(r'srcdoc="([^"]*)"', single._repr_html_()).group(1)  # type: ignore[union-attr]
        ),
    }


def classic(results: Results, payload: str) -> Results:
    """The plan as a classic model's, its objective kind and unit holding ``payload``."""
    kpis = {
        **results.kpis,
        "objective_kind": tagged(payload, "objective kind"),
        "objective_value": 1.5,
        "objective_unit": tagged(payload, "objective unit"),
    }
    return dataclasses.replace(results, kpis=kpis)


@pytest.fixture(scope="module")
def results(default_results) -> Results:
    return default_results


@pytest.fixture(scope="module")
def default_results() -> Results:
    from siting.pipeline import optimize

    return optimize(write=False).results


@pytest.fixture(scope="module")
def harmless(results) -> dict[str, str]:
    return pages(results, "harmless")


def fragment_markup(page: str) -> tuple[set[str], set[str]]:
    """The tags and attributes of every HTML fragment in a page's data (as innerHTML sees)."""
    tags, attributes = set(), set()
    for text in raw_strings(page_data(page)):
        parsed = _tags(text)
        tags |= set(parsed.tags) | ({"<!--"} if "<!--" in text else set())
        attributes |= parsed.attributes
    return tags, attributes


def raw_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in raw_strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in raw_strings(v)]
    return []


def assert_inert(page: str, harmless: str, payload: str, fields: Sequence[str] = FIELDS) -> None:
    assert "uid=" not in page and "sitingpwn" not in page
    shown = set(texts(page_data(page)))
    for field in fields:
        value = tagged(payload, field)
        if field == "scenario name" and "<title>" in harmless:
            title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)  # type: ignore[union-attr]
            assert value in html.unescape(title)
        assert any(value in text for text in shown), field
    # Nothing became a tag, an attribute or a script: the structure is the harmless page's.
    ours, theirs = _tags(harmless), _tags(page)
    assert theirs.tags == ours.tags
    assert theirs.attributes == ours.attributes
    assert len(theirs.scripts) == len(ours.scripts)
    # ... and the HTML the page's script hands to the browser holds no new markup either.
    assert fragment_markup(page) == fragment_markup(harmless)


def composed(results: Results, payload: str) -> str:
    """A user's folium map with the hostile plan added (``Plan.explore(m=...)``), rendered."""
    import folium

    bad = with_column(hostile(results, payload), payload)
    fmap = folium.Map()
    add_to(
        fmap,
        bad,
        title=tagged(payload, "scenario name"),
        column=tagged(payload, "site column"),
        tooltip=True,
    )
    return fmap.get_root().render()


#: What a page composed on a user's map shows: no province shading, no scenario description.
COMPOSED_FIELDS = tuple(
    f for f in FIELDS if not f.startswith("province") and f != "scenario description"
)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_on_a_users_folium_map_stays_text(results, payload) -> None:
    page = composed(results, payload)
    assert "<title>" not in page  # the user's page: the scenario name shows in the panel
    assert_inert(page, composed(results, "harmless"), payload, COMPOSED_FIELDS)
    shown = "".join(texts(page_data(page)))
    for field in ("site column", "site value"):
        assert tagged(payload, field) in shown


@pytest.mark.parametrize("payload", [LIPSUM, "{{7*7}}"])
def test_no_template_holds_data_added_to_a_users_map(results, monkeypatch, payload) -> None:
    """The data joins the user's folium page as text: no template folium compiles holds it."""
    seen = record_templates(monkeypatch)
    page = composed(results, payload)
    sources = [text for text in seen if not text.startswith("<!DOCTYPE html>")]
    assert any("L.map(" in source for source in sources)
    for source in sources:
        assert tagged(payload, "site name") not in source and payload not in source
    assert tagged(payload, "site name") in texts(page_data(page))
    assert "uid=" not in page


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_every_field_stays_text(results, harmless, payload) -> None:
    for kind, page in pages(results, payload).items():
        assert_inert(page, harmless[kind], payload)
        if kind == "columns":  # a sites column's name and values: legend and tooltips
            shown = "".join(texts(page_data(page)))
            assert tagged(payload, "site column") in shown
            assert tagged(payload, "site value") in shown
        if kind == "classic":  # a classic plan's panel shows its objective's kind and unit
            shown = "".join(texts(page_data(page)))
            assert tagged(payload, "objective kind") in shown
            assert tagged(payload, "objective unit") in shown


@pytest.mark.parametrize("payload", PAYLOADS)
def test_tradeoff_chart_shows_payload_as_text(tmp_path, payload) -> None:
    table = pd.DataFrame(
        {
            payload: [8.0, 10.0, 12.0],
            "status": ["optimal", "optimal", "infeasible"],
            "total_cost_cny": [2e10, 1.8e10, float("nan")],
            "stranded_mw": [10.0, 5.0, float("nan")],
            "new_mw": [100.0, 90.0, float("nan")],
            "mean_rtt_ms": [4.0, 5.0, float("nan")],
            "reason": ["", "", tagged(payload, "reason")],
        }
    )
    title = tagged(payload, "title")
    page = tradeoff_html(table, payload, tmp_path / "t.html", title=title).read_text()
    harmless = tradeoff_html(
        table.rename(columns={payload: "p"}).assign(reason=["", "", "r"]),
        "p",
        tmp_path / "h.html",
        title="t",
    ).read_text()
    parsed, plain = _tags(page), _tags(harmless)
    assert parsed.tags == plain.tags and parsed.attributes == plain.attributes
    assert parsed.scripts == []
    text = html.unescape(page)
    assert f"<title>{title}</title>" in text
    assert tagged(payload, "reason") in text
    assert "uid=" not in page and "sitingpwn" not in page


def record_templates(monkeypatch) -> list[str]:
    """Record every Jinja source compiled and every branca figure rendered from now on.

    folium renders every page meanwhile, also those shipped rendered (which it rendered from
    constants, see siting.maps.skeleton).
    """
    import branca.element
    import jinja2

    from siting.maps import skeleton

    monkeypatch.setattr(skeleton, "_shipped", dict)
    seen: list[str] = []
    compile_, render = jinja2.Environment.compile, branca.element.Figure.render

    def compiling(self, source, *args, **kwargs):
        seen.append(str(source))
        return compile_(self, source, *args, **kwargs)

    def rendering(self, **kwargs) -> str:
        seen.append(render(self, **kwargs))
        return seen[-1]

    monkeypatch.setattr(jinja2.Environment, "compile", compiling)
    monkeypatch.setattr(branca.element.Figure, "render", rendering)
    return seen


@pytest.mark.parametrize("payload", [LIPSUM, "{{7*7}}"])
def test_no_template_holds_data(results, monkeypatch, payload) -> None:
    """folium and branca see no data: no template source nor rendered element holds any."""
    seen = record_templates(monkeypatch)
    rendered = pages(results, payload)
    figures = [text for text in seen if text.startswith("<!DOCTYPE html>")]
    assert len(figures) == 5  # map, columns, comparison, classic, notebook: each by folium
    assert any("L.map(" in source for source in seen)  # branca compiled folium's map script
    bad = hostile(results, payload)
    names = {
        str(name)
        for frame, columns in (
            (bad.sites, ("site_id", "name", "name_zh", "province", "cluster")),
            (bad.hubs, ("hub_id", "name")),
            (bad.provinces, ("name_en", "name_zh")),
            (bad.backbone, ("u", "v", "route")),
        )
        for column in columns
        for name in frame[column].dropna()
    }
    data = names | {tagged(payload, field) for field in FIELDS} | {payload}
    assert {tagged(payload, field) for field in FIELDS} <= data
    for source in seen:
        found = sorted(d for d in data if d in source)
        assert found == [], found[:5]
    for kind, page in rendered.items():  # ... and the data did reach each page, as JSON
        assert tagged(payload, "site name") in texts(page_data(page)), kind


def hostile_copy(data_copy, about: str, names: list[str]) -> Path:
    """The copied scenario described by ``about``, its first sites named ``names``."""
    scenario = data_copy.scenario
    text = scenario.read_text(encoding="utf-8")
    start = text.index("\ndescription = ") + 1
    end = text.index("\n", start)
    scenario.write_text(f"{text[:start]}description = '{about}'{text[end:]}", encoding="utf-8")

    def rename(text: str) -> str:
        for row, name in enumerate(names):
            text = set_cell(text, row, "name", name)
        return text

    data_copy("sites.csv", rename)
    return scenario


def test_issue_8_reproducer_through_the_cli(data_copy) -> None:
    """A site named with a Jinja payload: the map shows the name and runs nothing."""
    quoted = "it's \"quoted\" {% raw %} {{ '"
    about = "{{ 7*7 }} {{ lipsum.__globals__ }} <b>description</b>"
    scenario = hostile_copy(data_copy, about, [LIPSUM, "{{ 7*7 }}", quoted])
    out, maps = data_copy.folder / "out", data_copy.folder / "maps"
    options = ("--out", str(out), "--maps", str(maps), "--quiet")
    run = subprocess.run(
        [sys.executable, "-m", "siting", "optimize", str(scenario), *options],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr and "TemplateSyntaxError" not in run.stderr
    page = (maps / "copy.html").read_text(encoding="utf-8")
    assert "uid=" not in page
    (data,) = page_data(page)["maps"]
    assert f'<div class="folium-map siting-map" id="{data["map"]}" ></div>' in page  # folium's
    labels = {html.unescape(s["label"]) for s in data["sites"]}
    assert {LIPSUM, "{{ 7*7 }}", quoted} <= labels
    assert "49" not in "".join(labels)
    assert f"<div class='siting-desc'>{esc(about)}</div>" in data["panel"]  # the description


# --- the year map of `siting plan` ----------------------------------------------------------

#: Every text field the year map shows (the plan map has no backbone, flows or name_zh).
PLAN_FIELDS = (
    "site name",
    "site province",
    "site id",
    "hub name",
    "hub id",
    "province name_en",
    "province name_zh",
    "class name",
    "status",
    "scenario name",
    "scenario description",
)


def plan_scenario(folder: Path) -> Path:
    """Write ``h.toml``: the default sites planned over 2024-2026, one-year lead time."""
    scenario = folder / "h.toml"
    scenario.write_text(
        'extends = "default"\nname = "h"\nclasses = {}\n\n[horizon]\nyears = [2024, 2025, 2026]\n'
        "lead_time_years = 1\nstandby_cny_per_mw_year = 1e6\n"
    )
    return scenario


def small_plan(folder: Path) -> HorizonRun:
    """``h.toml`` planned with both foresights, nothing written."""
    return run_horizon(plan_scenario(folder), compare=True, write=False)


def hostile_plan(run: HorizonRun, payload: str) -> MapPage:
    """The year map of ``run`` with ``payload`` in every text field it shows."""
    assert run.layers is not None and run.other is not None
    layers = run.layers
    sites, hubs, provinces = layers.sites.copy(), layers.hubs.copy(), layers.provinces.copy()
    for column in ("name", "province", "site_id"):
        sites[column] = sites[column].astype(object)
    sites.loc[0, "name"] = tagged(payload, "site name")
    sites.loc[0, "province"] = tagged(payload, "site province")
    sites.loc[1, "name"] = None  # shown by its id
    sites.loc[1, "site_id"] = tagged(payload, "site id")
    for column in ("name", "hub_id"):
        hubs[column] = hubs[column].astype(object)
    hubs.loc[0, "name"] = tagged(payload, "hub name")
    hubs.loc[1, "name"] = None
    hubs.loc[1, "hub_id"] = tagged(payload, "hub id")
    for column in ("name_en", "name_zh"):
        provinces.loc[0, column] = tagged(payload, f"province {column}")
    layers = dataclasses.replace(layers, sites=sites, hubs=hubs, provinces=provinces)
    old = str(run.horizon.classes[0])
    classes = run.horizon.classes.astype(object)
    classes[0] = tagged(payload, "class name")
    horizon = dataclasses.replace(run.horizon, classes=classes)
    plans = []
    for sol in (run.solution, run.other):
        table = schedule_table(run.horizon, sol)
        totals = year_totals(run.horizon, sol, table)
        table["accelerator_class"] = table["accelerator_class"].replace(
            old, tagged(payload, "class name")
        )
        status = tagged(payload, "status")
        plans.append(YearPlan(dataclasses.replace(sol, status=status), table, totals))
    return make_plan_map(
        horizon,
        plans,
        layers,
        title=tagged(payload, "scenario name"),
        description=tagged(payload, "scenario description"),
    )


@pytest.fixture(scope="module")
def plan_run(tmp_path_factory) -> HorizonRun:
    return small_plan(tmp_path_factory.mktemp("plan"))


@pytest.fixture(scope="module")
def harmless_plan(plan_run) -> str:
    return to_html(hostile_plan(plan_run, "harmless"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_every_plan_map_field_stays_text(plan_run, harmless_plan, payload) -> None:
    page = to_html(hostile_plan(plan_run, payload))
    assert_inert(page, harmless_plan, payload, PLAN_FIELDS)


@pytest.mark.parametrize("payload", [LIPSUM, "{{7*7}}"])
def test_no_template_holds_plan_map_data(plan_run, monkeypatch, payload) -> None:
    """folium and branca see no name of the year map either."""
    seen = record_templates(monkeypatch)
    assert_no_template_holds(hostile_plan(plan_run, payload), seen, payload, PLAN_FIELDS)


def assert_no_template_holds(
    page: MapPage, seen: list[str], payload: str, fields: Sequence[str]
) -> None:
    """folium rendered ``page`` (templates recorded in ``seen``) and saw none of its data."""
    text = to_html(page)
    assert [t for t in seen if t.startswith("<!DOCTYPE html>")]  # folium rendered the page
    data = {tagged(payload, field) for field in fields} | {payload}
    for source in seen:
        assert [d for d in data if d in source] == []
    assert tagged(payload, "site name") in texts(page_data(text))


# --- the owner map of `siting market` -----------------------------------------------------

#: Every text field the owner map shows.
OWNER_FIELDS = (
    "site name",
    "site province",
    "site id",
    "province name_en",
    "province name_zh",
    "scenario name",
    "scenario description",
)


@pytest.fixture(scope="module")
def owner_layers() -> Layers:
    return prepare("default").layers


def hostile_owners(layers: Layers, payload: str) -> MapPage:
    """The owner map of a made-up year with ``payload`` in every text field it shows."""
    table = owner_table(layers, empty=0)
    for column in ("name", "province", "site_id"):
        table[column] = table[column].astype(object)
    table.loc[0, "name"] = tagged(payload, "site name")
    table.loc[0, "province"] = tagged(payload, "site province")
    table.loc[1, "name"] = None  # shown by its id
    table.loc[1, "site_id"] = tagged(payload, "site id")
    provinces = layers.provinces.copy()
    for column in ("name_en", "name_zh"):
        provinces.loc[0, column] = tagged(payload, f"province {column}")
    return make_owner_map(
        table,
        dataclasses.replace(layers, provinces=provinces),
        year=2024,
        title=tagged(payload, "scenario name"),
        description=tagged(payload, "scenario description"),
    )


@pytest.fixture(scope="module")
def harmless_owners(owner_layers) -> str:
    return to_html(hostile_owners(owner_layers, "harmless"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_every_owner_map_field_stays_text(owner_layers, harmless_owners, payload):
    page = to_html(hostile_owners(owner_layers, payload))
    assert_inert(page, harmless_owners, payload, OWNER_FIELDS)


@pytest.mark.parametrize("payload", [LIPSUM, "{{7*7}}"])
def test_no_template_holds_owner_map_data(owner_layers, monkeypatch, payload) -> None:
    """folium and branca see no name of the owner map either."""
    seen = record_templates(monkeypatch)
    assert_no_template_holds(hostile_owners(owner_layers, payload), seen, payload, OWNER_FIELDS)


def test_classic_page_through_the_cli(data_copy) -> None:
    """siting classic on hostile site names and description: its page shows them as text."""
    about = "{{ 7*7 }} <b>description</b> </script>"
    scenario = hostile_copy(data_copy, about, [LIPSUM, HTML[0]])
    out, maps = data_copy.folder / "out", data_copy.folder / "maps"
    options = ("--out", str(out), "--maps", str(maps), "--quiet", "--sites", "3")
    run = subprocess.run(
        [sys.executable, "-m", "siting", "classic", str(scenario), *options, "--kinds", "p-median"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    page = (maps / "classic-copy-p3-p-median.html").read_text(encoding="utf-8")
    assert "uid=" not in page and HTML[0] not in page  # only escaped, inside the JSON
    maps_data = page_data(page)["maps"]
    assert len(maps_data) == 2
    labels = {html.unescape(s["label"]) for m in maps_data for s in m["sites"]}
    assert LIPSUM in labels or HTML[0] in labels  # an open site's name, as text
