"""The multi-period inputs that were assumptions: cluster, service life, as built, penalty.

Each test asserts a relation (``L_t`` from the file, life reconciles with the series, no
orders, penalty = rent, figures that add up), never a demand total: the demand series moves.
"""

from __future__ import annotations

import csv
import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from siting import settings
from siting.errors import InputError
from siting.horizon import LAST_COUNTED_YEAR, build_horizon, renewed
from siting.horizon_run import horizon_for, run_horizon
from siting.horizon_tables import schedule_table
from siting.model.base import OBJECTIVE_UNIT
from siting.model.horizon import build_horizon_model
from siting.pipeline import prepare
from siting.scenario import load_scenario
from siting.scenario.families import SERVICE_LIFE_YEARS
from siting.vintages import (
    CLUSTERS_FILE,
    PRETRAINING,
    RECONCILE_TOLERANCE_PF,
    SITE_KW_PER_PF,
    cohorts,
    load_time_tables,
    min_cluster_by_year,
    read_training_clusters,
)

from .test_periods import make_horizon

DATA = Path(settings.data_dir)


def _scenario(tmp_path: Path, body: str, extends: str = "2023-2025-as-built") -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{extends}"\nname = "t"\n{body}\n')
    return path


def _horizon(scenario: str | Path):
    prepared = prepare(scenario)
    return horizon_for(prepared.instance, prepared.scenario, source="test")


# ---------------------------------------------------------------- training cluster


def test_cluster_of_each_year_is_the_smallest_pretraining_run_of_the_file() -> None:
    h = _horizon("2023-2030")
    runs = load_time_tables().clusters
    pretrained = runs[runs["stage"] == PRETRAINING]
    assert h.min_cluster is not None
    for t, year in enumerate(h.years.tolist()):
        known = pretrained[pretrained["year"] <= year]
        latest = known[known["year"] == known["year"].max()]
        assert h.min_cluster[t] == latest["demand_mw"].min()
        assert h.year_instance(t).min_cluster_mw == h.min_cluster[t]
    np.testing.assert_array_equal(h.min_cluster, min_cluster_by_year(runs, h.years))


def test_cluster_comes_from_the_data_folder_of_the_tables(tmp_path) -> None:
    """A data folder's own runs (here every run on twice the accelerators) set ``L_t``."""
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("county", "prefecture"))
    with (DATA / CLUSTERS_FILE).open(newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        n = 2 * int(row["accelerators"])
        kw, tflops = float(row["server_kw_per_accelerator"]), float(row["tflops_fp16_dense"])
        row["accelerators"] = str(n)
        row["it_mw"] = f"{n * kw / 1000:.3f}"
        row["demand_mw"] = f"{n * tflops * SITE_KW_PER_PF / 1e6:.3f}"
    with (folder / CLUSTERS_FILE).open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    prepared = prepare("2023-2030")
    shipped = build_horizon(prepared.instance, prepared.scenario, load_time_tables())
    own = build_horizon(prepared.instance, prepared.scenario, load_time_tables(folder))
    assert shipped.min_cluster is not None and own.min_cluster is not None
    np.testing.assert_allclose(own.min_cluster, 2 * shipped.min_cluster, atol=2e-3)


def test_fixed_cluster_is_the_single_period_value(tmp_path) -> None:
    h = _horizon(_scenario(tmp_path, '[horizon]\ntraining_cluster = "fixed"'))
    spec, _ = load_scenario(_scenario(tmp_path, '[horizon]\ntraining_cluster = "fixed"'))
    assert h.min_cluster is not None and (h.min_cluster == spec.training.min_cluster_mw).all()
    for t in range(h.n_years):
        assert h.year_instance(t).min_cluster_mw == spec.training.min_cluster_mw


def test_cluster_mw_follow_the_accelerators() -> None:
    runs = load_time_tables().clusters
    it = runs["accelerators"] * runs["server_kw_per_accelerator"] / 1000
    demand = runs["accelerators"] * runs["tflops_fp16_dense"] * SITE_KW_PER_PF / 1e6
    np.testing.assert_allclose(runs["it_mw"], it, atol=1e-3)
    np.testing.assert_allclose(runs["demand_mw"], demand, atol=1e-3)
    deepseek = runs[runs["model"] == "DeepSeek-V3"].iloc[0]
    assert (deepseek["accelerators"], deepseek["accelerator"]) == (2048, "H800")


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("demand_mw", "9.0", "demand_mw"),
        ("it_mw", "0.1", "it_mw"),
        ("year", "2019", "year"),
        ("stage", "finetune", "stage"),
        ("accelerators", "-5", "accelerators"),
    ],
)
def test_bad_cluster_rows_are_named(tmp_path, column, value, words) -> None:
    lines = (DATA / CLUSTERS_FILE).read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    cells[header.index(column)] = value
    lines[2] = ",".join(cells)
    path = tmp_path / CLUSTERS_FILE
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=f"{CLUSTERS_FILE}.*line 3.*{words}"):
        read_training_clusters(path)


def test_sources_document_the_cluster_columns() -> None:
    sources = (DATA / "SOURCES.md").read_text()
    assert f"`{CLUSTERS_FILE}`" in sources
    header = (DATA / CLUSTERS_FILE).read_text().splitlines()[0].split(",")
    assert [c for c in header if f"`{c}`" not in sources] == []


# ---------------------------------------------------------------- service life


def test_default_life_keeps_the_series_stock_in_service() -> None:
    """With the service life, the cohorts in service at each year-end 2022-2025 are the series."""
    tables = load_time_tables()
    stock = renewed(cohorts(tables.vintages), SERVICE_LIFE_YEARS)
    series = tables.national.set_index("year")["eflops_fp16"] * 1000
    for year in range(2022, LAST_COUNTED_YEAR + 1):
        alive = (stock["start"] <= year) & (year < stock["start"] + SERVICE_LIFE_YEARS)
        assert stock.loc[alive, "pf"].sum() == pytest.approx(
            series[year], abs=RECONCILE_TOLERANCE_PF
        )


def test_horizon_existing_mw_are_the_vintages_through_2025() -> None:
    h = _horizon("2023-2030")  # serves the rest of China: every vintage row is a site's
    tables = load_time_tables()
    assert (h.life == SERVICE_LIFE_YEARS).all()
    rows = tables.vintages[tables.vintages["year_band"] != "2026+"]
    for t, year in enumerate(h.years.tolist()):
        if year > LAST_COUNTED_YEAR:
            break
        bands = [b for b in ("<=2022", "2023", "2024", "2025") if b <= str(year) or b[0] == "<"]
        mw = rows.loc[rows["year_band"].isin(bands), "mw"].sum()
        assert h.existing[:, :, t].sum() == pytest.approx(mw, abs=0.01)


def test_an_order_pays_its_annuity_years_and_serves_its_life() -> None:
    h = make_horizon(3, n_sites=2, n_years=4, lead=0, life=3, standby=1e6, factor=(1.0,))
    h = dataclasses.replace(h, annuity=np.array([2]))
    m = build_horizon_model(h)
    cost = m.arrays.cost * OBJECTIVE_UNIT
    for s in range(2):
        col = m.order[s, 0, 0]
        paid = sum(h.discount[t] * h.capex[s, 0, 0] for t in range(2))
        standby = sum(h.discount[t] * h.standby[s] for t in range(3))
        assert cost[col] == pytest.approx(paid + standby, rel=1e-9)


# ---------------------------------------------------------------- as built, penalty


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """As built with more demand than the fleet: unmet MW at the rent, both foresights."""
    folder = tmp_path_factory.mktemp("as-built")
    path = _scenario(folder, "[demand]\ninference_scale = 1.5")
    return run_horizon(path, compare=True, write=False, map=False)


def test_as_built_has_no_orders(short_run) -> None:
    h = short_run.horizon
    assert not h.buildable.any()
    assert (build_horizon_model(h).order < 0).all()
    for sol in (short_run.solution, short_run.other):
        table = schedule_table(h, sol)
        assert (table["ordered_mw"] == 0).all()
        np.testing.assert_allclose(table["installed_mw"], table["existing_mw"])
        assert all(row["ordered_mw"] == 0 for row in short_run.summary["by_year"])


def test_as_built_plus_may_order() -> None:
    h = _horizon("2023-2025-as-built-plus")
    assert h.buildable.any() and (build_horizon_model(h).order >= 0).any()


def test_penalty_is_the_highest_rent_per_demand_mw(tmp_path) -> None:
    tables = load_time_tables()
    kw = tables.rents["accelerator_class"].map(
        tables.accelerators.set_index("accelerator_class")["kw_per_pf"]
    )
    rent = (tables.rents["rent_mid_cny_per_mw_year"] * kw / SITE_KW_PER_PF).max()
    assert _horizon("2023-2025-as-built").penalty == pytest.approx(rent, rel=1e-12)
    premium = _horizon(_scenario(tmp_path, "[horizon]\nunmet_penalty_premium = 0.2"))
    assert premium.penalty == pytest.approx(1.2 * rent, rel=1e-12)
    number = _horizon(_scenario(tmp_path, "[horizon]\nunmet_penalty = 5.0e8"))
    assert number.penalty == 5.0e8


def test_premium_with_a_number_is_refused(tmp_path) -> None:
    body = "[horizon]\nunmet_penalty = 5.0e8\nunmet_penalty_premium = 0.2"
    with pytest.raises(InputError, match="unmet_penalty_premium"):
        load_scenario(_scenario(tmp_path, body))


def test_penalty_figures_add_up(short_run) -> None:
    summary, h = short_run.summary, short_run.horizon
    unmet = np.array([row["unmet_mw"] for row in summary["by_year"]])
    assert unmet.sum() > 1.0  # the case has unmet demand
    penalty = h.penalty * (h.discount * unmet).sum()
    assert summary["penalty_cny"] == pytest.approx(penalty, rel=1e-6)
    assert summary["pv_cost_without_penalty_cny"] + summary["penalty_cny"] == pytest.approx(
        summary["pv_cost_cny"], rel=1e-12
    )
    for row in summary["by_year"]:
        assert row["unmet_penalty_cny"] == pytest.approx(h.penalty * row["unmet_mw"])
    both = summary["foresights"]
    without = (
        both["myopic"]["pv_cost_without_penalty_cny"]
        - both["perfect"]["pv_cost_without_penalty_cny"]
    )
    assert summary["cost_of_myopia_without_penalty_cny"] == pytest.approx(without)
    penalties = both["myopic"]["penalty_cny"] - both["perfect"]["penalty_cny"]
    assert summary["cost_of_myopia_cny"] == pytest.approx(without + penalties, rel=1e-9)
