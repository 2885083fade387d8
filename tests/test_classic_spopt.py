"""The classic location models equal PySAL spopt's optima, and brute force, on shared instances.

spopt (``pip install -e '.[test]'``, a test-only dependency) solves each instance from its cost
matrix (``PMedian``, ``PCenter``, ``MCLP``, ``LSCP`` ``.from_cost_matrix``) with the same solver
siting uses (HiGHS and CBC, both to a zero gap); siting solves the same matrix as an
:class:`~siting.instance.Instance` (random instances) or as a shipped scenario with
``[objective] kind`` (real instances). A brute force over every set of open sites, written
here without either model, says which optima are unique: there the open sites must match too.

Instances: random coordinates (round trip from distance) and random latency matrices, 12 hubs
and 8 sites; the default scenario's 15 hubs × 30 sites on the IP and the optical layer.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings
from collections.abc import Iterator

import numpy as np
import pulp
import pytest

import siting
from siting.instance import Instance
from siting.model import build_arrays, objective_value
from siting.pipeline import prepare
from siting.solve import solve
from siting.solve.cbc import cbc_executable
from siting.solve.options import RunOptions

from .conftest import make_instance, with_pairs

locate = pytest.importorskip("spopt.locate", reason="spopt is a test-only dependency: .[test]")

KINDS = ("p-median", "p-center", "mclp", "lscp")
SOLVERS = ("highs", "cbc")
#: Relative tolerance of equal objectives: CBC returns values through a text file.
REL = 1e-6


# --- the two tools --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    """A shared instance: round trips ``d`` (hubs × sites, ms), weights ``w`` (MW), p, radius."""

    name: str
    d: np.ndarray
    w: np.ndarray
    p: int
    radius: float


def spopt_solve(kind: str, case: Case, solver: str) -> tuple[float, set[int]]:
    """Solve with spopt: its objective and open sites."""
    engine = (
        pulp.HiGHS(msg=False, gapRel=0.0)
        if solver == "highs"
        else pulp.COIN_CMD(path=cbc_executable(), msg=False, gapRel=0.0)
    )
    with warnings.catch_warnings():  # spopt builds its variables the PuLP 3 way
        warnings.filterwarnings("ignore", "Constructing LpVariable", DeprecationWarning)
        if kind == "p-median":
            model = locate.PMedian.from_cost_matrix(case.d, case.w, case.p)
        elif kind == "p-center":
            model = locate.PCenter.from_cost_matrix(case.d, case.p)
        elif kind == "mclp":
            model = locate.MCLP.from_cost_matrix(case.d, case.w, case.radius, case.p)
        else:
            model = locate.LSCP.from_cost_matrix(case.d, case.radius)
        model.solve(engine, results=False)
    assert model.problem.status == pulp.LpStatusOptimal
    opened = {j for j, y in enumerate(model.fac_vars) if y.value() > 0.5}
    return float(model.problem.objective.value()), opened


def classic_instance(kind: str, case: Case, rule: str = "exactly") -> Instance:
    """The case as a siting instance: all pairs, or those within the radius for mclp, lscp."""
    n_hubs, n_sites = case.d.shape
    within = case.d <= case.radius if kind in ("mclp", "lscp") else np.ones_like(case.d, bool)
    hub, site = np.nonzero(within)  # sorted by hub, then site
    return with_pairs(
        make_instance(0, n_sites=n_sites, n_hubs=n_hubs),
        case.w,
        np.full(n_hubs, case.radius),
        (hub, site, np.zeros(len(hub)), case.d[hub, site], np.zeros(len(hub))),
        objective_kind=kind,
        site_count=0 if kind == "lscp" else case.p,
        site_count_rule=rule,
    )


def siting_solve(inst: Instance, solver: str) -> tuple[float, set[int]]:
    """Solve with siting (CBC reads the derived PuLP model): its objective and open sites."""
    sol = solve(
        build_arrays(inst), options=RunOptions(solver=solver, mip_gap=0.0, strategy="direct")
    )
    assert sol.status.value == "optimal"
    return float(objective_value(inst, sol.objective)), set(np.flatnonzero(sol.open).tolist())


def brute_force(kind: str, case: Case) -> tuple[float, list[set[int]]]:
    """The optimum by enumerating every set of open sites, and every set attaining it.

    p-median, p-center and MCLP open exactly ``p`` sites and serve each hub from its nearest
    one (MCLP: count a hub's weight if its nearest is within the radius); LSCP takes the
    smallest number of sites covering every hub.
    """
    n_sites = case.d.shape[1]
    if kind == "lscp":
        covers = case.d <= case.radius
        for k in range(1, n_sites + 1):
            found = [set(c) for c in _subsets(n_sites, k) if covers[:, list(c)].any(axis=1).all()]
            if found:
                return float(k), found
        raise AssertionError("no set of sites covers every hub")
    subsets = np.array(list(_subsets(n_sites, case.p)))
    nearest = case.d[:, subsets].min(axis=2)  # hubs × subsets
    if kind == "p-median":
        values = case.w @ nearest
    elif kind == "p-center":
        values = nearest.max(axis=0)
    else:
        values = -(case.w @ (nearest <= case.radius))
    best = float(values.min())
    ties = np.flatnonzero(np.isclose(values, best, rtol=REL, atol=1e-9))
    return abs(best), [set(subsets[t].tolist()) for t in ties]


def _subsets(n: int, k: int) -> Iterator[tuple[int, ...]]:
    return itertools.combinations(range(n), k)


# --- instances ------------------------------------------------------------------------------


def random_case(seed: int, how: str, n_hubs: int = 12, n_sites: int = 8, p: int = 3) -> Case:
    """Random hubs and sites in a 2,000 km square (round trip 1 ms + 1 ms per 100 km), or a
    random latency matrix; integer demand weights 1-40 MW."""
    rng = np.random.default_rng(seed)
    if how == "coordinates":
        hubs, sites = rng.uniform(0, 2000, (n_hubs, 2)), rng.uniform(0, 2000, (n_sites, 2))
        km = np.hypot(*(hubs[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
        d = 1.0 + km / 100.0
    else:
        d = rng.uniform(1.0, 30.0, (n_hubs, n_sites))
    w = rng.integers(1, 41, n_hubs).astype(float)
    # a radius covering some hubs but not all from one site; lscp needs every hub coverable
    radius = max(float(np.quantile(d, 0.3)), float(d.min(axis=1).max()))
    return Case(f"{how}-{seed}", d, w, p, radius)


RANDOM = [random_case(seed, how) for how in ("coordinates", "matrix") for seed in range(3)]


def scenario_case(layer: str, p: int, radius: float) -> Case:
    """The default scenario's hubs × sites at a latency layer, from siting's own instance."""
    spec = siting.load_scenario("default").with_overrides(
        {"classes": {}, "latency.layer": layer, "objective.kind": "p-median", "objective.sites": p}
    )
    inst = prepare(spec).instance
    d = np.full((inst.n_hubs, inst.n_sites), np.nan)
    d[inst.pairs.hub, inst.pairs.site] = inst.pairs.rtt_ms
    assert not np.isnan(d).any()  # p-median takes every pair
    return Case(f"default-{layer}", d, inst.hubs.demand_mw.copy(), p, radius)


@pytest.fixture(scope="module")
def real_cases() -> dict[str, Case]:
    return {layer: scenario_case(layer, 4, 10.0) for layer in ("ip", "optical")}


# --- random instances -----------------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", RANDOM, ids=lambda c: c.name)
def test_random_instances_equal_spopt_and_brute_force(case, kind, solver) -> None:
    best, optima = brute_force(kind, case)
    theirs, their_sites = spopt_solve(kind, case, solver)
    ours, our_sites = siting_solve(classic_instance(kind, case), solver)
    assert ours == pytest.approx(theirs, rel=REL, abs=1e-9)
    assert ours == pytest.approx(best, rel=REL, abs=1e-9)
    assert our_sites in optima and their_sites in optima
    if kind != "lscp":
        assert len(our_sites) == case.p  # exactly p
    if len(optima) == 1:  # a unique optimum: both tools open the same sites
        assert our_sites == their_sites


def test_some_random_optima_are_unique() -> None:
    """The site assertions above are exercised: most p-median optima here are unique."""
    unique = [c.name for c in RANDOM if len(brute_force("p-median", c)[1]) == 1]
    assert len(unique) >= len(RANDOM) - 1, unique


@pytest.mark.parametrize("kind", ["p-median", "p-center", "mclp"])
@pytest.mark.parametrize("case", RANDOM[:2], ids=lambda c: c.name)
def test_at_most_p_reaches_the_exactly_p_optimum(case, kind) -> None:
    """Opening more sites never hurts these three, so at most p sites reach spopt's exactly p."""
    theirs, _ = spopt_solve(kind, case, "highs")
    ours, sites = siting_solve(classic_instance(kind, case, rule="at_most"), "highs")
    assert ours == pytest.approx(theirs, rel=REL, abs=1e-9)
    assert len(sites) <= case.p


def test_brute_force_can_fail() -> None:
    """The brute force disagrees with a plan that is not optimal (here p + 1 sites)."""
    case = RANDOM[0]
    wider, _ = brute_force("p-median", dataclasses.replace(case, p=case.p + 1))
    best, _ = brute_force("p-median", case)
    assert wider < best * (1 - 10 * REL)


# --- the default scenario -------------------------------------------------------------------


#: p-center with CBC takes 10-20 s here (its LP is weak); the random instances run it.
REAL = [(k, s) for k in KINDS for s in SOLVERS if (k, s) != ("p-center", "cbc")]


@pytest.mark.parametrize(("kind", "solver"), REAL)
@pytest.mark.parametrize("layer", ["ip", "optical"])
def test_default_scenario_equals_spopt(real_cases, layer, kind, solver) -> None:
    """The shipped scenario through the public API, against spopt on its round-trip matrix."""
    case = real_cases[layer]
    overrides: dict[str, object] = {"classes": {}, "latency.layer": layer, "objective.kind": kind}
    if kind != "lscp":
        overrides["objective.sites"] = case.p
    if kind in ("mclp", "lscp"):
        overrides["objective.coverage_rtt_ms"] = case.radius
    spec = siting.load_scenario("default").with_overrides(overrides)
    plan = siting.optimize(spec, options=RunOptions(solver=solver, mip_gap=0.0))
    kpis = plan.kpis
    theirs, their_sites = spopt_solve(kind, case, solver)
    assert kpis["objective_kind"] == kind and kpis["status"] == "optimal"
    assert kpis["objective_value"] == pytest.approx(theirs, rel=REL, abs=1e-9)
    ours = set(plan.sites.loc[plan.sites["open"], "site_id"])
    best, optima = brute_force(kind, case)
    assert kpis["objective_value"] == pytest.approx(best, rel=REL, abs=1e-9)
    site_ids = plan.sites["site_id"].tolist()
    assert {site_ids.index(s) for s in ours} in optima
    if len(optima) == 1:
        assert {site_ids[j] for j in their_sites} == ours


def test_default_p_median_is_unique_so_sites_match(real_cases) -> None:
    """p-median p = 4 on the default scenario has one optimum; both tools open those sites."""
    case = real_cases["ip"]
    best, optima = brute_force("p-median", case)
    assert len(optima) == 1
    plan = siting.optimize(
        siting.load_scenario("default").with_overrides(
            {"classes": {}, "objective.kind": "p-median", "objective.sites": case.p}
        ),
        options=RunOptions(mip_gap=0.0),
    )
    site_ids = plan.sites["site_id"].tolist()
    ours = {site_ids.index(s) for s in plan.sites.loc[plan.sites["open"], "site_id"]}
    _, theirs = spopt_solve("p-median", case, "highs")
    assert ours == theirs == optima[0]
    assert math.isclose(plan.kpis["objective_value"], best, rel_tol=REL)
