"""Necessary conditions for a feasible plan, checked on the instance's arrays.

Each failed check is a sentence naming the demand or limit that cannot be met and why, e.g.
``hub 'shanghai': no site within 8 ms; the nearest is 'wuhu' at 9.4 ms``. Passing every
check does not prove feasibility (the limits interact); the solver has the last word.
"""

from __future__ import annotations

import numpy as np

from siting.errors import counted
from siting.instance import Instance


def check_feasibility(inst: Instance) -> list[str]:
    """List every necessary condition the instance violates.

    Parameters
    ----------
    inst
        The instance.

    Returns
    -------
    list of str
        One sentence per violated condition; empty if none is violated.
    """
    if inst.maximise_margin:  # demand is an upper bound: serving none is feasible
        return []
    return [*_hub_reach(inst), *_training_room(inst), *_total_capacity(inst), *_staff(inst)]


def one_class(inst: Instance) -> bool:
    """Whether the instance has only the default class (no ``[classes]`` in the scenario)."""
    return inst.n_service_classes == 1 and inst.classes.names[0] == "inference"


def stream_names(inst: Instance) -> list[str]:
    """Name each stream ``q·H + h``: ``hub 'x'``, or ``hub 'x', class 'q'`` with classes."""
    if one_class(inst):
        return [f"hub '{h}'" for h in inst.hubs.ids]
    return [f"hub '{h}', class '{q}'" for q in inst.classes.names for h in inst.hubs.ids]


def _hub_reach(inst: Instance) -> list[str]:
    reasons = []
    cap = inst.sites.capacity_mw
    demand_g = inst.stream_demand_mw
    share = inst.stream_share_cap
    names = stream_names(inst)
    H = inst.n_hubs  # noqa: N806 - the maths' names
    for g in range(inst.n_streams):
        demand = demand_g[g]
        if demand <= 0:
            continue
        q, h = divmod(g, H)
        pairs = np.flatnonzero(inst.pair_stream == g)
        sla = inst.classes.sla_ms[q, h]
        within = f"within {sla:g} ms"
        if not one_class(inst):
            within += f" round trip at the {inst.classes.layer[q]} layer"
        name = names[g]
        if len(pairs) == 0:
            near = inst.sites.ids[inst.classes.nearest_site[q, h]]
            rtt = inst.classes.nearest_rtt_ms[q, h]
            reasons.append(f"{name}: no site {within}; the nearest is '{near}' at {rtt:.1f} ms")
            continue
        k = int(inst.classes.min_sites[q])
        if k > len(pairs):
            reasons.append(
                f"{name}: at least {k} serving sites required (redundancy), but only "
                f"{counted(len(pairs), 'site')} {'is' if len(pairs) == 1 else 'are'} {within}"
            )
            continue
        reach = np.minimum(cap[inst.pairs.site[pairs]], share[g] * demand).sum()
        if reach < demand - 1e-6:
            limit = f" and a site may serve at most {share[g]:.0%} of it" if share[g] < 1 else ""
            reasons.append(
                f"{name}: {demand:.1f} MW of inference demand, but the "
                f"{counted(len(pairs), 'site')} {within} can host at most "
                f"{reach:.1f} MW{limit}"
            )
    return reasons


def _training_room(inst: Instance) -> list[str]:
    if inst.training_mw <= 0:
        return []
    fits = inst.sites.capacity_mw >= inst.min_cluster_mw - 1e-9
    if not fits.any():
        largest = inst.sites.capacity_mw.max(initial=0.0)
        return [
            f"training: {inst.training_mw:.1f} MW needs sites of at least "
            f"{inst.min_cluster_mw:g} MW (minimum cluster), but the largest site can host "
            f"{largest:.1f} MW"
        ]
    room = inst.sites.capacity_mw[fits].sum()
    if room < inst.training_mw - 1e-6:
        return [
            f"training: {inst.training_mw:.1f} MW demanded, but the "
            f"{counted(int(fits.sum()), 'site')} large enough for a {inst.min_cluster_mw:g} MW "
            f"cluster can host at most {room:.1f} MW"
        ]
    return []


def _total_capacity(inst: Instance) -> list[str]:
    need = inst.hubs.demand_mw.sum() + inst.training_mw
    have = inst.sites.capacity_mw.sum()
    if need > have + 1e-6:
        return [
            f"total: {need:.1f} MW demanded (inference and training), but all sites together "
            f"can host at most {have:.1f} MW (existing plus grid headroom)"
        ]
    return []


def _staff(inst: Instance) -> list[str]:
    need = float(inst.staff_per_mw.min()) * (inst.hubs.demand_mw.sum() + inst.training_mw)
    pools = np.unique(inst.sites.group)
    have = inst.sites.staff_available[pools].sum()
    if need > have + 1e-6:
        return [
            f"staff: serving all demand needs at least {need:,.0f} FTE, but the provinces "
            f"with sites can supply {have:,.0f} FTE"
        ]
    return []
