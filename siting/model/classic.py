"""Classic location models: checks, units, coefficients (docs/model.md, "Classic location models").

p-median, p-center, MCLP and LSCP are the siting model with the capacity side switched off:
the open variables ``y_s``, the pair variables as assignment shares ``a_k`` (the ``serve``
columns), ``x_s = t_s = 0``, and one constraint family each
(:mod:`siting.model.families.classic`, composed by :func:`~siting.model.build.build_classic`).
"""

from __future__ import annotations

import numpy as np

from siting.errors import InputError, Problem, counted
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
        classes = inst.classes
        problems += coverage_problems(
            {inst.objective_kind},
            nearest_rtt=classes.nearest_rtt_ms.ravel(),
            radius=classes.sla_ms.ravel(),
            hubs=np.tile(inst.hubs.ids, len(classes.sla_ms)),
            sites=inst.sites.ids[classes.nearest_site.ravel()],
            where=(source, "[objective]", "coverage_rtt_ms"),
            what="the coverage radius (objective.coverage_rtt_ms, else the SLA)",
            classes=np.repeat(classes.names, inst.n_hubs) if len(classes.sla_ms) > 1 else None,
        )
    if problems:
        raise InputError(problems)


def coverage_problems(
    kinds: set[str],
    *,
    nearest_rtt: np.ndarray,
    radius: np.ndarray,
    hubs: np.ndarray,
    sites: np.ndarray,
    where: tuple[str, str, str],
    what: str,
    classes: np.ndarray | None = None,
) -> list[Problem]:
    """Say what a coverage radius leaves out: no hub at all (MCLP), or some hub (LSCP).

    The one check behind :func:`check_classic` (a scenario's classic kind) and the classic
    runner's check of its ``--kinds`` and ``--radius-rtt-ms`` (``siting classic``). A hub is
    covered when every one of its demand streams (one per service class) is.

    Parameters
    ----------
    kinds
        The classic kinds asked for; only ``mclp`` and ``lscp`` are checked.
    nearest_rtt, radius, hubs, sites
        Per demand stream: the round trip (ms) to its nearest site, its coverage radius (ms
        round trip), its hub's id and the nearest site's id.
    where
        The file, table and key a problem names.
    what
        How the radius is named in the messages.
    classes
        Per demand stream, its service class, named in the messages; ``None`` with one class.

    Returns
    -------
    list of Problem
        At most one; empty when the radius covers what the kinds need.
    """
    covered = nearest_rtt <= radius
    source, table, key = where
    if not kinds & {"mclp", "lscp"} or not len(covered):
        return []

    def pair(g: int) -> str:
        of = f" ({classes[g]})" if classes is not None else ""
        return (
            f"hub '{hubs[g]}'{of} with its nearest site '{sites[g]}' at {nearest_rtt[g]:.1f} ms "
            f"round trip (radius {radius[g]:g} ms)"
        )

    # each uncovered hub once, by its first uncovered stream
    _, first = np.unique(hubs[~covered], return_index=True)
    uncovered = np.sort(np.flatnonzero(~covered)[first])
    if "lscp" in kinds and len(uncovered):
        named = "; ".join(pair(int(g)) for g in uncovered[:SHOWN])
        more = f"; and {len(uncovered) - SHOWN} more" if len(uncovered) > SHOWN else ""
        expected = (
            f"every hub covered (lscp); {what} leaves {counted(len(uncovered), 'hub')} "
            f"uncovered: {named}{more}"
        )
    elif not covered.any():
        g = int(np.argmin(nearest_rtt - radius))
        expected = f"a radius that covers some hub; {what} covers no hub: the closest is {pair(g)}"
    else:
        return []
    return [Problem(source, table, key, expected)]


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
