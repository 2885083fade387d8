"""Policy rows: green power for new MW in the hub nodes, and compute vouchers."""

from __future__ import annotations

import numpy as np

from siting.instance import Instance
from siting.model.arrays import Builder
from siting.model.families.columns import Columns


def define_green_power(b: Builder, v: Columns, inst: Instance) -> None:
    """Green power for new MW in hub node ``p``: ``Σ_{s∈S_p} γ 8.76 PUE_s x_s ≤ GREEN_p``.

    ``x_s`` is ``v.build``: the MW built (a year of the multi-period model: the new MW in
    service that year).
    """
    for p in range(len(inst.policy.green.names)):
        on = np.flatnonzero(inst.policy.green.coef[p] > 0)
        rows = b.add_rows(
            (f"{v.tag}green_power_{p}", np.array([""])), -np.inf, inst.policy.green.supply_gwh[p]
        )
        b.add_entries(rows, v.build[on], inst.policy.green.coef[p, on])


def define_vouchers(b: Builder, v: Columns, inst: Instance) -> None:
    """Count voucher MW only where compute is hosted: ``w_v - Σ_{s∈S_v} (t_s + Σ f_qhs) ≤ 0``."""
    for i, member in enumerate(inst.policy.vouchers.member):
        rows = b.add_rows((f"{v.tag}voucher_{i}", np.array([""])), -np.inf, 0.0)
        b.add_entries(rows, v.voucher[i], 1.0)
        b.add_entries(rows, v.train[member], -1.0)
        b.add_entries(rows, v.serve[member[inst.pairs.site]], -1.0)
