"""``siting simulate`` and ``siting.run_simulation``: tables, report, and bad input refused."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest

import siting
from siting import settings
from siting.cli import main
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
    code, text = _cli(
        ["simulate", SCENARIO, "--out", str(out), "--investor", "local_gov_zhengzhou"]
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
