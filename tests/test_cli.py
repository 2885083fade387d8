"""The command line end to end on the default scenario, and its error behaviour."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from siting.cli import main
from siting.maps import LAYERS

from .conftest import REPO
from .test_layers import set_cell


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    code = main(["optimize", "--out", str(out / "out"), "--maps", str(out / "maps"), "--quiet"])
    assert code == 0
    return out


def test_optimize_writes_tables_and_map(default_run) -> None:
    tables = default_run / "out" / "default"
    for name in ("sites", "flows", "hubs"):
        assert (tables / f"{name}.csv").stat().st_size > 0
        assert (tables / f"{name}.geojson").stat().st_size > 0
    summary = json.loads((tables / "summary.json").read_text())
    assert summary["solver"]["status"] == "optimal"
    block = summary["provenance"]
    assert len(block["scenario_hash"]) == 64 and len(block["data_hash"]) == 64
    assert summary["scenario"]["name"] == "default"
    assert set(summary["timings_s"]) >= {"load", "instance", "build", "solve", "results", "map"}
    assert not [p for p in (default_run / "out").iterdir() if p.name.startswith(".")]


def test_tables_add_up(default_run) -> None:
    tables = default_run / "out" / "default"
    sites = pd.read_csv(tables / "sites.csv")
    flows = pd.read_csv(tables / "flows.csv")
    hubs = pd.read_csv(tables / "hubs.csv")
    summary = json.loads((tables / "summary.json").read_text())
    assert sites["cost_total_cny"].sum() == pytest.approx(
        summary["solver"]["objective_cny"], rel=1e-6
    )
    assert flows.groupby("hub_id")["mw"].sum().reindex(hubs["hub_id"]).to_numpy() == pytest.approx(
        hubs["demand_mw"].to_numpy(), rel=1e-6
    )
    assert sites["training_mw"].sum() == pytest.approx(summary["scenario"]["demand"]["training_mw"])
    assert (flows["rtt_ms"] <= summary["scenario"]["demand"]["inference_sla_ms"] + 1e-9).all()
    trained = sites[sites["training_mw"] > 1e-6]
    assert (
        trained["training_mw"] >= summary["scenario"]["training"]["min_cluster_mw"] - 1e-6
    ).all()


def test_map_has_the_layers(default_run) -> None:
    page = (default_run / "maps" / "default.html").read_text()
    assert "L.map(" in page
    for layer in LAYERS:
        assert layer in page, layer
    assert "siting-panel" in page
    assert page.count("siting-site") >= 25


def test_help_is_complete(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "optimize" in text and "validate" in text and "exit status" in text
    with pytest.raises(SystemExit):
        main(["optimize", "--help"])
    text = capsys.readouterr().out
    for flag in ("--out", "--maps", "--solver", "--time-limit", "--gap", "SCENARIO"):
        assert flag in text


def test_python_dash_m(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "siting", "validate"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def _bad_run(tmp_path, scenario) -> subprocess.CompletedProcess:
    out, maps = tmp_path / "out", tmp_path / "maps"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "siting",
            "optimize",
            str(scenario),
            "--out",
            str(out),
            "--maps",
            str(maps),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def _assert_clean_failure(result, tmp_path, pattern: str) -> None:
    import re

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert re.search(pattern, result.stderr), result.stderr
    assert result.stderr.startswith("siting: error: ")
    for folder in ("out", "maps"):
        leftovers = list((tmp_path / folder).rglob("*")) if (tmp_path / folder).exists() else []
        assert leftovers == [], leftovers


def test_bad_data_exits_2_without_output(data_copy) -> None:
    data_copy("sites.csv", lambda t: set_cell(t, 0, "province", "Atlantis"))
    result = _bad_run(data_copy.folder, data_copy.scenario)
    _assert_clean_failure(
        result, data_copy.folder, r"field 'province': unknown province 'Atlantis'"
    )


def test_unknown_scenario_key_exits_2(data_copy) -> None:
    text = data_copy.scenario.read_text().replace("[latency]", "[latency]\nspeed = 3")
    data_copy.scenario.write_text(text)
    result = _bad_run(data_copy.folder, data_copy.scenario)
    _assert_clean_failure(result, data_copy.folder, r"\[latency\]: field 'speed': unknown key")


def test_unparseable_scenario_exits_2(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    result = _bad_run(tmp_path, bad)
    _assert_clean_failure(result, tmp_path, r"bad.toml: not valid TOML")


def test_infeasible_sla_names_hub_and_nearest(data_copy) -> None:
    text = data_copy.scenario.read_text().replace(
        "hub_sla_ms = {}", "hub_sla_ms = { shanghai = 0.5 }"
    )
    data_copy.scenario.write_text(text)
    result = _bad_run(data_copy.folder, data_copy.scenario)
    _assert_clean_failure(
        result,
        data_copy.folder,
        r"infeasible:\n  - hub 'shanghai': no site within 0.5 ms; "
        r"the nearest is '\w+' at \d+\.\d ms",
    )


def test_unknown_hub_in_sla_override(data_copy) -> None:
    text = data_copy.scenario.read_text().replace(
        "hub_sla_ms = {}", "hub_sla_ms = { gotham = 5.0 }"
    )
    data_copy.scenario.write_text(text)
    result = _bad_run(data_copy.folder, data_copy.scenario)
    _assert_clean_failure(
        result, data_copy.folder, r"\[demand.hub_sla_ms\]: field 'gotham': unknown hub"
    )


def test_failure_keeps_previous_outputs(data_copy) -> None:
    """A failed re-run must not destroy the outputs of an earlier successful run."""
    out, maps = data_copy.folder / "o", data_copy.folder / "m"
    assert (
        main(
            ["optimize", str(data_copy.scenario), "--out", str(out), "--maps", str(maps), "--quiet"]
        )
        == 0
    )
    before = sorted(p.name for p in (out / "copy").iterdir())
    data_copy("hubs.csv", lambda t: set_cell(t, 0, "inference_mw", "-1"))
    assert (
        main(
            ["optimize", str(data_copy.scenario), "--out", str(out), "--maps", str(maps), "--quiet"]
        )
        == 2
    )
    assert sorted(p.name for p in (out / "copy").iterdir()) == before
    assert sorted(p.name for p in maps.iterdir()) == ["copy.html"]


def test_repo_layout() -> None:
    for name in (
        "pyproject.toml",
        "siting",
        "data",
        "maps",
        "tests",
        "notebooks",
        "scripts",
        "benchmarks",
        "Makefile",
        "README.md",
        ".ci/run",
        "docs/model.md",
    ):
        assert (REPO / name).exists(), name
