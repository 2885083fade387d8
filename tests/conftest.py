"""Small, hand-checkable instances and helpers shared by the tests."""

from __future__ import annotations

import dataclasses
import itertools
import signal

import numpy as np
import pytest
from scipy.optimize import linprog

from siting.instance import Instance, Pairs, ServiceClasses, Sites

# A shell starts background jobs with Ctrl-C ignored, and an ignored signal stays ignored in
# every child, so the tests that press Ctrl-C on a subprocess would see nothing happen. Catching
# it here makes children start with the default disposition, as under a terminal.
signal.signal(signal.SIGINT, signal.default_int_handler)


#: Test lanes (markers registered in pyproject.toml): ``make test-fast`` deselects them all,
#: ``make test`` (CI) runs every lane. A whole module in one lane:
LANE_OF_MODULE = {
    "test_browser.py": "browser",
    "test_notebooks.py": "notebook",
    "test_batch.py": "dask",
    "test_fuzz.py": "slow",  # the malformed-input corpus, 600+ runs of the program
    "test_scale.py": "slow",  # the prefecture and county instances
    "test_families.py": "slow",  # a solve for every scenario family in every runner
    "test_readme.py": "slow",  # every README and docs/api.md command, run as a user runs it
    "test_readme_claims.py": "slow",  # three as-built plans, every README figure on 2024
}
#: Single tests (``module::function``, any parameters) in a lane; a test may also mark itself.
#: The slow ones: the slowest in ``pytest --durations`` on a busy 2-core machine (2.5 s and more
#: each, or 8 s summed over parameters), so that ``make test-fast`` stays near 3 minutes.
LANE_OF_TEST = {
    "test_classic_cli.py::test_the_page_works_offline_and_moves_as_one": "browser",
    "test_commands.py::test_batch_command": "dask",
    "test_packaging.py::test_installed_wheel_runs_a_shipped_sweep_from_another_folder": "dask",
    "test_packaging.py::test_wheel_carries_data_scenarios_and_licence": "slow",  # builds a wheel
    "test_packaging.py::test_installed_wheel_validates_from_another_folder": "slow",
    "test_map_security.py::test_payload_in_every_field_stays_text": "slow",
    "test_map_security.py::test_payload_in_every_plan_map_field_stays_text": "slow",
    "test_map_security.py::test_issue_8_reproducer_through_the_cli": "slow",
    "test_map_security.py::test_classic_page_through_the_cli": "slow",
    "test_classic_spopt.py::test_default_scenario_equals_spopt": "slow",
    "test_cli.py::test_interrupt_at_any_stage_exits_130_with_one_line": "slow",
    "test_classic.py::test_site_count_with_cost_equals_brute_force": "slow",
    "test_classic.py::test_site_count_cases_bind_and_include_infeasible": "slow",
    "test_analysis.py::test_robust_on_shipped_story_scenarios": "slow",
    "test_pcenter.py::test_the_api_solves_p_center_by_radius_search": "slow",
    "test_solve.py::test_gap_tolerance_is_respected": "slow",
    "test_solve.py::test_cbc_bound_is_valid_and_below_the_plan": "slow",
    "test_decompose.py::test_certified_bound_never_exceeds_the_optimum": "slow",
    "test_classes.py::test_bad_class_input_exits_2_without_output": "slow",
    "test_classes.py::test_brute_force_cases_bind": "slow",
    "test_periods.py::test_brute_force_cases_bind_and_use_lead_and_retirement": "slow",
    "test_periods.py::test_optimum_equals_brute_force": "slow",
    "test_model.py::test_array_build_has_the_same_optimum": "slow",
    "test_model.py::test_brute_force_cases_include_binding_limits": "slow",
    "test_vintages.py::test_moving_a_vintage_row_a_year_fails_the_reconciliation": "slow",
    "test_map_security.py::test_no_template_holds_data": "slow",
    "test_map_security.py::test_no_template_holds_plan_map_data": "slow",
    "test_maps.py::test_folium_loads_only_when_a_page_is_drawn": "slow",
    "test_plan.py::test_batch_point_plans_a_horizon_scenario": "slow",
    "test_cli.py::test_python_dash_m": "slow",
    "test_cli.py::test_infeasible_sla_names_hub_and_nearest": "slow",
    "test_api.py::test_import_is_cheap_and_names_load_on_use": "slow",
    "test_simulate.py::test_one_investor_with_perfect_foresight_is_the_planner": "slow",
    "test_simulate.py::test_the_planners_build_out_costs_the_planners_objective": "slow",
    "test_simulate_cli.py::test_the_api_returns_the_typed_run": "slow",
}
#: Tests taking one of these fixtures drive Chromium (tests/test_browser.py's, and its aliases).
BROWSER_FIXTURES = {"chromium", "browser"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put each test in its lane: browser, notebook, dask or slow (by module, name, fixtures)."""
    for item in items:
        name = f"{item.path.name}::{getattr(item, 'originalname', item.name)}"
        lanes = {
            LANE_OF_MODULE.get(item.path.name),
            LANE_OF_TEST.get(name),
            "browser" if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())) else None,
        }
        for lane in sorted(lanes - {None}):
            item.add_marker(getattr(pytest.mark, lane))


def make_instance(
    seed: int,
    *,
    n_sites: int = 4,
    n_hubs: int = 3,
    training_mw: float | None = None,
    min_cluster_mw: float = 40.0,
    max_site_share: float = 1.0,
    staff_scale: float = 1.0,
    pair_density: float = 0.6,
    rent: tuple[float, float] | None = None,
) -> Instance:
    """A random instance whose binding limits can be steered by the arguments."""
    rng = np.random.default_rng(seed)
    existing = np.where(rng.random(n_sites) < 0.4, rng.uniform(10, 60, n_sites), 0.0)
    headroom = rng.uniform(20, 120, n_sites)
    demand = rng.uniform(5, 40, n_hubs)
    pairs = [(h, s) for h in range(n_hubs) for s in range(n_sites) if rng.random() < pair_density]
    for h in range(n_hubs):  # every hub reaches at least one site
        if not any(p[0] == h for p in pairs):
            pairs.append((h, int(rng.integers(n_sites))))
    pairs.sort()
    pair_hub = np.array([p[0] for p in pairs], dtype=np.int64)
    pair_site = np.array([p[1] for p in pairs], dtype=np.int64)
    km = rng.uniform(50, 900, len(pairs))
    groups = rng.integers(0, 2, n_sites)
    opex = rng.uniform(1e6, 4e6, (2, 3, n_sites))
    sites = Sites(
        ids=np.array([f"s{i}" for i in range(n_sites)]),
        group=groups.astype(np.int64),
        group_names=np.array(["p0", "p1"]),
        existing_mw=existing,
        headroom_mw=headroom,
        fixed_cost=rng.uniform(5e6, 6e7, n_sites),  # the draws in this order: seeds keep cases
        capex_cost=rng.uniform(2e6, 4e6, n_sites),
        opex=opex,
        staff_available=rng.uniform(40, 150, 2) * staff_scale,
        energy_mwh=np.ones((2, n_sites)),
        emissions_t=np.ones((2, n_sites)),
        power_price=opex[1, 0] / 1000.0,  # CNY/kWh: the power component over 1 MWh per MW
    )
    return Instance.one_class(
        sites,
        np.array([f"h{i}" for i in range(n_hubs)]),
        demand,
        np.full(n_hubs, 10.0),
        pair_hub=pair_hub,
        pair_site=pair_site,
        pair_km=km,
        pair_rtt_ms=km / 100 + 1,
        pair_cost=km * 1000.0,
        max_site_share=max_site_share,
        nearest_site=np.zeros(n_hubs, dtype=np.int64),
        nearest_rtt_ms=np.ones(n_hubs),
        staff_per_mw=np.array([0.5, 1.0]),
        training_mw=float(rng.uniform(30, 90)) if training_mw is None else training_mw,
        min_cluster_mw=min_cluster_mw,
        rent=np.array(rent if rent is not None else (0.0, 0.0)),
        maximise_margin=rent is not None,
    )


def with_pairs(
    base: Instance, demand_mw: np.ndarray, sla_ms: np.ndarray, pairs: tuple, **change: object
) -> Instance:
    """``base`` with one service class of this demand and SLA per hub, over these pairs.

    ``pairs``: hub, site, km, round trip (ms) and network cost of each pair, sorted by hub.
    """
    hub, site, km, rtt_ms, cost = (np.asarray(a) for a in pairs)
    return dataclasses.replace(
        base,
        hubs=dataclasses.replace(base.hubs, demand_mw=np.asarray(demand_mw, float)),
        classes=ServiceClasses.one(np.asarray(sla_ms, float)),
        pairs=Pairs(hub.astype(np.int64), site.astype(np.int64), np.zeros(len(hub), np.int64),
                    km.astype(float), rtt_ms.astype(float), cost.astype(float)),
        **change,
    )  # fmt: skip


def brute_force(inst: Instance) -> float:
    """Optimal cost by enumerating every open set and training set, each an LP.

    Written independently of :mod:`siting.model`: dense matrices, one LP per binary choice.
    Returns ``inf`` if every choice is infeasible.
    """
    S, K = inst.n_sites, inst.n_pairs  # noqa: N806 - the maths' names
    n = 2 * S + K  # x (build), t (train), f (serve)
    ix, it, jf = 0, S, 2 * S
    cap = inst.sites.existing_mw + inst.sites.headroom_mw
    unit = inst.sites.opex.sum(axis=1) - inst.rent[:, None] * inst.maximise_margin
    cost = np.concatenate(
        [inst.sites.capex_cost, unit[0], unit[1][inst.pairs.site] + inst.pairs.cost]
    )
    best = np.inf
    cluster = inst.training_mw > 0 and inst.min_cluster_mw > 0
    for y in itertools.product((0, 1), repeat=S):
        for z in itertools.product((0, 1), repeat=S) if cluster else [y]:
            if any(zs and not ys for zs, ys in zip(z, y, strict=True)):
                continue
            a_eq, b_eq, a_ub, b_ub = [], [], [], []
            for h in range(inst.n_hubs):
                row = np.zeros(n)
                row[jf + np.flatnonzero(inst.pairs.hub == h)] = 1
                a_eq.append(row)
                b_eq.append(inst.hubs.demand_mw[h])
            row = np.zeros(n)
            row[it : it + S] = 1
            a_eq.append(row)
            b_eq.append(inst.training_mw)
            for s in range(S):
                row = np.zeros(n)
                row[it + s] = 1
                row[jf + np.flatnonzero(inst.pairs.site == s)] = 1
                row[ix + s] = -1
                a_ub.append(row)
                b_ub.append(inst.sites.existing_mw[s] * y[s])
            for g in range(len(inst.sites.group_names)):
                row = np.zeros(n)
                for s in np.flatnonzero(inst.sites.group == g):
                    row[it + s] = inst.staff_per_mw[0]
                    row[jf + np.flatnonzero(inst.pairs.site == s)] = inst.staff_per_mw[1]
                a_ub.append(row)
                b_ub.append(inst.sites.staff_available[g])
            bounds = [(0, inst.sites.headroom_mw[s] * y[s]) for s in range(S)]
            for s in range(S):
                if cluster:
                    low = inst.min_cluster_mw * z[s]
                    bounds.append((low, cap[s] * z[s]) if low <= cap[s] * z[s] else (0, -1))
                else:
                    bounds.append((0, cap[s] * y[s]))
            share = inst.classes.share_cap[0] * inst.hubs.demand_mw
            bounds += [(0, share[inst.pairs.hub[k]]) for k in range(K)]
            if any(lo > hi for lo, hi in bounds):
                continue
            if inst.maximise_margin:  # demand is an upper bound
                a_ub, b_ub = a_ub + a_eq, b_ub + b_eq
                a_eq, b_eq = [np.zeros(n)], [0.0]
            res = linprog(
                cost,
                A_ub=np.array(a_ub),
                b_ub=b_ub,
                A_eq=np.array(a_eq),
                b_eq=b_eq,
                bounds=bounds,
                method="highs",
            )
            if res.status == 0:
                best = min(best, res.fun + float(np.dot(inst.sites.fixed_cost, y)))
    return best


@pytest.fixture
def small_instance() -> Instance:
    return make_instance(0)


REPO = __import__("pathlib").Path(__file__).resolve().parents[1]
DATA = REPO / "data"


@pytest.fixture
def data_copy(tmp_path):
    """A scenario file and a copy of the shipped CSV layers in a temporary folder.

    Returns a function ``edit(name, transform)`` that rewrites one copied file's text, and the
    scenario path as ``edit.scenario``.
    """
    import shutil

    for name in ("provinces.csv", "sites.csv", "hubs.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    default = (REPO / "siting" / "scenarios" / "default.toml").read_text()
    body = default.replace('name = "default"', 'name = "copy"').replace(
        "[data]",
        f'[data]\nprovinces = "{DATA / "provinces.geojson"}"\n'
        'province_attributes = "provinces.csv"\nsites = "sites.csv"\nhubs = "hubs.csv"',
    )
    scenario = tmp_path / "copy.toml"
    scenario.write_text(body)

    def edit(name, transform):
        path = tmp_path / name
        path.write_text(transform(path.read_text(encoding="utf-8")), encoding="utf-8")
        return path

    edit.scenario = scenario
    edit.folder = tmp_path
    return edit


TINY_SITES = """site_id,name,province,lon,lat,grid_headroom_mw,existing_mw,tariff_cny_kwh
west,Zhongwei,Ningxia,105.18,37.51,200,0,0.30
east,Shanghai,Shanghai,121.47,31.23,200,0,
"""
TINY_HUBS = """hub_id,name,province,lon,lat,inference_mw
shanghai,Shanghai,Shanghai,121.47,31.23,100
"""


@pytest.fixture
def tiny(tmp_path):
    """Two sites (cheap-power west, east by the only hub) and two futures.

    ``boom``: 100 MW of training, no inference; ``shift``: no training, 100 MW of inference
    within 5 ms of Shanghai, which the west (~1,500 km away) cannot reach. Latency is the
    great-circle model, so a site at a hub is exactly 1 ms (equipment delay) away.
    """
    import shutil

    shutil.copy(DATA / "provinces.csv", tmp_path / "provinces.csv")
    (tmp_path / "sites.csv").write_text(TINY_SITES)
    (tmp_path / "hubs.csv").write_text(TINY_HUBS)
    data = (
        '[latency]\nmodel = "great_circle"\n'
        f'[data]\nprovinces = "{DATA / "provinces.geojson"}"\n'
        'province_attributes = "provinces.csv"\nsites = "sites.csv"\nhubs = "hubs.csv"\n'
    )
    (tmp_path / "boom.toml").write_text(
        'extends = "default"\nname = "boom"\nclasses = {}\n[demand]\ntraining_mw = 100.0\n'
        "inference_scale = 0.0\n" + data
    )
    (tmp_path / "shift.toml").write_text(
        'extends = "default"\nname = "shift"\nclasses = {}\n[demand]\ntraining_mw = 0.0\n'
        "inference_sla_ms = 5.0\n" + data
    )
    return tmp_path
