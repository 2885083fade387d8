"""Service classes, redundancy and policy families: brute force, derived PuLP model, bad input."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from scipy.optimize import linprog

from siting.errors import InfeasibleError, InputError
from siting.feasibility import check_feasibility
from siting.instance import Instance, Pairs, PolicyRows, ServiceClasses
from siting.model import Forcing, build_arrays
from siting.policy import Green, Vouchers
from siting.solve import Solution, Status, solve
from siting.solve.options import RunOptions

from .conftest import make_instance


def make_class_instance(
    seed: int,
    *,
    shares: tuple[float, ...] = (0.3, 0.7),
    min_sites: tuple[int, ...] | None = None,
    failover: tuple[float, ...] | None = None,
    vouchers: bool = False,
    green: bool = False,
    staff_scale: float = 2.5,
    max_site_share: float = 1.0,
) -> Instance:
    """A random instance with classes: class 0 reaches a subset of class 1's sites."""
    base = make_instance(seed, pair_density=0.8, staff_scale=staff_scale)
    rng = np.random.default_rng(100 + seed)
    C, S, H = len(shares), base.n_sites, base.n_hubs  # noqa: N806
    hubs, sites, classes, kms = [], [], [], []
    for q in range(C):
        keep = rng.random(base.n_pairs) < (0.6 if q == 0 else 1.0)
        for h in range(H):  # every hub keeps two pairs (if it has them) in every class
            mine = np.flatnonzero(base.pairs.hub == h)
            keep[mine[:2]] = True
        hubs.append(base.pairs.hub[keep])
        sites.append(base.pairs.site[keep])
        classes.append(np.full(int(keep.sum()), q))
        kms.append(base.pairs.km[keep])
    km = np.concatenate(kms)
    pair_hub, pair_site, pair_class = (
        np.concatenate(a).astype(np.int64) for a in (hubs, sites, classes)
    )
    opex = np.concatenate([base.sites.opex[:1], rng.uniform(1e6, 4e6, (C, 3, S))])
    staff = np.concatenate([[0.5], rng.uniform(0.6, 1.4, C)])
    k = np.array(min_sites or (1,) * C, dtype=np.int64)
    cap = np.minimum(max_site_share, 1.0 / k)
    policy = PolicyRows()
    if vouchers:
        member = np.zeros((2, S), bool)
        member[0, :2] = True
        member[1, 1] = True
        issuers = Vouchers(
            np.array(["v0", "v1"]), member, np.array([1.5e6, 0.8e6]), np.array([25.0, np.inf])
        )
        policy = dataclasses.replace(policy, vouchers=issuers)
    if green:
        coef = np.zeros((1, S))
        coef[0, : S // 2 + 1] = rng.uniform(5, 10, S // 2 + 1)
        policy = dataclasses.replace(policy, green=Green(np.array(["p0"]), coef, np.array([400.0])))
    return dataclasses.replace(
        base,
        sites=dataclasses.replace(
            base.sites, opex=opex, energy_mwh=np.ones((1 + C, S)), emissions_t=np.ones((1 + C, S))
        ),
        staff_per_mw=staff,
        rent=np.zeros(1 + C),
        pairs=Pairs(pair_hub, pair_site, pair_class, km, km / 100 + 1, km * 1000.0),
        classes=ServiceClasses(
            names=np.array([f"c{q}" for q in range(C)]),
            share=np.array(shares, dtype=float),
            sla_ms=np.full((C, H), 10.0),
            share_cap=cap,
            min_sites=k,
            failover=np.array(failover or (0.0,) * C, dtype=float),
            layer=np.array(["ip"] * C),
            nearest_site=np.zeros((C, H), np.int64),
            nearest_rtt_ms=np.ones((C, H)),
        ),
        policy=policy,
    )


def brute_force(inst: Instance) -> float:
    """Optimal cost by enumerating open and training sets, one dense LP each.

    Written from docs/model.md, independently of :mod:`siting.model`: streams, per-class
    costs and staff, site-share caps, failover reserve, vouchers and green-power rows.
    """
    S, K, G = inst.n_sites, inst.n_pairs, inst.n_streams  # noqa: N806
    V = len(inst.policy.vouchers.names)  # noqa: N806
    stream = inst.pairs.service_class * inst.n_hubs + inst.pairs.hub
    demand = inst.stream_demand_mw
    alpha = np.repeat(inst.classes.failover, inst.n_hubs)
    guarded = np.flatnonzero(alpha > 0)
    res_k = np.flatnonzero(alpha[stream] > 0)
    ix, it, jf = 0, S, 2 * S
    jr = jf + K
    jm = jr + len(res_k)
    jw = jm + len(guarded)
    n = jw + V
    cap = inst.sites.existing_mw + inst.sites.headroom_mw
    unit = inst.sites.opex.sum(axis=1)
    cost = np.zeros(n)
    cost[ix : ix + S] = inst.sites.capex_cost
    cost[it : it + S] = unit[0]
    cost[jf : jf + K] = unit[1 + inst.pairs.service_class, inst.pairs.site] + inst.pairs.cost
    cost[jw:] = -inst.policy.vouchers.cny_per_mw
    share = np.repeat(inst.classes.share_cap, inst.n_hubs) * demand
    best = math.inf
    for y in itertools.product((0, 1), repeat=S):
        for z in itertools.product((0, 1), repeat=S):
            if any(zs and not ys for zs, ys in zip(z, y, strict=True)):
                continue
            a_eq, b_eq, a_ub, b_ub = [], [], [], []
            for g in range(G):
                row = np.zeros(n)
                row[jf + np.flatnonzero(stream == g)] = 1
                a_eq.append(row)
                b_eq.append(demand[g])
            row = np.zeros(n)
            row[it : it + S] = 1
            a_eq.append(row)
            b_eq.append(inst.training_mw)
            for s in range(S):
                row = np.zeros(n)
                row[it + s] = 1
                row[jf + np.flatnonzero(inst.pairs.site == s)] = 1
                row[jr + np.flatnonzero(inst.pairs.site[res_k] == s)] = 1
                row[ix + s] = -1
                a_ub.append(row)
                b_ub.append(inst.sites.existing_mw[s] * y[s])
            for p in range(len(inst.sites.group_names)):
                row = np.zeros(n)
                for s in np.flatnonzero(inst.sites.group == p):
                    row[it + s] = inst.staff_per_mw[0]
                    ks = np.flatnonzero(inst.pairs.site == s)
                    row[jf + ks] = inst.staff_per_mw[1 + inst.pairs.service_class[ks]]
                a_ub.append(row)
                b_ub.append(inst.sites.staff_available[p])
            for i, g in enumerate(guarded):  # whichever site fails, alpha D survives
                mine = [j for j, k in enumerate(res_k) if stream[k] == g]
                for j in mine:
                    row = np.zeros(n)
                    row[jf + res_k[j]] = row[jr + j] = 1
                    row[jm + i] = -1
                    a_ub.append(row)
                    b_ub.append(0.0)
                row = np.zeros(n)
                row[jf + res_k[mine]] = row[jr + np.array(mine)] = -1
                row[jm + i] = 1
                a_ub.append(row)
                b_ub.append(-alpha[g] * demand[g])
            for v in range(V):
                row = np.zeros(n)
                row[jw + v] = 1
                for s in np.flatnonzero(inst.policy.vouchers.member[v]):
                    row[it + s] = -1
                    row[jf + np.flatnonzero(inst.pairs.site == s)] = -1
                a_ub.append(row)
                b_ub.append(0.0)
            for p in range(len(inst.policy.green.names)):
                row = np.zeros(n)
                row[ix : ix + S] = inst.policy.green.coef[p]
                a_ub.append(row)
                b_ub.append(inst.policy.green.supply_gwh[p])
            bounds = [(0, inst.sites.headroom_mw[s] * y[s]) for s in range(S)]
            for s in range(S):
                low = inst.min_cluster_mw * z[s]
                bounds.append((low, cap[s] * z[s]) if low <= cap[s] * z[s] else (0, -1))
            bounds += [(0, share[stream[k]] * y[inst.pairs.site[k]]) for k in range(K)]
            bounds += [(0, None)] * (len(res_k) + len(guarded))
            bounds += [(0, m) for m in inst.policy.vouchers.max_mw]
            if any(hi is not None and lo > hi for lo, hi in bounds):
                continue
            res = linprog(cost, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=np.array(a_eq), b_eq=b_eq,
                          bounds=bounds, method="highs")  # fmt: skip
            if res.status == 0:
                best = min(best, res.fun + float(np.dot(inst.sites.fixed_cost, y)))
    return best


CASES = (
    [pytest.param(dict(seed=s), id=f"classes-{s}") for s in (0, 1, 8)]
    + [pytest.param(dict(seed=s, shares=(0.2, 0.5, 0.3)), id=f"three-{s}") for s in (5, 6)]
    + [pytest.param(dict(seed=s, min_sites=(2, 1)), id=f"k-sites-{s}") for s in (2, 12, 18)]
    + [pytest.param(dict(seed=s, failover=(0.5, 0.0)), id=f"failover-{s}") for s in (0, 16, 19)]
    + [pytest.param(dict(seed=s, failover=(0.3, 0.6)), id=f"failover-both-{s}") for s in (1,)]
    + [pytest.param(dict(seed=s, vouchers=True), id=f"vouchers-{s}") for s in (12, 13)]
    + [pytest.param(dict(seed=s, green=True), id=f"green-{s}") for s in (3, 16, 19)]
    + [
        pytest.param(dict(seed=s, staff_scale=1.0, max_site_share=0.7), id=f"staff-share-{s}")
        for s in (4, 15)
    ]
)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("kwargs", CASES)
def test_optimum_equals_brute_force(kwargs: dict, solver: str) -> None:
    inst = make_class_instance(**kwargs)
    expected = brute_force(inst)
    if math.isinf(expected):
        with pytest.raises(InfeasibleError):
            solve(build_arrays(inst), options=RunOptions(solver=solver, mip_gap=1e-9))
        return
    sol = solve(build_arrays(inst), options=RunOptions(solver=solver, mip_gap=1e-9))
    assert sol.status is Status.OPTIMAL
    assert sol.objective == pytest.approx(expected, rel=1e-6)


def test_brute_force_cases_bind() -> None:
    """The families must change the optimum, or the comparison proves little."""
    plain = {s: brute_force(make_class_instance(s)) for s in (12, 16, 19)}
    assert brute_force(make_class_instance(12, min_sites=(2, 1))) > plain[12] + 1.0
    assert brute_force(make_class_instance(19, failover=(0.5, 0.0))) > plain[19] + 1.0
    assert brute_force(make_class_instance(12, vouchers=True)) < plain[12] - 1.0
    assert brute_force(make_class_instance(16, green=True)) > plain[16] + 1.0
    feasible = [not math.isinf(brute_force(make_class_instance(**p.values[0]))) for p in CASES]
    assert sum(feasible) >= len(CASES) // 2


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(seed=1),
        dict(seed=2, shares=(0.2, 0.5, 0.3), min_sites=(2, 1, 1)),
        dict(seed=3, failover=(0.4, 0.6), vouchers=True, green=True, staff_scale=0.6),
    ],
)
@pytest.mark.parametrize("elastic", [False, True])
def test_derived_pulp_model_is_the_arrays(kwargs: dict, elastic: bool) -> None:
    """tests/test_model.py's derived-PuLP check, on instances with every new family."""
    from .test_model import assert_pulp_is_arrays

    forcing = [Forcing(1, "training", 5.0), Forcing(2, "inference", 3.0)]
    assert_pulp_is_arrays(
        build_arrays(make_class_instance(**kwargs), elastic=elastic, forcing=forcing)
    )


def test_one_class_reproduces_todays_optimum() -> None:
    """Default without classes, and with one explicit class equal to [inference]: one optimum."""
    from siting.pipeline import prepare

    default = prepare("default")
    prepared = default.variant(default.scenario.with_overrides({"classes": {}}))
    spec = prepared.scenario
    one = spec.with_overrides(
        {
            "classes.all.share": 1.0,
            "classes.all.sla_ms": spec.demand.inference_sla_ms,
            "classes.all.utilisation": spec.inference.utilisation,
            "classes.all.staff_per_mw": spec.inference.staff_per_mw,
        }
    )
    today = solve(build_arrays(prepared.instance), options=RunOptions(mip_gap=1e-9))
    inst = prepared.variant(one).instance
    assert inst.n_service_classes == 1 and inst.classes.names[0] == "all"
    again = solve(build_arrays(inst), options=RunOptions(mip_gap=1e-9))
    assert again.objective == pytest.approx(today.objective, rel=1e-9)
    assert np.array_equal(again.open, today.open)
    assert np.allclose(again.build, today.build, atol=1e-6)


def test_k_above_sites_within_sla_names_hub_and_class() -> None:
    inst = make_class_instance(1, min_sites=(9, 1))
    reasons = check_feasibility(inst)
    assert any("hub 'h0', class 'c0': at least 9 serving sites required" in r for r in reasons)
    with pytest.raises(InfeasibleError, match="class 'c0'"):
        solve(build_arrays(inst))


def test_shares_must_sum_to_one() -> None:
    from siting.scenario import load_scenario

    spec = load_scenario("default")[0].with_overrides({"classes": {}})
    with pytest.raises(InputError, match=r"sum to 0\.9; expected 1"):
        spec.with_overrides(
            {
                f"classes.{n}.{k}": v
                for n, share in (("a", 0.5), ("b", 0.4))
                for k, v in (
                    ("share", share),
                    ("sla_ms", 10),
                    ("utilisation", 0.5),
                    ("staff_per_mw", 1),
                )
            }
        )


CLASS_FILE = """extends = "realtime-10ms"
name = "bad"
"""


@pytest.mark.parametrize(
    ("extra", "pattern"),
    [
        (
            "[classes.realtime]\nshare = 0.5\n[classes.interactive]\nshare = 0.4\n",
            r"field 'classes': the class shares \(realtime 0\.5, interactive 0\.4, "
            r"batch 0\.3\) sum to 1\.2; expected 1",
        ),
        (
            '[classes.batch]\nlayer = "carrier-pigeon"\n',
            r"\[classes\.batch\]: field 'layer': input should be 'optical', 'ip' or 'internet'",
        ),
        (
            "[classes.realtime]\nmin_sites = 9\n",
            r"infeasible:\n  - hub '\w+', class 'realtime': at least 9 serving sites required "
            r"\(redundancy\), but only \d+ sites are within 10 ms round trip at the ip layer",
        ),
        (
            '[latency]\nlayer = "radio"\n',
            r"\[latency\]: field 'layer': input should be 'optical', 'ip' or 'internet'",
        ),
    ],
    ids=["shares", "class-layer", "k-above-sla", "layer"],
)
def test_bad_class_input_exits_2_without_output(tmp_path, extra: str, pattern: str) -> None:
    from .test_cli import _assert_clean_failure, _bad_run

    scenario = tmp_path / "bad.toml"
    scenario.write_text(CLASS_FILE + extra)
    _assert_clean_failure(_bad_run(tmp_path, scenario), tmp_path, pattern)


def test_decomposition_matches_direct_with_classes_and_policy() -> None:
    inst = make_class_instance(12, min_sites=(2, 1), vouchers=True, green=True)
    direct = solve(build_arrays(inst), options=RunOptions(strategy="direct", mip_gap=1e-9))
    split = solve(build_arrays(inst), options=RunOptions(strategy="decompose", mip_gap=1e-9))
    assert split.strategy == "decompose"
    assert split.objective == pytest.approx(direct.objective, rel=1e-6)


def test_failover_is_solved_directly_with_a_reason() -> None:
    inst = make_class_instance(19, failover=(0.5, 0.0))
    sol = solve(build_arrays(inst), options=RunOptions(strategy="decompose", mip_gap=1e-9))
    assert sol.strategy == "direct"
    assert "not decomposed: a failover reserve" in sol.termination
    assert sol.objective == pytest.approx(brute_force(inst), rel=1e-6)


def test_policy_families_change_the_instance() -> None:
    from siting.pipeline import prepare

    prepared = prepare("realtime-10ms")
    base = prepared.instance
    spec = prepared.scenario.with_overrides(
        {
            "policy.size_limit": True,
            "policy.size_limit_mw": 50.0,
            "policy.power_subsidy": True,
            "policy.domestic_chips": True,
            "policy.compute_vouchers": True,
            "policy.green_share": 0.8,
        }
    )
    inst = prepared.variant(spec).instance
    outside = np.isin(inst.sites.ids, ["beijing", "wuhan", "lanzhou"])
    assert (
        inst.sites.headroom_mw[outside] <= np.clip(50.0 - inst.sites.existing_mw[outside], 0, None)
    ).all()
    lanzhou = list(inst.sites.ids).index("lanzhou")  # pays the Gansu price, 0.48 CNY/kWh
    assert inst.sites.opex[0, 0, lanzhou] < base.sites.opex[0, 0, lanzhou]
    assert set(inst.policy.vouchers.names) == {"Shanghai", "Hangzhou", "Henan (province)",
                                               "Qingyang", "Chengdu"}  # fmt: skip
    assert any("green-power share 0.8: inactive" in n for n in inst.policy.notes)
    assert any("Beijing: inactive (no yearly budget" in n for n in inst.policy.notes)
    assert len(inst.policy.green.names) == 0


def _all_served(inst: Instance) -> Solution:
    """A plan serving 1 MW over every admissible pair (what the hub table reads)."""
    zeros = np.zeros(inst.n_sites)
    return Solution(
        Status.OPTIMAL, 0.0, 0.0, 0.0, "highs", "", 0.0,
        open=np.ones(inst.n_sites, bool), build=zeros, train=zeros, serve=np.ones(inst.n_pairs),
    )  # fmt: skip


def test_hub_table_counts_distinct_sites_and_gives_each_class_its_sla() -> None:
    """n_sites and sites_within_sla count sites, not (class, site) pairs; the SLA is per class.

    Class 0 (SLA 40 ms) reaches a subset of class 1's (10 ms) sites, so a site serving a hub in
    both classes is one site; the hub's ``sla_rtt_ms`` is the strictest class's (10 ms), not
    the first class's.
    """
    from siting.results import hub_arrays

    inst = make_class_instance(3)
    sla = np.stack([np.full(inst.n_hubs, 40.0), np.full(inst.n_hubs, 10.0)])
    inst = dataclasses.replace(inst, classes=dataclasses.replace(inst.classes, sla_ms=sla))
    hubs = hub_arrays(_all_served(inst), inst)
    for h in range(inst.n_hubs):
        mine = inst.pairs.hub == h
        assert hubs["n_sites"][h] == len(set(inst.pairs.site[mine]))
        assert hubs["sites_within_sla"][h] == len(set(inst.pairs.site[mine]))
        for q in (0, 1):
            assert hubs[f"n_sites_c{q}"][h] == (mine & (inst.pairs.service_class == q)).sum()
    assert (hubs["n_sites"] < np.bincount(inst.pairs.hub)).any()  # some site serves both classes
    np.testing.assert_array_equal(hubs["sla_rtt_ms"], 10.0)
    np.testing.assert_array_equal(hubs["sla_c0_rtt_ms"], 40.0)


def test_2027_classes_hubs_count_the_sites_their_flows_use(tmp_path) -> None:
    """hubs.csv on realtime-10ms agrees with flows.csv: sites per hub, per class, mean RTT."""
    import pandas as pd

    from siting.pipeline import optimize

    run = optimize("realtime-10ms", map=False, write=False)
    hubs = pd.DataFrame(run.results.hubs).set_index("hub_id")
    flows = pd.DataFrame(run.results.flows)
    n_candidates = run.instance.n_sites
    assert (hubs["sites_within_sla"] <= n_candidates).all()
    assert (hubs["n_sites"] <= hubs["sites_within_sla"]).all()
    by_hub = flows.groupby("hub_id")["site_id"].nunique()
    assert hubs["n_sites"].to_dict() == by_hub.reindex(hubs.index, fill_value=0).to_dict()
    assert hubs.loc["beijing", "n_sites"] == flows[flows["hub_id"] == "beijing"].site_id.nunique()
    for name in run.instance.classes.names:
        mine = flows[flows["class"] == name]
        counted = mine.groupby("hub_id")["site_id"].nunique().reindex(hubs.index, fill_value=0)
        assert hubs[f"n_sites_{name}"].to_dict() == counted.to_dict()
        weighted = (mine["mw"] * mine["rtt_ms"]).groupby(mine["hub_id"]).sum()
        mean = weighted / mine.groupby("hub_id")["mw"].sum()
        np.testing.assert_allclose(hubs[f"mean_{name}_rtt_ms"], mean[hubs.index], rtol=1e-9)
    sla = np.minimum.reduce([hubs[f"sla_{q}_rtt_ms"] for q in run.instance.classes.names])
    np.testing.assert_array_equal(hubs["sla_rtt_ms"], sla)


def test_latency_matrix_gives_each_class_its_sla() -> None:
    """matrix.csv: within_sla_<class> at the class's layer; within_sla against the strictest."""
    from siting.pipeline import prepare
    from siting.routes import latency_table

    prepared = prepare("realtime-10ms")
    table = latency_table(prepared)
    batch = table["internet_rtt_ms"] <= 200.0 + 1e-9  # batch: 100 ms one way, internet layer
    assert (table["within_sla_batch"] == batch).all() and batch.all()
    assert (table["within_sla_interactive"] == (table["ip_rtt_ms"] <= 40.0 + 1e-9)).all()
    assert (table["sla_rtt_ms"] == 10.0).all()
    assert (table["within_sla"] == (table["ip_rtt_ms"] <= 10.0 + 1e-9)).all()


def test_map_reach_and_hub_sla_follow_the_strictest_class() -> None:
    """The first class loosened to 300 ms: hubs and the reach show interactive's 40 ms."""
    from siting.pipeline import load_scenario, optimize

    spec = load_scenario("realtime-10ms")[0].with_overrides({"classes.realtime.sla_ms": 300.0})
    run = optimize(spec, write=False, map=False)
    hubs, reach = run.results.hubs, run.results.reach
    assert (hubs["sla_rtt_ms"] == 40.0).all() and (hubs["sla_realtime_rtt_ms"] == 300.0).all()
    assert reach["hub_id"].tolist() == hubs["hub_id"].tolist()
    assert (reach["sla_rtt_ms"] == 40.0).all()


def test_latency_matrix_prints_each_class_at_its_layer(tmp_path, capsys) -> None:
    from siting.cli import main

    argv = ["latency", "--matrix", "--scenario", "realtime-10ms", "--out", str(tmp_path)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "within the strictest class's round-trip SLA" in text
    assert "Each class at its own layer: realtime 65, interactive 401, batch 450." in text


def test_default_has_the_three_classes_with_their_network_shares() -> None:
    """Real-time 175 ms round trip, interactive 20 ms one way, batch over the internet."""
    from siting.pipeline import prepare

    classes = prepare("default").instance.classes
    assert list(classes.names) == ["realtime", "interactive", "batch"]
    assert np.allclose(classes.sla_ms[:, 0], [175.0, 40.0, 200.0])
    assert list(classes.layer) == ["ip", "ip", "internet"]
