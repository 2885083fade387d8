"""scripts/compare_outputs.py: two snapshots of runs are compared fairly."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compare_outputs.py"


@pytest.fixture(scope="module")
def compare_outputs():
    spec = importlib.util.spec_from_file_location("compare_outputs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["compare_outputs"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules["compare_outputs"]


SITES = "site_id,open,new_mw,cost_total_cny\na,True,10.0,100.0\nb,False,0.0,0.0\n"


def fake_run(
    root: Path,
    *,
    objective=1000.0,
    bound=None,
    status="optimal",
    sites=SITES,
    termination="optimal; 1 LP round (0.9 s)",
):
    """Write one run as `snapshot` does: run.json, stdout.json and its output folder."""
    run = root / "default"
    out = run / "default"
    out.mkdir(parents=True)
    solver = {
        "status": status,
        "termination": termination,
        "objective_cny": objective,
        "bound_cny": objective if bound is None else bound,
        "seconds": 0.5,
    }
    summary = {"solver": solver, "kpis": {"sites_open": 1}, "timings_s": {"solve": 0.1}}
    (out / "summary.json").write_text(json.dumps(summary))
    (out / "sites.csv").write_text(sites)
    (run / "run.json").write_text(json.dumps({"args": [], "returncode": 0, "seconds": 1.0}))
    (run / "stdout.json").write_text(json.dumps({**summary, "tables": str(out)}))
    return root


def lines(module, a: Path, b: Path) -> tuple[int, list[str]]:
    verdicts = module.compare(a, b)
    return int(any(v.failed for v in verdicts)), [v.line() for v in verdicts]


def test_identical_snapshots_are_the_same(compare_outputs, tmp_path):
    a = fake_run(tmp_path / "a")
    b = fake_run(tmp_path / "b")  # other paths, same results
    assert lines(compare_outputs, a, b) == (0, ["default: same"])


def test_timings_and_paths_are_not_compared(compare_outputs, tmp_path):
    a = fake_run(tmp_path / "a")
    b = fake_run(tmp_path / "b")
    summary = json.loads((b / "default/default/summary.json").read_text())
    summary["solver"]["seconds"] = 99.0
    summary["timings_s"]["solve"] = 42.0
    (b / "default/default/summary.json").write_text(json.dumps(summary))
    assert lines(compare_outputs, a, b)[0] == 0


SWAPPED = "site_id,open,new_mw,cost_total_cny\na,False,0.0,0.0\nb,True,10.0,100.0\n"
FEASIBLE = {"status": "feasible"}


@pytest.mark.parametrize(
    ("run_a", "run_b", "status", "said"),
    [
        pytest.param(
            {},
            {"sites": SITES.replace("a,True,10.0,100.0", "a,True,10.0,101.0")},
            1,
            "default: differs: sites.csv row 1 cost_total_cny '100.0' vs '101.0'",
            id="one-number",
        ),
        pytest.param(
            {}, {"objective": 1000.01}, 1, "default: differs: objective 1000 vs 1000.01", id="obj"
        ),
        pytest.param(
            {},
            {"objective": 1000.0 * (1 + 1e-9), "sites": SITES.replace("10.0", "10.0000000001")},
            0,
            "default: same",
            id="round-off",
        ),
        pytest.param(
            {}, {"termination": "optimal; 1 LP round (12.5 s)"}, 0, "default: same", id="time"
        ),
        pytest.param(
            {},
            {"termination": "optimal; 2 LP rounds (0.9 s)"},
            1,
            "summary.json: solver.termination 'optimal; 1 LP round (0.9 s)' vs 'optimal; 2 LP",
            id="text",
        ),
        pytest.param(
            {}, {"sites": SWAPPED}, 0, "objectives tie at 1000; decisions differ", id="tie"
        ),
        pytest.param(
            {"objective": 1010.0, "bound": 990.0, **FEASIBLE},
            {"objective": 1000.0, "bound": 995.0, **FEASIBLE},
            0,
            "within the certified intervals [990, 1010] and [995, 1000]",
            id="within-gap",
        ),
        pytest.param(
            {"objective": 1010.0, "bound": 1005.0, **FEASIBLE},
            {"objective": 1000.0, "bound": 995.0, **FEASIBLE},
            1,
            "default: differs: objective 1010 vs 1000",
            id="outside-gap",
        ),
    ],
)
def test_differences_pass_or_fail(compare_outputs, tmp_path, run_a, run_b, status, said):
    a = fake_run(tmp_path / "a", **run_a)
    b = fake_run(tmp_path / "b", **run_b)
    got_status, out = lines(compare_outputs, a, b)
    assert got_status == status
    assert said in out[0]


def test_a_missing_table_or_column_fails(compare_outputs, tmp_path):
    a = fake_run(tmp_path / "a")
    b = fake_run(tmp_path / "b", sites=SITES.replace(",cost_total_cny", ",cost_cny"))
    status, out = lines(compare_outputs, a, b)
    assert status == 1
    assert "columns differ (only in A: ['cost_total_cny'], only in B: ['cost_cny'])" in out[0]
    shutil.rmtree(b)
    fake_run(b)
    (b / "default/default/sites.csv").unlink()
    assert lines(compare_outputs, a, b)[1] == ["default: differs: sites.csv only in A"]


def test_the_output_folder_may_be_renamed(compare_outputs, tmp_path):
    a = fake_run(tmp_path / "a")
    b = fake_run(tmp_path / "b")
    (b / "default/default").rename(b / "default/default-plan")
    assert lines(compare_outputs, a, b) == (0, ["default: same"])


def test_runs_follow_the_scenarios_runner(compare_outputs):
    runs = compare_outputs.runs()
    assert runs["default"] == ["optimize", "default", "--no-map"]
    assert runs["2023-planner"] == ["plan", "2023-planner", "--no-map"]
    assert runs["2023-2025-as-built"][0] == "plan"


def test_a_run_dropped_fails_and_a_new_one_is_said(compare_outputs, tmp_path):
    a = fake_run(tmp_path / "a")
    b = fake_run(tmp_path / "b")
    shutil.copytree(b / "default", b / "county-years")
    assert lines(compare_outputs, a, b) == (
        0,
        ["default: same", "county-years: same (new: only in B, nothing to compare with)"],
    )
    assert lines(compare_outputs, b, a) == (
        1,
        ["default: same", "county-years: differs: run only in A"],
    )


def analysis_run(root: Path, *, cost: float, flows: str) -> Path:
    """An analysis run (no one headline solve): printed costs and a flows table."""
    run = root / "audit"
    out = run / "audit"
    out.mkdir(parents=True)
    (out / "flows.csv").write_text(flows)
    (run / "run.json").write_text(json.dumps({"args": [], "returncode": 0, "seconds": 1.0}))
    (run / "stdout.json").write_text(json.dumps({"cost_optimal_cny": cost, "extra_cny": 0.0}))
    return root


FLOWS = "hub_id,site_id,mw,rtt_ms\nh,a,5.0,1.0\n"
OTHER_FLOWS = "hub_id,site_id,mw,rtt_ms\nh,a,2.0,1.0\nh,b,3.0,4.0\n"


def test_an_analysis_with_equal_costs_and_other_flows_is_a_tie(compare_outputs, tmp_path):
    a = analysis_run(tmp_path / "a", cost=8.7e9, flows=FLOWS)
    b = analysis_run(tmp_path / "b", cost=8.7e9 * (1 + 1e-15), flows=OTHER_FLOWS)
    code, shown = lines(compare_outputs, a, b)
    assert code == 0 and "an alternative optimum" in shown[0]
    c = analysis_run(tmp_path / "c", cost=8.8e9, flows=OTHER_FLOWS)
    assert lines(compare_outputs, a, c)[0] == 1  # another cost: not a tie


def test_money_round_off_below_a_tenth_of_a_fen_is_equal(compare_outputs):
    assert compare_outputs.same_value(0.0, -3.8e-6, "extra_cost_cny")
    assert not compare_outputs.same_value(0.0, 0.01, "extra_cost_cny")
    assert not compare_outputs.same_value(0.0, -3.8e-6 * 1e3, "rtt_ms")
