"""The command line end to end on the default scenario, and its error behaviour."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from siting.cli import main
from siting.maps import LAYERS
from siting.solve.options import RunOptions

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
    by_hub = hubs.set_index("hub_id")
    pairs = zip(flows["hub_id"], flows["class"], strict=True)
    sla = [by_hub.at[h, f"sla_{q}_rtt_ms"] for h, q in pairs]
    assert (flows["rtt_ms"] <= pd.Series(sla) + 1e-9).all()
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
    one = data_copy.folder / "one.toml"  # one class: hub_sla_ms only relaxes a class's SLA
    one.write_text(
        'extends = "copy.toml"\nname = "one"\nclasses = {}\n'
        "[demand]\nhub_sla_ms = { shanghai = 0.5 }\n"
    )
    result = _bad_run(data_copy.folder, one)
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


#: What the default run does not use: folium and its templates (the map's page ships
#: rendered, siting.maps.skeleton), PuLP (HiGHS reads the arrays), batch, plots, other
#: runners, the rest-of-China inputs.
UNUSED_BY_DEFAULT = (
    "folium", "branca", "jinja2", "xyzservices", "requests", "dask", "distributed", "matplotlib",
    "osmnx", "scipy", "sklearn", "pulp", "siting.batch", "siting.horizon_run", "siting.analysis",
    "siting.plots", "siting.classic", "siting.sweep", "siting.horizon", "siting.rest_of_china",
    "siting.vintages", "rich.progress",
)  # fmt: skip


def test_the_default_run_imports_nothing_it_does_not_use(tmp_path) -> None:
    """`siting optimize`, map and summary included, in a fresh process (issue 17)."""
    code = (
        "import sys\n"
        "from siting.cli import main\n"
        f"status = main(['optimize', '--out', {str(tmp_path)!r}, '--maps', {str(tmp_path)!r}])\n"
        "print('\\nstatus', status, 'modules', *sorted(sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    status, loaded = run.stdout.splitlines()[-1].split(" modules ")
    assert status == "status 0" and (tmp_path / "default.html").exists()
    assert [m for m in UNUSED_BY_DEFAULT if m in loaded.split()] == []


def test_the_collector_pauses_only_while_the_modules_load(monkeypatch) -> None:
    import gc

    from siting.cli.commands import validate

    seen = []
    real = validate.check
    monkeypatch.setattr(validate, "check", lambda args: seen.append(gc.isenabled()))
    argv = ["validate", "--quiet"]
    assert main(argv) == 0 and seen == [False] and gc.isenabled()
    gc.disable()  # a caller's own choice stands
    try:
        monkeypatch.setattr(validate, "check", real)
        assert main(argv) == 0 and not gc.isenabled()
    finally:
        gc.enable()


# Runs the CLI with one stage replaced by a function that interrupts the process as a
# terminal's Ctrl-C would (SIGINT) when the stage starts, or after it ran with "after".
_INTERRUPT = """
import importlib, os, signal, sys, time

def interrupt():
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(60)  # the signal ends this

if __name__ == "__main__":
    target, when, *argv = sys.argv[1:]
    module, name = target.split(":")
    module = importlib.import_module(module)
    original = getattr(module, name)

    def stage(*args, **kwargs):
        if when == "before":
            interrupt()
        result = original(*args, **kwargs)
        interrupt()
        return result

    setattr(module, name, stage)
    from siting.cli import main

    sys.exit(main(argv))
"""


@pytest.mark.parametrize(
    ("target", "when"),
    [
        ("siting.pipeline:load_inputs", "before"),
        ("siting.stages:solve", "before"),
        ("siting.pipeline:make_map", "before"),
        ("siting.pipeline:write_tables", "after"),
        ("siting.io.folders:save_map", "after"),
    ],
)
def test_interrupt_at_any_stage_exits_130_with_one_line(tiny, tmp_path, target, when) -> None:
    script = tmp_path / "interrupt.py"
    script.write_text(_INTERRUPT)
    out, maps = tmp_path / "out", tmp_path / "maps"
    argv = ["optimize", str(tiny / "boom.toml"), "--out", str(out), "--maps", str(maps)]
    result = subprocess.run(
        [sys.executable, str(script), target, when, *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr == "siting: interrupted\n"
    for folder in (out, maps):  # nothing written, not even a staging file
        assert not folder.exists() or list(folder.rglob("*")) == []


def test_scenarios_lists_every_shipped_scenario(capsys) -> None:
    from siting.scenario import shipped_scenarios

    assert main(["scenarios", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    shipped = sorted(p.stem for p in (REPO / "siting" / "scenarios").glob("*.toml"))
    assert sorted(listed) == shipped
    assert listed == shipped_scenarios()
    assert all(listed.values())  # every shipped scenario says what it assumes
    assert main(["scenarios"]) == 0
    text = capsys.readouterr().out
    assert all(name in text for name in shipped)


def test_json_quiet_and_no_map(tiny, tmp_path, capsys) -> None:
    out, maps = tmp_path / "out", tmp_path / "maps"
    argv = ["optimize", str(tiny / "shift.toml"), "--out", str(out), "--maps", str(maps)]
    assert main([*argv, "--no-map", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["scenario"]["name"] == "shift" and summary["map"] is None
    assert summary["tables"] == str(out / "shift")
    assert not maps.exists() and (out / "shift" / "sites.csv").exists()
    assert main([*argv, "--quiet"]) == 0
    assert capsys.readouterr().out.splitlines() == [str(out / "shift"), str(maps / "shift.html")]
    assert main(["validate", str(tiny / "shift.toml"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True
    with pytest.raises(SystemExit):  # one or the other
        main([*argv, "--json", "--quiet"])


def test_plan_not_proven_optimal_warns_and_strict_exits_3(tiny, tmp_path, monkeypatch, capsys):
    """A solver that stops at its limit: a warning with the gap and what to raise."""
    import dataclasses

    import siting.stages
    from siting.solve import Status

    solve = siting.stages.solve

    def stopped_early(*args, **kwargs):
        return dataclasses.replace(solve(*args, **kwargs), status=Status.FEASIBLE, gap=0.0405)

    monkeypatch.setattr(siting.stages, "solve", stopped_early)
    argv = ["optimize", str(tiny / "shift.toml"), "--out", str(tmp_path / "o"), "--no-map"]
    assert main([*argv, "--quiet", "--time-limit", "7"]) == 0
    err = capsys.readouterr().err
    assert re.fullmatch(
        r"siting: warning: shift: \w+ stopped before proving optimality, at a gap of 4\.05% "
        r"\(asked for 0\.0001; time limit 7 s\): the plan may cost more than the optimum\. "
        r"Raise --time-limit, or accept a larger --gap\n",
        err,
    ), err
    assert main([*argv, "--quiet", "--strict"]) == 3
    assert "stopped before proving optimality" in capsys.readouterr().err
    monkeypatch.setattr(siting.stages, "solve", solve)
    assert main([*argv, "--quiet", "--strict"]) == 0
    assert capsys.readouterr().err == ""


def test_robust_folders_never_collide() -> None:
    from siting.cli.commands.robust import robust_name as _robust_name

    assert _robust_name("regret", ["a", "b"]) == "robust-regret-a-b"
    assert _robust_name("regret", ["a", "b"]) != _robust_name("regret", ["a", "c"])
    long = [f"scenario-{i:03d}" for i in range(20)]
    other = [*long[:-1], "scenario-999"]
    assert len(_robust_name("expected", long)) < 100
    assert _robust_name("expected", long) != _robust_name("expected", other)


def test_plurals_and_no_negative_zero(tiny) -> None:
    from rich.console import Console

    from siting.errors import counted
    from siting.report import _more, _mw

    assert counted(1, "site") == "1 site" and counted(2, "site") == "2 sites"
    assert counted(1234, "hub") == "1,234 hubs"
    assert _mw(-1e-9) == "0" and _mw(-0.0) == "0" and _mw(-2.0) == "-2"
    console = Console(record=True, width=200)
    _more(console, 26, "site", "sites.csv")
    assert "... and 1 more site (largest" in console.export_text()


def test_markup_in_data_is_printed_literally(tiny, tmp_path, capsys) -> None:
    """Rich would read '[/bold]' in a site name as a closing tag and crash."""
    sites = (
        (tiny / "sites.csv")
        .read_text()
        .replace("Shanghai,Shanghai,121.47", "[/bold] [red]x,Shanghai,121.47")
    )
    (tiny / "sites.csv").write_text(sites)
    argv = ["optimize", str(tiny / "shift.toml"), "--out", str(tmp_path / "o"), "--no-map"]
    assert main(argv) == 0
    assert "[/bold] [red]x" in capsys.readouterr().out


def _rendered(print_to, width: int = 80) -> list[str]:
    """What a printing function shows on a terminal ``width`` columns wide, line by line."""
    from rich.console import Console

    console = Console(width=width, record=True, file=io.StringIO())
    print_to(console)
    return console.export_text().splitlines()


def _numbers_whole(lines: list[str], width: int = 80) -> None:
    """No line is wider than the terminal and no cell is cut short ("5…" for 5,360)."""
    assert max(map(len, lines)) <= width, "\n".join(lines)
    assert not [line for line in lines if "…" in line], "\n".join(lines)


@pytest.mark.parametrize("scenario", ["one class", "realtime-10ms"])
def test_summary_fits_80_columns(scenario) -> None:
    """At 80 columns the capex 5,360 and total 6,032 of the one-class plan were shown as 5… 6…."""
    from siting.pipeline import optimize
    from siting.report import print_summary
    from siting.scenario import load_scenario

    one = load_scenario("default")[0].with_overrides({"classes": {}})
    run = optimize(one if scenario == "one class" else scenario, write=False)
    lines = _rendered(lambda console: print_summary(run, console))
    _numbers_whole(lines)
    text = " ".join(" ".join(lines).split())
    assert "Not shown at this width:" in text and "(all in sites.csv)" in text
    wide = "\n".join(_rendered(lambda console: print_summary(run, console), width=250))
    assert "Not shown" not in wide  # a wide terminal shows every column
    if scenario == "one class":
        shenzhen = next(line for line in lines if line.startswith("│ Shenzhen"))
        assert "5,360" in shenzhen and "6,032" in shenzhen


def test_plan_summary_fits_80_columns(tmp_path) -> None:
    from siting.horizon_run import horizon_report, run_horizon

    path = tmp_path / "h.toml"
    path.write_text(
        'extends = "default"\nname = "h"\nclasses = {}\n\n[horizon]\nyears = [2024, 2025]\n'
    )
    run = run_horizon(str(path), compare=True, write=False, map=False)
    _numbers_whole(_rendered(lambda console: console.print(horizon_report(run, 2025))))


# A MIP HiGHS needs far longer than a second for (400 knapsack items, 60 constraints, gap 0),
# solved through siting's own HiGHS runner; it prints "started" first.
_HARD_MIP = """
import os, sys
import numpy as np, highspy, pulp
import siting.solve.highs as highs
from siting.solve.highs import new_highs, run
from siting.solve.cbc import run_cbc

still_running = getattr(highs, "still_running", lambda: False)

rng = np.random.default_rng(0)
n, m = 400, 60
cost = rng.integers(10, 100, n).astype(float)
weight = rng.integers(1, 60, (m, n)).astype(float)
cap = rng.integers(500, 2000, m).astype(float)
if sys.argv[1] == "highs":
    h = new_highs(0.0, None)
    h.addVars(n, np.zeros(n), np.ones(n))
    every = np.arange(n, dtype=np.int32)
    h.changeColsCost(n, every, -cost)
    for i in range(m):
        h.addRow(-highspy.kHighsInf, cap[i], n, every, weight[i])
    h.changeColsIntegrality(n, every, np.ones(n, dtype=np.uint8))
    solve = lambda: run(h, 120, is_mip=True)
else:
    prob = pulp.LpProblem("hard", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(n)]
    prob += pulp.lpDot(cost, x)
    for i in range(m):
        prob += pulp.lpDot(weight[i], x) <= cap[i]
    solve = lambda: run_cbc(prob, 120, 0.0, None)
print("started", flush=True)
try:
    solve()
except KeyboardInterrupt:
    print("interrupted", flush=True)
    os._exit(130 if not still_running() else 131)
print("solved", flush=True)
"""


def _press_ctrl_c(argv: list[str], ready, *, watch: str = "err", **kwargs) -> tuple:
    """Start a process and press Ctrl-C (SIGINT) once ``ready(process, line)`` says so.

    ``ready`` sees each line of standard error (of standard output with ``watch="out"``).
    Returns the exit status, the watched stream's text and the other stream's.
    """
    import signal
    import threading

    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with subprocess.Popen(argv, text=True, **pipes, **kwargs) as process:
        stream, other = (process.stderr, process.stdout)[:: 1 if watch == "err" else -1]
        rest: list[str] = []
        drain = threading.Thread(target=lambda: rest.append(other.read()), daemon=True)
        drain.start()
        seen: list[str] = []
        for line in stream:
            seen.append(line)
            if ready(process, line):
                process.send_signal(signal.SIGINT)
                break
        tail = threading.Thread(target=lambda: seen.append(stream.read()), daemon=True)
        tail.start()
        try:
            code = process.wait(timeout=60)  # the solves given are far longer: a hang guard
        finally:
            process.kill()
        drain.join(10)
        tail.join(10)
    return code, "".join(seen), "".join(rest)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_ctrl_c_stops_the_solver(solver, tmp_path) -> None:
    """A Ctrl-C during a solve ends it (HiGHS through its interrupt callbacks, CBC's process
    terminated) long before its 120 s limit, and leaves no solver running.

    Before, HiGHS ran on to its limit and PuLP left CBC running."""
    import time

    import psutil

    script = tmp_path / "hard.py"
    script.write_text(_HARD_MIP)
    found: list = []

    def ready(process, line: str) -> bool:
        if not line.startswith("started"):
            return False
        for _ in range(600 if solver == "cbc" else 0):  # wait for the cbc process itself
            children = psutil.Process(process.pid).children(recursive=True)
            found[:] = [p for p in children if p.name() == "cbc"]
            if found:
                break
            time.sleep(0.1)
        time.sleep(0.5)  # into the solve
        return True

    argv = [sys.executable, str(script), solver]
    code, out, err = _press_ctrl_c(argv, ready, watch="out", cwd=tmp_path)
    assert code == 130, (out, err)
    assert "interrupted" in out and "solved" not in out
    if solver == "cbc":
        assert found, "cbc never started"
        time.sleep(0.5)
        assert not [p for p in found if p.is_running() and p.status() != "zombie"]


def test_ctrl_c_during_optimize_exits_130_and_writes_nothing(tmp_path) -> None:
    """Ctrl-C while HiGHS solves the county scenario: exit 130, one line, nothing written."""
    out, maps = tmp_path / "out", tmp_path / "maps"
    argv = [sys.executable, "-m", "siting", "optimize", "county", "--verbose"]
    argv += ["--time-limit", "300", "--out", str(out), "--maps", str(maps)]
    started = lambda process, line: line.startswith("highs:")  # noqa: E731
    code, err, _ = _press_ctrl_c(argv, started, cwd=tmp_path)
    assert code == 130, err
    assert err.rstrip().endswith("siting: interrupted") and "Traceback" not in err
    for folder in (out, maps):
        assert not folder.exists() or list(folder.rglob("*")) == []


def test_progress_on_stderr_unless_quiet_or_json(tiny, tmp_path, capsys) -> None:
    """Each decomposition round is one line on standard error, with value, bound, gap and time;
    --quiet and --json print none (standard output stays JSON); --verbose adds HiGHS's log; the
    library prints nothing."""
    argv = ["optimize", str(tiny / "shift.toml"), "--strategy", "decompose", "--no-map"]
    argv += ["--out", str(tmp_path), "--time-limit", "50"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert re.search(
        r"^siting: decomposition, LP round 1: value [\d,.e+-]+, bound [\d,.e+-]+, gap [\d.]+%, "
        r"[\d.]+ s of (50\.0|49\.\d) s$",  # the limit left to the solve, to 0.1 s
        err,
        re.MULTILINE,
    ), err
    assert re.search(r"^siting: decomposition, MILP on \d+ of \d+ sites: ", err, re.MULTILINE)
    assert "highs:" not in err
    for terse in ("--quiet", "--json"):
        assert main([*argv, terse]) == 0
        captured = capsys.readouterr()
        assert captured.err == "", captured.err
    json.loads(captured.out)
    assert main([*argv, "--json", "--verbose"]) == 0
    captured = capsys.readouterr()
    assert "highs: " in captured.err and "siting: decomposition" not in captured.err
    json.loads(captured.out)

    from siting.pipeline import optimize

    optimize(str(tiny / "shift.toml"), write=False, options=RunOptions(strategy="decompose"))
    assert capsys.readouterr() == ("", "")


def test_fitted_table_leaves_out_the_least_important_columns_first() -> None:
    """By hand: 4 columns need 3·4+1 = 13 characters of borders and padding, and at least
    8 (the name's longest word) + 10 + 9 + 5; at width 40 they fit only without 'b' (rank 2)."""
    from siting.report import Col, fitted_table

    columns = [
        Col("name", ["Horinger New Area (Hohhot)"], text=True),
        Col("a", ["12,345,678"]),
        Col("b", ["9,999,999"], rank=2),
        Col("c", ["1,234"], rank=1),
    ]
    table, left_out = fitted_table("t", columns, 40)
    assert left_out == ["b"]
    lines = _rendered(lambda console: console.print(table), width=40)
    _numbers_whole(lines, 40)
    assert "12,345,678" in "".join(lines) and "1,234" in "".join(lines)
    assert fitted_table("t", columns, 80)[1] == []
    assert fitted_table("t", columns, 20)[1] == ["b", "c"]  # rank 0 stays, even if too wide
