"""Exact p-center by radius search over set-covering problems (docs/model.md, "p-center").

The optimum ``W*`` is one of the pairs' round trips. For a candidate radius ``r`` the
covering problem (:func:`~siting.model.build_covering`) decides whether at most
``p`` sites cover every client within ``r``; feasibility is monotone in ``r``, so a binary
search over the sorted distinct round trips between a lower bound (every client's nearest
site) and a greedy plan's worst round trip finds ``W*``. Each decision is exact: a cover is
checked here, infeasibility is the solver's proof. A search stopped by the time limit reports
the best plan found, status feasible, with the smallest radius not proved infeasible as bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from siting.instance import Instance
from siting.model.build import build_covering
from siting.model.classic import LEFT_OUT, serve_mw
from siting.model.pulp_model import column_values, to_pulp
from siting.solve.cbc import run_cbc
from siting.solve.highs import new_highs, pass_model, run
from siting.solve.status import Solution, Status, relative_gap

if TYPE_CHECKING:  # direct imports this module
    from siting.solve.options import RunOptions

#: HiGHS and CBC stop at the first cover: any set of at most p sites answers the decision.
FIRST_COVER_GAP = 1.0


@dataclass(frozen=True)
class Search:
    """Where a radius search stopped.

    Attributes
    ----------
    opened
        The best plan's open sites, shape (S,).
    lower
        Largest radius proved a lower bound on ``W*``, ms.
    problems
        Covering problems solved.
    stopped
        Why the search stopped early (``""`` if it closed the gap).
    """

    opened: np.ndarray
    lower: float
    problems: int
    stopped: str


def distances(inst: Instance) -> np.ndarray:
    """Round trip of every (client, site), ms; ``inf`` where there is no pair."""
    d = np.full((inst.n_streams, inst.n_sites), np.inf)
    d[inst.pair_stream, inst.pairs.site] = inst.pairs.rtt_ms
    return d


def worst_rtt(d: np.ndarray, opened: np.ndarray) -> float:
    """Largest round trip of a client to its nearest open site, ms."""
    return float(d[:, opened].min(axis=1).max(initial=0.0))


def nearest_open(inst: Instance, opened: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each client's nearest open site among its pairs and that round trip (ms).

    Returns
    -------
    tuple of two numpy.ndarray
        Site index per client (``-1`` if none of its pairs' sites is open; MCLP: none within
        the radius) and the round trip (``inf`` then), shape (G,) each.
    """
    d = np.column_stack([distances(inst)[:, opened], np.full(inst.n_streams, np.inf)])
    at = np.argmin(d, axis=1)
    rtt = d[np.arange(inst.n_streams), at]
    site = np.r_[np.flatnonzero(opened), -1][at]
    return np.where(np.isfinite(rtt), site, -1), rtt


def assign_nearest(inst: Instance, opened: np.ndarray) -> np.ndarray:
    """Assign each client to its nearest open site: the share of each pair, shape (K,)."""
    site, _ = nearest_open(inst, opened)
    return (site[inst.pair_stream] == inst.pairs.site).astype(float)


def classic_objective(inst: Instance, opened: np.ndarray) -> float:
    """Objective of a classic kind as minimised, from the open sites alone.

    Each client is served from its nearest open site (:func:`assign_nearest`), the best
    assignment for those sites: p-median ``Σ w_g d_g`` (MW·ms), p-center ``max d_g`` (ms),
    MCLP minus the MW with an open site within the radius, LSCP the number of open sites.
    """
    if inst.objective_kind == "lscp":
        return float(opened.sum())
    _, rtt = nearest_open(inst, opened)
    weight = inst.stream_demand_mw
    if inst.objective_kind == "mclp":
        return -float(weight[np.isfinite(rtt)].sum())
    if inst.objective_kind == "p-center":
        return float(rtt.max(initial=0.0))
    return float(weight @ rtt)


def greedy_plan(d: np.ndarray, p: int, opened: np.ndarray | None = None) -> np.ndarray:
    """Open sites one by one up to ``p``, each the one that most lowers the worst round trip.

    Parameters
    ----------
    d
        Round trips, from :func:`distances`.
    p
        Sites to open in all.
    opened
        Sites already open (default none).
    """
    opened = np.zeros(d.shape[1], dtype=bool) if opened is None else opened.copy()
    nearest = d[:, opened].min(axis=1, initial=np.inf)
    for _ in range(min(p, d.shape[1]) - int(opened.sum())):
        worst = np.minimum(nearest[:, None], d).max(axis=0)
        worst[opened] = np.inf
        s = int(np.argmin(worst))
        opened[s] = True
        nearest = np.minimum(nearest, d[:, s])
    return opened


def solve_center(inst: Instance, opts: RunOptions) -> Solution:
    """Solve p-center exactly by radius search.

    Parameters
    ----------
    inst
        A p-center instance (every client has a pair; ``site_count`` ≥ 1).
    opts
        Solver options; the time limit counts all covering problems together.

    Returns
    -------
    Solution
        Every client assigned to its nearest open site; status optimal when the search proved
        ``W*``, else feasible with the bound and gap where it stopped.
    """
    assert opts.solver is not None  # set by RunOptions.resolve
    start = time.perf_counter()
    d = distances(inst)
    found = radius_search(inst, d, opts, start)
    if inst.site_count_rule == "exactly":  # more open sites never lengthen a round trip
        found = replace(found, opened=greedy_plan(d, inst.site_count, found.opened))
    objective = worst_rtt(d, found.opened)
    gap = relative_gap(objective, found.lower)
    words = f"p-center by radius search: {found.problems} covering problems"
    status = Status.OPTIMAL
    if found.stopped and objective > found.lower:  # padding may have closed the gap
        status = Status.FEASIBLE
        words = f"feasible, stopped at gap {gap:.3%} ({found.stopped}); {words}"
    share = assign_nearest(inst, found.opened)
    return Solution(
        status=status,
        objective=objective,
        bound=min(found.lower, objective),
        gap=gap,
        solver=opts.solver,
        termination=f"{words}; {LEFT_OUT}",
        seconds=time.perf_counter() - start,
        open=found.opened,
        build=np.zeros(inst.n_sites),
        train=np.zeros(inst.n_sites),
        serve=serve_mw(inst, share),
        strategy="radius search",
    )


def radius_search(inst: Instance, d: np.ndarray, opts: RunOptions, start: float) -> Search:
    """Binary search of the sorted distinct round trips for the least coverable radius.

    Invariant: ``radii[hi]`` is met by the best plan, every radius below ``radii[lo]`` is
    proved infeasible (below the largest nearest-site round trip, or by a covering problem).
    """
    nearest = float(d.min(axis=1).max(initial=0.0))
    best = greedy_plan(d, inst.site_count)
    radii = np.unique(inst.pairs.rtt_ms)
    radii = radii[(radii >= nearest) & (radii <= worst_rtt(d, best))]
    lo, hi, problems = 0, len(radii) - 1, 0
    assert opts.time_limit is not None  # set by RunOptions.resolve
    while lo < hi:
        left = opts.time_limit - (time.perf_counter() - start)
        if left <= 0:
            return Search(best, float(radii[lo]), problems, "time limit")
        mid = (lo + hi) // 2
        state, cover = decide(inst, d, float(radii[mid]), opts, left)
        problems += 1
        if cover is not None:  # a checked cover: the radius is met
            best = cover
            hi = int(np.searchsorted(radii, worst_rtt(d, cover)))
        elif state == "infeasible":
            lo = mid + 1
        else:
            return Search(best, float(radii[lo]), problems, state)
    return Search(best, float(radii[lo]) if len(radii) else nearest, problems, "")


def decide(
    inst: Instance, d: np.ndarray, radius: float, opts: RunOptions, time_limit: float
) -> tuple[str, np.ndarray | None]:
    """Whether at most ``p`` sites cover every client within ``radius``.

    Returns
    -------
    tuple of str and numpy.ndarray or None
        ``"infeasible"`` (proved) and ``None``; a state and a cover (checked: every client
        within ``radius`` of an open site, at most ``p`` open); or the reason it is unknown
        (``"time limit"``, a solver failure) and ``None``.
    """
    model = build_covering(inst, radius)
    if opts.solver == "cbc":
        prob = to_pulp(model)
        state, words, _ = run_cbc(prob, max(time_limit, 1.0), FIRST_COVER_GAP, opts.threads)
        x = column_values(prob, model) if state in ("optimal", "limit") else None
    else:
        highs = new_highs(FIRST_COVER_GAP, opts.threads)
        pass_model(highs, model)
        out = run(highs, max(time_limit, 1.0), is_mip=True)
        state, words, x = out.state, out.words, out.x
    if state == "infeasible":
        return state, None
    if x is None:
        return words if state in ("limit", "none") else f"{opts.solver} failed: {words}", None
    cover = x[model.scenarios[0].open] > 0.5
    if cover.sum() <= inst.site_count and worst_rtt(d, cover) <= radius:
        return state, cover
    return f"{opts.solver} returned a set that is not a cover within {radius:g} ms", None
