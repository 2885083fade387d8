"""Twin hubs: hubs that reach the same sites, merged into one stream (``docs/model.md``).

Hubs are twins if every service class admits the same sites at both. The horizon whose hubs
are the twin groups (:func:`aggregated`) is a relaxation of the horizon: its optimum and every
bound of it are lower bounds of the original's, and its plans (binaries and orders) are
plans of the original, costing at most the spread of network costs within the groups more
(``docs/model.md``, "Twin hubs aggregated").
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from siting.horizon import Horizon
from siting.instance import Hubs, Instance, Pairs


@dataclass(frozen=True)
class Twins:
    """A partition of the hubs into twin groups.

    Attributes
    ----------
    group
        Group of each hub, numbered in the order of each group's first hub, shape (H,).
    first
        First hub of each group, shape (G,).
    """

    group: np.ndarray
    first: np.ndarray

    @property
    def n_groups(self) -> int:
        """Number of groups ``G``."""
        return len(self.first)


def twin_groups(inst: Instance) -> Twins:
    """Group the hubs whose admissible (service class, site) pairs are the same.

    Parameters
    ----------
    inst
        The instance; its pairs decide (the SLAs and latency layers through them).

    Returns
    -------
    Twins
        Hubs without any admissible pair form one group.
    """
    p = inst.pairs
    code = p.service_class * inst.n_sites + p.site
    order = np.lexsort((code, p.hub))
    ends = np.searchsorted(p.hub[order], np.arange(inst.n_hubs), side="right")
    reach = np.split(code[order], ends[:-1])
    seen: dict[bytes, int] = {}
    group = np.array([seen.setdefault(r.tobytes(), len(seen)) for r in reach], np.int64)
    _, first = np.unique(group, return_index=True)
    return Twins(group, first.astype(np.int64))


def aggregated(h: Horizon, twins: Twins) -> Horizon:
    """Return the horizon whose hubs are the twin groups (the aggregated model's arrays).

    A group's demand is its hubs' sum in every year; its pair to a site costs the least of
    its hubs' network costs there (km and RTT the least too, for reports only); its ids,
    SLAs and nearest sites are those of its first hub (diagnostics). Everything else is
    ``h``'s.

    Parameters
    ----------
    h
        The horizon.
    twins
        Its hubs' twin groups (:func:`twin_groups` of ``h.base``).

    Returns
    -------
    Horizon
    """
    base, groups = h.base, twins.n_groups
    p, n_sites = base.pairs, base.n_sites
    key = (p.service_class * groups + twins.group[p.hub]) * n_sites + p.site
    merged, of_pair = np.unique(key, return_inverse=True)  # sorted by class, group, site

    def least(values: np.ndarray) -> np.ndarray:
        out = np.full(len(merged), np.inf)
        np.minimum.at(out, of_pair, values)
        return out

    pairs = Pairs(
        hub=(merged // n_sites) % groups,
        site=merged % n_sites,
        service_class=merged // (n_sites * groups),
        km=least(p.km),
        rtt_ms=least(p.rtt_ms),
        cost=least(p.cost),
    )

    def summed(values: np.ndarray) -> np.ndarray:  # over each group's hubs (first axis)
        out = np.zeros((groups, *values.shape[1:]))
        np.add.at(out, twins.group, values)
        return out

    first, classes = twins.first, base.classes
    return replace(
        h,
        base=replace(
            base,
            hubs=Hubs(
                ids=base.hubs.ids[first],
                demand_mw=summed(base.hubs.demand_mw),
            ),
            pairs=pairs,
            classes=replace(
                classes,
                sla_ms=classes.sla_ms[:, first],
                nearest_site=classes.nearest_site[:, first],
                nearest_rtt_ms=classes.nearest_rtt_ms[:, first],
            ),
        ),
        demand=summed(h.demand),
    )
