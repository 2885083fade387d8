"""The classic location models' families (docs/model.md, "Classic location models").

p-median, p-center, MCLP and LSCP are the siting model with the capacity side switched off:
the open columns ``y_s``, the pair columns as assignment shares ``a_k``, ``x_s = t_s = 0``
(no column), and one family each.
"""

from __future__ import annotations

import numpy as np

from siting.instance import Instance
from siting.model.arrays import Builder
from siting.model.classic import assigned_streams, covered_pairs
from siting.model.families.columns import Columns


def define_classic_columns(b: Builder, inst: Instance) -> Columns:
    """Add ``y_s`` (binary) and the assignment shares ``0 ≤ a_k ≤ 1``; no ``x_s``, ``t_s``."""
    sites = np.arange(inst.n_sites, dtype=np.int64)
    y = b.add_cols(("open_", sites), 0.0, 1.0, integer=True)
    none = np.full(inst.n_sites, -1, dtype=np.int64)
    a = b.add_cols(("serve_", np.arange(inst.n_pairs, dtype=np.int64)), 0.0, 1.0)
    return Columns(y, none, none.copy(), a)


def define_site_count(b: Builder, v: Columns, inst: Instance) -> None:
    """Open exactly (or at most) ``p`` sites: ``Σ_s y_s = p`` (``≤ p``); any objective kind."""
    p = inst.site_count
    if p <= 0:
        return
    low = float(p) if inst.site_count_rule == "exactly" else -np.inf
    row = b.add_rows(("site_count", np.array([""])), low, float(p))
    b.add_entries(row, v.open, 1.0)


def define_assignment(b: Builder, v: Columns, inst: Instance) -> None:
    """Assign each client: ``Σ_s a_gs = 1`` (MCLP: ``≤ 1``, clients with a covering site)."""
    streams = assigned_streams(inst)
    row_of = np.full(inst.n_streams, -1, dtype=np.int64)
    low = -np.inf if inst.objective_kind == "mclp" else 1.0
    row_of[streams] = b.add_rows(("assign_", streams), low, 1.0)
    b.add_entries(row_of[inst.pair_stream], v.serve, 1.0)


def define_assign_open(b: Builder, v: Columns, inst: Instance) -> None:
    """Assign only to open sites: ``a_gs - y_s ≤ 0`` (the strong formulation); sets ``pair_row``."""
    v.pair_row = b.add_rows(("pair_open_", np.arange(inst.n_pairs, dtype=np.int64)), -np.inf, 0)
    b.add_entries(v.pair_row, v.serve, 1.0)
    b.add_entries(v.pair_row, v.open[inst.pairs.site], -1.0)


def define_center(b: Builder, v: Columns, inst: Instance) -> None:
    """p-center: each client's assigned round trip is at most ``W``: ``Σ_s d_gs a_gs - W ≤ 0``.

    Adds ``W`` (``center_ms``, ms), minimised.
    """
    worst = b.add_cols(("center_ms", np.array([""])), 1.0, np.inf)
    rows = b.add_rows(("center_", np.arange(inst.n_streams, dtype=np.int64)), -np.inf, 0.0)
    b.add_entries(rows[inst.pair_stream], v.serve, inst.pairs.rtt_ms)
    b.add_entries(rows, worst, -1.0)


def define_cover(b: Builder, v: Columns, inst: Instance, radius: float) -> None:
    """Cover every client within ``radius`` ms round trip: ``Σ_{s: d_gs ≤ r} y_s ≥ 1``."""
    rows = b.add_rows(("cover_", np.arange(inst.n_streams, dtype=np.int64)), 1.0, np.inf)
    k = covered_pairs(inst, radius)
    b.add_entries(rows[inst.pair_stream[k]], v.open[inst.pairs.site[k]], 1.0)
