"""Classic location models: checks, units, coefficients (docs/model.md, "Classic location models").

p-median, p-center, MCLP and LSCP are the siting model with the capacity side switched off:
the open variables ``y_s``, the pair variables as assignment shares ``a_k`` (the ``serve``
columns), ``x_s = t_s = 0``, and one constraint family each
(:mod:`siting.model.families.classic`, composed by :func:`~siting.model.build.build_classic`).
"""

from __future__ import annotations

import numpy as np

from siting.errors import InputError, Problem
from siting.instance import Instance
from siting.model.base import OBJECTIVE_UNIT

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
            q, h = map(int, np.unravel_index(np.argmin(rtt - radius), rtt.shape))
            expected = (
                f"a radius that covers some hub; {what} covers none: the closest is hub "
                f"'{inst.hubs.ids[h]}' with site '{inst.sites.ids[near[q, h]]}' at "
                f"{rtt[q, h]:.1f} ms round trip (radius {radius[q, h]:g} ms)"
            )
            problems.append(Problem(source, "[objective]", "coverage_rtt_ms", expected))
        covered = np.bincount(inst.pair_stream, minlength=inst.n_streams) > 0
        uncovered = (
            np.flatnonzero(~covered) if inst.objective_kind == "lscp" else np.zeros(0, np.int64)
        )
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


def covered_pairs(inst: Instance, radius: float) -> np.ndarray:
    """Pairs within ``radius`` ms round trip: the covering sets of p-center's decision problem."""
    return np.flatnonzero(inst.pairs.rtt_ms <= radius)
