"""``siting simulate`` and ``siting.run_simulation``: tables, report, and bad input refused."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest

import siting
from siting.cli import main
from siting.market import load_market_data
from tests.test_outputs_doc import documented
from tests.test_simulate import site_investors, write_investors

SCENARIO = "2023-2025-simulate"
SCENARIOS = Path(siting.__file__).resolve().parent / "scenarios"


def _site_owners() -> tuple[list[str], list[str]]:
    owners = load_market_data().owners
    rows = owners[owners["site_id"] != "rest_of_china"]
    return list(rows["site_id"]), list(rows["owner_type"])


@pytest.fixture(scope="module")
def investors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stand-in investors (one per shipped site, of its owner type; the pseudo-sites' too)."""
    ids, owners = _site_owners()
    rest = [f"rest_{p}" for p in ("guizhou", "hebei", "guangdong")]
    rows = site_investors([*ids, *rest], [*owners, *["telecom"] * len(rest)])
    return write_investors(tmp_path_factory.mktemp("investors"), rows)


def _cli(argv: list[str]) -> tuple[int, str]:
    text = io.StringIO()
    with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
        code = main(argv)
    return code, text.getvalue()


@pytest.fixture(scope="module")
def written(investors: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("simulate")
    code, text = _cli(
        ["simulate", SCENARIO, "--out", str(out), "--investor-data", str(investors),
         "--investor", "local_gov_zhengzhou"]
    )  # fmt: skip
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


def test_an_unknown_investor_is_refused(investors: Path, tmp_path: Path) -> None:
    code, text = _cli(["simulate", SCENARIO, "--out", str(tmp_path), "--investor-data",
                       str(investors), "--investor", "local_gov_nowhere"])  # fmt: skip
    assert code == 2 and "investor_id" in text
    assert not any(tmp_path.iterdir())


def test_an_investor_with_no_admissible_site_is_refused(tmp_path: Path) -> None:
    data = write_investors(tmp_path / "data", [("ghost", "telecom", "atlantis", "default", 1.0)])
    out = tmp_path / "out"
    out.mkdir()
    code, text = _cli(["simulate", SCENARIO, "--out", str(out), "--investor-data", str(data)])
    assert code == 2 and "no admissible site" in text and "ghost" in text
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


def test_the_api_returns_the_typed_run(investors: Path) -> None:
    run = siting.run_simulation(SCENARIO, investor_data=investors)
    assert isinstance(run, siting.SimulationRun) and run.table_dir is None
    assert set(run.build_outs) == {"decentralised", "planner", "as_built"}


def test_a_batch_point_with_simulate_is_a_simulation(
    investors: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from siting import settings
    from siting.batch import solve_point
    from siting.solve.options import RunOptions

    data = tmp_path / "data"
    data.mkdir()
    for path in Path(settings.data_dir).iterdir():
        (data / path.name).symlink_to(path)
    for name in ("investors.csv", "investor_types.csv"):
        (data / name).unlink(missing_ok=True)
        (data / name).symlink_to(investors / name)
    monkeypatch.setattr(settings, "data_dir", data)
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
