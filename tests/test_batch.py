"""Sweeps on a local Dask cluster with 2 workers: records, failures, re-runs."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import cloudpickle
import distributed  # noqa: F401 - its config defaults must exist before dask.config.set
import geopandas as gpd
import pandas as pd
import pytest

from siting.batch import run_batch, solve_point
from siting.cli import main
from siting.scenario import load_scenario
from siting.solve.options import RunOptions
from siting.sweep import load_sweep


def _sweep(tiny):
    body = (
        'name = "t"\nbase = "shift.toml"\n[grid]\n'
        # 0.5 ms: no site within the SLA of Shanghai's hub? the east site is at the hub (RTT =
        # 1 ms equipment delay), so 0.5 ms is infeasible and recorded as such.
        '"demand.inference_sla_ms" = [0.5, 5.0, 10.0]\n"costs.carbon_cny_per_t" = [0.0, 200.0]\n'
    )
    path = tiny / "sweep.toml"
    path.write_text(body)
    return load_sweep(path)


def _crash_on_carbon(scenario, options):
    if (
        scenario["costs"]["carbon_cny_per_t"] == 200.0
        and scenario["demand"]["inference_sla_ms"] == 10.0
    ):
        os._exit(3)  # the worker process dies
    return solve_point(scenario, options)


def test_sweep_on_two_workers_records_failures_and_skips_on_rerun(tiny, tmp_path) -> None:
    import dask

    sweep = _sweep(tiny)
    out = tmp_path / "batch"
    seen = []
    cloudpickle.register_pickle_by_value(__import__(__name__))
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        first = run_batch(
            sweep,
            out,
            workers=2,
            task=_crash_on_carbon,
            progress=lambda d, f, left: seen.append((d, f, left)),
        )
    table = first.table.set_index("name")
    assert first.ran == 6 and first.skipped == 0
    assert (table["status"] == "infeasible").sum() == 2
    infeasible = table.loc[table["status"] == "infeasible", "error"]
    assert infeasible.str.contains("no site within 0.5 ms").all()
    killed = table[table["status"] == "failed"]
    crashing = (killed["costs.carbon_cny_per_t"] == 200.0) & (
        killed["demand.inference_sla_ms"] == 10.0
    )
    assert crashing.sum() == 1  # the scenario whose worker died is recorded as failed
    # a task queued on the dying worker may fail with it: recorded the same way, never lost
    assert killed["error"].str.contains("KilledWorker").all()
    n_failed = len(killed)
    assert (table["status"] == "ok").sum() == 4 - n_failed
    assert seen[-1] == (4 - n_failed, 2 + n_failed, 0)
    records = sorted(p.name for p in (out / "scenarios").iterdir())
    assert len(records) == 6 and all(not r.startswith(".") for r in records)
    for name in ("results.parquet", "results.csv", "sites.parquet", "summary.json"):
        assert (out / name).exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"] == table["status"].value_counts().to_dict()
    assert summary["share_of_scenarios_site_used"]["east"] == pytest.approx(1.0)
    assert summary["provenance"]["scenario"] == sweep.name
    assert len(summary["provenance"]["scenario_hash"]) == 64
    located = gpd.read_parquet(out / "sites.parquet")  # GeoParquet: geometry and CRS
    assert located.crs == "EPSG:4326" and located.geometry.notna().all()

    again = run_batch(sweep, out, workers=2)
    assert again.ran == 0 and again.skipped == 6
    retried = run_batch(sweep, out, workers=2, retry_failed=True)
    assert retried.ran == n_failed
    assert (retried.table["status"] == "ok").sum() == 4


def test_costs_rise_with_carbon_price(tiny, tmp_path) -> None:
    outcome = run_batch(_sweep(tiny), tmp_path / "b", workers=2)
    ok = outcome.table[outcome.table["status"] == "ok"]
    by_sla = ok.pivot_table(
        index="demand.inference_sla_ms", columns="costs.carbon_cny_per_t", values="total_cost_cny"
    )
    assert (by_sla[200.0] > by_sla[0.0]).all()


@pytest.fixture
def port_8787():
    """Hold Dask's default dashboard port, as a Jupyter or another Dask would."""
    import errno
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("0.0.0.0", 8787))
        sock.listen()
    except OSError as exc:  # someone else holds it already: just as good
        assert exc.errno == errno.EADDRINUSE
    yield
    sock.close()


def _two_point_sweep(tiny, name: str) -> Path:
    path = tiny / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nbase = "shift.toml"\n[grid]\n"demand.inference_sla_ms" = [5.0, 10.0]\n'
    )
    return path


def test_two_batches_at_once_with_port_8787_taken(tiny, tmp_path, port_8787) -> None:
    runs = []
    for name, flag in (("one", "--json"), ("two", "--quiet")):
        argv = ["batch", str(_two_point_sweep(tiny, name)), "--out", str(tmp_path / name), flag]
        runs.append(
            subprocess.Popen(
                [sys.executable, "-m", "siting", *argv, "--workers", "1"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = []
    for run, name in zip(runs, ("one", "two"), strict=True):
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, err
        assert err == "", err  # no Dask warning about the port, no progress bar when quiet
        table = pd.read_csv(tmp_path / name / "results.csv")
        assert (table["status"] == "ok").all() and len(table) == 2
        outputs.append(out)
    summary = json.loads(outputs[0])
    assert summary["scenarios"] == 2 and summary["ran"] == 2
    assert summary["tables"] == str(tmp_path / "one")
    assert outputs[1] == f"{tmp_path / 'two'}\n"


def test_batch_in_process_with_port_8787_taken(tiny, tmp_path, port_8787) -> None:
    """pytest turns warnings into errors: Dask must not even warn about the port."""
    outcome = run_batch(load_sweep(_two_point_sweep(tiny, "p")), tmp_path / "b", workers=1)
    assert outcome.ran == 2


def test_unreachable_scheduler_is_one_clear_error_and_leaves_nothing(
    tiny, tmp_path, monkeypatch, capsys
) -> None:
    import socket

    import siting.batch

    monkeypatch.setattr(siting.batch, "CONNECT_TIMEOUT_S", 1)
    with socket.socket() as free:  # a port nobody listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    out = tmp_path / "out"
    argv = ["batch", str(_two_point_sweep(tiny, "u")), "--out", str(out)]
    assert main([*argv, "--scheduler", f"tcp://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(
        rf"siting: error: tcp://127.0.0.1:{port}: field '--scheduler': cannot reach a Dask "
        r"scheduler there .*; expected the address of a running scheduler\n",
        err.splitlines(keepends=True)[-1],
    ), err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scheduler", "notaurl"], r"argument --scheduler: expected a scheduler address"),
        (["--scheduler", "http://x:1"], r"argument --scheduler: expected a scheduler address"),
        (["--workers=-1"], r"argument --workers: expected a whole number ≥ 1, got '-1'"),
        (["--workers", "0"], r"argument --workers: expected a whole number ≥ 1, got '0'"),
        (["--workers", "1.5"], r"argument --workers: expected a whole number ≥ 1"),
    ],
)
def test_batch_arguments_rejected_up_front(tiny, tmp_path, capsys, args, message) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(["batch", str(_two_point_sweep(tiny, "a")), "--out", str(out), *args])
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not out.exists()


def test_batch_out_that_is_a_file(tiny, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    out.write_text("x")
    assert main(["batch", str(_two_point_sweep(tiny, "f")), "--out", str(out)]) == 2
    assert "field '--out': is a file; expected a folder" in capsys.readouterr().err


_SLOW_BATCH = """
import functools, os, sys, time

def slow(scenario, options):
    open(os.environ["SITING_TEST_MARK"], "a").close()
    time.sleep(300)

if __name__ == "__main__":
    import siting.batch
    siting.batch.run_batch = functools.partial(siting.batch.run_batch, task=slow)
    from siting.cli import main

    sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_of_a_batch_exits_130_without_worker_tracebacks(tiny, tmp_path) -> None:
    """SIGINT to the whole process group (what a terminal's Ctrl-C does) while workers solve."""
    import signal
    import time

    script, mark = tmp_path / "slow.py", tmp_path / "started"
    script.write_text(_SLOW_BATCH)
    argv = ["batch", str(_two_point_sweep(tiny, "i")), "--out", str(tmp_path / "o")]
    run = subprocess.Popen(
        [sys.executable, str(script), *argv, "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "SITING_TEST_MARK": str(mark)},
    )
    while not mark.exists() and run.poll() is None:  # a worker is inside the task
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert err.splitlines()[-1] == "siting: interrupted"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").rglob("*"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workers": -1}, r"field 'workers': expected ≥ 1, got -1"),
        ({"workers": 0}, r"field 'workers': expected ≥ 1, got 0"),
        ({"workers": 1.5}, r"field 'workers': expected a whole number ≥ 1, got 1.5"),
        ({"scheduler": "notaurl"}, r"field 'scheduler': expected a scheduler address"),
    ],
)
def test_run_batch_checks_its_arguments_first(tiny, tmp_path, kwargs, message) -> None:
    from siting.errors import InputError

    with pytest.raises(InputError, match=message):
        run_batch(load_sweep(_two_point_sweep(tiny, "w")), tmp_path / "o", **kwargs)
    assert not (tmp_path / "o").exists()


def test_classic_sweep_reports_each_kind_in_its_unit(tiny, tmp_path) -> None:
    """A sweep over objective kinds: values by kind and unit; costs only from priced plans."""
    path = tiny / "kinds.toml"
    path.write_text(
        'name = "kinds"\nbase = "shift.toml"\n[grid]\n'
        '"objective.kind" = ["cost", "p-median", "mclp"]\n"objective.sites" = [1]\n'
    )
    outcome = run_batch(load_sweep(path), tmp_path / "b", workers=1)
    table = outcome.table.set_index("objective.kind")
    assert (table["status"] == "ok").all()
    assert table.loc["p-median", "objective_unit"] == "MW·ms"
    values = outcome.summary["objective_value"]
    assert values["mclp"]["unit"] == "MW"
    assert values["mclp"]["p50"] == pytest.approx(table.loc["mclp", "objective_value"])
    cost = outcome.summary["total_cost_cny"]  # the cost plan's, not the classic plans' pricing
    assert cost["min"] == cost["max"] == pytest.approx(table.loc["cost", "total_cost_cny"])


def test_batch_keeps_the_scenarios_solve_strategy(tiny) -> None:
    """The scenario's [solve] strategy holds in a batch, as in a single run."""
    for strategy, radius_search in (("auto", True), ("direct", False)):
        path = tiny / f"pc-{strategy}.toml"
        path.write_text(
            f'extends = "shift.toml"\nname = "pc-{strategy}"\n'
            f'[objective]\nkind = "p-center"\nsites = 1\n[solve]\nstrategy = "{strategy}"\n'
        )
        record = solve_point(load_scenario(path)[0].to_dict(), RunOptions())
        assert record["status"] == "ok"
        assert ("radius search" in record["kpis"]["termination"]) is radius_search


def test_horizon_sweep_writes_years_and_the_idle_band(tiny, tmp_path, capsys) -> None:
    """A sweep of horizon plans: totals per scenario and year, and the band chart over them."""
    (tiny / "sites.csv").write_text(TINY_SITES_BUILT)
    (tiny / "plan.toml").write_text(
        'extends = "shift.toml"\nname = "plan"\n[demand]\ninference_sla_ms = 40.0\n'
        '[horizon]\nyears = [2024, 2025]\nlead_time_years = 1\nexisting = "flat"\n'
    )
    path = tiny / "use.toml"
    path.write_text(
        'name = "use"\nbase = "plan.toml"\n[grid]\n"demand.inference_scale" = [0.5, 1.0, 1.5]\n'
    )
    sweep = load_sweep(path)
    out = tmp_path / "b"
    outcome = run_batch(sweep, out, workers=1)
    assert (outcome.table["status"] == "ok").all()
    years = pd.read_csv(out / "years.csv")
    assert len(years) == 3 * 2 and {"stranded_mw", "stranded_capital_bn_cny"} <= set(years)
    by_scale = years[years["year"] == 2025].set_index("demand.inference_scale")["stranded_mw"]
    assert by_scale[0.5] > by_scale[1.0] > by_scale[1.5]  # less use, more idle
    last = outcome.table.set_index("demand.inference_scale")["stranded_mw"]
    assert by_scale.to_dict() == pytest.approx(last.to_dict())  # the last year is the KPI's
    from siting.plots import band_table

    band = band_table(years, sweep.parameters)
    mw = band[band["column"] == "stranded_mw"].set_index("year")
    assert mw.loc[2025, "central"] == pytest.approx(by_scale[1.0])
    assert mw.loc[2025, "low"] == pytest.approx(by_scale[1.5])
    assert (out / "idle_band.png").stat().st_size > 0
    assert 'class="band"' in (out / "idle_band.html").read_text()
    written = {p.name for p in out.iterdir()}
    assert written == {"scenarios", ".siting-output.json", "results.parquet", "results.csv",
                       "sites.parquet", "summary.json", "years.csv", "idle_band.png",
                       "idle_band.html"}  # fmt: skip
    from siting.report import print_batch

    print_batch(outcome, out)  # a plan's cost is a present value, its idle MW its last year's
    text = capsys.readouterr().out
    assert "Total cost bn CNY, present value of each plan" in text and "CNY/yr" not in text
    assert "Stranded MW in each plan's last year" in text


TINY_SITES_BUILT = """site_id,name,province,lon,lat,grid_headroom_mw,existing_mw,tariff_cny_kwh
west,Zhongwei,Ningxia,105.18,37.51,200,0,0.30
east,Shanghai,Shanghai,121.47,31.23,200,1500,
"""


def test_two_futures_run_as_simulations_on_the_batch_runner(tmp_path) -> None:
    """Two points of the shipped futures sweep, a low and a high use, simulated on 2 workers."""
    sweep = load_sweep("futures-2023-2025")
    first = {}
    for point in sweep.points:
        first.setdefault(point.overrides["horizon.use"], point)
    two = dataclasses.replace(sweep, points=[first["low"], first["high"]])
    outcome = run_batch(two, tmp_path / "out", workers=2)
    table = outcome.table.set_index("horizon.use")
    assert table["status"].tolist() == ["ok", "ok"]
    assert (table["solver_status"] == "simulated").all()
    assert (table["simulate.seed"] == [p.overrides["simulate.seed"] for p in two.points]).all()
    assert "price_of_anarchy" not in table  # compare = false: the decentralised build-out only
    years = pd.read_csv(tmp_path / "out" / "years.csv").set_index(["horizon.use", "year"])
    assert sorted(years.index.get_level_values("year").unique()) == [2023, 2024, 2025]
    demand = years["demand_mw"]
    assert (demand.loc["low"] < demand.loc["high"]).all()  # each future simulates its use
    idle = years.loc[(slice(None), 2025), "stranded_mw"].droplevel("year")
    assert (idle == table["stranded_mw"]).all() and (idle >= 0).all()


def test_two_levers_sweep_points_are_simulated(tmp_path) -> None:
    """Points with ``[simulate]`` pass the simulation's checks (levers on) and are simulated."""
    sweep = load_sweep("levers-2023-2025")
    control = next(p for p in sweep.points if not p.scenario.levers.switched())
    h20 = next(p for p in sweep.points if p.scenario.levers.switched() == ["h20_licence"])
    two = dataclasses.replace(sweep, points=[control, h20])
    outcome = run_batch(two, tmp_path / "b", workers=1)
    table = outcome.table.set_index("levers.h20_licence")
    assert (table["status"] == "ok").all(), table
    assert table["price_of_anarchy"].notna().all()  # a simulation's KPI: simulated
    # the licence bars the 2025 export-compliant orders: fewer new MW
    assert table.loc[True, "new_mw"] < table.loc[False, "new_mw"]
