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


def _hub_reach(inst: Instance) -> list[str]:
    reasons = []
    cap = inst.capacity_mw
    share_cap = inst.demand_mw * inst.max_site_share
    for h in range(inst.n_hubs):
        demand = inst.demand_mw[h]
        if demand <= 0:
            continue
        pairs = np.flatnonzero(inst.pair_hub == h)
        name, sla = inst.hub_ids[h], inst.sla_ms[h]
        if len(pairs) == 0:
            near = inst.site_ids[inst.nearest_site[h]] if inst.nearest_site.size else "none"
            rtt = inst.nearest_rtt_ms[h] if inst.nearest_rtt_ms.size else float("nan")
            reasons.append(
                f"hub '{name}': no site within {sla:g} ms; the nearest is '{near}' at {rtt:.1f} ms"
            )
            continue
        reach = np.minimum(cap[inst.pair_site[pairs]], share_cap[h]).sum()
        if reach < demand - 1e-6:
            limit = (
                f" and a site may serve at most {inst.max_site_share:.0%} of it"
                if inst.max_site_share < 1
                else ""
            )
            reasons.append(
                f"hub '{name}': {demand:.1f} MW of inference demand, but the "
                f"{counted(len(pairs), 'site')} within {sla:g} ms can host at most "
                f"{reach:.1f} MW{limit}"
            )
    return reasons


def _training_room(inst: Instance) -> list[str]:
    if inst.training_mw <= 0:
        return []
    fits = inst.capacity_mw >= inst.min_cluster_mw - 1e-9
    if not fits.any():
        largest = inst.capacity_mw.max(initial=0.0)
        return [
            f"training: {inst.training_mw:.1f} MW needs sites of at least "
            f"{inst.min_cluster_mw:g} MW (minimum cluster), but the largest site can host "
            f"{largest:.1f} MW"
        ]
    room = inst.capacity_mw[fits].sum()
    if room < inst.training_mw - 1e-6:
        return [
            f"training: {inst.training_mw:.1f} MW demanded, but the "
            f"{counted(int(fits.sum()), 'site')} large enough for a {inst.min_cluster_mw:g} MW "
            f"cluster can host at most {room:.1f} MW"
        ]
    return []


def _total_capacity(inst: Instance) -> list[str]:
    need = inst.demand_mw.sum() + inst.training_mw
    have = inst.capacity_mw.sum()
    if need > have + 1e-6:
        return [
            f"total: {need:.1f} MW demanded (inference and training), but all sites together "
            f"can host at most {have:.1f} MW (existing plus grid headroom)"
        ]
    return []


def _staff(inst: Instance) -> list[str]:
    need = float(inst.staff_per_mw.min()) * (inst.demand_mw.sum() + inst.training_mw)
    pools = np.unique(inst.site_group)
    have = inst.staff_available[pools].sum()
    if need > have + 1e-6:
        return [
            f"staff: serving all demand needs at least {need:,.0f} FTE, but the provinces "
            f"with sites can supply {have:,.0f} FTE"
        ]
    return []
