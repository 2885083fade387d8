"""``siting classic``: the cost-optimal plan beside the classic location models.

The measures every plan is scored by are checked against each model's own objective (a
p-median's demand-weighted round trip, a p-center's worst, an MCLP's covered demand, an
LSCP's site count, each computed by the solver), and the classic plans must beat the cost
plan at their own measure when they open as many sites. Bad options exit 2 with one line and
write nothing.
"""

from __future__ import annotations

import json
import math
import socket

import pandas as pd
import pytest

from siting.classic import (
    CLASSIC_KINDS,
    ClassicOptions,
    check_options,
    classic_report,
    output_name,
    run_classic,
)
from siting.cli import main
from siting.errors import InputError

from .test_maps import page_data

REL = 1e-6


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("classic")
    return root / "out", root / "maps"


@pytest.fixture(scope="module")
def default_run(folders):
    """All four models beside the default scenario's cost plan; p from the cost plan."""
    out, maps = folders
    return run_classic("default", out_dir=out, maps_dir=maps)


# --- what a run holds -----------------------------------------------------------------------


def test_plans_in_order_with_their_objectives(default_run) -> None:
    kinds = [p.kind for p in default_run.plans]
    assert kinds == ["cost", *CLASSIC_KINDS]
    units = [p.metrics["objective_unit"] for p in default_run.plans]
    assert units == ["CNY/yr", "MW·ms", "ms", "MW", "sites"]
    assert all(p.metrics["status"] == "optimal" for p in default_run.plans)


def test_p_defaults_to_the_cost_plans_site_count_below_the_hubs(default_run) -> None:
    """24 sites for 15 hubs would put one site at every hub: p is capped at hubs - 1."""
    cost = default_run.plans[0].metrics["sites_open"]
    hubs = default_run.plans[0].run.instance.n_hubs
    assert (cost, hubs) == (24, 15)
    assert default_run.sites == 14
    assert default_run.p_source == "the cost plan's 24 open sites, capped at hubs - 1 = 14"
    for plan in default_run.plans[1:4]:  # p-median, p-center, mclp: exactly p
        assert plan.metrics["sites_open"] == 14
    for plan in default_run.plans[1:3]:  # p-median, p-center: some hubs share a site
        flows = plan.run.results.flows
        assert flows.groupby("site_id")["hub_id"].nunique().max() >= 2


@pytest.mark.parametrize(("opened", "hubs", "p"), [(24, 15, 14), (8, 15, 8), (3, 1, 1), (0, 5, 1)])
def test_default_p_rule(opened, hubs, p) -> None:
    from siting.classic.run import default_p

    assert default_p(opened, hubs) == p


def test_the_cost_plan_is_scored_as_optimize_scores_it(default_run) -> None:
    """mean_rtt_ms is optimize's (flows, weighted by MW served); the nearest-site one is named.

    The classic models stand beside the default without its service classes (one class)."""
    from siting.pipeline import optimize
    from siting.scenario import load_scenario

    one = load_scenario("default")[0].with_overrides({"classes": {}})
    run = optimize(one, write=False, map=False)
    cost = default_run.plans[0].metrics
    assert cost["mean_rtt_ms"] == pytest.approx(run.results.kpis["mean_rtt_ms"], rel=1e-9)
    assert cost["max_rtt_ms"] == pytest.approx(run.results.hubs["max_rtt_ms"].max(), rel=1e-9)
    assert cost["mean_rtt_nearest_ms"] < cost["mean_rtt_ms"]  # 0.43 ms against 2.96 ms
    p_median = default_run.plans[1].metrics  # serves each hub from its nearest open site
    assert p_median["mean_rtt_ms"] == pytest.approx(p_median["mean_rtt_nearest_ms"], rel=1e-6)
    text = classic_report(default_run)
    assert "'flows' over the plan's own flows, weighted by MW served" in text
    assert f"{cost['mean_rtt_ms']:6.2f} ms {cost['mean_rtt_nearest_ms']:6.2f} ms" in text


def test_each_models_objective_is_its_own_measure(default_run) -> None:
    """The solver's objective equals the shared measure computed from the open sites."""
    by_kind = {p.kind: p.metrics for p in default_run.plans}
    measure = {
        "p-median": "weighted_rtt_nearest_mw_ms",
        "p-center": "worst_rtt_nearest_ms",
        "mclp": "covered_mw",
        "lscp": "sites_open",
    }
    for kind, key in measure.items():
        assert by_kind[kind]["objective_value"] == pytest.approx(by_kind[kind][key], rel=REL)
    cost = by_kind["cost"]
    assert cost["annual_cost_cny"] == pytest.approx(cost["objective_value"], rel=REL)
    assert all(math.isnan(by_kind[k]["annual_cost_cny"]) for k in CLASSIC_KINDS)


def test_classic_plans_beat_the_cost_plan_at_their_own_measure(default_run) -> None:
    """With 14 sites to the cost plan's 24, each model is still as good at its objective."""
    by_kind = {p.kind: p.metrics for p in default_run.plans}
    cost = by_kind["cost"]
    nearest = "weighted_rtt_nearest_mw_ms"
    assert by_kind["p-median"][nearest] <= cost[nearest] * (1 + REL)
    assert by_kind["p-center"]["worst_rtt_nearest_ms"] <= cost["worst_rtt_nearest_ms"] * (1 + REL)
    assert by_kind["mclp"]["covered_mw"] >= cost["covered_mw"] * (1 - REL)
    assert cost["covered_share"] == pytest.approx(1.0)  # the cost plan serves every hub in SLA
    assert by_kind["lscp"]["sites_open"] <= cost["sites_open"]


def test_outputs_are_written_once_with_provenance(default_run, folders) -> None:
    out, maps = folders
    folder = out / "classic-default"
    assert default_run.table_dir == folder and default_run.map_path == maps / "classic-default.html"
    assert sorted(p.name for p in folder.iterdir()) == [
        ".siting-output.json",  # marks the folder as siting's (docs/security.md)
        "hubs.csv",
        "plans.csv",
        "sites.csv",
        "summary.json",
    ]
    assert [p.name for p in out.iterdir()] == ["classic-default"]  # no staging left
    plans = pd.read_csv(folder / "plans.csv")
    assert plans["model"].tolist() == ["cost", *CLASSIC_KINDS]
    assert plans["open_sites"].str.split(";").map(len).tolist() == plans["sites_open"].tolist()
    hubs = pd.read_csv(folder / "hubs.csv")
    assert len(hubs) == 5 * 15
    sites = pd.read_csv(folder / "sites.csv")
    assert sites.groupby("model", sort=False).size().tolist() == plans["sites_open"].tolist()
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["provenance"]["scenario"] == "default"
    assert summary["provenance"]["scenario_file"] == "siting/scenarios/default.toml"
    assert [p["objective_kind"] for p in summary["plans"]] == ["cost", *CLASSIC_KINDS]
    assert summary["sites"] == default_run.sites and summary["coverage"] == "each hub's SLA"


def test_the_page_shows_every_plan_side_by_side(default_run) -> None:
    page = default_run.map_path.read_text(encoding="utf-8")
    maps = page_data(page)["maps"]
    assert len(maps) == 5
    assert "default · cost-optimal" in maps[0]["panel"] and "Total cost" in maps[0]["panel"]
    assert "default · p-median" in maps[1]["panel"] and "MW·ms" in maps[1]["panel"]
    assert "LSCP (set covering)" in maps[4]["panel"]
    assert len({m["hubOptions"]["maxMw"] for m in maps}) == 1  # shared scales
    assert "sync(maps[0], maps[k])" in page  # every map follows the first


def test_report_names_every_model_and_its_unit(default_run) -> None:
    text = classic_report(default_run)
    for label in ("cost-optimal", "p-median", "p-center", "MCLP", "LSCP"):
        assert label in text
    assert f"p = {default_run.sites} (exactly; from the cost plan's 24 open sites" in text
    assert "MW·ms" in text and "bn CNY/yr" in text and "Map: " in text


# --- the command line -----------------------------------------------------------------------


def test_json_with_options(tmp_path, capsys) -> None:
    out, maps = tmp_path / "out", tmp_path / "maps"
    argv = ["classic", "--sites", "3", "--rule", "at_most", "--kinds", "p-median,lscp"]
    code = main([*argv, "--radius-rtt-ms", "12", "--no-map", "--json", "--out", str(out)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    name = "classic-default-p3-at_most-r12ms-p-median_lscp"
    assert data["tables"] == str(out / name) and data["map"] is None
    assert not maps.exists()
    assert [p["model"] for p in data["plans"]] == ["cost", "p-median", "lscp"]
    assert (
        data["sites"] == 3 and data["sites_from"] == "--sites" and data["sites_rule"] == "at_most"
    )
    assert data["coverage_rtt_ms"] == 12
    assert data["plans"][1]["sites_open"] <= 3
    lscp = data["plans"][2]
    assert lscp["covered_share"] == 1.0 and lscp["objective_value"] == lscp["sites_open"]


def test_quiet_prints_where_outputs_went(tmp_path, capsys) -> None:
    out, maps = tmp_path / "out", tmp_path / "maps"
    argv = ["classic", "--kinds", "p-center", "--sites", "2", "--quiet"]
    assert main([*argv, "--out", str(out), "--maps", str(maps)]) == 0
    printed = capsys.readouterr().out.split()
    name = "classic-default-p2-p-center"
    assert printed == [str(out / name), str(maps / f"{name}.html")]


def test_a_classic_scenario_stands_beside_its_cost_version(tmp_path) -> None:
    scenario = tmp_path / "pm.toml"
    scenario.write_text(
        'extends = "default"\nname = "pm"\n[objective]\nkind = "p-median"\nsites = 3\n'
    )
    run = run_classic(scenario, ClassicOptions(kinds=("p-median",)), write=False)
    assert [p.kind for p in run.plans] == ["cost", "p-median"]
    assert run.p_source == "the scenario" and run.plans[1].metrics["sites_open"] == 3
    assert run.plans[0].metrics["objective_unit"] == "CNY/yr"


def test_output_name_says_the_options_given() -> None:
    assert output_name("default", ClassicOptions()) == "classic-default"
    assert output_name("x", ClassicOptions(("mclp",), 5, "at_most", 7.5)) == (
        "classic-x-p5-at_most-r7.5ms-mclp"
    )


# --- bad input ------------------------------------------------------------------------------


BAD = [
    (["--sites", "0"], "--sites"),
    (["--sites", "-3"], "--sites"),
    (["--sites", "2.5"], "--sites"),
    (["--sites", "31"], "at most the 30 candidate sites"),
    (["--radius-rtt-ms", "0"], "--radius-rtt-ms"),
    (["--radius-rtt-ms", "nan"], "--radius-rtt-ms"),
    (["--radius-rtt-ms", "inf"], "--radius-rtt-ms"),
    (["--kinds", "p-median,bogus"], "--kinds"),
    (["--kinds", "mclp,mclp"], "--kinds"),
    (["--kinds", ""], "--kinds"),
    (["--rule", "most"], "--rule"),
    (["--kinds", "lscp", "--radius-rtt-ms", "0.5"], "leaves 1 hub uncovered"),
    (["2023-2030"], "[horizon]"),
    (["no-such-scenario"], "no-such-scenario"),
]


@pytest.mark.parametrize(("argv", "named"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, argv, named):
    out, maps = tmp_path / "out", tmp_path / "maps"
    assert run_cli(["classic", *argv, "--out", str(out), "--maps", str(maps)]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and named in errors[0], err
    assert "Traceback" not in err
    assert not out.exists() and not maps.exists()


def test_a_radius_covering_no_hub_is_an_error(tiny, capsys) -> None:
    """The tiny scenario's sites are 1 ms (equipment delay) or more from its only hub."""
    out = tiny / "out"
    argv = ["classic", str(tiny / "shift.toml"), "--kinds", "mclp", "--sites", "1"]
    assert main([*argv, "--radius-rtt-ms", "0.5", "--out", str(out), "--no-map"]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "covers no hub" in err and "--radius-rtt-ms" in err
    assert not out.exists()


def test_options_are_checked_before_any_data() -> None:
    with pytest.raises(InputError, match="--sites"):
        check_options(ClassicOptions(sites=0))
    with pytest.raises(InputError, match="--radius-rtt-ms"):
        check_options(ClassicOptions(radius_rtt_ms=-1.0))
    with pytest.raises(InputError, match="--kinds"):
        check_options(ClassicOptions(kinds=()))
    with pytest.raises(InputError, match="--rule"):
        check_options(ClassicOptions(rule="sometimes"))


def run_cli(argv: list[str]) -> int | str | None:
    """Exit status of the command line, also when argparse rejects an argument."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize("option", ["--out", "--maps"])
def test_an_output_folder_in_the_way_is_named_before_any_data(tmp_path, capsys, option) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    folders = {"--out": str(tmp_path / "out"), "--maps": str(tmp_path / "maps")}
    folders[option] = str(blocker / "sub")
    argv = ["classic", "--sites", "2", *(a for kv in folders.items() for a in kv)]
    assert run_cli(argv) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and option in err and "under a file" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_model_without_a_plan_is_reported_and_the_others_stand(tmp_path, capsys, monkeypatch):
    """A classic model the solver finds no plan for (e.g. the time limit) does not sink the rest."""
    import siting.classic.run as classic_run
    from siting.errors import SolverError

    real = classic_run.optimize

    def optimize(prepared, **options):
        if prepared.scenario.objective.kind == "p-center":
            raise SolverError("highs found no feasible plan within the time limit (60 s)")
        return real(prepared, **options)

    monkeypatch.setattr(classic_run, "optimize", optimize)
    out = tmp_path / "out"
    argv = ["classic", "--sites", "3", "--kinds", "p-median,p-center", "--no-map", "--strict"]
    assert main([*argv, "--out", str(out)]) == 3  # --strict: not every model has a plan
    captured = capsys.readouterr()
    assert "p-center" in captured.out and "no plan: highs found no feasible plan" in captured.out
    assert captured.err.count("warning:") == 1 and "p-center: no plan" in captured.err
    table = pd.read_csv(out / "classic-default-p3-p-median_p-center" / "plans.csv")
    assert table["model"].tolist() == ["cost", "p-median", "p-center"]
    assert table["status"].tolist() == ["optimal", "optimal", "failed"]
    assert main([*argv[:-1], "--out", str(out), "--quiet"]) == 0  # without --strict


def test_the_page_works_offline_and_moves_as_one(default_run, tmp_path) -> None:
    """In Chromium with no network: five maps, all drawn, every one following any other."""
    from .test_browser import (
        ARTIFACTS,
        CHROMIUM,
        assert_country_in_view,
        assert_not_blank,
        assert_works_offline,
        screenshot,
        visit,
    )

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/install_browser.sh")
    with socket.socket() as closed:  # a local port that refuses connections
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        seen = visit(CHROMIUM, port, default_run.map_path, tmp_path)
        assert_works_offline(seen)
        probe = seen.probe
        assert probe["maps"] == 5 and probe["pwned"] is None
        assert_country_in_view(probe)
        assert probe["sync"] == {"zoom": 7, "lat": pytest.approx(30.5), "lng": pytest.approx(114.3)}
        for view in probe["syncAll"]:
            assert view == {"zoom": 6, "lat": pytest.approx(35.0), "lng": pytest.approx(110.0)}
        assert len(probe["panels"]) == 5 and "LSCP" in probe["panels"][4]
        ARTIFACTS.mkdir(exist_ok=True)
        assert_not_blank(screenshot(CHROMIUM, port, default_run.map_path, tmp_path))
