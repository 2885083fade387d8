"""The public API: cheap import, plans as GeoDataFrames, offline maps, files, provenance."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
import pytest

import siting
from siting.io import write_geoparquet
from siting.provenance import display_path
from siting.results import located_sites

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def plan() -> siting.Plan:
    return siting.optimize()


def test_import_is_cheap_and_names_load_on_use() -> None:
    code = (
        "import sys, siting\n"
        "heavy = [m for m in ('geopandas', 'pandas', 'pulp', 'numpy', 'folium') "
        "if m in sys.modules]\n"
        "assert heavy == [], heavy\n"
        "assert callable(siting.optimize) and 'geopandas' in sys.modules\n"
        "print(sorted(siting.__all__))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for name in ("optimize", "load_scenario", "audit", "Plan", "Scenario", "settings"):
        assert name in done.stdout
    for name in siting.__all__:
        assert getattr(siting, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = siting.nope


def test_plan_tables_are_geodataframes(plan) -> None:
    for frame, kind in ((plan.sites, "Point"), (plan.flows, "LineString"), (plan.hubs, "Point")):
        assert isinstance(frame, gpd.GeoDataFrame) and frame.crs == "EPSG:4326"
        assert set(frame.geom_type) == {kind}
    assert plan.status == "optimal"
    assert plan.sites["cost_total_cny"].sum() == pytest.approx(plan.kpis["total_cost_cny"])
    assert re.match(r"<Plan 'default': optimal, [\d.,]+ bn CNY/yr", repr(plan))


def test_explore_is_an_offline_iframe(plan) -> None:
    view = plan.explore(height=500)
    frame = view._repr_html_()
    match = re.fullmatch(r'<iframe srcdoc="([^"]*)" style="[^"]*500px[^"]*" sandbox="[^"]*">'
                         r"</iframe>", frame)  # fmt: skip
    assert match, frame[:200]
    assert html.unescape(match.group(1)) == view.page
    assert "L.map(" in view.page and "<script src=" not in view.page
    assert not re.search(r"cdn\.jsdelivr|unpkg|cdnjs|code\.jquery|openstreetmap", view.page)


def test_to_file_writes_every_format_at_full_precision(plan, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = plan.to_file(tmp_path / "out" / "default")
    names = sorted(p.name for p in folder.iterdir())
    for table in ("sites", "flows", "hubs"):
        assert {f"{table}.csv", f"{table}.geojson", f"{table}.parquet"} <= set(names)
    assert "summary.json" in names and "map.html" in names
    back = gpd.read_parquet(folder / "sites.parquet")
    assert back.crs == "EPSG:4326" and back.geometry.equals(plan.sites.geometry)
    csv = pd.read_csv(folder / "sites.csv")
    for column in ("lon", "lat", "cost_total_cny", "cost_capex_cny"):
        np.testing.assert_array_equal(csv[column].to_numpy(), plan.sites[column].to_numpy())
    text = (folder / "sites.csv").read_text()
    assert not re.search(r"\d[eE]\+\d", text)  # money as 703290000.0, never 7.0329e+08
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_outputs_hold_no_absolute_path(plan, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = plan.to_file(tmp_path / "out" / "default", with_map=False)
    roots = {str(ROOT), str(ROOT.resolve()), str(tmp_path), str(Path.home()), sys.prefix}
    for path in folder.iterdir():
        if path.suffix in {".csv", ".json", ".geojson"}:
            text = path.read_text()
            assert not [r for r in roots if r in text], path.name
    summary = json.loads((folder / "summary.json").read_text())
    files = summary["provenance"]["data_files"]
    assert files["sites"] == "siting/data/sites.csv"
    assert summary["scenario"]["data"]["sites"] == "siting/data/sites.csv"


def test_display_path_never_absolute(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my").mkdir()
    assert display_path(tmp_path / "my" / "sites.csv") == "my/sites.csv"
    assert display_path("/somewhere/else/hubs.csv") == "hubs.csv"
    assert display_path("<tight>") == "<tight>"
    monkeypatch.chdir("/")
    assert display_path(tmp_path / "my" / "sites.csv") == "sites.csv"
    assert display_path(siting.settings.scenario_dir / "default.toml") == (
        "siting/scenarios/default.toml"
    )


def test_summary_has_one_provenance_block(plan) -> None:
    block = plan.summary["provenance"]
    assert block["scenario"] == "default"
    assert block["scenario_file"] == "siting/scenarios/default.toml"
    assert re.fullmatch(r"[0-9a-f]{64}", block["scenario_hash"])
    assert re.fullmatch(r"[0-9a-f]{64}", block["data_hash"])
    assert block["solver"] == "highs"
    for package in ("python", "siting", "pulp", "highspy", "numpy", "pandas", "geopandas"):
        assert re.match(r"\d+\.\d+", block["versions"][package]), package
    assert block["versions"]["siting"] == siting.__version__


def test_solver_object_gives_the_same_plan(plan) -> None:
    other = siting.optimize(options=siting.RunOptions(solver=pulp.HiGHS(msg=False, timeLimit=60)))
    assert other.status == "optimal"
    assert other.kpis["total_cost_cny"] == pytest.approx(plan.kpis["total_cost_cny"], rel=1e-3)
    assert other.summary["provenance"]["solver"] == "highs"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"solver": "gurobi"}, "solver"),
        ({"solver": 3}, "solver"),
        ({"time_limit": 0}, "time_limit"),
        ({"time_limit": float("nan")}, "time_limit"),
        ({"mip_gap": 5}, "mip_gap"),
        ({"mip_gap": -0.1}, "mip_gap"),
    ],
)
def test_bad_options_fail_before_any_data_is_read(options, field, monkeypatch) -> None:
    monkeypatch.setattr(siting.settings, "data_dir", Path("/nonexistent"))
    with pytest.raises(siting.InputError, match=f"field '{field}'"):
        siting.optimize(options=siting.RunOptions(**options))


def test_with_overrides_returns_a_new_validated_scenario() -> None:
    base = siting.load_scenario("default")
    tight = base.with_overrides({"demand.inference_sla_ms": 6, "name": "tight"})
    assert (tight.demand.inference_sla_ms, tight.name) == (6.0, "tight")
    assert base.demand.inference_sla_ms == 10.0 and base.name == "default"
    hub = base.with_overrides({"demand.hub_sla_ms.shanghai": 8.0})
    assert hub.demand.hub_sla_ms == {"shanghai": 8.0}
    with pytest.raises(siting.InputError, match="field 'inference_sla': unknown key"):
        base.with_overrides({"demand.inference_sla": 6})
    with pytest.raises(siting.InputError, match="field 'inference_sla_ms': input should be"):
        base.with_overrides({"demand.inference_sla_ms": -1})
    with pytest.raises(siting.InputError, match="'name' is a value, not a table"):
        base.with_overrides({"name.x": 1})


def test_overridden_scenario_solves(plan) -> None:
    loose = siting.load_scenario().with_overrides({"demand.inference_sla_ms": 20.0})
    looser = siting.optimize(loose)
    assert looser.kpis["total_cost_cny"] <= plan.kpis["total_cost_cny"] * (1 + 1e-6)
    assert (
        looser.summary["provenance"]["scenario_hash"] != plan.summary["provenance"]["scenario_hash"]
    )


def test_audit_returns_a_plan_with_its_tables(tiny) -> None:
    audited = siting.audit(tiny / "boom.toml", tiny / "shift.toml")
    assert audited.name == "audit-boom-under-shift"
    assert isinstance(audited.sites, gpd.GeoDataFrame)
    assert audited.audit.kpis["sunk_mw"] >= audited.audit.kpis["idle_mw"] >= 0
    block = audited.summary["provenance"]
    assert block["scenario"] == "boom+shift" and len(block["scenario_hash"]) == 64


def test_batch_site_table_gets_geometry(tmp_path) -> None:
    sites_csv = siting.settings.data_dir / "sites.csv"
    ids = pd.read_csv(sites_csv)["site_id"].tolist()[:2]
    table = pd.DataFrame({"name": ["a", "a", "b"], "site_id": [ids[0], ids[1], ids[0]]})
    located = located_sites(table, [sites_csv])
    back = gpd.read_parquet(write_geoparquet(located, tmp_path / "sites.parquet"))
    assert back.crs == "EPSG:4326" and len(back) == 3 and back.geometry.notna().all()
    assert back.geometry.iloc[0].equals(back.geometry.iloc[2])
    empty = located_sites(pd.DataFrame(), [sites_csv])
    assert len(gpd.read_parquet(write_geoparquet(empty, tmp_path / "empty.parquet"))) == 0


def test_readme_and_default_scenario_agree_on_the_demand_year() -> None:
    default = tomllib.loads((siting.settings.scenario_dir / "default.toml").read_text())
    readme = (ROOT / "README.md").read_text()
    year = re.search(r"`default` \((\d{4}) planning-year demand\)", readme)
    assert year and year.group(1) in default["description"]
    sources = (siting.settings.data_dir / "SOURCES.md").read_text()
    assert f"planning year {year.group(1)}" in sources


def test_every_analysis_carries_provenance(tiny) -> None:
    from siting.analysis import robust_plan, tradeoff, why_not

    boom, shift = tiny / "boom.toml", tiny / "shift.toml"
    blocks = {
        "robust": robust_plan([boom, shift]).summary["provenance"],
        "whynot": why_not(shift).provenance,
        "tradeoff": tradeoff(shift, "costs.carbon_cny_per_t", [0.0]).attrs["provenance"],
    }
    assert blocks["robust"]["scenario"] == "boom+shift"
    for name, block in blocks.items():
        assert len(block["scenario_hash"]) == 64 and len(block["data_hash"]) == 64, name
        assert block["versions"]["siting"] == siting.__version__, name
        assert not any(str(tiny) in path for path in block["data_files"].values()), name
