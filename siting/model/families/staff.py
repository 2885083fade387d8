"""Staff: a province's sites need no more staff than it can supply."""

from __future__ import annotations

import numpy as np

from siting.instance import Instance
from siting.model.arrays import Builder
from siting.model.families.columns import Columns


def define_staff(b: Builder, v: Columns, inst: Instance) -> None:
    """``Σ_{s∈p} (σ_T t_s + Σ_qh σ_q f_qhs) ≤ A_p`` for the pools ``p`` that can bind.

    A pool that could staff every site in it at full capacity gets no row.
    """
    sigma = inst.staff_per_mw.astype(float)
    groups = np.arange(len(inst.sites.group_names), dtype=np.int64)
    most = np.bincount(inst.sites.group, inst.sites.capacity_mw * float(sigma.max()), len(groups))
    binds = groups[most > inst.sites.staff_available]
    row_of = np.full(len(groups), -1, dtype=np.int64)
    row_of[binds] = b.add_rows(
        (f"{v.tag}staff_", binds), -np.inf, inst.sites.staff_available[binds]
    )
    site_row = row_of[inst.sites.group]
    on = site_row >= 0
    b.add_entries(site_row[on], v.train[on], sigma[0])
    pair_row = site_row[inst.pairs.site]
    on_pair = pair_row >= 0
    b.add_entries(pair_row[on_pair], v.serve[on_pair], sigma[inst.pair_workload][on_pair])
