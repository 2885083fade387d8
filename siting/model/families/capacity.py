"""Capacity: what a site hosts fits what it has, and only open sites build or serve."""

from __future__ import annotations

import numpy as np

from siting.instance import Instance
from siting.model.arrays import Builder
from siting.model.families.columns import Columns


def define_headroom(b: Builder, v: Columns, inst: Instance) -> None:
    """Build new MW only at open sites and within grid headroom: ``x_s - G_s y_s ≤ 0``."""
    grid = np.flatnonzero(inst.sites.headroom_mw > 0)
    rows = b.add_rows(("headroom_", grid), -np.inf, 0.0)
    b.add_entries(rows, v.build[grid], 1.0)
    b.add_entries(rows, v.open[grid], -inst.sites.headroom_mw[grid])


def define_capacity(b: Builder, v: Columns, inst: Instance) -> None:
    """Fit hosted MW in an open site's existing MW plus new MW.

    ``t_s + Σ_qh (f_qhs + r_qhs) - x_s - E_s y_s ≤ 0`` (``r``: failover reserve, if any).
    """
    rows = b.add_rows((f"{v.tag}capacity_", np.arange(inst.n_sites)), -np.inf, 0.0)  # ≤ 0
    b.add_entries(rows[inst.pairs.site], v.serve, 1.0)  # + f_k, in the row of its site
    reserved = v.reserve >= 0
    b.add_entries(rows[inst.pairs.site[reserved]], v.reserve[reserved], 1.0)  # + r_k
    b.add_entries(rows, v.train, 1.0)  # + t_s
    b.add_entries(rows, v.build, -1.0)  # - x_s
    b.add_entries(rows, v.open, -inst.sites.existing_mw)  # - E_s y_s


def define_pair_open(b: Builder, v: Columns, inst: Instance) -> None:
    """Send inference only to open sites: ``f_k - ū_k y_s ≤ 0`` for pairs with ``ū_k > 0``.

    Implied by capacity and headroom; added because it tightens the LP relaxation. Sets
    ``v.pair_row``.
    """
    upper = inst.pair_upper_mw
    linked = np.flatnonzero(upper > 0)
    v.pair_row = np.full(inst.n_pairs, -1, dtype=np.int64)
    v.pair_row[linked] = rows = b.add_rows((f"{v.tag}pair_open_", linked), -np.inf, 0.0)
    b.add_entries(rows, v.serve[linked], 1.0)
    b.add_entries(rows, v.open[inst.pairs.site[linked]], -upper[linked])
