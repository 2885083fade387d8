"""``siting simulate`` and ``siting.run_simulation``: tables, report, and bad input refused."""

from __future__ import annotations

import contextlib
import html
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import siting
from siting import settings
from siting.cli import main
from siting.errors import InputError
from siting.maps.escape import esc
from siting.market import OWNER_TYPES, allocate
from siting.market.allocate import owner_sites
from tests.test_halls import _market as _halls_market
from tests.test_maps import assert_offline, page_data
from tests.test_outputs_doc import documented

SCENARIO = "2023-2025-simulate"
SCENARIOS = Path(siting.__file__).resolve().parent / "scenarios"


def _cli(argv: list[str]) -> tuple[int, str]:
    text = io.StringIO()
    with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
        code = main(argv)
    return code, text.getvalue()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("simulate")
    maps = ["--maps", str(out / "maps")]
    code, text = _cli(
        ["simulate", SCENARIO, "--out", str(out), *maps, "--investor", "local_gov_zhengzhou"]
    )
    assert code == 0, text
    return out / f"{SCENARIO}-simulate", text


def test_the_command_writes_the_documented_tables(written: tuple[Path, str]) -> None:
    folder, _ = written
    docs = documented()
    for table in ("simulate_years.csv", "simulate_idle.csv", "simulate_orders.csv"):
        columns = set(pd.read_csv(folder / table, nrows=1).columns)
        listed = {c.strip() for name in docs[f"simulate: {table}"] for c in name.split(",")}
        assert columns == listed, table
    summary = json.loads((folder / "summary.json").read_text())
    for costs in summary["costs"].values():
        assert set(costs) == set(docs["simulate: summary.json costs"]) - {""} | {
            "operation_status", "operation_gap"
        }  # fmt: skip
    years = pd.read_csv(folder / "simulate_years.csv")
    assert set(years["build_out"]) == {"decentralised", "planner", "as_built"}
    assert summary["price_of_anarchy"] == pytest.approx(
        summary["costs"]["decentralised"]["pv_cost_cny"]
        / summary["costs"]["planner"]["pv_cost_cny"]
    )
    orders = pd.read_csv(folder / "simulate_orders.csv")
    assert (orders["margin_cny_per_mw_year"] >= 0).all()
    assert list(summary["turns"]) == ["2023", "2024"]


def test_the_report_prints_build_outs_idle_and_the_investors_response(
    written: tuple[Path, str],
) -> None:
    _, text = written
    for line in (
        "Per build-out and year",
        "2025: idle share by owner type",
        "2025: idle share by region",
        "Reported figures beside",
        "Price of anarchy (decentralised ÷ planner)",
        "local_gov_zhengzhou: best response in 2024",
    ):
        assert line in text


def test_the_command_writes_the_owner_map_of_the_year(written: tuple[Path, str]) -> None:
    """The decentralised build-out's halls in the last year, as simulate_years.csv sums them."""
    folder, text = written
    path = folder.parent / "maps" / f"simulate-{SCENARIO}.html"
    assert f"Map: {path}" in text
    page = path.read_text(encoding="utf-8")
    assert_offline(page)
    (one,) = page_data(page)["maps"]
    drawn = pd.DataFrame(one["sites"])
    years = pd.read_csv(folder / "simulate_years.csv").set_index(["build_out", "year"])
    last = years.loc[("decentralised", 2025)]
    assert drawn["mw"].sum() == pytest.approx(last["installed_mw"], abs=1e-3)
    assert (drawn["mw"] * drawn["util"]).sum() == pytest.approx(last["used_mw"], abs=1e-3)
    assert set(drawn["owner"]) <= set(OWNER_TYPES) and len(drawn) >= 20
    assert html.unescape(one["panel"]).startswith(
        f"<div class='siting-title'>siting simulate · {SCENARIO} · 2025</div>"
    )


def _quick(tmp_path: Path, description: str) -> Path:
    """The shipped scenario without the comparison (one simulation), with ``description``."""
    scenario = tmp_path / "quick.toml"
    scenario.write_text(
        f'extends = "{SCENARIOS / (SCENARIO + ".toml")}"\nname = "quick"\n'
        f"description = {json.dumps(description)}\n[simulate]\ncompare = false\n"
    )
    return scenario


def test_the_map_escapes_what_it_shows(tmp_path: Path) -> None:
    hostile = "</script><img src=x onerror=alert(1)> & 'quotes'"
    out, maps = tmp_path / "out", tmp_path / "maps"
    argv = ["simulate", str(_quick(tmp_path, hostile)), "--out", str(out), "--maps", str(maps)]
    code, text = _cli([*argv, "--year", "2024", "--quiet"])
    assert code == 0, text
    page = (maps / "simulate-quick.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page and "</script><img" not in page
    (one,) = page_data(page)["maps"]
    assert esc(hostile) in one["panel"] and "<img" not in one["panel"]  # escaped once
    assert hostile in html.unescape(one["panel"])
    assert "siting simulate · quick · 2024" in html.unescape(one["panel"])


def test_no_map_writes_the_tables_only(tmp_path: Path) -> None:
    out, maps = tmp_path / "out", tmp_path / "maps"
    argv = ["simulate", str(_quick(tmp_path, "quick")), "--out", str(out), "--maps", str(maps)]
    code, text = _cli([*argv, "--no-map", "--quiet"])
    assert code == 0, text
    assert text.splitlines() == [str(out / "quick-simulate")]
    assert (out / "quick-simulate" / "simulate_years.csv").is_file()
    assert not maps.exists() or list(maps.iterdir()) == []


def test_the_owner_map_draws_each_hall_of_a_site() -> None:
    """Two halls at one site: a row each, with its own owner, use and premium."""
    market = _halls_market(np.random.default_rng(3), "cloud")
    result = allocate(market)
    places = pd.DataFrame({"site_id": ["a", "b"], "name": ["A", "B"], "lon": [110.0, 112.0],
                           "lat": [30.0, 31.0]})  # fmt: skip
    rows = owner_sites(result, places)
    assert list(zip(rows["site_id"], rows["owner_type"], strict=True)) == [
        ("a", "cloud"), ("a", "telecom"), ("b", "telecom"),
    ]  # fmt: skip
    np.testing.assert_allclose(rows["capacity_mw"], market.capacity[:, 0])
    np.testing.assert_allclose(rows["used_mw"], rows["captive_mw"] + rows["market_mw"])
    premium = result.rents["clearing_premium"].to_numpy()
    np.testing.assert_allclose(rows["clearing_premium"], np.where(premium > 1.0, premium, 0.0))
    assert rows["lon"].tolist() == [110.0, 110.0, 112.0]


def test_an_unknown_investor_is_refused(tmp_path: Path) -> None:
    code, text = _cli(
        ["simulate", SCENARIO, "--out", str(tmp_path), "--investor", "local_gov_nowhere"]
    )
    assert code == 2 and "investor_id" in text
    assert not any(tmp_path.iterdir())


def test_an_investor_at_an_unknown_site_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for path in Path(settings.data_dir).iterdir():
        (data / path.name).symlink_to(path)
    (data / "investors.csv").unlink()
    shipped = pd.read_csv(Path(settings.data_dir) / "investors.csv")
    ghost = shipped.iloc[[0]].assign(investor_id="ghost", site_id="atlantis")
    pd.concat([shipped, ghost]).to_csv(data / "investors.csv", index=False)
    monkeypatch.setattr(settings, "data_dir", data)
    out = tmp_path / "out"
    out.mkdir()
    code, text = _cli(["simulate", SCENARIO, "--out", str(out)])
    assert code == 2 and "atlantis" in text and "ghost" in text and "investors.csv" in text
    assert not any(out.iterdir())


def test_a_bad_simulate_key_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text(
        f'extends = "{SCENARIOS / (SCENARIO + ".toml")}"\nname = "bad"\n[simulate]\nseeed = 1\n'
    )
    out = tmp_path / "out"
    out.mkdir()
    code, text = _cli(["simulate", str(scenario), "--out", str(out)])
    assert code == 2 and "seeed" in text and "did you mean 'seed'" in text
    assert not any(out.iterdir())


def test_the_api_returns_the_typed_run() -> None:
    run = siting.run_simulation(SCENARIO)
    assert isinstance(run, siting.SimulationRun) and run.table_dir is None
    assert set(run.build_outs) == {"decentralised", "planner", "as_built"}
    page = run.map(year=2024)  # the owner map, as the command writes it
    assert page.title == f"siting simulate · {SCENARIO} · 2024"
    (one,) = page.data["maps"]
    halls = run.build_outs["decentralised"].markets[2024].sites
    assert len(one["sites"]) == (halls["capacity_mw"] > 0).sum()
    with pytest.raises(InputError, match=r"SimulationRun\.map: field 'year': a year of the"):
        run.map(year=2030)


def test_a_batch_point_with_simulate_is_a_simulation() -> None:
    from siting.batch import solve_point
    from siting.solve.options import RunOptions

    spec = siting.load_scenario(SCENARIO).with_overrides({"simulate.compare": False})
    record = solve_point(spec.to_dict(), RunOptions())
    assert record["status"] == "ok" and record["kpis"]["status"] == "simulated"
    years = pd.DataFrame(record["by_year"])
    assert list(years["year"]) == [2023, 2024, 2025]
    assert {"stranded_mw", "stranded_capital_bn_cny"} <= set(years.columns)
    sites = pd.DataFrame(record["sites"])
    assert sites["stranded_mw"].sum() == pytest.approx(record["kpis"]["stranded_mw"])
    assert record["kpis"]["new_mw"] > 0


def test_simulate_without_a_horizon_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "flat.toml"
    scenario.write_text('extends = "default"\nname = "flat"\n[simulate]\nseed = 1\n')
    code, text = _cli(["optimize", str(scenario), "--out", str(tmp_path)])
    assert code == 2 and "[simulate]" in text and "[horizon]" in text
