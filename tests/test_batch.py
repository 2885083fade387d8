"""Sweeps on a local Dask cluster with 2 workers: records, failures, re-runs."""

from __future__ import annotations

import json
import os

import cloudpickle
import distributed  # noqa: F401 - its config defaults must exist before dask.config.set
import geopandas as gpd
import pytest

from siting.batch import run_batch, solve_point
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
