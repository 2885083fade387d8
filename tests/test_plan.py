"""``siting plan``: the schedule it writes, and bad [horizon] input (exit 2, nothing written)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from siting.cli import main


def _scenario(tmp_path, horizon: str, name: str = "h") -> str:
    path = tmp_path / f"{name}.toml"
    # One inference class, as the shipped horizon scenarios (2023-2030.toml).
    text = f'extends = "default"\nname = "{name}"\nclasses = {{}}\n\n[horizon]\n{horizon}\n'
    path.write_text(text)
    return str(path)


def test_plan_writes_schedule_that_adds_up(tmp_path, capsys) -> None:
    scenario = _scenario(
        tmp_path, "years = [2024, 2025]\nlead_time_years = 1\nstandby_cny_per_mw_year = 1e6"
    )
    out = tmp_path / "out"
    maps = ["--maps", str(tmp_path / "maps")]
    assert main(["plan", scenario, "--out", str(out), *maps, "--compare", "--year", "2025"]) == 0
    text = capsys.readouterr().out
    assert "Stranded in 2025 by province" in text and "Cost of myopia" in text
    folder = out / "h-plan"
    table = pd.read_csv(folder / "schedule.csv")
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["cost_of_myopia_cny"] >= -1e-6 * abs(summary["pv_cost_perfect_cny"])
    assert summary["cost_of_myopia_certified"] is True  # both plans optimal
    assert {f: b["status"] for f, b in summary["foresights"].items()} == {
        "perfect": "optimal",
        "myopic": "optimal",
    }
    for row in summary["by_year"]:
        part = table[table["year"] == row["year"]]
        assert part["stranded_mw"].sum() == pytest.approx(row["stranded_mw"], abs=1e-6)
        assert part["installed_mw"].sum() == pytest.approx(row["installed_mw"], abs=1e-6)
    used = table["training_mw"] + table["inference_mw"]
    assert (table["stranded_mw"] - (table["installed_mw"] - used)).abs().max() < 1e-6
    assert (table.loc[table["year"] == 2024, "new_in_service_mw"] == 0).all()  # lead time 1
    for year in (2024, 2025):
        assert (folder / f"sites_{year}.geojson").stat().st_size > 0
    stranded = pd.read_csv(folder / "stranded_compare.csv")
    assert set(stranded["foresight"]) == {"perfect", "myopic"}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    ("horizon", "key", "words"),
    [
        ("years = [2020, 2021]", "years", "within 2023-2030"),
        ("years = [2025, 2024]", "years", "consecutive increasing"),
        ("years = [2023, 2025]", "years", "consecutive increasing"),
        (
            "years = [2024, 2025]\nlead_time_years = 2",
            "lead_time_years",
            "shorter than the horizon",
        ),
        ("years = [2024, 2025]\nnew_classes = ['h100']", "new_classes", "accelerator classes"),
        ("years = [2024]\nclass_rent_cny_per_mw_year = { tpu = 1.0 }", "class_rent", "accelerator"),
        ("years = [2024]\nforesight = 'hindsight'", "foresight", "perfect"),
    ],
)
def test_bad_horizon_exits_2_and_writes_nothing(tmp_path, capsys, horizon, key, words) -> None:
    scenario = _scenario(tmp_path, horizon)
    out = tmp_path / "out"
    assert main(["plan", scenario, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("siting: error:") and "Traceback" not in err
    assert "h.toml" in err and "[horizon]" in err and key in err and words in err
    assert not out.exists() or not any(out.iterdir())


def test_plan_needs_a_horizon_and_a_year_in_it(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["plan", "default", "--out", str(out)]) == 2
    assert "horizon" in capsys.readouterr().err
    scenario = _scenario(tmp_path, "years = [2024]")
    assert main(["plan", scenario, "--out", str(out), "--year", "2030"]) == 2
    assert "--year" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_batch_point_plans_a_horizon_scenario() -> None:
    """The batch runner's worker task accepts a multi-period scenario."""
    from siting.batch import solve_point
    from siting.scenario import load_scenario
    from siting.solve.options import RunOptions

    spec, _ = load_scenario("2023-planner")
    record = solve_point(spec.to_dict(), RunOptions(mip_gap=1e-4))
    assert record["status"] == "ok"
    kpis = record["kpis"]
    assert kpis["last_year"] == 2025 and kpis["status"] == "optimal"
    sites = pd.DataFrame(record["sites"])
    assert sites["stranded_mw"].sum() == pytest.approx(kpis["stranded_mw"])
    assert sites["new_mw"].sum() == pytest.approx(kpis["new_mw"])


def test_horizon_inputs_by_hand() -> None:
    """Forecast ratios, rents and training from the shipped time tables, checked by hand."""
    from siting.horizon import forecast_ratios
    from siting.horizon_run import horizon_for
    from siting.pipeline import prepare
    from siting.vintages import load_time_tables

    tables = load_time_tables()
    years = np.array([2023, 2024, 2025])
    ratio = forecast_ratios(tables, years)
    # the 2023 report expected 861.5 EFLOPS for 2025, the 2024 report 623.5; 1,037.3 came
    assert ratio[0, 2] == pytest.approx(861.5 / 1037.3)
    assert ratio[1, 2] == pytest.approx(623.5 / 1037.3)
    assert ratio[2, 2] == pytest.approx(1.0)
    prepared = prepare("2023-planner")
    h = horizon_for(prepared.instance, prepared.scenario, source="2023-planner")
    k = list(h.classes).index("imported_high_end")
    # rents: 2023 = Aug 2023 A100 (162.8 M/MW-yr); 2024 = mean of Jan and Nov 2024; 2025 = Feb 2025
    assert h.rent[0, k].tolist() == pytest.approx([162830769, (176470588 + 82352941) / 2, 88235294])
    use = tables.demand[tables.demand["variant"] == "central"]  # the scenario's variant
    demand = use.groupby(["year", "area_id", "role"])["mw"].sum()  # LLM + non-LLM
    pseudo = np.char.startswith(h.base.hubs.ids.astype(str), "rest_")  # rest of China, served
    hubs = [demand[(2024, hub, "inference")] for hub in h.base.hubs.ids[~pseudo]]
    # rows are rounded to 0.001 MW (LLM and non-LLM), hubs.csv inference_mw to 0.1 MW
    assert h.demand[~pseudo, 1] == pytest.approx(hubs, rel=1e-4, abs=0.002)
    rest = demand[(2024, "rest_of_china", "inference")]
    assert h.demand[pseudo, 1].sum() == pytest.approx(rest, rel=1e-4)
    assert h.training[1] == pytest.approx(demand[(2024, "national", "training")])
    # existing_until = 2023: nothing commissioned in 2024-25 is existing
    assert h.existing[:, :, 2].sum() < h.existing[:, :, 0].sum() + 1e-9


@pytest.mark.parametrize("command", ["optimize", "whynot"])
def test_a_horizon_scenario_is_planned_not_optimized(command, tmp_path, capsys) -> None:
    from siting.cli import main

    assert main([command, "2023-2030", "--out", str(tmp_path / "out")]) == 2
    assert "siting plan 2023-2030" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_compare_gives_each_foresight_its_own_status(tmp_path, capsys, monkeypatch) -> None:
    """The perfect-foresight solve stops at a 1 % gap: the cost of myopia is not a fact."""
    from siting.solve import direct

    from .test_periods import _stopped_at

    monkeypatch.setattr(direct, "run", _stopped_at(0.01, calls=(0,)))  # the perfect solve
    scenario = _scenario(
        tmp_path, "years = [2024, 2025]\nlead_time_years = 1\nstandby_cny_per_mw_year = 1e6"
    )
    out = tmp_path / "out"
    # the limit only has to let the myopic year finish (its solve takes a few seconds)
    args = ["plan", scenario, "--out", str(out), "--no-map", "--compare", "--time-limit", "60"]
    assert main(args) == 0
    printed = capsys.readouterr()
    summary = json.loads((out / "h-plan" / "summary.json").read_text())
    perfect, myopic = summary["foresights"]["perfect"], summary["foresights"]["myopic"]
    assert perfect["status"] == "feasible" and perfect["gap"] == pytest.approx(0.01, rel=1e-6)
    assert myopic["status"] == "optimal" and len(myopic["solves"]) == 2
    costs = ("pv_cost_cny", "penalty_cny", "pv_cost_without_penalty_cny")
    block = {k: v for k, v in perfect.items() if k not in (*costs, "unmet_penalty_cny_per_mw_year")}
    assert summary["solver"] == block
    assert perfect["time_limit_s"] == 60 and perfect["bound_cny"] < perfect["pv_cost_cny"]
    assert summary["cost_of_myopia_certified"] is False
    low, high = summary["cost_of_myopia_range_cny"]
    cost = summary["cost_of_myopia_cny"]
    assert 0 <= cost - low <= 1e-4 * myopic["pv_cost_cny"]  # optimal myopic plan: tight bound
    assert high - cost == pytest.approx(perfect["pv_cost_cny"] - perfect["bound_cny"])
    assert "perfect foresight is feasible at gap 1.000%" in summary["cost_of_myopia_note"]
    assert "Cost of myopia: about" in printed.out and "not certified" in printed.out
    assert "h (perfect foresight): highs stopped before proving optimality" in printed.err


def test_one_year_with_service_classes_reproduces_single_period() -> None:
    """Each service class keeps its running cost over a horizon (it crashed in _rents)."""
    from siting.horizon import one_year
    from siting.model import build_arrays
    from siting.model.horizon import build_horizon_model
    from siting.pipeline import prepare
    from siting.solve import solve
    from siting.solve.horizon import solve_horizon

    inst = prepare("realtime-10ms").instance
    assert inst.n_service_classes == 3 and len(set(inst.sites.unit_opex[1:, 0])) == 3  # they differ
    single = solve(build_arrays(inst))
    multi = solve_horizon(build_horizon_model(one_year(inst)))
    assert multi.objective == pytest.approx(single.objective, rel=1e-6)
    assert multi.use.shape[0] == 1 + inst.n_service_classes  # training, then each service class


def test_plan_with_service_classes(tmp_path, capsys) -> None:
    """``siting plan`` on a scenario with [classes]: exit 0, every class served every year."""
    path = tmp_path / "c.toml"
    path.write_text(
        'extends = "realtime-10ms"\nname = "c"\n\n[horizon]\nyears = [2026, 2027]\n'
        'existing = "flat"\nlead_time_years = 1\n'
    )
    args = ["--out", str(tmp_path / "out"), "--maps", str(tmp_path / "maps")]
    assert main(["plan", str(path), *args, "--time-limit", "60"]) == 0
    summary = json.loads((tmp_path / "out" / "c-plan" / "summary.json").read_text())
    for row in summary["by_year"]:  # served up to the MIP gap: π is a rent, not 1e9 CNY
        assert row["unmet_mw"] <= 1e-3 * row["demand_mw"]
    table = pd.read_csv(tmp_path / "out" / "c-plan" / "schedule.csv")
    assert table["inference_mw"].sum() > 0
