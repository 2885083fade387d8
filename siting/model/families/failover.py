"""Redundancy: a stated share of each stream stays served when any one site is lost."""

from __future__ import annotations

import numpy as np

from siting.instance import Instance
from siting.model.arrays import Builder
from siting.model.families.columns import Columns


def define_failover(b: Builder, v: Columns, inst: Instance) -> None:
    """``f_k + r_k - m_g ≤ 0`` per pair of a guarded stream, ``Σ_k (f_k + r_k) - m_g ≥ α_g D_g``.

    docs/model.md, "Redundancy"; in the elastic model unmet demand ``u_g`` counts on the left
    (it needs no reserve: the elastic model stays feasible).
    """
    reserved = np.flatnonzero(v.reserve >= 0)
    guarded = np.flatnonzero(v.peak >= 0)
    stream = inst.pair_stream[reserved]
    f, r = v.serve[reserved], v.reserve[reserved]
    rows = b.add_rows((f"{v.tag}failover_peak_", reserved), -np.inf, 0.0)
    b.add_entries(rows, f, 1.0)
    b.add_entries(rows, r, 1.0)
    b.add_entries(rows, v.peak[stream], -1.0)
    need = inst.stream_failover[guarded] * inst.stream_demand_mw[guarded]
    rows = b.add_rows((f"{v.tag}failover_", guarded), need, np.inf)
    row_of = np.full(inst.n_streams, -1, dtype=np.int64)
    row_of[guarded] = rows
    b.add_entries(row_of[stream], f, 1.0)
    b.add_entries(row_of[stream], r, 1.0)
    b.add_entries(rows, v.peak[guarded], -1.0)
    if v.elastic:
        b.add_entries(rows, v.shortfall[guarded], 1.0)
