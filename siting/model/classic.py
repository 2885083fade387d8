"""The classic location models and the site-count row (docs/model.md, "Classic location models").

p-median, p-center, MCLP and LSCP are the siting model with the capacity side switched off:
the open variables ``y_s``, the pair variables as assignment shares ``a_k`` (the ``serve``
columns), ``x_s = t_s = 0``, and one constraint family each. Every family is written twice,
for PuLP (``define_*``) and for the array build (:func:`classic_arrays`,
:func:`site_count_rows`), with the same names and coefficients (``tests/test_classic.py``
compares them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pulp

from siting.errors import InputError, Problem
from siting.instance import Instance
from siting.model.base import OBJECTIVE_UNIT, SitingModel
from siting.model.variables import pairs_by

if TYPE_CHECKING:  # arrays imports this module
    from siting.model.arrays import Builder

#: Unit of ``objective_value`` per objective kind.
UNITS = {
    "cost": "CNY/yr",
    "margin": "CNY/yr",
    "p-median": "MW·ms",
    "p-center": "ms",
    "mclp": "MW",
    "lscp": "sites",
}
#: Kinds whose reported value is minus what the solver minimises.
MAXIMISED = ("mclp",)
#: What a classic kind leaves out, for the run summary.
LEFT_OUT = (
    "classic location model: uncapacitated; no capacity, headroom, staff, training, cluster, "
    "redundancy or policy constraint applies and no cost is optimised"
)


#: Uncovered hubs named one by one in an LSCP error; the rest are counted.
SHOWN = 5


def check_classic(inst: Instance, source: str) -> None:
    """Reject a site count above the number of sites, and a radius that covers too little.

    MCLP needs some hub covered, LSCP every hub (docs/model.md, "Classic location models").
    Runs on the instance, before any model is built.

    Parameters
    ----------
    inst
        The instance; for MCLP and LSCP its SLAs are the coverage radius.
    source
        Name of the scenario, for messages.

    Raises
    ------
    InputError
        Naming the key, the radius and the nearest site's round trip.
    """
    problems = []
    if inst.site_count > inst.n_sites:
        expected = (
            f"expected at most {inst.n_sites} (the candidate sites in the sites layer), "
            f"got {inst.site_count}"
        )
        problems.append(Problem(source, "[objective]", "sites", expected))
    if inst.objective_kind in ("mclp", "lscp") and inst.n_sites:
        radius, near, rtt = (
            inst.classes.sla_ms,
            inst.classes.nearest_site,
            inst.classes.nearest_rtt_ms,
        )
        what = "the coverage radius (objective.coverage_rtt_ms, else the SLA)"
        if inst.objective_kind == "mclp" and inst.n_pairs == 0:
            q, h = np.unravel_index(np.argmin(rtt - radius), rtt.shape)
            expected = (
                f"a radius that covers some hub; {what} covers none: the closest is hub "
                f"'{inst.hubs.ids[h]}' with site '{inst.sites.ids[near[q, h]]}' at "
                f"{rtt[q, h]:.1f} ms round trip (radius {radius[q, h]:g} ms)"
            )
            problems.append(Problem(source, "[objective]", "coverage_rtt_ms", expected))
        covered = np.bincount(inst.pair_stream, minlength=inst.n_streams) > 0
        uncovered = np.flatnonzero(~covered) if inst.objective_kind == "lscp" else []
        for g in uncovered[:SHOWN]:
            q, h = divmod(int(g), inst.n_hubs)
            expected = (
                f"every hub covered (lscp); {what} leaves hub '{inst.hubs.ids[h]}' uncovered: "
                f"its nearest site '{inst.sites.ids[near[q, h]]}' is at {rtt[q, h]:.1f} ms "
                f"round trip (radius {radius[q, h]:g} ms)"
            )
            problems.append(Problem(source, "[objective]", "coverage_rtt_ms", expected))
        if len(uncovered) > SHOWN:
            more = f"{len(uncovered) - SHOWN} more hubs are uncovered by {what}"
            problems.append(Problem(source, "[objective]", "coverage_rtt_ms", more))
    if problems:
        raise InputError(problems)


def classic_only(inst: Instance, what: str) -> InputError:
    """Return the error for an analysis that needs the cost or margin model, not a classic kind."""
    expected = (
        f"{what} needs objective kind 'cost' or 'margin'; a {inst.objective_kind} model is "
        "uncapacitated and has no costs to compare"
    )
    return InputError([Problem("scenario", "[objective]", "kind", expected)])


def objective_scale(inst: Instance) -> float:
    """Units of the reported objective per unit the solver sees (CNY for cost and margin)."""
    return 1.0 if inst.classic else OBJECTIVE_UNIT


def objective_value(inst: Instance, solver_value: float) -> float:
    """Convert the solver's objective (already scaled) to its reported sign (:data:`UNITS`)."""
    return -solver_value if inst.objective_kind in MAXIMISED else solver_value


def serve_mw(inst: Instance, serve: np.ndarray) -> np.ndarray:
    """MW per pair of a solved ``serve`` column: shares times the stream's demand if classic."""
    if not inst.classic:
        return serve
    return serve * inst.stream_demand_mw[inst.pair_stream]


def serve_cost(inst: Instance) -> np.ndarray:
    """Objective coefficient of each assignment share ``a_k`` of a classic kind."""
    weight = inst.stream_demand_mw[inst.pair_stream]
    if inst.objective_kind == "p-median":
        return weight * inst.pairs.rtt_ms
    if inst.objective_kind == "mclp":
        return -weight
    return np.zeros(inst.n_pairs)


def assigned_streams(inst: Instance) -> np.ndarray:
    """Streams with an assignment row: all, or (MCLP) those with a covering site."""
    streams = np.arange(inst.n_streams, dtype=np.int64)
    if inst.objective_kind == "mclp":
        return streams[np.bincount(inst.pair_stream, minlength=inst.n_streams) > 0]
    return streams


def build_classic(inst: Instance) -> SitingModel:
    """Build a classic location model with PuLP.

    Parameters
    ----------
    inst
        An instance whose ``objective_kind`` is classic.

    Returns
    -------
    SitingModel
        ``serve`` holds the assignment shares; ``build`` and ``train`` are variables fixed
        at 0 that no row uses (the problem has no column for them).
    """
    prob = pulp.LpProblem("siting_classic", pulp.LpMinimize)
    S = inst.n_sites  # noqa: N806 - the maths' names
    opened = [prob.add_variable(f"open_{s}", 0, 1, pulp.LpBinary) for s in range(S)]
    # x_s = t_s = 0: in no row and no objective term, so the problem has no column for them
    build = [prob.add_variable(f"build_{s}", 0, 0) for s in range(S)]
    train = [prob.add_variable(f"train_{s}", 0, 0) for s in range(S)]
    serve = [prob.add_variable(f"serve_{k}", 0, 1) for k in range(inst.n_pairs)]
    m = SitingModel(prob, inst, opened, build, train, [None] * S, serve)
    define_site_count(m)
    define_assignment(m)
    define_assign_open(m)
    terms = list(zip(serve, serve_cost(inst).tolist(), strict=True))
    if inst.objective_kind == "lscp":
        terms += [(y, 1.0) for y in opened]
    if inst.objective_kind == "p-center":
        terms.append((define_center(m), 1.0))
    prob.setObjective(pulp.LpAffineExpression([(v, c) for v, c in terms if c != 0]))
    return m


def define_site_count(m: SitingModel) -> None:
    """Open exactly (or at most) ``p`` sites: ``Σ_s y_s = p`` (``≤ p``); any objective kind."""
    p = m.instance.site_count
    if p <= 0:
        return
    expr = pulp.LpAffineExpression([(y, 1.0) for y in m.open])
    row = expr == p if m.instance.site_count_rule == "exactly" else expr <= p
    m.problem.addConstraint(row, "site_count")


def define_assignment(m: SitingModel) -> None:
    """Assign each client: ``Σ_s a_gs = 1`` (MCLP: ``≤ 1``, clients with a covering site)."""
    inst = m.instance
    groups = pairs_by(inst.pair_stream, inst.n_streams)
    for g in assigned_streams(inst):
        expr = pulp.LpAffineExpression([(m.serve[k], 1.0) for k in groups[g]])
        row = expr <= 1 if inst.objective_kind == "mclp" else expr == 1
        m.problem.addConstraint(row, f"assign_{g}")


def define_assign_open(m: SitingModel) -> None:
    """Assign only to open sites: ``a_gs ≤ y_s`` (the strong formulation)."""
    for k, site in enumerate(m.instance.pairs.site):
        expr = pulp.LpAffineExpression([(m.serve[k], 1.0), (m.open[site], -1.0)])
        m.problem.addConstraint(expr <= 0, f"pair_open_{k}")


def define_center(m: SitingModel) -> pulp.LpVariable:
    """p-center: each client's assigned round trip is at most ``W``: ``Σ_s d_gs a_gs ≤ W``.

    Returns
    -------
    pulp.LpVariable
        ``W``, the largest assigned round trip, ms.
    """
    inst = m.instance
    worst = m.problem.add_variable("center_ms", 0)
    rtt = inst.pairs.rtt_ms.tolist()
    for g, pairs in enumerate(pairs_by(inst.pair_stream, inst.n_streams)):
        terms = [(m.serve[k], rtt[k]) for k in pairs] + [(worst, -1.0)]
        m.problem.addConstraint(pulp.LpAffineExpression(terms) <= 0, f"center_{g}")
    return worst


def classic_arrays(inst: Instance, b: Builder) -> tuple[np.ndarray, ...]:
    """Write a classic model into an array builder.

    Returns
    -------
    tuple of numpy.ndarray
        Columns of ``y``, ``x``, ``t`` (``-1``: no column, the value is 0), ``a`` and the row
        of each pair's link.
    """
    S, K = inst.n_sites, inst.n_pairs  # noqa: N806 - the maths' names
    sites, pairs = np.arange(S, dtype=np.int64), np.arange(K, dtype=np.int64)
    lscp = inst.objective_kind == "lscp"
    y = b.add_cols(("open_", sites), float(lscp), 1.0, integer=True)
    x = t = np.full(S, -1, dtype=np.int64)  # x_s = t_s = 0: no column
    a = b.add_cols(("serve_", pairs), serve_cost(inst), 1.0)
    site_count_rows(inst, b, y)
    # assignment: sum_s a_gs = 1 (mclp: <= 1)
    streams = assigned_streams(inst)
    row_of = np.full(inst.n_streams, -1, dtype=np.int64)
    low = -np.inf if inst.objective_kind == "mclp" else 1.0
    row_of[streams] = b.add_rows(("assign_", streams), low, 1.0)
    b.add_entries(row_of[inst.pair_stream], a, 1.0)
    # link: a_k - y_s <= 0
    pair_row = b.add_rows(("pair_open_", pairs), -np.inf, 0.0)
    b.add_entries(pair_row, a, 1.0)
    b.add_entries(pair_row, y[inst.pairs.site], -1.0)
    if inst.objective_kind == "p-center":  # sum_s d_gs a_gs - W <= 0
        worst = b.add_cols(("center_ms", np.array([""])), 1.0, np.inf)
        rows = b.add_rows(("center_", np.arange(inst.n_streams, dtype=np.int64)), -np.inf, 0.0)
        b.add_entries(rows[inst.pair_stream], a, inst.pairs.rtt_ms)
        b.add_entries(rows, worst, -1.0)
    return y, x, t, a, pair_row


def site_count_rows(inst: Instance, b: Builder, y: np.ndarray) -> None:
    """Array form of :func:`define_site_count`."""
    p = inst.site_count
    if p <= 0:
        return
    low = float(p) if inst.site_count_rule == "exactly" else -np.inf
    row = b.add_rows(("site_count", np.array([""])), low, float(p))
    b.add_entries(row, y, 1.0)


def covered_pairs(inst: Instance, radius: float) -> np.ndarray:
    """Pairs within ``radius`` ms round trip: the covering sets of :func:`covering_arrays`."""
    return np.flatnonzero(inst.pairs.rtt_ms <= radius)


def covering_arrays(inst: Instance, radius: float, b: Builder) -> np.ndarray:
    """Write p-center's decision problem at a radius into an array builder.

    Does some set of at most ``p`` sites cover every client within ``radius`` ms round trip?
    ``Σ_{s: d_gs ≤ r} y_s ≥ 1`` for every client (row ``cover_g``), ``Σ_s y_s ≤ p`` (row
    ``site_count``), minimise ``Σ_s y_s`` (docs/model.md, "p-center by radius search").

    Returns
    -------
    numpy.ndarray
        Columns of ``y``.
    """
    sites = np.arange(inst.n_sites, dtype=np.int64)
    y = b.add_cols(("open_", sites), 1.0, 1.0, integer=True)
    rows = b.add_rows(("cover_", np.arange(inst.n_streams, dtype=np.int64)), 1.0, np.inf)
    k = covered_pairs(inst, radius)
    b.add_entries(rows[inst.pair_stream[k]], y[inst.pairs.site[k]], 1.0)
    count = b.add_rows(("site_count", np.array([""])), -np.inf, float(inst.site_count))
    b.add_entries(count, y, 1.0)
    return y


def build_covering(inst: Instance, radius: float) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """PuLP form of :func:`covering_arrays` (same names and coefficients), for CBC.

    Returns
    -------
    tuple of pulp.LpProblem and list of pulp.LpVariable
        The problem and the open variables ``y_s``.
    """
    prob = pulp.LpProblem("siting_covering", pulp.LpMinimize)
    opened = [prob.add_variable(f"open_{s}", 0, 1, pulp.LpBinary) for s in range(inst.n_sites)]
    k = covered_pairs(inst, radius)
    for g, pairs in enumerate(pairs_by(inst.pair_stream[k], inst.n_streams)):
        expr = pulp.LpAffineExpression([(opened[inst.pairs.site[k[i]]], 1.0) for i in pairs])
        prob.addConstraint(expr >= 1, f"cover_{g}")
    total = pulp.LpAffineExpression([(y, 1.0) for y in opened])
    prob.addConstraint(total <= inst.site_count, "site_count")
    prob.setObjective(total)
    return prob, opened
