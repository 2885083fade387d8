"""The year map of ``siting plan``: every year's figures, the year control, offline, atomic.

The page's JSON must hold every year of the horizon with the figures of ``schedule.csv``
(summed over classes per site) and ``summary.json``; the year control must be there and work
in a browser (Chromium, as tests/test_browser.py, when installed); nothing is written on bad
input or a failure, and ``--no-map`` writes no map. Hostile names: tests/test_map_security.py.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from siting.cli import main
from siting.errors import InputError
from siting.maps import to_html
from siting.maps.horizon import SITE_FIELDS, TOTALS, entering_service, make_plan_map

from .test_browser import (
    ARTIFACTS,
    PROBE,
    Visit,
    _run,
    assert_country_in_view,
    assert_not_blank,
    assert_works_offline,
    page_requests,
    screenshot,
)
from .test_browser import (
    chromium as browser,  # noqa: F401 (a fixture)
)
from .test_browser import (
    closed_port as refused_port,  # noqa: F401 (a fixture)
)
from .test_map_security import PAYLOADS, hostile_plan, plan_scenario, small_plan, tagged
from .test_maps import MAX_BYTES, REMOTE_TAG, _tags, page_data

YEARS = [2024, 2025, 2026]
F = {name: i for i, name in enumerate(SITE_FIELDS)}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """``siting plan h --compare --year 2025`` through the command line: its folders."""
    folder = tmp_path_factory.mktemp("plan-map")
    out, maps = folder / "out", folder / "maps"
    argv = ["plan", str(plan_scenario(folder)), "--out", str(out), "--maps", str(maps)]
    assert main([*argv, "--compare", "--year", "2025", "--quiet"]) == 0
    return out / "h-plan", maps / "plan-h.html"


@pytest.fixture(scope="module")
def data(written) -> dict:
    return page_data(written[1].read_text(encoding="utf-8"))


def test_plan_writes_its_map_beside_the_tables(written) -> None:
    folder, page = written
    assert (folder / "schedule.csv").exists() and page.exists()
    assert [p.name for p in page.parent.iterdir()] == ["plan-h.html"]  # no temporary left


def test_every_year_holds_the_schedule(written, data, plan_run_3y) -> None:
    folder, _ = written
    schedule = pd.read_csv(folder / "schedule.csv")
    years = data["years"]
    assert years["years"] == YEARS and years["start"] == 1  # --year 2025 first
    assert years["fields"] == list(SITE_FIELDS)
    first, second = data["maps"]  # --compare: the scenario's foresight, then the other
    assert len(first["plan"]) == len(second["plan"]) == len(YEARS)
    site_ids = plan_run_3y.horizon.base.sites.ids  # the page's sites, in this order
    assert len(first["sites"]) == len(site_ids)
    columns = ["installed_mw", "existing_mw", "new_in_service_mw", "ordered_mw", "training_mw",
               "inference_mw", "stranded_mw", "stranded_capital_bn_cny"]  # fmt: skip
    expected = schedule.groupby(["year", "site_id"])[columns].sum()
    seen = 0
    for t, year in enumerate(YEARS):
        rows = first["plan"][t]
        assert len(rows) == (schedule["year"] == year).groupby(schedule["site_id"]).any().sum()
        for row in rows:
            sid = site_ids[row[F["site"]]]
            for column in columns:
                assert row[F[column]] == pytest.approx(expected.loc[(year, sid), column], abs=1e-3)
            classes = row[len(SITE_FIELDS)]
            assert sum(c[1] + c[2] for c in classes) == pytest.approx(
                row[F["installed_mw"]], abs=1e-3
            )
            seen += 1
    assert seen == len(schedule.groupby(["year", "site_id"]))
    summary = json.loads((folder / "summary.json").read_text())
    plans = years["totals"]["plans"]
    assert [p["foresight"] for p in plans] == [summary["foresight"], "myopic"]
    for t, row in enumerate(summary["by_year"]):
        for i, (key, _, _) in enumerate(TOTALS):
            assert plans[0]["values"][t][i] == pytest.approx(row[key], abs=1e-3)


def test_new_builds_enter_service_after_the_lead_time(plan_run_3y) -> None:
    h, sol = plan_run_3y.horizon, plan_run_3y.solution
    entering = entering_service(h, sol.order)
    lead = int(h.lead[0])
    assert (entering[:, :, :lead] == 0).all()
    np.testing.assert_array_equal(entering[:, :, lead:], sol.order[:, :, : h.n_years - lead])


@pytest.fixture(scope="module")
def plan_run_3y(tmp_path_factory):
    return small_plan(tmp_path_factory.mktemp("plan-3y"))


def test_page_has_the_year_control_and_layers(written, data) -> None:
    page = written[1].read_text(encoding="utf-8")
    assert "var sitingExtensions" in page and "siting-slider" in page  # years.js, inlined
    assert ".siting-year {" in page  # years.css
    assert page.index("var sitingExtensions") < page.index("var sitingLib")
    for one in data["maps"]:
        kinds = [spec["kind"] for spec in one["layers"]]
        assert {"planSites", "planBuilds", "hubs", "choropleth"} <= set(kinds)
        assert all(len(hub["y"]) == len(YEARS) for hub in one["hubs"])
    labels = [html.unescape(s) for s in texts_of(data["maps"][0]["legend"]["key"])]
    assert any("idle (stranded)" in t for t in labels)


def texts_of(fragment: str) -> list[str]:
    return re.findall(r">([^<>]+)<", fragment)


def test_plan_map_is_offline(written) -> None:
    page = written[1].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=", page, re.I)
    assert REMOTE_TAG.search(page) is None
    assert "Leaflet 1.9.3" in page
    assert len(page.encode("utf-8")) < MAX_BYTES
    ours = page.split('<script type="application/json" id="siting-data">', 1)[1]
    assert not re.search(r"https?://", ours)  # data, years.js and siting.js name no URL


def test_no_map_writes_no_map(tmp_path, capsys) -> None:
    out, maps = tmp_path / "out", tmp_path / "maps"
    argv = ["plan", str(plan_scenario(tmp_path)), "--out", str(out), "--maps", str(maps)]
    assert main([*argv, "--no-map", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["map"] is None and (out / "h-plan" / "schedule.csv").exists()
    assert not maps.exists()


def test_bad_input_writes_nothing(tmp_path, capsys) -> None:
    out, maps = tmp_path / "out", tmp_path / "maps"
    argv = ["plan", str(plan_scenario(tmp_path)), "--out", str(out), "--maps", str(maps)]
    assert main([*argv, "--year", "2031"]) == 2
    assert "--year" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert main([*argv[:-1], str(tmp_path / "file")]) == 2
    err = capsys.readouterr().err
    assert "--maps" in err and "Traceback" not in err
    assert not out.exists() and not maps.exists()


def test_a_failing_map_leaves_earlier_outputs(tmp_path, monkeypatch, capsys) -> None:
    import siting.io.folders

    out, maps = tmp_path / "out", tmp_path / "maps"
    argv = ["plan", str(plan_scenario(tmp_path)), "--out", str(out), "--maps", str(maps), "--quiet"]
    assert main(argv) == 0
    before = (maps / "plan-h.html").read_bytes(), (out / "h-plan" / "schedule.csv").read_bytes()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(siting.io.folders, "save_map", broken)
    with pytest.raises(OSError, match="No space"):
        main([*argv, "--year", "2024"])
    after = (maps / "plan-h.html").read_bytes(), (out / "h-plan" / "schedule.csv").read_bytes()
    assert after == before
    assert sorted(p.name for p in maps.iterdir()) == ["plan-h.html"]
    assert sorted(p.name for p in out.iterdir()) == ["h-plan"]


def test_hubs_show_each_year_demand_and_flows(plan_run_3y) -> None:
    h = plan_run_3y.horizon
    plans = (plan_run_3y.solution, plan_run_3y.other)
    for one, sol in zip(plan_run_3y.map().data["maps"], plans, strict=True):
        served = np.zeros((h.base.n_hubs, h.n_years))
        np.add.at(served, h.base.pairs.hub, sol.serve)
        for i, hub in enumerate(one["hubs"]):
            for t, (demand, rtt, n, flows) in enumerate(hub["y"]):
                assert demand == pytest.approx(h.demand[i, t], abs=0.01)
                assert sum(f[1] for f in flows) == pytest.approx(served[i, t], abs=0.05)
                assert n == len(flows) and (rtt is None) == (not flows)


def test_plan_run_map_for_notebooks(plan_run_3y) -> None:
    page = plan_run_3y.map(year=2024)
    assert page.data["years"]["start"] == 0 and len(page.data["maps"]) == 2
    assert "<iframe srcdoc=" in page._repr_html_()
    with pytest.raises(ValueError, match="year"):
        make_plan_map(plan_run_3y.horizon, [], plan_run_3y.layers, title="t")
    with pytest.raises(InputError, match=r"year of the horizon \(2024-2026\)"):
        plan_run_3y.map(year=2030)


# --- in a browser ----------------------------------------------------------------------------

#: Runs after load, before tests/browser.js reports: uses the year control like a person
#: would (buttons, keys, slider, play) and records the year and the markers drawn each time.
YEAR_PROBE = """
(function () {
  function report(out) {
    var pre = document.createElement("pre");
    pre.id = "siting-year-probe";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }
  window.addEventListener("load", function () { setTimeout(function () {
    var out = {controls: document.querySelectorAll(".siting-years").length, steps: []};
    var c = document.querySelector(".siting-years");
    function q(sel) { return c.querySelector(sel); }
    function state(what) {
      out.steps.push({what: what, year: q(".siting-year").textContent,
        slider: q(".siting-slider").value,
        sites: document.querySelectorAll(".leaflet-marker-icon.siting-plan-site").length,
        builds: document.querySelectorAll(".leaflet-marker-icon.siting-build").length,
        flows: document.querySelectorAll("path.siting-flow").length,
        hubs: document.querySelectorAll(".leaflet-marker-icon.siting-hub").length,
        prevDisabled: q(".siting-prev").disabled, nextDisabled: q(".siting-next").disabled,
        totals: q(".siting-totals").textContent});
    }
    state("start");
    q(".siting-prev").click(); state("prev");
    var next = q(".siting-next");
    next.focus();
    out.focusable = document.activeElement === next;
    next.dispatchEvent(new KeyboardEvent("keydown", {key: "End", bubbles: true})); state("End");
    var slider = q(".siting-slider");
    slider.value = "1";
    slider.dispatchEvent(new Event("input", {bubbles: true})); state("slider");
    out.labels = Array.prototype.map.call(c.querySelectorAll("button, input"), function (e) {
      return [e.tagName, e.getAttribute("aria-label"), e.tabIndex];
    });
    out.live = q(".siting-year").getAttribute("aria-live");
    var site = null;
    window.sitingExtensions.state.maps[0].eachLayer(function (l) {
      if (!site && l.getPopup && l.getPopup() && l.getElement && l.getElement() &&
          l.getElement().classList.contains("siting-plan-site")) { site = l; }
    });
    site.openPopup(); out.popup = site.getPopup().getElement().textContent; site.closePopup();
    q(".siting-play").click();
    out.pressed = q(".siting-play").getAttribute("aria-pressed");
    setTimeout(function () { state("played"); report(out); }, 1300);
  }, 100); });
})();
"""


def visit_years(chromium_path, port, page, tmp_path) -> tuple[Visit, dict]:
    """Open a copy of ``page`` with both probes; return what each saw."""
    probed = tmp_path / f"{page.stem}.probed.html"
    text = page.read_text(encoding="utf-8")
    probes = f"<head><script>{PROBE}</script><script>{YEAR_PROBE}</script>"
    probed.write_text(text.replace("<head>", probes, 1), "utf-8")
    netlog = tmp_path / f"{page.stem}.netlog.json"
    profile = tmp_path / f"profile-{page.stem}"
    result = _run(
        chromium_path, port, profile, f"--log-net-log={netlog}", "--dump-dom", probed.as_uri()
    )
    found = {
        name: re.search(rf"<pre id=\"{name}\">(\{{.*?)</pre>", result.stdout, re.S)
        for name in ("siting-probe", "siting-year-probe")
    }
    assert all(found.values()), result.stdout[-2000:]
    probe, years = (json.loads(html.unescape(m.group(1))) for m in found.values())  # type: ignore[union-attr]
    return Visit(probe, page_requests(netlog)), years


def _drawn(one: dict, t: int) -> tuple[int, int, int]:
    """Site and new-build markers and flow lines a map draws in year index ``t``."""
    rows = one["plan"][t]
    sites = sum(r[F["installed_mw"]] > 1e-6 for r in rows)
    builds = sum((r[F["entering_mw"]] > 1e-6) + (r[F["ordered_mw"]] > 1e-6) for r in rows)
    return sites, builds, sum(len(hub["y"][t][3]) for hub in one["hubs"])


def test_year_control_in_a_browser(browser, refused_port, written, data, tmp_path) -> None:  # noqa: F811
    page = written[1]
    seen, years = visit_years(browser, refused_port, page, tmp_path)
    assert_works_offline(seen)
    assert seen.probe["maps"] == 2 and seen.probe["pwned"] is None
    assert_country_in_view(seen.probe)
    assert years["controls"] == 1 and years["focusable"] and years["live"] == "polite"
    assert all(label and tab >= 0 for _, label, tab in years["labels"])
    assert {label for _, label, _ in years["labels"]} >= {"Previous year", "Next year", "Year"}
    steps = {s["what"]: s for s in years["steps"]}
    expected = {"start": 1, "prev": 0, "End": 2, "slider": 1, "played": 2}
    for what, t in expected.items():
        step = steps[what]
        assert step["year"] == str(YEARS[t]) and step["slider"] == str(t), what
        totals = [_drawn(one, t) for one in data["maps"]]
        assert step["sites"] == sum(s for s, _, _ in totals), what
        assert step["builds"] == sum(b for _, b, _ in totals), what
        assert step["flows"] == sum(f for _, _, f in totals) > 0, what
        assert step["hubs"] == 2 * len(data["maps"][0]["hubs"])
        assert f"National, {YEARS[t]}" in step["totals"] and "myopic" in step["totals"]
    assert steps["prev"]["prevDisabled"] and steps["End"]["nextDisabled"]
    assert years["pressed"] == "true"
    assert "Installed" in years["popup"] and " MW" in years["popup"]
    assert "bn CNY" in years["popup"] and "2025" in years["popup"]
    ARTIFACTS.mkdir(exist_ok=True)
    assert_not_blank(screenshot(browser, refused_port, page, tmp_path))


def test_plan_map_payloads_run_nothing_in_a_browser(browser, refused_port, tmp_path) -> None:  # noqa: F811
    everything = " ".join(PAYLOADS)
    run = small_plan(tmp_path)
    page = tmp_path / "payloads.html"
    page.write_text(to_html(hostile_plan(run, everything)), encoding="utf-8")
    assert _tags(page.read_text()).scripts  # a real page
    seen, years = visit_years(browser, refused_port, page, tmp_path)
    assert_works_offline(seen)
    assert seen.probe["pwned"] is None
    assert seen.probe["title"] == tagged(everything, "scenario name")
    (opened, _) = seen.probe["opened"]
    assert opened["forbidden"] == 0
    shown = " ".join(opened["popups"] + opened["tooltips"] + seen.probe["panels"])
    flat = re.sub(r"\s+", " ", shown.replace("\u2028", " ").replace("\u2029", " "))
    for field in ("site name", "site province", "hub name", "province name_en", "status"):
        want = re.sub(r"\s+", " ", tagged(everything, field).replace("\u2028", " ")
                      .replace("\u2029", " "))  # fmt: skip
        assert want in flat, field
    assert years["steps"][-1]["year"] == str(YEARS[-1])
