"""docs/outputs.md lists every column optimize, plan and market write; its formulas match the code.

The column lists are read from docs/outputs.md: a section ``### <command>: `<table>` ``
followed by a table whose first cell names the column(s) in backticks; ``<class>`` stands for
each service class.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.cli import main

DOC = Path(__file__).resolve().parents[1] / "docs" / "outputs.md"
CLASSES = ("realtime", "interactive", "batch")  # of realtime-10ms


def documented() -> dict[str, list[str]]:
    """Section title (backticks dropped) -> the column names its table lists."""
    sections: dict[str, list[str]] = {}
    title = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().replace("`", "") if line.startswith("### ") else None
            if title is not None:
                sections[title] = []
        elif title is not None and line.startswith("| `"):
            sections[title] += re.findall(r"`([^`]+)`", line.split("|")[1])
    return sections


def expand(names: list[str]) -> set[str]:
    """Documented names with ``<class>`` replaced by each class of realtime-10ms."""
    out = set()
    for name in names:
        out |= {name.replace("<class>", c) for c in CLASSES} if "<class>" in name else {name}
    return out


def run_cli(argv: list[str]) -> str:
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert main(argv) == 0
    return text.getvalue()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path | str]:
    """optimize default and realtime-10ms, plan and market 2023-2025-as-built; folders, text."""
    out = tmp_path_factory.mktemp("outputs")
    found: dict[str, Path | str] = {}
    for name in ("default", "realtime-10ms"):
        run_cli(["optimize", name, "--out", str(out), "--no-map", "--quiet"])
        found[name] = out / name
    found["plan_text"] = run_cli(["plan", "2023-2025-as-built", "--out", str(out), "--no-map"])
    found["plan"] = out / "2023-2025-as-built-plan"
    run_cli(["market", "2023-2025-as-built", "--out", str(out), "--no-map", "--quiet"])
    found["market"] = out / "2023-2025-as-built-market"
    return found


def _check(written: list[set[str]], names: list[str], table: str) -> None:
    every = set().union(*written)
    missing = sorted(every - expand(names))
    assert not missing, f"{table}: written but not in docs/outputs.md: {missing}"
    unused = sorted(expand(names) - every)
    assert not unused, f"{table}: in docs/outputs.md but not written: {unused}"


def test_every_optimize_column_is_documented_and_every_documented_one_written(outputs) -> None:
    docs = documented()
    runs = [outputs["default"], outputs["realtime-10ms"]]
    for table in ("sites", "flows", "hubs"):
        written = [set(pd.read_csv(folder / f"{table}.csv", nrows=1).columns) for folder in runs]
        _check(written, docs[f"optimize: {table}.csv"], f"{table}.csv")
    kpis = [set(json.loads((f / "summary.json").read_text())["kpis"]) for f in runs]
    _check(kpis, docs["optimize: summary.json kpis"], "summary.json kpis")


def test_every_plan_column_is_documented_and_every_documented_one_written(outputs) -> None:
    docs = documented()
    folder = outputs["plan"]
    for table, file in (("schedule.csv", "schedule.csv"), ("stranded.csv", "stranded.csv"),
                        ("sites_YEAR.csv", "sites_2025.csv"), ("idle.csv", "idle.csv"),
                        ("comparison.csv", "comparison.csv")):  # fmt: skip
        written = set(pd.read_csv(folder / file, nrows=1).columns)
        _check([written], docs[f"plan: {table}"], table)
    by_year = json.loads((folder / "summary.json").read_text())["by_year"]
    _check([set(row) for row in by_year], docs["plan: summary.json by_year"], "by_year")


def test_every_market_column_is_documented_and_every_documented_one_written(outputs) -> None:
    docs = documented()
    folder = outputs["market"]
    for table in ("market_sites.csv", "market_idle.csv"):
        written = set(pd.read_csv(folder / table, nrows=1).columns)
        _check([written], docs[f"market: {table}"], table)
    by_year = json.loads((folder / "summary.json").read_text())["by_year"]
    _check([set(row) for row in by_year], docs["market: summary.json by_year"], "by_year")


def test_the_owner_map_s_columns_are_documented() -> None:
    """The site table the owner map draws, as docs/outputs.md lists it."""
    from siting.maps.owners import OPTIONAL_COLUMNS, SITE_COLUMNS

    listed = documented()["market: MAPS/market-<scenario>.html"]
    assert sorted(listed) == sorted(SITE_COLUMNS + OPTIONAL_COLUMNS)


def test_plan_says_which_mw_are_demand_and_which_installed(outputs) -> None:
    """2,931 MW used against 2,075 MW of demand: the table says they are different MW."""
    text = outputs["plan_text"]
    assert "demand MW (two units)" in text and "installed MW" in text
    assert "one serves φ demand MW of training/inference" in text
    assert "export_compliant 0.41/0.53" in text  # the capability per workload
    summary = json.loads((outputs["plan"] / "summary.json").read_text())
    assert summary["mw_units"].startswith("demand_mw, served_mw, unmet_mw: demand MW")
    by_year = summary["by_year"]
    last = by_year[-1]
    assert last["used_mw"] > last["demand_mw"]  # installed MW of classes with φ < 1
    for row in by_year:  # demand MW balance: served + unmet = demand (cost objective)
        assert row["served_mw"] + row["unmet_mw"] == pytest.approx(row["demand_mw"], rel=1e-6)


@pytest.mark.parametrize("name", ["default", "realtime-10ms"])
def test_hub_mean_rtt_is_weighted_by_mw_served_as_documented(outputs, name) -> None:
    """mean_rtt_ms of hubs.csv = Σ mw × rtt_ms / Σ mw over the hub's rows of flows.csv."""
    hubs = pd.read_csv(outputs[name] / "hubs.csv").set_index("hub_id")
    flows = pd.read_csv(outputs[name] / "flows.csv")
    weighted = (flows["mw"] * flows["rtt_ms"]).groupby(flows["hub_id"]).sum()
    mean = weighted / flows.groupby("hub_id")["mw"].sum()
    np.testing.assert_allclose(hubs["mean_rtt_ms"], mean[hubs.index], rtol=1e-9)
    served = flows.groupby("hub_id")["mw"].sum()
    np.testing.assert_allclose(hubs["served_mw"], served[hubs.index], rtol=1e-9)
    model = (DOC.parent / "model.md").read_text(encoding="utf-8").replace("\n", " ")
    assert r"\sum_{q,s} f_{qhs} \mathrm{RTT}_{qhs} / \sum_{q,s} f_{qhs}" in model
    assert r"\mathrm{RTT}_{hs} / D_h" not in model  # not per demand
    summary = json.loads((outputs[name] / "summary.json").read_text())
    overall = (flows["mw"] * flows["rtt_ms"]).sum() / flows["mw"].sum()
    assert summary["kpis"]["mean_rtt_ms"] == pytest.approx(overall, rel=1e-9)


def test_rest_of_china_demand_follows_the_documented_formula_with_inference_scale() -> None:
    """docs/model.md: D_pt = w_p D^R λ U_vt / U^ref, λ = inference_scale."""
    from siting.horizon_run import horizon_for
    from siting.pipeline import prepare
    from siting.rest_of_china import load_allocation, rest_demand_mw, shares
    from siting.vintages import PLANNING_INFERENCE_MW, load_time_tables, use_by_year

    spec = prepare("2023-2030").scenario.with_overrides({"demand.inference_scale": 1.7})
    prepared = prepare(spec)
    h = horizon_for(prepared.instance, prepared.scenario, source="test")
    tables = load_time_tables()
    ids = h.base.hubs.ids
    pseudo = np.flatnonzero(np.char.startswith(ids.astype(str), "rest_"))
    weight = shares(ids[pseudo], load_allocation(h.base.sites.group_names))
    use = use_by_year(tables.demand, "central", role="inference")
    for t, year in enumerate(h.years.tolist()):
        growth = use[year] / PLANNING_INFERENCE_MW
        expected = weight * rest_demand_mw(tables) * 1.7 * growth
        np.testing.assert_allclose(h.demand[pseudo, t], expected, rtol=1e-9)
    text = (DOC.parent / "model.md").read_text(encoding="utf-8")
    assert (
        r"$D_{pt} = w_p D^R\, \lambda\, U_{vt} / U^{\text{ref}}$ with $\lambda$ = "
        "`demand.inference_scale`" in (text.replace("\n  ", " "))
    )
