"""The classic location models and the site-count row against brute force and by hand."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from siting.cli import main
from siting.errors import InfeasibleError, InputError
from siting.instance import Instance
from siting.model import UNITS, ArrayModel, build_arrays, build_robust
from siting.pipeline import optimize, prepare
from siting.scenario import (
    CLASSIC_KINDS,
    OBJECTIVE_KINDS,
    load_scenario,
    resolve_scenario_path,
)
from siting.solve import Status, build_for, solve, solve_robust
from siting.solve.options import RunOptions

from .conftest import DATA, brute_force, make_instance, with_pairs
from .test_model import PATHS, assert_pulp_is_arrays, priced  # noqa: F401 - a fixture


def classic_instance(
    seed: int, kind: str, p: int, rule: str = "exactly", *, n_sites: int = 5, n_hubs: int = 4
) -> Instance:
    """Random points in a 20 × 20 ms square: the round trip is their distance.

    p-median and p-center use every pair; MCLP and LSCP the pairs within a radius that
    covers each hub from at least one site.
    """
    rng = np.random.default_rng(seed)
    base = make_instance(seed, n_sites=n_sites, n_hubs=n_hubs, pair_density=1.0)
    hubs, sites = rng.uniform(0, 20, (n_hubs, 2)), rng.uniform(0, 20, (n_sites, 2))
    rtt = np.linalg.norm(hubs[:, None, :] - sites[None, :, :], axis=2)
    within = np.ones_like(rtt, dtype=bool)
    radius = np.full(n_hubs, np.inf)
    if kind in ("mclp", "lscp"):
        radius = np.full(n_hubs, max(float(np.median(rtt)) * 0.6, float(rtt.min(axis=1).max())))
        if kind == "mclp":  # some hubs uncovered
            radius[:] = float(np.quantile(rtt, 0.3))
        within = rtt <= radius[:, None]
    hub, site = np.nonzero(within)
    pairs = (hub, site, rtt[hub, site] * 100, rtt[hub, site], rtt[hub, site] * 1e3)
    demand = rng.uniform(1, 30, n_hubs)
    return with_pairs(base, demand, radius, pairs, objective_kind=kind, site_count=p,
                      site_count_rule=rule)  # fmt: skip


def classic_brute_force(inst: Instance) -> float:
    """Optimum of a classic kind by enumerating every set of open sites (reported sign).

    Written from the textbook definitions, not from :mod:`siting.model`. ``inf`` (``-inf``
    for MCLP) if no set is feasible.
    """
    S, H = inst.n_sites, inst.n_hubs  # noqa: N806 - the maths' names
    d = np.full((H, S), np.inf)
    d[inst.pairs.hub, inst.pairs.site] = inst.pairs.rtt_ms
    w, p, kind = inst.hubs.demand_mw, inst.site_count, inst.objective_kind
    sizes = (
        range(1, S + 1) if p == 0 else [p] if inst.site_count_rule == "exactly" else range(p + 1)
    )
    best = -np.inf if kind == "mclp" else np.inf
    for size in sizes:
        for chosen in itertools.combinations(range(S), size):
            near = d[:, list(chosen)].min(axis=1) if chosen else np.full(H, np.inf)
            if kind == "p-median" and np.isfinite(near).all():
                best = min(best, float(w @ near))
            elif kind == "p-center" and np.isfinite(near).all():
                best = min(best, float(near.max()))
            elif kind == "mclp":
                best = max(best, float(w[np.isfinite(near)].sum()))
            elif kind == "lscp" and np.isfinite(near).all():
                best = min(best, float(size))
    return best


CLASSIC_CASES = [
    pytest.param(kind, p, rule, n_sites, n_hubs, seed, id=f"{kind}-{rule}-{p}-{seed}")
    for seed, (kind, p, rule, n_sites, n_hubs) in enumerate(
        [
            (kind, p, rule, n_sites, n_hubs)
            for kind in ("p-median", "p-center", "mclp")
            for rule in ("exactly", "at_most")
            for p, n_sites, n_hubs in ((1, 4, 3), (2, 6, 5), (3, 7, 6))
        ]
        + [("lscp", 0, "exactly", 5, 4), ("lscp", 0, "exactly", 7, 6)]
        + [("lscp", p, rule, 6, 5) for p in (2, 4) for rule in ("exactly", "at_most")]
    )
]


@pytest.mark.usefixtures("priced")
@pytest.mark.parametrize(("solver", "strategy"), PATHS)
@pytest.mark.parametrize(("kind", "p", "rule", "n_sites", "n_hubs", "seed"), CLASSIC_CASES)
def test_classic_optimum_equals_brute_force(
    kind, p, rule, n_sites, n_hubs, seed, solver, strategy
) -> None:
    inst = classic_instance(seed, kind, p, rule, n_sites=n_sites, n_hubs=n_hubs)
    expected = classic_brute_force(inst)
    options = RunOptions(solver=solver, mip_gap=1e-9, strategy=strategy)
    if math.isinf(expected):  # only LSCP with too few sites
        with pytest.raises(InfeasibleError, match=r"needs \d+ sites"):
            solve(build_arrays(inst), options)
        return
    sol = solve(build_arrays(inst), options)
    assert sol.status is Status.OPTIMAL
    value = -sol.objective if kind == "mclp" else sol.objective
    assert value == pytest.approx(expected, rel=1e-6, abs=1e-9)
    opened = int(sol.open.sum())
    if p and rule == "exactly":
        assert opened == p
    elif p:
        assert opened <= p
    # the assignment: every served MW goes to an open site, no hub gets more than its demand
    assert sol.serve[~sol.open[inst.pairs.site]].sum() <= 1e-4
    served = np.bincount(inst.pairs.hub, sol.serve, inst.n_hubs)
    assert (served <= inst.hubs.demand_mw + 1e-6).all()
    if kind != "mclp":
        assert served == pytest.approx(inst.hubs.demand_mw)


@pytest.mark.parametrize(
    ("kind", "decomposed"), [("p-median", True), ("mclp", False), ("lscp", False)]
)
def test_covering_kinds_are_solved_directly_and_say_why(kind, decomposed) -> None:
    inst = classic_instance(3, kind, 2 if kind != "lscp" else 0, "exactly", n_sites=6, n_hubs=5)
    sol = solve(build_arrays(inst), options=RunOptions(strategy="decompose", mip_gap=1e-9))
    assert ("covering model" in sol.termination) is not decomposed
    assert (sol.strategy == "decompose") is decomposed


def test_brute_force_cases_include_infeasible_and_binding_counts() -> None:
    """The LSCP cases include an infeasible limit, and the count changes some optimum."""
    infeasible = [
        math.isinf(classic_brute_force(classic_instance(s, k, p, r, n_sites=n, n_hubs=h)))
        for k, p, r, n, h, s in (c.values for c in CLASSIC_CASES)
    ]
    assert any(infeasible) and not all(infeasible)
    inst = classic_instance(3, "p-median", 1, n_sites=6, n_hubs=5)
    more = dataclasses.replace(inst, site_count=3)
    assert classic_brute_force(more) < classic_brute_force(inst)


def restricted(inst: Instance, keep: tuple[int, ...]) -> Instance:
    """The instance on some of its sites only (their pairs kept, renumbered)."""
    keep_a = np.array(keep, dtype=np.int64)
    new = np.full(inst.n_sites, -1, dtype=np.int64)
    new[keep_a] = np.arange(len(keep_a))
    pairs = new[inst.pairs.site] >= 0
    per_site = {  # every per-site array has the sites on its last axis
        f.name: getattr(inst.sites, f.name)[..., keep_a]
        for f in dataclasses.fields(inst.sites)
        if f.name not in ("group_names", "staff_available")
    }
    per_pair = {f.name: getattr(inst.pairs, f.name)[pairs] for f in dataclasses.fields(inst.pairs)}
    per_pair["site"] = new[per_pair["site"]]
    return dataclasses.replace(
        inst,
        sites=dataclasses.replace(inst.sites, **per_site),
        pairs=dataclasses.replace(inst.pairs, **per_pair),
        site_count=0,
    )


def counted_brute_force(inst: Instance) -> float:
    """Optimal cost with the site count, from :func:`brute_force` on every allowed site set.

    At most ``p``: the best over the sets of ``p`` sites (each search covers its subsets).
    Exactly ``p``: each set's sites are all opened by a reward ``M`` per open site, added
    back (opening a site never makes a plan infeasible).
    """
    p, reward = inst.site_count, 1e10
    best = np.inf
    for keep in itertools.combinations(range(inst.n_sites), p):
        sub = restricted(inst, keep)
        if inst.site_count_rule == "exactly":
            cheaper = dataclasses.replace(sub.sites, fixed_cost=sub.sites.fixed_cost - reward)
            sub = dataclasses.replace(sub, sites=cheaper)
            best = min(best, brute_force(sub) + reward * p)
        else:
            best = min(best, brute_force(sub))
    return best


COUNT_CASES = [
    pytest.param(dict(seed=seed, n_sites=5, n_hubs=3), p, rule, id=f"cost-{rule}-{p}-{seed}")
    for seed, (p, rule) in enumerate(
        [
            (1, "at_most"),
            (2, "at_most"),
            (3, "at_most"),
            (2, "exactly"),
            (3, "exactly"),
            (4, "exactly"),
            (1, "exactly"),
        ]
    )
] + [
    pytest.param(dict(seed=21, rent=(7e6, 9e6)), 2, "at_most", id="margin-at_most-2"),
    pytest.param(dict(seed=22, rent=(7e6, 9e6)), 3, "exactly", id="margin-exactly-3"),
]


@pytest.mark.usefixtures("priced")
@pytest.mark.parametrize(("solver", "strategy"), PATHS)
@pytest.mark.parametrize(("kwargs", "p", "rule"), COUNT_CASES)
def test_site_count_with_cost_equals_brute_force(kwargs, p, rule, solver, strategy) -> None:
    inst = dataclasses.replace(make_instance(**kwargs), site_count=p, site_count_rule=rule)
    expected = counted_brute_force(inst)
    options = RunOptions(solver=solver, mip_gap=1e-9, strategy=strategy)
    if math.isinf(expected):
        with pytest.raises(InfeasibleError, match=r"\[objective\] sites"):
            solve(build_arrays(inst), options)
        return
    sol = solve(build_arrays(inst), options)
    assert sol.status is Status.OPTIMAL
    assert sol.objective == pytest.approx(expected, rel=1e-6)
    assert sol.open.sum() == p if rule == "exactly" else sol.open.sum() <= p


def test_site_count_cases_bind_and_include_infeasible() -> None:
    """Some count makes the cost model infeasible, and some raises the cost."""
    found = []
    for case in COUNT_CASES:
        kwargs, p, rule = case.values
        inst = dataclasses.replace(make_instance(**kwargs), site_count=p, site_count_rule=rule)
        found.append((counted_brute_force(inst), brute_force(make_instance(**kwargs))))
    assert any(math.isinf(c) for c, _ in found)
    assert any(math.isfinite(c) and c > free * (1 + 1e-6) for c, free in found)


@pytest.mark.parametrize(
    ("kind", "p", "rule"),
    [("p-median", 2, "exactly"), ("p-center", 3, "at_most"), ("mclp", 2, "exactly"),
     ("lscp", 0, "exactly"), ("lscp", 3, "at_most")],
)  # fmt: skip
def test_classic_derived_pulp_model_is_the_arrays(kind, p, rule) -> None:
    assert_pulp_is_arrays(build_arrays(classic_instance(40, kind, p, rule, n_sites=6, n_hubs=5)))


@pytest.mark.parametrize("elastic", [False, True])
@pytest.mark.parametrize("rule", ["exactly", "at_most"])
def test_site_count_derived_pulp_model_is_the_arrays(rule, elastic) -> None:
    inst = dataclasses.replace(make_instance(8, n_sites=5), site_count=3, site_count_rule=rule)
    assert_pulp_is_arrays(build_arrays(inst, elastic=elastic))


def line_instance(kind: str, p: int, radius: float = np.inf) -> Instance:
    """Sites at 0, 10, 20 ms and hubs at 1 (2 MW), 9 (1 MW), 19 (3 MW) on a line."""
    sites, hubs = np.array([0.0, 10.0, 20.0]), np.array([1.0, 9.0, 19.0])
    rtt = np.abs(hubs[:, None] - sites[None, :])
    hub, site = np.nonzero(rtt <= radius)
    base = make_instance(0, n_sites=3, n_hubs=3, pair_density=1.0)
    demand, pairs = [2.0, 1.0, 3.0], (hub, site, *[rtt[hub, site]] * 3)
    return with_pairs(base, demand, np.full(3, radius), pairs, objective_kind=kind, site_count=p)


@pytest.mark.parametrize(
    ("kind", "p", "radius", "value", "opened"),
    [
        # p-median p=1: 2·9 + 1·1 + 3·9 = 46 at the middle site (ends: 68, 52)
        ("p-median", 1, np.inf, 46.0, [1]),
        # p = 2: ends {0, 20}: 2·1 + 1·9 + 3·1 = 14 (others 30, 22)
        ("p-median", 2, np.inf, 14.0, [0, 2]),
        # p-center p=1: the middle site, worst round trip 9 ms (ends: 19)
        ("p-center", 1, np.inf, 9.0, [1]),
        # MCLP, radius 2 ms, one site: each site covers one hub; the 3 MW hub wins
        ("mclp", 1, 2.0, 3.0, [2]),
        # LSCP, radius 2 ms: every site is needed; radius 10 ms: the middle one covers all
        ("lscp", 0, 2.0, 3.0, [0, 1, 2]),
        ("lscp", 0, 10.0, 1.0, [1]),
    ],
)
def test_hand_computed_cases(kind, p, radius, value, opened) -> None:
    inst = line_instance(kind, p, radius)
    for solver in ("highs", "cbc"):
        sol = solve(build_arrays(inst), options=RunOptions(solver=solver, mip_gap=0.0))
        reported = -sol.objective if kind == "mclp" else sol.objective
        assert reported == pytest.approx(value)
        assert np.flatnonzero(sol.open).tolist() == opened


def test_lscp_too_few_sites_says_how_many_are_needed() -> None:
    inst = dataclasses.replace(line_instance("lscp", 2, 2.0), site_count_rule="at_most")
    with pytest.raises(
        InfeasibleError, match=r"needs 3 sites, but \[objective\] sites allows at most 2"
    ):
        solve(build_arrays(inst))


# --- the command line: reports, and bad input (exit 2, nothing written) -------------------

SITES = """site_id,name,province,lon,lat,grid_headroom_mw,existing_mw,tariff_cny_kwh
west,Zhongwei,Ningxia,105.18,37.51,200,0,0.30
east,Shanghai,Shanghai,121.47,31.23,200,0,
"""
HUBS = """hub_id,name,province,lon,lat,inference_mw
shanghai,Shanghai,Shanghai,121.47,31.23,60
yinchuan,Yinchuan,Ningxia,106.23,38.49,20
"""


@pytest.fixture
def two_hubs(tmp_path):
    """Two sites and two hubs, each hub by one site and ~1,500 km from the other.

    Returns a function writing a scenario with the given ``[objective]`` lines.
    """
    import shutil

    shutil.copy(DATA / "provinces.csv", tmp_path / "provinces.csv")
    (tmp_path / "sites.csv").write_text(SITES)
    (tmp_path / "hubs.csv").write_text(HUBS)

    def scenario(objective: str, name: str = "classic") -> str:
        path = tmp_path / f"{name}.toml"
        path.write_text(
            f'extends = "default"\nname = "{name}"\n'
            "[demand]\ntraining_mw = 0.0\ninference_sla_ms = 8.0\n"
            '[latency]\nmodel = "great_circle"\n'
            f'[data]\nprovinces = "{DATA / "provinces.geojson"}"\n'
            'province_attributes = "provinces.csv"\nsites = "sites.csv"\nhubs = "hubs.csv"\n'
            f"[objective]\n{objective}\n"
        )
        return str(path)

    scenario.folder = tmp_path
    return scenario


def _run(two_hubs, objective: str) -> tuple[int, object]:
    out = two_hubs.folder / "out"
    code = main(["optimize", two_hubs(objective), "--out", str(out), "--no-map", "--quiet"])
    return code, out


def test_p_median_run_reports_objective_and_assignment(two_hubs) -> None:
    code, out = _run(two_hubs, 'kind = "p-median"\nsites = 1')
    assert code == 0
    summary = json.loads((out / "classic" / "summary.json").read_text())
    kpis = summary["kpis"]
    assert kpis["objective_kind"] == "p-median" and kpis["objective_unit"] == "MW·ms"
    assert kpis["sites_open"] == 1
    assert kpis["objective_cny"] is None  # NaN: not a cost
    assert "uncapacitated" in summary["solver"]["termination"]
    # one site serves both hubs; the objective is the weighted round trip to it
    flows = json.loads((out / "classic" / "flows.geojson").read_text())["features"]
    props = [f["properties"] for f in flows]
    assert {p["site_id"] for p in props} == {"east"}  # 60 MW at 1 ms beats 20 MW at ~1 ms
    weighted = sum(p["mw"] * p["rtt_ms"] for p in props)
    assert kpis["objective_value"] == pytest.approx(weighted)


def test_classic_console_summary_leads_with_its_objective(two_hubs, capsys) -> None:
    scenario = Path(two_hubs('kind = "p-median"\nsites = 1'))
    # training demand exists but is not part of a classic model
    text = scenario.read_text().replace("training_mw = 0.0", "training_mw = 100.0")
    scenario.write_text(text)
    out = two_hubs.folder / "out"
    assert main(["optimize", str(scenario), "--out", str(out), "--no-map"]) == 0
    printed = capsys.readouterr().out
    assert "p-median objective" in printed and "MW·ms" in printed
    assert "Stranded" not in printed and "Total cost" not in printed
    kpis = json.loads((out / "classic" / "summary.json").read_text())["kpis"]
    assert kpis["demand_served_share"] == pytest.approx(1.0)


def test_cost_run_reports_its_objective_in_cny(two_hubs) -> None:
    code, out = _run(two_hubs, "sites = 2")
    assert code == 0
    kpis = json.loads((out / "classic" / "summary.json").read_text())["kpis"]
    assert kpis["objective_kind"] == "cost" and kpis["objective_unit"] == "CNY/yr"
    assert kpis["objective_value"] == kpis["objective_cny"] > 0
    assert kpis["sites_open"] == 2


@pytest.mark.parametrize(
    ("objective", "pattern"),
    [
        (
            'kind = "p-median"\nsites = 3',
            r"field 'sites': expected at most 2 \(the candidate sites",
        ),
        ('kind = "p-median"\nsites = 0', r"field 'sites'.*greater than or equal to 1"),
        ('kind = "p-center"', r"kind = 'p-center' needs sites"),
        ('kind = "mclp"', r"kind = 'mclp' needs sites"),
        (
            'kind = "mclp"\nsites = 1\ncoverage_rtt_ms = -1.0',
            r"field 'coverage_rtt_ms'.*greater than 0",
        ),
        (
            'kind = "mclp"\nsites = 1\ncoverage_rtt_ms = 0.5',
            r"covers no hub: the closest is hub 'shanghai' .* at 1.0 ms round trip "
            r"\(radius 0.5 ms\)",
        ),
        (
            'kind = "lscp"\ncoverage_rtt_ms = 0.5',
            r"leaves 2 hubs uncovered: hub 'shanghai' .*with its nearest site 'east' at 1.0 ms "
            r".*\(radius 0.5 ms\)",
        ),
        (
            'kind = "lscp"\nsites = 1\nsites_rule = "at_most"',
            r"needs 2 sites, but \[objective\] sites allows at most 1",
        ),
        ('sites = 1\nsites_rule = "at_most"', r"may open at most 1 of the 2 sites"),
    ],
)
def test_bad_input_exits_2_with_one_message_and_no_output(two_hubs, capsys, objective, pattern):
    code, out = _run(two_hubs, objective)
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("siting: error: ") and "Traceback" not in err
    assert re.search(pattern, err, re.S), err
    leftovers = list(out.rglob("*")) if out.exists() else []
    assert leftovers == []


# --- through the scenario: classes, coverage radius, robust plans, the content hash --------


def _nearest_open(inst: Instance, opened: np.ndarray) -> np.ndarray:
    """Round trip from each stream to its nearest open site (``inf`` if none is a pair)."""
    d = np.full((inst.n_streams, inst.n_sites), np.inf)
    d[inst.pair_stream, inst.pairs.site] = inst.pairs.rtt_ms
    return d[:, opened].min(axis=1)


def test_p_median_with_classes_assigns_every_class_stream() -> None:
    spec = load_scenario(resolve_scenario_path("realtime-10ms"))[0]
    spec = spec.with_overrides({"objective.kind": "p-median", "objective.sites": 4})
    run = optimize(spec, write=False, geography=False)
    inst, sol, kpis = run.instance, run.solution, run.results.kpis
    assert (
        inst.n_service_classes == 3 and inst.n_pairs == inst.n_streams * inst.n_sites
    )  # all pairs
    assert sol.open.sum() == 4
    near = _nearest_open(inst, sol.open)
    assert kpis["objective_value"] == pytest.approx(float(inst.stream_demand_mw @ near))
    served = np.bincount(inst.pair_stream, sol.serve, inst.n_streams)
    assert served == pytest.approx(inst.stream_demand_mw)
    assert math.isnan(kpis["objective_cny"]) and kpis["objective_unit"] == "MW·ms"


def test_mclp_radius_sets_the_pairs_and_the_covered_demand() -> None:
    spec = load_scenario(resolve_scenario_path("default"))[0]
    spec = spec.with_overrides(
        {
            "classes": {},  # one class: each hub's demand covered or not
            "objective.kind": "mclp",
            "objective.sites": 3,
            "objective.coverage_rtt_ms": 6.0,
        }
    )
    run = optimize(spec, write=False, geography=False)
    inst, sol, kpis = run.instance, run.solution, run.results.kpis
    assert (inst.pairs.rtt_ms <= 6.0 + 1e-9).all() and (inst.classes.sla_ms[0] == 6.0).all()
    covered = _nearest_open(inst, sol.open) <= 6.0
    assert kpis["objective_value"] == pytest.approx(float(inst.hubs.demand_mw[covered].sum()))
    assert kpis["objective_unit"] == "MW" and sol.open.sum() == 3


def test_robust_plan_keeps_the_site_count() -> None:
    base = make_instance(0, n_sites=5)
    more = dataclasses.replace(base.hubs, demand_mw=base.hubs.demand_mw * 1.1)
    insts = [base, dataclasses.replace(base, hubs=more)]
    free = solve_robust(build_robust(insts, [0.5, 0.5]), options=RunOptions(mip_gap=1e-9))
    assert free.scenarios[0].open.sum() == 3  # the count below binds
    counted = [dataclasses.replace(i, site_count=2, site_count_rule="at_most") for i in insts]
    sol = solve_robust(build_robust(counted, [0.5, 0.5]), options=RunOptions(mip_gap=1e-9))
    assert sol.scenarios[0].open.sum() == sol.scenarios[1].open.sum() == 2
    assert sol.objective > free.objective
    with pytest.raises(InputError, match=r"a robust plan needs objective kind 'cost'"):
        build_robust([dataclasses.replace(insts[0], objective_kind="lscp")], [1.0])
    classic = dataclasses.replace(insts[0], objective_kind="p-median")
    with pytest.raises(InputError, match=r"an elastic or forced model needs"):
        build_arrays(classic, elastic=True)


def test_cost_kind_ignores_the_coverage_radius() -> None:
    spec = load_scenario(resolve_scenario_path("default"))[0].with_overrides({"classes": {}})
    plain = prepare(spec).instance
    radius = prepare(spec.with_overrides({"objective.coverage_rtt_ms": 1.0})).instance
    assert np.array_equal(plain.classes.sla_ms[0], radius.classes.sla_ms[0])
    assert np.array_equal(plain.pairs.site, radius.pairs.site)


def test_content_hash_ignores_the_new_keys_at_their_defaults() -> None:
    spec = load_scenario(resolve_scenario_path("default"))[0]
    same = spec.with_overrides({"objective.sites_rule": "exactly", "objective.sites": None})
    assert same.content_hash() == spec.content_hash()
    assert spec.with_overrides({"objective.sites": 3}).content_hash() != spec.content_hash()


def test_horizon_rejects_classic_kinds_and_site_counts() -> None:
    spec = load_scenario(resolve_scenario_path("2023-2030"))[0]
    with pytest.raises(InputError, match=r"single-period runs"):
        spec.with_overrides({"objective.sites": 3})


def test_every_kind_has_a_unit() -> None:
    assert tuple(UNITS) == OBJECTIVE_KINDS
    assert CLASSIC_KINDS == ("p-median", "p-center", "mclp", "lscp")


def test_shipped_p_median_scenario_uses_every_pair() -> None:
    prepared = prepare("prefecture-pmedian")
    inst = prepared.instance
    assert inst.objective_kind == "p-median" and inst.site_count == 20
    assert inst.site_count_rule == "exactly" and inst.n_sites == 338
    assert inst.n_pairs == inst.n_hubs * inst.n_sites


@pytest.mark.parametrize(
    ("kind", "solver", "strategy"),
    [
        ("cost", "highs", "auto"),
        ("cost", "cbc", "auto"),
        ("p-center", "cbc", "auto"),  # the radius search builds its own problems
        ("p-center", "cbc", "direct"),
        ("p-median", "cbc", "auto"),
    ],
)
def test_build_for_builds_what_the_solve_reads(kind, solver, strategy) -> None:
    inst = classic_instance(1, kind, 2) if kind != "cost" else make_instance(1)
    model = build_for(inst, RunOptions(solver=solver, strategy=strategy))
    assert isinstance(model, ArrayModel)
    value = solve(
        model, options=RunOptions(solver=solver, strategy=strategy, mip_gap=1e-9)
    ).objective
    assert value == pytest.approx(
        solve(build_arrays(inst), options=RunOptions(mip_gap=1e-9)).objective
    )


# --- a plan stopped early: its objective is recomputed from its open sites (issue 18) -------


def _zero_shares(inst: Instance, opened: np.ndarray) -> np.ndarray:
    """No client assigned: an MCLP incumbent that opens sites but covers nothing yet."""
    return np.zeros(inst.n_pairs)


def _farthest_shares(inst: Instance, opened: np.ndarray) -> np.ndarray:
    """Each client assigned to its farthest open site: a poor p-median incumbent."""
    share = np.zeros(inst.n_pairs)
    for g in range(inst.n_streams):
        pairs = np.flatnonzero((inst.pair_stream == g) & opened[inst.pairs.site])
        share[pairs[np.argmax(inst.pairs.rtt_ms[pairs])]] = 1.0
    return share


@pytest.fixture
def stopped(monkeypatch):
    """Make every solve stop at its time limit with the given assignment and bound."""
    from siting.solve import direct

    real = direct._solve_arrays

    def stop(assign, bound: float) -> None:
        def solve_arrays(arrays, opts, problem, **kwargs):
            out = real(arrays, opts, problem, **kwargs)
            lay = arrays.scenarios[0]
            if not lay.instance.classic:
                return out
            x = out.x.copy()
            x[lay.serve] = assign(lay.instance, x[lay.open] > 0.5)
            return dataclasses.replace(out, state="limit", words="time limit", x=x, bound=bound)

        monkeypatch.setattr(direct, "_solve_arrays", solve_arrays)

    return stop


@pytest.mark.parametrize(
    ("kind", "p", "radius", "assign", "bound", "value"),
    [
        # the 3 MW hub at 19 ms is within 2 ms of the open site at 20: 3 MW covered, not 0
        ("mclp", 1, 2.0, _zero_shares, -6.0, 3.0),
        # sites 0 and 20 open: 2·1 + 1·9 + 3·1 = 14 MW·ms from the nearest, not 106
        ("p-median", 2, np.inf, _farthest_shares, 0.0, 14.0),
    ],
)
def test_stopped_plan_reports_the_objective_of_its_open_sites(
    stopped, kind, p, radius, assign, bound, value
) -> None:
    stopped(assign, bound)
    sol = solve(
        build_arrays(line_instance(kind, p, radius)),
        options=RunOptions(mip_gap=0.0, strategy="direct"),
    )
    reported = -sol.objective if kind == "mclp" else sol.objective
    assert reported == pytest.approx(value)
    assert sol.status is Status.FEASIBLE  # the bound leaves the gap open: not optimal
    assert sol.gap == pytest.approx((sol.objective - bound) / value)
    assert "objective recomputed from the open sites" in sol.termination
    inst = line_instance(kind, p, radius)
    near = _nearest_open(inst, sol.open)
    served = np.bincount(inst.pair_stream, sol.serve, inst.n_streams)  # MW, from the nearest
    assert served == pytest.approx(np.where(np.isfinite(near), inst.hubs.demand_mw, 0.0))


def test_classic_run_objective_matches_its_open_sites(two_hubs, stopped) -> None:
    """MCLP stopped with nothing assigned: the table's objective is the MW its sites cover."""
    from siting.classic import ClassicOptions, run_classic

    stopped(_zero_shares, -1e3)
    run = run_classic(
        two_hubs('kind = "cost"'), ClassicOptions(kinds=("mclp",), sites=1), write=False
    )
    mclp = run.table.set_index("model").loc["mclp"]
    assert mclp["covered_mw"] > 0
    assert mclp["objective_value"] == pytest.approx(mclp["covered_mw"])
    assert mclp["status"] == "feasible"


def test_classic_models_stand_beside_the_scenario_without_its_classes() -> None:
    """One demand per hub: default's service classes are left out, its other keys kept."""
    from siting.classic.plans import reference_scenario

    spec = load_scenario(resolve_scenario_path("default"))[0]
    one = reference_scenario(spec)
    assert list(spec.classes.root) == ["realtime", "interactive", "batch"]
    assert one.classes.root == {} and one.demand == spec.demand and one.name == spec.name
